package oauth1

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	dghubble "github.com/dghubble/oauth1"
	mrjones "github.com/mrjones/oauth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/clock"
)

// verifyingServer answers 200 with the requestor id when Verify accepts the
// request, 401 with the problem otherwise. Real clients stamp requests with
// the wall clock, so the verifier follows it here.
func verifyingServer(t *testing.T) *httptest.Server {
	t.Helper()
	v := &Verifier{
		Clock:  clock.Real{},
		Nonces: NewMemoryNonces(),
		Secret: func(k string) (string, bool) { return testSecret, k == testKey },
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		res, err := v.Verify(FromHTTP(r, body, BaseURI("http", r.Host, r.URL.EscapedPath())))
		if err != nil {
			w.Header().Set("WWW-Authenticate", err.(*Error).Challenge("test"))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, res.Get("xoauth_requestor_id")+"|"+res.Get("fields"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func readOK(t *testing.T, resp *http.Response, err error) string {
	t.Helper()
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "WWW-Authenticate: %s", resp.Header.Get("WWW-Authenticate"))
	return string(b)
}

// dghubble/oauth1 v0.7.3 always sends oauth_token="" and signs the first
// value of each query key (https://github.com/dghubble/oauth1).
func TestDghubbleClientIsAccepted(t *testing.T) {
	t.Parallel()
	srv := verifyingServer(t)
	client := dghubble.NewConfig(testKey, testSecret).Client(context.Background(), dghubble.NewToken("", ""))

	resp, err := client.Get(srv.URL + "/os/0.8/people/@me/@self?xoauth_requestor_id=12345&fields=birthday,gender&format=json")
	assert.Equal(t, "12345|birthday,gender", readOK(t, resp, err))

	resp, err = client.Get(srv.URL + "/os/0.8/people/%40me/%40friends?xoauth_requestor_id=12345")
	assert.Equal(t, "12345|", readOK(t, resp, err))

	form := url.Values{"fields": {"a b,c"}}
	resp, err = client.PostForm(srv.URL+"/os/0.8/appdata/@me/@self/@app?xoauth_requestor_id=7", form)
	assert.Equal(t, "7|a b,c", readOK(t, resp, err))

	req, err := http.NewRequest(http.MethodPost, srv.URL+"/os/0.8/appdata/@me/@self/@app?xoauth_requestor_id=8", strings.NewReader(`{"k":"v"}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err = client.Do(req)
	assert.Equal(t, "8|", readOK(t, resp, err))
}

// mrjones/oauth stands in for github.com/gomodule/oauth1, which the Go
// module proxy does not serve here: an independent signer that omits
// oauth_token for 2-legged calls and, with BodyHash, adds oauth_body_hash to
// non-form bodies.
func TestMrjonesClientIsAccepted(t *testing.T) {
	t.Parallel()
	srv := verifyingServer(t)
	consumer := mrjones.NewConsumer(testKey, testSecret, mrjones.ServiceProvider{BodyHash: true})
	client, err := consumer.MakeHttpClient(&mrjones.AccessToken{})
	require.NoError(t, err)

	resp, err := client.Get(srv.URL + "/os/0.8/people/@me/@self?xoauth_requestor_id=12345&fields=birthday,gender")
	assert.Equal(t, "12345|birthday,gender", readOK(t, resp, err))

	req, err := http.NewRequest(http.MethodPut, srv.URL+"/os/0.8/appdata/@me/@self/@app?xoauth_requestor_id=9", strings.NewReader(`{"k":"ミクシィ"}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err = client.Do(req)
	assert.Equal(t, "9|", readOK(t, resp, err))
}

func TestTamperedClientRequestIsRejected(t *testing.T) {
	t.Parallel()
	srv := verifyingServer(t)
	base := dghubble.NewConfig(testKey, "wrong-secret").Client(context.Background(), dghubble.NewToken("", ""))
	resp, err := base.Get(srv.URL + "/os/0.8/people/@me/@self?xoauth_requestor_id=1")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("WWW-Authenticate"), `oauth_problem="signature_invalid"`)
}
