package iijmio

import (
	"slices"
)

// The Store methods behind the admin API (/_fakeapi/iijmio/…): the developer
// console, tokens, usage, regulation and coupons.

// Developers lists the registered applications in order.
func (s *memStore) Developers() []Developer {
	s.lock()
	defer s.mu.Unlock()
	out := make([]Developer, 0, len(s.st.devOrder))
	for _, id := range s.st.devOrder {
		d := s.st.devs[id]
		d.RedirectURIs = slices.Clone(d.RedirectURIs)
		out = append(out, d)
	}
	return out
}

// CreateDeveloper registers an application; an empty ID is minted.
func (s *memStore) CreateDeveloper(d Developer) (Developer, error) {
	s.lock()
	defer s.mu.Unlock()
	if d.DeveloperID == "" {
		d.DeveloperID = s.newDeveloperIDLocked()
	}
	if err := d.validate("app"); err != nil {
		return Developer{}, badRequestf("%v", err)
	}
	if _, dup := s.st.devs[d.DeveloperID]; dup {
		return Developer{}, conflictf("developerId %q is already registered", d.DeveloperID)
	}
	d.RedirectURIs = slices.Clone(d.RedirectURIs)
	s.st.devs[d.DeveloperID] = d
	s.st.devOrder = append(s.st.devOrder, d.DeveloperID)
	return d, nil
}

// UpdateDeveloper replaces an application's name and redirect URIs.
func (s *memStore) UpdateDeveloper(d Developer) (Developer, error) {
	s.lock()
	defer s.mu.Unlock()
	if _, ok := s.st.devs[d.DeveloperID]; !ok {
		return Developer{}, notFoundf("unknown developerId %q", d.DeveloperID)
	}
	if err := d.validate("app"); err != nil {
		return Developer{}, badRequestf("%v", err)
	}
	d.RedirectURIs = slices.Clone(d.RedirectURIs)
	s.st.devs[d.DeveloperID] = d
	return d, nil
}

// DeleteDeveloper unregisters an application and drops its tokens.
func (s *memStore) DeleteDeveloper(id string) error {
	s.lock()
	defer s.mu.Unlock()
	if _, ok := s.st.devs[id]; !ok {
		return notFoundf("unknown developerId %q", id)
	}
	delete(s.st.devs, id)
	s.st.devOrder = slices.DeleteFunc(s.st.devOrder, func(k string) bool { return k == id })
	s.st.dropTokens(func(t Token) bool { return t.DeveloperID == id })
	return nil
}

// ReissueDeveloper is the console's デベロッパIDの再発行: a new ID, the old one
// and all its tokens stop working at once (docs/providers/iijmio.md,
// "Endpoints").
func (s *memStore) ReissueDeveloper(id string) (Developer, error) {
	s.lock()
	defer s.mu.Unlock()
	d, ok := s.st.devs[id]
	if !ok {
		return Developer{}, notFoundf("unknown developerId %q", id)
	}
	d.DeveloperID = s.newDeveloperIDLocked()
	delete(s.st.devs, id)
	s.st.devs[d.DeveloperID] = d
	for i, k := range s.st.devOrder {
		if k == id {
			s.st.devOrder[i] = d.DeveloperID
		}
	}
	s.st.dropTokens(func(t Token) bool { return t.DeveloperID == id })
	d.RedirectURIs = slices.Clone(d.RedirectURIs)
	return d, nil
}

// developerIDLen is the length of a developer ID: every real one seen in
// client repositories has 19 characters of [A-Za-z0-9], such as
// lNuh3hfMUS52SCTHv4O (docs/providers/iijmio.md, "Developer IDs").
const developerIDLen = 19

func (s *memStore) newDeveloperIDLocked() string {
	for {
		id := alnumString(s.ids.Read, developerIDLen)
		if _, dup := s.st.devs[id]; !dup {
			return id
		}
	}
}

// Tokens lists live tokens in issue order.
func (s *memStore) Tokens() []Token {
	now := s.lock()
	defer s.mu.Unlock()
	return s.st.export(now).Tokens
}

// RevokeToken makes a token fail at once.
func (s *memStore) RevokeToken(token string) error {
	s.lock()
	defer s.mu.Unlock()
	if s.st.dropTokens(func(t Token) bool { return t.AccessToken == token }) == 0 {
		return notFoundf("unknown access token")
	}
	return nil
}

