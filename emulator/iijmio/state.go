package iijmio

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Line kinds by service-code prefix (docs/providers/iijmio.md, "Endpoints").
const (
	kindHdo = "hdo" // タイプD (docomo)
	kindHdu = "hdu" // タイプA (au), v2 only
	kindHdx = "hdx" // eSIM, v2 only
)

// Coupon types (docs/providers/iijmio.md, "GET coupon").
const (
	couponBundle = "bundle" // バンドルクーポン
	couponTopup  = "topup"  // 追加クーポン
	couponSim    = "sim"    // SIM内クーポン
)

// tokenTTL is 90 days, the 2014 capture's expiresIn=7776000
// (docs/providers/iijmio.md, "Token").
const (
	tokenTTL        = 90 * 24 * time.Hour
	tokenTTLSeconds = 7776000
)

// Regulation (throttling) rule: coupon-off traffic over the 3 days ending
// yesterday above 366 MB throttles the line (docs/providers/iijmio.md,
// "Usage, coupons and throttling").
const (
	regulationDays  = 3
	regulationLimit = 366
)

// logDays is the length of a packet log: 30 past days and today
// (docs/providers/iijmio.md, "GET packet log").
const logDays = 31

// state is the live data behind memStore; only memStore touches it, under
// its lock. The pointers never leave the store: every read returns copies.
type state struct {
	month      month // last JST month whose rollover ran
	devs       map[string]Developer
	devOrder   []string
	users      map[string]*userState
	userOrder  []string
	contracts  map[string]*contractState // by hdd service code
	lines      map[string]*lineState     // by hdo/hdu/hdx service code
	tokens     map[string]tokenEntry
	fixedOrder []string // tokens of the fixtures or an import, by issue time
	// issued are the tokens the emulator minted, oldest first from
	// issuedHead: they expire in that order (one lifetime, and the clock
	// never goes back), so the expired and the oldest are found at the
	// head without scanning the map. Revoked ones stay until they reach
	// the head or the queue is compacted.
	issued     []string
	issuedHead int
	fixed      int // entries of tokens that are pinned
}

// tokenEntry is a live token; pinned ones (fixtures, imports) are never
// evicted by the cap on issued tokens (docs/providers/iijmio.md, "Token
// cap").
type tokenEntry struct {
	Token
	pinned bool
}

type userState struct {
	mioID, password, name string
	contracts             []*contractState
}

type contractState struct {
	owner         string
	hdd, plan     string
	monthlyBundle int
	coupons       []couponState // sorted: bundle before topup, then earliest expiry
	history       []History
	lines         []*lineState
}

type couponState struct {
	typ    string
	expire month
	volume int
}

type lineState struct {
	contract              *contractState
	code, kind            string
	number, iccid         string
	sms, voice, couponUse bool
	forceRegulation       bool
	simCoupon             bool // a simCoupon object was given
	simVolume             *int // nil: null volume, as in the 2014 capture
	log                   map[day]usage
}

type usage struct{ withCoupon, withoutCoupon int }

// buildState turns validated fixtures into live state at now, applying asOf
// (see Fixtures.AsOf) and dropping coupons of past months.
func buildState(f Fixtures, now time.Time) *state {
	var dayShift day
	var monthShift month
	if f.AsOf != "" {
		asOf, _ := parseDay(f.AsOf)
		dayShift = dayOf(now) - asOf
		monthShift = monthOf(now) - asOf.month()
	}
	st := &state{
		month:     monthOf(now),
		devs:      map[string]Developer{},
		users:     map[string]*userState{},
		contracts: map[string]*contractState{},
		lines:     map[string]*lineState{},
		tokens:    map[string]tokenEntry{},
	}
	if f.Month != "" {
		m, _ := parseMonth(f.Month)
		st.month = m + monthShift
	}
	for _, d := range f.Developers {
		d.RedirectURIs = slices.Clone(d.RedirectURIs)
		st.devs[d.DeveloperID] = d
		st.devOrder = append(st.devOrder, d.DeveloperID)
	}
	for _, u := range f.Users {
		us := &userState{mioID: u.MioID, password: u.Password, name: u.Name}
		for _, c := range u.Contracts {
			cs := &contractState{owner: u.MioID, hdd: c.HddServiceCode, plan: c.Plan, monthlyBundle: c.MonthlyBundle}
			for _, cp := range c.Coupons {
				m, _ := parseMonth(cp.Expire)
				cs.coupons = append(cs.coupons, couponState{typ: cp.Type, expire: m + monthShift, volume: cp.Volume})
			}
			sortCoupons(cs.coupons)
			for _, h := range c.History {
				h.Date = shiftHistoryDate(h.Date, dayShift, monthShift)
				cs.history = append(cs.history, h)
			}
			slices.SortStableFunc(cs.history, func(a, b History) int { return strings.Compare(a.Date, b.Date) })
			for _, l := range c.Lines {
				ls := buildLine(l, cs, dayShift)
				cs.lines = append(cs.lines, ls)
				st.lines[ls.code] = ls
			}
			us.contracts = append(us.contracts, cs)
			st.contracts[cs.hdd] = cs
		}
		st.users[u.MioID] = us
		st.userOrder = append(st.userOrder, u.MioID)
	}
	tokens := slices.Clone(f.Tokens)
	slices.SortStableFunc(tokens, func(a, b Token) int { return a.IssuedAt.Compare(b.IssuedAt) })
	for _, t := range tokens {
		t.IssuedAt = t.IssuedAt.Add(time.Duration(dayShift) * 24 * time.Hour)
		st.tokens[t.AccessToken] = tokenEntry{Token: t, pinned: true}
		st.fixedOrder = append(st.fixedOrder, t.AccessToken)
	}
	st.fixed = len(st.tokens)
	st.dropExpiredCoupons()
	return st
}

