// Package kii emulates Kii Cloud's user and login REST API (docs.kii.com,
// REST API as documented in 2024 and as the official SDKs call it: npm
// kii-cloud-sdk 2.4.19, the Unity SDK, kii_go): app credentials, user
// registration, login at /api/apps/{appID}/oauth2/token and at the
// site-level /api/oauth2/token, app-admin, anonymous and refresh tokens,
// user look-up by id, me, LOGIN_NAME:, EMAIL: and PHONE:, password change,
// disabling and deleting users, the developer log (開発者ログ) that tells
// why a login failed, and the rest of the user lifecycle the official SDKs
// expose: pseudo users, attribute updates, email and phone verification,
// address changes and password resets, with the mail and SMS Kii would
// send kept in an outbox (GET /_fakeapi/kii/outbox) and Kii's hosted
// verification and reset pages served by the emulator.
//
// docs/providers/kii.md describes the emulated API with the public source
// of each fact. Known differences from the real service (its "Known
// differences from Kii Cloud"): the AppKey is checked only for apps with
// strictAppKey; the host is not checked against the app's site; nothing is
// really mailed or texted, and the message texts are the emulator's;
// authorization_code, social login and the Kii objects, buckets, groups and
// push APIs are not emulated; brute-force throttling exists but is off
// unless Config.LoginFailureLimit or an app's fixture turns it on.
package kii