// AddUsage records traffic: with couponUse on it draws the contract's pool
// and counts withCoupon; the rest, and all usage with couponUse off, counts
// withoutCoupon. SIM coupons are never drawn (docs/providers/iijmio.md,
// "Usage, coupons and throttling").
func (s *memStore) AddUsage(req usageRequest) (usageResult, error) {
	now := s.lock()
	defer s.mu.Unlock()
	l, ok := s.st.lines[req.ServiceCode]
	if !ok {
		return usageResult{}, notFoundf("unknown line %q (want an hdo, hdu or hdx service code)", req.ServiceCode)
	}
	today := dayOf(now)
	d := today
	if req.Date != "" {
		var ok bool
		if d, ok = parseDay(req.Date); !ok {
			return usageResult{}, badRequestf("date: want YYYYMMDD, got %q", req.Date)
		}
		if d > today || d <= today-logDays {
			return usageResult{}, badRequestf("date: want a JST day from %s to %s (the packet log window)", today-logDays+1, today)
		}
	}
	with := 0
	if l.couponUse {
		with = l.contract.draw(req.MB)
	}
	u := l.log[d]
	u.withCoupon = min(u.withCoupon+with, maxVolume)
	u.withoutCoupon = min(u.withoutCoupon+req.MB-with, maxVolume)
	l.log[d] = u
	return usageResult{ServiceCode: l.code, Date: d.String(), WithCoupon: with, WithoutCoupon: req.MB - with,
		CouponRemaining: l.contract.remaining(), Regulation: l.regulated(today)}, nil
}

// LineUsage shows one line's (or every line's) packet-log window.
func (s *memStore) LineUsage(serviceCode string) ([]lineUsage, error) {
	now := s.lock()
	defer s.mu.Unlock()
	today := dayOf(now)
	out := []lineUsage{}
	for _, hdd := range s.st.contractOrder() {
		c := s.st.contracts[hdd]
		for _, l := range c.lines {
			if serviceCode != "" && l.code != serviceCode {
				continue
			}
			out = append(out, lineUsage{ServiceCode: l.code, HddServiceCode: c.hdd, MioID: c.owner,
				CouponUse: l.couponUse, Regulation: l.regulated(today), ForceRegulation: l.forceRegulation,
				CouponRemaining: c.remaining(), PacketLog: l.window(today)})
		}
	}
	if serviceCode != "" && len(out) == 0 {
		return nil, notFoundf("unknown line %q", serviceCode)
	}
	return out, nil
}

// SetRegulation forces throttling on or lets the usage rule decide.
func (s *memStore) SetRegulation(serviceCode string, forced bool) error {
	s.lock()
	defer s.mu.Unlock()
	l, ok := s.st.lines[serviceCode]
	if !ok {
		return notFoundf("unknown line %q", serviceCode)
	}
	l.forceRegulation = forced
	return nil
}

// AddCoupon adds volume to a contract's pool (a topup purchase, or a bundle
// grant) and returns the coupon as it now stands.
func (s *memStore) AddCoupon(hdd string, c Coupon) (Coupon, error) {
	s.lock()
	defer s.mu.Unlock()
	cs, ok := s.st.contracts[hdd]
	if !ok {
		return Coupon{}, notFoundf("unknown contract %q", hdd)
	}
	var m month
	switch {
	case c.Expire != "":
		var ok bool
		if m, ok = parseMonth(c.Expire); !ok {
			return Coupon{}, badRequestf("expire: want YYYYMM, got %q", c.Expire)
		}
	case c.Type == couponTopup:
		m = s.st.month + 3 // see parseCouponRequest
	default:
		m = s.st.month + 1
	}
	if m < s.st.month {
		return Coupon{}, badRequestf("expire: %s is before the current month %s", c.Expire, s.st.month)
	}
	if last := lastMonth(c.Type, s.st.month); m > last {
		return Coupon{}, badRequestf("expire: a %s coupon of %s expires in %s at the latest, got %s", c.Type, s.st.month, last, c.Expire)
	}
	cs.addCoupon(couponState{typ: c.Type, expire: m, volume: c.Volume})
	for _, cp := range cs.coupons {
		if cp.typ == c.Type && cp.expire == m {
			return Coupon{Volume: cp.volume, Expire: cp.expire.String(), Type: cp.typ}, nil
		}
	}
	return c, nil
}
