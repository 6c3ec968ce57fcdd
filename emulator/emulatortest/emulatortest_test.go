package emulatortest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fakeapi/fakeapi/emulator/emulatortest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStartGivesProviderURLs(t *testing.T) {
	t.Parallel()
	srv := emulatortest.Start(t)
	assert.False(t, strings.HasSuffix(srv.URL, "/"))
	assert.Equal(t, srv.URL+"/iijmio", srv.IIJmio())
	assert.Equal(t, srv.URL+"/kii", srv.Kii())
	assert.Equal(t, srv.URL+"/assist", srv.Assist())
	assert.Equal(t, srv.URL+"/mixi", srv.Mixi())
	resp, err := srv.Client().Get(srv.URL + "/_fakeapi/health")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestClockHelpers(t *testing.T) {
	t.Parallel()
	srv := emulatortest.Start(t)
	srv.Freeze(true)
	before := srv.Now()
	after := srv.Advance(36 * time.Hour)
	assert.Equal(t, 36*time.Hour, after.Sub(before))
	target := after.Add(time.Hour)
	srv.SetTime(target)
	assert.True(t, srv.Now().Equal(target))
}

func TestStateRoundTripAndBadImport(t *testing.T) {
	t.Parallel()
	srv := emulatortest.Start(t)
	doc := srv.ExportState("kii")
	require.Contains(t, string(doc), `"kii"`)
	require.NoError(t, srv.ImportState(doc))
	err := srv.ImportState([]byte(`{"kii": {"apps": "nope"}}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "state:1:18: kii.apps")
	assert.JSONEq(t, string(doc), string(srv.ExportState("kii")), "a bad import should change nothing")
}

func TestFaultsAndJournal(t *testing.T) {
	t.Parallel()
	srv := emulatortest.Start(t)
	id := srv.AddFault(emulatortest.Fault{Provider: "mixi", Status: 500})
	resp, err := srv.Client().Get(srv.Mixi() + "/os/0.8/people/@me/@self")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	srv.RemoveFault(id)
	entries := srv.Journal("mixi")
	require.Len(t, entries, 1)
	assert.Equal(t, id, entries[0].Fault)
	srv.ClearJournal()
	assert.Empty(t, srv.Journal())
}

func TestRealHostClientKeepsHost(t *testing.T) {
	t.Parallel()
	srv := emulatortest.Start(t)
	resp, err := srv.Client().Get("https://shop1.assist-tencho.com/api/v1/orders.php")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "should reach Assist's orders API, which wants a token")
	entries := srv.Journal("assist")
	require.Len(t, entries, 1)
	assert.Equal(t, "shop1.assist-tencho.com", entries[0].Host)
	assert.Equal(t, "/api/v1/orders.php", entries[0].Path)
}

func TestHelpersPanicOutsideATest(t *testing.T) {
	t.Parallel()
	gone, err := emulatortest.New()
	require.NoError(t, err)
	gone.Close()
	assert.Panics(t, func() { gone.Reset() }, "should panic when the server is gone and there is no test to fail")
}

func TestDialerSendsEveryAddressToTheServer(t *testing.T) {
	t.Parallel()
	srv := emulatortest.Start(t)
	client := &http.Client{Transport: &http.Transport{DialContext: srv.Dialer()}}
	resp, err := client.Get("http://api.mixi-platform.com/os/0.8/people/@me/@self")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "should reach mixi, which wants OAuth 1.0")
	assert.Contains(t, resp.Header.Get("WWW-Authenticate"), "OAuth")
}
