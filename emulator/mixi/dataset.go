package mixi

import (
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

// userRec is a user as the handlers need it: the fixture's values as given
// (empty: omitted, for export) and the effective values of its defaulted
// fields. Its strings live in the dataset's text arena (str), so a userRec
// holds no pointers: the users of a large fixture (100k in the benchmark,
// live as long as the process) then cost the garbage collector nothing,
// where a dozen strings per user made them most of every cycle's mark work
// (docs/ARCHITECTURE.md, "Memory"; bench/profiling.md, "mixi users in a
// text arena (kept)").
type userRec struct {
	num uint64
	// As given.
	id, nickname, fixDisplayName, fixThumbnailURL, fixProfileURL, bloodType, birthday, gender,
	fixLastLogin, fixUpdated, fixProfileVis, fixDevice str
	fixNameFormatted, fixGivenName, fixFamilyName str
	addrLo, addrN                                 int32 // d.addrs[addrLo : addrLo+addrN]
	// fixDisclosure is basicDisclosure as given: 0 omitted, 1 false, 2 true.
	fixDisclosure uint8
	// Effective.
	displayName, thumbnailURL, profileURL, lastLogin, updated, device str
	// nameFormatted is name.formatted in force: the fixture's, its parts
	// joined, or the given displayName (whose parts are split when
	// written: userName); empty when the user has no name.
	nameFormatted str
	profileVis    visibility
	disclosure    bool
}

type addrRec struct{ region, locality str }

// str is a string in the dataset's text arena: text[off : off+len()]. The
// top bit of n marks a string that appendJSONString would escape; any other is
// written between quotes as it is, which makes a people page cheap to write.
type str struct{ off, n uint32 }

const strEscape = 1 << 31

func (x str) len() uint32 { return x.n &^ strEscape }

// plainJSON reports whether x can be written between quotes as it is.
func (x str) plainJSON() bool { return x.n&strEscape == 0 }

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

	users []userRec // by numeric id, so index order is id order
	addrs []addrRec
	text  string // the arena every str points into
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
	// invitations are the document's invitations (runtime state).
	invitations []Invitation
	nonces      []oauth1.UsedNonce
	// The default viewer: app index (noDefault: none) and user index.
	defApp    int
	defViewer int32
}

// s is the string x.
func (d *dataset) s(x str) string { return d.text[x.off : x.off+x.len()] }

func (d *dataset) friends(u int32) []int32 { return d.adj[d.adjOff[u]:d.adjOff[u+1]] }

func (d *dataset) isFriend(a, b int32) bool {
	_, ok := slices.BinarySearch(d.friends(a), b)
	return ok
}

