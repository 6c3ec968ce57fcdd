package mixi

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type atomFeed struct {
	XMLName      xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Entries      []atomEntry `xml:"entry"`
	StartIndex   int         `xml:"http://a9.com/-/spec/opensearch/1.1 startIndex"`
	TotalResults int         `xml:"http://a9.com/-/spec/opensearch/1.1 totalResults"`
	ItemsPerPage *int        `xml:"http://a9.com/-/spec/opensearch/1.1 itemsPerPage"`
}

type atomEntry struct {
	Content struct {
		Type    string     `xml:"type,attr"`
		Person  *xmlPerson `xml:"http://ns.opensocial.org/2008/opensocial person"`
		AppData *struct {
			Items []struct {
				XMLName xml.Name
				Value   string `xml:",chardata"`
			} `xml:",any"`
		} `xml:"http://ns.opensocial.org/2008/opensocial appdata"`
	} `xml:"content"`
	Title   *struct{} `xml:"title"`
	Updated string    `xml:"updated"`
	Author  struct {
		URL string `xml:"url"`
	} `xml:"author"`
	ID   string `xml:"id"`
	Link *struct {
		Href string `xml:"href,attr"`
		Rel  string `xml:"rel,attr"`
		Type string `xml:"type,attr"`
	} `xml:"link"`
}

type xmlPerson struct {
	ID           string `xml:"id"`
	DisplayName  string `xml:"displayName"`
	Nickname     string `xml:"nickname"`
	ThumbnailURL string `xml:"thumbnailUrl"`
	LastLogin    string `xml:"lastLogin"`
	UserHash     string `xml:"userHash"`
	Gender       string `xml:"gender"`
	Addresses    []struct {
		Region   string `xml:"region"`
		Locality string `xml:"locality"`
	} `xml:"addresses"`
}

func parseFeed(t *testing.T, body string) atomFeed {
	t.Helper()
	var f atomFeed
	require.NoError(t, xml.Unmarshal([]byte(body), &f), body)
	return f
}

func TestAtomPeopleParses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.get(t, sakura, "/people/@me/@self?format=atom&fields=userHash,gender,addresses")
	require.Equal(t, http.StatusOK, w.Code)
	f := parseFeed(t, w.Body.String())
	require.Len(t, f.Entries, 1)
	en := f.Entries[0]
	assert.Equal(t, "application/xml", en.Content.Type)
	require.NotNil(t, en.Content.Person)
	p := en.Content.Person
	assert.Equal(t, "urn:guid:mixi.jp:1000001", p.ID)
	assert.Equal(t, "urn:guid:mixi.jp:1000001", en.ID)
	assert.Equal(t, "佐藤 さくら", p.DisplayName)
	assert.Equal(t, "さくら", p.Nickname)
	assert.Equal(t, "2010-11-20T09:15:30Z", p.LastLogin)
	assert.Len(t, p.UserHash, 20)
	assert.Equal(t, "female", p.Gender)
	require.Len(t, p.Addresses, 1)
	assert.Equal(t, "東京都", p.Addresses[0].Region)
	assert.Equal(t, "2010-11-18T22:04:11Z", en.Updated)
	assert.NotNil(t, en.Title)
	require.NotNil(t, en.Link)
	assert.Equal(t, p.ThumbnailURL, en.Link.Href)
	assert.Equal(t, "alternate", en.Link.Rel)
	assert.Equal(t, 0, f.StartIndex)
	assert.Equal(t, 1, f.TotalResults)
	assert.Nil(t, f.ItemsPerPage, "a single person has no itemsPerPage")
	assert.NotContains(t, w.Body.String(), "isViewer")

	w = e.get(t, sakura, "/people/@me/@friends?format=atom&count=3&startIndex=2&filterBy=hasApp")
	f = parseFeed(t, w.Body.String())
	assert.Equal(t, 2, f.StartIndex)
	assert.Equal(t, 4, f.TotalResults)
	require.NotNil(t, f.ItemsPerPage)
	assert.Equal(t, 3, *f.ItemsPerPage)
	require.Len(t, f.Entries, 2)
	assert.Equal(t, "urn:guid:mixi.jp:1000008", f.Entries[0].Content.Person.ID)
	assert.Equal(t, "urn:guid:mixi.jp:1000012", f.Entries[1].Content.Person.ID)
}

func TestAtomAppDataParses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.get(t, sakura, "/appdata/@me/@friends/@app?format=atom&count=2")
	require.Equal(t, http.StatusOK, w.Code)
	f := parseFeed(t, w.Body.String())
	require.Len(t, f.Entries, 2)
	assert.Equal(t, "urn:guid:mixi.jp:1000002", f.Entries[0].Author.URL)
	assert.Equal(t, "urn:guid:mixi.jp:1000002", f.Entries[0].ID)
	require.NotNil(t, f.Entries[0].Content.AppData)
	items := f.Entries[0].Content.AppData.Items
	require.Len(t, items, 1)
	assert.Equal(t, "score", items[0].XMLName.Local)
	assert.Equal(t, "http://ns.opensocial.org/2008/opensocial", items[0].XMLName.Space)
	assert.Equal(t, "10", items[0].Value)
	assert.Empty(t, f.Entries[1].Content.AppData.Items)
	assert.Equal(t, 4, f.TotalResults)
}

// Text that means something in XML comes back intact through a parser.
func TestAtomEscapes(t *testing.T) {
	t.Parallel()
	nick := `<b>"たろう" & 'はなこ'</b>`
	doc := strings.Replace(testFixture, `"nickname": "たろう"`, `"nickname": "<b>\"たろう\" & 'はなこ'</b>"`, 1)
	doc = strings.Replace(doc, `{"score": "10"}`, `{"score": "<10> & \"more\""}`, 1)
	e := newEnvWith(t, doc)
	w := e.get(t, sakura, "/people/1000002/@self?format=atom")
	f := parseFeed(t, w.Body.String())
	assert.Equal(t, nick, f.Entries[0].Content.Person.Nickname)
	w = e.get(t, sakura, "/appdata/1000002/@self/@app?format=atom")
	f = parseFeed(t, w.Body.String())
	assert.Equal(t, `<10> & "more"`, f.Entries[0].Content.AppData.Items[0].Value)
	w = e.get(t, sakura, "/people/1000002/@self")
	assert.Equal(t, nick, entry(t, decode(t, w))["nickname"])
	assert.Contains(t, w.Body.String(), `<b>\"たろう\" & 'はなこ'</b>`, "no HTML escaping in JSON")
}
