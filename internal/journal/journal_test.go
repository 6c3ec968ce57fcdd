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

func TestMaskerShouldMaskDeclaredAndHTTPWideSecrets(t *testing.T) {
	t.Parallel()
	m := NewMasker([]string{"x-iijmio-authorization"}, []string{"Access_Token", "code", "password", "client_secret"})
	h := http.Header{}
	h.Set("Authorization", "Bearer abc")
	h.Set("Cookie", "s=1")
	h.Set("X-IIJmio-Authorization", "tok")
	h.Set("X-Kii-AppKey", "not declared here")
	h.Set("Location", "https://app/cb?x=1&code=SECRET#access_token=T&state=s")
	h.Set("Accept", "application/json")
	got := m.Headers(h)
	assert.Equal(t, "Bearer ***", got["Authorization"])
	assert.Equal(t, "***", got["Cookie"])
	assert.Equal(t, "***", got["X-Iijmio-Authorization"])
	assert.Equal(t, "not declared here", got["X-Kii-Appkey"], "only the provider's own secrets should be masked")
	assert.Equal(t, "https://app/cb?x=1&code=***#access_token=***&state=s", got["Location"])
	assert.Equal(t, "application/json", got["Accept"])
	assert.Equal(t, "a=1&password=***&Client_Secret=***", m.Query("a=1&password=p&Client_Secret=s"))
	assert.Equal(t, "a%3D=1&acc%65ss_token=***", m.Query("a%3D=1&acc%65ss_token=t"), "escaped names should be matched unescaped")
	assert.Nil(t, m.Headers(nil))
	assert.Empty(t, m.Query(""))

	entry := Entry{Path: "/x", Query: m.Query("code=C"), Headers: got}
	data, err := json.Marshal(entry)
	require.NoError(t, err)
	assert.NotContains(t, string(data), "abc")
	assert.NotContains(t, string(data), "code=C")
}

func TestMaskerShouldMaskBodies(t *testing.T) {
	t.Parallel()
	m := NewMasker(nil, []string{"password", "access_token", "refresh_token"})
	tests := []struct{ name, ct, in, want string }{
		{"json", "application/json; charset=utf-8",
			`{"username":"u","Password":"p","n":{"access_token":"t","x":1},"l":[{"password":"q"}],"refresh_token":null}`,
			`{"username":"u","Password":"***","n":{"access_token":"***","x":1},"l":[{"password":"***"}],"refresh_token":null}`},
		{"a secret name as a value is not a name", "application/json", `["password","x"]`, `["password","x"]`},
		{"vendor json", "application/vnd.kii.RegistrationRequest+json", `{"password":"p"}`, `{"password":"***"}`},
		{"form", "application/x-www-form-urlencoded", "grant_type=password&password=p", "grant_type=password&password=***"},
		{"json cut short keeps what it read", "application/json", `{"a":"b","password":"p","c":"tr`, `{"a":"b","password":"***","c":"tr`},
		{"a cut inside a secret hides its start", "application/json", `{"a":"b", "password" : "secr`, `{"a":"b", "password" : "***`},
		{"formatting is kept", "application/json", "{\n  \"password\": \"p\",\n  \"x\": [1, 2]\n}", "{\n  \"password\": \"***\",\n  \"x\": [1, 2]\n}"},
		{"not json", "text/html", `<input name="password" value="p">`, `<input name="password" value="p">`},
		{"broken json", "application/json", `{password:1}`, `{password:1}`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, m.Body(tt.ct, []byte(tt.in)), tt.name)
	}
}
