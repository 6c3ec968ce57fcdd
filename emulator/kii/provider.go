package kii

import (
	"cmp"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/fakeapi/fakeapi/internal/fixture"
	"github.com/fakeapi/fakeapi/internal/provider"
)

// Hosts are Kii's site hosts (docs/providers/kii.md, "Reaching it").
var Hosts = []string{"api.kii.com", "api-jp.kii.com", "api-sg.kii.com", "api-cn3.kii.com", "api-eu.kii.com"}

// Open builds the provider from its fixture document (docs/PROVIDER-GUIDE.md).
func Open(d provider.Deps, cfg Config, file string, data []byte) (*provider.Instance, error) {
	f, err := fixture.Load[Fixtures](file, data)
	if err != nil {
		return nil, err
	}
	st, err := buildState(f)
	if err != nil {
		return nil, err // unreachable: Load ran the same validation
	}
	log := d.Log
	if log == nil {
		log = slog.Default()
	}
	ms := newMemStore(log, d.Clock, d.IDs, f, st, cfg)
	return &provider.Instance{
		Name:    "kii",
		Title:   "Kii Cloud",
		Hosts:   Hosts,
		Handler: New(log, ms, d.Clock, d.IDs),
		Admin:   newAdmin(ms, d.Clock, d.IDs),
		WriteError: func(w http.ResponseWriter, r *http.Request, status int) {
			w.Header().Set("Access-Control-Allow-Origin", "*")
			writeAPIError(w, statusError(status))
		},
		State: stateAdmin{ms},
		Secrets: provider.Secrets{
			// The AppKey travels in X-Kii-AppKey (and in Basic, which the
			// journal masks as Authorization). Token requests carry the
			// password, the admin client secret and refresh tokens, in form
			// bodies too; code is refused in URLs but may still be sent.
			// Verification codes and reset PINs are secrets too; the
			// hosted pages carry code in their links and newPassword and
			// confirmPassword in their form.
			Headers: []string{"X-Kii-AppKey"},
			Params: []string{
				"password", "newPassword", "oldPassword", "client_secret", "refresh_token", "access_token",
				"code", "appKey", "verificationCode", "pinCode", "confirmPassword",
			},
		},
	}, nil
}

// stateAdmin is the admin API's view of the store (provider.State).
type stateAdmin struct{ s *memStore }

// Reset goes back to the fixtures the provider was opened with; an
// imported state is not a new baseline.
func (a stateAdmin) Reset() {
	st, err := buildState(a.s.base)
	if err != nil {
		return // unreachable: base was validated at Open
	}
	a.s.replace(st)
}

// Prepare validates data exactly as a fixture file; nothing changes until
// the returned commit runs.
func (a stateAdmin) Prepare(file string, data []byte) (func(), error) {
	f, err := fixture.Load[Fixtures](file, data)
	if err != nil {
		return nil, err
	}
	st, err := buildState(f)
	if err != nil {
		return nil, err
	}
	return func() { a.s.replace(st) }, nil
}

// Export returns the live state in the fixture schema, tokens and devlog
// included, so it loads again through Prepare.
func (a stateAdmin) Export() any { return a.s.export() }

func (s *memStore) export() Fixtures {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := Fixtures{Apps: []AppFixture{}}
	for _, id := range s.cur.order {
		as := s.cur.apps[id]
		a := as.app
		af := AppFixture{
			AppID: a.ID, AppKey: a.Key, ClientID: a.ClientID, ClientSecret: a.ClientSecret, Site: a.Site, Name: a.Name,
			StrictAppKey: a.StrictAppKey, RefreshTokenEnabled: a.RefreshTokens, ExposeFullUserDataToOthers: a.ExposeFull,
			MaxTokenLifetimeMinutes: a.maxMinutes, DefaultTokenLifetimeMinutes: int64(a.DefaultLifetime / time.Minute),
			LoginFailureLimit: a.LoginFailureLimit, LoginLockoutSeconds: int64(a.LoginLockout / time.Second),
			EmailAddressVerificationRequired: a.VerifyEmail, PhoneNumberVerificationRequired: a.VerifyPhone,
			Users: []UserFixture{},
		}
		if a.GeneratePassword {
			af.PasswordResetFlow = flowGeneratePassword
		}
		users := make([]User, 0, len(as.users))
		for _, u := range as.users {
			users = append(users, u)
		}
		slices.SortFunc(users, func(x, y User) int { return cmp.Compare(x.InternalID, y.InternalID) })
		for _, u := range users {
			ev, pv := u.EmailVerified, u.PhoneVerified
			uf := UserFixture{
				UserID: u.ID, InternalUserID: u.InternalID, LoginName: u.LoginName, DisplayName: u.DisplayName,
				Country: u.Country, Locale: u.Locale, EmailAddress: u.Email, PhoneNumber: u.Phone,
				Password: u.Password, Disabled: u.Disabled, Custom: u.Custom,
			}
			if u.Email != "" {
				uf.EmailAddressVerified = &ev
			}
			if u.Phone != "" {
				uf.PhoneNumberVerified = &pv
			}
			af.Users = append(af.Users, uf)
		}
		for _, t := range as.allTokens() {
			tf := TokenFixture{AccessToken: t.Access, Kind: t.Kind.String(), UserID: t.UserID, RefreshToken: t.Refresh,
				LifetimeMs: t.Lifetime.Milliseconds()}
			if !t.ExpiresAt.IsZero() {
				tf.ExpiresAt = t.ExpiresAt.UnixMilli()
			}
			af.Tokens = append(af.Tokens, tf)
		}
		f.Apps = append(f.Apps, af)
	}
	f.Devlog = slices.Clone(s.cur.devlog)
	return f
}

// Summary counts what is live.
func (a stateAdmin) Summary() []provider.Stat {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	users, tokens := 0, 0
	for _, as := range a.s.cur.apps {
		users += len(as.users)
		tokens += as.tokens.len()
	}
	return []provider.Stat{
		{Name: "apps", Count: len(a.s.cur.apps)},
		{Name: "users", Count: users},
		{Name: "tokens", Count: tokens},
		{Name: "devlog", Count: len(a.s.cur.devlog)},
		{Name: "outbox", Count: len(a.s.cur.outbox)},
	}
}

// Accounts lists every app's credentials and users for the dashboard.
func (a stateAdmin) Accounts() []provider.Account {
	f := a.s.export()
	var out []provider.Account
	for _, app := range f.Apps {
		var flags []string
		if app.StrictAppKey {
			flags = append(flags, "strictAppKey")
		}
		if app.RefreshTokenEnabled {
			flags = append(flags, "refresh tokens")
		}
		note := app.Name + " (site " + app.Site + ")"
		if len(flags) > 0 {
			note += "; " + strings.Join(flags, ", ")
		}
		out = append(out,
			provider.Account{Kind: "app", ID: app.AppID, Secret: app.AppKey, Note: note},
			provider.Account{Kind: "app-admin", ID: app.ClientID, Secret: app.ClientSecret, Note: "client_credentials for app " + app.AppID},
		)
		for _, u := range app.Users {
			id := cmp.Or(u.LoginName, u.EmailAddress, u.PhoneNumber, u.UserID)
			note := "app " + app.AppID
			if u.Password == "" {
				note += "; pseudo user"
			}
			if u.DisplayName != "" {
				note += "; " + u.DisplayName
			}
			if u.Disabled {
				note += "; disabled"
			}
			out = append(out, provider.Account{Kind: "user", ID: id, Secret: u.Password, Note: note})
		}
	}
	return out
}

var _ provider.State = stateAdmin{}
