package mixi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fakeapi/fakeapi/internal/oauth1"
)

// Store is what the handlers ask of the state. Users are named by id
// strings and resolved under the store's lock on every call, so a state
// import between two calls cannot leave a handler holding a stale index.
type Store interface {
	Consumer(key string) (App, bool)
	Apps() []App
	Nonces() oauth1.NonceStore
	CheckViewer(app, viewer string) error
	// DefaultViewer is who a request without opensocial_* parameters acts
	// for; SetDefaultViewer changes it (viewer.go).
	DefaultViewer() (appID, viewer string)
	SetDefaultViewer(appID, viewer string) error

	Person(app, viewer, target string, withHash bool) (person, error)
	Friends(app, viewer, owner string, hasAppOnly bool, pg page, withHash bool) ([]person, int, error)
	Friend(app, viewer, owner, pid string, withHash bool) (person, error)

	AppData(app, viewer, owner string, friends bool, keys []string, pg page) ([]appdataEntry, int, error)
	WriteAppData(app, viewer, owner string, set map[string]string, del []string, delAll bool, now time.Time) error

	Albums(viewer, owner string, all bool, pg page) ([]albumView, int, error)
	MediaItems(viewer, owner, album string, pg page) ([]MediaItem, int, error)

	DeleteRequests(app, recipient string, ids []string) error
	InviteContext(app, owner string) (App, []candidate, error)
	AddRequest(r Request)
	Requests() []Request
	AddInvitation(inv Invitation)
	Invitations() []Invitation
	SetInstalled(app, user string, on bool) error

	// The mobile gateway's (gateway_store.go).
	GatewayApp(id string) (App, error)
	SetGatewayURLs(id string, sap, lifecycle *string) (App, error)
	Member(id string) (candidate, bool)
	Members(n int) []candidate
}

var _ Store = (*memStore)(nil)

// page is a validated startIndex and count.
type page struct{ start, count int }

// window returns the bounds of the page within n items: O(1).
func (p page) window(n int) (int, int) {
	lo := min(p.start, n)
	return lo, min(lo+p.count, n)
}

// person is one user as one viewer may see them: the flags say which field
// groups the permission model lets through (docs/providers/mixi.md,
// "Permission model").
type person struct {
	// rec points into a dataset, which nothing changes after it was built
	// (replace swaps whole datasets; reset reuses the original), so it stays
	// valid after the lock is released.
	rec      *userRec
	d        *dataset // rec's dataset, whose text arena holds rec's strings
	isViewer bool
	hasApp   bool
	basic    bool
	profile  bool
	userHash string
}

type appdataEntry struct {
	user string
	data [][2]string // by key
}

type albumView struct {
	fix   Album
	count int
	mimes []string
}

type candidate struct {
	ID, Nickname, ThumbnailURL string
	HasApp                     bool
}

// memStore is the in-memory Store.
type memStore struct {
	orig   *dataset             // the fixtures the provider was opened with
	nonces *oauth1.MemoryNonces // has its own lock

	mu sync.RWMutex // guards ds and lv
	ds *dataset
	lv *live
}

func newMemStore(d *dataset) *memStore {
	s := &memStore{orig: d, nonces: oauth1.NewMemoryNonces()}
	s.replace(d)
	return s
}

// replace swaps in a dataset with fresh runtime state.
func (s *memStore) replace(d *dataset) {
	lv := newLive(d)
	s.mu.Lock()
	s.ds, s.lv = d, lv
	s.mu.Unlock()
	// build checked every nonce (UsedNonce.Check), so none is refused.
	_ = s.nonces.Restore(d.nonces)
}

func (s *memStore) Consumer(key string) (App, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, ok := s.ds.appByKey[key]
	if !ok {
		return App{}, false
	}
	return s.ds.apps[i].fix, true
}

func (s *memStore) Apps() []App {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]App, len(s.ds.apps))
	for i, a := range s.ds.apps {
		out[i] = a.fix
	}
	return out
}

func (s *memStore) Nonces() oauth1.NonceStore { return s.nonces }