// shareFriend reports whether a and b have a friend in common: each of
// the shorter list's friends is looked up in the longer sorted list, so a
// hub with 100k friends costs O(short · log long).
func (d *dataset) shareFriend(a, b int32) bool {
	short, long := d.friends(a), d.friends(b)
	if len(short) > len(long) {
		short, long = long, short
	}
	for _, f := range short {
		if _, ok := slices.BinarySearch(long, f); ok {
			return true
		}
	}
	return false
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
	if err := d.checkInvitations(f.Invitations); err != nil {
		return nil, err
	}
	if err := d.buildDefaultViewer(f.DefaultViewer); err != nil {
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
		if err := checkAppEndpoints(p, a); err != nil {
			return err
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
	d.users = make([]userRec, len(users))
	for range d.apps {
		d.installed = append(d.installed, make([]uint64, (len(users)+63)/64))
	}
	tb := newTextBuilder()
	for k, o := range order {
		rec, err := d.userRec(tb, &users[o.pos], o.pos, int32(k))
		if err != nil {
			return err
		}
		rec.num = o.num
		d.users[k] = rec
		d.byNum[o.num] = int32(k)
	}
	if tb.overflow {
		return fixture.Errorf("users", "the users' text exceeds %d bytes", maxText)
	}
	d.text = string(tb.b)
	return nil
}

func (d *dataset) userRec(tb *textBuilder, u *User, pos int, k int32) (userRec, error) {
	p := fmt.Sprintf("users[%d]", pos)
	r := userRec{profileVis: visFriends, disclosure: true}
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
		r.fixDisclosure = 1
		if r.disclosure {
			r.fixDisclosure = 2
		}
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

	r.id, r.nickname = tb.add(u.ID), tb.add(u.Nickname)
	r.bloodType, r.birthday, r.gender = tb.add(u.BloodType), tb.add(u.Birthday), tb.add(u.Gender)
	r.fixProfileVis = tb.add(u.ProfileVisibility)
	r.fixDisplayName, r.displayName = tb.addOr(u.DisplayName, r.nickname)
	r.fixThumbnailURL, r.thumbnailURL = tb.addOr(u.ThumbnailURL, tb.add(noImageURL))
	r.fixProfileURL, r.profileURL = tb.addOr(u.ProfileURL, str{})
	if u.ProfileURL == "" {
		r.profileURL = tb.add("http://mixi.jp/show_friend.pl?id=" + u.ID)
	}
	r.fixDevice, r.device = tb.addOr(u.DeviceID, str{})
	if u.DeviceID == "" {
		r.device = tb.add("user-" + u.ID)
	}
	switch n := u.Name; {
	case n != nil && (n.Formatted != "" || n.GivenName != "" || n.FamilyName != ""):
		r.fixNameFormatted, r.fixGivenName, r.fixFamilyName = tb.add(n.Formatted), tb.add(n.GivenName), tb.add(n.FamilyName)
		r.nameFormatted = r.fixNameFormatted
		if n.Formatted == "" {
			r.nameFormatted = tb.add(strings.TrimSpace(n.FamilyName + " " + n.GivenName))
		}
	case u.DisplayName != "":
		r.nameFormatted = r.fixDisplayName
	}
	r.fixLastLogin, r.fixUpdated = tb.add(u.LastLogin), tb.add(u.Updated)
	r.lastLogin, r.updated = tb.add(lastLogin), tb.add(updated)
	r.addrLo, r.addrN = int32(len(d.addrs)), int32(len(u.Addresses))
	for _, a := range u.Addresses {
		d.addrs = append(d.addrs, addrRec{region: tb.add(a.Region), locality: tb.add(a.Locality)})
	}
	return r, nil
}

// maxText bounds the text arena: offsets are 32-bit and the top bit of a
// length is the escape flag.
const maxText = 1<<31 - 1

// textBuilder fills the text arena while the users are built.
type textBuilder struct {
	b        []byte
	shared   map[string]str // the defaults most users share, stored once
	scratch  []byte         // appendJSONString's output for the escape flag
	overflow bool
}

func newTextBuilder() *textBuilder {
	tb := &textBuilder{shared: map[string]str{}}
	for _, s := range []string{defaultTime, noImageURL} {
		tb.shared[s] = tb.add(s)
	}
	return tb
}

func (tb *textBuilder) add(s string) str {
	if s == "" {
		return str{}
	}
	if x, ok := tb.shared[s]; ok {
		return x
	}
	if len(tb.b)+len(s) > maxText {
		tb.overflow = true
		return str{}
	}
	x := str{off: uint32(len(tb.b)), n: uint32(len(s))}
	// The flag is appendJSONString's own verdict, so it cannot disagree
	// with what a page would otherwise have written.
	tb.scratch = appendJSONString(tb.scratch[:0], s)
	if q := tb.scratch; len(q) != len(s)+2 || string(q[1:len(q)-1]) != s {
		x.n |= strEscape
	}
	tb.b = append(tb.b, s...)
	return x
}

// addOr stores s as given, and returns it again as the effective value, or
// def when s is empty.
func (tb *textBuilder) addOr(s string, def str) (given, effective str) {
	if s == "" {
		return str{}, def
	}
	x := tb.add(s)
	return x, x
}

// userFixture is user u as the fixture gave it (Apps are live state: the
// caller fills them).
func (d *dataset) userFixture(u int32) User {
	r := &d.users[u]
	f := User{ID: d.s(r.id), Nickname: d.s(r.nickname), DisplayName: d.s(r.fixDisplayName),
		ThumbnailURL: d.s(r.fixThumbnailURL), ProfileURL: d.s(r.fixProfileURL), BloodType: d.s(r.bloodType),
		Birthday: d.s(r.birthday), Gender: d.s(r.gender), LastLogin: d.s(r.fixLastLogin), Updated: d.s(r.fixUpdated),
		ProfileVisibility: d.s(r.fixProfileVis), DeviceID: d.s(r.fixDevice)}
	if r.fixNameFormatted.len()+r.fixGivenName.len()+r.fixFamilyName.len() > 0 {
		f.Name = &Name{Formatted: d.s(r.fixNameFormatted), GivenName: d.s(r.fixGivenName), FamilyName: d.s(r.fixFamilyName)}
	}
	if r.fixDisclosure != 0 {
		v := r.fixDisclosure == 2
		f.BasicDisclosure = &v
	}
	for _, a := range d.addresses(u) {
		f.Addresses = append(f.Addresses, Address{Region: d.s(a.region), Locality: d.s(a.locality)})
	}
	return f
}

// userName is r's name: formatted, given and family name (empty str when
// absent); ok is false for a user without one. A name read from
// displayName splits at its first space, family name first as Japanese
// names are written [chosen].
func (d *dataset) userName(r *userRec) (formatted, given, family str, ok bool) {
	if r.nameFormatted.len() == 0 {
		return str{}, str{}, str{}, false
	}
	if r.fixNameFormatted.len()+r.fixGivenName.len()+r.fixFamilyName.len() > 0 {
		return r.nameFormatted, r.fixGivenName, r.fixFamilyName, true
	}
	s := d.s(r.nameFormatted)
	i, w := strings.IndexByte(s, ' '), 1
	if j := strings.Index(s, "\u3000"); j >= 0 && (i < 0 || j < i) {
		i, w = j, len("\u3000")
	}
	if i <= 0 || i+w >= len(s) {
		return r.nameFormatted, str{}, str{}, true
	}
	// Parts of an arena string keep its escape flag: a flagged part is
	// written through appendJSONString, which is right either way.
	flag := r.nameFormatted.n & strEscape
	family = str{off: r.nameFormatted.off, n: uint32(i) | flag}
	given = str{off: r.nameFormatted.off + uint32(i+w), n: uint32(len(s)-i-w) | flag}
	return r.nameFormatted, given, family, true
}

func (d *dataset) addresses(u int32) []addrRec {
	r := &d.users[u]
	return d.addrs[r.addrLo : r.addrLo+r.addrN]
}

func (d *dataset) hasApp(id string) bool { _, ok := d.appByID[id]; return ok }
func (d *dataset) hasUser(id string) bool {
	_, ok := d.lookup(id)
	return ok && !strings.HasPrefix(id, guidPrefix)
}

// formatID is the bare decimal id of user u.
func (d *dataset) formatID(u int32) string { return d.s(d.users[u].id) }
