package iijmio

import (
	"cmp"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/keytable"
	"github.com/fakeapi/fakeapi/internal/provider"
)

// Store is what the handlers need from the provider's state.
// Every method takes and returns values; nothing points into the store.
type Store interface {
	// API.
	Authenticate(developerID, token string) (caller, error)
	Contracts(mioID string, withLogs bool) []contractView
	SwitchCoupons(mioID string, sw []couponSwitch) error

	// Authorization pages.
	Developer(id string) (Developer, bool)
	CheckPassword(mioID, password string) bool
	MintToken(mioID, developerID string) (Token, error)

	// Admin API.
	Developers() []Developer
	CreateDeveloper(d Developer) (Developer, error)
	UpdateDeveloper(d Developer) (Developer, error)
	DeleteDeveloper(id string) error
	ReissueDeveloper(id string) (Developer, error)
	Tokens() []Token
	RevokeToken(token string) error
	AddUsage(u usageRequest) (usageResult, error)
	LineUsage(serviceCode string) ([]lineUsage, error)
	SetRegulation(serviceCode string, forced bool) error
	AddCoupon(hdd string, c Coupon) (Coupon, error)

	// State (provider.State).
	Replace(f Fixtures)
	Export() Fixtures
	Summary() []provider.Stat
	Accounts() []provider.Account
}

// caller is who an authenticated API request acts for.
type caller struct {
	MioID, DeveloperID, Token string
	// stamp is the store's stamp at authentication, for GET coupon's cache.
	stamp stamp
}

// stamp identifies what the store holds on one JST day: it changes with
// every change to the store (gen) and every day (regulation and coupon
// expiry follow the date), so bodies rendered under one stamp stay right.
type stamp struct {
	gen   uint64
	today day
}

// contractView is a copy of one contract as the GET handlers render it.
type contractView struct {
	HddServiceCode string
	Plan           string
	Eco            bool
	Coupons        []Coupon
	History        []History
	Remains        int
	Lines          []lineView
}

// lineView is a copy of one line; Log holds the 31-day window when asked.
type lineView struct {
	Kind        string
	ServiceCode string
	Number      string
	ICCID       string
	SMS         bool
	Voice       bool
	CouponUse   bool
	Regulation  bool
	SimVolume   *int
	Log         []PacketDay
}

// couponSwitch is one line of a PUT coupon body.
type couponSwitch struct {
	Kind        string
	ServiceCode string
	CouponUse   bool
}

// usageRequest is POST /_fakeapi/iijmio/usage after parsing.
type usageRequest struct {
	ServiceCode string
	MB          int
	Date        string // YYYYMMDD JST, "" for today
}

// usageResult says how usage was counted.
type usageResult struct {
	ServiceCode     string `json:"serviceCode"`
	Date            string `json:"date"`
	WithCoupon      int    `json:"withCoupon"`
	WithoutCoupon   int    `json:"withoutCoupon"`
	CouponRemaining int    `json:"couponRemaining"`
	Regulation      bool   `json:"regulation"`
}

// lineUsage is one line in GET /_fakeapi/iijmio/usage.
type lineUsage struct {
	ServiceCode     string      `json:"serviceCode"`
	HddServiceCode  string      `json:"hddServiceCode"`
	MioID           string      `json:"mioId"`
	CouponUse       bool        `json:"couponUse"`
	Regulation      bool        `json:"regulation"`
	ForceRegulation bool        `json:"forceRegulation"`
	CouponRemaining int         `json:"couponRemaining"`
	PacketLog       []PacketDay `json:"packetLog"`
}

// adminError is an admin API failure: status and a message for the user.
type adminError struct {
	status int
	msg    string
}

func (e *adminError) Error() string { return e.msg }

func notFoundf(format string, a ...any) error {
	return &adminError{http.StatusNotFound, fmt.Sprintf(format, a...)}
}

func badRequestf(format string, a ...any) error {
	return &adminError{http.StatusBadRequest, fmt.Sprintf(format, a...)}
}

func conflictf(format string, a ...any) error {
	return &adminError{http.StatusConflict, fmt.Sprintf(format, a...)}
}

