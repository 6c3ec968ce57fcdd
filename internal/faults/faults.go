// Package faults holds the failure rules of POST /_fakeapi/faults: answer a
// status in the provider's own error format, add latency, or drop the
// connection, for the next N matching requests or with a probability.
package faults

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/fakeapi/fakeapi/internal/ids"
)

// MaxLatency bounds injected latency so a typo cannot hang a test suite.
const MaxLatency = 60 * time.Second

// Rule is one fault. Zero values match everything and fire always.
type Rule struct {
	ID          string  `json:"id"`
	Provider    string  `json:"provider,omitempty"`
	Method      string  `json:"method,omitempty"`
	Path        string  `json:"path,omitempty"` // the provider's real path; '*' matches any run of characters
	Status      int     `json:"status,omitempty"`
	Latency     string  `json:"latency,omitempty"` // Go duration, "250ms"
	Drop        bool    `json:"drop,omitempty"`
	Times       int     `json:"times,omitempty"`       // fire for the next Times matches, then retire; 0 = no limit
	Probability float64 `json:"probability,omitempty"` // 0 < p <= 1; 0 means always
	Fired       int     `json:"fired"`

	latency time.Duration
}

// Action is what the matched rule asks for.
type Action struct {
	RuleID  string
	Status  int
	Latency time.Duration
	Drop    bool
}

// Validate checks a rule as posted and fills its parsed fields.
func (r *Rule) Validate() error {
	if r.Latency != "" {
		d, err := time.ParseDuration(r.Latency)
		if err != nil || d < 0 || d > MaxLatency {
			return fmt.Errorf("latency %q: want a Go duration between 0 and %s, like \"250ms\"", clip(r.Latency), MaxLatency)
		}
		r.latency = d
	}
	if r.Status != 0 && (r.Status < 400 || r.Status > 599) {
		return fmt.Errorf("status %d: want an error status from 400 to 599", r.Status)
	}
	if r.Status == 0 && !r.Drop && r.latency == 0 {
		return errors.New("a rule needs at least one of status, latency or drop")
	}
	if r.Status != 0 && r.Drop {
		return errors.New("a rule cannot both answer a status and drop the connection")
	}
	if r.Times < 0 {
		return errors.New("times must not be negative")
	}
	if r.Probability < 0 || r.Probability > 1 {
		return errors.New("probability must be between 0 and 1")
	}
	if r.Path != "" && !strings.HasPrefix(r.Path, "/") && !strings.HasPrefix(r.Path, "*") {
		return fmt.Errorf("path %q: want the provider's real path starting with /, without the /<provider> prefix", clip(r.Path))
	}
	r.Method = strings.ToUpper(r.Method)
	return nil
}

// Set is the live list of rules, first match wins.
type Set struct {
	ids ids.Source

	limit int

	mu    sync.Mutex // guards rules
	rules []Rule
}

// ErrFull is returned by Add when the set holds its limit of rules.
var ErrFull = errors.New("too many fault rules")

// NewSet returns an empty set of at most limit rules (at least 1), drawing
// ids and probabilities from src.
func NewSet(src ids.Source, limit int) *Set { return &Set{ids: src, limit: max(limit, 1)} }

// Limit is the most rules the set holds.
func (s *Set) Limit() int { return s.limit }

// Add validates r, gives it an id and appends it.
func (s *Set) Add(r Rule) (Rule, error) {
	if err := r.Validate(); err != nil {
		return Rule{}, err
	}
	r.ID = "fault-" + s.ids.Hex(4)
	r.Fired = 0
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.rules) >= s.limit {
		return Rule{}, ErrFull
	}
	s.rules = append(s.rules, r)
	return r, nil
}

// List returns a copy of the rules.
func (s *Set) List() []Rule {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Rule(nil), s.rules...)
}

// Delete removes one rule (id) or all (id == ""); it reports whether any went.
func (s *Set) Delete(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == "" {
		had := len(s.rules) > 0
		s.rules = nil
		return had
	}
	for i, r := range s.rules {
		if r.ID == id {
			s.rules = append(s.rules[:i], s.rules[i+1:]...)
			return true
		}
	}
	return false
}

// Match finds the first rule for the request and counts it. ok is false
// when no rule fires.
func (s *Set) Match(provider, method, path string) (Action, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.rules {
		r := &s.rules[i]
		if (r.Provider != "" && r.Provider != provider) ||
			(r.Method != "" && r.Method != method) ||
			(r.Path != "" && !Glob(r.Path, path)) {
			continue
		}
		if r.Probability > 0 && r.Probability < 1 && s.roll() >= r.Probability {
			continue
		}
		r.Fired++
		a := Action{RuleID: r.ID, Status: r.Status, Latency: r.latency, Drop: r.Drop}
		if r.Times > 0 && r.Fired >= r.Times {
			s.rules = append(s.rules[:i], s.rules[i+1:]...)
		}
		return a, true
	}
	return Action{}, false
}

// roll returns a number in [0, 1) from the id source, so -seed makes
// probabilistic faults reproducible.
func (s *Set) roll() float64 {
	var b [8]byte
	_, _ = s.ids.Read(b[:])
	return float64(binary.BigEndian.Uint64(b[:])>>11) / (1 << 53)
}

// Glob reports whether name matches pattern, where '*' matches any run of
// characters (slashes included) and everything else matches itself.
func Glob(pattern, name string) bool {
	for {
		star := strings.IndexByte(pattern, '*')
		if star < 0 {
			return pattern == name
		}
		if !strings.HasPrefix(name, pattern[:star]) {
			return false
		}
		name = name[star:]
		pattern = pattern[star+1:]
		if pattern == "" {
			return true
		}
		next := strings.IndexByte(pattern, '*')
		lit := pattern
		if next >= 0 {
			lit = pattern[:next]
		}
		if next < 0 {
			return strings.HasSuffix(name, lit)
		}
		i := strings.Index(name, lit)
		if i < 0 {
			return false
		}
		name = name[i+len(lit):]
		pattern = pattern[next:]
	}
}

// clip shortens a rule's value quoted in an error.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
