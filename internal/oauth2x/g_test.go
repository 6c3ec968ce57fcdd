package oauth2x

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-oauth2/oauth2/v4"
	oerrors "github.com/go-oauth2/oauth2/v4/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	xoauth2 "golang.org/x/oauth2"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/ids"
)

// Each test here pins one replaced go-oauth2 default (docs/oauth.md, part
// "OAuth 2.0"): it asserts that the unsafe default's symptom is absent, so
// it fails when the fix is taken out.

func TestG1NoRedirectForUnknownClientOrURI(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t)

	t.Run("should not let the pre-checks redirect an unknown client", func(t *testing.T) {
		_, aerr := s.ValidateAuthorize(url.Values{"client_id": {"nope"}, "redirect_uri": {"https://evil.example/"}, "response_type": {"code"}})
		require.NotNil(t, aerr)
		assert.False(t, aerr.Redirectable())
		assert.Equal(t, ReasonUnknownClient, aerr.Reason)
	})
	t.Run("should not let go-oauth2 redirect an unknown client (second guard)", func(t *testing.T) {
		w := httptest.NewRecorder()
		err := s.IssueCode(w, httptest.NewRequest(http.MethodPost, "/", nil),
			AuthRequest{ClientID: "nope", RedirectURI: "https://evil.example/", ResponseType: ResponseCode}, "u")
		assert.ErrorIs(t, err, ErrNoRedirect)
		assert.Empty(t, w.Header().Get("Location"))
	})
	t.Run("should not let go-oauth2 redirect to an unregistered URI (second guard)", func(t *testing.T) {
		w := httptest.NewRecorder()
		err := s.IssueCode(w, httptest.NewRequest(http.MethodPost, "/", nil),
			AuthRequest{ClientID: "app1", RedirectURI: "https://evil.example/", ResponseType: ResponseCode}, "u")
		assert.ErrorIs(t, err, ErrNoRedirect)
		assert.Empty(t, w.Header().Get("Location"))
	})
}

