package iijmio

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/fakeapi/fakeapi/internal/fixture"
)

// Fixtures is the schema of fixtures/iijmio.json and of the state the admin
// API exports and imports (provider.State). Fields marked "runtime" are
// optional in a fixture and always written by Export.
type Fixtures struct {
	// AsOf ("YYYYMMDD", optional) is the JST day the document's dates were
	// written for. When set, every date moves when the document is loaded so
	// that AsOf becomes today: packet-log and history dates and token times by
	// whole days, coupon expiry months by whole months. This keeps the
	// default fixtures current without editing them. Export never
	// writes it: exported dates are absolute.
	AsOf string `json:"asOf,omitempty"`
	// Month ("YYYYMM", runtime) is the last JST month whose rollover ran
	// (docs/providers/iijmio.md, "Usage, coupons and throttling"). Absent
	// means the month the document is loaded in.
	Month      string      `json:"month,omitempty"`
	Developers []Developer `json:"developers"`
	Users      []User      `json:"users"`
	// Tokens (runtime) are live access tokens.
	Tokens []Token `json:"tokens,omitempty"`
}

// Developer is an application registered in the developer console: the
// developer ID is the OAuth client_id (docs/providers/iijmio.md,
// "Authorization details").
type Developer struct {
	DeveloperID  string   `json:"developerId"`
	AppName      string   `json:"appName"`
	RedirectURIs []string `json:"redirectUris"`
}

// User is a mioID with its contracts.
type User struct {
	MioID     string     `json:"mioId"`
	Password  string     `json:"password"`
	Name      string     `json:"name,omitempty"`
	Contracts []Contract `json:"contracts"`
}

// Contract is one hdd service code (a 契約) with its coupon pool and lines.
type Contract struct {
	HddServiceCode string `json:"hddServiceCode"`
	Plan           string `json:"plan"`
	// MonthlyBundle (MB) is granted as a bundle coupon at each JST month
	// change, expiring at the end of the next month (docs/providers/iijmio.md,
	// "Usage, coupons and throttling").
	MonthlyBundle int       `json:"monthlyBundle,omitempty"`
	Coupons       []Coupon  `json:"coupons"`
	History       []History `json:"history,omitempty"`
	Lines         []Line    `json:"lines"`
}

// Coupon is a bundle or topup coupon of a contract (docs/providers/iijmio.md,
// "GET coupon").
type Coupon struct {
	Volume int    `json:"volume"`
	Expire string `json:"expire"`
	Type   string `json:"type"`
}

// History is an Eco-plan limit change (docs/providers/iijmio.md, "GET coupon").
type History struct {
	Date   string `json:"date"`
	Event  string `json:"event"`
	Type   string `json:"type"`
	Volume int    `json:"volume"`
}

// Line is one SIM: hdo (docomo), hdu (au) or hdx (eSIM) by its prefix.
type Line struct {
	ServiceCode string `json:"serviceCode"`
	Number      string `json:"number"`
	ICCID       string `json:"iccid"`
	SMS         bool   `json:"sms"`
	Voice       bool   `json:"voice"`
	CouponUse   bool   `json:"couponUse"`
	// ForceRegulation keeps regulation on whatever the usage.
	ForceRegulation bool `json:"forceRegulation,omitempty"`
	// SimCoupon is the SIM内クーポン; absent means volume 0, and
	// {"volume": null} reproduces the 2014 capture's "in development" null
	// (docs/providers/iijmio.md, "GET coupon").
	SimCoupon *SimCoupon `json:"simCoupon,omitempty"`
	// PacketLog is the daily history, any order in fixtures, sorted on export.
	PacketLog []PacketDay `json:"packetLog,omitempty"`
}

// SimCoupon is the volume of the coupon held on the SIM itself.
type SimCoupon struct {
	Volume *int `json:"volume"`
}

// PacketDay is one day of traffic in MB, JST date.
type PacketDay struct {
	Date          string `json:"date"`
	WithCoupon    int    `json:"withCoupon"`
	WithoutCoupon int    `json:"withoutCoupon"`
}

// Token is a live access token (runtime).
type Token struct {
	AccessToken string    `json:"accessToken"`
	MioID       string    `json:"mioId"`
	DeveloperID string    `json:"developerId"`
	IssuedAt    time.Time `json:"issuedAt"`
}