// memStore is the in-memory Store.
type memStore struct {
	clk  clock.Clock
	ids  ids.Source
	orig Fixtures // what Reset returns to
	// maxTokens caps the minted tokens; evictions counts those evicted
	// past it, for the log (docs/providers/iijmio.md, "Token cap").
	maxTokens int
	evictions *keytable.EvictionLog

	mu  sync.Mutex // guards st and gen
	st  *state
	gen uint64 // bumped on every lock() and Replace: anything may have changed
}

var _ Store = (*memStore)(nil)

func newMemStore(log *slog.Logger, cfg Config, f Fixtures, clk clock.Clock, src ids.Source) *memStore {
	maxTokens := cmp.Or(max(cfg.MaxTokens, 0), DefaultMaxTokens)
	return &memStore{clk: clk, ids: src, orig: f, st: buildState(f, clk.Now()), maxTokens: maxTokens,
		evictions: keytable.NewEvictionLog(log, "iijmio", fmt.Sprintf("tokens (cap %d, -max-tokens)", maxTokens))}
}

// lock takes the lock and runs the month rollover, so every method sees the
// state of the current JST month. It returns the time it used. It bumps the
// generation, so a method that changes anything (now or in future) retires
// GET coupon's cached bodies; the hot read paths use rlock instead.
func (s *memStore) lock() time.Time {
	now := s.rlock()
	s.gen++
	return now
}

// rlock is lock for methods that change nothing but the month rollover,
// which the stamp's day already covers.
func (s *memStore) rlock() time.Time {
	s.mu.Lock()
	now := s.clk.Now()
	s.st.roll(now)
	return now
}

// Authenticate runs the developer and token checks (docs/providers/iijmio.md,
// "Headers and checks").
func (s *memStore) Authenticate(developerID, token string) (caller, error) {
	now := s.rlock()
	defer s.mu.Unlock()
	if _, ok := s.st.devs[developerID]; !ok {
		return caller{}, errNotRegistered
	}
	t, ok := s.st.tokens[token]
	if !ok || t.DeveloperID != developerID || !now.Before(t.IssuedAt.Add(tokenTTL)) {
		return caller{}, errAuthFailure
	}
	if _, ok := s.st.users[t.MioID]; !ok {
		return caller{}, errAuthFailure
	}
	return caller{MioID: t.MioID, DeveloperID: developerID, Token: token, stamp: stamp{gen: s.gen, today: dayOf(now)}}, nil
}

// Contracts copies the user's contracts; withLogs adds the 31-day windows.
func (s *memStore) Contracts(mioID string, withLogs bool) []contractView {
	now := s.rlock()
	defer s.mu.Unlock()
	u, ok := s.st.users[mioID]
	if !ok {
		return nil
	}
	today := dayOf(now)
	out := make([]contractView, 0, len(u.contracts))
	for _, c := range u.contracts {
		cv := contractView{HddServiceCode: c.hdd, Plan: c.plan, Eco: isEcoPlan(c.plan),
			History: slices.Clone(c.history), Remains: c.remaining(),
			Coupons: c.rows(s.st.month), Lines: make([]lineView, 0, len(c.lines))}
		for _, l := range c.lines {
			lv := lineView{Kind: l.kind, ServiceCode: l.code, Number: l.number, ICCID: l.iccid,
				SMS: l.sms, Voice: l.voice, CouponUse: l.couponUse, Regulation: l.regulated(today)}
			if l.simVolume != nil {
				v := *l.simVolume
				lv.SimVolume = &v
			}
			if withLogs {
				lv.Log = l.window(today)
			}
			cv.Lines = append(cv.Lines, lv)
		}
		out = append(out, cv)
	}
	return out
}

// window is the 31-day log ending today, zero-filled.
func (l *lineState) window(today day) []PacketDay {
	out := make([]PacketDay, logDays)
	for i := range logDays {
		d := today - logDays + 1 + day(i)
		u := l.log[d]
		out[i] = PacketDay{Date: d.String(), WithCoupon: u.withCoupon, WithoutCoupon: u.withoutCoupon}
	}
	return out
}

