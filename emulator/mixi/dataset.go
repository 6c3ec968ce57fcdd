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
	// noImageURL is mixi's picture for members without one [doc: seeds/004
	// sample].
	noImageURL = "http://img.mixi.net/img/basic/common/noimage_member76.gif"
	// defaultTime stands in for lastLogin and updated when a fixture user
	// has none, so generated fixtures stay small [chosen].
	defaultTime = "2010-04-01T00:00:00Z"
	// timeLayout is how mixi prints times: UTC with a Z [doc: seeds/004].
	timeLayout = "2006-01-02T15:04:05Z"
)

// visibility is a profile or album disclosure level (mixi.md §3).
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

// userRec is a user as the handlers need it: the fixture as given (for
// export) plus the effective values of its defaulted fields.
type userRec struct {
	fix          User
	num          uint64
	displayName  string
	thumbnailURL string
	profileURL   string
	lastLogin    string
	updated      string
	profileVis   visibility
	disclosure   bool
	device       string
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

	users []userRec // by numeric id, so index order is id order
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

// keyPattern is the appdata key rule (mixi.md §4): Shindig allows
// [A-Za-z0-9_.-]; a leading letter or "_" keeps Atom element names valid
// [chosen].
var keyPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,63}$`)

const maxValueBytes = 10000 // mixi.md §4 [chosen where the doc has none]

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
	for k, o := range order {
		u := &users[o.pos]
		rec, err := d.userRec(u, o.pos, int32(k))
		if err != nil {
			return err
		}
		rec.num = o.num
		d.users[k] = rec
		d.byNum[o.num] = int32(k)
	}
	return nil
}

func (d *dataset) userRec(u *User, pos int, k int32) (userRec, error) {
	p := fmt.Sprintf("users[%d]", pos)
	r := userRec{fix: *u, profileVis: visFriends, disclosure: true,
		displayName: u.DisplayName, thumbnailURL: u.ThumbnailURL, profileURL: u.ProfileURL,
		lastLogin: defaultTime, updated: defaultTime, device: u.DeviceID}
	r.fix.Apps = nil // live state from here on
	if u.Nickname == "" {
		return r, fixture.Errorf(p+".nickname", "must not be empty")
	}
	if r.displayName == "" {
		r.displayName = u.Nickname
	}
	if r.thumbnailURL == "" {
		r.thumbnailURL = noImageURL
	}
	if r.profileURL == "" {
		r.profileURL = "http://mixi.jp/show_friend.pl?id=" + u.ID
	}
	if r.device == "" {
		r.device = "user-" + u.ID
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
	for _, tf := range []struct {
		name string
		in   string
		out  *string
	}{{"lastLogin", u.LastLogin, &r.lastLogin}, {"updated", u.Updated, &r.updated}} {
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
	return r, nil
}

// buildFriendships parses the lines into CSR adjacency in two passes over
// the edges, without a map of pairs.
func (d *dataset) buildFriendships(lines []string) error {
	n := len(d.users)
	deg := make([]int32, n+1)
	var edges []int32 // pairs a, b
	for i, line := range lines {
		head, rest, ok := strings.Cut(line, ":")
		a, found := d.lineUser(head)
		if !ok || !found {
			if !ok {
				return fixture.Errorf(fmt.Sprintf("friendships[%d]", i), `want "id:id,id,…", got %q`, clip(line))
			}
			return fixture.Errorf(fmt.Sprintf("friendships[%d]", i), "unknown user %q", strings.TrimSpace(head))
		}
		for rest != "" {
			var tok string
			tok, rest, _ = strings.Cut(rest, ",")
			b, found := d.lineUser(tok)
			if !found {
				return fixture.Errorf(fmt.Sprintf("friendships[%d]", i), "unknown user %q", strings.TrimSpace(tok))
			}
			if a == b {
				return fixture.Errorf(fmt.Sprintf("friendships[%d]", i), "user %s cannot be their own friend", d.users[a].fix.ID)
			}
			edges = append(edges, a, b)
			deg[a]++
			deg[b]++
		}
	}
	d.adjOff = make([]int32, n+1)
	for u := 0; u < n; u++ {
		d.adjOff[u+1] = d.adjOff[u] + deg[u]
	}
	d.adj = make([]int32, len(edges))
	fill := slices.Clone(d.adjOff[:n])
	for k := 0; k < len(edges); k += 2 {
		a, b := edges[k], edges[k+1]
		d.adj[fill[a]] = b
		fill[a]++
		d.adj[fill[b]] = a
		fill[b]++
	}
	for u := int32(0); int(u) < n; u++ {
		fs := d.friends(u)
		slices.Sort(fs)
		for j := 1; j < len(fs); j++ {
			if fs[j] == fs[j-1] {
				return d.duplicateFriendship(lines, u, fs[j])
			}
		}
	}
	return nil
}

func (d *dataset) lineUser(s string) (int32, bool) {
	n, ok := parseID(strings.TrimSpace(s))
	if !ok {
		return 0, false
	}
	u, ok := d.byNum[n]
	return u, ok
}

// duplicateFriendship finds the line that repeats the pair (only on this
// error path, so valid documents never pay for it).
func (d *dataset) duplicateFriendship(lines []string, a, b int32) error {
	seen := 0
	for i, line := range lines {
		head, rest, _ := strings.Cut(line, ":")
		x, _ := d.lineUser(head)
		for _, tok := range strings.Split(rest, ",") {
			y, _ := d.lineUser(tok)
			if (x == a && y == b) || (x == b && y == a) {
				seen++
				if seen == 2 {
					return fixture.Errorf(fmt.Sprintf("friendships[%d]", i), "duplicate friendship %s–%s", d.users[a].fix.ID, d.users[b].fix.ID)
				}
			}
		}
	}
	return fixture.Errorf("friendships", "duplicate friendship %s–%s", d.users[a].fix.ID, d.users[b].fix.ID)
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func (d *dataset) buildAlbums(albums []Album, media []MediaItem) error {
	d.albumByNum = map[uint64]int32{}
	d.albumsByOwner = map[int32][]int32{}
	for i, a := range albums {
		p := fmt.Sprintf("albums[%d]", i)
		n, ok := parseID(strings.TrimPrefix(a.ID, guidPrefix))
		if !ok || strings.HasPrefix(a.ID, guidPrefix) {
			return fixture.Errorf(p+".id", "want a decimal album id, got %q", a.ID)
		}
		if _, dup := d.albumByNum[n]; dup {
			return fixture.Errorf(p+".id", "duplicate %q", a.ID)
		}
		owner, ok := d.lookup(a.Owner)
		if !ok || strings.HasPrefix(a.Owner, guidPrefix) {
			return fixture.Errorf(p+".owner", "unknown user %q", a.Owner)
		}
		vis, ok := visibilityNames[a.Visibility]
		if !ok {
			return fixture.Errorf(p+".visibility", "want public, friends, friends_of_friends or private, got %q", a.Visibility)
		}
		if a.Title == "" {
			return fixture.Errorf(p+".title", "must not be empty")
		}
		d.albumByNum[n] = 0
		d.albums = append(d.albums, albumRec{fix: a, num: n, owner: owner, vis: vis})
	}
	slices.SortFunc(d.albums, func(a, b albumRec) int { return cmpU64(a.num, b.num) })
	for i := range d.albums {
		d.albumByNum[d.albums[i].num] = int32(i)
		o := d.albums[i].owner
		d.albumsByOwner[o] = append(d.albumsByOwner[o], int32(i))
	}
	mediaSeen := map[uint64]bool{}
	for i, m := range media {
		p := fmt.Sprintf("mediaItems[%d]", i)
		n, ok := parseID(m.ID)
		if !ok {
			return fixture.Errorf(p+".id", "want a decimal media item id, got %q", m.ID)
		}
		if mediaSeen[n] {
			return fixture.Errorf(p+".id", "duplicate %q", m.ID)
		}
		mediaSeen[n] = true
		an, _ := parseID(m.AlbumID)
		ai, ok := d.albumByNum[an]
		if !ok {
			return fixture.Errorf(p+".albumId", "unknown album %q", m.AlbumID)
		}
		if m.Title == "" || m.URL == "" {
			return fixture.Errorf(p+".title", "title and url must not be empty")
		}
		if !strings.HasPrefix(m.MimeType, "image/") {
			return fixture.Errorf(p+".mimeType", "want an image/* type, got %q", m.MimeType)
		}
		if m.FileSize < 0 {
			return fixture.Errorf(p+".fileSize", "must not be negative")
		}
		d.media = append(d.media, mediaRec{fix: m, num: n, album: ai})
	}
	slices.SortFunc(d.media, func(a, b mediaRec) int { return cmpU64(a.num, b.num) })
	for i := range d.media {
		a := &d.albums[d.media[i].album]
		a.items = append(a.items, int32(i))
		if mt := d.media[i].fix.MimeType; !slices.Contains(a.mimes, mt) {
			a.mimes = append(a.mimes, mt)
		}
	}
	return nil
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// checkRuntime validates appdata, requests and nonces and keeps copies.
func (d *dataset) checkRuntime(f *Fixtures) error {
	type appUser struct {
		app  int
		user int32
	}
	seen := map[appUser]bool{}
	for i, a := range f.AppData {
		p := fmt.Sprintf("appdata[%d]", i)
		ai, ok := d.appByID[a.App]
		if !ok {
			return fixture.Errorf(p+".app", "unknown app %q", a.App)
		}
		u, ok := d.lookup(a.User)
		if !ok || strings.HasPrefix(a.User, guidPrefix) {
			return fixture.Errorf(p+".user", "unknown user %q", a.User)
		}
		if seen[appUser{ai, u}] {
			return fixture.Errorf(p+".user", "duplicate data for user %q in app %q", a.User, a.App)
		}
		seen[appUser{ai, u}] = true
		for k, v := range a.Data {
			if !keyPattern.MatchString(k) {
				return fixture.Errorf(p+".data", "key %q does not match %s", k, keyPattern)
			}
			if len(v) > maxValueBytes {
				return fixture.Errorf(p+".data."+k, "value longer than %d bytes", maxValueBytes)
			}
		}
	}
	d.appdata = f.AppData
	reqSeen := map[string]bool{}
	for i, r := range f.Requests {
		p := fmt.Sprintf("requests[%d]", i)
		switch {
		case r.ID == "" || reqSeen[r.ID]:
			return fixture.Errorf(p+".id", "missing or duplicate %q", r.ID)
		case !d.hasApp(r.App):
			return fixture.Errorf(p+".app", "unknown app %q", r.App)
		case !d.hasUser(r.Sender):
			return fixture.Errorf(p+".sender", "unknown user %q", r.Sender)
		case len(r.Recipients) == 0:
			return fixture.Errorf(p+".recipients", "must not be empty")
		}
		reqSeen[r.ID] = true
		for j, rc := range r.Recipients {
			if !d.hasUser(rc) {
				return fixture.Errorf(fmt.Sprintf("%s.recipients[%d]", p, j), "unknown user %q", rc)
			}
		}
		for j, rc := range r.Deleted {
			if !slices.Contains(r.Recipients, rc) {
				return fixture.Errorf(fmt.Sprintf("%s.deleted[%d]", p, j), "%q is not a recipient", rc)
			}
		}
		if _, err := time.Parse(time.RFC3339, r.Created); err != nil {
			return fixture.Errorf(p+".created", "want an RFC 3339 time, got %q", r.Created)
		}
	}
	d.requests = f.Requests
	for i, n := range f.Nonces {
		if _, ok := d.appByKey[n.Consumer]; !ok {
			return fixture.Errorf(fmt.Sprintf("nonces[%d].consumer", i), "unknown consumer key %q", n.Consumer)
		}
	}
	d.nonces = f.Nonces
	return nil
}

func (d *dataset) hasApp(id string) bool { _, ok := d.appByID[id]; return ok }
func (d *dataset) hasUser(id string) bool {
	_, ok := d.lookup(id)
	return ok && !strings.HasPrefix(id, guidPrefix)
}

// formatID is the bare decimal id of user u.
func (d *dataset) formatID(u int32) string { return d.users[u].fix.ID }
