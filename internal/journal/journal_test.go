package journal

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRingKeepsTheNewest(t *testing.T) {
	t.Parallel()
	j := New(3)
	for _, p := range []string{"/a", "/b", "/c", "/d"} {
		j.Add(Entry{Provider: "kii", Method: "GET", Path: p})
	}
	got := j.List(Filter{})
	assert.Len(t, got, 3)
	assert.Equal(t, "/b", got[0].Path, "should drop the oldest")
	assert.Equal(t, int64(4), got[2].Seq)
	j.Clear()
	assert.Empty(t, j.List(Filter{}))
}

func TestFilter(t *testing.T) {
	t.Parallel()
	j := New(10)
	j.Add(Entry{Provider: "kii", Method: "POST", Path: "/api/apps/x/oauth2/token"})
	j.Add(Entry{Provider: "iijmio", Method: "GET", Path: "/mobile/d/v2/coupon/"})
	j.Add(Entry{Provider: "iijmio", Method: "PUT", Path: "/mobile/d/v2/coupon/"})
	assert.Len(t, j.List(Filter{Provider: "iijmio"}), 2)
	assert.Len(t, j.List(Filter{Method: "put"}), 1)
	assert.Len(t, j.List(Filter{Path: "/api/"}), 1)
	got := j.List(Filter{Limit: 1})
	assert.Len(t, got, 1)
	assert.Equal(t, "PUT", got[0].Method)
}

func TestRawPartsShouldBeMaskedWhenListed(t *testing.T) {
	t.Parallel()
	j := New(2)
	req := http.Header{"Authorization": {"Bearer abc"}, "Accept": {"*/*"}}
	resp := http.Header{"Location": {"https://app/cb#access_token=T&state=s"}}
	j.Add(Entry{Path: "/x", RawQuery: "code=C&a=1", RawHeaders: req, RawResponseHeaders: resp})
	got := j.List(Filter{})
	require.Len(t, got, 1)
	assert.Equal(t, "code=***&a=1", got[0].Query)
	assert.Equal(t, map[string]string{"Authorization": "Bearer ***", "Accept": "*/*"}, got[0].Headers)
	assert.Equal(t, map[string]string{"Location": "https://app/cb#access_token=***&state=s"}, got[0].ResponseHeaders)
	assert.Nil(t, got[0].RawHeaders, "raw headers should never leave the journal")
	assert.Empty(t, got[0].RawQuery)
	data, err := json.Marshal(got[0])
	require.NoError(t, err)
	assert.NotContains(t, string(data), "abc")
	assert.NotContains(t, string(data), "code=C")
}

func TestMasking(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Set("Authorization", "Bearer abc")
	h.Set("X-IIJmio-Authorization", "tok")
	h.Set("Location", "https://app/cb?x=1&code=SECRET#access_token=T&state=s")
	h.Set("Accept", "application/json")
	m := MaskHeaders(h)
	assert.Equal(t, "Bearer ***", m["Authorization"])
	assert.Equal(t, "***", m["X-Iijmio-Authorization"])
	assert.Equal(t, "https://app/cb?x=1&code=***#access_token=***&state=s", m["Location"])
	assert.Equal(t, "application/json", m["Accept"])
	assert.Equal(t, "a=1&password=***&Client_Secret=***", MaskQuery("a=1&password=p&Client_Secret=s"))
}

// TestPreMaskedFieldsAreKept covers entries added with the listed fields
// set directly, and an empty raw map, which lists as no headers.
func TestPreMaskedFieldsAreKept(t *testing.T) {
	t.Parallel()
	j := New(4)
	j.Add(Entry{Path: "/a", Query: "a=1", Headers: map[string]string{"A": "1"}, ResponseHeaders: map[string]string{"B": "2"}})
	j.Add(Entry{Path: "/b", Headers: map[string]string{"A": "1"}, RawHeaders: http.Header{}})
	got := j.List(Filter{})
	require.Len(t, got, 2)
	assert.Equal(t, Entry{Seq: 1, Path: "/a", Query: "a=1", Headers: map[string]string{"A": "1"}, ResponseHeaders: map[string]string{"B": "2"}}, got[0])
	assert.Nil(t, got[1].Headers)
}
