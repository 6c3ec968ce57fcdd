package mixi

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"
)

// Query parameters every API takes: format, count, startIndex, fields,
// filterBy (docs/providers/mixi.md, "Query parameters").
const (
	defaultCount = 20
	maxCount     = 1000
	maxStart     = 1 << 30
)

type format int

const (
	formatJSON format = iota
	formatAtom
)

// listParams are the common query parameters, validated.
type listParams struct {
	format     format
	pg         page
	fields     []string
	hasAppOnly bool
}

func parseList(q url.Values) (listParams, error) {
	lp := listParams{pg: page{start: 0, count: defaultCount}}
	switch q.Get("format") {
	case "", "json":
	case "atom":
		lp.format = formatAtom
	default:
		return lp, newErr(http.StatusBadRequest, reasonBadFormat)
	}
	var ok bool
	if v, has := first(q, "count"); has {
		if lp.pg.count, ok = parseCount(v); !ok {
			return lp, newErr(http.StatusBadRequest, reasonBadCount)
		}
	}
	if v, has := first(q, "startIndex"); has {
		if lp.pg.start, ok = parseStartIndex(v); !ok {
			return lp, newErr(http.StatusBadRequest, reasonBadStartIndex)
		}
	}
	switch q.Get("filterBy") {
	case "":
	case "hasApp": // the only filter mixi supports [doc]
		lp.hasAppOnly = true
	default:
		return lp, newErr(http.StatusBadRequest, reasonBadFilter)
	}
	if v, has := first(q, "fields"); has {
		if lp.fields, ok = parseFields(v); !ok {
			return lp, newErr(http.StatusBadRequest, reasonBadFields)
		}
	}
	return lp, nil
}

func first(q url.Values, name string) (string, bool) {
	v, ok := q[name]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// parseCount reads a page size: decimal 0–1000 [chosen].
func parseCount(s string) (int, bool) {
	n, ok := parseDecimal(s, maxCount)
	return n, ok
}

// parseStartIndex reads a 0-based OpenSearch start index [doc].
func parseStartIndex(s string) (int, bool) {
	return parseDecimal(s, maxStart)
}

// parseDecimal accepts only ASCII digits (no sign, no space) up to limit.
func parseDecimal(s string, limit int) (int, bool) {
	if s == "" || len(s) > 12 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n <= limit
}

// parseFields splits a comma list [doc: fields=birthday,gender]. Empty
// items are skipped; names are ASCII letters, digits, "_", ".", "-", "@"
// and "*", at most 64 of them.
func parseFields(s string) ([]string, bool) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if len(f) > 64 || len(out) == 200 {
			return nil, false
		}
		for i := 0; i < len(f); i++ {
			c := f[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.-@*", c) >= 0) {
				return nil, false
			}
		}
		out = append(out, f)
	}
	return out, true
}

// parseRequestIDs splits requestIds=a,b [doc]; every item must be a
// request id (letters, digits, "_" and "-"), at most 100 of them.
func parseRequestIDs(s string) ([]string, bool) {
	if s == "" {
		return nil, false
	}
	parts := strings.Split(s, ",")
	if len(parts) > 100 {
		return nil, false
	}
	for _, p := range parts {
		if p == "" || len(p) > 64 {
			return nil, false
		}
		for i := 0; i < len(p); i++ {
			c := p[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
				return nil, false
			}
		}
	}
	return parts, true
}

// resolveGuid turns a {guid} path segment into a bare user id: "@me",
// "@viewer" and "@owner" are the requestor (mobile has VIEWER = OWNER
// [doc]); "mixi.jp:<id>" and "<id>" are ids [doc]. The segment may arrive
// percent-encoded ("%40me"), as chi routes on the raw path.
func resolveGuid(seg, viewer string) (string, bool) {
	s, err := url.PathUnescape(seg)
	if err != nil {
		return "", false
	}
	switch s {
	case "@me", "@viewer", "@owner":
		return viewer, true
	}
	s = strings.TrimPrefix(s, guidPrefix)
	if _, ok := parseID(s); !ok {
		return "", false
	}
	return s, true
}

// segment unescapes a path segment such as "%40self".
func segment(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// ownerRequest reads what every OpenSocial call starts with: the caller, the
// list parameters and the owner guid (bare, "mixi.jp:"-prefixed or @me). It
// answers a failure itself; badGuid is the status an unknown guid gets (404
// for People, Albums and MediaItems, 400 for Persistence [doc]).
func ownerRequest(log *slog.Logger, w http.ResponseWriter, r *http.Request, badGuid int) (caller, listParams, string, bool) {
	c := callerOf(r)
	lp, err := parseList(r.URL.Query())
	if err != nil {
		writeError(log, w, r, err)
		return c, lp, "", false
	}
	guid, ok := resolveGuid(chi.URLParam(r, "guid"), c.viewer)
	if !ok {
		writeError(log, w, r, newErr(badGuid, reasonBadGuid))
		return c, lp, "", false
	}
	return c, lp, guid, true
}
