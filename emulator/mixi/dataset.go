package mixi

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/fakeapi/fakeapi/internal/fixture"
	"github.com/fakeapi/fakeapi/internal/oauth1"
)

const (
	// noImageURL is mixi's picture for members without one
	// (docs/providers/mixi.md, "People").
	noImageURL = "http://img.mixi.net/img/basic/common/noimage_member76.gif"
	// defaultTime stands in for lastLogin and updated when a fixture user
	// has none, so generated fixtures stay small [chosen].
	defaultTime = "2010-04-01T00:00:00Z"
	// timeLayout is how mixi prints times: UTC with a Z [doc].
	timeLayout = "2006-01-02T15:04:05Z"
)

// visibility is a profile or album disclosure level (docs/providers/mixi.md,
// "Permission model").
type visibility uint8

const (
	visPublic visibility = iota
	visFriends
	visFriendsOfFriends
	visPrivate
)

var visibilityNames = map[string]visibility{
	"public": visPublic, "friends": visFriends, "friends_of_friends": visFriendsOfFriends, "private": visPrivate,
}

// user is a fixture user. Its Apps are live state and left empty here; the
// methods give the values of the defaulted fields.
type user struct {
	User
	num uint64
	// lastLogin and updated are in mixi's layout (timeLayout), defaultTime
	// when the fixture gave none.
	lastLogin, updated string
	profileVis         visibility
	disclosure         bool
}

func (u *user) displayName() string  { return cmp.Or(u.DisplayName, u.Nickname) }
func (u *user) thumbnailURL() string { return cmp.Or(u.ThumbnailURL, noImageURL) }

func (u *user) profileURL() string {
	if u.ProfileURL != "" {
		return u.ProfileURL
	}
	return "http://mixi.jp/show_friend.pl?id=" + u.ID
}

func (u *user) device() string {
	if u.DeviceID != "" {
		return u.DeviceID
	}
	return "user-" + u.ID
}

type appRec struct {
	fix   App
	hosts map[string]bool
}

type albumRec struct {
	fix   Album
	num   uint64
	owner int32
	vis   visibility
	items []int32 // media indices, by id
	mimes []string
}

type mediaRec struct {
	fix   MediaItem
	num   uint64
	album int32
}

// dataset is a validated, indexed fixture document. It never changes after
// build: runtime state lives in live, so Reset only rebuilds that.
type dataset struct {
	apps     []appRec
	appByID  map[string]int
	appByKey map[string]int

	users []user // by numeric id, so index order is id order
	byNum map[uint64]int32

	// adj[adjOff[u]:adjOff[u+1]] are u's friends, sorted (CSR form: two
	// allocations for a million friendships).
	adjOff []int32
	adj    []int32

	albums        []albumRec // by numeric id
	albumByNum    map[uint64]int32
	albumsByOwner map[int32][]int32
	media         []mediaRec

	// The runtime state the document starts with.
	installed [][]uint64 // per app: bitset over users
	appdata   []AppData
	requests  []Request
	nonces    []oauth1.UsedNonce
}

func (d *dataset) friends(u int32) []int32 { return d.adj[d.adjOff[u]:d.adjOff[u+1]] }

func (d *dataset) isFriend(a, b int32) bool {
	_, ok := slices.BinarySearch(d.friends(a), b)
	return ok
}

// lookup finds a user by id, bare or "mixi.jp:"-prefixed [doc].
func (d *dataset) lookup(id string) (int32, bool) {
	n, ok := parseID(strings.TrimPrefix(id, guidPrefix))
	if !ok {
		return 0, false
	}
	u, ok := d.byNum[n]
	return u, ok
}

const guidPrefix = "mixi.jp:"

