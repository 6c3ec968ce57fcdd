package mixi

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/fixtures"
	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/oauth1"
	"github.com/fakeapi/fakeapi/internal/provider"
)

// testNow is the frozen emulator time of the tests.
var testNow = time.Date(2010, 11, 20, 12, 0, 0, 0, time.UTC)

// Test accounts of testFixture.
const (
	appID     = "13579"
	appKey    = "testkey13579"
	appSecret = "testsecret13579"
	app2ID    = "24680"
	app2Key   = "testkey24680"
	app2Sec   = "testsecret24680"

	sakura = "1000001" // viewer: both apps, public profile, albums
	taro   = "1000002" // friend, app 13579, profile friends-only
	misaki = "1000003" // friend, no app, public profile
	kenta  = "1000004" // friend, app 13579, profile private
	yui    = "1000005" // friend, no app, disclosure off
	sho    = "1000006" // not a friend of sakura, both apps
	aoi    = "1000007" // friend, app 24680 only
	haruto = "1000008" // friend, app 13579, same phone as 1000012
	haru2  = "1000012" // friend, app 13579, re-registered on 1000008's phone
	mei    = "1000011" // friend of taro only, no app
)

// testFixture is a small inline document shaped like fixtures/mixi.json.
const testFixture = `{
 "apps": [
  {"id": "13579", "name": "ギフトブーケ", "consumerKey": "testkey13579", "consumerSecret": "testsecret13579", "callbackHosts": ["app.example.jp", "localhost"]},
  {"id": "24680", "name": "ひつじ牧場", "consumerKey": "testkey24680", "consumerSecret": "testsecret24680", "callbackHosts": ["farm.example.jp"]}
 ],
 "users": [
  {"id": "1000001", "nickname": "さくら", "displayName": "佐藤 さくら", "thumbnailUrl": "http://img.mixi.net/img/photo/member/1000001.jpg",
   "bloodType": "A", "gender": "female", "birthday": "1988-04-12", "addresses": [{"region": "東京都", "locality": "渋谷区"}],
   "lastLogin": "2010-11-20T09:15:30Z", "updated": "2010-11-18T22:04:11Z", "profileVisibility": "public", "apps": ["13579", "24680"], "deviceId": "dev-1"},
  {"id": "1000002", "nickname": "たろう", "bloodType": "O", "gender": "male", "birthday": "1985-11-03", "addresses": [{"region": "大阪府"}],
   "profileVisibility": "friends", "apps": ["13579"], "deviceId": "dev-2"},
  {"id": "1000003", "nickname": "みさき", "bloodType": "B", "gender": "female", "birthday": "1990-07-21", "profileVisibility": "public"},
  {"id": "1000004", "nickname": "けんた", "bloodType": "AB", "gender": "male", "birthday": "1982-02-28", "profileVisibility": "private", "apps": ["13579"]},
  {"id": "1000005", "nickname": "ゆい", "gender": "female", "birthday": "1993-12-24", "profileVisibility": "public", "basicDisclosure": false},
  {"id": "1000006", "nickname": "しょう", "apps": ["13579", "24680"]},
  {"id": "1000007", "nickname": "あおい", "apps": ["24680"]},
  {"id": "1000008", "nickname": "はると", "apps": ["13579"], "deviceId": "au-W63CA-012345678901"},
  {"id": "1000011", "nickname": "めい"},
  {"id": "1000012", "nickname": "はると", "apps": ["13579"], "deviceId": "au-W63CA-012345678901"}
 ],
 "friendships": [
  "1000001:1000002,1000003,1000004,1000005,1000007,1000008,1000012",
  "1000002:1000003,1000006,1000011"
 ],
 "albums": [
  {"id": "701", "owner": "1000001", "title": "京都旅行", "description": "紅葉", "thumbnailUrl": "http://ic.mixi.jp/p/701_s.jpg", "visibility": "public"},
  {"id": "702", "owner": "1000001", "title": "ねこ", "visibility": "friends"},
  {"id": "703", "owner": "1000001", "title": "家族", "visibility": "private"},
  {"id": "704", "owner": "1000002", "title": "BBQ", "visibility": "public"},
  {"id": "705", "owner": "1000002", "title": "出張", "visibility": "friends"},
  {"id": "706", "owner": "1000006", "title": "ドライブ", "visibility": "friends"},
  {"id": "707", "owner": "1000006", "title": "キャンプ", "visibility": "friends_of_friends"}
 ],
 "mediaItems": [
  {"id": "9001", "albumId": "701", "title": "清水寺", "description": "朝", "url": "http://ic.mixi.jp/p/9001.jpg", "thumbnailUrl": "http://ic.mixi.jp/p/9001_s.jpg", "fileSize": 48213, "mimeType": "image/jpeg"},
  {"id": "9002", "albumId": "701", "title": "嵐山", "url": "http://ic.mixi.jp/p/9002.png", "fileSize": 1000, "mimeType": "image/png"},
  {"id": "9003", "albumId": "701", "title": "パフェ", "url": "http://ic.mixi.jp/p/9003.jpg", "fileSize": 2000, "mimeType": "image/jpeg"},
  {"id": "9004", "albumId": "702", "title": "ひなた", "url": "http://ic.mixi.jp/p/9004.jpg", "fileSize": 3000, "mimeType": "image/jpeg"},
  {"id": "9005", "albumId": "703", "title": "正月", "url": "http://ic.mixi.jp/p/9005.jpg", "fileSize": 4000, "mimeType": "image/jpeg"},
  {"id": "9006", "albumId": "706", "title": "海", "url": "http://ic.mixi.jp/p/9006.jpg", "fileSize": 5000, "mimeType": "image/jpeg"},
  {"id": "9007", "albumId": "707", "title": "焚き火", "url": "http://ic.mixi.jp/p/9007.jpg", "fileSize": 6000, "mimeType": "image/jpeg"}
 ],
 "appdata": [
  {"app": "13579", "user": "1000001", "data": {"subject": "appdata subject: 80", "content": "appdata content: 86"}},
  {"app": "13579", "user": "1000002", "data": {"score": "10"}},
  {"app": "13579", "user": "1000011", "data": {"score": "99"}},
  {"app": "24680", "user": "1000001", "data": {"sheep": "12"}}
 ],
 "requests": [
  {"id": "req0000000000000000000001", "app": "13579", "sender": "1000002", "recipients": ["1000001", "1000003"], "message": "花束をどうぞ", "created": "2010-11-19T12:00:00Z"},
  {"id": "req0000000000000000000002", "app": "24680", "sender": "1000007", "recipients": ["1000001"], "message": "ひつじ", "created": "2010-11-19T12:00:00Z"}
 ]
}`

