package iijmio

import (
	"net/http"
	"strings"

	"github.com/fakeapi/fakeapi/internal/httpx"
)

// compressJSON answers gzip to a client whose Accept-Encoding names gzip,
// as the real Apache's mod_deflate did, and leaves every other response
// byte for byte as it was. Only application/json is compressed: the API's
// bodies, errors included, not the login and consent pages. mod_deflate
// offers gzip alone and reads Accept-Encoding as a list of tokens, so
// "deflate" or "x-gzip" alone get the plain body (docs/providers/iijmio.md,
// "Compression").
var compressJSON = httpx.Gzip(acceptsGzip, "application/json")

// compressStatus is compressJSON for Instance.WriteError, so an injected
// fault's JSON is compressed like any other error.
func compressStatus(write func(w http.ResponseWriter, r *http.Request, status int)) func(w http.ResponseWriter, r *http.Request, status int) {
	return httpx.GzipStatus(compressJSON, write)
}

// acceptsGzip reports whether an Accept-Encoding value lists the token
// gzip, ignoring case and parameters, as mod_deflate does (it does not read
// q-values either).
func acceptsGzip(header string) bool {
	for tok := range strings.SplitSeq(header, ",") {
		tok, _, _ = strings.Cut(tok, ";")
		if strings.EqualFold(strings.TrimSpace(tok), "gzip") {
			return true
		}
	}
	return false
}
