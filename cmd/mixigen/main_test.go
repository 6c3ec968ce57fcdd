package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/emulator/mixi"
	"github.com/fakeapi/fakeapi/internal/fixture"
)

func TestRunWritesALoadableFixture(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	require.NoError(t, run([]string{"-users", "500", "-friendships", "3000", "-seed", "7"}, &out, &errOut))
	f, err := fixture.Load[mixi.Fixtures]("mixi.json", out.Bytes())
	require.NoError(t, err)
	assert.Len(t, f.Users, 500)
	assert.Empty(t, errOut.String())
}

func TestRunRejectsBadFlags(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	assert.Error(t, run([]string{"-users", "x"}, &out, &errOut))
	assert.Error(t, run([]string{"-users", "3", "-friendships", "4"}, &out, &errOut), "only 3 pairs exist")
	assert.Error(t, run([]string{"extra"}, &out, &errOut))
}
