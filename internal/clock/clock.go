// Package clock is the one source of time for provider code.
//
// Providers receive a Clock and never call time.Now themselves, so tests can
// expire tokens, roll days over and move OAuth 1.0 timestamp windows without
// waiting. The emulator always runs a Controlled clock: it follows wall time
// until a test advances, sets or freezes it, and it never goes backwards,
// because go-oauth2 checks some expiries against the wall clock itself
// (docs/oauth.md) and a clock behind the wall would let those fire first.
// It also stays between Min and Max: every date the providers print, store
// and export is then a valid RFC 3339 time with a four-digit year, and no
// offset can overflow.
package clock

import (
	"errors"
	"sync"
	"time"
)

// Clock tells the current time.
type Clock interface {
	Now() time.Time
}

// Real is the wall clock.
type Real struct{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// ErrBackwards is returned when a caller tries to move a Controlled clock back.
var ErrBackwards = errors.New("the emulator clock only moves forward")

// The range a Controlled clock can be moved within.
var (
	Min = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	Max = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// ErrOutOfRange is returned when a move would take the clock outside Min
// and Max.
var ErrOutOfRange = errors.New("the emulator clock stays between 2000-01-01T00:00:00Z and 2200-01-01T00:00:00Z")

// Controlled is wall time plus an offset, or a frozen instant.
type Controlled struct {
	wall func() time.Time

	mu     sync.Mutex // guards offset, frozen and at
	offset time.Duration
	frozen bool
	at     time.Time // the frozen instant, when frozen
}

// NewControlled returns a clock that follows wall (time.Now when nil).
func NewControlled(wall func() time.Time) *Controlled {
	if wall == nil {
		wall = time.Now
	}
	return &Controlled{wall: wall}
}

// Now returns the emulator's current time.
func (c *Controlled) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *Controlled) nowLocked() time.Time {
	if c.frozen {
		return c.at
	}
	return c.wall().Add(c.offset)
}

// Advance moves the clock forward by d and returns the new time. A move
// past Max changes nothing and returns ErrOutOfRange.
func (c *Controlled) Advance(d time.Duration) (time.Time, error) {
	if d < 0 {
		return time.Time{}, ErrBackwards
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// A Duration spans at most 292 years, so now+d cannot overflow a
	// time.Time from inside the range.
	target := c.nowLocked().Add(d)
	if target.After(Max) {
		return time.Time{}, ErrOutOfRange
	}
	c.moveLocked(target)
	return target, nil
}

// moveLocked shows t from now on, frozen or running.
func (c *Controlled) moveLocked(t time.Time) {
	if c.frozen {
		c.at = t
		return
	}
	c.offset = t.Sub(c.wall())
}

// Set jumps to t, which must not be before the current time.
func (c *Controlled) Set(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.Before(Min) || t.After(Max) {
		return ErrOutOfRange
	}
	if t.Before(c.nowLocked()) {
		return ErrBackwards
	}
	c.moveLocked(t)
	return nil
}

// Freeze stops the clock at its current time (true) or lets it run on from
// there (false). Unfreezing keeps the time it showed, so it never jumps back.
func (c *Controlled) Freeze(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if on == c.frozen {
		return
	}
	now := c.nowLocked()
	c.frozen = on
	if on {
		c.at = now
		return
	}
	c.offset = now.Sub(c.wall())
}

// Frozen reports whether the clock is stopped.
func (c *Controlled) Frozen() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.frozen
}

// Offset is how far the clock runs ahead of wall time.
func (c *Controlled) Offset() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked().Sub(c.wall())
}
