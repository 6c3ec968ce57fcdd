package mixi

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPeople(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		viewer string
		path   string
		status int
		reason string
		check  func(t *testing.T, m map[string]any)
	}{
		{"should return the viewer with string booleans and no userHash by default", sakura, "/people/@me/@self", 200, "", func(t *testing.T, m map[string]any) {
			e := entry(t, m)
			assert.Equal(t, "true", e["isViewer"])
			assert.Equal(t, "true", e["isOwner"])
			assert.Equal(t, "true", e["hasApp"])
			assert.Equal(t, sakura, e["id"])
			assert.Equal(t, "さくら", e["nickname"])
			assert.Equal(t, "佐藤 さくら", e["displayName"])
			assert.NotContains(t, e, "userHash")
			assert.NotContains(t, e, "gender")
			assert.Equal(t, 0.0, m["startIndex"])
			assert.Equal(t, 1.0, m["totalResults"])
		}},
		{"should add userHash and profile fields when named", sakura, "/people/@me/@self?fields=userHash,birthday,gender,addresses,bloodType,profileUrl", 200, "", func(t *testing.T, m map[string]any) {
			e := entry(t, m)
			assert.Len(t, e["userHash"], 20)
			assert.Equal(t, "1988-04-12", e["birthday"])
			assert.Equal(t, "female", e["gender"])
			assert.Equal(t, "A", e["bloodType"])
			assert.Equal(t, "http://mixi.jp/show_friend.pl?id=1000001", e["profileUrl"])
			assert.Equal(t, []any{map[string]any{"region": "東京都", "locality": "渋谷区"}}, e["addresses"])
		}},
		{"should accept a bare id as guid", sakura, "/people/1000001/@self", 200, "", func(t *testing.T, m map[string]any) {
			assert.Equal(t, "true", entry(t, m)["isViewer"])
		}},
		{"should accept a mixi.jp: guid", sakura, "/people/mixi.jp:1000001/@self", 200, "", func(t *testing.T, m map[string]any) {
			assert.Equal(t, sakura, entry(t, m)["id"])
		}},
		{"should accept a percent-encoded @me and selector", sakura, "/people/%40me/%40self", 200, "", func(t *testing.T, m map[string]any) {
			assert.Equal(t, sakura, entry(t, m)["id"])
		}},
		{"should show a friend with the app their friends-only profile", sakura, "/people/1000002/@self?fields=gender,birthday", 200, "", func(t *testing.T, m map[string]any) {
			e := entry(t, m)
			assert.Equal(t, "false", e["isViewer"])
			assert.Equal(t, "false", e["isOwner"])
			assert.Equal(t, "true", e["hasApp"])
			assert.Equal(t, "male", e["gender"])
			assert.Equal(t, "たろう", e["nickname"])
		}},
		{"should hide a private profile of a friend with the app", sakura, "/people/1000004/@self?fields=gender,birthday,bloodType", 200, "", func(t *testing.T, m map[string]any) {
			e := entry(t, m)
			assert.Equal(t, "けんた", e["nickname"])
			assert.Equal(t, "AB", e["bloodType"], "basic data stays visible")
			assert.NotContains(t, e, "gender")
			assert.NotContains(t, e, "birthday")
		}},
		{"should show a public profile of a friend without the app", sakura, "/people/1000003/@self?fields=gender", 200, "", func(t *testing.T, m map[string]any) {
			e := entry(t, m)
			assert.Equal(t, "false", e["hasApp"])
			assert.Equal(t, "female", e["gender"])
		}},
		{"should hide everything of a friend without the app who turned disclosure off", sakura, "/people/1000005/@self?fields=@all", 200, "", func(t *testing.T, m map[string]any) {
			e := entry(t, m)
			assert.Equal(t, "1000005", e["id"])
			for _, k := range []string{"nickname", "displayName", "thumbnailUrl", "gender", "birthday", "userHash", "profileUrl"} {
				assert.NotContains(t, e, k)
			}
		}},
		{"should refuse a user who is not a friend", sakura, "/people/1000006/@self", 403, reasonNoPermission, nil},
		{"should not find an unknown user", sakura, "/people/9999999/@self", 404, reasonUserNotFound, nil},
		{"should not find a malformed id", sakura, "/people/abc/@self", 404, reasonBadGuid, nil},
		{"should list friends by id with paging numbers", sakura, "/people/@me/@friends", 200, "", func(t *testing.T, m map[string]any) {
			assert.Equal(t, []string{taro, misaki, kenta, yui, aoi, haruto, haru2}, entryIDs(t, m))
			assert.Equal(t, 0.0, m["startIndex"])
			assert.Equal(t, 20.0, m["itemsPerPage"])
			assert.Equal(t, 7.0, m["totalResults"])
		}},
		{"should page with count and startIndex", sakura, "/people/@me/@friends?count=2&startIndex=1", 200, "", func(t *testing.T, m map[string]any) {
			assert.Equal(t, []string{misaki, kenta}, entryIDs(t, m))
			assert.Equal(t, 1.0, m["startIndex"])
			assert.Equal(t, 2.0, m["itemsPerPage"])
			assert.Equal(t, 7.0, m["totalResults"])
		}},
		{"should answer an empty page past the end", sakura, "/people/@me/@friends?startIndex=50", 200, "", func(t *testing.T, m map[string]any) {
			assert.Empty(t, entryIDs(t, m))
			assert.Equal(t, 7.0, m["totalResults"])
		}},
		{"should answer an empty page for count=0", sakura, "/people/@me/@friends?count=0", 200, "", func(t *testing.T, m map[string]any) {
			assert.Empty(t, entryIDs(t, m))
		}},
		{"should keep only friends with the app for filterBy=hasApp", sakura, "/people/@me/@friends?filterBy=hasApp", 200, "", func(t *testing.T, m map[string]any) {
			assert.Equal(t, []string{taro, kenta, haruto, haru2}, entryIDs(t, m))
			assert.Equal(t, 4.0, m["totalResults"])
		}},
		{"should treat @all as @friends", sakura, "/people/@me/@all?count=3", 200, "", func(t *testing.T, m map[string]any) {
			assert.Equal(t, []string{taro, misaki, kenta}, entryIDs(t, m))
		}},
		{"should accept the viewer's own id for the friend list", sakura, "/people/mixi.jp:1000001/@friends?count=1", 200, "", func(t *testing.T, m map[string]any) {
			assert.Equal(t, []string{taro}, entryIDs(t, m))
		}},
		{"should refuse another user's friend list", sakura, "/people/1000002/@friends", 403, reasonNoPermission, nil},
		{"should not find the friend list of an unknown user", sakura, "/people/9999999/@friends", 404, reasonUserNotFound, nil},
		{"should return a friend by pid", sakura, "/people/@me/@friends/1000002", 200, "", func(t *testing.T, m map[string]any) {
			assert.Equal(t, taro, entry(t, m)["id"])
			assert.Equal(t, 1.0, m["totalResults"])
		}},
		{"should return a friend by mixi.jp: pid", sakura, "/people/@me/@friends/mixi.jp:1000003", 200, "", func(t *testing.T, m map[string]any) {
			assert.Equal(t, misaki, entry(t, m)["id"])
		}},
		{"should answer 404 for a pid who is not a friend", sakura, "/people/@me/@friends/1000006", 404, reasonNotFriend, nil},
		{"should answer 404 for an unknown pid", sakura, "/people/@me/@friends/9999999", 404, reasonNotFriend, nil},
		{"should answer 404 for a malformed pid", sakura, "/people/@me/@friends/x", 404, reasonNotFriend, nil},
		{"should answer 404 for the viewer as their own friend", sakura, "/people/@me/@friends/1000001", 404, reasonNotFriend, nil},
		{"should refuse @self/{pid}", sakura, "/people/@me/@self/1000002", 403, reasonNoSelector, nil},
		{"should refuse another user's friend by pid", sakura, "/people/1000002/@friends/1000003", 403, reasonNoPermission, nil},
		{"should answer 400 without a target id", sakura, "/people", 400, reasonNoTarget, nil},
		{"should answer 400 for /people/", sakura, "/people/", 400, reasonNoTarget, nil},
		{"should answer 403 without a selector", sakura, "/people/@me", 403, reasonNoSelector, nil},
		{"should answer 403 for an unknown selector", sakura, "/people/@me/@family", 403, reasonNoSelector, nil},
		{"should reject a non-numeric count", sakura, "/people/@me/@friends?count=ten", 400, reasonBadCount, nil},
		{"should reject a count over 1000", sakura, "/people/@me/@friends?count=1001", 400, reasonBadCount, nil},
		{"should reject a negative count", sakura, "/people/@me/@friends?count=-1", 400, reasonBadCount, nil},
		{"should reject an empty count", sakura, "/people/@me/@friends?count=", 400, reasonBadCount, nil},
		{"should reject a bad startIndex", sakura, "/people/@me/@friends?startIndex=1.5", 400, reasonBadStartIndex, nil},
		{"should reject another filter", sakura, "/people/@me/@friends?filterBy=nickname", 400, reasonBadFilter, nil},
		{"should reject another format", sakura, "/people/@me/@self?format=xml", 400, reasonBadFormat, nil},
		{"should reject malformed fields", sakura, "/people/@me/@self?fields=nick%20name!", 400, reasonBadFields, nil},
		{"should ignore unknown field names", sakura, "/people/@me/@self?fields=favoriteFood", 200, "", func(t *testing.T, m map[string]any) {
			assert.NotContains(t, entry(t, m), "favoriteFood")
		}},
		{"should answer 400 without xoauth_requestor_id", "", "/people/@me/@self", 400, reasonNoRequestor, nil},
		{"should answer 400 for a non-numeric requestor", "taro", "/people/@me/@self", 400, reasonNoRequestor, nil},
		{"should answer 400 for an unknown requestor", "9999999", "/people/@me/@self", 400, reasonUnknownViewer, nil},
		{"should answer 403 for a requestor without the app", misaki, "/people/@me/@self", 403, reasonNotInstalled, nil},
		{"should accept a mixi.jp: requestor", "mixi.jp:1000001", "/people/@me/@self", 200, "", func(t *testing.T, m map[string]any) {
			assert.Equal(t, sakura, entry(t, m)["id"])
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			w := e.get(t, tt.viewer, tt.path)
			require.Equal(t, tt.status, w.Code, "body: %s", w.Body.String())
			if tt.status != http.StatusOK {
				assert.Equal(t, errorBody(tt.status), w.Body.String())
				assert.Equal(t, "text/plain; charset=utf-8", w.Header().Get("Content-Type"))
				assert.Equal(t, tt.reason, w.Header().Get("X-Fakeapi-Reason"))
				return
			}
			assert.Equal(t, contentJSON, w.Header().Get("Content-Type"))
			tt.check(t, decode(t, w))
		})
	}
}

