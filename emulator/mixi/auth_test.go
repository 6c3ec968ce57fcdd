package mixi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	dghubble "github.com/dghubble/oauth1"
	mrjones "github.com/mrjones/oauth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/oauth1"
	"github.com/fakeapi/fakeapi/internal/provider"
)

// headerFor builds an Authorization header from raw oauth parameters,
// signing them (plus query) for uri unless sig is given.
func headerFor(t *testing.T, method, uri, secret string, params []oauth1.Param, query string) string {
	t.Helper()
	q, err := oauth1.ParseForm(query)
	require.NoError(t, err)
	sig := oauth1.Sign(oauth1.BaseString(method, uri, append(append([]oauth1.Param(nil), params...), q...)), secret, "")
	h := "OAuth "
	for _, p := range append(params, oauth1.Param{Name: "oauth_signature", Value: sig}) {
		h += p.Name + `="` + oauth1.Encode(p.Value) + `", `
	}
	return strings.TrimSuffix(h, ", ")
}

func oauthParams(key, nonce string, ts int64, extra ...oauth1.Param) []oauth1.Param {
	return append([]oauth1.Param{
		{Name: "oauth_consumer_key", Value: key}, {Name: "oauth_nonce", Value: nonce},
		{Name: "oauth_signature_method", Value: "HMAC-SHA1"}, {Name: "oauth_timestamp", Value: strconv.FormatInt(ts, 10)},
	}, extra...)
}

func TestOAuthProblems(t *testing.T) {
	t.Parallel()
	const local = "http://localhost:8080/mixi/os/0.8/people/@me/@self"
	now := testNow.Unix()
	window := fmt.Sprintf(`oauth_acceptable_timestamps="%d-%d"`, now-300, now+300)
	tests := []struct {
		name    string
		header  func(t *testing.T) string
		problem string
		extra   string
	}{
		{"should report absent parameters of an unsigned request", func(t *testing.T) string { return "" },
			"parameter_absent", `oauth_parameters_absent="oauth_consumer_key&oauth_signature_method&oauth_signature&oauth_timestamp&oauth_nonce"`},
		{"should reject an unknown consumer key", func(t *testing.T) string {
			return headerFor(t, "GET", local, appSecret, oauthParams("nobody", "a1", now), "xoauth_requestor_id="+sakura)
		}, "consumer_key_unknown", ""},
		{"should reject a wrong secret with the base string as advice", func(t *testing.T) string {
			return headerFor(t, "GET", local, "wrong", oauthParams(appKey, "a2", now), "xoauth_requestor_id="+sakura)
		}, "signature_invalid", `oauth_problem_advice="GET%26http%253A%252F%252Flocalhost%253A8080%252Fmixi%252Fos%252F0.8%252Fpeople%252F%2540me%252F%2540self%26oauth_consumer_key%253Dtestkey13579%2526oauth_nonce%253Da2%2526oauth_signature_method%253DHMAC-SHA1%2526oauth_timestamp%253D1290254400%2526xoauth_requestor_id%253D1000001"`},
		{"should refuse a stale timestamp", func(t *testing.T) string {
			return headerFor(t, "GET", local, appSecret, oauthParams(appKey, "a3", now-301), "xoauth_requestor_id="+sakura)
		}, "timestamp_refused", window},
		{"should reject another version", func(t *testing.T) string {
			return headerFor(t, "GET", local, appSecret, oauthParams(appKey, "a4", now, oauth1.Param{Name: "oauth_version", Value: "1.0a"}), "xoauth_requestor_id="+sakura)
		}, "version_rejected", `oauth_acceptable_versions="1.0-1.0"`},
		{"should reject another signature method", func(t *testing.T) string {
			p := oauthParams(appKey, "a5", now)
			p[2].Value = "PLAINTEXT"
			return headerFor(t, "GET", local, appSecret, p, "xoauth_requestor_id="+sakura)
		}, "signature_method_rejected", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			r := newRequest("GET", local+"?xoauth_requestor_id="+sakura, nil)
			r.Host = "localhost:8080"
			if h := tt.header(t); h != "" {
				r.Header.Set("Authorization", h)
			}
			w := e.serve(r)
			require.Equal(t, http.StatusUnauthorized, w.Code, w.Body.String())
			want := `OAuth realm="http://api.mixi-platform.com/", oauth_problem="` + tt.problem + `"`
			if tt.extra != "" {
				want += ", " + tt.extra
			}
			assert.Equal(t, want, w.Header().Get("WWW-Authenticate"))
			assert.Equal(t, "text/plain; charset=utf-8", w.Header().Get("Content-Type"))
			assert.True(t, strings.HasPrefix(w.Body.String(), "oauth_problem="+tt.problem), w.Body.String())
		})
	}
}