// shiftHistoryDate moves an Eco history date for asOf. The 1st of a month
// is the monthly grant's day: it moves by whole months, like the coupons,
// and stays on the 1st. Any other day moves by whole days, like the packet
// log, keeping its distance from today (docs/providers/iijmio.md,
// "Fixtures").
func shiftHistoryDate(date string, days day, months month) string {
	d, _ := parseDay(date)
	if m := d.month(); d == m.firstDay() {
		return (m + months).firstDay().String()
	}
	return (d + days).String()
}

// buildLine turns a fixture line into live state, moving its log by shift.
func buildLine(l Line, cs *contractState, shift day) *lineState {
	ls := &lineState{
		contract: cs, code: l.ServiceCode, kind: l.ServiceCode[:3],
		number: l.Number, iccid: l.ICCID, sms: l.SMS, voice: l.Voice,
		couponUse: l.CouponUse, forceRegulation: l.ForceRegulation,
		log: make(map[day]usage, len(l.PacketLog)),
	}
	if l.SimCoupon != nil {
		ls.simCoupon = true
		if l.SimCoupon.Volume != nil {
			v := *l.SimCoupon.Volume
			ls.simVolume = &v
		}
	} else {
		zero := 0
		ls.simVolume = &zero
	}
	for _, p := range l.PacketLog {
		d, _ := parseDay(p.Date)
		ls.log[d+shift] = usage{p.WithCoupon, p.WithoutCoupon}
	}
	return ls
}

