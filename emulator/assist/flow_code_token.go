package assist

import (
	"log/slog"
	"net/http"

	"github.com/fakeapi/fakeapi/internal/oauth2x"
)

// tokenWriter writes the token response exactly as the FAQ shows it: keys
// access_token, token_type, expires_in, refresh_token, scope in that order,
// lower-case "bearer", null expiry and refresh token, and "scope":""
// whatever was asked, with RFC 6749 §5.1's cache headers
// (docs/providers/assist.md, "Token").
func tokenWriter(log *slog.Logger) func(http.ResponseWriter, *http.Request, oauth2x.Token) {
	return func(w http.ResponseWriter, _ *http.Request, t oauth2x.Token) {
		noStore(w.Header())
		writeJSON(log, w, http.StatusOK, tokenResponse{AccessToken: t.AccessToken, TokenType: "bearer"})
	}
}

// tokenResponse is the token JSON, keys in this order; the nil pointers
// are the nulls.
type tokenResponse struct {
	AccessToken  string  `json:"access_token"`
	TokenType    string  `json:"token_type"`
	ExpiresIn    *int    `json:"expires_in"`
	RefreshToken *string `json:"refresh_token"`
	Scope        string  `json:"scope"`
}

// tokenErrorWriter writes RFC 6749 §5.2 errors in the provider's JSON.
func tokenErrorWriter(log *slog.Logger) func(http.ResponseWriter, *http.Request, *oauth2x.Error) {
	return func(w http.ResponseWriter, _ *http.Request, e *oauth2x.Error) {
		h := w.Header()
		for k, v := range e.Header {
			h[k] = v
		}
		noStore(h)
		writeJSON(log, w, e.Status, errorBody{e.Code, e.Description})
	}
}

func noStore(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
}
