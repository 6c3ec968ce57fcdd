<?php
// アシスト店長 (Assist Tencho) through fakeapi: the FAQ's PHP sample, run
// from the command line.
//
// The FAQ's sample (「API連携の設定」) sends the user's browser to
// authorize.php, takes the code from the redirect, exchanges it at token.php
// with grant_type=client_credentials plus the code, and calls
// orders.php?serial_order_id=5 with the token as a Bearer header. Here the
// browser's part (login and consent forms) is done by the script itself, so
// it runs without anyone clicking; the token request and the orders call are
// the sample's. Plain PHP: file_get_contents with stream contexts, no
// extension beyond the standard ones (openssl for https).
//
// Install:  apt-get install php-cli          (PHP 8.1 or later)
// Run:      fakeapi &     # or: docker run --rm -p 127.0.0.1:8080:8080 fakeapi
//           php assist.php
//
// Settings (environment):
//   ASSIST_SITE           http://localhost:8080/assist (default: fakeapi under its prefix);
//                         the real site is https://{shop's domain}, e.g. https://asp101.assist-tencho.com
//   ASSIST_LOGIN_ID       test-admin     the shop admin who consents (fakeapi's テスト店)
//   ASSIST_PASSWORD       Tencho#2024
//   ASSIST_CA_FILE        the PEM fakeapi wrote with -tls-self-signed, when it serves HTTPS
//                         (or SSL_CERT_FILE, which OpenSSL reads)
//
// It prints what it did and exits 1 on the first unexpected answer.

declare(strict_types=1);

define('OAUTH2_SITE', rtrim(getenv('ASSIST_SITE') ?: 'http://localhost:8080/assist', '/'));
// テスト店's app 受注連携テストアプリ in fakeapi's fixtures (no IP restriction).
define('OAUTH2_CLIENT_ID', '3f9a1c0d5e7b2a4c6d8e');
define('OAUTH2_CLIENT_SECRET', '9b2e4f6a8c0d1e3f5a7b9c2d4e6f8a0b1c3d5e7f');
define('OAUTH2_REDIRECT_URI', 'http://127.0.0.1:8081/callback');
define('LOGIN_ID', getenv('ASSIST_LOGIN_ID') ?: 'test-admin');
define('PASSWORD', getenv('ASSIST_PASSWORD') ?: 'Tencho#2024');

function fail(string $msg): never
{
    fwrite(STDERR, $msg . "\n");
    exit(1);
}

/** Options every request shares: TLS trust, and answers read whatever their status. */
function http_options(array $http): array
{
    $options = ['http' => $http + ['ignore_errors' => true, 'timeout' => 20]];
    $ca = getenv('ASSIST_CA_FILE');
    if ($ca) {
        $options['ssl'] = ['cafile' => $ca];
    }
    return $options;
}

/** The status and lower-cased headers of the last answer of file_get_contents. */
function parse_response(array $lines): array
{
    if (!$lines || !preg_match('#^HTTP/\S+ (\d{3})#', $lines[0], $m)) {
        fail('no HTTP status line');
    }
    $headers = [];
    foreach (array_slice($lines, 1) as $line) {
        [$name, $value] = array_map('trim', explode(':', $line, 2) + [1 => '']);
        $headers[strtolower($name)][] = $value;
    }
    return [(int)$m[1], $headers];
}

/**
 * The browser's part: a cookie-keeping client that does not follow redirects.
 * It returns [status, headers, body].
 */
final class Browser
{
    private array $cookies = [];

    public function request(string $method, string $url, array $form = []): array
    {
        $headers = [];
        if ($this->cookies) {
            $pairs = [];
            foreach ($this->cookies as $name => $value) {
                $pairs[] = "$name=$value";
            }
            $headers[] = 'Cookie: ' . implode('; ', $pairs);
        }
        $http = ['method' => $method, 'follow_location' => 0];
        if ($method === 'POST') {
            $headers[] = 'Content-Type: application/x-www-form-urlencoded';
            $http['content'] = http_build_query($form);
        }
        $http['header'] = implode("\r\n", $headers);
        $body = file_get_contents($url, false, stream_context_create(http_options($http)));
        if ($body === false) {
            fail("$method $url: no answer");
        }
        [$status, $hdrs] = parse_response($http_response_header);
        foreach ($hdrs['set-cookie'] ?? [] as $cookie) {
            [$pair] = explode(';', $cookie, 2);
            [$name, $value] = explode('=', $pair, 2) + [1 => ''];
            $this->cookies[trim($name)] = trim($value);
        }
        return [$status, $hdrs, $body];
    }
}

/** The URL of a form's action, and its hidden fields, from a page. */
function form(string $html, string $id): array
{
    if (!preg_match('#<form id="' . preg_quote($id, '#') . '"[^>]*action="([^"]*)"[^>]*>(.*?)</form>#s', $html, $m)) {
        fail("no form $id in the page:\n" . substr($html, 0, 2000));
    }
    $fields = [];
    preg_match_all('#<input type="hidden" name="([^"]*)" value="([^"]*)">#', $m[2], $inputs, PREG_SET_ORDER);
    foreach ($inputs as $input) {
        $fields[html_entity_decode($input[1])] = html_entity_decode($input[2]);
    }
    return [absolute(html_entity_decode($m[1])), $fields];
}