// SwitchCoupons applies a PUT coupon body all-or-nothing: every line must
// belong to the user and be of the named kind (docs/providers/iijmio.md,
// "PUT coupon").
func (s *memStore) SwitchCoupons(mioID string, sw []couponSwitch) error {
	s.lock()
	defer s.mu.Unlock()
	for _, c := range sw {
		l, ok := s.st.lines[c.ServiceCode]
		if !ok || l.kind != c.Kind || l.contract.owner != mioID {
			return errBadData
		}
	}
	for _, c := range sw { // a line named twice: the last wins
		s.st.lines[c.ServiceCode].couponUse = c.CouponUse
	}
	return nil
}

// Developer returns a registered application.
func (s *memStore) Developer(id string) (Developer, bool) {
	s.lock()
	defer s.mu.Unlock()
	d, ok := s.st.devs[id]
	d.RedirectURIs = slices.Clone(d.RedirectURIs)
	return d, ok
}

// CheckPassword compares in constant time; an unknown mioID fails the same
// way, so the answer gives no hint whether the user exists.
func (s *memStore) CheckPassword(mioID, password string) bool {
	s.lock()
	defer s.mu.Unlock()
	u, ok := s.st.users[mioID]
	want := "\x00never"
	if ok {
		want = u.password
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(password)) == 1 && ok
}

// MintToken issues a new 90-day token; older tokens stay valid
// (docs/providers/iijmio.md, "Token").
func (s *memStore) MintToken(mioID, developerID string) (Token, error) {
	now := s.lock()
	defer s.mu.Unlock()
	if _, ok := s.st.users[mioID]; !ok {
		return Token{}, notFoundf("unknown mioId %q", mioID)
	}
	if _, ok := s.st.devs[developerID]; !ok {
		return Token{}, notFoundf("unknown developerId %q", developerID)
	}
	s.st.sweepIssued(now)
	t := Token{AccessToken: alnumString(s.ids.Read, 32), MioID: mioID, DeveloperID: developerID, IssuedAt: now}
	s.st.addIssued(t)
	s.evictions.Add(s.st.evictIssued(s.maxTokens), now)
	return t, nil
}

// Replace swaps in validated fixtures (reset and state import).
func (s *memStore) Replace(f Fixtures) {
	st := buildState(f, s.clk.Now())
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st = st
	s.gen++
}

// Export returns the live state in the fixture schema.
func (s *memStore) Export() Fixtures {
	now := s.lock()
	defer s.mu.Unlock()
	return s.st.export(now)
}

// Summary counts what is live, for the dashboard.
func (s *memStore) Summary() []provider.Stat {
	now := s.lock()
	defer s.mu.Unlock()
	s.st.sweepIssued(now)
	live := len(s.st.tokens) - s.st.fixed // minted, all alive after the sweep
	for _, k := range s.st.fixedOrder {
		if s.st.tokens[k].live(now) {
			live++
		}
	}
	return []provider.Stat{
		{Name: "developers", Count: len(s.st.devs)},
		{Name: "users", Count: len(s.st.users)},
		{Name: "contracts", Count: len(s.st.contracts)},
		{Name: "lines", Count: len(s.st.lines)},
		{Name: "tokens", Count: live},
	}
}

// Accounts lists the mioIDs and developer IDs for the dashboard.
func (s *memStore) Accounts() []provider.Account {
	s.lock()
	defer s.mu.Unlock()
	var out []provider.Account
	for _, id := range s.st.userOrder {
		u := s.st.users[id]
		var parts []string
		for _, c := range u.contracts {
			codes := make([]string, 0, len(c.lines))
			for _, l := range c.lines {
				codes = append(codes, l.code)
			}
			parts = append(parts, fmt.Sprintf("%s (%s): %s", c.hdd, c.plan, strings.Join(codes, ", ")))
		}
		out = append(out, provider.Account{Kind: "user", ID: u.mioID, Secret: u.password,
			Note: strings.TrimSpace(u.name + " " + strings.Join(parts, "; "))})
	}
	for _, id := range s.st.devOrder {
		d := s.st.devs[id]
		out = append(out, provider.Account{Kind: "developer", ID: d.DeveloperID,
			Note: d.AppName + " → " + strings.Join(d.RedirectURIs, ", ")})
	}
	return out
}