func TestG2ExactRedirect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		client  string
		uri     string
		anyPort bool
		ok      bool
	}{
		{"should accept the registered URI", "app1", "https://app.example.com/cb", false, true},
		{"should refuse a host with the registered host as suffix", "app1", "https://evilapp.example.com/cb", false, false},
		{"should refuse a subdomain", "app1", "https://x.app.example.com/cb", false, false},
		{"should refuse another scheme", "app1", "http://app.example.com/cb", false, false},
		{"should refuse another path", "app1", "https://app.example.com/other", false, false},
		{"should refuse a trailing slash", "app1", "https://app.example.com/cb/", false, false},
		{"should refuse another case", "app1", "https://APP.example.com/cb", false, false},
		{"should refuse an added query", "app1", "https://app.example.com/cb?x=1", false, false},
		{"should refuse an explicit default port", "app1", "https://app.example.com:443/cb", false, false},
		{"should keep a registered query as is", "app2", "https://two.example.com/cb?tenant=1", false, true},
		{"should accept the registered loopback URI", "loop", "http://[::1]:8080/cb", false, true},
		{"should refuse a loopback URI on another port by default", "loop", "http://127.0.0.1:54321/callback", false, false},
		{"should refuse an IPv6 loopback URI on another port by default", "loop", "http://[::1]:1234/cb", false, false},
		{"should refuse a port added to a loopback URI by default", "loop", "http://127.0.0.1:80/callback", false, false},
		{"should accept a loopback URI on another port when asked", "loop", "http://127.0.0.1:54321/callback", true, true},
		{"should accept an IPv6 loopback URI on another port when asked", "loop", "http://[::1]:1234/cb", true, true},
		{"should accept the highest port when asked", "loop", "http://127.0.0.1:65535/callback", true, true},
		{"should accept a loopback URI without a port when asked", "loop", "http://[::1]/cb", true, true},
		{"should refuse port 0 even when asked", "loop", "http://127.0.0.1:0/callback", true, false},
		{"should refuse port 65536 even when asked", "loop", "http://127.0.0.1:65536/callback", true, false},
		{"should refuse port 99999 even when asked", "loop", "http://[::1]:99999/cb", true, false},
		{"should refuse a port with a leading zero even when asked", "loop", "http://127.0.0.1:08081/callback", true, false},
		{"should refuse an empty port even when asked", "loop", "http://127.0.0.1:/callback", true, false},
		{"should refuse a loopback URI with another path", "loop", "http://127.0.0.1:54321/other", true, false},
		{"should refuse a host that merely starts with 127.0.0.1", "loop", "http://127.0.0.1.evil.example/callback", true, false},
		{"should refuse localhost for a 127.0.0.1 registration", "loop", "http://localhost:54321/callback", true, false},
		{"should refuse another port on a non-loopback URI when asked", "app1", "https://app.example.com:8443/cb", true, false},
	}
	exact, _ := newTestServer(t)
	anyPort, _ := newTestServer(t, func(c *Config) { c.LoopbackAnyPort = true })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := exact
			if tt.anyPort {
				s = anyPort
			}
			// Straight to go-oauth2 (no pre-checks): its ValidateURIHandler decides.
			w := httptest.NewRecorder()
			err := s.IssueCode(w, httptest.NewRequest(http.MethodPost, "/", nil),
				AuthRequest{ClientID: testClients[tt.client].ID, RedirectURI: tt.uri, ResponseType: ResponseCode}, "u")
			if tt.ok {
				require.NoError(t, err)
				assert.True(t, strings.HasPrefix(w.Header().Get("Location"), strings.Split(tt.uri, "?")[0]+"?"))
			} else {
				assert.ErrorIs(t, err, oerrors.ErrInvalidRedirectURI)
				assert.Empty(t, w.Header().Get("Location"))
			}
			assert.Equal(t, tt.ok, redirectMatches(testClients[tt.client].RedirectURIs, tt.uri, tt.anyPort))
			// The pre-check a provider calls first agrees.
			q := url.Values{"client_id": {testClients[tt.client].ID}, "redirect_uri": {tt.uri}, "response_type": {ResponseCode}}
			_, aerr := s.ValidateAuthorize(q)
			if tt.ok {
				assert.Nil(t, aerr)
			} else {
				require.NotNil(t, aerr)
				assert.Equal(t, ReasonBadRedirectURI, aerr.Reason)
			}
		})
	}
}

func TestG3UnknownClientIsInvalidClient(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t)
	_, err := s.mgr.GetClient(context.Background(), "nope")
	require.ErrorIs(t, err, oerrors.ErrInvalidClient)
	code, status := s.errorCode(err)
	assert.Equal(t, ErrInvalidClient, code)
	assert.Equal(t, http.StatusUnauthorized, status, "should not be a 500 server_error")
}

func TestG4RFCStatuses(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t)
	for err, want := range map[error]int{
		oerrors.ErrInvalidGrant:            400,
		oerrors.ErrUnsupportedGrantType:    400,
		oerrors.ErrUnauthorizedClient:      400,
		oerrors.ErrUnsupportedResponseType: 400,
		oerrors.ErrInvalidClient:           401,
	} {
		_, status := s.errorCode(err)
		assert.Equal(t, want, status, "%v", err)
	}
	t.Run("should answer a PKCE mismatch found by go-oauth2 with 400", func(t *testing.T) {
		code := issue(t, s, "app1", "https://app.example.com/cb", "u",
			"code_challenge", strings.Repeat("a", 43), "code_challenge_method", "plain")
		f := exchangeForm(code)
		f.Set("code_verifier", strings.Repeat("b", 43))
		rep := doToken(t, s, tokenRequest(f))
		assert.Equal(t, http.StatusBadRequest, rep.Status)
		assert.Equal(t, errInvalidGrant, rep.Error)
		assert.Equal(t, testMessages.PKCE, rep.Description)
	})
}