// sortCoupons keeps the pool in the order GET coupon lists it and usage
// draws it: bundle before topup, earliest expiry first
// (docs/providers/iijmio.md, "Usage, coupons and throttling").
func sortCoupons(cs []couponState) {
	slices.SortStableFunc(cs, func(a, b couponState) int {
		if a.typ != b.typ {
			if a.typ == couponBundle {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.expire, b.expire)
	})
}

// dropExpiredCoupons removes coupons whose month is before the state's
// month (docs/providers/iijmio.md, "GET coupon").
func (st *state) dropExpiredCoupons() {
	for _, c := range st.contracts {
		c.coupons = slices.DeleteFunc(c.coupons, func(cp couponState) bool { return cp.expire < st.month })
	}
}

// roll runs the JST month rollover up to now: each new month grants
// monthlyBundle as a bundle expiring at the end of the next month, then past
// months' coupons drop out. Only the last two months can leave a coupon
// alive, so a jump of years costs two steps
// (docs/providers/iijmio.md, "Usage, coupons and throttling").
func (st *state) roll(now time.Time) {
	cur := monthOf(now)
	if cur <= st.month {
		return
	}
	for m := max(st.month+1, cur-1); m <= cur; m++ {
		for _, hdd := range st.contractOrder() {
			c := st.contracts[hdd]
			if c.monthlyBundle == 0 {
				continue
			}
			c.addCoupon(couponState{typ: couponBundle, expire: m + 1, volume: c.monthlyBundle})
			if isEcoPlan(c.plan) {
				c.history = append(c.history, History{Date: m.firstDay().String(), Event: "add", Type: couponBundle, Volume: c.monthlyBundle})
			}
		}
	}
	st.month = cur
	st.dropExpiredCoupons()
}

func (st *state) contractOrder() []string {
	var out []string
	for _, id := range st.userOrder {
		for _, c := range st.users[id].contracts {
			out = append(out, c.hdd)
		}
	}
	return out
}

// addCoupon merges into an existing coupon of the same type and month, so
// the pool never lists one month twice.
func (c *contractState) addCoupon(cp couponState) {
	for i := range c.coupons {
		if c.coupons[i].typ == cp.typ && c.coupons[i].expire == cp.expire {
			c.coupons[i].volume = min(c.coupons[i].volume+cp.volume, maxVolume)
			return
		}
	}
	c.coupons = append(c.coupons, cp)
	sortCoupons(c.coupons)
}

// Coupon rows a contract lists (docs/providers/iijmio.md, "GET coupon"):
// bundles expiring this month and next (last month's grant and this
// month's), topups expiring this month to three months on (a topup lasts
// to the end of the third month after its purchase). The pool holds no
// coupon outside these months: fixtures, the admin API and the rollover
// keep to them.
const (
	bundleMonths = 2
	topupMonths  = 4
)

// rows lists the contract's coupons in month cur as the 2014 capture does:
// the two bundle rows, then the four topup rows, each month once, earliest
// first, zero volumes included.
func (c *contractState) rows(cur month) []Coupon {
	out := make([]Coupon, 0, bundleMonths+topupMonths)
	for _, r := range [...]struct {
		typ    string
		months int
	}{{couponBundle, bundleMonths}, {couponTopup, topupMonths}} {
		for m := cur; m < cur+month(r.months); m++ {
			row := Coupon{Expire: m.String(), Type: r.typ}
			for _, cp := range c.coupons {
				if cp.typ == r.typ && cp.expire == m {
					row.Volume = cp.volume
				}
			}
			out = append(out, row)
		}
	}
	return out
}

// lastMonth is the last expiry month a coupon of type typ can have in
// month cur.
func lastMonth(typ string, cur month) month {
	if typ == couponTopup {
		return cur + topupMonths - 1
	}
	return cur + bundleMonths - 1
}

func (c *contractState) remaining() int {
	n := 0
	for _, cp := range c.coupons {
		n += cp.volume
	}
	return n
}

// draw takes up to mb from the pool, bundle before topup, earliest expiry
// first, and returns what it took (docs/providers/iijmio.md, "Usage, coupons
// and throttling").
func (c *contractState) draw(mb int) int {
	taken := 0
	for i := range c.coupons {
		if taken == mb {
			break
		}
		n := min(c.coupons[i].volume, mb-taken)
		c.coupons[i].volume -= n
		taken += n
	}
	return taken
}

// regulated reports throttling on today (docs/providers/iijmio.md, "Usage,
// coupons and throttling").
func (l *lineState) regulated(today day) bool {
	if l.forceRegulation {
		return true
	}
	sum := 0
	for d := today - regulationDays; d < today; d++ {
		sum += l.log[d].withoutCoupon
	}
	return sum > regulationLimit
}

// export turns the state back into the fixture schema (absolute dates, no
// asOf), listing only tokens still alive at now.
func (st *state) export(now time.Time) Fixtures {
	f := Fixtures{Month: st.month.String(), Developers: []Developer{}, Users: []User{}}
	for _, id := range st.devOrder {
		d := st.devs[id]
		d.RedirectURIs = slices.Clone(d.RedirectURIs)
		f.Developers = append(f.Developers, d)
	}
	for _, id := range st.userOrder {
		us := st.users[id]
		u := User{MioID: us.mioID, Password: us.password, Name: us.name, Contracts: []Contract{}}
		for _, cs := range us.contracts {
			c := Contract{HddServiceCode: cs.hdd, Plan: cs.plan, MonthlyBundle: cs.monthlyBundle,
				Coupons: []Coupon{}, History: slices.Clone(cs.history), Lines: []Line{}}
			for _, cp := range cs.coupons {
				c.Coupons = append(c.Coupons, Coupon{Volume: cp.volume, Expire: cp.expire.String(), Type: cp.typ})
			}
			for _, ls := range cs.lines {
				c.Lines = append(c.Lines, ls.export())
			}
			u.Contracts = append(u.Contracts, c)
		}
		f.Users = append(f.Users, u)
	}
	for _, order := range [][]string{st.fixedOrder, st.issued[st.issuedHead:]} {
		for _, tok := range order {
			if t, ok := st.tokens[tok]; ok && t.live(now) {
				f.Tokens = append(f.Tokens, t.Token)
			}
		}
	}
	return f
}

func (l *lineState) export() Line {
	out := Line{ServiceCode: l.code, Number: l.number, ICCID: l.iccid, SMS: l.sms, Voice: l.voice,
		CouponUse: l.couponUse, ForceRegulation: l.forceRegulation}
	if l.simCoupon || l.simVolume == nil || *l.simVolume != 0 {
		sc := &SimCoupon{}
		if l.simVolume != nil {
			v := *l.simVolume
			sc.Volume = &v
		}
		out.SimCoupon = sc
	}
	days := make([]day, 0, len(l.log))
	for d := range l.log {
		days = append(days, d)
	}
	slices.Sort(days)
	for _, d := range days {
		u := l.log[d]
		out.PacketLog = append(out.PacketLog, PacketDay{Date: d.String(), WithCoupon: u.withCoupon, WithoutCoupon: u.withoutCoupon})
	}
	return out
}

// live reports whether t is still valid at now.
func (t Token) live(now time.Time) bool { return now.Before(t.IssuedAt.Add(tokenTTL)) }

// addIssued stores a token the emulator minted, the newest.
func (st *state) addIssued(t Token) {
	st.tokens[t.AccessToken] = tokenEntry{Token: t}
	st.issued = append(st.issued, t.AccessToken)
}

// sweepIssued drops the minted tokens expired by now, from the head of
// the queue: no scan of the live ones.
func (st *state) sweepIssued(now time.Time) {
	for st.issuedHead < len(st.issued) {
		t, ok := st.tokens[st.issued[st.issuedHead]]
		if ok && !t.pinned && t.live(now) {
			return
		}
		if ok && !t.pinned {
			delete(st.tokens, t.AccessToken)
		}
		st.popIssued()
	}
}

// evictIssued drops the oldest minted tokens while more than limit are
// stored, and returns how many it dropped (docs/providers/iijmio.md,
// "Token cap").
func (st *state) evictIssued(limit int) int {
	n := 0
	for len(st.tokens)-st.fixed > limit && st.issuedHead < len(st.issued) {
		k := st.issued[st.issuedHead]
		if t, ok := st.tokens[k]; ok && !t.pinned {
			delete(st.tokens, k)
			n++
		}
		st.popIssued()
	}
	return n
}

// popIssued takes the head off the queue, moving what is left to the
// front once the head is most of the slice.
func (st *state) popIssued() {
	st.issued[st.issuedHead] = ""
	st.issuedHead++
	if st.issuedHead > 1024 && st.issuedHead > len(st.issued)/2 {
		n := copy(st.issued, st.issued[st.issuedHead:])
		clear(st.issued[n:])
		st.issued, st.issuedHead = st.issued[:n], 0
	}
}

// dropTokens removes every token for which drop is true (admin changes:
// a revoked token, a deleted or reissued developer).
func (st *state) dropTokens(drop func(Token) bool) int {
	n := 0
	for k, t := range st.tokens {
		if drop(t.Token) {
			delete(st.tokens, k)
			if t.pinned {
				st.fixed--
			}
			n++
		}
	}
	if n > 0 {
		gone := func(k string) bool { _, ok := st.tokens[k]; return !ok }
		st.fixedOrder = slices.DeleteFunc(st.fixedOrder, gone)
		st.issued = slices.DeleteFunc(st.issued[st.issuedHead:], gone)
		st.issuedHead = 0
	}
	return n
}

// alnum is the token alphabet: clients extract the token with
// access_token=(\w+) (docs/providers/iijmio.md, "Token").
const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// alnumString draws n characters of [A-Za-z0-9] from read without bias
// (bytes ≥ 248 are rejected; 248 = 4·62).
func alnumString(read func([]byte) (int, error), n int) string {
	var out strings.Builder
	out.Grow(n)
	buf := make([]byte, n+n/4+4)
	for out.Len() < n {
		if _, err := read(buf); err != nil {
			panic("iijmio: random source failed: " + err.Error())
		}
		for _, b := range buf {
			if b < 248 && out.Len() < n {
				out.WriteByte(alnum[b%62])
			}
		}
	}
	return out.String()
}