func TestOAuthNonceReplay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r1 := e.signedRequest(t, "GET", "/people/@me/@self?xoauth_requestor_id="+sakura, appKey, appSecret, nil, "")
	r2 := r1.Clone(context.Background())
	require.Equal(t, http.StatusOK, e.serve(r1).Code)
	w := e.serve(r2)
	require.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Equal(t, `OAuth realm="http://api.mixi-platform.com/", oauth_problem="nonce_used"`, w.Header().Get("WWW-Authenticate"))
	assert.Equal(t, "oauth_problem=nonce_used", w.Body.String())
}

// The base string URI may be the emulator's URL as sent, the production URL
// (a client configured for api.mixi-platform.com behind a proxy), or the real
// host with no prefix; OAuth parameters may also come in the query.
func TestOAuthPlacementsAndBaseURIs(t *testing.T) {
	t.Parallel()
	now := testNow.Unix()
	q := "xoauth_requestor_id=" + sakura + "&fields=birthday,gender"
	tests := []struct {
		name    string
		signed  string // base URI signed
		target  string // request URL
		host    string
		inQuery bool
	}{
		{"should accept the local URL under the prefix", "http://localhost:8080/mixi/os/0.8/people/@me/@self", "http://localhost:8080/mixi/os/0.8/people/@me/@self", "localhost:8080", false},
		{"should accept %40 as sent", "http://localhost:8080/mixi/os/0.8/people/%40me/%40self", "http://localhost:8080/mixi/os/0.8/people/%40me/%40self", "localhost:8080", false},
		{"should accept the production URL through the prefix", "http://api.mixi-platform.com/os/0.8/people/@me/@self", "http://localhost:8080/mixi/os/0.8/people/@me/@self", "localhost:8080", false},
		{"should accept the real host", "http://api.mixi-platform.com/os/0.8/people/@me/@self", "http://api.mixi-platform.com/os/0.8/people/@me/@self", "api.mixi-platform.com", false},
		{"should accept the real host with its default port", "http://api.mixi-platform.com/os/0.8/people/@me/@self", "http://api.mixi-platform.com:80/os/0.8/people/@me/@self", "API.mixi-platform.com:80", false},
		{"should accept oauth parameters in the query", "http://localhost:8080/mixi/os/0.8/people/@me/@self", "http://localhost:8080/mixi/os/0.8/people/@me/@self", "localhost:8080", true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			params := oauthParams(appKey, "p"+strconv.Itoa(i), now)
			target := tt.target + "?" + q
			h := headerFor(t, "GET", tt.signed, appSecret, params, q)
			if tt.inQuery {
				hp, _, err := oauth1.ParseHeader(h)
				require.NoError(t, err)
				for _, p := range hp {
					target += "&" + url.QueryEscape(p.Name) + "=" + url.QueryEscape(p.Value)
				}
			}
			r := newRequest("GET", target, nil)
			r.Host = tt.host
			if !tt.inQuery {
				r.Header.Set("Authorization", h)
			}
			w := e.serve(r)
			require.Equal(t, http.StatusOK, w.Code, "%s %s", w.Header().Get("WWW-Authenticate"), w.Body.String())
			assert.Equal(t, "female", entry(t, decode(t, w))["gender"])
		})
	}
}