func TestG5MissingTypesAreInvalidRequest(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t)
	rep := doToken(t, s, tokenRequest(form("code", "x", "client_id", "app1", "client_secret", "s3cret")))
	assert.Equal(t, http.StatusBadRequest, rep.Status)
	assert.Equal(t, ErrInvalidRequest, rep.Error)
	assert.Equal(t, testMessages.NoGrantType, rep.Description)

	base := url.Values{"client_id": {"app1"}, "redirect_uri": {"https://app.example.com/cb"}}
	_, aerr := s.ValidateAuthorize(base)
	require.NotNil(t, aerr)
	assert.True(t, aerr.Redirectable())
	assert.Equal(t, ErrInvalidRequest, aerr.Code)

	q := url.Values{"response_type": {"token"}}
	for k, v := range base {
		q[k] = v
	}
	_, aerr = s.ValidateAuthorize(q)
	require.NotNil(t, aerr)
	assert.Equal(t, errUnsupportedResponseType, aerr.Code, "not unauthorized_client")
}

func TestG6ParametersFromBodyOnly(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t)
	code := issue(t, s, "app1", "https://app.example.com/cb", "u")
	tests := []struct {
		name  string
		query string
		body  url.Values
		want  string
	}{
		{"should refuse client_secret in the URL", "client_secret=s3cret", form("grant_type", "authorization_code", "code", code, "client_id", "app1"), testMessages.CredentialsInQuery},
		{"should refuse code in the URL", "code=" + code, form("grant_type", "authorization_code", "client_id", "app1", "client_secret", "s3cret"), testMessages.CredentialsInQuery},
		{"should not read grant_type from the URL", "grant_type=authorization_code", form("code", code, "client_id", "app1", "client_secret", "s3cret"), testMessages.NoGrantType},
		{"should refuse a duplicated parameter", "", form("grant_type", "authorization_code", "code", code, "code", "other", "client_id", "app1", "client_secret", "s3cret"), fmt.Sprintf(testMessages.DuplicateParam, "code")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tokenRequest(tt.body)
			r.URL.RawQuery = tt.query
			rep := doToken(t, s, r)
			assert.Equal(t, http.StatusBadRequest, rep.Status)
			assert.Equal(t, ErrInvalidRequest, rep.Error)
			assert.Equal(t, tt.want, rep.Description)
		})
	}
	// None of these consumed the code.
	assert.Equal(t, http.StatusOK, doToken(t, s, tokenRequest(exchangeForm(code))).Status)
}

func TestG7BasicCredentialsURLDecoded(t *testing.T) {
	t.Parallel()
	odd := testClients["odd"]
	t.Run("should accept golang.org/x/oauth2's escaped Basic credentials", func(t *testing.T) {
		s, _ := newTestServer(t)
		code := issue(t, s, odd.ID, odd.RedirectURIs[0], "u")
		srv := httptest.NewServer(http.HandlerFunc(s.HandleToken))
		defer srv.Close()
		cfg := xoauth2.Config{ClientID: odd.ID, ClientSecret: odd.Secret, RedirectURL: odd.RedirectURIs[0],
			Endpoint: xoauth2.Endpoint{TokenURL: srv.URL, AuthStyle: xoauth2.AuthStyleInHeader}}
		tok, err := cfg.Exchange(context.Background(), code)
		require.NoError(t, err)
		assert.NotEmpty(t, tok.AccessToken)
	})
	t.Run("should accept raw Basic credentials too", func(t *testing.T) {
		s, _ := newTestServer(t)
		code := issue(t, s, odd.ID, odd.RedirectURIs[0], "u")
		rep := doToken(t, s, tokenRequest(form("grant_type", "authorization_code", "code", code), odd.ID+":"+odd.Secret))
		assert.Equal(t, http.StatusOK, rep.Status, rep.Description)
	})
	t.Run("should refuse Basic together with a body secret", func(t *testing.T) {
		s, _ := newTestServer(t)
		rep := doToken(t, s, tokenRequest(form("grant_type", "authorization_code", "code", "x", "client_secret", "s3cret"), "app1:s3cret"))
		assert.Equal(t, http.StatusBadRequest, rep.Status)
		assert.Equal(t, testMessages.TwoAuthMethods, rep.Description)
	})
	t.Run("should accept form credentials", func(t *testing.T) {
		s, _ := newTestServer(t)
		code := issue(t, s, "app1", "https://app.example.com/cb", "u")
		assert.Equal(t, http.StatusOK, doToken(t, s, tokenRequest(exchangeForm(code))).Status)
	})
}

