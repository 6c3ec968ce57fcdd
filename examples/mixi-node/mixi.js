// mixi appli mobile through fakeapi: OpenSocial requests signed by the npm
// package oauth-1.0a.
//
// mixi's RESTful API takes 2-legged OAuth 1.0: HMAC-SHA1 with the app's
// consumer key and secret, no token (an empty token secret), and the viewer's
// id in the query as xoauth_requestor_id, which is signed with the rest of
// the query. JSON bodies are not part of the signature
// (docs/providers/mixi.md, "Authentication").
//
// Install:  npm install oauth-1.0a@2.2.6        (Node.js 18 or later: global fetch)
// Run:      fakeapi &     # or: docker run --rm -p 127.0.0.1:8080:8080 fakeapi
//           node mixi.js
//
// Settings (environment):
//   MIXI_API_BASE         http://localhost:8080/mixi (default: fakeapi under its prefix);
//                         http://api.mixi-platform.com is the real API's base
//   MIXI_CONSUMER_KEY     3f5c2a9e1b7d4c6a8e0f                      (fakeapi's app 13579)
//   MIXI_CONSUMER_SECRET  8d2e7b1c9a4f6e3d0b5a7c2e9f1d4b6a8c3e5f70
//   MIXI_VIEWER           1000001                                   (さくら, 9 friends)
//   NODE_EXTRA_CA_CERTS   the PEM fakeapi wrote with -tls-self-signed, when it serves HTTPS
//
// It prints what it read and exits 1 on the first unexpected answer.
'use strict';

const crypto = require('crypto');
const OAuth = require('oauth-1.0a');

const BASE = (process.env.MIXI_API_BASE || 'http://localhost:8080/mixi').replace(/\/+$/, '');
const KEY = process.env.MIXI_CONSUMER_KEY || '3f5c2a9e1b7d4c6a8e0f';
const SECRET = process.env.MIXI_CONSUMER_SECRET || '8d2e7b1c9a4f6e3d0b5a7c2e9f1d4b6a8c3e5f70';
const VIEWER = process.env.MIXI_VIEWER || '1000001';

function signer(secret) {
  return OAuth({
    consumer: { key: KEY, secret },
    // Say HMAC-SHA1: the library's default is PLAINTEXT, which mixi refuses.
    signature_method: 'HMAC-SHA1',
    hash_function(base, key) {
      return crypto.createHmac('sha1', key).update(base).digest('base64');
    },
  });
}

// send signs method + url (its query included) and sends json, if any, as an
// unsigned application/json body.
async function send(oauth, method, url, json) {
  const headers = oauth.toHeader(oauth.authorize({ url, method }));
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  }
  return fetch(url, { method, headers, body, signal: AbortSignal.timeout(20000) });
}

async function expect(res, status) {
  if (res.status !== status) {
    const text = await res.text();
    throw new Error(`${res.url}: want ${status}, got ${res.status} ${res.headers.get('www-authenticate') || ''} ${text.slice(0, 300)}`);
  }
  return res;
}

function api(path, query) {
  return `${BASE}${path}?${new URLSearchParams({ xoauth_requestor_id: VIEWER, ...query })}`;
}

async function main() {
  const mixi = signer(SECRET);

  // The viewer's profile.
  const me = (await (await expect(await send(mixi, 'GET', api('/os/0.8/people/@me/@self')), 200)).json()).entry;
  console.log(`viewer ${me.id} ${me.nickname}`);

  // Friends, with extra fields: the comma is sent as %2C and signed encoded
  // twice (fields%3Dbirthday%252Cgender); the library does it.
  const friendsURL = api('/os/0.8/people/@me/@friends', { fields: 'birthday,gender', count: '3' });
  const page = await (await expect(await send(mixi, 'GET', friendsURL), 200)).json();
  console.log(`friends ${page.totalResults}, first page:`);
  for (const f of page.entry) {
    console.log(`  ${f.id} ${f.nickname} ${f.gender || '-'} ${f.birthday || '-'}`);
  }

  // Persistence: write a key with a JSON body, then read it back.
  await expect(await send(mixi, 'POST', api('/os/0.8/appdata/@me/@self/@app'), { recipe: 'oauth-1.0a' }), 200);
  const data = await (await expect(await send(mixi, 'GET', api('/os/0.8/appdata/@me/@self/@app', { fields: 'recipe' })), 200)).json();
  console.log(`appdata recipe=${data.entry[VIEWER].recipe}`);

  // A wrong secret: 401, and the reason is in WWW-Authenticate.
  const bad = await expect(await send(signer(SECRET + 'x'), 'GET', api('/os/0.8/people/@me/@self')), 401);
  const problem = bad.headers.get('www-authenticate') || '';
  if (!problem.includes('oauth_problem="signature_invalid"')) {
    throw new Error(`wrong secret: want oauth_problem="signature_invalid", got ${problem}`);
  }
  console.log('wrong secret refused: signature_invalid');
}

main().catch((err) => {
  console.error(err && err.message ? err.message : err);
  process.exit(1);
});
