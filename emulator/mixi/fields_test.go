package mixi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/fixture"
)

// fields= on albums and media items names the fields to return, id always
// (docs/providers/mixi.md, "Albums and media items").
func TestFieldsOnAlbumsAndMediaItems(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name, path string
		want       []map[string]any
	}{
		{"should return only the named album fields and id", "/albums/@me/@self?fields=title", []map[string]any{{"id": "mixi.jp:701", "title": "京都旅行"}}},
		{"should ignore unknown album fields", "/albums/@me/@self?fields=nothing", []map[string]any{{"id": "mixi.jp:701"}}},
		{"should return mediaMimeType when named", "/albums/@me/@self?fields=mediaMimeType,ownerId", []map[string]any{{"id": "mixi.jp:701", "ownerId": "mixi.jp:1000001", "mediaMimeType": []any{"image/jpeg", "image/png"}}}},
		{"should return only the named media item fields and id", "/mediaitems/@me/@self/701?fields=title,fileSize&count=1", []map[string]any{{"id": "mixi.jp:9001", "title": "清水寺", "fileSize": "48213"}}},
		{"should return mimeType only when named", "/mediaitems/@me/@self/701?fields=mimeType&count=1&startIndex=1", []map[string]any{{"id": "mixi.jp:9002", "mimeType": "image/png"}}},
		{"should return everything for @all", "/mediaitems/@me/@self/701?fields=@all&count=1", []map[string]any{{"albumId": "mixi.jp:701", "fileSize": "48213",
			"thumbnailUrl": "http://ic.mixi.jp/p/9001_s.jpg", "url": "http://ic.mixi.jp/p/9001.jpg", "id": "mixi.jp:9001", "title": "清水寺", "description": "朝", "mimeType": "image/jpeg"}}},
		{"should keep the sample's fields without fields", "/mediaitems/@me/@self/701?count=1", []map[string]any{{"albumId": "mixi.jp:701", "fileSize": "48213",
			"thumbnailUrl": "http://ic.mixi.jp/p/9001_s.jpg", "url": "http://ic.mixi.jp/p/9001.jpg", "id": "mixi.jp:9001", "title": "清水寺", "description": "朝"}}},
		{"should keep the sample's fields for an empty fields", "/albums/@me/@self?fields=", []map[string]any{{"thumbnailUrl": "http://ic.mixi.jp/p/701_s.jpg", "mediaItemCount": "3", "caption": "京都旅行",
			"id": "mixi.jp:701", "title": "京都旅行", "description": "紅葉", "ownerId": "mixi.jp:1000001", "mediaMimeType": []any{"image/jpeg", "image/png"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := e.get(t, sakura, tt.path)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			m := decode(t, w)
			var got []map[string]any
			for _, it := range m["entry"].([]any) {
				got = append(got, it.(map[string]any))
			}
			assert.Equal(t, tt.want, got)
		})
	}
	t.Run("should filter the Atom elements too", func(t *testing.T) {
		w := e.get(t, sakura, "/mediaitems/@me/@self/701?format=atom&fields=title&count=1")
		require.Equal(t, http.StatusOK, w.Code)
		body := w.Body.String()
		assert.Contains(t, body, "<title>清水寺</title>")
		assert.NotContains(t, body, "<fileSize>")
		assert.NotContains(t, body, "<albumId>")
	})
	t.Run("should refuse malformed fields as on people", func(t *testing.T) {
		assert.Equal(t, http.StatusBadRequest, e.get(t, sakura, "/albums/@me/@self?fields=a%20b").Code)
	})
}

// fields=name gives the name with formatted, givenName and familyName.
func TestPeopleName(t *testing.T) {
	t.Parallel()
	doc := strings.NewReplacer(
		`{"id": "1000002", "nickname": "たろう",`, `{"id": "1000002", "nickname": "たろう", "name": {"givenName": "太郎", "familyName": "鈴木"},`,
		`{"id": "1000003", "nickname": "みさき",`, `{"id": "1000003", "nickname": "みさき", "displayName": "高橋　美咲",`,
		`{"id": "1000004", "nickname": "けんた",`, `{"id": "1000004", "nickname": "けんた", "displayName": "田中 健太",`,
		`{"id": "1000008", "nickname": "はると",`, `{"id": "1000008", "nickname": "はると", "name": {"formatted": "Haruto \"H\" Ito"},`,
	).Replace(testFixture)
	e := newEnvWith(t, doc)
	name := func(viewer, path string) any {
		t.Helper()
		w := e.get(t, viewer, path)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		return entry(t, decode(t, w))["name"]
	}
	assert.Equal(t, map[string]any{"formatted": "佐藤 さくら", "givenName": "さくら", "familyName": "佐藤"}, name(sakura, "/people/@me/@self?fields=name"), "read from displayName")
	assert.Equal(t, map[string]any{"formatted": "鈴木 太郎", "givenName": "太郎", "familyName": "鈴木"}, name(taro, "/people/@me/@self?fields=name"), "formatted from the parts")
	assert.Equal(t, map[string]any{"formatted": "鈴木 太郎", "givenName": "太郎", "familyName": "鈴木"}, name(sakura, "/people/@me/@friends/1000002?fields=name"), "a friend with the app (○)")
	assert.Equal(t, map[string]any{"formatted": "高橋　美咲", "givenName": "美咲", "familyName": "高橋"}, name(sakura, "/people/@me/@friends/1000003?fields=name"), "split at an ideographic space; public profile (△)")
	assert.Nil(t, name(sakura, "/people/@me/@friends/1000004?fields=name"), "a private profile hides it")
	assert.Equal(t, map[string]any{"formatted": "Haruto \"H\" Ito"}, name(haruto, "/people/@me/@self?fields=name"), "formatted alone")
	assert.Nil(t, name(haru2, "/people/@me/@self?fields=name"), "no displayName, no name")
	assert.Nil(t, name(sakura, "/people/@me/@self"), "only when asked")
	assert.NotNil(t, name(sakura, "/people/@me/@self?fields=@all"))

	w := e.get(t, taro, "/people/@me/@self?fields=name&format=atom")
	assert.Contains(t, w.Body.String(), "<name>\n          <formatted>鈴木 太郎</formatted>\n          <givenName>太郎</givenName>\n          <familyName>鈴木</familyName>\n        </name>")

	// Export gives the fixture's name back as given, and nothing for a name
	// read from displayName.
	f, err := fixture.Load[Fixtures]("mixi.json", []byte(doc))
	require.NoError(t, err)
	users := newMemStore(f.built).export().Users
	assert.Equal(t, &Name{GivenName: "太郎", FamilyName: "鈴木"}, users[1].Name)
	assert.Nil(t, users[0].Name)
}
