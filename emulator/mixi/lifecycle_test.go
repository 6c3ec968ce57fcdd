package mixi_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/emulator/emulatortest"
)

// lifecycleReceiver is an app's lifecycle URL: it keeps each event.
type lifecycleReceiver struct {
	*httptest.Server
	mu     sync.Mutex // guards events
	events []*http.Request
	status int
}

func newLifecycleReceiver(t *testing.T, status int) *lifecycleReceiver {
	t.Helper()
	lr := &lifecycleReceiver{status: status}
	lr.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		lr.mu.Lock()
		lr.events = append(lr.events, r.Clone(r.Context()))
		lr.mu.Unlock()
		w.WriteHeader(lr.status)
	}))
	t.Cleanup(lr.Close)
	return lr
}

func (lr *lifecycleReceiver) Events() []*http.Request {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	return slices.Clone(lr.events)
}

// certificateKey reads GET /_fakeapi/mixi/certificate, as an app would
// install the platform's certificate.
func certificateKey(t *testing.T, srv *emulatortest.Server) *rsa.PublicKey {
	t.Helper()
	resp, err := http.Get(srv.URL + "/_fakeapi/mixi/certificate")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/x-pem-file", resp.Header.Get("Content-Type"))
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	block, _ := pem.Decode(b)
	require.NotNil(t, block)
	require.Equal(t, "CERTIFICATE", block.Type)
	cert, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	assert.Contains(t, cert.Subject.CommonName, "not mixi's")
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	require.True(t, ok)
	return pub
}

// verifyRSA checks an event as an app's PHP did with OAuth.php's
// OAuthSignatureMethod_RSA_SHA1: every query and form parameter but
// oauth_signature, the POST method and the URL without query.
func verifyRSA(pub *rsa.PublicKey, r *http.Request) error {
	q := r.URL.Query()
	sig, err := base64.StdEncoding.DecodeString(q.Get("oauth_signature"))
	if err != nil {
		return err
	}
	q.Del("oauth_signature")
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return rawurlencode(keys[i]) < rawurlencode(keys[j]) })
	var pairs []string
	for _, k := range keys {
		vs := slices.Clone(q[k])
		sort.Strings(vs)
		for _, v := range vs {
			pairs = append(pairs, rawurlencode(k)+"="+rawurlencode(v))
		}
	}
	base := "POST&" + rawurlencode("http://"+strings.ToLower(r.Host)+r.URL.EscapedPath()) + "&" + rawurlencode(strings.Join(pairs, "&"))
	sum := sha1.Sum([]byte(base))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA1, sum[:], sig)
}

func installed(t *testing.T, srv *emulatortest.Server, user, app string) bool {
	t.Helper()
	for _, u := range srv.MixiFixtures().Users {
		if u.ID == user {
			return slices.Contains(u.Apps, app)
		}
	}
	t.Fatalf("no user %s", user)
	return false
}

// TestLifecycleEvents: a user adds and removes the app; each time the
// install changes and the event reaches the app's lifecycle URL, signed
// RSA-SHA1 under the key whose certificate the admin API publishes.
func TestLifecycleEvents(t *testing.T) {
	t.Parallel()
	srv := emulatortest.Start(t)
	lr := newLifecycleReceiver(t, http.StatusOK)
	f := srv.MixiFixtures()
	f.Apps[0].LifecycleURL = lr.URL + "/life?app=gift" // through the fixtures this time
	srv.SeedMixi(f)
	pub := certificateKey(t, srv)
	const user = "1000003" // みさき has not added app 13579
	require.False(t, installed(t, srv, user, gwApp))

	status, got := adminJSON(t, srv, http.MethodPost, "/apps/"+gwApp+"/lifecycle", map[string]string{"event": "add", "user": user})
	require.Equal(t, http.StatusOK, status, got)
	assert.Equal(t, map[string]any{"url": lr.URL + "/life?app=gift", "status": float64(200)}, got["delivery"])
	assert.Equal(t, "event.addapp", got["event"])
	assert.True(t, installed(t, srv, user, gwApp))

	status, got = adminJSON(t, srv, http.MethodPost, "/apps/"+gwApp+"/lifecycle", map[string]string{"event": "remove", "user": user})
	require.Equal(t, http.StatusOK, status, got)
	assert.False(t, installed(t, srv, user, gwApp))

	events := lr.Events()
	require.Len(t, events, 2)
	for i, want := range []string{"event.addapp", "event.removeapp"} {
		ev := events[i]
		assert.Equal(t, http.MethodPost, ev.Method)
		q := ev.URL.Query()
		assert.Equal(t, want, q.Get("eventtype"))
		assert.Equal(t, user, q.Get("id"))
		assert.Equal(t, "gift", q.Get("app"), "the lifecycle URL's own query stays")
		assert.Equal(t, gwApp, q.Get("opensocial_app_id"))
		assert.Equal(t, "RSA-SHA1", q.Get("oauth_signature_method"))
		assert.Equal(t, "mixi.jp", q.Get("oauth_consumer_key"))
		assert.Equal(t, "fakeapi-mixi-lifecycle.cer", q.Get("xoauth_signature_publickey"))
		assert.NoError(t, verifyRSA(pub, ev), "the event verifies under the published certificate")

		forged := ev.Clone(ev.Context())
		fq := forged.URL.Query()
		fq.Set("id", "1000006")
		forged.URL.RawQuery = fq.Encode()
		assert.Error(t, verifyRSA(pub, forged), "a changed parameter does not")
	}

	// Both deliveries are in the journal.
	n := 0
	for _, e := range srv.Journal("mixi") {
		if e.Host == strings.TrimPrefix(lr.URL, "http://") && e.Path == "/life" {
			n++
			assert.Equal(t, http.StatusOK, e.Status)
			assert.Contains(t, e.Query, "oauth_signature=***")
		}
	}
	assert.Equal(t, 2, n)
}

