package faults

import (
	"testing"

	"github.com/fakeapi/fakeapi/internal/ids"
)

// BenchmarkMatch is the root's fault check of every provider request, with
// no rule (the usual case) and with one rule for another provider.
func BenchmarkMatch(b *testing.B) {
	b.Run("none", func(b *testing.B) {
		s := NewSet(ids.Seeded(1), 100)
		for b.Loop() {
			s.Match("iijmio", "GET", "/mobile/d/v1/coupon/")
		}
	})
	b.Run("other-provider", func(b *testing.B) {
		s := NewSet(ids.Seeded(1), 100)
		if _, err := s.Add(Rule{Provider: "kii", Status: 503}); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			s.Match("iijmio", "GET", "/mobile/d/v1/coupon/")
		}
	})
}
