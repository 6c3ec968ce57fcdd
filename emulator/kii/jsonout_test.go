package kii

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// encodeStd is v as encoding/json writes it without HTML escaping.
func encodeStd(t testing.TB, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(v))
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

var oddStrings = []string{"", "u-taro", "e4774cdd-a079-4f86-814e-8b9140bb6db4", "山田", `a"b`, `a\b`, "a\nb", "\x00", "\x7f",
	"<&>", "\u2028\u2029", "\xff\xfe", "%41", "tab\there", "ANONYMOUS"}

// TestWriteTokenShouldMatchEncodingJSON: the login body has Kii's keys in
// Kii's order, each value as encoding/json writes it, for any id and token,
// and the headers of a token response.
func TestWriteTokenShouldMatchEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, id := range append(oddStrings, strings.Repeat("long-", 120)) {
		for _, refresh := range []string{"", "r-" + id} {
			for _, exp := range []time.Time{{}, t0.Add(90 * time.Minute)} {
				tok := Token{Access: "a" + id, Refresh: refresh, ExpiresAt: exp}
				want := `{"id":` + encodeStd(t, id) + `,"access_token":` + encodeStd(t, tok.Access) +
					`,"expires_in":` + encodeStd(t, tok.expiresIn(t0)) + `,"token_type":"bearer"`
				if refresh != "" {
					want += `,"refresh_token":` + encodeStd(t, refresh)
				}
				want += "}"
				w := httptest.NewRecorder()
				writeToken(w, id, tok, t0)
				require.Equal(t, want, w.Body.String())
				require.Equal(t, http.StatusOK, w.Code)
				require.Equal(t, strconv.Itoa(len(want)), w.Header().Get("Content-Length"))
				require.Equal(t, ctJSON, w.Header().Get("Content-Type"))
				require.Equal(t, "no-store", w.Header().Get("Cache-Control"))
				require.Equal(t, "no-cache", w.Header().Get("Pragma"))
			}
		}
	}
}