func TestG8EmptySecretNeverMatches(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t)
	code := issue(t, s, "empty", "https://empty.example.com/cb", "u")
	for _, secret := range []string{"", "anything"} {
		rep := doToken(t, s, tokenRequest(form("grant_type", "authorization_code", "code", code, "client_id", "empty", "client_secret", secret)))
		assert.Equal(t, http.StatusUnauthorized, rep.Status)
		assert.Equal(t, ErrInvalidClient, rep.Error)
	}
	assert.False(t, clientInfo(testClients["empty"]).VerifyPassword(""))
	assert.False(t, clientInfo(testClients["empty"]).VerifyPassword("anything"))
	assert.True(t, clientInfo(testClients["app1"]).VerifyPassword("s3cret"))
}

func TestG9SingleUseUnderConcurrency(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t)
	code := issue(t, s, "app1", "https://app.example.com/cb", "u")
	const n = 64
	var wins atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			w := httptest.NewRecorder()
			s.HandleToken(w, tokenRequest(exchangeForm(code)))
			if w.Code == http.StatusOK {
				wins.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load())
}

func TestG9StoreRemoveByCodeIsCompareAndDelete(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t)
	code := issue(t, s, "app1", "https://app.example.com/cb", "u")
	const n = 16
	var arrived sync.WaitGroup
	arrived.Add(n)
	// Every exchange reads the code before any deletes it: the race
	// go-oauth2's get-then-delete loses without a compare-and-delete store.
	s.mgr.MapTokenStorage(barrierStore{s.store, func() { arrived.Done(); arrived.Wait() }})
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.mgr.GenerateAccessToken(context.Background(), oauth2.AuthorizationCode, &oauth2.TokenGenerateRequest{
				ClientID: "app1", ClientSecret: "s3cret", RedirectURI: "https://app.example.com/cb", Code: code})
			if err == nil {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load())
}

// barrierStore is the TokenStore with wait run after every GetByCode, so
// concurrent exchanges all read the code before the first deletes it.
type barrierStore struct {
	*TokenStore
	wait func()
}

func (b barrierStore) GetByCode(ctx context.Context, code string) (oauth2.TokenInfo, error) {
	ti, err := b.TokenStore.GetByCode(ctx, code)
	b.wait()
	return ti, err
}

// TestG10CodeReplay: go-oauth2 cannot tell a replay from an unknown code and
// revokes nothing. A replay is invalid_grant; by default the token of the
// first exchange stays, and with RevokeOnCodeReplay the replay by the
// code's own client revokes it (docs/oauth.md, "Codes").
func TestG10CodeReplay(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		revoke func() bool
		kept   bool
	}{
		{"should keep the first token by default", nil, true},
		{"should keep the first token when the option says no", func() bool { return false }, true},
		{"should revoke the first token when the option says so", func() bool { return true }, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newTestServer(t, func(c *Config) { c.RevokeOnCodeReplay = tt.revoke })
			code := issue(t, s, "app1", "https://app.example.com/cb", "u")
			first := doToken(t, s, tokenRequest(exchangeForm(code)))
			require.Equal(t, http.StatusOK, first.Status)

			stranger := doToken(t, s, tokenRequest(form("grant_type", "authorization_code", "code", code, "client_id", "app2", "client_secret", "other")))
			assert.Equal(t, http.StatusBadRequest, stranger.Status)
			_, ok := s.store.Access(first.AccessToken)
			assert.True(t, ok, "should not let another client revoke the owner's tokens")

			replay := doToken(t, s, tokenRequest(exchangeForm(code)))
			assert.Equal(t, http.StatusBadRequest, replay.Status)
			assert.Equal(t, errInvalidGrant, replay.Error)
			assert.Equal(t, testMessages.InvalidCode, replay.Description)
			_, ok = s.store.Access(first.AccessToken)
			assert.Equal(t, tt.kept, ok, "the token of the first exchange after the replay")
		})
	}
}