func TestLifecycleAdminErrors(t *testing.T) {
	t.Parallel()
	srv := emulatortest.Start(t)
	status, got := adminJSON(t, srv, http.MethodPost, "/apps/"+gwApp+"/lifecycle", map[string]string{"event": "install", "user": "1000003"})
	assert.Equal(t, http.StatusBadRequest, status, got)
	status, _ = adminJSON(t, srv, http.MethodPost, "/apps/"+gwApp+"/lifecycle", map[string]string{"event": "add", "user": "1999999"})
	assert.Equal(t, http.StatusNotFound, status)
	status, _ = adminJSON(t, srv, http.MethodPost, "/apps/99999/lifecycle", map[string]string{"event": "add", "user": "1000003"})
	assert.Equal(t, http.StatusNotFound, status)

	// No lifecycle URL: the install changes, and the answer says nothing
	// was sent.
	status, got = adminJSON(t, srv, http.MethodPost, "/apps/"+gwApp+"/lifecycle", map[string]string{"event": "add", "user": "1000003"})
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, got["delivery"].(map[string]any)["error"], "no lifecycleUrl")
	assert.True(t, installed(t, srv, "1000003", gwApp))

	// A receiver that fails: reported, and the install still changes.
	lr := newLifecycleReceiver(t, http.StatusInternalServerError)
	status, _ = adminJSON(t, srv, http.MethodPut, "/apps/"+gwApp+"/sap", map[string]string{"lifecycleUrl": lr.URL + "/life"})
	require.Equal(t, http.StatusOK, status)
	status, got = adminJSON(t, srv, http.MethodPost, "/apps/"+gwApp+"/lifecycle", map[string]string{"event": "remove", "user": "1000003"})
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, float64(500), got["delivery"].(map[string]any)["status"])
	assert.False(t, installed(t, srv, "1000003", gwApp))

	// The dashboard's form post goes back to the dashboard.
	c := srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.PostForm(srv.URL+"/_fakeapi/mixi/apps/"+gwApp+"/lifecycle", url.Values{"event": {"add"}, "user": {"1000003"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/_fakeapi/", resp.Header.Get("Location"))
	assert.True(t, installed(t, srv, "1000003", gwApp))
}

// TestGatewayAddsTheApp: a member who opens an app they have not added is
// asked to add it; 追加する sends event.addapp and continues to the page.
func TestGatewayAddsTheApp(t *testing.T) {
	t.Parallel()
	srv := emulatortest.Start(t)
	sap := newSAP2010(t, gwSecret)
	lr := newLifecycleReceiver(t, http.StatusOK)
	status, _ := adminJSON(t, srv, http.MethodPut, "/apps/"+gwApp+"/sap", map[string]string{"sapUrl": sap.URL + "/app/", "lifecycleUrl": lr.URL + "/life"})
	require.Equal(t, http.StatusOK, status)
	status, _ = adminJSON(t, srv, http.MethodPut, "/viewer", map[string]string{"appId": "24680", "viewer": "1000007"}) // あおい: 24680 only
	require.Equal(t, http.StatusOK, status)
	c := phone(t, srv)

	ask := open(t, c, http.MethodGet, srv.Mixi()+"/ma/"+gwApp+"/", nil)
	require.Equal(t, http.StatusOK, ask.status, ask.raw)
	form := ask.byID(t, "install-form")
	v := inputs(form)
	v.Set("answer", "yes")
	added := open(t, c, http.MethodPost, srv.URL+attrOf(form, "action"), v)
	require.Equal(t, http.StatusSeeOther, added.status, added.raw)
	require.Len(t, lr.Events(), 1)
	assert.Equal(t, "event.addapp", lr.Events()[0].URL.Query().Get("eventtype"))
	assert.Equal(t, "1000007", lr.Events()[0].URL.Query().Get("id"))
	top := open(t, c, http.MethodGet, srv.URL+added.location, nil)
	require.Equal(t, http.StatusOK, top.status, top.raw)
	assert.Equal(t, "1000007", textOf(top.byID(t, "viewer")))
}
