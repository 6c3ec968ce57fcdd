package assist

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"

	"github.com/fakeapi/fakeapi/internal/fixture"
	"github.com/fakeapi/fakeapi/internal/keytable"
	"github.com/fakeapi/fakeapi/internal/oauth2x"
	"github.com/fakeapi/fakeapi/internal/provider"
)

// Config is the provider's own configuration; every zero value is the
// right default when its flag is absent. StrictJSON, Throttle and
// RevokeOnCodeReplay can also be turned on by the fixture file's settings;
// each is on when either turns it on (docs/providers/assist.md,
// "Configuration").
type Config struct {
	// TrustProxy makes the IP allow-list read X-Forwarded-For (behind a trusted proxy).
	TrustProxy bool
	// StrictJSON refuses order bodies with raw (unescaped) non-ASCII text,
	// as the FAQ's "\uNNNN形式でエンコードされている必要があります" literally asks.
	StrictJSON bool
	// Throttle allows one API request per second per access token, the
	// limit 楽楽リピート documents for the same API.
	Throttle bool
	// RevokeOnCodeReplay makes a used code exchanged again by its own app
	// revoke the token of its first exchange (RFC 9700). Off, the replay
	// is invalid_grant and that token stays valid: the FAQ's PHP sample
	// exchanges the code again on every reload of its page, and nothing
	// shows Assist revoked (docs/providers/assist.md, "Token").
	RevokeOnCodeReplay bool
	// LoopbackRedirectAnyPort lets a registered http://127.0.0.1 or
	// http://[::1] リダイレクトURL match an authorize request that differs
	// only in a valid port (RFC 8252 §7.3), so a test can listen on a
	// random port. Off, the redirect_uri must be the registered URL, as the
	// FAQ demands (docs/providers/assist.md, "Authorization").
	LoopbackRedirectAnyPort bool
	// MaxTokens caps the authorization codes, the consumed codes (kept
	// while a replay must be recognised) and the access tokens the
	// emulator issued, each: past it the oldest is evicted and stops
	// working, and evictions are logged. Those of the fixtures and of
	// state imports are not counted and never evicted. 0 means
	// DefaultMaxTokens (docs/providers/assist.md, "Token cap").
	MaxTokens int
	// MaxSessions caps the browser sessions, and the authorization
	// transactions, of the login and consent pages, and the sessions of
	// the admin screens; the oldest go first. 0 means
	// websession.DefaultLimit (docs/providers/assist.md, "Login and
	// consent").
	MaxSessions int
}

// DefaultMaxTokens is the cap on issued codes, consumed codes and access
// tokens, each, when Config sets none: more than a long test run issues,
// and a bound on memory against a flood of code flows
// (docs/providers/assist.md, "Token cap").
const DefaultMaxTokens = 50_000

// with returns the options in force under the fixture's settings s.
func (c Config) with(s SettingsFx) Config {
	c.StrictJSON = c.StrictJSON || s.StrictJSON
	c.Throttle = c.Throttle || s.Throttle
	c.RevokeOnCodeReplay = c.RevokeOnCodeReplay || s.RevokeOnCodeReplay
	return c
}

// Name, title and hosts of the provider.
const (
	Name  = "assist"
	Title = "アシスト店長"
)

