package assist

import (
	"log/slog"
	"net/http"

	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/oauth2x"
)

// tokenWriter writes the token response exactly as the seed shows it ([doc]
// seed 002, whose "beare r" is a line-wrap artefact): keys access_token,
// token_type, expires_in, refresh_token, scope in that order, lower-case
// "bearer", null expiry and refresh token, and "scope":"" whatever was asked
// ([chosen] assist.md §3), with RFC 6749 §5.1's cache headers.
func tokenWriter(log *slog.Logger) func(http.ResponseWriter, *http.Request, oauth2x.Token) {
	return func(w http.ResponseWriter, r *http.Request, t oauth2x.Token) {
		body := make([]byte, 0, 128)
		body = append(body, `{"access_token":`...)
		if plainJSON(t.AccessToken) {
			body = append(append(append(body, '"'), t.AccessToken...), '"')
		} else {
			tok, err := marshalPHP(t.AccessToken)
			if err != nil {
				writeError(log, w, r, err)
				return
			}
			body = append(body, tok...)
		}
		body = append(body, `,"token_type":"bearer","expires_in":null,"refresh_token":null,"scope":""}`...)
		noStore(w.Header())
		httpx.WriteBytes(w, http.StatusOK, "application/json", body)
	}
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

// The values are shared: net/http and the root only read them.
var (
	cacheNoStore  = []string{"no-store"}
	pragmaNoCache = []string{"no-cache"}
)

func noStore(h http.Header) {
	h["Cache-Control"] = cacheNoStore
	h["Pragma"] = pragmaNoCache
}
