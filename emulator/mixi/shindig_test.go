package mixi

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Where mixi's pages are silent, the OpenSocial 0.8 reference container's
// answers (docs/providers/mixi.md, "People" and "Persistence (appdata)").
func TestShindigAnswersWhereTheSeedIsSilent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path, body string
		status                   int
		reason                   string
	}{
		{"should answer 501 to POST on people", http.MethodPost, "/people/@me/@self", `{"nickname":"x"}`, 501, reasonAddPeople},
		{"should answer 501 to POST on a friend", http.MethodPost, "/people/@me/@friends/1000002", "", 501, reasonAddPeople},
		{"should answer 501 to POST on /people", http.MethodPost, "/people", "", 501, reasonAddPeople},
		{"should answer 501 to PUT on people", http.MethodPut, "/people/@me/@self", `{"nickname":"x"}`, 501, reasonUpdatePeople},
		{"should answer 400 to DELETE on people", http.MethodDelete, "/people/@me/@self", "", 400, reasonDeletePeople},
		{"should answer 400 to DELETE on a friend", http.MethodDelete, "/people/@me/@friends/1000002", "", 400, reasonDeletePeople},
		{"should answer 400 to DELETE on a person without selector", http.MethodDelete, "/people/1000002", "", 400, reasonDeletePeople},
		{"should answer 403 to POST on appdata without a selector", http.MethodPost, "/appdata/@me", `{"k":"v"}`, 403, reasonNoSelector},
		{"should answer 403 to PUT on appdata without a selector", http.MethodPut, "/appdata/@me", `{"k":"v"}`, 403, reasonNoSelector},
		{"should answer 403 to DELETE on appdata without a selector", http.MethodDelete, "/appdata/@me", "", 403, reasonNoSelector},
		{"should answer 400 to a write on appdata without a target", http.MethodPost, "/appdata", `{"k":"v"}`, 400, reasonNoTarget},
		{"should answer 400 to a write on appdata/ without a target", http.MethodDelete, "/appdata/", "", 400, reasonNoTarget},
		// What the issue keeps: the seed's invalid paging stays 400.
		{"should keep 400 for invalid paging", http.MethodGet, "/people/@me/@friends?count=-1", "", 400, reasonBadCount},
		{"should keep 400 for a startIndex that is not a number", http.MethodGet, "/people/@me/@friends?startIndex=a", "", 400, reasonBadStartIndex},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			ct := ""
			if tt.body != "" {
				ct = "application/json"
			}
			w := e.call(t, tt.method, sakura, tt.path, tt.body, ct)
			require.Equal(t, tt.status, w.Code, w.Body.String())
			assert.Equal(t, errorBody(tt.status), w.Body.String())
			assert.Equal(t, tt.reason, w.Header().Get("X-Fakeapi-Reason"))
		})
	}
	t.Run("should still ask for a signature first", func(t *testing.T) {
		e := newEnv(t)
		w := e.serve(newRequest(http.MethodPost, "http://localhost:8080/mixi/os/0.8/people/@me/@self", nil))
		assert.Equal(t, http.StatusUnauthorized, w.Code)
	})
	t.Run("should change nothing on a refused appdata write", func(t *testing.T) {
		e := newEnv(t)
		require.Equal(t, http.StatusForbidden, e.call(t, http.MethodDelete, sakura, "/appdata/@me", "", "").Code)
		m := decode(t, e.get(t, sakura, "/appdata/@me/@self/@app"))
		assert.NotEmpty(t, entry(t, m)[sakura])
	})
	// A friend who turned disclosure off shows only what ▲ allows: the
	// record, without basic fields.
	t.Run("should keep a friend with disclosure off to what ▲ allows", func(t *testing.T) {
		e := newEnv(t)
		w := e.get(t, sakura, "/people/@me/@friends/1000005?fields=@all")
		require.Equal(t, http.StatusOK, w.Code)
		p := entry(t, decode(t, w))
		assert.Equal(t, yui, p["id"])
		assert.NotContains(t, p, "nickname")
		assert.NotContains(t, p, "gender")
		assert.NotContains(t, p, "name")
	})
}