// viewerLocked resolves the app and the requestor, who must exist (400) and
// have installed the app (403) (docs/providers/mixi.md, "Authentication:
// 2-legged OAuth 1.0").
func (s *memStore) viewerLocked(app, viewer string) (int, int32, error) {
	a, ok := s.ds.appByID[app]
	if !ok {
		return 0, 0, newErr(http.StatusBadRequest, reasonUnknownViewer)
	}
	v, ok := s.ds.lookup(viewer)
	if !ok {
		return 0, 0, newErr(http.StatusBadRequest, reasonUnknownViewer)
	}
	if !hasBit(s.lv.installed[a], v) {
		return 0, 0, newErr(http.StatusForbidden, reasonNotInstalled)
	}
	return a, v, nil
}

func (s *memStore) CheckViewer(app, viewer string) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, _, err := s.viewerLocked(app, viewer)
	return err
}

// viewLocked applies the permission model to target as seen by viewer:
// self sees everything; a friend with the app shows basic data and, unless
// private, the profile (○); a friend without it shows basic data unless
// disclosure is off (▲) and the profile only when public (△).
func (s *memStore) viewLocked(a int, viewer, target int32, withHash bool) person {
	u := &s.ds.users[target]
	p := person{rec: u, d: s.ds, isViewer: viewer == target, hasApp: hasBit(s.lv.installed[a], target)}
	switch {
	case p.isViewer:
		p.basic, p.profile = true, true
	case p.hasApp:
		p.basic, p.profile = true, u.profileVis != visPrivate
	default:
		p.basic = u.disclosure
		p.profile = u.disclosure && u.profileVis == visPublic
	}
	if withHash && p.basic {
		p.userHash = userHash(s.ds.s(u.device), s.ds.apps[a].fix.ID)
	}
	return p
}

// userHashKey keys the emulator's userHash (docs/providers/mixi.md,
// "userHash").
var userHashKey = []byte("fakeapi mixi userHash v1")

// userHash is derived from the registration phone and the app id, so the
// same phone and app give the same hash under a new user id [doc].
func userHash(device, appID string) string {
	m := hmac.New(sha256.New, userHashKey)
	m.Write([]byte(device + ":" + appID))
	return hex.EncodeToString(m.Sum(nil))[:20]
}

func (s *memStore) Person(app, viewer, target string, withHash bool) (person, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, v, err := s.viewerLocked(app, viewer)
	if err != nil {
		return person{}, err
	}
	t, ok := s.ds.lookup(target)
	if !ok {
		return person{}, errUserNotFound
	}
	if t != v && !s.ds.isFriend(v, t) {
		return person{}, errNoPermission
	}
	return s.viewLocked(a, v, t, withHash), nil
}

func (s *memStore) Friends(app, viewer, owner string, hasAppOnly bool, pg page, withHash bool) ([]person, int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, v, err := s.viewerLocked(app, viewer)
	if err != nil {
		return nil, 0, err
	}
	o, ok := s.ds.lookup(owner)
	if !ok {
		return nil, 0, errUserNotFound
	}
	if o != v {
		return nil, 0, errNoPermission // only one's own friend list (×)
	}
	list := s.ds.friends(v)
	if hasAppOnly {
		list = s.lv.hasApp[a][v]
	}
	lo, hi := pg.window(len(list))
	out := make([]person, 0, hi-lo)
	for _, f := range list[lo:hi] {
		out = append(out, s.viewLocked(a, v, f, withHash))
	}
	return out, len(list), nil
}

func (s *memStore) Friend(app, viewer, owner, pid string, withHash bool) (person, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, v, err := s.viewerLocked(app, viewer)
	if err != nil {
		return person{}, err
	}
	o, ok := s.ds.lookup(owner)
	if !ok {
		return person{}, errUserNotFound
	}
	if o != v {
		return person{}, errNoPermission
	}
	f, ok := s.ds.lookup(pid)
	if !ok || !s.ds.isFriend(v, f) {
		return person{}, errNotFriend // how apps test friendship [doc]
	}
	return s.viewLocked(a, v, f, withHash), nil
}

