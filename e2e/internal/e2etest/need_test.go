package e2etest

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
)

// fakeTB records how Need stopped a test. Fatalf and Skip do not stop the
// goroutine here, so Need's return is observable.
type fakeTB struct {
	testing.TB
	fatal, skip string
}

func (f *fakeTB) Helper()                        {}
func (f *fakeTB) Fatalf(format string, a ...any) { f.fatal = format }
func (f *fakeTB) Skip(a ...any)                  { f.skip = "skipped" }

func TestNeed(t *testing.T) {
	missing := errors.New("no such file")
	for _, c := range []struct {
		name, ci         string
		err              error
		wantFail, wantSk bool
	}{
		{"should fail in CI when the tool is missing", "true", missing, true, false},
		{"should fail with CI=1 too", "1", missing, true, false},
		{"should skip on a developer machine when the tool is missing", "", missing, false, true},
		{"should skip when CI is false", "false", missing, false, true},
		{"should do nothing when the tool is there, in CI", "true", nil, false, false},
		{"should do nothing when the tool is there, elsewhere", "", nil, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("CI", c.ci)
			f := &fakeTB{}
			Need(f, "chromium", c.err)
			assert.Equal(t, c.wantFail, f.fatal != "", "failed")
			assert.Equal(t, c.wantSk, f.skip != "", "skipped")
		})
	}
}
