package mixi

import (
	"bufio"
	"errors"
	"io"
	"slices"
	"strconv"
)

// GenerateOptions size a generated fixture (cmd/mixigen, benchmarks).
type GenerateOptions struct {
	Users       int
	Friendships int
	// Seed makes the output reproducible: the same options give the same
	// bytes.
	Seed uint64
}

// Generated fixtures use the default fixture's first app, so the documented
// consumer key and secret work against them too.
const (
	genAppID     = "13579"
	genAppName   = "ギフトブーケ"
	genAppKey    = "3f5c2a9e1b7d4c6a8e0f"
	genAppSecret = "8d2e7b1c9a4f6e3d0b5a7c2e9f1d4b6a8c3e5f70"
	// GenFirstID is the first generated user id; user GenFirstID is the hub,
	// friends with a tenth of all friendships, for paging benchmarks.
	GenFirstID = 10000001
)

// splitmix64 is a small deterministic generator: its sequence is fixed by
// the seed alone, so a generated document is the same on every Go version.
type splitmix64 uint64

func (s *splitmix64) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (s *splitmix64) intn(n int) int { return int(s.next() % uint64(n)) }

// Generate writes a valid fixture document with o.Users users and exactly
// o.Friendships distinct friendships: the hub (GenFirstID) has
// min(Users-1, Friendships/10) friends, the rest are random pairs. Every
// other user installed the app; the hub did.
func Generate(w io.Writer, o GenerateOptions) error {
	n, e := o.Users, o.Friendships
	if n < 1 || e < 0 {
		return errors.New("mixigen: want at least one user and no negative friendship count")
	}
	if uint64(e) > uint64(n)*uint64(n-1)/2 {
		return errors.New("mixigen: more friendships than pairs of users")
	}
	rng := splitmix64(o.Seed)
	higher := make([][]int32, n) // higher[a]: friends b > a
	seen := make(map[uint64]struct{}, e)
	add := func(a, b int) bool {
		if a == b {
			return false
		}
		if a > b {
			a, b = b, a
		}
		k := uint64(a)<<32 | uint64(b)
		if _, dup := seen[k]; dup {
			return false
		}
		seen[k] = struct{}{}
		higher[a] = append(higher[a], int32(b))
		return true
	}
	hub := min(n-1, e/10)
	for b := 1; b <= hub; b++ {
		add(0, b)
	}
	for len(seen) < e {
		add(rng.intn(n), rng.intn(n))
	}
	seen = nil

	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(`{"apps":[{"id":"` + genAppID + `","name":"` + genAppName + `","consumerKey":"` + genAppKey +
		`","consumerSecret":"` + genAppSecret + `","callbackHosts":["localhost","127.0.0.1"]}],` + "\n" + `"users":[` + "\n")
	var buf []byte
	for i := 0; i < n; i++ {
		buf = buf[:0]
		if i > 0 {
			buf = append(buf, ",\n"...)
		}
		id := strconv.AppendInt(nil, int64(GenFirstID+i), 10)
		buf = append(buf, `{"id":"`...)
		buf = append(buf, id...)
		buf = append(buf, `","nickname":"ユーザー`...)
		buf = append(buf, id...)
		buf = append(buf, '"')
		if i%2 == 0 {
			buf = append(buf, `,"apps":["`+genAppID+`"]`...)
		}
		buf = append(buf, '}')
		bw.Write(buf)
	}
	bw.WriteString("\n],\n" + `"friendships":[` + "\n")
	first := true
	for a := 0; a < n; a++ {
		fs := higher[a]
		if len(fs) == 0 {
			continue
		}
		slices.Sort(fs)
		buf = buf[:0]
		if !first {
			buf = append(buf, ",\n"...)
		}
		first = false
		buf = append(buf, '"')
		buf = strconv.AppendInt(buf, int64(GenFirstID+a), 10)
		buf = append(buf, ':')
		for j, b := range fs {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = strconv.AppendInt(buf, int64(GenFirstID)+int64(b), 10)
		}
		buf = append(buf, '"')
		bw.Write(buf)
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}
