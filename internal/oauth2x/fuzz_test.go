package oauth2x

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-oauth2/oauth2/v4/models"
)

func codeToken(code string) *models.Token {
	return &models.Token{ClientID: "app1", Code: code, CodeExpiresIn: codeTTL}
}

// FuzzTokenRequest throws arbitrary bodies, queries and Authorization
// headers at the token endpoint: it must always answer JSON with a status
// it documents, and never mint a token without a valid code.
func FuzzTokenRequest(f *testing.F) {
	f.Add("grant_type=client_credentials&code=x&client_id=app1&client_secret=s3cret&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb", "", "")
	f.Add("grant_type=authorization_code&code=x", "client_secret=1", "Basic YXBwMTpzM2NyZXQ=")
	f.Add("a=%zz;b", "", "Basic !!!")
	f.Add("grant_type=password&grant_type=x", "code", "Bearer x")
	s, _ := newTestServer(f)
	f.Fuzz(func(t *testing.T, body, query, authz string) {
		r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(body))
		r.URL.RawQuery = query
		if authz != "" {
			r.Header.Set("Authorization", authz)
		}
		w := httptest.NewRecorder()
		s.HandleToken(w, r)
		switch w.Code {
		case 400, 401, 405:
		default:
			t.Fatalf("status %d for %q %q %q: %s", w.Code, body, query, authz, w.Body)
		}
	})
}

// FuzzValidateAuthorize checks that nothing redirects unless the client and
// the exact redirect URI are known, or with LoopbackAnyPort a loopback URI on
// a valid port (docs/oauth.md, "Authorization request", "Redirect URIs").
func FuzzValidateAuthorize(f *testing.F) {
	f.Add("client_id=app1&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&response_type=code&state=x", false)
	f.Add("client_id=loop&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcallback&response_type=token", true)
	f.Add("client_id=loop&redirect_uri=http%3A%2F%2F127.0.0.1%3A65536%2Fcallback&response_type=code", true)
	f.Add("client_id=app1&redirect_uri=https%3A%2F%2Fevilapp.example.com%2Fcb", false)
	exact, _ := newTestServer(f)
	anyPort, _ := newTestServer(f, func(c *Config) { c.LoopbackAnyPort = true })
	f.Fuzz(func(t *testing.T, query string, loopbackAnyPort bool) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		s := exact
		if loopbackAnyPort {
			s = anyPort
		}
		req, aerr := s.ValidateAuthorize(q)
		if aerr != nil && !aerr.Redirectable() {
			return
		}
		if aerr != nil {
			req = aerr.Request
		}
		c, ok := lookupTestClient(req.ClientID)
		if !ok || !redirectMatches(c.RedirectURIs, req.RedirectURI, loopbackAnyPort) {
			t.Fatalf("would redirect to %q for client %q", req.RedirectURI, req.ClientID)
		}
	})
}

// FuzzBearerToken checks the header parser accepts exactly RFC 6750 tokens.
func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer a=", "Bearer a b", "Basic x", "Bearer", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header["Authorization"] = []string{h}
		tok, p := BearerToken(r)
		if p == BearerOK && (tok == "" || strings.ContainsAny(tok, " \t,\"")) {
			t.Fatalf("accepted %q from %q", tok, h)
		}
	})
}