func TestG11RedirectURIOptionalAtTokenEndpoint(t *testing.T) {
	t.Parallel()
	noRedirect := func(code string) url.Values {
		f := exchangeForm(code)
		f.Del("redirect_uri")
		return f
	}
	t.Run("should take redirect_uri from the code when absent", func(t *testing.T) {
		s, _ := newTestServer(t)
		code := issue(t, s, "app1", "https://app.example.com/cb", "u")
		assert.Equal(t, http.StatusOK, doToken(t, s, tokenRequest(noRedirect(code))).Status)
	})
	t.Run("should require it in RFC-strict mode", func(t *testing.T) {
		s, _ := newTestServer(t, func(c *Config) { c.RequireRedirectURI = true })
		code := issue(t, s, "app1", "https://app.example.com/cb", "u")
		rep := doToken(t, s, tokenRequest(noRedirect(code)))
		assert.Equal(t, http.StatusBadRequest, rep.Status)
		assert.Equal(t, ErrInvalidRequest, rep.Error)
	})
	t.Run("should refuse a different one", func(t *testing.T) {
		s, _ := newTestServer(t)
		code := issue(t, s, "app1", "https://app.example.com/cb", "u")
		f := exchangeForm(code)
		f.Set("redirect_uri", "https://app.example.com/cb/")
		rep := doToken(t, s, tokenRequest(f))
		assert.Equal(t, errInvalidGrant, rep.Error)
		assert.Equal(t, testMessages.RedirectMismatch, rep.Description)
	})
}

func TestG12ClientCredentialsWithCodeExchangesTheCode(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t)
	code := issue(t, s, "app1", "https://app.example.com/cb", "shop-1")
	f := exchangeForm(code)
	f.Set("grant_type", "client_credentials")
	rep := doToken(t, s, tokenRequest(f))
	require.Equal(t, http.StatusOK, rep.Status, rep.Description)
	tok, ok := s.store.Access(rep.AccessToken)
	require.True(t, ok)
	assert.Equal(t, "shop-1", tok.UserID, "should be the user's token, not an app token")
	assert.Equal(t, errInvalidGrant, doToken(t, s, tokenRequest(exchangeForm(code))).Error, "should have consumed the code")

	f.Del("code")
	rep = doToken(t, s, tokenRequest(f))
	assert.Equal(t, ErrInvalidRequest, rep.Error, "should mint no app-only token")
	assert.Equal(t, testMessages.NoCode, rep.Description)

	strict, _ := newTestServer(t, func(c *Config) { c.CodeViaClientCredentials = false })
	f.Set("code", "x")
	assert.Equal(t, errUnsupportedGrantType, doToken(t, strict, tokenRequest(f)).Error)
}

func TestG13ProviderWritesTokenBytes(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t, func(c *Config) {
		c.WriteToken = func(w http.ResponseWriter, _ *http.Request, t Token) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = fmt.Fprintf(w, `{"access_token":"%s","token_type":"bearer","expires_in":null,"refresh_token":null,"scope":""}`, t.AccessToken)
		}
	})
	code := issue(t, s, "app1", "https://app.example.com/cb", "u")
	w := httptest.NewRecorder()
	s.HandleToken(w, tokenRequest(exchangeForm(code)))
	require.Equal(t, http.StatusOK, w.Code)
	body := w.Body.String()
	assert.Regexp(t, `^\{"access_token":"[^"]+","token_type":"bearer","expires_in":null,"refresh_token":null,"scope":""\}$`, body)
}

