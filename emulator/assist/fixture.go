package assist

import (
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strings"

	"github.com/fakeapi/fakeapi/internal/fixture"
	"github.com/fakeapi/fakeapi/internal/oauth2x"
)

// Fixtures is the document in fixtures/assist.json and the state export.
// Grants, codes and tokens are runtime state: absent in the default
// fixtures, present in an export so that export → import round-trips.
type Fixtures struct {
	Settings *SettingsFx `json:"settings,omitempty"`
	Shops    []ShopFx    `json:"shops"`
	Grants   []GrantFx   `json:"grants,omitempty"`
	Codes    []CodeFx    `json:"codes,omitempty"`
	Tokens   []TokenFx   `json:"tokens,omitempty"`
}

// SettingsFx turns on options of Config from the fixture file; an option
// is on when the Config or the settings turn it on. They are data, so an
// import or a reset brings its own.
type SettingsFx struct {
	// StrictJSON is Config.StrictJSON.
	StrictJSON bool `json:"strictJSON,omitempty"`
	// Throttle is Config.Throttle.
	Throttle bool `json:"throttle,omitempty"`
	// RevokeOnCodeReplay is Config.RevokeOnCodeReplay.
	RevokeOnCodeReplay bool `json:"revokeOnCodeReplay,omitempty"`
}

// ShopFx is one アシスト店長 tenant: its host, optional shop directory
// (https://asp101.assist-tencho.com/shop01/…, docs/providers/assist.md,
// "Endpoints"), admin
// accounts, registered apps and orders.
type ShopFx struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Domain    string    `json:"domain"`
	Directory string    `json:"directory,omitempty"`
	Admins    []AdminFx `json:"admins"`
	Apps      []AppFx   `json:"apps"`
	Orders    []Order   `json:"orders"`
}

// AdminFx is a shop's 管理者 account (login ID and password).
type AdminFx struct {
	LoginID  string `json:"loginId"`
	Password string `json:"password"`
	Name     string `json:"name"`
}

// AppFx is one 外部アプリケーション (環境設定 > 外部アプリ連携).
type AppFx struct {
	ClientID     string   `json:"clientId"`
	ClientSecret string   `json:"clientSecret"`
	Name         string   `json:"name"`
	RedirectURL  string   `json:"redirectUrl"`
	IPAllowList  []string `json:"ipAllowList"`
	CreatedAt    string   `json:"createdAt,omitempty"`
	UpdatedAt    string   `json:"updatedAt,omitempty"`
}

// GrantFx is an app the shop has authorised (許可済みアプリケーション).
type GrantFx struct {
	ClientID  string `json:"clientId"`
	GrantedBy string `json:"grantedBy"`
	GrantedAt string `json:"grantedAt"`
	Scope     string `json:"scope"`
}

// CodeFx is an authorization code: pending, or used (kept until it would
// have expired, with the tokens it produced, so a replay is recognised and,
// with RevokeOnCodeReplay, revokes them).
type CodeFx struct {
	Code                string   `json:"code"`
	ClientID            string   `json:"clientId"`
	RedirectURI         string   `json:"redirectUri,omitempty"`
	Scope               string   `json:"scope,omitempty"`
	CodeChallenge       string   `json:"codeChallenge,omitempty"`
	CodeChallengeMethod string   `json:"codeChallengeMethod,omitempty"`
	IssuedAt            string   `json:"issuedAt,omitempty"`
	ExpiresAt           string   `json:"expiresAt"`
	Used                bool     `json:"used,omitempty"`
	Tokens              []string `json:"tokens,omitempty"`
}

// TokenFx is an access token. Assist tokens never expire (expires_in null).
type TokenFx struct {
	AccessToken string `json:"accessToken"`
	ClientID    string `json:"clientId"`
	Scope       string `json:"scope,omitempty"`
	IssuedAt    string `json:"issuedAt"`
}

var (
	shopIDPattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	directoryPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	hostPattern      = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)
	tokenPattern     = regexp.MustCompile(`^[\x21-\x7e]{1,256}$`)
)

