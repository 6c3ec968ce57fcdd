"""Send mixi OpenSocial requests signed by Python's oauthlib.

For the fakeapi interop tests (e2e/interop/mixi_test.go). Runs with Debian's
/usr/bin/python3 and python3-oauthlib: standard library plus oauthlib only.

stdin:  {"consumer": {"key", "secret"},
         "requests": [{"name", "method", "url", "json"?, "tamper"?, "tamperBody"?}]}
stdout: [{"name", "authorization", "status", "wwwAuthenticate", "body"}]

oauthlib signs 2-legged requests (no token, empty token secret) with
HMAC-SHA1 in the Authorization header, and adds oauth_body_hash to every
body that is not form-encoded, so JSON bodies are signed through it.
tamper changes the signature after signing; tamperBody sends a different
body than the one signed.
"""

import json
import re
import sys
import urllib.error
import urllib.request

from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_TYPE_AUTH_HEADER, Client


def flip(header):
    """Change the first character of the signature in an OAuth header."""

    def repl(m):
        sig = m.group(2)
        first = "B" if sig[0] == "A" else "A"
        return m.group(1) + first + sig[1:]

    return re.sub(r'(oauth_signature=")([^"]+)', repl, header, count=1)


def send(client, r):
    body = None
    headers = {}
    if "json" in r:
        body = json.dumps(r["json"], ensure_ascii=False)
        headers["Content-Type"] = "application/json"
    uri, headers, body = client.sign(r["url"], http_method=r["method"], body=body, headers=headers)
    if r.get("tamper"):
        headers["Authorization"] = flip(headers["Authorization"])
    if body is not None and r.get("tamperBody"):
        body = json.dumps(dict(r["json"], tampered="yes"), ensure_ascii=False)
    data = body.encode("utf-8") if body is not None else None
    req = urllib.request.Request(uri, data=data, headers=headers, method=r["method"])
    try:
        with urllib.request.urlopen(req, timeout=20) as res:
            status, hdrs, text = res.status, res.headers, res.read()
    except urllib.error.HTTPError as err:
        status, hdrs, text = err.code, err.headers, err.read()
    return {
        "name": r["name"],
        "authorization": headers["Authorization"],
        "status": status,
        "wwwAuthenticate": hdrs.get("WWW-Authenticate", ""),
        "body": text.decode("utf-8"),
    }


def main():
    spec = json.load(sys.stdin)
    client = Client(
        spec["consumer"]["key"],
        client_secret=spec["consumer"]["secret"],
        signature_method=SIGNATURE_HMAC_SHA1,  # explicit, as the issue asks
        signature_type=SIGNATURE_TYPE_AUTH_HEADER,
    )
    out = [send(client, r) for r in spec["requests"]]
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
