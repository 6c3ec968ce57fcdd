package assist

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMarshalPHP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"should escape Japanese as lower-case \\uXXXX", "テスト店", `"\u30c6\u30b9\u30c8\u5e97"`},
		{"should escape a slash", "a/b", `"a\/b"`},
		{"should not escape HTML characters", "<a&b>", `"<a&b>"`},
		{"should use a surrogate pair beyond the BMP", "𠮷野家", `"\ud842\udfb7\u91ce\u5bb6"`},
		{"should keep Go's escapes of quotes and controls", "\"\n\t\\", `"\"\n\t\\"`},
		{"should escape U+2028", "a\u2028b", `"a\u2028b"`},
		{"should be compact, in field order", struct {
			B string `json:"b"`
			A *int   `json:"a"`
		}{"é", nil}, `{"b":"\u00e9","a":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := marshalPHP(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
}

// FuzzMarshalPHP checks the PHP-style output is ASCII, valid JSON and
// decodes to the same value.
func FuzzMarshalPHP(f *testing.F) {
	for _, s := range []string{"テスト店", "a/b", "𠮷", "\xff", "<&>", "\u2028", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := marshalPHP(map[string]string{"k/": s})
		require.NoError(t, err)
		for _, c := range b {
			if c >= 0x80 {
				t.Fatalf("non-ASCII byte in %q", b)
			}
		}
		var back map[string]string
		require.NoError(t, json.Unmarshal(b, &back), "%q", b)
		want, _ := json.Marshal(s) // Go's own view of s (invalid UTF-8 → U+FFFD)
		var ws string
		require.NoError(t, json.Unmarshal(want, &ws))
		assert.Equal(t, ws, back["k/"])
	})
}
