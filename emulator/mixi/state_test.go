package mixi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/fixture"
	"github.com/fakeapi/fakeapi/internal/oauth1"
)

func exportJSON(t *testing.T, e *env) []byte {
	t.Helper()
	b, err := json.Marshal(e.inst.State.Export())
	require.NoError(t, err)
	return b
}

// Export → Prepare → commit round-trips the live state, runtime parts
// included (appdata, requests, installs, nonces).
func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	require.Equal(t, http.StatusOK, e.call(t, http.MethodPost, sakura, "/appdata/@me/@self/@app", `{"gift":"ばら"}`, jsonCT).Code)
	require.Equal(t, http.StatusOK, e.call(t, http.MethodDelete, sakura, "/requests/@me/@self?requestIds="+req1, "", "").Code)
	require.NoError(t, e.inst.State.(state).s.SetInstalled(appID, misaki, true))
	e.inst.State.(state).s.AddRequest(Request{ID: "abc", App: appID, Sender: sakura, Recipients: []string{taro}, Message: "m", Created: "2010-11-20T12:00:00Z"})

	first := exportJSON(t, e)
	var f Fixtures
	require.NoError(t, json.Unmarshal(first, &f))
	assert.Len(t, f.Nonces, 2, "the two signed calls")
	assert.Equal(t, []string{sakura}, f.Requests[0].Deleted)
	assert.Contains(t, f.Friendships, "1000001:1000002,1000003,1000004,1000005,1000007,1000008,1000012")

	other := newEnv(t)
	commit, err := other.inst.State.Prepare("state.json", first)
	require.NoError(t, err)
	commit()
	assert.JSONEq(t, string(first), string(exportJSON(t, other)))

	// The imported state is live: the replayed nonce is refused, the data
	// and the install are there.
	w := other.get(t, sakura, "/appdata/@me/@self/@app?fields=gift")
	assert.JSONEq(t, `{"entry":{"1000001":{"gift":"ばら"}},"startIndex":0,"id":["1000001"],"totalResults":1}`, w.Body.String())
	assert.Equal(t, http.StatusOK, other.get(t, misaki, "/people/@me/@self").Code)
}

func TestPrepareRejectsAndChangesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	before := exportJSON(t, e)
	_, err := e.inst.State.Prepare("state.json", []byte(`{"apps":[],"users":[{"id":"1","nickname":"a","apps":["9"]}],"friendships":[]}`))
	var fe *fixture.Error
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, `state.json:1:54: users[0].apps[0]: unknown app "9"`, err.Error())
	assert.JSONEq(t, string(before), string(exportJSON(t, e)))
}

func TestResetRestoresTheFixtures(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	before := exportJSON(t, e)
	require.Equal(t, http.StatusOK, e.call(t, http.MethodDelete, sakura, "/appdata/@me/@self/@app", "", "").Code)
	require.NoError(t, e.inst.State.(state).s.SetInstalled(appID, sakura, false))
	commit, err := e.inst.State.Prepare("x.json", []byte(`{"apps":[],"users":[],"friendships":[]}`))
	require.NoError(t, err)
	commit()
	e.inst.State.Reset()
	after := exportJSON(t, e)
	assert.JSONEq(t, string(before), string(after))
	assert.Equal(t, http.StatusOK, e.get(t, sakura, "/people/@me/@self").Code)
}

func TestSummaryAndAccounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	stats := map[string]int{}
	for _, s := range e.inst.State.Summary() {
		stats[s.Name] = s.Count
	}
	assert.Equal(t, map[string]int{"apps": 2, "users": 10, "friendships": 10, "albums": 7, "mediaItems": 7, "appdata": 4, "requests": 2, "invitations": 0, "nonces": 0}, stats)
	acc := e.inst.State.Accounts()
	require.NotEmpty(t, acc)
	assert.Equal(t, "app", acc[0].Kind)
	assert.Equal(t, appKey, acc[0].ID)
	assert.Equal(t, appSecret, acc[0].Secret)
	assert.Equal(t, "user", acc[2].Kind)
	assert.Equal(t, sakura, acc[2].ID)
}

// The default fixture loads and its documented accounts work
// (docs/providers/mixi.md).
func TestDefaultFixture(t *testing.T) {
	t.Parallel()
	data := defaultFixture(t)
	e := newEnvWith(t, string(data))
	r := e.signedRequest(t, http.MethodGet, "/people/@me/@friends?filterBy=hasApp&xoauth_requestor_id=1000001", "3f5c2a9e1b7d4c6a8e0f", "8d2e7b1c9a4f6e3d0b5a7c2e9f1d4b6a8c3e5f70", nil, "")
	w := e.serve(r)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, []string{"1000002", "1000004", "1000008", "1000009", "1000012"}, entryIDs(t, decode(t, w)))
	hash := func(id string) string {
		r := e.signedRequest(t, http.MethodGet, "/people/"+id+"/@self?fields=userHash&xoauth_requestor_id=1000001", "3f5c2a9e1b7d4c6a8e0f", "8d2e7b1c9a4f6e3d0b5a7c2e9f1d4b6a8c3e5f70", nil, "")
		return entry(t, decode(t, e.serve(r)))["userHash"].(string)
	}
	assert.Equal(t, hash("1000008"), hash("1000012"), "the re-registered user keeps the userHash")
}