// parseID reads a canonical decimal id: digits, no leading zero, at most 18
// digits (fits uint64 with room).
func parseID(s string) (uint64, bool) {
	if s == "" || len(s) > 18 || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

func hasBit(set []uint64, i int32) bool { return set[i>>6]&(1<<(uint(i)&63)) != 0 }
func setBit(set []uint64, i int32, on bool) {
	if on {
		set[i>>6] |= 1 << (uint(i) & 63)
	} else {
		set[i>>6] &^= 1 << (uint(i) & 63)
	}
}

// keyPattern and maxValueBytes are the appdata key and value rules: keys
// are also Atom element names (docs/providers/mixi.md, "Persistence
// (appdata)").
var keyPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,63}$`)

const maxValueBytes = 10000

// Validate checks the document and builds its indexes (fixture.Validator).
func (f *Fixtures) Validate() error {
	d, err := build(f)
	if err != nil {
		return err
	}
	f.built = d
	return nil
}

func build(f *Fixtures) (*dataset, error) {
	d := &dataset{appByID: map[string]int{}, appByKey: map[string]int{}}
	if err := d.buildApps(f.Apps); err != nil {
		return nil, err
	}
	if err := d.buildUsers(f.Users); err != nil {
		return nil, err
	}
	if err := d.buildFriendships(f.Friendships); err != nil {
		return nil, err
	}
	if err := d.buildAlbums(f.Albums, f.MediaItems); err != nil {
		return nil, err
	}
	if err := d.checkRuntime(f); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *dataset) buildApps(apps []App) error {
	for i, a := range apps {
		p := fmt.Sprintf("apps[%d]", i)
		if _, ok := parseID(a.ID); !ok {
			return fixture.Errorf(p+".id", "want a decimal app id, got %q", a.ID)
		}
		if _, dup := d.appByID[a.ID]; dup {
			return fixture.Errorf(p+".id", "duplicate %q", a.ID)
		}
		if a.Name == "" {
			return fixture.Errorf(p+".name", "must not be empty")
		}
		if a.ConsumerKey == "" || a.ConsumerSecret == "" {
			return fixture.Errorf(p+".consumerKey", "consumerKey and consumerSecret must not be empty")
		}
		if _, dup := d.appByKey[a.ConsumerKey]; dup {
			return fixture.Errorf(p+".consumerKey", "duplicate %q", a.ConsumerKey)
		}
		if len(a.ConsumerKey) > oauth1.MaxNonceLen {
			// Verify refuses a longer key (docs/oauth.md, "Nonces").
			return fixture.Errorf(p+".consumerKey", "%d bytes, longer than the %d an OAuth 1.0 request may carry here", len(a.ConsumerKey), oauth1.MaxNonceLen)
		}
		hosts := map[string]bool{}
		for j, h := range a.CallbackHosts {
			if h == "" || h != strings.ToLower(h) || strings.ContainsAny(h, "/:@ ") {
				return fixture.Errorf(fmt.Sprintf("%s.callbackHosts[%d]", p, j), "want a lower-case host name without port, got %q", h)
			}
			hosts[h] = true
		}
		d.appByID[a.ID] = i
		d.appByKey[a.ConsumerKey] = i
		d.apps = append(d.apps, appRec{fix: a, hosts: hosts})
	}
	return nil
}

func (d *dataset) buildUsers(users []User) error {
	type idx struct {
		num uint64
		pos int
	}
	order := make([]idx, len(users))
	d.byNum = make(map[uint64]int32, len(users))
	for i := range users {
		n, ok := parseID(users[i].ID)
		if !ok {
			return fixture.Errorf(fmt.Sprintf("users[%d].id", i), "want a decimal user id without leading zeros, got %q", users[i].ID)
		}
		if _, dup := d.byNum[n]; dup {
			return fixture.Errorf(fmt.Sprintf("users[%d].id", i), "duplicate %q", users[i].ID)
		}
		d.byNum[n] = 0
		order[i] = idx{n, i}
	}
	slices.SortFunc(order, func(a, b idx) int {
		switch {
		case a.num < b.num:
			return -1
		case a.num > b.num:
			return 1
		}
		return 0
	})
	d.users = make([]user, len(users))
	for range d.apps {
		d.installed = append(d.installed, make([]uint64, (len(users)+63)/64))
	}
	for k, o := range order {
		u, err := d.buildUser(&users[o.pos], o.pos, int32(k))
		if err != nil {
			return err
		}
		u.num = o.num
		d.users[k] = u
		d.byNum[o.num] = int32(k)
	}
	return nil
}

func (d *dataset) buildUser(u *User, pos int, k int32) (user, error) {
	p := fmt.Sprintf("users[%d]", pos)
	r := user{profileVis: visFriends, disclosure: true}
	if u.Nickname == "" {
		return r, fixture.Errorf(p+".nickname", "must not be empty")
	}
	switch u.BloodType {
	case "", "A", "B", "O", "AB":
	default:
		return r, fixture.Errorf(p+".bloodType", "want A, B, O or AB, got %q", u.BloodType)
	}
	switch u.Gender {
	case "", "male", "female":
	default:
		return r, fixture.Errorf(p+".gender", "want male or female, got %q", u.Gender)
	}
	if u.Birthday != "" {
		if _, err := time.Parse("2006-01-02", u.Birthday); err != nil {
			return r, fixture.Errorf(p+".birthday", "want YYYY-MM-DD, got %q", u.Birthday)
		}
	}
	lastLogin, updated := defaultTime, defaultTime
	for _, tf := range []struct {
		name string
		in   string
		out  *string
	}{{"lastLogin", u.LastLogin, &lastLogin}, {"updated", u.Updated, &updated}} {
		if tf.in == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, tf.in)
		if err != nil {
			return r, fixture.Errorf(p+"."+tf.name, "want an RFC 3339 time such as %s, got %q", defaultTime, tf.in)
		}
		*tf.out = t.UTC().Format(timeLayout)
	}
	if u.ProfileVisibility != "" {
		v, ok := visibilityNames[u.ProfileVisibility]
		if !ok {
			return r, fixture.Errorf(p+".profileVisibility", "want public, friends, friends_of_friends or private, got %q", u.ProfileVisibility)
		}
		r.profileVis = v
	}
	if u.BasicDisclosure != nil {
		r.disclosure = *u.BasicDisclosure
	}
	for j, app := range u.Apps {
		ai, ok := d.appByID[app]
		if !ok {
			return r, fixture.Errorf(fmt.Sprintf("%s.apps[%d]", p, j), "unknown app %q", app)
		}
		if hasBit(d.installed[ai], k) {
			return r, fixture.Errorf(fmt.Sprintf("%s.apps[%d]", p, j), "duplicate %q", app)
		}
		setBit(d.installed[ai], k, true)
	}

	r.User = *u
	r.Apps = nil
	r.lastLogin, r.updated = lastLogin, updated
	return r, nil
}

// userFixture is user u as the fixture gave it (Apps are live state: the
// caller fills them).
func (d *dataset) userFixture(u int32) User {
	f := d.users[u].User
	if f.BasicDisclosure != nil {
		v := *f.BasicDisclosure
		f.BasicDisclosure = &v
	}
	f.Addresses = slices.Clone(f.Addresses)
	return f
}

func (d *dataset) hasApp(id string) bool { _, ok := d.appByID[id]; return ok }
func (d *dataset) hasUser(id string) bool {
	_, ok := d.lookup(id)
	return ok && !strings.HasPrefix(id, guidPrefix)
}

// formatID is the bare decimal id of user u.
func (d *dataset) formatID(u int32) string { return d.users[u].ID }