// env is one provider instance on a frozen clock.
type env struct {
	inst *provider.Instance
	clk  *clock.Controlled
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvWith(t, testFixture)
}

func newEnvWith(t testing.TB, doc string) *env {
	t.Helper()
	clk := clock.NewControlled(func() time.Time { return testNow })
	clk.Freeze(true)
	inst, err := Open(provider.Deps{Log: slog.New(slog.DiscardHandler), Clock: clk, IDs: ids.Seeded(1)}, Config{}, "mixi.json", []byte(doc))
	require.NoError(t, err)
	return &env{inst: inst, clk: clk}
}

var nonceSeq atomic.Int64

// newRequest builds a request for target as the emulator root passes it
// under the /mixi prefix: RequestURI as sent, the path stripped, the base
// recorded.
func newRequest(method, target string, body io.Reader) *http.Request {
	r := httptest.NewRequest(method, target, body)
	if strings.HasPrefix(r.URL.Path, "/mixi/") {
		r.URL.Path = strings.TrimPrefix(r.URL.Path, "/mixi")
		if r.URL.RawPath != "" {
			r.URL.RawPath = strings.TrimPrefix(r.URL.RawPath, "/mixi")
		}
		r = httpx.WithBase(r, "/mixi")
	}
	return r
}

// signedRequest signs a request for app key/secret as mixi documents it
// (Authorization header, query signed). path is under /mixi/os/0.8.
func (e *env) signedRequest(t testing.TB, method, path, key, secret string, body io.Reader, contentType string) *http.Request {
	t.Helper()
	target := "http://localhost:8080/mixi/os/0.8" + path
	s := oauth1.Signer{ConsumerKey: key, ConsumerSecret: secret}
	h, err := s.Header(method, target, nil, "n"+strconv.FormatInt(nonceSeq.Add(1), 10), e.clk.Now().Unix())
	require.NoError(t, err)
	r := newRequest(method, target, body)
	r.Host = "localhost:8080"
	r.Header.Set("Authorization", h)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

// get is a signed GET of the default app as viewer (query must not carry
// xoauth_requestor_id; it is added).
func (e *env) get(t testing.TB, viewer, path string) *httptest.ResponseRecorder {
	t.Helper()
	return e.call(t, http.MethodGet, viewer, path, "", "")
}

func (e *env) call(t testing.TB, method, viewer, path, body, contentType string) *httptest.ResponseRecorder {
	t.Helper()
	return e.callApp(t, appKey, appSecret, method, viewer, path, body, contentType)
}

func (e *env) callApp(t testing.TB, key, secret, method, viewer, path, body, contentType string) *httptest.ResponseRecorder {
	t.Helper()
	if viewer != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "xoauth_requestor_id=" + url.QueryEscape(viewer)
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	return e.serve(e.signedRequest(t, method, path, key, secret, rd, contentType))
}

func (e *env) serve(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.inst.Handler.ServeHTTP(w, r)
	return w
}

// decode parses a JSON body into generic values.
func decode(t testing.TB, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &m), "body: %s", w.Body.String())
	return m
}

// entryIDs lists the "id" of each entry of a collection.
func entryIDs(t testing.TB, m map[string]any) []string {
	t.Helper()
	list, ok := m["entry"].([]any)
	require.True(t, ok, "entry is not a list: %v", m["entry"])
	out := []string{}
	for _, e := range list {
		out = append(out, e.(map[string]any)["id"].(string))
	}
	return out
}

func entry(t testing.TB, m map[string]any) map[string]any {
	t.Helper()
	e, ok := m["entry"].(map[string]any)
	require.True(t, ok, "entry is not an object: %v", m["entry"])
	return e
}

func httptestRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

func oauthSigner() oauth1.Signer {
	return oauth1.Signer{ConsumerKey: appKey, ConsumerSecret: appSecret}
}

// wallNow is the wall time of servers built by emulatorServer.
func wallNow() int64 { return clock.Real{}.Now().Unix() }

func defaultFixture(t testing.TB) []byte {
	t.Helper()
	b, err := fixtures.FS.ReadFile("mixi.json")
	require.NoError(t, err)
	return b
}
