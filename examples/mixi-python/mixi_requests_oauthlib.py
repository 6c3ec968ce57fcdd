#!/usr/bin/env python3
"""mixi appli mobile through fakeapi: OpenSocial requests signed by requests-oauthlib.

mixi's RESTful API takes 2-legged OAuth 1.0: HMAC-SHA1 with the app's consumer key
and secret, no token (an empty token secret), and the viewer's id in the query as
xoauth_requestor_id, which is signed with the rest of the query. JSON bodies are
not part of the signature (docs/providers/mixi.md, "Authentication").

Install:  apt-get install python3-requests-oauthlib   (Debian/Ubuntu)
          or: pip install requests-oauthlib
Run:      fakeapi &            # or: docker run --rm -p 127.0.0.1:8080:8080 fakeapi
          python3 mixi_requests_oauthlib.py

Settings (environment):
  MIXI_API_BASE         http://localhost:8080/mixi (default: fakeapi under its prefix);
                        http://api.mixi-platform.com is the real API's base
  MIXI_CONSUMER_KEY     3f5c2a9e1b7d4c6a8e0f                      (fakeapi's app 13579)
  MIXI_CONSUMER_SECRET  8d2e7b1c9a4f6e3d0b5a7c2e9f1d4b6a8c3e5f70
  MIXI_VIEWER           1000001                                   (さくら, 9 friends)
  REQUESTS_CA_BUNDLE    the PEM fakeapi wrote with -tls-self-signed, when it serves HTTPS

It prints what it read and exits 1 on the first unexpected answer.
"""

import os
import sys

from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_TYPE_AUTH_HEADER
from requests_oauthlib import OAuth1Session

BASE = os.environ.get("MIXI_API_BASE", "http://localhost:8080/mixi").rstrip("/")
KEY = os.environ.get("MIXI_CONSUMER_KEY", "3f5c2a9e1b7d4c6a8e0f")
SECRET = os.environ.get("MIXI_CONSUMER_SECRET", "8d2e7b1c9a4f6e3d0b5a7c2e9f1d4b6a8c3e5f70")
VIEWER = os.environ.get("MIXI_VIEWER", "1000001")


def session(secret):
    # HMAC-SHA1 in the Authorization header, as mixi documents; no resource
    # owner key, so the token secret is empty (2-legged).
    return OAuth1Session(
        KEY,
        client_secret=secret,
        signature_method=SIGNATURE_HMAC_SHA1,
        signature_type=SIGNATURE_TYPE_AUTH_HEADER,
    )


def expect(resp, status):
    if resp.status_code != status:
        sys.exit(
            f"{resp.request.method} {resp.request.url}: want {status}, got {resp.status_code}"
            f" {resp.headers.get('WWW-Authenticate', '')} {resp.text[:300]}"
        )
    return resp


def main():
    mixi = session(SECRET)
    viewer = {"xoauth_requestor_id": VIEWER}

    # The viewer's profile.
    me = expect(mixi.get(f"{BASE}/os/0.8/people/@me/@self", params=viewer, timeout=20), 200).json()["entry"]
    print(f"viewer {me['id']} {me['nickname']}")

    # Friends, with extra fields: the comma is signed percent-encoded twice
    # (fields%3Dbirthday%252Cgender in the base string); the library does it.
    page = expect(
        mixi.get(
            f"{BASE}/os/0.8/people/@me/@friends",
            params={**viewer, "fields": "birthday,gender", "count": 3},
            timeout=20,
        ),
        200,
    ).json()
    print(f"friends {page['totalResults']}, first page:")
    for friend in page["entry"]:
        print(f"  {friend['id']} {friend['nickname']} {friend.get('gender', '-')} {friend.get('birthday', '-')}")

    # Persistence: write a key with a JSON body, then read it back.
    expect(mixi.post(f"{BASE}/os/0.8/appdata/@me/@self/@app", params=viewer, json={"recipe": "requests-oauthlib"}, timeout=20), 200)
    data = expect(
        mixi.get(f"{BASE}/os/0.8/appdata/@me/@self/@app", params={**viewer, "fields": "recipe"}, timeout=20), 200
    ).json()
    print(f"appdata recipe={data['entry'][VIEWER]['recipe']}")

    # A wrong secret: 401, and the reason is in WWW-Authenticate.
    bad = expect(session(SECRET + "x").get(f"{BASE}/os/0.8/people/@me/@self", params=viewer, timeout=20), 401)
    problem = bad.headers["WWW-Authenticate"]
    if 'oauth_problem="signature_invalid"' not in problem:
        sys.exit(f"wrong secret: want oauth_problem=\"signature_invalid\", got {problem}")
    print("wrong secret refused: signature_invalid")


if __name__ == "__main__":
    main()
