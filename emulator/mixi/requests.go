package mixi

import (
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/fakeapi/fakeapi/internal/httpx"
)

// handleRequestsDelete handles "DELETE /os/0.8/requests/{guid}/{selector}"
// (リクエスト削除API [doc]): requestIds=a,b, xoauth_requestor_id being the
// user who received them.
func handleRequestsDelete(log *slog.Logger, st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := callerOf(r)
		guid, ok := resolveGuid(chi.URLParam(r, "guid"), c.viewer)
		if !ok || guid != c.viewer {
			writeError(log, w, r, newErr(http.StatusForbidden, reasonRequestsOfOther))
			return
		}
		if segment(chi.URLParam(r, "selector")) != "@self" {
			writeError(log, w, r, newErr(http.StatusForbidden, reasonNoSelector))
			return
		}
		raw, has := first(r.URL.Query(), "requestIds")
		if !has || raw == "" {
			writeError(log, w, r, newErr(http.StatusBadRequest, reasonNoRequestIDs))
			return
		}
		ids, ok := parseRequestIDs(raw)
		if !ok {
			writeError(log, w, r, newErr(http.StatusBadRequest, reasonBadRequestIDs))
			return
		}
		if err := st.DeleteRequests(c.app, c.viewer, ids); err != nil {
			writeError(log, w, r, err)
			return
		}
		httpx.WriteBytes(w, http.StatusOK, contentJSON, []byte(`{"entry":{}}`))
	}
}