func TestG15BearerFromHeaderOnly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header []string
		query  string
		want   BearerProblem
	}{
		{"should read a Bearer header", []string{"Bearer abc.DEF-123_~+/=="}, "", BearerOK},
		{"should match the scheme case-insensitively", []string{"bearer abc"}, "", BearerOK},
		{"should ignore access_token in the URL", nil, "access_token=abc", BearerMissing},
		{"should call a scheme without token malformed", []string{"Bearer"}, "", BearerMalformed},
		{"should call an empty token malformed", []string{"Bearer "}, "", BearerMalformed},
		{"should call two tokens malformed", []string{"Bearer a b"}, "", BearerMalformed},
		{"should call another scheme malformed", []string{"Basic YTpi"}, "", BearerMalformed},
		{"should call two headers malformed", []string{"Bearer a", "Bearer b"}, "", BearerMalformed},
		{"should call bad characters malformed", []string{"Bearer a,b"}, "", BearerMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/?"+tt.query, nil)
			for _, h := range tt.header {
				r.Header.Add("Authorization", h)
			}
			_, p := BearerToken(r)
			assert.Equal(t, tt.want, p)
		})
	}
}

func TestG16MissingVerifierIsInvalidGrant(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t)
	t.Run("should refuse a verifier for a code without challenge (downgrade) with 400", func(t *testing.T) {
		code := issue(t, s, "app1", "https://app.example.com/cb", "u")
		f := exchangeForm(code)
		f.Set("code_verifier", strings.Repeat("v", 43))
		rep := doToken(t, s, tokenRequest(f))
		assert.Equal(t, http.StatusBadRequest, rep.Status)
		assert.Equal(t, errInvalidGrant, rep.Error)
	})
	t.Run("should refuse a missing verifier with 400", func(t *testing.T) {
		code := issue(t, s, "app1", "https://app.example.com/cb", "u", "code_challenge", strings.Repeat("c", 43))
		rep := doToken(t, s, tokenRequest(exchangeForm(code)))
		assert.Equal(t, http.StatusBadRequest, rep.Status)
		assert.Equal(t, errInvalidGrant, rep.Error)
	})
	for _, err := range []error{oerrors.ErrMissingCodeVerifier, oerrors.ErrInvalidRedirectURI} {
		code, status := s.errorCode(err)
		assert.Equal(t, errInvalidGrant, code)
		assert.Equal(t, http.StatusBadRequest, status)
	}
}

func TestG17ExpiryOnTheInjectedClock(t *testing.T) {
	t.Parallel()
	t.Run("should expire a code after 10 minutes of emulator time", func(t *testing.T) {
		s, clk := newTestServer(t)
		code := issue(t, s, "app1", "https://app.example.com/cb", "u")
		_, err := clk.Advance(codeTTL + time.Second)
		require.NoError(t, err)
		rep := doToken(t, s, tokenRequest(exchangeForm(code)))
		assert.Equal(t, errInvalidGrant, rep.Error)
		assert.Equal(t, testMessages.ExpiredCode, rep.Description)
	})
	t.Run("should keep a token without lifetime forever", func(t *testing.T) {
		s, clk := newTestServer(t)
		code := issue(t, s, "app1", "https://app.example.com/cb", "u")
		rep := doToken(t, s, tokenRequest(exchangeForm(code)))
		_, err := clk.Advance(100 * 365 * 24 * time.Hour)
		require.NoError(t, err)
		_, ok := s.store.Access(rep.AccessToken)
		assert.True(t, ok)
	})
	t.Run("should not let go-oauth2's wall clock overrule an emulator clock in the past", func(t *testing.T) {
		s, _ := newTestServer(t)
		past := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		clk := clock.NewControlled(func() time.Time { return past })
		s.store.clk = clk
		s.store.Restore(checked(t, Snapshot{
			Codes:  []Code{{Code: "old-code", ClientID: "app1", UserID: "u", RedirectURI: "https://app.example.com/cb", IssuedAt: past, ExpiresAt: past.Add(codeTTL)}},
			Tokens: []Token{{AccessToken: "old-token", ClientID: "app1", UserID: "u", IssuedAt: past, ExpiresAt: past.Add(90 * 24 * time.Hour)}},
		}))
		rep := doToken(t, s, tokenRequest(exchangeForm("old-code")))
		assert.Equal(t, http.StatusOK, rep.Status, rep.Description)
		_, ok := s.store.Access("old-token")
		assert.True(t, ok)
		_, err := clk.Advance(90*24*time.Hour + time.Second)
		require.NoError(t, err)
		_, ok = s.store.Access("old-token")
		assert.False(t, ok, "should expire by the emulator clock")
	})
}

