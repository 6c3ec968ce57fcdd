package keytable

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func logLines(buf *bytes.Buffer) []string {
	s := strings.TrimSpace(buf.String())
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// The first eviction is logged at once; a flood within the minute after it
// makes no line until the minute is over, and then one line with the whole
// count, written by the next Add even when that Add evicts nothing.
func TestEvictionLogShouldWriteOneLinePerMinuteWithTheCount(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := NewEvictionLog(slog.New(slog.NewTextHandler(&buf, nil)), "kii", "tokens (cap 3, -max-tokens)")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	l.Add(0, t0)
	assert.Empty(t, logLines(&buf), "nothing evicted, nothing logged")
	l.Add(1, t0)
	lines := logLines(&buf)
	if assert.Len(t, lines, 1) {
		assert.Contains(t, lines[0], `msg="kii: evicted 1 oldest tokens (cap 3, -max-tokens)"`)
		assert.Contains(t, lines[0], "level=WARN")
		assert.Contains(t, lines[0], "evicted=1")
	}
	for i := range 5000 {
		l.Add(1, t0.Add(time.Duration(i)*time.Millisecond))
	}
	assert.Len(t, logLines(&buf), 1, "a flood within the minute should add no line")
	l.Add(0, t0.Add(EvictionLogInterval))
	lines = logLines(&buf)
	if assert.Len(t, lines, 2) {
		assert.Contains(t, lines[1], `msg="kii: evicted 5000 oldest tokens (cap 3, -max-tokens)"`)
	}
	l.Add(0, t0.Add(3*EvictionLogInterval))
	assert.Len(t, logLines(&buf), 2, "nothing pending, nothing logged")
	l.Add(7, t0.Add(3*EvictionLogInterval))
	lines = logLines(&buf)
	if assert.Len(t, lines, 3) {
		assert.Contains(t, lines[2], "evicted 7 oldest tokens")
	}
}

func TestNilEvictionLogShouldLogNothing(t *testing.T) {
	t.Parallel()
	var l *EvictionLog
	assert.NotPanics(t, func() { l.Add(3, time.Now()) })
	assert.NotPanics(t, func() { NewEvictionLog(nil, "x", "y").Add(1, time.Now()) })
}
