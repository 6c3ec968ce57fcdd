package mixi

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// The hasApp lists, changed install by install, should always equal the
// friend lists filtered by the install bits, through the rewrites at the
// end of the shared array and the rebuilds that compact it.
func TestHasAppListsShouldFollowEveryInstallChange(t *testing.T) {
	t.Parallel()
	var doc bytes.Buffer
	require.NoError(t, Generate(&doc, GenerateOptions{Users: 300, Friendships: 3000, Seed: 7}))
	e := newEnvWith(t, doc.String())
	st := e.inst.State.(state).s
	d, lv := st.ds, st.lv
	rng := rand.New(rand.NewPCG(1, 2))
	rebuilds := 0
	for step := range 3000 {
		u := int32(rng.IntN(len(d.users)))
		before := len(lv.hasApp[0].ids)
		lv.setInstalled(d, 0, u, rng.IntN(2) == 0)
		if len(lv.hasApp[0].ids) < before {
			rebuilds++
		}
		for f := range int32(len(d.users)) {
			want := slices.DeleteFunc(slices.Clone(d.friends(f)), func(x int32) bool { return !hasBit(lv.installed[0], x) })
			if got := lv.hasApp[0].of(f); !slices.Equal(want, got) {
				t.Fatalf("step %d: user %d: hasApp %v, want %v", step, f, got, want)
			}
		}
	}
	require.Positive(t, rebuilds, "the lists were never compacted")
	require.LessOrEqual(t, len(lv.hasApp[0].ids), 2*lv.hasApp[0].live+1024)
}
