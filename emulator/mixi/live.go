package mixi

import (
	"slices"
	"strings"
)

// live is the runtime state over a dataset: installs (and the per-app
// friend lists they imply), appdata, requests and the write-rate windows.
// It is owned by the store and changed only under its write lock; nothing
// in it is shared with the dataset, so Reset can always rebuild it.
type live struct {
	installed [][]uint64 // per app: bitset over users
	// hasApp[app].of(u) are u's friends who installed app, sorted: paging
	// a filterBy=hasApp list costs O(page) (docs/providers/mixi.md,
	// "People").
	hasApp []userLists
	// appdata per app and user, as key/value pairs sorted by key, the
	// order responses list them in.
	appdata []map[int32][][2]string
	// requests in creation order; reqByID indexes them.
	requests []Request
	reqByID  map[string]int
	// invitations in creation order.
	invitations []Invitation
	// endpoints are each app's sapUrl and lifecycleUrl (gateway_store.go).
	endpoints []appEndpoints
	// writes are the appdata write times per app and user on the injected
	// clock, oldest first, for the 180 writes / 3 minutes limit. They are
	// Unix nanoseconds, not time.Time, whose *Location the collector would
	// otherwise trace in every element of every user's window (the clock
	// stays within clock.Min and clock.Max, well inside int64 nanoseconds).
	writes map[writeKey][]int64
	// defApp and defViewer are the default viewer (viewer.go), the
	// dataset's until the admin API changes it.
	defApp    int
	defViewer int32
}

type writeKey struct {
	app  int
	user int32
}

func newLive(d *dataset) *live {
	lv := &live{
		installed: make([][]uint64, len(d.apps)),
		hasApp:    make([]userLists, len(d.apps)),
		appdata:   make([]map[int32][][2]string, len(d.apps)),
		reqByID:   map[string]int{},
		writes:    map[writeKey][]int64{},
		defApp:    d.defApp,
		defViewer: d.defViewer,
		endpoints: endpointsOf(d),
	}
	for a := range d.apps {
		lv.installed[a] = slices.Clone(d.installed[a])
		lv.hasApp[a] = buildHasApp(d, lv.installed[a])
		lv.appdata[a] = map[int32][][2]string{}
	}
	for _, ad := range d.appdata {
		u, _ := d.lookup(ad.User)
		lv.appdata[d.appByID[ad.App]][u] = pairs(ad.Data)
	}
	lv.invitations = cloneInvitations(d.invitations)
	for _, r := range d.requests {
		r.Recipients = slices.Clone(r.Recipients)
		r.Deleted = slices.Clone(r.Deleted)
		lv.reqByID[r.ID] = len(lv.requests)
		lv.requests = append(lv.requests, r)
	}
	return lv
}

// userLists are one sorted list of user indexes per user, all in one array
// of int32: with a slice per user, each of the 100k slice headers was a
// pointer that every garbage collection traced, most of a collection's
// marking on the 100k-user fixture. u's list is ids[at[u]:at[u]+n[u]]. A
// list that changes is written again at the end of ids and its old copy
// left behind; once the copies left behind outweigh the lists, the owner
// rebuilds them.
type userLists struct {
	ids   []int32
	at, n []int32
	live  int // the sum of n: what a rebuild would keep of ids
}

func (l *userLists) of(u int32) []int32 {
	a, n := l.at[u], l.n[u]
	return l.ids[a : a+n : a+n]
}

// replace makes u's list the concatenation of parts, which may be slices
// of u's current list: those are only read.
func (l *userLists) replace(u int32, parts ...[]int32) {
	at := len(l.ids)
	for _, p := range parts {
		l.ids = append(l.ids, p...)
	}
	n := len(l.ids) - at
	l.live += n - int(l.n[u])
	l.at[u], l.n[u] = int32(at), int32(n)
}

// wasteful reports that more of ids is left-behind copies than lists.
func (l *userLists) wasteful() bool { return len(l.ids) > 2*l.live+1024 }

// buildHasApp filters every adjacency list by the install bitset.
func buildHasApp(d *dataset, inst []uint64) userLists {
	n := len(d.users)
	l := userLists{ids: make([]int32, 0, len(d.adj)/2), at: make([]int32, n), n: make([]int32, n)}
	for u := 0; u < n; u++ {
		l.at[u] = int32(len(l.ids))
		for _, f := range d.adj[d.adjOff[u]:d.adjOff[u+1]] {
			if hasBit(inst, f) {
				l.ids = append(l.ids, f)
			}
		}
		l.n[u] = int32(len(l.ids)) - l.at[u]
	}
	l.live = len(l.ids)
	return l
}

// setInstalled changes one install and the hasApp lists of the user's
// friends: O(friends × their list length), and now and then a rebuild of
// the app's lists, O(friendships).
func (lv *live) setInstalled(d *dataset, app int, u int32, on bool) {
	if hasBit(lv.installed[app], u) == on {
		return
	}
	setBit(lv.installed[app], u, on)
	lists := &lv.hasApp[app]
	for _, f := range d.friends(u) {
		old := lists.of(f)
		i, found := slices.BinarySearch(old, u)
		switch {
		case on && !found:
			lists.replace(f, old[:i], []int32{u}, old[i:])
		case !on && found:
			lists.replace(f, old[:i], old[i+1:])
		}
	}
	if lists.wasteful() {
		*lists = buildHasApp(d, lv.installed[app])
	}
}

// pairs is m as key/value pairs sorted by key.
func pairs(m map[string]string) [][2]string {
	out := make([][2]string, 0, len(m))
	for k, v := range m {
		out = append(out, [2]string{k, v})
	}
	slices.SortFunc(out, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return out
}
