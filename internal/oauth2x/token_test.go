package oauth2x

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHandleTokenErrors(t *testing.T) {
	t.Parallel()
	m := testMessages
	tests := []struct {
		name   string
		build  func(code string) *http.Request
		status int
		err    string
		desc   string
		header [2]string
	}{
		{"should refuse GET with 405 and Allow", func(string) *http.Request {
			return httptest.NewRequest(http.MethodGet, "/token", nil)
		}, 405, ErrInvalidRequest, m.MethodNotPost, [2]string{"Allow", "POST"}},
		{"should refuse JSON bodies", func(code string) *http.Request {
			r := tokenRequest(exchangeForm(code))
			r.Header.Set("Content-Type", "application/json")
			return r
		}, 400, ErrInvalidRequest, m.ContentType, [2]string{}},
		{"should refuse a malformed body", func(string) *http.Request {
			return httptest.NewRequest(http.MethodPost, "/token", strings.NewReader("a=%zz"))
		}, 400, ErrInvalidRequest, m.MalformedBody, [2]string{}},
		{"should refuse a missing grant_type", func(code string) *http.Request {
			f := exchangeForm(code)
			f.Del("grant_type")
			return tokenRequest(f)
		}, 400, ErrInvalidRequest, m.NoGrantType, [2]string{}},
		{"should refuse the password grant", func(code string) *http.Request {
			f := exchangeForm(code)
			f.Set("grant_type", "password")
			return tokenRequest(f)
		}, 400, errUnsupportedGrantType, fmt.Sprintf(m.UnsupportedGrantType, "password"), [2]string{}},
		{"should refuse the refresh_token grant", func(code string) *http.Request {
			f := exchangeForm(code)
			f.Set("grant_type", "refresh_token")
			return tokenRequest(f)
		}, 400, errUnsupportedGrantType, fmt.Sprintf(m.UnsupportedGrantType, "refresh_token"), [2]string{}},
		{"should refuse a request without client credentials", func(code string) *http.Request {
			return tokenRequest(form("grant_type", "authorization_code", "code", code))
		}, 401, ErrInvalidClient, m.NoClientCredentials, [2]string{}},
		{"should refuse an unknown client", func(code string) *http.Request {
			f := exchangeForm(code)
			f.Set("client_id", "nope")
			return tokenRequest(f)
		}, 401, ErrInvalidClient, m.InvalidClient, [2]string{}},
		{"should refuse a wrong form secret without a Basic challenge", func(code string) *http.Request {
			f := exchangeForm(code)
			f.Set("client_secret", "wrong")
			return tokenRequest(f)
		}, 401, ErrInvalidClient, m.InvalidClient, [2]string{"WWW-Authenticate", ""}},
		{"should refuse a wrong Basic secret with a challenge", func(code string) *http.Request {
			return tokenRequest(form("grant_type", "authorization_code", "code", code), "app1:wrong")
		}, 401, ErrInvalidClient, m.InvalidClient, [2]string{"WWW-Authenticate", `Basic realm="Service"`}},
		{"should refuse Basic with a different body client_id", func(code string) *http.Request {
			return tokenRequest(form("grant_type", "authorization_code", "code", code, "client_id", "app2"), "app1:s3cret")
		}, 401, ErrInvalidClient, m.InvalidClient, [2]string{"WWW-Authenticate", `Basic realm="Service"`}},
		{"should refuse Basic plus a body secret", func(code string) *http.Request {
			return tokenRequest(form("grant_type", "authorization_code", "code", code, "client_secret", "s3cret"), "app1:s3cret")
		}, 400, ErrInvalidRequest, m.TwoAuthMethods, [2]string{}},
		{"should refuse a missing code", func(code string) *http.Request {
			f := exchangeForm(code)
			f.Del("code")
			return tokenRequest(f)
		}, 400, ErrInvalidRequest, m.NoCode, [2]string{}},
		{"should refuse an unknown code", func(string) *http.Request {
			return tokenRequest(exchangeForm("nope"))
		}, 400, errInvalidGrant, m.InvalidCode, [2]string{}},
		{"should refuse another client's code", func(code string) *http.Request {
			return tokenRequest(form("grant_type", "authorization_code", "code", code, "client_id", "app2", "client_secret", "other"))
		}, 400, errInvalidGrant, m.InvalidCode, [2]string{}},
		{"should refuse another redirect URI", func(code string) *http.Request {
			f := exchangeForm(code)
			f.Set("redirect_uri", "https://app.example.com/x")
			return tokenRequest(f)
		}, 400, errInvalidGrant, m.RedirectMismatch, [2]string{}},
		{"should refuse a secret in the URL", func(code string) *http.Request {
			r := tokenRequest(exchangeForm(code))
			r.URL.RawQuery = "client_secret=s3cret"
			return r
		}, 400, ErrInvalidRequest, m.CredentialsInQuery, [2]string{}},
		{"should refuse a duplicated parameter", func(code string) *http.Request {
			f := exchangeForm(code)
			f.Add("client_id", "app1")
			return tokenRequest(f)
		}, 400, ErrInvalidRequest, fmt.Sprintf(m.DuplicateParam, "client_id"), [2]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newTestServer(t)
			code := issue(t, s, "app1", "https://app.example.com/cb", "u")
			w := httptest.NewRecorder()
			s.HandleToken(w, tt.build(code))
			assert.Equal(t, tt.status, w.Code)
			assert.JSONEq(t, fmt.Sprintf(`{"error":%q,"error_description":%q}`, tt.err, tt.desc), w.Body.String())
			assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
			if tt.header[0] != "" {
				assert.Equal(t, tt.header[1], w.Header().Get(tt.header[0]))
			}
			// No failure before the code check consumes the code.
			if tt.err != errInvalidGrant {
				assert.Equal(t, http.StatusOK, doToken(t, s, tokenRequest(exchangeForm(code))).Status)
			}
		})
	}
}

