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