// userHash is the same for the same phone and app under a new user id, and
// differs between users and between apps (docs/providers/mixi.md,
// "userHash").
func TestUserHashSurvivesReRegistration(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hash := func(viewer, path string) string {
		w := e.get(t, viewer, path+"?fields=userHash")
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		return entry(t, decode(t, w))["userHash"].(string)
	}
	old := hash(sakura, "/people/1000008/@self")
	renewed := hash(sakura, "/people/1000012/@self")
	assert.Equal(t, old, renewed, "same device and app")
	assert.Equal(t, renewed, hash(haru2, "/people/@me/@self"), "the user sees the same hash of themselves")
	assert.NotEqual(t, old, hash(sakura, "/people/@me/@self"))
	assert.NotEqual(t, userHash("au-W63CA-012345678901", appID), userHash("au-W63CA-012345678901", app2ID), "per app")
	assert.Equal(t, userHash("au-W63CA-012345678901", appID), old)
	assert.Regexp(t, `^[0-9a-f]{20}$`, old)
}

func TestInstallChangesHasAppAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ids := func() []string {
		w := e.get(t, sakura, "/people/@me/@friends?filterBy=hasApp")
		require.Equal(t, http.StatusOK, w.Code)
		return entryIDs(t, decode(t, w))
	}
	require.Equal(t, []string{taro, kenta, haruto, haru2}, ids())
	st := e.inst.State.(state).s
	require.NoError(t, st.SetInstalled(appID, misaki, true))
	assert.Equal(t, []string{taro, misaki, kenta, haruto, haru2}, ids())
	require.NoError(t, st.SetInstalled(appID, taro, false))
	assert.Equal(t, []string{misaki, kenta, haruto, haru2}, ids())
	w := e.get(t, taro, "/people/@me/@self")
	assert.Equal(t, http.StatusForbidden, w.Code, "an uninstalled viewer is refused")
	e.inst.State.Reset()
	assert.Equal(t, []string{taro, kenta, haruto, haru2}, ids())
}
