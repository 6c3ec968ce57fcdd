package mixi

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAlbums(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		viewer string
		path   string
		status int
		reason string
		ids    []string
		check  func(t *testing.T, m map[string]any)
	}{
		{"should list only public albums by default", sakura, "/albums/@me/@self", 200, "", []string{"mixi.jp:701"}, func(t *testing.T, m map[string]any) {
			assert.Equal(t, "0", m["startIndex"])
			assert.Equal(t, "20", m["itemsPerPage"])
			assert.Equal(t, "1", m["totalResults"])
			a := m["entry"].([]any)[0].(map[string]any)
			assert.Equal(t, "3", a["mediaItemCount"])
			assert.Equal(t, "京都旅行", a["caption"])
			assert.Equal(t, "京都旅行", a["title"])
			assert.Equal(t, "mixi.jp:1000001", a["ownerId"])
			assert.Equal(t, []any{"image/jpeg", "image/png"}, a["mediaMimeType"])
		}},
		{"should list all own albums with visibility=all", sakura, "/albums/@me/@self?visibility=all", 200, "", []string{"mixi.jp:701", "mixi.jp:702", "mixi.jp:703"}, nil},
		{"should page albums", sakura, "/albums/@me/@self?visibility=all&count=1&startIndex=2", 200, "", []string{"mixi.jp:703"}, func(t *testing.T, m map[string]any) {
			assert.Equal(t, "2", m["startIndex"])
			assert.Equal(t, "1", m["itemsPerPage"])
			assert.Equal(t, "3", m["totalResults"])
		}},
		{"should show a friend public and friends-only albums", taro, "/albums/1000001/@self?visibility=all", 200, "", []string{"mixi.jp:701", "mixi.jp:702"}, nil},
		{"should show a friend only public albums by default", taro, "/albums/mixi.jp:1000001/@self", 200, "", []string{"mixi.jp:701"}, nil},
		{"should show a non-friend only public albums", sho, "/albums/1000001/@self?visibility=all", 200, "", []string{"mixi.jp:701"}, nil},
		{"should list nothing for a user without albums", sakura, "/albums/1000003/@self", 200, "", []string{}, nil},
		{"should not find an unknown user", sakura, "/albums/9999999/@self", 404, reasonUserNotFound, nil, nil},
		{"should not find a malformed id", sakura, "/albums/x/@self", 404, reasonBadGuid, nil, nil},
		{"should answer 400 without a target", sakura, "/albums", 400, reasonNoTarget, nil, nil},
		{"should answer 403 without a selector", sakura, "/albums/@me", 403, reasonNoSelector, nil, nil},
		{"should answer 403 for @friends", sakura, "/albums/@me/@friends", 403, reasonNoSelector, nil, nil},
		{"should reject bad paging", sakura, "/albums/@me/@self?startIndex=-1", 400, reasonBadStartIndex, nil, nil},
		{"should list media items of an own album", sakura, "/mediaitems/@me/@self/701", 200, "", []string{"mixi.jp:9001", "mixi.jp:9002", "mixi.jp:9003"}, func(t *testing.T, m map[string]any) {
			assert.Equal(t, "3", m["totalResults"])
			it := m["entry"].([]any)[0].(map[string]any)
			assert.Equal(t, map[string]any{"albumId": "mixi.jp:701", "fileSize": "48213", "thumbnailUrl": "http://ic.mixi.jp/p/9001_s.jpg",
				"url": "http://ic.mixi.jp/p/9001.jpg", "id": "mixi.jp:9001", "title": "清水寺", "description": "朝"}, it)
		}},
		{"should accept a mixi.jp: album id", sakura, "/mediaitems/@me/@self/mixi.jp:701?count=1&startIndex=1", 200, "", []string{"mixi.jp:9002"}, func(t *testing.T, m map[string]any) {
			assert.Equal(t, "1", m["startIndex"])
			assert.Equal(t, "1", m["itemsPerPage"])
			assert.Equal(t, "3", m["totalResults"])
		}},
		{"should show a friend's friends-only album", taro, "/mediaitems/1000001/@self/702", 200, "", []string{"mixi.jp:9004"}, nil},
		{"should refuse a friend's private album", taro, "/mediaitems/1000001/@self/703", 403, reasonNoPermission, nil, nil},
		{"should refuse a non-friend's friends-only album", sakura, "/mediaitems/1000006/@self/706", 403, reasonNoPermission, nil, nil},
		{"should show a friend of a friend a friends-of-friends album", sakura, "/mediaitems/1000006/@self/707", 200, "", []string{"mixi.jp:9007"}, nil},
		{"should list a friends-of-friends album to a friend of a friend", sakura, "/albums/1000006/@self?visibility=all", 200, "", []string{"mixi.jp:707"}, nil},
		{"should show a friend friends-only and friends-of-friends albums", taro, "/albums/1000006/@self?visibility=all", 200, "", []string{"mixi.jp:706", "mixi.jp:707"}, nil},
		{"should refuse a friends-of-friends album to someone farther", kenta, "/mediaitems/1000006/@self/707", 403, reasonNoPermission, nil, nil},
		{"should list no friends-of-friends album to someone farther", kenta, "/albums/1000006/@self?visibility=all", 200, "", []string{}, nil},
		{"should show anyone a public album", sho, "/mediaitems/1000001/@self/701?count=1", 200, "", []string{"mixi.jp:9001"}, nil},
		{"should not find an album of another owner", sakura, "/mediaitems/@me/@self/704", 404, reasonAlbumNotFound, nil, nil},
		{"should not find an unknown album", sakura, "/mediaitems/@me/@self/999", 404, reasonAlbumNotFound, nil, nil},
		{"should not find a malformed album id", sakura, "/mediaitems/@me/@self/abc", 404, reasonAlbumNotFound, nil, nil},
		{"should answer 400 without an album id", sakura, "/mediaitems/@me/@self", 400, reasonNoAlbum, nil, nil},
		{"should answer 400 without a target for media items", sakura, "/mediaitems", 400, reasonNoTarget, nil, nil},
		{"should answer 403 without a selector for media items", sakura, "/mediaitems/@me", 403, reasonNoSelector, nil, nil},
		{"should not find media items of an unknown user", sakura, "/mediaitems/9999999/@self/701", 404, reasonUserNotFound, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			w := e.get(t, tt.viewer, tt.path)
			require.Equal(t, tt.status, w.Code, "body: %s", w.Body.String())
			if tt.status != http.StatusOK {
				assert.Equal(t, errorBody(tt.status), w.Body.String())
				assert.Equal(t, tt.reason, w.Header().Get("X-Fakeapi-Reason"))
				return
			}
			m := decode(t, w)
			assert.Equal(t, tt.ids, entryIDs(t, m))
			if tt.check != nil {
				tt.check(t, m)
			}
		})
	}
}

// The default fixture's album 706 (しょう's, 友人の友人まで公開) is visible to
// さくら, a friend of しょう's friends たろう and けんた.
func TestDefaultFixtureFriendsOfFriendsAlbum(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, string(defaultFixture(t)))
	const key, secret = "3f5c2a9e1b7d4c6a8e0f", "8d2e7b1c9a4f6e3d0b5a7c2e9f1d4b6a8c3e5f70"
	w := e.callApp(t, key, secret, http.MethodGet, "1000001", "/albums/1000006/@self?visibility=all", "", "")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, []string{"mixi.jp:706"}, entryIDs(t, decode(t, w)))
	w = e.callApp(t, key, secret, http.MethodGet, "1000001", "/mediaitems/1000006/@self/706", "", "")
	assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
}
