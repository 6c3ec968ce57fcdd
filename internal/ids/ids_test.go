package ids

import (
	"regexp"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSeededIsDeterministic(t *testing.T) {
	a, b := Seeded(42), Seeded(42)
	assert.Equal(t, a.Hex(16), b.Hex(16))
	assert.Equal(t, a.UUID(), b.UUID())
	assert.NotEqual(t, Seeded(1).Hex(16), Seeded(2).Hex(16), "should differ across seeds")
}

// TestSeededStreamIsPinned keeps -seed runs reproducible across changes to
// how the source draws: these are the values the first implementation gave.
func TestSeededStreamIsPinned(t *testing.T) {
	s := Seeded(42)
	assert.Equal(t, "eea0057bb1831e72", s.Hex(8))
	assert.Equal(t, "e0f1c6825c3507768a6d36765340e3ad58a47307", s.Hex(20))
	assert.Equal(t, "8iCfkhcTf9iwUKH5FI67z-iBahgDggKSn0NdaXbASvw", s.Token(32))
	assert.Equal(t, "7135123209", s.Digits(10))
	assert.Equal(t, "8c75592a-ed23-4b2a-870f-aba777e67cb7", s.UUID())
	var b [5]byte
	_, _ = s.Read(b[:])
	assert.Equal(t, []byte{0xf2, 0x73, 0xca, 0xdc, 0x81}, b[:])
}

func TestLargeSizes(t *testing.T) {
	for name, s := range map[string]Source{"crypto": New(), "seeded": Seeded(7)} {
		assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{200}$`), s.Hex(100), name)
		assert.Regexp(t, regexp.MustCompile(`^[A-Za-z0-9_-]{134}$`), s.Token(100), name)
		assert.Regexp(t, regexp.MustCompile(`^[A-Za-z0-9_-]{86}$`), s.Token(64), name)
	}
}

func TestShapes(t *testing.T) {
	for name, s := range map[string]Source{"crypto": New(), "seeded": Seeded(7)} {
		t.Run(name, func(t *testing.T) {
			assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{32}$`), s.Hex(16))
			assert.Regexp(t, regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`), s.Token(32))
			assert.Regexp(t, regexp.MustCompile(`^[0-9]{10}$`), s.Digits(10))
			assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`), s.UUID())
		})
	}
}

func TestConcurrentUseGivesDistinctValues(t *testing.T) {
	s := Seeded(3)
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				v := s.Hex(16)
				mu.Lock()
				seen[v] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	assert.Len(t, seen, 1600)
}