// Validate checks what the types cannot, reporting the first
// problem at its JSON path.
func (f *Fixtures) Validate() error {
	shops := map[string]bool{}
	dirs := map[string]bool{}
	apps := map[string]int{} // clientId → shop index
	for i, s := range f.Shops {
		p := fmt.Sprintf("shops[%d]", i)
		switch {
		case !shopIDPattern.MatchString(s.ID):
			return fixture.Errorf(p+".id", "want 1-64 of [a-z0-9_-], got %q", s.ID)
		case shops[s.ID]:
			return fixture.Errorf(p+".id", "duplicate %q", s.ID)
		case strings.TrimSpace(s.Name) == "":
			return fixture.Errorf(p+".name", "required")
		case !hostPattern.MatchString(s.Domain):
			return fixture.Errorf(p+".domain", "want a lower-case host name, got %q", s.Domain)
		case s.Directory != "" && (!directoryPattern.MatchString(s.Directory) || s.Directory == "api" || s.Directory == "oauth"):
			return fixture.Errorf(p+".directory", "want 1-64 of [A-Za-z0-9_-], not api or oauth, got %q", s.Directory)
		case s.Directory != "" && dirs[s.Directory]:
			return fixture.Errorf(p+".directory", "duplicate %q", s.Directory)
		}
		shops[s.ID], dirs[s.Directory] = true, s.Directory != ""
		if err := validateAdmins(p, s.Admins); err != nil {
			return err
		}
		for j, a := range s.Apps {
			ap := fmt.Sprintf("%s.apps[%d]", p, j)
			if _, dup := apps[a.ClientID]; dup {
				return fixture.Errorf(ap+".clientId", "duplicate %q", a.ClientID)
			}
			if err := validateApp(ap, a); err != nil {
				return err
			}
			apps[a.ClientID] = i
		}
		if err := validateOrders(p, s.Orders); err != nil {
			return err
		}
	}
	return f.validateState(apps)
}

func validateAdmins(p string, admins []AdminFx) error {
	seen := map[string]bool{}
	for j, a := range admins {
		ap := fmt.Sprintf("%s.admins[%d]", p, j)
		switch {
		case !tokenPattern.MatchString(a.LoginID):
			return fixture.Errorf(ap+".loginId", "want printable ASCII without spaces, got %q", a.LoginID)
		case seen[a.LoginID]:
			return fixture.Errorf(ap+".loginId", "duplicate %q", a.LoginID)
		case a.Password == "":
			return fixture.Errorf(ap+".password", "required")
		}
		seen[a.LoginID] = true
	}
	return nil
}

func validateApp(p string, a AppFx) error {
	switch {
	case !tokenPattern.MatchString(a.ClientID):
		return fixture.Errorf(p+".clientId", "want printable ASCII without spaces, got %q", a.ClientID)
	case !tokenPattern.MatchString(a.ClientSecret):
		return fixture.Errorf(p+".clientSecret", "want printable ASCII without spaces")
	case strings.TrimSpace(a.Name) == "":
		return fixture.Errorf(p+".name", "required")
	}
	if msg := checkRedirectURL(a.RedirectURL); msg != "" {
		return fixture.Errorf(p+".redirectUrl", "%s", msg)
	}
	if j, msg := checkIPList(a.IPAllowList); msg != "" {
		return fixture.Errorf(fmt.Sprintf("%s.ipAllowList[%d]", p, j), "%s", msg)
	}
	for _, ts := range []struct{ name, v string }{{"createdAt", a.CreatedAt}, {"updatedAt", a.UpdatedAt}} {
		if ts.v != "" {
			if _, err := parseJST(ts.v); err != nil {
				return fixture.Errorf(p+"."+ts.name, `want "YYYY-MM-DD HH:MM:SS", got %q`, ts.v)
			}
		}
	}
	return nil
}

// checkRedirectURL accepts one absolute http(s) URL without fragment, the
// リダイレクトURL of the registration screen (docs/providers/assist.md,
// "Endpoints", registration rules).
func checkRedirectURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" || strings.ContainsAny(s, " \t\r\n") {
		return fmt.Sprintf("want an absolute http(s) URL without fragment, got %q", s)
	}
	return ""
}

// checkIPList validates an IP制限 list: addresses (IPv4, IPv6) or CIDRs
// (formats ours); an empty list means unrestricted.
func checkIPList(list []string) (int, string) {
	for j, e := range list {
		if _, err := parseAllowEntry(e); err != nil {
			return j, fmt.Sprintf("want an IPv4/IPv6 address or CIDR, got %q", e)
		}
	}
	return 0, ""
}

