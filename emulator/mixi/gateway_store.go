package mixi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/fakeapi/fakeapi/internal/fixture"
)

// appEndpoints are the URLs the mobile gateway calls for one app: its own
// server (the SAP) and the receiver of its lifecycle events
// (docs/providers/mixi.md, "Gateway"). They start from the fixture and
// change through the admin API; Reset puts the fixture's back.
type appEndpoints struct {
	sap, lifecycle string
}

// maxEndpointURL bounds a registered URL, as the callback is bounded.
const maxEndpointURL = 2048

// checkEndpointURL accepts what the gateway may fetch: an absolute http or
// https URL with a host, without user info or fragment. Anything else
// (file:, gopher:, a relative URL) is refused, since whoever registers it
// makes the emulator fetch it.
func checkEndpointURL(s string) string {
	if len(s) > maxEndpointURL {
		return "longer than 2048 bytes"
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "not a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return "want an http or https URL"
	case u.Host == "" || u.Hostname() == "" || u.Opaque != "":
		return "want an absolute URL with a host"
	case u.User != nil:
		return "must not carry user info"
	case u.Fragment != "" || strings.Contains(s, "#"):
		return "must not carry a fragment"
	}
	return ""
}

// checkAppEndpoints validates an app's sapUrl and lifecycleUrl in a
// fixture document (p is the app's path, such as "apps[0]").
func checkAppEndpoints(p string, a App) error {
	for _, f := range []struct{ name, v string }{{"sapUrl", a.SAPURL}, {"lifecycleUrl", a.LifecycleURL}} {
		if f.v == "" {
			continue
		}
		if msg := checkEndpointURL(f.v); msg != "" {
			return fixture.Errorf(p+"."+f.name, "%s, got %q", msg, f.v)
		}
	}
	return nil
}

// endpointsOf is the fixture's endpoints of every app, in app order.
func endpointsOf(d *dataset) []appEndpoints {
	out := make([]appEndpoints, len(d.apps))
	for i, a := range d.apps {
		out[i] = appEndpoints{sap: a.fix.SAPURL, lifecycle: a.fix.LifecycleURL}
	}
	return out
}

// GatewayApp is the app with its live sapUrl and lifecycleUrl.
func (s *memStore) GatewayApp(id string) (App, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.ds.appByID[id]
	if !ok {
		return App{}, newErr(http.StatusNotFound, "unknown app "+quote(id))
	}
	return s.gatewayAppLocked(a), nil
}

func (s *memStore) gatewayAppLocked(a int) App {
	out := s.ds.apps[a].fix
	out.CallbackHosts = nil // not the gateway's business; and no shared slice
	out.SAPURL, out.LifecycleURL = s.lv.endpoints[a].sap, s.lv.endpoints[a].lifecycle
	return out
}

// SetGatewayURLs changes an app's sapUrl and lifecycleUrl; nil leaves one
// as it is and "" removes it. Both are checked before either changes.
func (s *memStore) SetGatewayURLs(id string, sap, lifecycle *string) (App, error) {
	for _, v := range []*string{sap, lifecycle} {
		if v != nil && *v != "" {
			if msg := checkEndpointURL(*v); msg != "" {
				return App{}, newErr(http.StatusBadRequest, msg+": "+quote(*v))
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.ds.appByID[id]
	if !ok {
		return App{}, newErr(http.StatusNotFound, "unknown app "+quote(id))
	}
	if sap != nil {
		s.lv.endpoints[a].sap = *sap
	}
	if lifecycle != nil {
		s.lv.endpoints[a].lifecycle = *lifecycle
	}
	return s.gatewayAppLocked(a), nil
}

// Member is a user by id (bare or mixi.jp:), for the gateway's login.
func (s *memStore) Member(id string) (candidate, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.ds.lookup(id)
	if !ok {
		return candidate{}, false
	}
	return s.ds.candidate(u), true
}

// Members are the first n users by id, offered on the login page.
func (s *memStore) Members(n int) []candidate {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n = min(n, len(s.ds.users))
	out := make([]candidate, n)
	for i := range n {
		out[i] = s.ds.candidate(int32(i))
	}
	return out
}

func (d *dataset) candidate(u int32) candidate {
	r := &d.users[u]
	return candidate{ID: d.s(r.id), Nickname: d.s(r.nickname), ThumbnailURL: d.s(r.thumbnailURL)}
}