func (s *memStore) AppData(app, viewer, owner string, friends bool, keys []string, pg page) ([]appdataEntry, int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, v, err := s.viewerLocked(app, viewer)
	if err != nil {
		return nil, 0, err
	}
	o, ok := s.ds.lookup(owner)
	if !ok {
		// The Persistence table lists no 404 [doc]: an unknown user is one
		// whose data the viewer may not read [chosen].
		return nil, 0, errNoPermission
	}
	var users []int32
	switch {
	case friends && o != v:
		return nil, 0, errNoPermission
	case friends:
		users = s.lv.hasApp[a][v] // friends without the app are left out
	case o == v || (s.ds.isFriend(v, o) && hasBit(s.lv.installed[a], o)):
		users = []int32{o}
	default:
		return nil, 0, errNoPermission
	}
	lo, hi := pg.window(len(users))
	if !friends {
		lo, hi = 0, len(users)
	}
	out := make([]appdataEntry, 0, hi-lo)
	for _, u := range users[lo:hi] {
		out = append(out, appdataEntry{user: s.ds.formatID(u), data: pickKeys(s.lv.appdata[a][u], keys)})
	}
	return out, len(users), nil
}

// pickKeys copies the pairs named by keys (all when keys is empty), in key
// order.
func pickKeys(data [][2]string, keys []string) [][2]string {
	out := make([][2]string, 0, len(data))
	for _, kv := range data {
		if len(keys) == 0 || slices.Contains(keys, kv[0]) {
			out = append(out, kv)
		}
	}
	return out
}

// Write-rate limit: more than 180 create/update/delete calls by one user of
// one app in 3 minutes → 503 (docs/providers/mixi.md, "Persistence
// (appdata)").
const (
	writeLimit  = 180
	writeWindow = 3 * time.Minute
)

