package mixi

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/fixture"
	"github.com/fakeapi/fakeapi/internal/keytable"
)

// The garbage collector skips records without pointers; one string field
// added to userRec would put every user back into every GC cycle's mark
// work (bench/profiling.md, "mixi users in a text arena (kept)").
func TestUserRecordsShouldHoldNoPointers(t *testing.T) {
	t.Parallel()
	for _, typ := range []reflect.Type{reflect.TypeFor[userRec](), reflect.TypeFor[addrRec]()} {
		assert.False(t, keytable.HasPointers(typ), "%s holds a pointer", typ)
	}
}

// Only a string that appendJSONString would change is flagged for escaping; the
// others are copied as they are.
func TestTextArenaShouldFlagTheStringsThatNeedEscaping(t *testing.T) {
	t.Parallel()
	for s, plain := range map[string]bool{
		"abc": true, "さくら": true, "😀": true, "<>&": true, defaultTime: true, noImageURL: true,
		"a\"b": false, "a\\b": false, "\x01": false, "\x7f": false, "\u2028": false, "\u2029": false, "\xff": false, "\xe2\x80": false,
	} {
		tb := newTextBuilder()
		x := tb.add(s)
		assert.Equal(t, plain, x.plainJSON(), "%q", s)
		assert.Equal(t, s, (&dataset{text: string(tb.b)}).s(x))
	}
}

// escapingFixture has a user whose strings need every kind of JSON escape.
const escapingFixture = `{
 "apps": [{"id": "1", "name": "a", "consumerKey": "k", "consumerSecret": "s"}],
 "users": [
  {"id": "5", "nickname": "q\"b\\s\u0001c\u007fd\u2028e\u2029f😀", "displayName": "<b>&amp;</b>",
   "thumbnailUrl": "http://x/\"y", "profileUrl": "http://x/p\\q", "addresses": [{"region": "東\"京", "locality": "\t"}],
   "gender": "male", "birthday": "2000-01-02", "bloodType": "A", "lastLogin": "2011-01-02T03:04:05+09:00",
   "profileVisibility": "public", "basicDisclosure": true, "apps": ["1"], "deviceId": "d\"1"},
  {"id": "6", "nickname": "さくら", "basicDisclosure": false}
 ],
 "friendships": ["5:6"]
}`

func TestPersonJSONShouldEscapeExactlyLikeAppendJSONString(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, escapingFixture)
	w := e.callApp(t, "k", "s", "GET", "5", "/people/@me/@self?fields=@all", "", "")
	require.Equal(t, 200, w.Code, w.Body.String())
	body := w.Body.String()
	for _, s := range []string{"q\"b\\s\u0001c\u007fd\u2028e\u2029f😀", "<b>&amp;</b>", "http://x/\"y", "http://x/p\\q", "東\"京", "\t", "2011-01-01T18:04:05Z"} {
		assert.Contains(t, body, string(appendJSONString(nil, s)))
	}
	var m struct {
		Entry map[string]any `json:"entry"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &m))
	assert.Equal(t, "q\"b\\s\u0001c\u007fd\u2028e\u2029f😀", m.Entry["nickname"])
	assert.Equal(t, "http://x/p\\q", m.Entry["profileUrl"])
	assert.Equal(t, []any{map[string]any{"region": "東\"京", "locality": "\t"}}, m.Entry["addresses"])
}

func TestExportShouldGiveBackTheUsersAsGiven(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{escapingFixture, testFixture} {
		f, err := fixture.Load[Fixtures]("mixi.json", []byte(doc))
		require.NoError(t, err)
		want, err := fixture.Load[Fixtures]("mixi.json", []byte(doc))
		require.NoError(t, err)
		got := newMemStore(f.built).export()
		assert.Equal(t, want.Users, got.Users)
	}
}
