package mixi

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/fixture"
	"github.com/fakeapi/fakeapi/internal/provider"
	"github.com/fakeapi/fakeapi/internal/websession"
)

// state is the admin surface (provider.State) over the store.
type state struct {
	s        *memStore
	clk      clock.Clock
	sessions *websession.Manager[inviteTxn]
}

var _ provider.State = state{}

// Reset puts back the fixtures the provider was opened with.
func (st state) Reset() {
	st.s.replace(st.s.orig)
	st.sessions.Reset()
}

// Export is the live state in the fixture schema: installs as they are now,
// appdata, requests and the nonces still in their window.
func (st state) Export() any {
	f := st.s.export()
	f.Nonces = st.s.nonces.Snapshot(st.clk.Now())
	return f
}

// Prepare validates data as a fixture document; the commit swaps it in.
func (st state) Prepare(file string, data []byte) (func(), error) {
	f, err := fixture.Load[Fixtures](file, data)
	if err != nil {
		return nil, err
	}
	d := f.built
	return func() { st.s.replace(d) }, nil
}

func (st state) Summary() []provider.Stat {
	s := st.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	appdata := 0
	for _, m := range s.lv.appdata {
		appdata += len(m)
	}
	return []provider.Stat{
		{Name: "apps", Count: len(s.ds.apps)},
		{Name: "users", Count: len(s.ds.users)},
		{Name: "friendships", Count: len(s.ds.adj) / 2},
		{Name: "albums", Count: len(s.ds.albums)},
		{Name: "mediaItems", Count: len(s.ds.media)},
		{Name: "appdata", Count: appdata},
		{Name: "requests", Count: len(s.lv.requests)},
		{Name: "invitations", Count: len(s.lv.invitations)},
		{Name: "nonces", Count: s.nonces.Len()},
	}
}

// maxAccounts bounds the dashboard list for generated fixtures of 100k users.
const maxAccounts = 30

func (st state) Accounts() []provider.Account {
	s := st.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []provider.Account
	for _, a := range s.ds.apps {
		out = append(out, provider.Account{Kind: "app", ID: a.fix.ConsumerKey, Secret: a.fix.ConsumerSecret,
			Note: fmt.Sprintf("app %s %s (consumer key / secret)", a.fix.ID, a.fix.Name)})
	}
	for i := range s.ds.users {
		if i == maxAccounts {
			break
		}
		u := &s.ds.users[i]
		var apps []string
		for a := range s.ds.apps {
			if hasBit(s.lv.installed[a], int32(i)) {
				apps = append(apps, s.ds.apps[a].fix.ID)
			}
		}
		note := s.ds.s(u.nickname) + "; xoauth_requestor_id"
		if len(apps) > 0 {
			note += "; installed " + strings.Join(apps, ", ")
		}
		out = append(out, provider.Account{Kind: "user", ID: s.ds.s(u.id), Note: note})
	}
	return out
}

func (s *memStore) export() Fixtures {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, lv := s.ds, s.lv
	f := Fixtures{
		Apps:        make([]App, len(d.apps)),
		Users:       make([]User, len(d.users)),
		Friendships: []string{},
	}
	for i, a := range d.apps {
		f.Apps[i] = a.fix
		f.Apps[i].CallbackHosts = slices.Clone(a.fix.CallbackHosts)
		f.Apps[i].SAPURL, f.Apps[i].LifecycleURL = lv.endpoints[i].sap, lv.endpoints[i].lifecycle
	}
	for i := range d.users {
		u := d.userFixture(int32(i))
		for a := range d.apps {
			if hasBit(lv.installed[a], int32(i)) {
				u.Apps = append(u.Apps, d.apps[a].fix.ID)
			}
		}
		f.Users[i] = u
	}
	var b []byte
	for u := range d.users {
		b = b[:0]
		for _, fr := range d.friends(int32(u)) {
			if fr <= int32(u) {
				continue // each pair once, under its smaller id
			}
			if len(b) == 0 {
				b = append(append(b, d.formatID(int32(u))...), ':')
			} else {
				b = append(b, ',')
			}
			b = strconv.AppendUint(b, d.users[fr].num, 10)
		}
		if len(b) > 0 {
			f.Friendships = append(f.Friendships, string(b))
		}
	}
	for _, al := range d.albums {
		f.Albums = append(f.Albums, al.fix)
	}
	for _, m := range d.media {
		f.MediaItems = append(f.MediaItems, m.fix)
	}
	for a, byUser := range lv.appdata {
		users := make([]int32, 0, len(byUser))
		for u := range byUser {
			users = append(users, u)
		}
		slices.Sort(users)
		for _, u := range users {
			data := make(map[string]string, len(byUser[u]))
			for _, kv := range byUser[u] {
				data[kv[0]] = kv[1]
			}
			f.AppData = append(f.AppData, AppData{App: d.apps[a].fix.ID, User: d.formatID(u), Data: data})
		}
	}
	sort.SliceStable(f.AppData, func(i, j int) bool { return f.AppData[i].App < f.AppData[j].App })
	if len(lv.invitations) > 0 {
		f.Invitations = cloneInvitations(lv.invitations)
	}
	if lv.defApp != noDefault {
		f.DefaultViewer = &ViewerSetting{AppID: d.apps[lv.defApp].fix.ID, Viewer: d.formatID(lv.defViewer)}
	}
	for _, r := range lv.requests {
		r.Recipients = slices.Clone(r.Recipients)
		r.Deleted = slices.Clone(r.Deleted)
		f.Requests = append(f.Requests, r)
	}
	return f
}
