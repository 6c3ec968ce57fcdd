package httpx

import (
	"context"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLimitBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     io.Reader
		length   int64
		wantSize bool
	}{
		{"should pass a body under the cap", strings.NewReader("12345"), 5, false},
		{"should refuse a declared length over the cap", strings.NewReader(strings.Repeat("x", 20)), 20, true},
		{"should refuse a chunked body that grows past the cap", io.MultiReader(strings.NewReader(strings.Repeat("x", 20))), -1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var gotErr error
			h := LimitBody(10)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, gotErr = ReadBody(r)
			}))
			r := httptest.NewRequest(http.MethodPost, "/", tt.body)
			r.ContentLength = tt.length
			h.ServeHTTP(httptest.NewRecorder(), r)
			assert.Equal(t, tt.wantSize, IsTooLarge(gotErr), "err = %v", gotErr)
		})
	}
}

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	var v struct{ A int }
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"A":1} {"A":2}`))
	assert.ErrorIs(t, DecodeJSON(r, &v, false), ErrBadJSON, "should refuse two values")
	for _, bad := range []string{`{"A":1}}`, `{"A":1}]`, `{"A":1} x`, "{\"A\":1}\v", "{\"A\":1}\f", "{\"A\":1}\u0085"} {
		r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(bad))
		assert.ErrorIs(t, DecodeJSON(r, &v, false), ErrBadJSON, "should refuse trailing data in %q", bad)
	}
	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"A":1,"B":2}`))
	assert.ErrorIs(t, DecodeJSON(r, &v, true), ErrBadJSON, "should refuse unknown fields when asked")
	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{\"A\":7} \t\r\n"))
	require.NoError(t, DecodeJSON(r, &v, true), "JSON's own white space may follow")
	assert.Equal(t, 7, v.A)
}

func TestReadBodyShouldTellAClientsBrokenBodyFromAnOversizedOne(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Body = io.NopCloser(io.MultiReader(strings.NewReader(`{"a":`), iotest.ErrReader(io.ErrUnexpectedEOF)))
	_, err := ReadBody(r)
	assert.ErrorIs(t, err, ErrBodyRead)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.False(t, IsTooLarge(err))
	var v any
	assert.ErrorIs(t, DecodeJSON(r, &v, false), ErrBodyRead)
}

func TestWriteJSONMarshalsBeforeWriting(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	WriteJSON(w, http.StatusOK, "application/json", map[string]any{"f": func() {}})
	assert.Equal(t, http.StatusInternalServerError, w.Code, "should be a clean 500 when marshalling fails")
	w = httptest.NewRecorder()
	WriteJSON(w, http.StatusCreated, "application/json", map[string]int{"a": 1})
	assert.Equal(t, http.StatusCreated, w.Code)
	assert.Equal(t, `{"a":1}`, w.Body.String())
	assert.Equal(t, "7", w.Header().Get("Content-Length"))
}

func TestRenderHTMLNeverWritesHalfAPage(t *testing.T) {
	t.Parallel()
	tpl := template.Must(template.New("p").Parse(`<p>{{.A}}</p>{{.Missing.X}}`))
	w := httptest.NewRecorder()
	err := RenderHTML(w, http.StatusOK, tpl, "p", struct{ A string }{"<x>"})
	require.Error(t, err)
	assert.Zero(t, w.Body.Len(), "should write nothing when the template fails")
	tpl = template.Must(template.New("p").Parse(`<p>{{.A}}</p>`))
	w = httptest.NewRecorder()
	require.NoError(t, RenderHTML(w, http.StatusOK, tpl, "p", struct{ A string }{"<x>"}))
	assert.Equal(t, "<p>&lt;x&gt;</p>", w.Body.String())
	assert.Equal(t, "DENY", w.Header().Get("X-Frame-Options"))
}

func TestClientAddr(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "[::ffff:10.1.2.3]:555"
	r.Header.Set("X-Forwarded-For", "203.0.113.9, 198.51.100.7")
	a, ok := ClientAddr(r, false)
	require.True(t, ok)
	assert.Equal(t, "10.1.2.3", a.String(), "should unmap and ignore XFF when not trusted")
	a, ok = ClientAddr(r, true)
	require.True(t, ok)
	assert.Equal(t, "198.51.100.7", a.String(), "should take the entry the trusted proxy appended, not the client's")
	r.Header.Set("X-Forwarded-For", "garbage")
	a, _ = ClientAddr(r, true)
	assert.Equal(t, "10.1.2.3", a.String(), "should fall back to the peer on a bad XFF")
}

func TestBase(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	assert.Equal(t, "/", CookiePath(r))
	r = WithBase(r, "/assist")
	assert.Equal(t, "/assist", Base(r))
	assert.Equal(t, "/assist", CookiePath(r))
}

// TestBaseContextIsAContext checks what the one-allocation base context must
// keep of context.WithValue: other values and cancellation pass through,
// and the nearest base wins.
func TestBaseContextIsAContext(t *testing.T) {
	t.Parallel()
	type otherKey struct{}
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), otherKey{}, "v"))
	ctx := BaseContext(parent, "/kii")
	assert.Equal(t, "v", ctx.Value(otherKey{}))
	child, stop := context.WithCancel(ctx)
	defer stop()
	r := httptest.NewRequest(http.MethodGet, "/", nil).WithContext(child)
	assert.Equal(t, "/kii", Base(r))
	assert.Equal(t, "/mixi", Base(WithBase(r, "/mixi")))
	assert.Equal(t, "", Base(WithBase(r, "")))
	cancel()
	<-child.Done()
	assert.ErrorIs(t, child.Err(), context.Canceled)
}

// TestReadBodyWhateverTheDeclaredLength reads bodies shorter than, equal to
// and longer than their declared length, and past the first buffer.
func TestReadBodyWhateverTheDeclaredLength(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body     string
		declared int64
	}{
		{"", 0}, {"abc", 3}, {"abc", 10}, {"abcdef", 2}, {strings.Repeat("x", 3000), -1},
		{strings.Repeat("y", 70_000), 70_000}, {strings.Repeat("z", 1000), 1000}, {"q", 1 << 40},
	} {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
		r.ContentLength = tc.declared
		got, err := ReadBody(r)
		require.NoError(t, err)
		assert.Equal(t, tc.body, string(got), "declared %d", tc.declared)
	}
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("0123456789"))
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 4)
	_, err := ReadBody(r)
	assert.ErrorIs(t, err, ErrTooLarge)
	assert.False(t, IsTooLarge(nil))
}
