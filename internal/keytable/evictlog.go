package keytable

import (
	"fmt"
	"log/slog"
	"time"
)

// EvictionLogInterval is the least time between two lines of an
// EvictionLog, on the clock its caller passes.
const EvictionLogInterval = time.Minute

// EvictionLog tells the user that a capped table is evicting, without a
// line per entry under a flood: the first eviction is logged at once,
// later ones are counted and logged at most once per EvictionLogInterval,
// with the count since the previous line. The count waits for the next
// call to Add after the interval, which the store makes whenever it issues
// an entry, so evictions are logged once each as long as traffic goes on.
//
// An EvictionLog is not safe for concurrent use: it lives inside a store
// that guards it with its own mutex. A nil *EvictionLog logs nothing.
type EvictionLog struct {
	log    *slog.Logger
	prefix string // "kii"
	what   string // "tokens (cap 100000 per app, -max-tokens)"

	pending int       // evicted since the last line
	last    time.Time // of the last line
	logged  bool      // a line was written
}

// NewEvictionLog returns an EvictionLog writing warnings to log as
// "<prefix>: evicted <n> oldest <what>", for example prefix "kii" and what
// "tokens (cap 100000 per app, -max-tokens)". A nil log discards them.
func NewEvictionLog(log *slog.Logger, prefix, what string) *EvictionLog {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &EvictionLog{log: log, prefix: prefix, what: what}
}

// Add counts n more evicted entries at now (usually a table's TakeEvicted,
// 0 included, so a count that waits is written once its interval is over)
// and logs the count when a line is due.
func (l *EvictionLog) Add(n int, now time.Time) {
	if l == nil {
		return
	}
	l.pending += max(n, 0)
	if l.pending == 0 {
		return
	}
	if l.logged && now.Sub(l.last) < EvictionLogInterval && !now.Before(l.last) {
		return
	}
	l.log.Warn(fmt.Sprintf("%s: evicted %d oldest %s", l.prefix, l.pending, l.what),
		"provider", l.prefix, "evicted", l.pending)
	l.pending, l.last, l.logged = 0, now, true
}