// Plans the v2 API reports (docs/providers/iijmio.md, "GET coupon").
var plans = map[string]bool{
	"Family Share": true, "Minimum Start": true, "Light Start": true,
	"Eco Minimum": true, "Eco Standard": true, "Pay as you go": true,
}

func isEcoPlan(plan string) bool { return strings.HasPrefix(plan, "Eco ") }

var (
	reServiceCode = regexp.MustCompile(`^(hdd|hdo|hdu|hdx)[0-9A-Za-z]{1,32}$`)
	reNumber      = regexp.MustCompile(`^[0-9]{10,11}$`)
	reICCID       = regexp.MustCompile(`^[0-9A-Za-z]{10,22}$`)
	reDeveloperID = regexp.MustCompile(`^[!-~]{1,128}$`)
	reAccessToken = regexp.MustCompile(`^[!-~]{1,128}$`)
)

// maxVolume caps every MB figure so sums cannot overflow (1 PB).
const maxVolume = 1 << 30

// Validate checks what the types cannot: unique ids, references,
// enums and date formats. Errors carry the JSON path for fixture.Load.
func (f *Fixtures) Validate() error {
	if f.AsOf != "" {
		if _, ok := parseDay(f.AsOf); !ok {
			return fixture.Errorf("asOf", "want a date YYYYMMDD, got %q", f.AsOf)
		}
	}
	if f.Month != "" {
		if _, ok := parseMonth(f.Month); !ok {
			return fixture.Errorf("month", "want a month YYYYMM, got %q", f.Month)
		}
	}
	devs := map[string]bool{}
	for i, d := range f.Developers {
		p := fmt.Sprintf("developers[%d]", i)
		if err := d.validate(p); err != nil {
			return err
		}
		if devs[d.DeveloperID] {
			return fixture.Errorf(p+".developerId", "duplicate %q", d.DeveloperID)
		}
		devs[d.DeveloperID] = true
	}
	users := map[string]bool{}
	codes := map[string]string{} // service code → path that declared it
	iccids := map[string]string{}
	for i, u := range f.Users {
		p := fmt.Sprintf("users[%d]", i)
		if u.MioID == "" || strings.TrimSpace(u.MioID) != u.MioID {
			return fixture.Errorf(p+".mioId", "want a non-empty id without surrounding spaces")
		}
		if users[u.MioID] {
			return fixture.Errorf(p+".mioId", "duplicate %q", u.MioID)
		}
		users[u.MioID] = true
		if u.Password == "" {
			return fixture.Errorf(p+".password", "want a non-empty password")
		}
		for j, c := range u.Contracts {
			if err := c.validate(fmt.Sprintf("%s.contracts[%d]", p, j), codes, iccids); err != nil {
				return err
			}
		}
	}
	if ref, ok := f.refMonth(); ok {
		if err := f.checkCouponMonths(ref); err != nil {
			return err
		}
	}
	return validateTokens(f.Tokens, users, devs)
}

// refMonth is the JST month the document's coupon months are written for:
// asOf's month, else month. ok is false when the document has neither; it
// is then written for the month it is loaded in, which loadFixtures checks.
func (f *Fixtures) refMonth() (month, bool) {
	if d, ok := parseDay(f.AsOf); ok {
		return d.month(), true
	}
	return parseMonth(f.Month)
}

// checkCouponMonths refuses a coupon expiring after the last month a coupon
// of its type can have in month cur: a bundle lasts to the end of next
// month, a topup to the end of the third month on
// (docs/providers/iijmio.md, "GET coupon"). Months are valid by now.
func (f *Fixtures) checkCouponMonths(cur month) error {
	for i, u := range f.Users {
		for j, c := range u.Contracts {
			for k, cp := range c.Coupons {
				m, _ := parseMonth(cp.Expire)
				if last := lastMonth(cp.Type, cur); m > last {
					return fixture.Errorf(fmt.Sprintf("users[%d].contracts[%d].coupons[%d].expire", i, j, k),
						"a %s coupon of %s expires in %s at the latest, got %s", cp.Type, cur, last, cp.Expire)
				}
			}
		}
	}
	return nil
}

