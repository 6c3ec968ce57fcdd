package mixi

import (
	"net/http"

	"github.com/fakeapi/fakeapi/internal/fixture"
)

// ViewerSetting is the default viewer: the app and the user a request that
// carries no opensocial_* parameters acts for — seed 003's invite form sent
// as written, and the mobile gateway's scripted visits
// (docs/providers/mixi.md, "The default viewer").
type ViewerSetting struct {
	AppID  string `json:"appId"`
	Viewer string `json:"viewer"`
}

// noDefault marks a dataset or live state without a default viewer: no app
// has a user.
const noDefault = -1

// buildDefaultViewer checks the fixture's defaultViewer (a known app and a
// known user who installed it), or picks the implicit one: the first app
// that has a user, and its user with the smallest id [chosen].
func (d *dataset) buildDefaultViewer(v *ViewerSetting) error {
	d.defApp, d.defViewer = noDefault, 0
	if v != nil {
		a, u, err := d.resolveViewer(d.installed, v.AppID, v.Viewer)
		if err != nil {
			return fixture.Errorf("defaultViewer", "%s", err.(*apiError).reason)
		}
		d.defApp, d.defViewer = a, u
		return nil
	}
	for a := range d.apps {
		for u := range d.users {
			if hasBit(d.installed[a], int32(u)) {
				d.defApp, d.defViewer = a, int32(u)
				return nil
			}
		}
	}
	return nil
}

// resolveViewer finds app and viewer, who must have installed the app
// according to installed.
func (d *dataset) resolveViewer(installed [][]uint64, app, viewer string) (int, int32, error) {
	a, ok := d.appByID[app]
	if !ok {
		return 0, 0, newErr(http.StatusNotFound, "unknown app "+quote(app))
	}
	u, ok := d.lookup(viewer)
	if !ok {
		return 0, 0, newErr(http.StatusNotFound, "unknown user "+quote(viewer))
	}
	if !hasBit(installed[a], u) {
		return 0, 0, newErr(http.StatusConflict, "user "+d.formatID(u)+" has not installed app "+app)
	}
	return a, u, nil
}

func quote(s string) string { return `"` + s + `"` }

// DefaultViewer is the app id and the user id a request without
// opensocial_* parameters acts for; both are empty when no app has a user.
func (s *memStore) DefaultViewer() (appID, viewer string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.lv.defApp == noDefault {
		return "", ""
	}
	return s.ds.apps[s.lv.defApp].fix.ID, s.ds.formatID(s.lv.defViewer)
}

// SetDefaultViewer changes the default viewer: app must be known (404), the
// user known (404) and have installed it (409). The setting lasts until
// Reset or an import.
func (s *memStore) SetDefaultViewer(appID, viewer string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, u, err := s.ds.resolveViewer(s.lv.installed, appID, viewer)
	if err != nil {
		return err
	}
	s.lv.defApp, s.lv.defViewer = a, u
	return nil
}
