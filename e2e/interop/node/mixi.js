// mixi.js sends mixi OpenSocial requests signed by the npm package
// oauth-1.0a (2-legged OAuth 1.0, HMAC-SHA1, empty token secret), for the
// fakeapi interop tests (e2e/interop/mixi_test.go).
//
// stdin:  {"consumer": {"key", "secret"},
//          "requests": [{"name", "method", "url", "json"?, "bodyHash"?, "tamper"?, "tamperBody"?}]}
// stdout: [{"name", "authorization", "status", "wwwAuthenticate", "body"}]
//
// json is sent as the body (application/json). bodyHash signs it with
// oauth_body_hash; without it the body is left out of the signature, as
// mixi's JSON APIs allow. tamper changes the signature after signing;
// tamperBody sends a different body than the one signed.
'use strict';

const crypto = require('crypto');
const OAuth = require('oauth-1.0a');

function readStdin() {
  return new Promise((resolve, reject) => {
    let data = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (c) => { data += c; });
    process.stdin.on('end', () => resolve(data));
    process.stdin.on('error', reject);
  });
}

// flip changes the first character of a base64 signature.
function flip(sig) {
  return (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
}

async function send(oauth, r) {
  const body = r.json === undefined ? undefined : JSON.stringify(r.json);
  const request = { url: r.url, method: r.method, data: {} };
  if (body !== undefined && r.bodyHash) {
    request.data = body; // oauth-1.0a hashes a string body as is
    request.includeBodyHash = true;
  }
  const params = oauth.authorize(request);
  if (r.tamper) {
    params.oauth_signature = flip(params.oauth_signature);
  }
  const headers = oauth.toHeader(params);
  let sent = body;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    if (r.tamperBody) {
      sent = JSON.stringify(Object.assign({}, r.json, { tampered: 'yes' }));
    }
  }
  const res = await fetch(r.url, { method: r.method, headers, body: sent });
  return {
    name: r.name,
    authorization: headers.Authorization,
    status: res.status,
    wwwAuthenticate: res.headers.get('www-authenticate') || '',
    body: await res.text(),
  };
}

async function main() {
  const spec = JSON.parse(await readStdin());
  const oauth = OAuth({
    consumer: spec.consumer,
    signature_method: 'HMAC-SHA1', // set explicitly: the library's default is PLAINTEXT
    hash_function(base, key) {
      return crypto.createHmac('sha1', key).update(base).digest('base64');
    },
    // oauth_body_hash is a plain SHA-1 of the body; without this the library
    // would use hash_function (an HMAC) for it.
    body_hash_function(data) {
      return crypto.createHash('sha1').update(data).digest('base64');
    },
  });
  const out = [];
  for (const r of spec.requests) {
    out.push(await send(oauth, r));
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
