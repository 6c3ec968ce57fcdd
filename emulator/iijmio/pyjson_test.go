package iijmio

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendPyStringMatchesPythonJSONDumps(t *testing.T) {
	t.Parallel()
	// Expected values printed by Python 3's json.dumps(s).
	tests := []struct{ in, want string }{
		{"OK", `"OK"`},
		{"é", `"\u00e9"`},
		{"日本語", `"\u65e5\u672c\u8a9e"`},
		{"😀", `"\ud83d\ude00"`},
		{"\x7f", `"\u007f"`},
		{"\x01", `"\u0001"`},
		{"<>&", `"<>&"`},
		{`"\`, `"\"\\"`},
		{"\n\r\t\b\f", `"\n\r\t\b\f"`},
		{"a/b", `"a/b"`},
		{"\u2028", `"\u2028"`},
		{"mixed ✓ text", `"mixed \u2713 text"`},
		{"bad \xff byte", `"bad \ufffd byte"`},
		{"", `""`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, string(appendPyString(nil, tt.in)), "input %q", tt.in)
	}
}

func TestJSONWriterSeparators(t *testing.T) {
	t.Parallel()
	w := newJSONWriter(0)
	w.beginObject()
	w.name("a")
	w.beginArray()
	w.int(1)
	w.int(2)
	w.endArray()
	w.name("b")
	w.beginObject()
	w.optIntField("c", nil)
	w.boolField("d", true)
	w.endObject()
	w.name("e")
	w.beginArray()
	w.endArray()
	w.endObject()
	// json.dumps({"a": [1, 2], "b": {"c": None, "d": True}, "e": []})
	assert.Equal(t, `{"a": [1, 2], "b": {"c": null, "d": true}, "e": []}`, string(w.bytes()))
}

func FuzzAppendPyString(f *testing.F) {
	for _, s := range []string{"OK", "日本語", "😀", "\x00\x7f\xff", `"\`, "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := appendPyString(nil, s)
		for _, c := range out {
			require.True(t, c >= ' ' && c <= '~', "output must be printable ASCII: %q", out)
		}
		var back string
		require.NoError(t, json.Unmarshal(out, &back), "output must be valid JSON: %q", out)
		if utf8.ValidString(s) {
			assert.Equal(t, s, back, "should round-trip")
		}
	})
}
