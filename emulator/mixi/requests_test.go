package mixi

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	req1 = "req0000000000000000000001" // app 13579, taro → sakura, misaki
	req2 = "req0000000000000000000002" // app 24680, aoi → sakura
)

func TestRequestsDelete(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		viewer  string
		path    string
		status  int
		reason  string
		deleted []string // recipients of req1 who deleted it afterwards
	}{
		{"should delete a request for its recipient", sakura, "/requests/@me/@self?requestIds=" + req1, 200, "", []string{sakura}},
		{"should accept the recipient's own id as guid", sakura, "/requests/1000001/@self?requestIds=" + req1 + "," + req1, 200, "", []string{sakura}},
		{"should refuse a request addressed to someone else", kenta, "/requests/@me/@self?requestIds=" + req1, 400, reasonBadRequestIDs, nil},
		{"should refuse the sender", taro, "/requests/@me/@self?requestIds=" + req1, 400, reasonBadRequestIDs, nil},
		{"should refuse a request of another app", sakura, "/requests/@me/@self?requestIds=" + req2, 400, reasonBadRequestIDs, nil},
		{"should delete nothing when one id is unknown", sakura, "/requests/@me/@self?requestIds=" + req1 + ",nosuchrequest", 400, reasonBadRequestIDs, nil},
		{"should answer 400 without requestIds", sakura, "/requests/@me/@self", 400, reasonNoRequestIDs, nil},
		{"should answer 400 for an empty requestIds", sakura, "/requests/@me/@self?requestIds=", 400, reasonNoRequestIDs, nil},
		{"should answer 400 for a malformed list", sakura, "/requests/@me/@self?requestIds=a,,b", 400, reasonBadRequestIDs, nil},
		{"should refuse deleting another user's requests", sakura, "/requests/1000003/@self?requestIds=" + req1, 403, reasonRequestsOfOther, nil},
		{"should answer 403 for another selector", sakura, "/requests/@me/@friends?requestIds=" + req1, 403, reasonNoSelector, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			w := e.call(t, http.MethodDelete, tt.viewer, tt.path, "", "")
			require.Equal(t, tt.status, w.Code, "body: %s", w.Body.String())
			if tt.status == http.StatusOK {
				assert.Equal(t, `{"entry":{}}`, w.Body.String())
			} else {
				assert.Equal(t, errorBody(tt.status), w.Body.String())
				assert.Equal(t, tt.reason, w.Header().Get("X-Fakeapi-Reason"))
			}
			reqs := e.inst.State.(state).s.Requests()
			require.Len(t, reqs, 2)
			assert.Equal(t, tt.deleted, reqs[0].Deleted)
		})
	}
}

func TestRequestsDeleteTwiceIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	path := "/requests/@me/@self?requestIds=" + req1
	require.Equal(t, http.StatusOK, e.call(t, http.MethodDelete, sakura, path, "", "").Code)
	assert.Equal(t, http.StatusBadRequest, e.call(t, http.MethodDelete, sakura, path, "", "").Code)
	assert.Equal(t, http.StatusForbidden, e.call(t, http.MethodDelete, misaki, path, "", "").Code, "misaki has not installed the app")
	w := e.callApp(t, app2Key, app2Sec, http.MethodDelete, sakura, "/requests/@me/@self?requestIds="+req2, "", "")
	assert.Equal(t, http.StatusOK, w.Code)
}

func TestRequestsOnlyDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.get(t, sakura, "/requests/@me/@self?requestIds="+req1)
	require.Equal(t, http.StatusMethodNotAllowed, w.Code)
	assert.Equal(t, "DELETE", w.Header().Get("Allow"))
	assert.Equal(t, "405 - Method Not Allowed", w.Body.String())
}
