// Package golden compares output with testdata/*.golden files,
// rewritten with `go test ./... -update`.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden files with the current output")

// Assert compares got with testdata/name.golden byte for byte.
func Assert(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file; run the test with -update to create it")
	assert.Equal(t, string(want), string(got), "output differs from %s (run with -update to accept)", path)
}
