package iijmio

import (
	"sync"
	"time"

	"github.com/fakeapi/fakeapi/internal/clock"
)

// limitClass is one rate-limited endpoint; v1 and v2 share a class
// (docs/providers/iijmio.md, "Rate limits").
type limitClass uint8

const (
	limitCouponGet limitClass = iota // 5 / min
	limitCouponPut                   // 1 / min
	limitPacketGet                   // 5 / min
)

func (c limitClass) String() string {
	return [...]string{limitCouponGet: "coupon GET 5/min", limitCouponPut: "coupon PUT 1/min", limitPacketGet: "packet GET 5/min"}[c]
}

var limits = [...]int{limitCouponGet: 5, limitCouponPut: 1, limitPacketGet: 5}

// limitWindow is the sliding window.
const limitWindow = time.Minute

type limitKey struct {
	token string
	class limitClass
}

// limiter counts requests per access token in a sliding 60-second window.
type limiter struct {
	clk      clock.Clock
	disabled bool // Config.DisableRateLimits, for load tests

	mu   sync.Mutex // guards hits
	hits map[limitKey][]time.Time
}

func newLimiter(clk clock.Clock, disabled bool) *limiter {
	return &limiter{clk: clk, disabled: disabled, hits: map[limitKey][]time.Time{}}
}

// allow counts one request of class for token, or reports how many whole
// seconds remain until the oldest counted request leaves the window
// (Retry-After). A refused request is not counted, so a client
// that waits Retry-After always gets through.
func (l *limiter) allow(token string, class limitClass) (ok bool, retryAfter int) {
	if l.disabled {
		return true, 0
	}
	now := l.clk.Now()
	k := limitKey{token, class}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.hits) > maxLimitKeys {
		l.sweepLocked(now)
	}
	ts := l.hits[k]
	i := 0
	for i < len(ts) && !ts[i].After(now.Add(-limitWindow)) {
		i++
	}
	ts = ts[i:]
	if len(ts) >= limits[class] {
		l.hits[k] = ts
		wait := ts[0].Add(limitWindow).Sub(now)
		secs := int((wait + time.Second - 1) / time.Second)
		return false, max(secs, 1)
	}
	l.hits[k] = append(ts, now)
	return true, 0
}

// maxLimitKeys is when idle buckets are swept, bounding memory.
const maxLimitKeys = 10_000

func (l *limiter) sweepLocked(now time.Time) {
	for k, ts := range l.hits {
		if len(ts) == 0 || !ts[len(ts)-1].After(now.Add(-limitWindow)) {
			delete(l.hits, k)
		}
	}
}

// reset forgets every count (POST /_fakeapi/reset).
func (l *limiter) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hits = map[limitKey][]time.Time{}
}
