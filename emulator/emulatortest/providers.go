package emulatortest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/fakeapi/fakeapi/emulator/assist"
	"github.com/fakeapi/fakeapi/emulator/iijmio"
	"github.com/fakeapi/fakeapi/emulator/kii"
	"github.com/fakeapi/fakeapi/emulator/mixi"
)

// Token helpers: credentials a test needs without driving the providers'
// login and consent pages. They call each provider's admin routes
// (docs/providers/<name>.md, "Admin API").

// IIJmioToken mints an access token of the user mioID for the app
// developerID, as the implicit grant would.
func (s *Server) IIJmioToken(mioID, developerID string) string {
	var out struct {
		AccessToken string `json:"access_token"`
	}
	s.admin(http.MethodPost, "iijmio/tokens", map[string]string{"mioId": mioID, "developerId": developerID}, &out)
	return out.AccessToken
}

// KiiUserToken mints an access token of a user of the Kii app appID; user
// is any form Kii's paths take (a user id, "LOGIN_NAME:taro", "EMAIL:…").
func (s *Server) KiiUserToken(appID, user string) string {
	var out struct {
		AccessToken string `json:"access_token"`
	}
	s.admin(http.MethodPost, "kii/apps/"+url.PathEscape(appID)+"/tokens", map[string]string{"user": user}, &out)
	return out.AccessToken
}

// AssistToken mints an access token of the Assist app clientID, as if its
// shop's first admin had consented and the code had been exchanged.
func (s *Server) AssistToken(clientID string) string {
	var out struct {
		AccessToken string `json:"access_token"`
	}
	s.admin(http.MethodPost, "assist/tokens", map[string]string{"clientId": clientID}, &out)
	return out.AccessToken
}

// MixiClient returns an *http.Client whose requests are signed with 2-legged
// OAuth 1.0 HMAC-SHA1 for the mixi app of consumerKey ("" for the first app
// of the fixtures), stamped with the emulator clock: each request asks the
// emulator's own signer (POST /_fakeapi/mixi/sign) for its Authorization
// header. It routes the real host names like Client.
func (s *Server) MixiClient(consumerKey string) *http.Client {
	return &http.Client{Transport: &mixiSigner{s: s, key: consumerKey, next: s.Client().Transport}}
}

type mixiSigner struct {
	s    *Server
	key  string
	next http.RoundTripper
}

func (m *mixiSigner) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	form := ""
	if r.Body != nil && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body.Close()
		form = string(b)
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	var out struct {
		Authorization string `json:"authorization"`
	}
	m.s.admin(http.MethodPost, "mixi/sign", map[string]string{
		"method": r.Method, "url": r.URL.String(), "consumerKey": m.key, "form": form,
	}, &out)
	r.Header.Set("Authorization", out.Authorization)
	return m.next.RoundTrip(r)
}

// Typed seeding: replace a provider's whole state with data built in Go,
// in the provider's own fixture types, validated exactly like a fixture
// file. Start from the embedded fixtures with IIJmioFixtures() and the like
// to change a part.

// SeedIIJmio replaces IIJmio's state by f.
func (s *Server) SeedIIJmio(f iijmio.Fixtures) { s.seed("iijmio", f) }

// SeedKii replaces Kii's state by f.
func (s *Server) SeedKii(f kii.Fixtures) { s.seed("kii", f) }

// SeedAssist replaces Assist's state by f.
func (s *Server) SeedAssist(f assist.Fixtures) { s.seed("assist", f) }

// SeedMixi replaces mixi's state by f.
func (s *Server) SeedMixi(f mixi.Fixtures) { s.seed("mixi", f) }

// IIJmioFixtures returns IIJmio's live state in its fixture type.
func (s *Server) IIJmioFixtures() iijmio.Fixtures { return exported[iijmio.Fixtures](s, "iijmio") }

// KiiFixtures returns Kii's live state in its fixture type.
func (s *Server) KiiFixtures() kii.Fixtures { return exported[kii.Fixtures](s, "kii") }

// AssistFixtures returns Assist's live state in its fixture type.
func (s *Server) AssistFixtures() assist.Fixtures { return exported[assist.Fixtures](s, "assist") }

// MixiFixtures returns mixi's live state in its fixture type.
func (s *Server) MixiFixtures() mixi.Fixtures { return exported[mixi.Fixtures](s, "mixi") }

func (s *Server) seed(provider string, f any) {
	doc, err := json.Marshal(map[string]any{provider: f})
	if err != nil {
		s.fail("emulatortest: seed %s: %v", provider, err)
		return
	}
	if err := s.ImportState(doc); err != nil {
		s.fail("emulatortest: seed %s: %v", provider, err)
	}
}

func exported[T any](s *Server, provider string) T {
	var doc map[string]T
	if err := json.Unmarshal(s.ExportState(provider), &doc); err != nil {
		s.fail("emulatortest: export %s: %v", provider, err)
	}
	return doc[provider]
}