// loadFixtures is fixture.Load plus the one check that needs the clock: a
// document without asOf or month is written for the month it is loaded in,
// so its coupon months are checked against now's.
func loadFixtures(file string, data []byte, now time.Time) (Fixtures, error) {
	f, err := fixture.Load[Fixtures](file, data)
	if err != nil {
		return f, err
	}
	if _, ok := f.refMonth(); ok {
		return f, nil
	}
	var pe *fixture.PathError
	if err := f.checkCouponMonths(monthOf(now)); errors.As(err, &pe) {
		e := &fixture.Error{File: file, Path: pe.Path, Msg: pe.Msg}
		if off, found := fixture.Locate(data, pe.Path); found {
			e.Line, e.Col = fixture.LineCol(data, off)
		}
		return f, e
	}
	return f, nil
}

func validateTokens(ts []Token, users, devs map[string]bool) error {
	tokens := map[string]bool{}
	for i, t := range ts {
		p := fmt.Sprintf("tokens[%d]", i)
		switch {
		case !reAccessToken.MatchString(t.AccessToken):
			return fixture.Errorf(p+".accessToken", "want 1-128 printable ASCII characters")
		case tokens[t.AccessToken]:
			return fixture.Errorf(p+".accessToken", "duplicate %q", t.AccessToken)
		case !users[t.MioID]:
			return fixture.Errorf(p+".mioId", "unknown user %q", t.MioID)
		case !devs[t.DeveloperID]:
			return fixture.Errorf(p+".developerId", "unknown developer %q", t.DeveloperID)
		case t.IssuedAt.IsZero():
			return fixture.Errorf(p+".issuedAt", "want an RFC 3339 time")
		}
		tokens[t.AccessToken] = true
	}
	return nil
}

func (d Developer) validate(p string) error {
	if !reDeveloperID.MatchString(d.DeveloperID) {
		return fixture.Errorf(p+".developerId", "want 1-128 printable ASCII characters without spaces, got %q", d.DeveloperID)
	}
	if strings.TrimSpace(d.AppName) == "" {
		return fixture.Errorf(p+".appName", "want a non-empty application name")
	}
	if len(d.RedirectURIs) == 0 {
		return fixture.Errorf(p+".redirectUris", "want at least one redirect URI")
	}
	seen := map[string]bool{}
	for k, u := range d.RedirectURIs {
		if msg := checkRedirectURI(u); msg != "" {
			return fixture.Errorf(fmt.Sprintf("%s.redirectUris[%d]", p, k), "%s", msg)
		}
		if seen[u] {
			return fixture.Errorf(fmt.Sprintf("%s.redirectUris[%d]", p, k), "duplicate %q", u)
		}
		seen[u] = true
	}
	return nil
}

