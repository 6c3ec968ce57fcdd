package mixi

import (
	"fmt"
	"slices"
	"time"

	"github.com/fakeapi/fakeapi/internal/fixture"
)

// Invitation is an invitation (招待) sent with invite:friends without a
// message: the friends the sender invited to the app
// (docs/providers/mixi.md, "invite:friends").
type Invitation struct {
	App        string   `json:"app"`
	Sender     string   `json:"sender"`
	Recipients []string `json:"recipients"`
	Created    string   `json:"created"`
}

// checkInvitations validates the fixture's invitations (runtime state).
func (d *dataset) checkInvitations(invs []Invitation) error {
	for i, inv := range invs {
		p := fmt.Sprintf("invitations[%d]", i)
		switch {
		case !d.hasApp(inv.App):
			return fixture.Errorf(p+".app", "unknown app %q", inv.App)
		case !d.hasUser(inv.Sender):
			return fixture.Errorf(p+".sender", "unknown user %q", inv.Sender)
		case len(inv.Recipients) == 0:
			return fixture.Errorf(p+".recipients", "must not be empty")
		}
		for j, rc := range inv.Recipients {
			if !d.hasUser(rc) {
				return fixture.Errorf(fmt.Sprintf("%s.recipients[%d]", p, j), "unknown user %q", rc)
			}
		}
		if _, err := time.Parse(time.RFC3339, inv.Created); err != nil {
			return fixture.Errorf(p+".created", "want an RFC 3339 time, got %q", inv.Created)
		}
	}
	d.invitations = invs
	return nil
}

func cloneInvitations(in []Invitation) []Invitation {
	out := make([]Invitation, len(in))
	for i, inv := range in {
		inv.Recipients = slices.Clone(inv.Recipients)
		out[i] = inv
	}
	return out
}

func (s *memStore) AddInvitation(inv Invitation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lv.invitations = append(s.lv.invitations, inv)
}

func (s *memStore) Invitations() []Invitation {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return cloneInvitations(s.lv.invitations)
}