func TestHandleTokenExpiredCodeForAStranger(t *testing.T) {
	t.Parallel()
	s, clk := newTestServer(t)
	code := issue(t, s, "app1", "https://app.example.com/cb", "u")
	_, err := clk.Advance(time.Hour)
	require.NoError(t, err)
	rep := doToken(t, s, tokenRequest(form("grant_type", "authorization_code", "code", code, "client_id", "app2", "client_secret", "other")))
	assert.Equal(t, testMessages.InvalidCode, rep.Description, "should not tell a stranger the code expired")
}

func TestPKCE(t *testing.T) {
	t.Parallel()
	verifier := strings.Repeat("v", 50)
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	s, _ := newTestServer(t)
	t.Run("should accept the matching S256 verifier", func(t *testing.T) {
		code := issue(t, s, "app1", "https://app.example.com/cb", "u", "code_challenge", challenge, "code_challenge_method", "S256")
		f := exchangeForm(code)
		f.Set("code_verifier", verifier)
		rep := doToken(t, s, tokenRequest(f))
		assert.Equal(t, http.StatusOK, rep.Status, rep.Description)
	})
	t.Run("should refuse another verifier", func(t *testing.T) {
		code := issue(t, s, "app1", "https://app.example.com/cb", "u", "code_challenge", challenge, "code_challenge_method", "S256")
		f := exchangeForm(code)
		f.Set("code_verifier", verifier+"x")
		rep := doToken(t, s, tokenRequest(f))
		assert.Equal(t, http.StatusBadRequest, rep.Status)
		assert.Equal(t, testMessages.PKCE, rep.Description)
	})
}