// checkRedirectURI accepts URLs and bare app identifiers but nothing a
// Location header or fragment cannot carry, and no URI that runs script
// (docs/providers/iijmio.md, "Redirect URIs").
func checkRedirectURI(u string) string {
	switch {
	case u == "":
		return "want a non-empty redirect URI"
	case strings.ContainsAny(u, "# \t\r\n"):
		return fmt.Sprintf("redirect URI %q must not contain a fragment or white space", u)
	case strings.ContainsFunc(u, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return fmt.Sprintf("redirect URI %q contains control characters", u)
	case scriptScheme(u):
		// The token would be handed to a script.
		return fmt.Sprintf("redirect URI %q: javascript:, vbscript: and data: URIs run script, not an app", u)
	}
	return ""
}

// scriptScheme tells whether u starts with a scheme a browser runs as script.
func scriptScheme(u string) bool {
	scheme, _, ok := strings.Cut(u, ":")
	if !ok {
		return false
	}
	switch strings.ToLower(scheme) {
	case "javascript", "vbscript", "data":
		return true
	}
	return false
}

func (c Contract) validate(p string, codes, iccids map[string]string) error {
	if !reServiceCode.MatchString(c.HddServiceCode) || !strings.HasPrefix(c.HddServiceCode, "hdd") {
		return fixture.Errorf(p+".hddServiceCode", "want hdd followed by letters or digits, got %q", c.HddServiceCode)
	}
	if prev, dup := codes[c.HddServiceCode]; dup {
		return fixture.Errorf(p+".hddServiceCode", "duplicate %q (also %s)", c.HddServiceCode, prev)
	}
	codes[c.HddServiceCode] = p
	if !plans[c.Plan] {
		return fixture.Errorf(p+".plan", "unknown plan %q (want Family Share, Minimum Start, Light Start, Eco Minimum, Eco Standard or Pay as you go)", c.Plan)
	}
	if c.MonthlyBundle < 0 || c.MonthlyBundle > maxVolume {
		return fixture.Errorf(p+".monthlyBundle", "want 0..%d MB", maxVolume)
	}
	seen := map[string]bool{}
	for k, cp := range c.Coupons {
		q := fmt.Sprintf("%s.coupons[%d]", p, k)
		if cp.Type != couponBundle && cp.Type != couponTopup {
			return fixture.Errorf(q+".type", "want bundle or topup, got %q", cp.Type)
		}
		if _, ok := parseMonth(cp.Expire); !ok {
			return fixture.Errorf(q+".expire", "want a month YYYYMM, got %q", cp.Expire)
		}
		if cp.Volume < 0 || cp.Volume > maxVolume {
			return fixture.Errorf(q+".volume", "want 0..%d MB", maxVolume)
		}
		if seen[cp.Type+cp.Expire] {
			return fixture.Errorf(q, "duplicate %s coupon expiring %s", cp.Type, cp.Expire)
		}
		seen[cp.Type+cp.Expire] = true
	}
	for k, h := range c.History {
		q := fmt.Sprintf("%s.history[%d]", p, k)
		if _, ok := parseDay(h.Date); !ok {
			return fixture.Errorf(q+".date", "want a date YYYYMMDD, got %q", h.Date)
		}
		if h.Event == "" {
			return fixture.Errorf(q+".event", "want an event such as add")
		}
		if h.Type != couponBundle && h.Type != couponTopup {
			return fixture.Errorf(q+".type", "want bundle or topup, got %q", h.Type)
		}
		if h.Volume < 0 || h.Volume > maxVolume {
			return fixture.Errorf(q+".volume", "want 0..%d MB", maxVolume)
		}
	}
	for k, l := range c.Lines {
		if err := l.validate(fmt.Sprintf("%s.lines[%d]", p, k), codes, iccids); err != nil {
			return err
		}
	}
	return nil
}

func (l Line) validate(p string, codes, iccids map[string]string) error {
	if !reServiceCode.MatchString(l.ServiceCode) || strings.HasPrefix(l.ServiceCode, "hdd") {
		return fixture.Errorf(p+".serviceCode", "want hdo, hdu or hdx followed by letters or digits, got %q", l.ServiceCode)
	}
	if prev, dup := codes[l.ServiceCode]; dup {
		return fixture.Errorf(p+".serviceCode", "duplicate %q (also %s)", l.ServiceCode, prev)
	}
	codes[l.ServiceCode] = p
	if !reNumber.MatchString(l.Number) {
		return fixture.Errorf(p+".number", "want 10 or 11 digits, got %q", l.Number)
	}
	if !reICCID.MatchString(l.ICCID) {
		return fixture.Errorf(p+".iccid", "want 10-22 letters or digits, got %q", l.ICCID)
	}
	if prev, dup := iccids[l.ICCID]; dup {
		return fixture.Errorf(p+".iccid", "duplicate %q (also %s)", l.ICCID, prev)
	}
	iccids[l.ICCID] = p + ".iccid"
	if l.SimCoupon != nil && l.SimCoupon.Volume != nil && (*l.SimCoupon.Volume < 0 || *l.SimCoupon.Volume > maxVolume) {
		return fixture.Errorf(p+".simCoupon.volume", "want 0..%d MB or null", maxVolume)
	}
	days := map[string]bool{}
	for k, d := range l.PacketLog {
		q := fmt.Sprintf("%s.packetLog[%d]", p, k)
		if _, ok := parseDay(d.Date); !ok {
			return fixture.Errorf(q+".date", "want a date YYYYMMDD, got %q", d.Date)
		}
		if days[d.Date] {
			return fixture.Errorf(q+".date", "duplicate day %s", d.Date)
		}
		days[d.Date] = true
		if d.WithCoupon < 0 || d.WithCoupon > maxVolume {
			return fixture.Errorf(q+".withCoupon", "want 0..%d MB", maxVolume)
		}
		if d.WithoutCoupon < 0 || d.WithoutCoupon > maxVolume {
			return fixture.Errorf(q+".withoutCoupon", "want 0..%d MB", maxVolume)
		}
	}
	return nil
}