func (s *memStore) WriteAppData(app, viewer, owner string, set map[string]string, del []string, delAll bool, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, v, err := s.viewerLocked(app, viewer)
	if err != nil {
		return err
	}
	if o, ok := s.ds.lookup(owner); !ok || o != v {
		return newErr(http.StatusForbidden, reasonWriteOthers)
	}
	k := writeKey{a, v}
	times := s.lv.writes[k]
	cut := now.Add(-writeWindow)
	drop := 0
	for drop < len(times) && !times[drop].After(cut) {
		drop++
	}
	times = times[drop:]
	if len(times) >= writeLimit {
		s.lv.writes[k] = times
		return errRateLimited
	}
	s.lv.writes[k] = append(times, now)

	var next [][2]string
	if !delAll {
		for _, kv := range s.lv.appdata[a][v] {
			if _, over := set[kv[0]]; !over && !slices.Contains(del, kv[0]) {
				next = append(next, kv)
			}
		}
	}
	for key, val := range set { // set after delete, as a write does one or the other
		next = append(next, [2]string{key, val})
	}
	slices.SortFunc(next, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	if next == nil {
		next = [][2]string{}
	}
	s.lv.appdata[a][v] = next
	return nil
}

// albumVisibleLocked: the owner sees all; a friend public, friends-only and
// friends-of-friends albums; a friend of a friend public and
// friends-of-friends ones (友人の友人まで公開); anyone else public ones
// (docs/providers/mixi.md, "Albums and media items").
func (s *memStore) albumVisibleLocked(viewer int32, al *albumRec) bool {
	switch {
	case al.owner == viewer || al.vis == visPublic:
		return true
	case al.vis == visPrivate:
		return false
	case s.ds.isFriend(viewer, al.owner):
		return true
	}
	return al.vis == visFriendsOfFriends && s.ds.shareFriend(viewer, al.owner)
}

func (s *memStore) Albums(viewer, owner string, all bool, pg page) ([]albumView, int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.ds.lookup(viewer)
	if !ok {
		return nil, 0, newErr(http.StatusBadRequest, reasonUnknownViewer)
	}
	o, ok := s.ds.lookup(owner)
	if !ok {
		return nil, 0, errUserNotFound
	}
	var visible []int32
	for _, i := range s.ds.albumsByOwner[o] {
		al := &s.ds.albums[i]
		// Without visibility=all only 全体公開 albums are listed [doc].
		if (all && s.albumVisibleLocked(v, al)) || (!all && al.vis == visPublic) {
			visible = append(visible, i)
		}
	}
	lo, hi := pg.window(len(visible))
	out := make([]albumView, 0, hi-lo)
	for _, i := range visible[lo:hi] {
		al := &s.ds.albums[i]
		out = append(out, albumView{fix: al.fix, count: len(al.items), mimes: slices.Clone(al.mimes)})
	}
	return out, len(visible), nil
}

func (s *memStore) MediaItems(viewer, owner, album string, pg page) ([]MediaItem, int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.ds.lookup(viewer)
	if !ok {
		return nil, 0, newErr(http.StatusBadRequest, reasonUnknownViewer)
	}
	o, ok := s.ds.lookup(owner)
	if !ok {
		return nil, 0, errUserNotFound
	}
	n, ok := parseID(album)
	i, found := s.ds.albumByNum[n]
	if !ok || !found || s.ds.albums[i].owner != o {
		return nil, 0, newErr(http.StatusNotFound, reasonAlbumNotFound)
	}
	al := &s.ds.albums[i]
	if !s.albumVisibleLocked(v, al) {
		return nil, 0, errNoPermission
	}
	lo, hi := pg.window(len(al.items))
	out := make([]MediaItem, 0, hi-lo)
	for _, m := range al.items[lo:hi] {
		out = append(out, s.ds.media[m].fix)
	}
	return out, len(al.items), nil
}

func (s *memStore) DeleteRequests(app, recipient string, ids []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, v, err := s.viewerLocked(app, recipient)
	if err != nil {
		return err
	}
	me := s.ds.formatID(v)
	// All or nothing: check every id before deleting any
	// (docs/providers/mixi.md, "Request deletion").
	for _, id := range ids {
		i, ok := s.lv.reqByID[id]
		if !ok {
			return newErr(http.StatusBadRequest, reasonBadRequestIDs)
		}
		r := s.lv.requests[i]
		if r.App != app || !slices.Contains(r.Recipients, me) || slices.Contains(r.Deleted, me) {
			return newErr(http.StatusBadRequest, reasonBadRequestIDs)
		}
	}
	for _, id := range ids {
		r := &s.lv.requests[s.lv.reqByID[id]]
		if !slices.Contains(r.Deleted, me) { // the same id twice in one call
			r.Deleted = append(slices.Clip(r.Deleted), me)
		}
	}
	return nil
}

func (s *memStore) InviteContext(app, owner string) (App, []candidate, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.ds.appByID[app]
	if !ok {
		return App{}, nil, newErr(http.StatusBadRequest, "unknown opensocial_app_id")
	}
	o, ok := s.ds.lookup(owner)
	if !ok || !hasBit(s.lv.installed[a], o) {
		return App{}, nil, newErr(http.StatusBadRequest, "opensocial_owner_id names no user of this app")
	}
	fs := s.ds.friends(o)
	out := make([]candidate, 0, len(fs))
	for _, f := range fs {
		u := &s.ds.users[f]
		out = append(out, candidate{ID: s.ds.s(u.id), Nickname: s.ds.s(u.nickname), ThumbnailURL: s.ds.s(u.thumbnailURL), HasApp: hasBit(s.lv.installed[a], f)})
	}
	app0 := s.ds.apps[a].fix
	app0.CallbackHosts = slices.Clone(app0.CallbackHosts)
	return app0, out, nil
}

func (s *memStore) AddRequest(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lv.reqByID[r.ID] = len(s.lv.requests)
	s.lv.requests = append(s.lv.requests, r)
}

func (s *memStore) Requests() []Request {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Request, len(s.lv.requests))
	for i, r := range s.lv.requests {
		r.Recipients = slices.Clone(r.Recipients)
		r.Deleted = slices.Clone(r.Deleted)
		out[i] = r
	}
	return out
}

func (s *memStore) SetInstalled(app, user string, on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.ds.appByID[app]
	if !ok {
		return newErr(http.StatusNotFound, "unknown app")
	}
	u, ok := s.ds.lookup(user)
	if !ok {
		return errUserNotFound
	}
	s.lv.setInstalled(s.ds, a, u, on)
	return nil
}
