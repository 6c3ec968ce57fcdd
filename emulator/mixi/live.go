package mixi

import (
	"slices"
	"strings"
	"time"
)

// live is the runtime state over a dataset: installs (and the per-app
// friend lists they imply), appdata, requests and the write-rate windows.
// It is owned by the store and changed only under its write lock; nothing
// in it is shared with the dataset, so Reset can always rebuild it.
type live struct {
	installed [][]uint64 // per app: bitset over users
	// hasApp[app][u] are u's friends who installed app, sorted: paging a
	// filterBy=hasApp list costs O(page) (docs/providers/mixi.md, "People").
	hasApp [][][]int32
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
	// clock, oldest first, for the 180 writes / 3 minutes limit.
	writes map[writeKey][]time.Time
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
		hasApp:    make([][][]int32, len(d.apps)),
		appdata:   make([]map[int32][][2]string, len(d.apps)),
		reqByID:   map[string]int{},
		writes:    map[writeKey][]time.Time{},
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

// buildHasApp filters every adjacency list by the install bitset into one
// backing array; each user's slice has its capacity capped so that a later
// change copies instead of overwriting the neighbour's entries.
func buildHasApp(d *dataset, inst []uint64) [][]int32 {
	n := len(d.users)
	flat := make([]int32, 0, len(d.adj)/2)
	off := make([]int32, n+1)
	for u := 0; u < n; u++ {
		for _, f := range d.adj[d.adjOff[u]:d.adjOff[u+1]] {
			if hasBit(inst, f) {
				flat = append(flat, f)
			}
		}
		off[u+1] = int32(len(flat))
	}
	out := make([][]int32, n)
	for u := 0; u < n; u++ {
		out[u] = flat[off[u]:off[u+1]:off[u+1]]
	}
	return out
}

// setInstalled changes one install and the hasApp lists of the user's
// friends: O(friends × their list length). A changed list gets a fresh
// array, since lists share one backing array.
func (lv *live) setInstalled(d *dataset, app int, u int32, on bool) {
	if hasBit(lv.installed[app], u) == on {
		return
	}
	setBit(lv.installed[app], u, on)
	lists := lv.hasApp[app]
	for _, f := range d.friends(u) {
		old := lists[f]
		i, found := slices.BinarySearch(old, u)
		switch {
		case on && !found:
			next := make([]int32, 0, len(old)+1)
			next = append(append(append(next, old[:i]...), u), old[i:]...)
			lists[f] = next
		case !on && found:
			next := make([]int32, 0, len(old)-1)
			lists[f] = append(append(next, old[:i]...), old[i+1:]...)
		}
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