func TestG18Lifetimes(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t)
	code := issue(t, s, "app1", "https://app.example.com/cb", "u")
	rep := doToken(t, s, tokenRequest(exchangeForm(code)))
	tok, ok := s.store.Access(rep.AccessToken)
	require.True(t, ok)
	assert.True(t, tok.ExpiresAt.IsZero(), "should not expire after go-oauth2's default 2 h")
	ti, err := s.mgr.GenerateAccessToken(context.Background(), oauth2.AuthorizationCode, &oauth2.TokenGenerateRequest{
		ClientID: "app1", ClientSecret: "s3cret", RedirectURI: "https://app.example.com/cb",
		Code: issue(t, s, "app1", "https://app.example.com/cb", "u")})
	require.NoError(t, err)
	assert.Empty(t, ti.GetRefresh(), "should issue no refresh token, not go-oauth2's 3-day one")

	ttl, _ := newTestServer(t, func(c *Config) { c.AccessTTL = 90 * 24 * time.Hour })
	code = issue(t, ttl, "app1", "https://app.example.com/cb", "u")
	rep = doToken(t, ttl, tokenRequest(exchangeForm(code)))
	tok, ok = ttl.store.Access(rep.AccessToken)
	require.True(t, ok)
	assert.Equal(t, 90*24*time.Hour, tok.ExpiresAt.Sub(tok.IssuedAt), "should be the provider's lifetime")
}

func TestG19UserFromLoginAndConsent(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t)
	code := issue(t, s, "app1", "https://app.example.com/cb", "shop-7")
	rep := doToken(t, s, tokenRequest(exchangeForm(code)))
	tok, ok := s.store.Access(rep.AccessToken)
	require.True(t, ok)
	assert.Equal(t, "shop-7", tok.UserID)

	w := httptest.NewRecorder()
	require.NoError(t, s.IssueCode(w, httptest.NewRequest(http.MethodPost, "/", nil),
		AuthRequest{ClientID: "app1", RedirectURI: "https://app.example.com/cb", ResponseType: ResponseCode, State: "s"}, ""))
	loc, _ := url.Parse(w.Header().Get("Location"))
	assert.Equal(t, ErrAccessDenied, loc.Query().Get("error"), "no user, no code")
}

func TestG20SeededGenerators(t *testing.T) {
	t.Parallel()
	mint := func() (string, string) {
		clk := clock.NewControlled(func() time.Time { return testEpoch })
		src := ids.Seeded(42)
		s := New(Config{Clock: clk, IDs: src, Clients: lookupTestClient, Store: NewTokenStore(clk), ResponseTypes: []string{ResponseCode},
			Messages: &testMessages, WriteToken: writeTestToken, WriteError: writeTestError,
			NewCode: func() string { return src.Hex(20) }, NewAccess: func() string { return src.Hex(16) }})
		code := issue(t, s, "app1", "https://app.example.com/cb", "u")
		return code, doToken(t, s, tokenRequest(exchangeForm(code))).AccessToken
	}
	c1, a1 := mint()
	c2, a2 := mint()
	assert.Equal(t, c1, c2)
	assert.Equal(t, a1, a2)
	assert.Regexp(t, `^[0-9a-f]{40}$`, c1)
	assert.Regexp(t, `^[0-9a-f]{32}$`, a1)
}

func TestNoImplicitGrant(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t, func(c *Config) { c.ResponseTypes = []string{ResponseCode, "token"} })
	w := httptest.NewRecorder()
	err := s.IssueCode(w, httptest.NewRequest(http.MethodPost, "/", nil),
		AuthRequest{ClientID: "app1", RedirectURI: "https://app.example.com/cb", ResponseType: "token", State: "s"}, "u")
	assert.ErrorIs(t, err, ErrNoRedirect, "go-oauth2 should not serve the implicit grant")
	assert.Empty(t, w.Header().Get("Location"))
	codes, tokens := s.store.Count(func(string, string) bool { return true })
	assert.Equal(t, [2]int{0, 0}, [2]int{codes, tokens})
}
