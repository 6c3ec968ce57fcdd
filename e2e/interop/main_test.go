package interop_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/fakeapi/fakeapi/e2e/internal/e2etest"
)

// fakeapiBin is the binary under test: $FAKEAPI_BIN, or ./cmd/fakeapi built
// once for the package.
var fakeapiBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fakeapi-interop-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fakeapiBin, err = e2etest.Build(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// start runs the binary for one test (plain HTTP, or HTTPS with a
// self-signed certificate for every real host name).
func start(t *testing.T, tls bool) *e2etest.Fakeapi {
	t.Helper()
	return e2etest.Start(t, fakeapiBin, tls)
}