// Open builds the provider from its fixture document.
func Open(d provider.Deps, cfg Config, file string, doc []byte) (*provider.Instance, error) {
	fx, err := fixture.Load[Fixtures](file, doc)
	if err != nil {
		return nil, err
	}
	dt, snap, err := buildData(fx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	st := newMemStore(dt)
	tokens := oauth2x.NewTokenStore(d.Clock)
	maxTokens := cmp.Or(max(cfg.MaxTokens, 0), DefaultMaxTokens)
	tokens.SetLimit(maxTokens,
		keytable.NewEvictionLog(d.Log, Name, fmt.Sprintf("codes (cap %d, -max-tokens)", maxTokens)),
		keytable.NewEvictionLog(d.Log, Name, fmt.Sprintf("tokens (cap %d, -max-tokens)", maxTokens)))
	tokens.Restore(snap)
	h := New(d.Log, cfg, st, tokens, d.Clock, d.IDs)
	return &provider.Instance{
		Name:       Name,
		Title:      Title,
		Hosts:      []string{".assist-tencho.com"},
		Handler:    h,
		Admin:      NewAdmin(d.Log, cfg, st, tokens, d.Clock, d.IDs),
		WriteError: h.WriteError,
		State:      &state{st: st, tokens: tokens, initial: fx},
		Secrets: provider.Secrets{
			// The token request carries client_secret, code and the PKCE
			// code_verifier in its form; the code also travels in the
			// consent redirect's Location. access_token and refresh_token
			// are masked wherever a client puts them. The login form
			// carries the password, every form of the pages the CSRF
			// token. The Bearer token and the session cookies are in
			// headers the journal masks itself.
			Params: []string{"client_secret", "code", "code_verifier", "access_token", "refresh_token", "password", "csrf_token"},
		},
	}, nil
}

// state is the admin surface over the store and the token store.
type state struct {
	st      *memStore
	tokens  *oauth2x.TokenStore
	initial Fixtures
}

var _ provider.State = (*state)(nil)

func (s *state) Reset() {
	dt, snap, err := buildData(s.initial)
	if err != nil {
		// The initial fixtures were built once in Open; this cannot fail.
		panic("assist: rebuilding validated fixtures: " + err.Error())
	}
	s.st.swap(dt)
	s.tokens.Restore(snap)
}

func (s *state) Export() any { return exportState(s.st, s.tokens) }

func (s *state) Prepare(file string, doc []byte) (func(), error) {
	fx, err := fixture.Load[Fixtures](file, doc)
	if err != nil {
		return nil, err
	}
	dt, snap, err := buildData(fx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return func() {
		s.st.swap(dt)
		s.tokens.Restore(snap)
	}, nil
}

func (s *state) Summary() []provider.Stat {
	s.st.mu.Lock()
	shops, apps, grants, orders := len(s.st.d.shops), len(s.st.d.apps), len(s.st.d.grants), 0
	admins := 0
	for _, sh := range s.st.d.shops {
		orders += len(sh.orders)
		admins += len(sh.admins)
	}
	s.st.mu.Unlock()
	codes, tokens := s.tokens.Count(func(string, string) bool { return true })
	return []provider.Stat{
		{Name: "shops", Count: shops}, {Name: "admins", Count: admins}, {Name: "apps", Count: apps},
		{Name: "grants", Count: grants}, {Name: "codes", Count: codes}, {Name: "tokens", Count: tokens},
		{Name: "orders", Count: orders},
	}
}

func (s *state) Accounts() []provider.Account {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	var out []provider.Account
	for _, id := range s.st.d.order {
		sh := s.st.d.shops[id]
		for _, a := range sh.admins {
			out = append(out, provider.Account{Kind: "user", ID: a.LoginID, Secret: a.Password,
				Note: fmt.Sprintf("管理者 of %s (%s, shop %s)", sh.shop.Name, sh.shop.Domain, sh.shop.ID)})
		}
	}
	apps := make([]App, 0, len(s.st.d.apps))
	for _, a := range s.st.d.apps {
		apps = append(apps, a)
	}
	s.st.sortAppsLocked(apps)
	for _, a := range apps {
		out = append(out, provider.Account{Kind: "app", ID: a.ClientID, Secret: a.ClientSecret,
			Note: fmt.Sprintf("%s (shop %s) redirect %s", a.Name, a.Shop, a.RedirectURL)})
	}
	return out
}

// buildData turns validated fixtures into store data and a token snapshot
// the token store can hold (Validate refused any other).
func buildData(fx Fixtures) (data, oauth2x.Checked, error) {
	d := data{shops: map[string]*shopState{}, dirs: map[string]string{}, hosts: map[string][]string{}, apps: map[string]App{}, grants: map[string]Grant{}}
	if fx.Settings != nil {
		d.settings = *fx.Settings
	}
	for _, s := range fx.Shops {
		st := &shopState{
			shop:   Shop{ID: s.ID, Name: s.Name, Domain: s.Domain, Directory: s.Directory},
			admins: slices.Clone(s.Admins),
			orders: map[int]Order{},
		}
		for _, o := range s.Orders {
			o = o.clone()
			o.OrderStatusName = orderStatusNames[o.OrderStatus]
			if o.Shippings == nil {
				o.Shippings = []Shipping{}
			}
			st.orders[o.SerialOrderID] = o
			st.ids = append(st.ids, o.SerialOrderID)
			st.track(o)
		}
		slices.Sort(st.ids)
		d.shops[s.ID] = st
		d.order = append(d.order, s.ID)
		if s.Directory != "" {
			d.dirs[s.Directory] = s.ID
		}
		d.hosts[s.Domain] = append(d.hosts[s.Domain], s.ID)
		for _, a := range s.Apps {
			app, err := applyAppInput(App{ClientID: a.ClientID, ClientSecret: a.ClientSecret, Shop: s.ID,
				CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt},
				AppInput{Name: &a.Name, RedirectURL: &a.RedirectURL, IPAllowList: &a.IPAllowList})
			if err != nil {
				return data{}, oauth2x.Checked{}, err
			}
			d.apps[a.ClientID] = app
		}
	}
	for _, g := range fx.Grants {
		d.grants[g.ClientID] = Grant{ClientID: g.ClientID, Shop: d.apps[g.ClientID].Shop, GrantedBy: g.GrantedBy, GrantedAt: g.GrantedAt, Scope: g.Scope}
	}
	var snap oauth2x.Snapshot
	for _, c := range fx.Codes {
		issued, _ := parseJST(c.IssuedAt)
		expires, _ := parseJST(c.ExpiresAt)
		snap.Codes = append(snap.Codes, oauth2x.Code{
			Code: c.Code, ClientID: c.ClientID, UserID: d.apps[c.ClientID].Shop, RedirectURI: c.RedirectURI, Scope: c.Scope,
			CodeChallenge: c.CodeChallenge, CodeChallengeMethod: c.CodeChallengeMethod,
			IssuedAt: issued, ExpiresAt: expires, Used: c.Used, Tokens: slices.Clone(c.Tokens),
		})
	}
	for _, t := range fx.Tokens {
		issued, _ := parseJST(t.IssuedAt)
		snap.Tokens = append(snap.Tokens, oauth2x.Token{AccessToken: t.AccessToken, ClientID: t.ClientID,
			UserID: d.apps[t.ClientID].Shop, Scope: t.Scope, IssuedAt: issued})
	}
	checked, err := snap.Checked()
	if err != nil {
		return data{}, oauth2x.Checked{}, err
	}
	return d, checked, nil
}

// exportState renders the live state in the fixture schema.
func exportState(st *memStore, tokens *oauth2x.TokenStore) Fixtures {
	snap := tokens.Snapshot()
	st.mu.Lock()
	defer st.mu.Unlock()
	fx := Fixtures{Shops: []ShopFx{}}
	if st.d.settings != (SettingsFx{}) {
		s := st.d.settings
		fx.Settings = &s
	}
	apps := make([]App, 0, len(st.d.apps))
	for _, a := range st.d.apps {
		apps = append(apps, a)
	}
	st.sortAppsLocked(apps)
	for _, id := range st.d.order {
		sh := st.d.shops[id]
		s := ShopFx{ID: sh.shop.ID, Name: sh.shop.Name, Domain: sh.shop.Domain, Directory: sh.shop.Directory,
			Admins: slices.Clone(sh.admins), Apps: []AppFx{}, Orders: []Order{}}
		for _, a := range apps {
			if a.Shop == id {
				s.Apps = append(s.Apps, AppFx{ClientID: a.ClientID, ClientSecret: a.ClientSecret, Name: a.Name,
					RedirectURL: a.RedirectURL, IPAllowList: slices.Clone(a.IPAllowList), CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt})
			}
		}
		for _, oid := range sh.ids {
			s.Orders = append(s.Orders, sh.orders[oid].clone())
		}
		fx.Shops = append(fx.Shops, s)
	}
	for _, g := range st.d.grants {
		fx.Grants = append(fx.Grants, GrantFx{ClientID: g.ClientID, GrantedBy: g.GrantedBy, GrantedAt: g.GrantedAt, Scope: g.Scope})
	}
	slices.SortFunc(fx.Grants, func(a, b GrantFx) int {
		return cmp.Or(cmp.Compare(a.GrantedAt, b.GrantedAt), cmp.Compare(a.ClientID, b.ClientID))
	})
	for _, c := range snap.Codes {
		_, appOK := st.d.apps[c.ClientID]
		_, granted := st.d.grants[c.ClientID]
		if (c.Used && !appOK) || (!c.Used && !granted) {
			continue
		}
		cf := CodeFx{Code: c.Code, ClientID: c.ClientID, RedirectURI: c.RedirectURI, Scope: c.Scope,
			CodeChallenge: c.CodeChallenge, CodeChallengeMethod: c.CodeChallengeMethod,
			ExpiresAt: formatJST(c.ExpiresAt), Used: c.Used, Tokens: slices.Clone(c.Tokens)}
		if !c.Used {
			cf.IssuedAt = formatJST(c.IssuedAt)
		}
		fx.Codes = append(fx.Codes, cf)
	}
	for _, t := range snap.Tokens {
		if _, granted := st.d.grants[t.ClientID]; granted {
			fx.Tokens = append(fx.Tokens, TokenFx{AccessToken: t.AccessToken, ClientID: t.ClientID, Scope: t.Scope, IssuedAt: formatJST(t.IssuedAt)})
		}
	}
	// Sorted on the exported (second-precision) values, so a re-export of
	// an import is identical.
	slices.SortFunc(fx.Codes, func(a, b CodeFx) int {
		return cmp.Or(cmp.Compare(a.ExpiresAt, b.ExpiresAt), cmp.Compare(a.Code, b.Code))
	})
	slices.SortFunc(fx.Tokens, func(a, b TokenFx) int {
		return cmp.Or(cmp.Compare(a.IssuedAt, b.IssuedAt), cmp.Compare(a.AccessToken, b.AccessToken))
	})
	return fx
}

// Handler serves the real paths; it also writes the provider's error body
// for a bare status (provider.Instance.WriteError).
type Handler struct {
	http.Handler
	writeError func(w http.ResponseWriter, r *http.Request, status int)
}

// WriteError writes the provider's body for status: JSON in RFC 6749/6750
// shape, an HTML page (or a validated error redirect) on the authorize pages.
func (h *Handler) WriteError(w http.ResponseWriter, r *http.Request, status int) {
	h.writeError(w, r, status)
}
