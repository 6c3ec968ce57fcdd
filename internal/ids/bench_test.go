package ids

import "testing"

// BenchmarkHex is the root's request id (8 bytes) when the caller sent none.
func BenchmarkHex(b *testing.B) {
	for name, s := range map[string]Source{"crypto": New(), "seeded": Seeded(1)} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = s.Hex(8)
			}
		})
	}
}
