package oauth2x

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/ids"
)

// Test clients.
var testClients = map[string]Client{
	"app1":  {ID: "app1", Secret: "s3cret", RedirectURIs: []string{"https://app.example.com/cb"}},
	"app2":  {ID: "app2", Secret: "other", RedirectURIs: []string{"https://two.example.com/cb?tenant=1"}},
	"loop":  {ID: "loop", Secret: "loop-secret", RedirectURIs: []string{"http://127.0.0.1/callback", "http://[::1]:8080/cb"}},
	"odd":   {ID: "odd id/+&", Secret: "p@ss:w/rd+&%=", RedirectURIs: []string{"https://odd.example.com/cb"}},
	"empty": {ID: "empty", Secret: "", RedirectURIs: []string{"https://empty.example.com/cb"}},
}

func lookupTestClient(id string) (Client, bool) {
	for _, c := range testClients {
		if c.ID == id {
			return c, true
		}
	}
	return Client{}, false
}

// testEpoch is the emulator time tests start at.
var testEpoch = time.Date(2024, 4, 1, 12, 0, 0, 0, time.UTC)

// newTestServer returns a code-flow server on a controlled clock frozen at
// testEpoch, seeded ids, and Assist-like options unless changed by opts.
func newTestServer(t testing.TB, opts ...func(*Config)) (*Server, *clock.Controlled) {
	t.Helper()
	clk := clock.NewControlled(func() time.Time { return testEpoch })
	cfg := Config{
		Clock: clk, IDs: ids.Seeded(1), Clients: lookupTestClient,
		ResponseTypes:            []string{ResponseCode},
		CodeViaClientCredentials: true,
		Realm:                    "Service",
		Messages:                 &testMessages,
		WriteToken:               writeTestToken,
		WriteError:               writeTestError,
	}
	for _, o := range opts {
		o(&cfg)
	}
	cfg.Store = NewTokenStore(clk)
	return New(cfg), clk
}

// issue runs IssueCode for a consented request and returns the code.
func issue(t testing.TB, s *Server, clientID, redirectURI, user string, extra ...string) string {
	t.Helper()
	req := AuthRequest{ClientID: clientID, RedirectURI: redirectURI, ResponseType: ResponseCode, State: "st"}
	for i := 0; i+1 < len(extra); i += 2 {
		switch extra[i] {
		case "code_challenge":
			req.CodeChallenge = extra[i+1]
		case "code_challenge_method":
			req.CodeChallengeMethod = extra[i+1]
		case "scope":
			req.Scope = extra[i+1]
		}
	}
	w := httptest.NewRecorder()
	require.NoError(t, s.IssueCode(w, httptest.NewRequest(http.MethodPost, "/authorize", nil), req, user))
	require.Equal(t, http.StatusFound, w.Code)
	loc, err := url.Parse(w.Header().Get("Location"))
	require.NoError(t, err)
	code := loc.Query().Get("code")
	require.NotEmpty(t, code, "redirect %s carries no code", loc)
	return code
}

// tokenRequest builds a token POST with form in the body; basic, when
// given, is "user:password" sent as is.
func tokenRequest(form url.Values, basic ...string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if len(basic) > 0 {
		r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(basic[0])))
	}
	return r
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// exchangeForm is the standard authorization_code request of app1.
func exchangeForm(code string) url.Values {
	return form("grant_type", "authorization_code", "code", code, "redirect_uri", "https://app.example.com/cb",
		"client_id", "app1", "client_secret", "s3cret")
}

type tokenReply struct {
	Status      int
	Error       string `json:"error"`
	Description string `json:"error_description"`
	AccessToken string `json:"access_token"`
	Header      http.Header
}

func doToken(t testing.TB, s *Server, r *http.Request) tokenReply {
	t.Helper()
	w := httptest.NewRecorder()
	s.HandleToken(w, r)
	var rep tokenReply
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &rep), "body %q", w.Body.String())
	rep.Status = w.Code
	rep.Header = w.Header()
	return rep
}

// testMessages are the token endpoint's descriptions in tests.
var testMessages = Messages{
	MethodNotPost:        "The token endpoint accepts POST only",
	ContentType:          `The content type must be "application/x-www-form-urlencoded"`,
	BodyTooLarge:         "The request body is too large",
	MalformedBody:        "The request body is not valid form data",
	CredentialsInQuery:   "Credentials must be sent in the request body",
	DuplicateParam:       `Parameter "%s" was given more than once`,
	NoGrantType:          "The grant type was not specified in the request",
	UnsupportedGrantType: `Grant type "%s" not supported`,
	NoClientCredentials:  "Client credentials were not found in the headers or body",
	InvalidClient:        "The client credentials are invalid",
	TwoAuthMethods:       "Only one method may be used to authenticate at a time (Auth header or POST body)",
	NoCode:               `Missing parameter: "code" is required`,
	InvalidCode:          "Authorization code doesn't exist or is invalid for the client",
	ExpiredCode:          "The authorization code has expired",
	RedirectMismatch:     "The redirect URI is missing or do not match",
	NoRedirectURI:        `Missing parameter: "redirect_uri" is required`,
	PKCE:                 "The PKCE code verifier is invalid",
	ServerError:          "The server encountered an unexpected condition",
}

// writeTestToken and writeTestError write RFC 6749 §5.1 and §5.2 bodies.
func writeTestToken(w http.ResponseWriter, _ *http.Request, t Token) {
	writeTestJSON(w, http.StatusOK, nil, map[string]string{"access_token": t.AccessToken, "token_type": "Bearer"})
}

func writeTestError(w http.ResponseWriter, _ *http.Request, e *Error) {
	writeTestJSON(w, e.Status, e.Header, map[string]string{"error": e.Code, "error_description": e.Description})
}

func writeTestJSON(w http.ResponseWriter, status int, extra http.Header, body any) {
	h := w.Header()
	for k, v := range extra {
		h[k] = v
	}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// checked is snap.Checked for a snapshot the test knows to be good.
func checked(t testing.TB, snap Snapshot) Checked {
	t.Helper()
	c, err := snap.Checked()
	require.NoError(t, err)
	return c
}
