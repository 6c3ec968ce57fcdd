// Package ids mints every identifier, token, code and nonce the emulator hands
// out (style R9). With a seed the stream is deterministic, so golden files and
// logs of a run can be reproduced with -seed; without one it is crypto/rand.
package ids

import (
	crand "crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"math/rand/v2"
	"sync"

	"github.com/google/uuid"
)

// Source hands out random material. Every method is safe for concurrent use.
type Source interface {
	// Read fills p with random bytes (an io.Reader, for libraries that take one).
	Read(p []byte) (int, error)
	// Hex returns n random bytes as lower-case hex (2n characters).
	Hex(n int) string
	// Token returns n random bytes as unpadded base64url, safe in URLs and headers.
	Token(n int) string
	// Digits returns n random decimal digits.
	Digits(n int) string
	// UUID returns a version 4 UUID.
	UUID() string
}

// New returns a crypto/rand source.
func New() Source { return &source{r: crand.Reader.Read} }

// Seeded returns a deterministic source: the same seed gives the same stream.
// Not for security, only for reproducible test runs (-seed).
func Seeded(seed uint64) Source {
	var key [32]byte
	for i := range 4 {
		v := seed + uint64(i)*0x9e3779b97f4a7c15
		for j := range 8 {
			key[i*8+j] = byte(v >> (8 * j))
		}
	}
	s := &source{}
	cc := rand.NewChaCha8(key)
	s.r = func(p []byte) (int, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return cc.Read(p)
	}
	return s
}

type source struct {
	mu sync.Mutex // guards the seeded generator behind r
	r  func([]byte) (int, error)
}

func (s *source) Read(p []byte) (int, error) { return s.r(p) }

func (s *source) bytes(n int) []byte {
	b := make([]byte, n)
	if _, err := s.r(b); err != nil {
		// crypto/rand never fails on supported platforms (Go 1.24+ crashes instead),
		// and ChaCha8 cannot fail.
		panic("ids: random source failed: " + err.Error())
	}
	return b
}

func (s *source) Hex(n int) string   { return hex.EncodeToString(s.bytes(n)) }
func (s *source) Token(n int) string { return base64.RawURLEncoding.EncodeToString(s.bytes(n)) }

func (s *source) Digits(n int) string {
	b := s.bytes(n)
	for i := range b {
		// 256 is not a multiple of 10; the small bias is irrelevant for fake ids.
		b[i] = '0' + b[i]%10
	}
	return string(b)
}

func (s *source) UUID() string {
	u, err := uuid.NewRandomFromReader(readerFunc(s.r))
	if err != nil {
		panic("ids: random source failed: " + err.Error())
	}
	return u.String()
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
