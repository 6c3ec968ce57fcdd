// kii.js drives Kii Cloud's official JS SDK (npm kii-cloud-sdk, as
// pinned in package-lock.json, with the xmlhttprequest it ships for
// Node.js) against fakeapi, for the interop tests
// (e2e/interop/kii_test.go).
//
// stdin:  {"site": "<base URL ending in /api>", "appID", "appKey",
//          "token"?: a user's access token to resume as the current user,
//          "steps": [{"op", ...arguments}]}
// stdout: [{"op", "ok", "error", "user"?}] — one result per step; a step
//         that fails does not stop the next. user is the script's user
//         object after the step: the one the last login, registration or
//         resumption returned, which the instance calls act on and update
//         (the SDK's getCurrentUser() hands out copies).
//
// Ops (the SDK call each makes):
//   registerPseudo {fields}                KiiUser.registerAsPseudoUser
//   register {username, email, phone, country, password, fields}
//                                          KiiUser.userWithCredentials(…).register()
//   authenticate {identifier, password}    KiiUser.authenticate
//   refresh                                user.refresh()
//   putIdentity {identity, password, fields, remove}
//                                          user.putIdentity
//   update {identity, fields, remove}      user.update
//   updatePassword {from, to}              user.updatePassword
//   resetPassword {email}                  KiiUser.resetPassword
//   resetWithMethod {identifier, method}   KiiUser.resetPasswordWithNotificationMethod
//   completeReset {identifier, pin, password}
//                                          KiiUser.completeResetPassword
//   verifyPhone {code}                     user.verifyPhoneNumber
//   resendEmail, resendPhone               user.resendEmailVerification, …PhoneNumberVerification
//   changeEmail {email}, changePhone {phone}
//                                          user.changeEmail, user.changePhone
'use strict';

const { Kii, KiiUser } = require('kii-cloud-sdk').create();

function readStdin() {
  return new Promise((resolve, reject) => {
    let data = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (c) => { data += c; });
    process.stdin.on('end', () => resolve(data));
    process.stdin.on('error', reject);
  });
}

// user is the KiiUser the instance calls act on.
let user = null;

// summary is the user as the SDK's getters report it.
function summary() {
  const u = user;
  if (!u) {
    return null;
  }
  const custom = {};
  for (const k of Object.keys(u._customInfo || {})) {
    if (k !== 'internalUserID' && !k.startsWith('_')) {
      custom[k] = u._customInfo[k];
    }
  }
  return {
    id: u.getID(),
    token: u.getAccessToken(),
    pseudo: u.isPseudoUser(),
    username: u.getUsername() || '',
    displayName: u.getDisplayName() || '',
    country: u.getCountry() || '',
    email: u.getEmailAddress() || '',
    emailVerified: !!u.getEmailVerified(),
    pendingEmail: u.getPendingEmailAddress() || '',
    phone: u.getPhoneNumber() || '',
    phoneVerified: !!u.getPhoneVerified(),
    pendingPhone: u.getPendingPhoneNumber() || '',
    custom,
  };
}

// run makes one step's SDK call; a call that resolves with a user makes it
// the script's user.
async function run(s) {
  const got = await call(s);
  if (got instanceof KiiUser) {
    user = got;
  }
}

async function call(s) {
  const cur = () => user;
  switch (s.op) {
    case 'registerPseudo':
      return KiiUser.registerAsPseudoUser(null, s.fields);
    case 'register': {
      const u = KiiUser.userWithCredentials(s.email, s.phone, s.username, s.password);
      if (s.country) {
        u.setCountry(s.country);
      }
      for (const [k, v] of Object.entries(s.fields || {})) {
        u.set(k, v);
      }
      return u.register();
    }
    case 'authenticate':
      return KiiUser.authenticate(s.identifier, s.password);
    case 'refresh':
      return cur().refresh();
    case 'putIdentity':
      return cur().putIdentity(s.identity, s.password, null, s.fields, s.remove);
    case 'update':
      return cur().update(s.identity, null, s.fields, s.remove);
    case 'updatePassword':
      return cur().updatePassword(s.from, s.to);
    case 'resetPassword':
      return KiiUser.resetPassword(s.email);
    case 'resetWithMethod':
      return KiiUser.resetPasswordWithNotificationMethod(s.identifier, s.method);
    case 'completeReset':
      return KiiUser.completeResetPassword(s.identifier, s.pin, s.password);
    case 'verifyPhone':
      return cur().verifyPhoneNumber(s.code);
    case 'resendEmail':
      return cur().resendEmailVerification();
    case 'resendPhone':
      return cur().resendPhoneNumberVerification();
    case 'changeEmail':
      return cur().changeEmail(s.email);
    case 'changePhone':
      return cur().changePhone(s.phone);
    default:
      throw new Error('unknown op ' + s.op);
  }
}

async function main() {
  const spec = JSON.parse(await readStdin());
  Kii.initializeWithSite(spec.appID, spec.appKey, spec.site);
  if (spec.token) {
    user = await KiiUser.authenticateWithToken(spec.token);
  }
  const results = [];
  for (const s of spec.steps) {
    const r = { op: s.op, ok: true, error: '' };
    try {
      await run(s);
    } catch (e) {
      r.ok = false;
      r.error = (e && e.message) || String(e);
    }
    r.user = summary();
    results.push(r);
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((e) => {
  process.stderr.write(String((e && e.stack) || e) + '\n');
  process.exit(1);
});
