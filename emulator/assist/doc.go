// Package assist emulates アシスト店長 (Assist Tencho, now スマレジEC・一元管理)
// as its public FAQ "API連携の設定"
// (https://assist-tencho.com/faq/set-config/01-507/) documents it: app
// registration with an IP allow-list (環境設定 > 外部アプリ連携), the
// authorization-code flow at /api/oauth/authorize.php (and
// /oauth/authorize.php, the page's own example), the token endpoint
// /api/oauth/token.php with its grant_type=client_credentials + code quirk
// and its exact token JSON, revocation from 許可済みアプリケーション一覧, and
// the orders API /api/v1/orders.php with a Bearer token.
//
// Where the FAQ is silent the choices are ours (docs/providers/assist.md
// labels each rule): the orders schema follows EC-CUBE 2's dtb_order;
// search filters, paging and the POST/PUT/DELETE shapes are ours; error
// descriptions are borrowed from bshaffer/oauth2-server-php; responses are
// encoded like PHP's json_encode (\uXXXX, \/); tokens never expire; scope
// is recorded but not enforced.
package assist
