package kii

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOutbox: GET /_fakeapi/kii/outbox lists what was sent, filtered by
// app and address; DELETE empties it; it keeps the newest maxOutbox
// messages; reset and state imports empty it, and the export leaves it out
// (docs/providers/kii.md, "Outbox").
func TestOutbox(t *testing.T) {
	t.Parallel()
	reset := func(t *testing.T, e *env, appID, seg string) {
		t.Helper()
		w := e.do(t, req{"POST", "/api/apps/" + appID + "/users/" + seg + "/password/request-reset", kiiHeaders(appID, "k"), ""})
		require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
	}

	t.Run("should list, filter and clear", func(t *testing.T) {
		t.Parallel()
		e := newEnvWith(t, lifecycleFixture)
		reset(t, e, "vapp", "u-mio")
		reset(t, e, "gapp", "u-gen")
		all := e.outbox(t, "")
		require.Len(t, all, 2)
		assert.Equal(t, "mio@example.jp", all[0].To, "oldest first")
		assert.Equal(t, t0, all[0].Time)
		assert.Len(t, e.outbox(t, "?app=gapp"), 1)
		assert.Len(t, e.outbox(t, "?to=MIO@example.jp"), 1, "addresses match in any case")
		assert.Empty(t, e.outbox(t, "?app=gapp&to=mio@example.jp"))

		w := httptest.NewRecorder()
		e.inst.Admin.ServeHTTP(w, httptest.NewRequest(http.MethodDelete, "/outbox", nil))
		assert.Equal(t, http.StatusNoContent, w.Code)
		assert.Empty(t, e.outbox(t, ""))
		assert.Equal(t, "[]", func() string {
			w := httptest.NewRecorder()
			e.inst.Admin.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/outbox", nil))
			return w.Body.String()
		}()[:2], "an empty list, not null")
	})

	t.Run("should keep the newest messages only", func(t *testing.T) {
		t.Parallel()
		e := newEnvWith(t, lifecycleFixture)
		for range maxOutbox + 5 {
			reset(t, e, "vapp", "u-mio")
		}
		all := e.outbox(t, "")
		require.Len(t, all, maxOutbox)
		// The newest is the one whose link still works.
		w, _ := e.page(t, "GET", all[len(all)-1].Link, nil)
		assert.Equal(t, http.StatusOK, w.Code)
	})

	t.Run("should be emptied by a reset and left out of the export", func(t *testing.T) {
		t.Parallel()
		e := newEnvWith(t, lifecycleFixture)
		reset(t, e, "vapp", "u-mio")
		link := e.lastTo(t, "mio@example.jp").Link
		doc := mustJSON(t, e.inst.State.Export())
		assert.NotContains(t, string(doc), "mio@example.jp/password")
		assert.NotContains(t, string(doc), "outbox")
		e.inst.State.Reset()
		assert.Empty(t, e.outbox(t, ""))
		w, _ := e.page(t, "GET", link, nil)
		assert.Equal(t, http.StatusNotFound, w.Code, "pending codes go with the reset")
	})
}