// parseAllowEntry turns "203.0.113.9", "2001:db8::1" or "198.51.100.0/24"
// into a prefix.
func parseAllowEntry(e string) (netip.Prefix, error) {
	e = strings.TrimSpace(e)
	if strings.Contains(e, "/") {
		p, err := netip.ParsePrefix(e)
		if err != nil {
			return netip.Prefix{}, err
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), max(p.Bits()-96, 0))
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(e)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("zone not allowed")
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func validateOrders(p string, orders []Order) error {
	seen := map[int]bool{}
	details := map[int]bool{}
	for k, o := range orders {
		op := fmt.Sprintf("%s.orders[%d]", p, k)
		switch {
		case o.SerialOrderID <= 0:
			return fixture.Errorf(op+".serial_order_id", "want a positive integer, got %d", o.SerialOrderID)
		case seen[o.SerialOrderID]:
			return fixture.Errorf(op+".serial_order_id", "duplicate %d", o.SerialOrderID)
		}
		seen[o.SerialOrderID] = true
		if fe := o.Validate(); fe != nil {
			return fixture.Errorf(op+"."+fe.field, "%s", fe.reason)
		}
		for _, d := range []struct{ name, v string }{{"create_date", o.CreateDate}, {"update_date", o.UpdateDate}} {
			if _, err := parseJST(d.v); err != nil {
				return fixture.Errorf(op+"."+d.name, `want "YYYY-MM-DD HH:MM:SS", got %q`, d.v)
			}
		}
		if want := orderStatusNames[o.OrderStatus]; o.OrderStatusName != "" && o.OrderStatusName != want {
			return fixture.Errorf(op+".order_status_name", "want %q for order_status %d (or leave it out)", want, o.OrderStatus)
		}
		for j, d := range o.Details {
			if d.OrderDetailID != 0 && details[d.OrderDetailID] {
				return fixture.Errorf(fmt.Sprintf("%s.details[%d].order_detail_id", op, j), "duplicate %d in the shop", d.OrderDetailID)
			}
			details[d.OrderDetailID] = true
		}
	}
	return nil
}

// validateState checks the runtime part against the shops and apps.
func (f *Fixtures) validateState(apps map[string]int) error {
	granted := map[string]bool{}
	for i, g := range f.Grants {
		p := fmt.Sprintf("grants[%d]", i)
		si, ok := apps[g.ClientID]
		switch {
		case !ok:
			return fixture.Errorf(p+".clientId", "no app %q", g.ClientID)
		case granted[g.ClientID]:
			return fixture.Errorf(p+".clientId", "duplicate grant for %q", g.ClientID)
		case !hasAdmin(f.Shops[si].Admins, g.GrantedBy):
			return fixture.Errorf(p+".grantedBy", "no admin %q in shop %q", g.GrantedBy, f.Shops[si].ID)
		}
		if _, err := parseJST(g.GrantedAt); err != nil {
			return fixture.Errorf(p+".grantedAt", `want "YYYY-MM-DD HH:MM:SS", got %q`, g.GrantedAt)
		}
		granted[g.ClientID] = true
	}
	seen := map[string]bool{}
	for i, c := range f.Codes {
		p := fmt.Sprintf("codes[%d]", i)
		_, appOK := apps[c.ClientID]
		switch {
		case !tokenPattern.MatchString(c.Code) || seen[c.Code]:
			return fixture.Errorf(p+".code", "want a unique printable value, got %q", c.Code)
		// A used code outlives a revoked grant (a replay must still be
		// recognised); a pending one is dropped with its grant.
		case c.Used && !appOK:
			return fixture.Errorf(p+".clientId", "no app %q", c.ClientID)
		case !c.Used && !granted[c.ClientID]:
			return fixture.Errorf(p+".clientId", "no grant for app %q", c.ClientID)
		}
		if _, err := parseJST(c.ExpiresAt); err != nil {
			return fixture.Errorf(p+".expiresAt", `want "YYYY-MM-DD HH:MM:SS", got %q`, c.ExpiresAt)
		}
		if _, err := parseJST(c.IssuedAt); err != nil && !(c.Used && c.IssuedAt == "") {
			return fixture.Errorf(p+".issuedAt", `want "YYYY-MM-DD HH:MM:SS", got %q`, c.IssuedAt)
		}
		seen[c.Code] = true
	}
	seen = map[string]bool{}
	for i, t := range f.Tokens {
		p := fmt.Sprintf("tokens[%d]", i)
		switch {
		case !tokenPattern.MatchString(t.AccessToken) || seen[t.AccessToken]:
			return fixture.Errorf(p+".accessToken", "want a unique printable value, got %q", t.AccessToken)
		case !granted[t.ClientID]:
			return fixture.Errorf(p+".clientId", "no grant for app %q", t.ClientID)
		}
		if _, err := parseJST(t.IssuedAt); err != nil {
			return fixture.Errorf(p+".issuedAt", `want "YYYY-MM-DD HH:MM:SS", got %q`, t.IssuedAt)
		}
		seen[t.AccessToken] = true
	}
	return checkKeys(f)
}

// checkKeys refuses a code or token longer than the token store keeps, at
// its place in the file: the pattern allows 256 characters, the store 47
// bytes (docs/providers/assist.md, "Fixture schema"). oauth2x names the entry
// with the fixture's own field names and indexes.
func checkKeys(f *Fixtures) error {
	var snap oauth2x.Snapshot
	for _, c := range f.Codes {
		snap.Codes = append(snap.Codes, oauth2x.Code{Code: c.Code, Tokens: c.Tokens})
	}
	for _, t := range f.Tokens {
		snap.Tokens = append(snap.Tokens, oauth2x.Token{AccessToken: t.AccessToken})
	}
	if path, err := snap.Check(); err != nil {
		return fixture.Errorf(path, "%v", err)
	}
	return nil
}

func hasAdmin(admins []AdminFx, login string) bool {
	for _, a := range admins {
		if a.LoginID == login {
			return true
		}
	}
	return false
}
