// Kii Cloud through fakeapi: Kii's own JavaScript SDK (npm kii-cloud-sdk)
// pointed at the emulator.
//
// The SDK takes its API base as the "site": KiiSite.JP is
// "https://api-jp.kii.com/api"; fakeapi serves the same paths under
// http://localhost:8080/kii/api, including the site-level /api/oauth2/token
// the SDK logs in at (docs/providers/kii.md).
//
// Install:  npm install kii-cloud-sdk@2.4.19
// Run:      fakeapi &     # or: docker run --rm -p 127.0.0.1:8080:8080 fakeapi
//           node kii.js
//
// Settings (environment):
//   KII_SITE             http://localhost:8080/kii/api (default: fakeapi under its prefix);
//                        https://api-jp.kii.com/api is the real JP site (KiiSite.JP)
//   KII_APP_ID           da0b6a25                              (fakeapi's JP app)
//   KII_APP_KEY          8174099687a26621f4e2cdd7cc03b3da
//   NODE_EXTRA_CA_CERTS  the PEM fakeapi wrote with -tls-self-signed, when it serves HTTPS
//
// It prints what it did and exits 1 on the first unexpected answer.
'use strict';

const { Kii, KiiUser } = require('kii-cloud-sdk').create();

const SITE = (process.env.KII_SITE || 'http://localhost:8080/kii/api').replace(/\/+$/, '');
const APP_ID = process.env.KII_APP_ID || 'da0b6a25';
const APP_KEY = process.env.KII_APP_KEY || '8174099687a26621f4e2cdd7cc03b3da';

async function main() {
  Kii.initializeWithSite(APP_ID, APP_KEY, SITE);

  // Log in a fixture user and read the profile.
  const taro = await KiiUser.authenticate('taro.yamada', 'taro-pass-1');
  await taro.refresh();
  console.log(`logged in ${taro.getUsername()} ${taro.getEmailAddress()} token ${taro.getAccessToken() ? 'yes' : 'no'}`);

  // Register a user of our own, change the password, log in again.
  const name = `recipe_${Date.now()}`;
  const user = KiiUser.userWithUsername(name, 'first-pass-1');
  await user.register();
  console.log(`registered ${user.getUsername()} ${user.getID()}`);
  await user.updatePassword('first-pass-1', 'second-pass-2');
  const again = await KiiUser.authenticate(name, 'second-pass-2');
  if (again.getID() !== user.getID()) {
    throw new Error(`logged in as ${again.getID()}, registered ${user.getID()}`);
  }
  console.log('password changed, logged in with the new one');

  // A wrong password is refused with Kii's error.
  try {
    await KiiUser.authenticate(name, 'first-pass-1');
    throw new Error('the old password still logs in');
  } catch (err) {
    if (!/invalid_grant/.test(err.message)) {
      throw err;
    }
    console.log(`old password refused: ${err.message}`);
  }

  // Clean up: the user deletes itself.
  await again.delete();
  console.log(`deleted ${name}`);
}

main().catch((err) => {
  console.error(err && err.message ? err.message : err);
  process.exit(1);
});
