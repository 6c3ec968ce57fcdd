// Package e2etest holds what the browser and interop suites share: the rule
// for a missing external tool (skip loudly on a developer machine, fail in
// CI) and a runner for the built fakeapi binary.
package e2etest

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Install is the command that installs every tool the suites need.
const Install = "sudo bash scripts/ci-deps.sh"

// InCI reports whether the tests run in CI: CI=true (or 1), as CI services
// and the project's .ci/run set it.
func InCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

// Need stops the test when a tool it needs is missing (err != nil). In CI
// the test fails, so a missing install step can never pass as a silent skip;
// elsewhere it is skipped with a banner saying how to install the tool.
func Need(t testing.TB, tool string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if InCI() {
		t.Fatalf("%s is missing and CI=true, so this is a failure, not a skip: %v\n(install it with %s)", tool, err, Install)
		return
	}
	banner := strings.Repeat("!", 78)
	msg := fmt.Sprintf("%s\n!!! SKIPPED: %s is not available: %v\n!!! Install it with: %s\n!!! (With CI=true this test fails instead of skipping.)\n%s",
		banner, tool, err, Install, banner)
	t.Skip(msg)
}