// emulatorServer mounts the handler as the emulator root does: under /mixi
// (prefix stripped, base recorded), on a clock that follows the wall, since
// real clients stamp requests with time.Now.
func emulatorServer(t *testing.T) (*httptest.Server, *provider.Instance) {
	t.Helper()
	inst, err := Open(provider.Deps{Log: slog.New(slog.DiscardHandler), Clock: clock.NewControlled(nil), IDs: ids.Seeded(2)}, Config{}, "mixi.json", []byte(testFixture))
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := strings.CutPrefix(r.URL.Path, "/mixi/"); ok {
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/" + p
			if r.URL.RawPath != "" {
				r2.URL.RawPath = strings.TrimPrefix(r.URL.RawPath, "/mixi")
			}
			inst.Handler.ServeHTTP(w, httpx.WithBase(r2, "/mixi"))
			return
		}
		inst.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, inst
}

// body reads a response: body(t)(client.Get(…)).
func body(t *testing.T) func(*http.Response, error) (int, string) {
	return func(resp *http.Response, err error) (int, string) {
		t.Helper()
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
}

// dghubble/oauth1 v0.7.3: oauth_token="" always sent, the query signed.
func TestDghubbleClient(t *testing.T) {
	t.Parallel()
	srv, _ := emulatorServer(t)
	client := dghubble.NewConfig(appKey, appSecret).Client(context.Background(), dghubble.NewToken("", ""))
	base := srv.URL + "/mixi/os/0.8"

	code, b := body(t)(client.Get(base + "/people/@me/@self?xoauth_requestor_id=" + sakura + "&fields=birthday,gender&format=json"))
	require.Equal(t, http.StatusOK, code, b)
	assert.Contains(t, b, `"birthday":"1988-04-12"`)

	req, err := http.NewRequest(http.MethodPost, base+"/appdata/@me/@self/@app?xoauth_requestor_id="+sakura, strings.NewReader(`{"gift":"ひまわり"}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	code, b = body(t)(client.Do(req))
	require.Equal(t, http.StatusOK, code, b)

	code, b = body(t)(client.Get(base + "/appdata/@me/@self/@app?xoauth_requestor_id=" + sakura + "&fields=gift"))
	require.Equal(t, http.StatusOK, code, b)
	assert.Equal(t, `{"entry":{"1000001":{"gift":"ひまわり"}},"startIndex":0,"id":["1000001"],"totalResults":1}`, b)

	bad := dghubble.NewConfig(appKey, "wrong").Client(context.Background(), dghubble.NewToken("", ""))
	resp, err := bad.Get(base + "/people/@me/@self?xoauth_requestor_id=" + sakura)
	code, _ = body(t)(resp, err)
	assert.Equal(t, http.StatusUnauthorized, code)
	assert.Contains(t, resp.Header.Get("WWW-Authenticate"), `oauth_problem="signature_invalid"`)
}

// mrjones/oauth is the second independent Go signer (github.com/gomodule/oauth1
// is not served by the module proxy here); with BodyHash it signs
// oauth_body_hash over JSON bodies, as python oauthlib does.
func TestMrjonesClient(t *testing.T) {
	t.Parallel()
	srv, _ := emulatorServer(t)
	consumer := mrjones.NewConsumer(appKey, appSecret, mrjones.ServiceProvider{BodyHash: true})
	client, err := consumer.MakeHttpClient(&mrjones.AccessToken{})
	require.NoError(t, err)
	base := srv.URL + "/mixi/os/0.8"

	code, b := body(t)(client.Get(base + "/people/@me/@friends?xoauth_requestor_id=" + sakura + "&filterBy=hasApp&count=2"))
	require.Equal(t, http.StatusOK, code, b)
	assert.Contains(t, b, `"totalResults":4`)

	req, err := http.NewRequest(http.MethodPut, base+"/appdata/@me/@self/@app?xoauth_requestor_id="+sakura, strings.NewReader(`{"score":"7"}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	code, b = body(t)(client.Do(req))
	require.Equal(t, http.StatusOK, code, b)

	req, err = http.NewRequest(http.MethodDelete, base+"/requests/@me/@self?xoauth_requestor_id="+sakura+"&requestIds="+req1, nil)
	require.NoError(t, err)
	code, b = body(t)(client.Do(req))
	assert.Equal(t, http.StatusOK, code, b)
}