func TestValidateAuthorize(t *testing.T) {
	t.Parallel()
	base := "client_id=app1&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&response_type=code"
	long := strings.Repeat("a", 43)
	tests := []struct {
		name   string
		query  string
		reason Reason
		code   string
	}{
		{"should accept a complete request", base + "&state=x&scope=read_sales", ReasonNone, ""},
		{"should accept PKCE", base + "&code_challenge=" + long + "&code_challenge_method=S256", ReasonNone, ""},
		{"should page a missing client_id", "redirect_uri=x&response_type=code", ReasonNoClientID, ErrInvalidRequest},
		{"should page a duplicated client_id", base + "&client_id=app1", ReasonNoClientID, ErrInvalidRequest},
		{"should page an unknown client", "client_id=zz&redirect_uri=x", ReasonUnknownClient, ErrInvalidClient},
		{"should page a missing redirect_uri", "client_id=app1&response_type=code", ReasonNoRedirectURI, ErrInvalidRequest},
		{"should page a duplicated redirect_uri", base + "&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb", ReasonNoRedirectURI, ErrInvalidRequest},
		{"should page another redirect_uri", "client_id=app1&redirect_uri=https%3A%2F%2Fevil.example%2F&response_type=code", ReasonBadRedirectURI, ErrInvalidRequest},
		{"should redirect a missing response_type", "client_id=app1&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb", ReasonNone, ErrInvalidRequest},
		{"should redirect an unsupported response_type", "client_id=app1&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&response_type=id_token", ReasonNone, errUnsupportedResponseType},
		{"should redirect a duplicated state", base + "&state=a&state=b", ReasonNone, ErrInvalidRequest},
		{"should redirect a short code_challenge", base + "&code_challenge=abc", ReasonNone, ErrInvalidRequest},
		{"should redirect an unknown challenge method", base + "&code_challenge=" + long + "&code_challenge_method=S512", ReasonNone, ErrInvalidRequest},
		{"should redirect a method without challenge", base + "&code_challenge_method=S256", ReasonNone, ErrInvalidRequest},
	}
	s, _ := newTestServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			require.NoError(t, err)
			req, aerr := s.ValidateAuthorize(q)
			if tt.code == "" {
				require.Nil(t, aerr)
				assert.Equal(t, "app1", req.ClientID)
				return
			}
			require.NotNil(t, aerr)
			assert.Equal(t, tt.reason, aerr.Reason)
			assert.Equal(t, tt.code, aerr.Code)
		})
	}
}

func TestRedirectURL(t *testing.T) {
	t.Parallel()
	state := "a&b=c#d+e%f ü"
	tests := []struct {
		name string
		req  AuthRequest
		want string
	}{
		{"should append code then state to the query", AuthRequest{RedirectURI: "https://app.example.com/cb", ResponseType: "code", State: state},
			"https://app.example.com/cb?code=C&state=a%26b%3Dc%23d%2Be%25f+%C3%BC"},
		{"should keep the registered query", AuthRequest{RedirectURI: "https://two.example.com/cb?tenant=1", ResponseType: "code"},
			"https://two.example.com/cb?code=C&tenant=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := redirectURL(tt.req, url.Values{"code": {"C"}})
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			u, err := url.Parse(got)
			require.NoError(t, err)
			if tt.req.State != "" {
				assert.Equal(t, state, u.Query().Get("state"), "state should round-trip")
			}
		})
	}
}

func TestBearerChallenge(t *testing.T) {
	t.Parallel()
	assert.Equal(t, `Bearer realm="Service"`, BearerChallenge("Service", "", ""))
	assert.Equal(t, `Bearer realm="Service", error="invalid_token", error_description="The access token provided is invalid"`,
		BearerChallenge("Service", "invalid_token", "The access token provided is invalid"))
	assert.Equal(t, `Bearer realm="a\"b\\c"`, BearerChallenge(`a"b\c`, "", ""))
}

func TestPendingCodeStaysBoundAfterRegistrationEdit(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	uri := "https://app.example.com/cb"
	s, _ := newTestServer(t, func(c *Config) {
		c.Clients = func(id string) (Client, bool) {
			mu.Lock()
			defer mu.Unlock()
			if id != "app1" {
				return lookupTestClient(id)
			}
			return Client{ID: "app1", Secret: "s3cret", RedirectURIs: []string{uri}}, true
		}
	})
	code := issue(t, s, "app1", uri, "u")
	mu.Lock()
	uri = "https://app.example.com/v2"
	mu.Unlock()
	assert.Equal(t, http.StatusOK, doToken(t, s, tokenRequest(exchangeForm(code))).Status,
		"go-oauth2 re-validates redirect_uri against the registration; the code's own URI must still count")
}
