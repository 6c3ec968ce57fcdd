package assist

import (
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// code runs the browser flow for client-any and returns a fresh code.
func (f *flow) code() string {
	f.t.Helper()
	return f.authorize(authorizePath, authorizeQuery(), "admin", "pass-word").Query().Get("code")
}

func tokenPost(form url.Values, basic ...string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/assist"+tokenPath, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if len(basic) > 0 {
		r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(basic[0])))
	}
	return r
}

// phpForm is the FAQ's PHP sample's token request: http_build_query of
// client_id, client_secret, code, grant_type=client_credentials, redirect_uri.
func phpForm(code string) url.Values {
	return url.Values{"client_id": {"client-any"}, "client_secret": {"secret-any"}, "code": {code},
		"grant_type": {"client_credentials"}, "redirect_uri": {appRedirect}}
}

var tokenBody = regexp.MustCompile(`^\{"access_token":"([0-9a-f]{32})","token_type":"bearer","expires_in":null,"refresh_token":null,"scope":""\}$`)

// TestSeedPHPSampleReplay sends the FAQ's PHP sample token request as raw
// HTTP/1.0, the way PHP's stream wrapper writes it (file_get_contents with a
// POST context), and checks the response byte for byte.
func TestSeedPHPSampleReplay(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	f := newFlow(t, e)
	code := f.code()
	// http_build_query's order and encoding (RFC 1738, like url.QueryEscape).
	body := "client_id=client-any&client_secret=secret-any&code=" + code +
		"&grant_type=client_credentials&redirect_uri=" + url.QueryEscape(appRedirect)
	conn, err := net.Dial("tcp", f.srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = fmt.Fprintf(conn, "POST /assist/api/oauth/token.php HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n"+
		"Content-Length: %d\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n%s", f.srv.Listener.Addr(), len(body), body)
	require.NoError(t, err)
	raw, err := io.ReadAll(conn)
	require.NoError(t, err)

	head, got, ok := strings.Cut(string(raw), "\r\n\r\n")
	require.True(t, ok, "%q", raw)
	m := tokenBody.FindStringSubmatch(got)
	require.NotNil(t, m, "body %q", got)
	want := `{"access_token":"` + m[1] + `","token_type":"bearer","expires_in":null,"refresh_token":null,"scope":""}`
	assert.Equal(t, want, got)
	head = regexp.MustCompile(`\r\nDate: [^\r]+`).ReplaceAllString(head, "")
	assert.Equal(t, "HTTP/1.0 200 OK\r\nCache-Control: no-store\r\nContent-Length: 123\r\n"+
		"Content-Type: application/json\r\nPragma: no-cache", head)

	// json_decode($response_body)->access_token works on the API.
	assert.Equal(t, 200, e.serve(api(http.MethodGet, "/api/v1/orders.php?serial_order_id=5", m[1], nil)).Code)
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	basicChallenge := `Basic realm="Service"`
	tests := []struct {
		name      string
		build     func(code string) *http.Request
		status    int
		body      string
		challenge string
	}{
		{"should exchange with grant_type=client_credentials and a code (the seed's request)", func(c string) *http.Request {
			return tokenPost(phpForm(c))
		}, 200, "", ""},
		{"should exchange with the standard authorization_code grant", func(c string) *http.Request {
			f := phpForm(c)
			f.Set("grant_type", "authorization_code")
			return tokenPost(f)
		}, 200, "", ""},
		{"should exchange without redirect_uri (the seed's parameter table omits it)", func(c string) *http.Request {
			f := phpForm(c)
			f.Del("redirect_uri")
			return tokenPost(f)
		}, 200, "", ""},
		{"should exchange with Basic credentials", func(c string) *http.Request {
			return tokenPost(url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {appRedirect}}, "client-any:secret-any")
		}, 200, "", ""},
		{"should exchange without Content-Type", func(c string) *http.Request {
			r := tokenPost(phpForm(c))
			r.Header.Del("Content-Type")
			return r
		}, 200, "", ""},
		{"should refuse GET", func(string) *http.Request {
			return httptest.NewRequest(http.MethodGet, "/assist"+tokenPath, nil)
		}, 405, `{"error":"invalid_request","error_description":"The request method must be POST when requesting an access token"}`, ""},
		{"should refuse a missing grant_type", func(c string) *http.Request {
			f := phpForm(c)
			f.Del("grant_type")
			return tokenPost(f)
		}, 400, `{"error":"invalid_request","error_description":"The grant type was not specified in the request"}`, ""},
		{"should refuse the password grant", func(c string) *http.Request {
			f := phpForm(c)
			f.Set("grant_type", "password")
			return tokenPost(f)
		}, 400, `{"error":"unsupported_grant_type","error_description":"Grant type \"password\" not supported"}`, ""},
		{"should refuse client_credentials without a code: no app tokens", func(c string) *http.Request {
			f := phpForm(c)
			f.Del("code")
			return tokenPost(f)
		}, 400, `{"error":"invalid_request","error_description":"Missing parameter: \"code\" is required"}`, ""},
		{"should refuse missing client credentials", func(c string) *http.Request {
			f := phpForm(c)
			f.Del("client_id")
			f.Del("client_secret")
			return tokenPost(f)
		}, 401, `{"error":"invalid_client","error_description":"Client credentials were not found in the headers or body"}`, ""},
		{"should refuse a wrong secret", func(c string) *http.Request {
			f := phpForm(c)
			f.Set("client_secret", "nope")
			return tokenPost(f)
		}, 401, `{"error":"invalid_client","error_description":"The client credentials are invalid"}`, ""},
		{"should refuse a wrong Basic secret with a challenge", func(c string) *http.Request {
			return tokenPost(url.Values{"grant_type": {"authorization_code"}, "code": {c}}, "client-any:nope")
		}, 401, `{"error":"invalid_client","error_description":"The client credentials are invalid"}`, basicChallenge},
		{"should refuse Basic plus a body secret", func(c string) *http.Request {
			return tokenPost(phpForm(c), "client-any:secret-any")
		}, 400, `{"error":"invalid_request","error_description":"Only one method may be used to authenticate at a time (Auth header, GET or POST)"}`, ""},
		{"should refuse an unknown code", func(string) *http.Request {
			return tokenPost(phpForm("0000000000000000000000000000000000000000"))
		}, 400, `{"error":"invalid_grant","error_description":"Authorization code doesn't exist or is invalid for the client"}`, ""},
		{"should refuse another client's code", func(c string) *http.Request {
			f := phpForm(c)
			f.Set("client_id", "client-b")
			f.Set("client_secret", "secret-b")
			return tokenPost(f)
		}, 400, `{"error":"invalid_grant","error_description":"Authorization code doesn't exist or is invalid for the client"}`, ""},
		{"should refuse another redirect_uri", func(c string) *http.Request {
			f := phpForm(c)
			f.Set("redirect_uri", "https://app.example.jp/other.php")
			return tokenPost(f)
		}, 400, `{"error":"invalid_grant","error_description":"The redirect URI is missing or do not match"}`, ""},
		{"should refuse the secret in the URL", func(c string) *http.Request {
			f := phpForm(c)
			f.Del("client_secret")
			r := tokenPost(f)
			r.URL.RawQuery = "client_secret=secret-any"
			return r
		}, 400, `{"error":"invalid_request","error_description":"Credentials must be sent in the request body"}`, ""},
		{"should refuse a parameter given twice", func(c string) *http.Request {
			f := phpForm(c)
			f.Add("code", c)
			return tokenPost(f)
		}, 400, `{"error":"invalid_request","error_description":"Parameter \"code\" was given more than once"}`, ""},
		{"should refuse a JSON body", func(c string) *http.Request {
			r := tokenPost(phpForm(c))
			r.Header.Set("Content-Type", "application/json")
			return r
		}, 400, `{"error":"invalid_request","error_description":"The content type for POST requests must be \"application\/x-www-form-urlencoded\""}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, Config{})
			code := newFlow(t, e).code()
			w := e.serve(tt.build(code))
			require.Equal(t, tt.status, w.Code, w.Body.String())
			assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
			assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
			assert.Equal(t, "no-cache", w.Header().Get("Pragma"))
			if tt.status == 200 {
				assert.Regexp(t, tokenBody, w.Body.String())
				return
			}
			assert.Equal(t, tt.body, w.Body.String())
			assert.Equal(t, tt.challenge, w.Header().Get("WWW-Authenticate"))
			if tt.status == 405 {
				assert.Equal(t, "POST", w.Header().Get("Allow"))
			}
		})
	}
}

func TestTokenCodeLifetime(t *testing.T) {
	t.Parallel()
	t.Run("should accept a code until 10 minutes have passed", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Config{})
		f := newFlow(t, e)
		code := f.code()
		_, err := e.clk.Advance(10*time.Minute - time.Second)
		require.NoError(t, err)
		assert.Equal(t, 200, e.serve(tokenPost(phpForm(code))).Code)
	})
	t.Run("should refuse a code after 10 minutes of emulator time", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Config{})
		f := newFlow(t, e)
		code := f.code()
		_, err := e.clk.Advance(10 * time.Minute)
		require.NoError(t, err)
		w := e.serve(tokenPost(phpForm(code)))
		assert.Equal(t, 400, w.Code)
		assert.Equal(t, `{"error":"invalid_grant","error_description":"The authorization code has expired"}`, w.Body.String())
	})
}

// TestCodeReplayThenRead is the FAQ's PHP sample on a page reload: the code
// is exchanged, exchanged again (invalid_grant), and the app reads orders
// with the token of the first exchange. By default that token stays valid;
// with RevokeOnCodeReplay (Config or settings.revokeOnCodeReplay) the
// replay revokes it, as RFC 9700 recommends (docs/providers/assist.md,
// "Token").
func TestCodeReplayThenRead(t *testing.T) {
	t.Parallel()
	const replayed = `{"error":"invalid_grant","error_description":"Authorization code doesn't exist or is invalid for the client"}`
	for _, tt := range []struct {
		name  string
		cfg   Config
		doc   []string
		after int
	}{
		{"should keep the first token by default", Config{}, nil, 200},
		{"should revoke the first token with RevokeOnCodeReplay", Config{RevokeOnCodeReplay: true}, nil, 401},
		{"should revoke the first token with settings.revokeOnCodeReplay", Config{}, []string{withSettings(`{"revokeOnCodeReplay": true}`)}, 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tt.cfg, tt.doc...)
			code := newFlow(t, e).code()
			w := e.serve(tokenPost(phpForm(code)))
			require.Equal(t, 200, w.Code, w.Body.String())
			tok := tokenBody.FindStringSubmatch(w.Body.String())[1]

			w = e.serve(tokenPost(phpForm(code)))
			assert.Equal(t, 400, w.Code)
			assert.Equal(t, replayed, w.Body.String())

			read := e.serve(api(http.MethodGet, ordersPath+"?serial_order_id=5", tok, nil))
			assert.Equal(t, tt.after, read.Code, read.Body.String())
			if tt.after == 200 {
				assert.Contains(t, read.Body.String(), `"serial_order_id":5,`)
			}
		})
	}
}

// TestConcurrentCodeExchange: of 64 concurrent exchanges of one code,
// exactly one wins (run with -race).
func TestConcurrentCodeExchange(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	code := newFlow(t, e).code()
	const n = 64
	var wins, grants atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			f := phpForm(code)
			if i%2 == 1 {
				f.Set("grant_type", "authorization_code")
			}
			w := e.serve(tokenPost(f))
			switch {
			case w.Code == 200:
				wins.Add(1)
			case w.Code == 400 && strings.Contains(w.Body.String(), `"invalid_grant"`):
				grants.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load())
	assert.Equal(t, int32(n-1), grants.Load())
}

func TestRedirectEditKeepsPendingCodeBound(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	f := newFlow(t, e)
	code := f.code()
	w := adminDo(t, e, http.MethodPut, "/_fakeapi/assist/apps/client-any", `{"redirectUrl":"https://app.example.jp/v2/getAuth.php"}`)
	require.Equal(t, 200, w.Code, w.Body.String())

	moved := phpForm(code)
	moved.Set("redirect_uri", "https://app.example.jp/v2/getAuth.php")
	assert.Equal(t, `{"error":"invalid_grant","error_description":"The redirect URI is missing or do not match"}`,
		e.serve(tokenPost(moved)).Body.String(), "the code is bound to the URI it was issued for")
	assert.Equal(t, 200, e.serve(tokenPost(phpForm(code))).Code, "and still exchanges with it")

	res, doc := f.get("/assist" + authorizePath + "?" + authorizeQuery())
	assert.Equal(t, 400, res.StatusCode, "new authorizations need the new URL")
	assert.Equal(t, "invalid_request", text(byID(doc, "error_code")))
}