/** A path the emulator answers with (a form action, a Location) made absolute against OAUTH2_SITE. */
function absolute(string $url): string
{
    if (preg_match('#^https?://#', $url)) {
        return $url;
    }
    $site = parse_url(OAUTH2_SITE);
    $origin = $site['scheme'] . '://' . $site['host'] . (isset($site['port']) ? ':' . $site['port'] : '');
    return $origin . $url;
}

// 認証ページ表示: the URL the sample redirects the browser to.
$state = sha1(uniqid((string)mt_rand(), true));
$params = array(
    'client_id' => OAUTH2_CLIENT_ID,
    'redirect_uri' => OAUTH2_REDIRECT_URI,
    'response_type' => 'code',
    'scope' => 'read_sales',
    'state' => $state
);
$auth_url = OAUTH2_SITE . '/api/oauth/authorize.php?' . http_build_query($params);

// The browser: log in as the shop admin, then 許可する on the consent page.
$browser = new Browser();
[$status, , $page] = $browser->request('GET', $auth_url);
if ($status !== 200) {
    fail("authorize.php: want 200, got $status");
}
[$action, $fields] = form($page, 'login_form');
[$status, $headers] = $browser->request('POST', $action, $fields + ['login_id' => LOGIN_ID, 'password' => PASSWORD]);
if ($status !== 303) {
    fail("login: want 303, got $status (wrong ASSIST_LOGIN_ID or ASSIST_PASSWORD?)");
}
[$status, , $page] = $browser->request('GET', absolute($headers['location'][0]));
[$action, $fields] = form($page, 'consent_form');
[$status, $headers] = $browser->request('POST', $action, $fields + ['decision' => 'allow']);
if ($status !== 302) {
    fail("consent: want 302, got $status");
}
$redirect = $headers['location'][0];
parse_str((string)parse_url($redirect, PHP_URL_QUERY), $query);
if (!str_starts_with($redirect, OAUTH2_REDIRECT_URI . '?') || ($query['state'] ?? '') !== $state || empty($query['code'])) {
    fail("consent: unexpected redirect $redirect");
}
$code = $query['code'];
echo "authorized: code for " . OAUTH2_CLIENT_ID . "\n";

// 認可後: the sample's token request. The Content-Type line is ours: without
// it PHP sends the same header and prints a notice.
$params = array(
    'client_id' => OAUTH2_CLIENT_ID,
    'client_secret' => OAUTH2_CLIENT_SECRET,
    'code' => $code,
    'grant_type' => 'client_credentials',
    'redirect_uri' => OAUTH2_REDIRECT_URI
);
$request_options = http_options(array(
    'method' => 'POST',
    'header' => 'Content-Type: application/x-www-form-urlencoded',
    'content' => http_build_query($params)
));
$context = stream_context_create($request_options);

$token_url = OAUTH2_SITE . '/api/oauth/token.php';
$response_body = file_get_contents($token_url, false, $context);
[$status] = parse_response($http_response_header);
$response_json = json_decode((string)$response_body);
if ($status !== 200 || !isset($response_json->access_token)) {
    fail("token.php: want 200 with an access_token, got $status $response_body");
}
$access_token = $response_json->access_token;
echo "token: {$response_json->token_type}, expires_in " . var_export($response_json->expires_in, true) . "\n";

// The sample's orders call (GET with the token as a Bearer header).
$arrParam = array();
$arrParam['serial_order_id'] = '5';
$api_url = OAUTH2_SITE . '/api/v1/orders.php?' . http_build_query($arrParam);
$context = stream_context_create(http_options(array(
    'method' => 'GET',
    'header' => "Authorization: Bearer {$access_token}"
)));
$response_body_api = file_get_contents($api_url, false, $context);
[$status_code] = parse_response($http_response_header);
$response_body_api = json_decode((string)$response_body_api);
if ($status_code !== 200 || ($response_body_api->orders[0]->serial_order_id ?? null) !== 5) {
    fail("orders.php: want 200 with order 5, got $status_code " . json_encode($response_body_api));
}
$order = $response_body_api->orders[0];
echo "order {$order->serial_order_id}: {$order->order_name01} {$order->order_name02}, {$order->payment_total} yen, {$order->order_status_name}\n";

// The FAQ: a code can be exchanged once only.
$again = file_get_contents($token_url, false, stream_context_create($request_options));
[$status] = parse_response($http_response_header);
if ($status !== 400 || (json_decode((string)$again)->error ?? '') !== 'invalid_grant') {
    fail("second exchange of the code: want 400 invalid_grant, got $status $again");
}
echo "second exchange refused: invalid_grant\n";
