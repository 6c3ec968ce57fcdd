package mixi

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fakeapi/fakeapi/internal/fixture"
)

// buildFriendships parses the lines into CSR adjacency in two passes over
// the edges, without a map of pairs.
func (d *dataset) buildFriendships(lines []string) error {
	n := len(d.users)
	deg := make([]int32, n+1)
	var edges []int32 // pairs a, b
	for i, line := range lines {
		head, rest, ok := strings.Cut(line, ":")
		a, found := d.lineUser(head)
		if !ok || !found {
			if !ok {
				return fixture.Errorf(fmt.Sprintf("friendships[%d]", i), `want "id:id,id,…", got %q`, clip(line))
			}
			return fixture.Errorf(fmt.Sprintf("friendships[%d]", i), "unknown user %q", strings.TrimSpace(head))
		}
		for rest != "" {
			var tok string
			tok, rest, _ = strings.Cut(rest, ",")
			b, found := d.lineUser(tok)
			if !found {
				return fixture.Errorf(fmt.Sprintf("friendships[%d]", i), "unknown user %q", strings.TrimSpace(tok))
			}
			if a == b {
				return fixture.Errorf(fmt.Sprintf("friendships[%d]", i), "user %s cannot be their own friend", d.formatID(a))
			}
			edges = append(edges, a, b)
			deg[a]++
			deg[b]++
		}
	}
	d.adjOff = make([]int32, n+1)
	for u := 0; u < n; u++ {
		d.adjOff[u+1] = d.adjOff[u] + deg[u]
	}
	d.adj = make([]int32, len(edges))
	fill := slices.Clone(d.adjOff[:n])
	for k := 0; k < len(edges); k += 2 {
		a, b := edges[k], edges[k+1]
		d.adj[fill[a]] = b
		fill[a]++
		d.adj[fill[b]] = a
		fill[b]++
	}
	for u := int32(0); int(u) < n; u++ {
		fs := d.friends(u)
		slices.Sort(fs)
		for j := 1; j < len(fs); j++ {
			if fs[j] == fs[j-1] {
				return d.duplicateFriendship(lines, u, fs[j])
			}
		}
	}
	return nil
}

func (d *dataset) lineUser(s string) (int32, bool) {
	n, ok := parseID(strings.TrimSpace(s))
	if !ok {
		return 0, false
	}
	u, ok := d.byNum[n]
	return u, ok
}

// duplicateFriendship finds the line that repeats the pair (only on this
// error path, so valid documents never pay for it).
func (d *dataset) duplicateFriendship(lines []string, a, b int32) error {
	seen := 0
	for i, line := range lines {
		head, rest, _ := strings.Cut(line, ":")
		x, _ := d.lineUser(head)
		for _, tok := range strings.Split(rest, ",") {
			y, _ := d.lineUser(tok)
			if (x == a && y == b) || (x == b && y == a) {
				seen++
				if seen == 2 {
					return fixture.Errorf(fmt.Sprintf("friendships[%d]", i), "duplicate friendship %s–%s", d.formatID(a), d.formatID(b))
				}
			}
		}
	}
	return fixture.Errorf("friendships", "duplicate friendship %s–%s", d.formatID(a), d.formatID(b))
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
