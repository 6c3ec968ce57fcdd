package mixi

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/golden"
)

// Exact bodies: clients depend on mixi's key order, string booleans and
// string counts. Regenerate with go test -update.
func TestGoldenBodies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		viewer string
		path   string
		ct     string
	}{
		{"people_self", sakura, "/people/@me/@self?fields=userHash", contentJSON},
		{"people_self_all_fields", sakura, "/people/@me/@self?fields=@all", contentJSON},
		{"people_friends", sakura, "/people/@me/@friends?count=5&fields=gender", contentJSON},
		{"people_friend_pid", sakura, "/people/@me/@friends/1000002?fields=userHash,birthday", contentJSON},
		{"people_self_atom", sakura, "/people/@me/@self?format=atom&fields=userHash", contentAtom},
		{"people_friends_atom", sakura, "/people/@me/@friends?format=atom&count=2&startIndex=1&fields=gender,addresses", contentAtom},
		{"appdata_self", sakura, "/appdata/@me/@self/@app", contentJSON},
		{"appdata_friends", sakura, "/appdata/@me/@friends/@app", contentJSON},
		{"appdata_self_atom", sakura, "/appdata/@me/@self/@app?format=atom", contentAtom},
		{"albums", sakura, "/albums/@me/@self?visibility=all", contentJSON},
		{"albums_atom", sakura, "/albums/@me/@self?format=atom", contentAtom},
		{"mediaitems", sakura, "/mediaitems/@me/@self/701", contentJSON},
		{"mediaitems_atom", sakura, "/mediaitems/@me/@self/701?format=atom&count=1", contentAtom},
		{"people_name", sakura, "/people/@me/@self?fields=name", contentJSON},
		{"people_name_atom", sakura, "/people/@me/@self?format=atom&fields=name", contentAtom},
		{"albums_fields", sakura, "/albums/@me/@self?visibility=all&fields=title,mediaItemCount", contentJSON},
		{"albums_fields_atom", sakura, "/albums/@me/@self?format=atom&fields=title", contentAtom},
		{"mediaitems_fields", sakura, "/mediaitems/@me/@self/701?fields=url,mimeType&count=2", contentJSON},
		{"mediaitems_all_fields", sakura, "/mediaitems/@me/@self/701?fields=@all&count=1", contentJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			w := e.get(t, tt.viewer, tt.path)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			assert.Equal(t, tt.ct, w.Header().Get("Content-Type"))
			golden.Assert(t, tt.name, w.Body.Bytes())
		})
	}
}

// mixi's single-person sample, byte for byte in shape: the same keys in the
// same order with string booleans and numeric paging (docs/providers/mixi.md,
// "People").
func TestPersonMatchesTheSeedSample(t *testing.T) {
	t.Parallel()
	doc := `{"apps":[{"id":"1","name":"a","consumerKey":"k","consumerSecret":"s","callbackHosts":[]}],
	 "users":[{"id":"12345","nickname":"ミクシィ開発部","lastLogin":"2009-06-01T12:10:05Z","updated":"2009-06-01T12:11:31Z","apps":["1"]}],
	 "friendships":[]}`
	e := newEnvWith(t, doc)
	r := e.signedRequest(t, http.MethodGet, "/people/@me/@self?fields=userHash&xoauth_requestor_id=12345", "k", "s", nil, "")
	w := e.serve(r)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	want := `{"entry":{"thumbnailUrl":"http://img.mixi.net/img/basic/common/noimage_member76.gif","nickname":"ミクシィ開発部","lastLogin":"2009-06-01T12:10:05Z","isViewer":"true","hasApp":"true","isOwner":"true","id":"12345","updated":"2009-06-01T12:11:31Z","userHash":"` +
		userHash("user-12345", "1") + `","displayName":"ミクシィ開発部"},"startIndex":0,"totalResults":1}`
	assert.Equal(t, want, w.Body.String())

	r = e.signedRequest(t, http.MethodGet, "/people/@me/@self?format=atom&fields=userHash&xoauth_requestor_id=12345", "k", "s", nil, "")
	w = e.serve(r)
	wantAtom := `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:osearch="http://a9.com/-/spec/opensearch/1.1">
  <entry>
    <content type="application/xml">
      <person xmlns="http://ns.opensocial.org/2008/opensocial">
        <id>urn:guid:mixi.jp:12345</id>
        <displayName>ミクシィ開発部</displayName>
        <nickname>ミクシィ開発部</nickname>
        <thumbnailUrl>http://img.mixi.net/img/basic/common/noimage_member76.gif</thumbnailUrl>
        <lastLogin>2009-06-01T12:10:05Z</lastLogin>
        <userHash>` + userHash("user-12345", "1") + `</userHash>
      </person>
    </content>
    <title/>
    <updated>2009-06-01T12:11:31Z</updated>
    <author/>
    <id>urn:guid:mixi.jp:12345</id>
    <link href="http://img.mixi.net/img/basic/common/noimage_member76.gif" rel="alternate" type="image/jpeg"/>
  </entry>
  <osearch:startIndex>0</osearch:startIndex>
  <osearch:totalResults>1</osearch:totalResults>
</feed>
`
	assert.Equal(t, wantAtom, w.Body.String())
}
