package mixi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/fixture"
)

// The garbage collector skips records without pointers; one string field
// added to userRec would put every user back into every GC cycle's mark
// work (docs/PERFORMANCE.md).
func TestUserRecordsShouldHoldNoPointers(t *testing.T) {
	t.Parallel()
	for _, v := range []any{userRec{}, addrRec{}} {
		typ := reflect.TypeOf(v)
		assert.False(t, hasPointers(typ), "%s holds a pointer", typ)
	}
	assert.True(t, hasPointers(reflect.TypeOf(person{})), "the check must see a pointer where there is one")
}

func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Struct:
		for i := range t.NumField() {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
		return false
	case reflect.Array:
		return t.Len() > 0 && hasPointers(t.Elem())
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return false
	}
	return true
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

func TestPersonJSONShouldEscapeExactlyLikeJSONString(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, escapingFixture)
	w := e.callApp(t, "k", "s", "GET", "5", "/people/@me/@self?fields=@all", "", "")
	require.Equal(t, 200, w.Code, w.Body.String())
	body := w.Body.String()
	for _, s := range []string{"q\"b\\s\u0001c\u007fd\u2028e\u2029f😀", "<b>&amp;</b>", "http://x/\"y", "http://x/p\\q", "東\"京", "\t", "2011-01-01T18:04:05Z"} {
		var b bytes.Buffer
		jsonString(&b, s)
		assert.Contains(t, body, b.String())
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

func TestJSONPlainShouldAgreeWithJSONString(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "abc", "さくら", "a\"b", "a\\b", "\x01", "\x7f", "\u2028", "\u2029", "\xff", "\xe2\x80", "😀", "<>&"} {
		checkJSONPlain(t, s)
	}
}

func FuzzJSONPlain(f *testing.F) {
	for _, s := range []string{"", "abc", "さくら", "a\"b", "\u2028x", "\xe2\x80\xa8", "\xe2\x80", "\xff\xfe", "\x7f"} {
		f.Add(s)
	}
	f.Fuzz(checkJSONPlain)
}

// checkJSONPlain: the flag set at load must be exact, or a page would write
// an unescaped string (invalid JSON) or escape differently from before.
func checkJSONPlain(t *testing.T, s string) {
	var b bytes.Buffer
	jsonString(&b, s)
	unchanged := b.String() == `"`+s+`"`
	if jsonPlain(s) != unchanged {
		t.Fatalf("jsonPlain(%q) = %v, but jsonString gives %s", s, jsonPlain(s), b.String())
	}
	tb := newTextBuilder()
	x := tb.add(s)
	d := &dataset{text: string(tb.b)}
	var o bytes.Buffer
	obj := openObject(&o)
	obj.text(`"k":`, d, x)
	obj.close()
	if want := `{"k":` + b.String() + `}`; o.String() != want && !(s == "" && o.String() == `{"k":""}`) {
		t.Fatalf("text(%q) = %s, want %s", s, o.String(), want)
	}
	if !strings.HasPrefix(d.s(x), s) || d.s(x) != s {
		t.Fatalf("arena gives %q for %q", d.s(x), s)
	}
}