func TestFixtureValidation(t *testing.T) {
	t.Parallel()
	base := func() Fixtures {
		return Fixtures{
			Apps:        []App{{ID: "1", Name: "a", ConsumerKey: "k", ConsumerSecret: "s", CallbackHosts: []string{"localhost"}}},
			Users:       []User{{ID: "10", Nickname: "a", Apps: []string{"1"}}, {ID: "11", Nickname: "b"}, {ID: "12", Nickname: "c"}},
			Friendships: []string{"10:11"},
			Albums:      []Album{{ID: "7", Owner: "10", Title: "t", Visibility: "public"}},
			MediaItems:  []MediaItem{{ID: "8", AlbumID: "7", Title: "p", URL: "http://x/p.jpg", MimeType: "image/jpeg"}},
			AppData:     []AppData{{App: "1", User: "10", Data: map[string]string{"k": "v"}}},
			Requests:    []Request{{ID: "r1", App: "1", Sender: "10", Recipients: []string{"11"}, Message: "m", Created: "2010-11-20T12:00:00Z"}},
			Nonces:      []oauth1.UsedNonce{{Consumer: "k", Nonce: "n", Timestamp: 1}},
		}
	}
	tests := []struct {
		name string
		edit func(f *Fixtures)
		path string
		msg  string
	}{
		{"should reject a non-decimal app id", func(f *Fixtures) { f.Apps[0].ID = "a1" }, "apps[0].id", `want a decimal app id, got "a1"`},
		{"should reject a duplicate app id", func(f *Fixtures) {
			f.Apps = append(f.Apps, App{ID: "1", Name: "b", ConsumerKey: "k2", ConsumerSecret: "s"})
		}, "apps[1].id", `duplicate "1"`},
		{"should reject a duplicate consumer key", func(f *Fixtures) {
			f.Apps = append(f.Apps, App{ID: "2", Name: "b", ConsumerKey: "k", ConsumerSecret: "s"})
		}, "apps[1].consumerKey", `duplicate "k"`},
		{"should reject an empty secret", func(f *Fixtures) { f.Apps[0].ConsumerSecret = "" }, "apps[0].consumerKey", "consumerKey and consumerSecret must not be empty"},
		{"should reject a callback host with a port", func(f *Fixtures) { f.Apps[0].CallbackHosts = []string{"localhost:80"} }, "apps[0].callbackHosts[0]", `want a lower-case host name without port, got "localhost:80"`},
		{"should reject a user id with a leading zero", func(f *Fixtures) { f.Users[1].ID = "011" }, "users[1].id", `want a decimal user id without leading zeros, got "011"`},
		{"should reject a duplicate user id", func(f *Fixtures) { f.Users[2].ID = "10" }, "users[2].id", `duplicate "10"`},
		{"should reject an empty nickname", func(f *Fixtures) { f.Users[1].Nickname = "" }, "users[1].nickname", "must not be empty"},
		{"should reject a blood type", func(f *Fixtures) { f.Users[0].BloodType = "C" }, "users[0].bloodType", `want A, B, O or AB, got "C"`},
		{"should reject a gender", func(f *Fixtures) { f.Users[0].Gender = "m" }, "users[0].gender", `want male or female, got "m"`},
		{"should reject a birthday", func(f *Fixtures) { f.Users[0].Birthday = "1988/04/12" }, "users[0].birthday", `want YYYY-MM-DD, got "1988/04/12"`},
		{"should reject a time", func(f *Fixtures) { f.Users[0].LastLogin = "yesterday" }, "users[0].lastLogin", `want an RFC 3339 time such as 2010-04-01T00:00:00Z, got "yesterday"`},
		{"should reject a visibility", func(f *Fixtures) { f.Users[0].ProfileVisibility = "all" }, "users[0].profileVisibility", `want public, friends, friends_of_friends or private, got "all"`},
		{"should reject an unknown installed app", func(f *Fixtures) { f.Users[1].Apps = []string{"9"} }, "users[1].apps[0]", `unknown app "9"`},
		{"should reject an app installed twice", func(f *Fixtures) { f.Users[0].Apps = []string{"1", "1"} }, "users[0].apps[1]", `duplicate "1"`},
		{"should reject a friendship line without a colon", func(f *Fixtures) { f.Friendships = []string{"10,11"} }, "friendships[0]", `want "id:id,id,…", got "10,11"`},
		{"should reject a friendship with an unknown user", func(f *Fixtures) { f.Friendships = []string{"10:99"} }, "friendships[0]", `unknown user "99"`},
		{"should reject a friendship line of an unknown user", func(f *Fixtures) { f.Friendships = []string{"99:10"} }, "friendships[0]", `unknown user "99"`},
		{"should reject befriending oneself", func(f *Fixtures) { f.Friendships = []string{"10:10"} }, "friendships[0]", "user 10 cannot be their own friend"},
		{"should reject a friendship listed twice", func(f *Fixtures) { f.Friendships = []string{"10:11,12", "12:11", "11:10"} }, "friendships[2]", "duplicate friendship 10–11"},
		{"should reject an album id", func(f *Fixtures) { f.Albums[0].ID = "mixi.jp:7" }, "albums[0].id", `want a decimal album id, got "mixi.jp:7"`},
		{"should reject an album of an unknown owner", func(f *Fixtures) { f.Albums[0].Owner = "99" }, "albums[0].owner", `unknown user "99"`},
		{"should reject an album visibility", func(f *Fixtures) { f.Albums[0].Visibility = "" }, "albums[0].visibility", `want public, friends, friends_of_friends or private, got ""`},
		{"should reject a media item of an unknown album", func(f *Fixtures) { f.MediaItems[0].AlbumID = "70" }, "mediaItems[0].albumId", `unknown album "70"`},
		{"should reject a media type", func(f *Fixtures) { f.MediaItems[0].MimeType = "video/mp4" }, "mediaItems[0].mimeType", `want an image/* type, got "video/mp4"`},
		{"should reject appdata of an unknown app", func(f *Fixtures) { f.AppData[0].App = "9" }, "appdata[0].app", `unknown app "9"`},
		{"should reject appdata with a bad key", func(f *Fixtures) { f.AppData[0].Data = map[string]string{"1k": "v"} }, "appdata[0].data", `key "1k" does not match ^[A-Za-z_][A-Za-z0-9_.-]{0,63}$`},
		{"should reject appdata listed twice", func(f *Fixtures) { f.AppData = append(f.AppData, f.AppData[0]) }, "appdata[1].user", `duplicate data for user "10" in app "1"`},
		{"should reject a request of an unknown sender", func(f *Fixtures) { f.Requests[0].Sender = "99" }, "requests[0].sender", `unknown user "99"`},
		{"should reject a deleted entry that is no recipient", func(f *Fixtures) { f.Requests[0].Deleted = []string{"12"} }, "requests[0].deleted[0]", `"12" is not a recipient`},
		{"should reject a request time", func(f *Fixtures) { f.Requests[0].Created = "now" }, "requests[0].created", `want an RFC 3339 time, got "now"`},
		{"should reject a nonce of an unknown consumer", func(f *Fixtures) { f.Nonces[0].Consumer = "x" }, "nonces[0].consumer", `unknown consumer key "x"`},
		{"should reject a nonce too long to remember", func(f *Fixtures) { f.Nonces[0].Nonce = strings.Repeat("n", 48) }, "nonces[0].nonce", "nonce of 48 bytes, longer than the 47 a nonce store keeps"},
		{"should reject a consumer key too long to verify", func(f *Fixtures) {
			f.Apps[0].ConsumerKey = strings.Repeat("k", 48)
			f.Nonces = nil
		}, "apps[0].consumerKey", "48 bytes, longer than the 47 an OAuth 1.0 request may carry here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := base()
			tt.edit(&f)
			data, err := json.MarshalIndent(f, "", "  ")
			require.NoError(t, err)
			_, err = fixture.Load[Fixtures]("fixtures/mixi.json", data)
			var fe *fixture.Error
			require.True(t, errors.As(err, &fe), "got %v", err)
			assert.Equal(t, "fixtures/mixi.json", fe.File)
			assert.Equal(t, tt.path, fe.Path)
			assert.Equal(t, tt.msg, fe.Msg)
			assert.Positive(t, fe.Line, "a position is reported")
		})
	}
	t.Run("should accept the base document", func(t *testing.T) {
		t.Parallel()
		data, err := json.Marshal(base())
		require.NoError(t, err)
		_, err = fixture.Load[Fixtures]("fixtures/mixi.json", data)
		assert.NoError(t, err)
	})
	t.Run("should reject an unknown field with its position", func(t *testing.T) {
		t.Parallel()
		_, err := fixture.Load[Fixtures]("fixtures/mixi.json", []byte("{\"apps\":[],\"users\":[{\"id\":\"1\",\"nickname\":\"a\",\"nick\":\"b\"}],\"friendships\":[]}"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "fixtures/mixi.json:1:")
		assert.Contains(t, err.Error(), "nick")
	})
}

// TestSecrets: the journal masks what mixi's traffic carries beyond the
// HTTP-wide secrets: a signature sent in the query or a form body, and the
// invite pages' CSRF token.
func TestSecrets(t *testing.T) {
	t.Parallel()
	sec := newEnv(t).inst.Secrets
	assert.Empty(t, sec.Headers)
	assert.ElementsMatch(t, []string{"oauth_signature", "csrf_token"}, sec.Params)
}
