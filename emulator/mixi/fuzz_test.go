package mixi

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fakeapi/fakeapi/internal/fixture"
)

func FuzzParseFields(f *testing.F) {
	for _, s := range []string{"birthday,gender", "", ",,", "@all", "userHash, nickname", "a!b", strings.Repeat("x,", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fields, ok := parseFields(s)
		if !ok {
			return
		}
		for _, name := range fields {
			if name == "" || len(name) > 64 || strings.ContainsAny(name, ", ") {
				t.Fatalf("parseFields(%q) gave %q", s, name)
			}
		}
		_ = wantFields(fields)
		if keys, err := appdataKeys(fields); err == nil {
			for _, k := range keys {
				if !keyPattern.MatchString(k) {
					t.Fatalf("appdataKeys let %q through", k)
				}
			}
		}
	})
}

func FuzzParseCountAndStartIndex(f *testing.F) {
	for _, s := range []string{"20", "0", "1000", "1001", "-1", "", "1e3", "０", "007", "99999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, ok := parseCount(s); ok {
			if n < 0 || n > maxCount {
				t.Fatalf("count %q → %d", s, n)
			}
			if want, err := strconv.Atoi(s); err != nil || want != n {
				t.Fatalf("count %q → %d, Atoi %d %v", s, n, want, err)
			}
		}
		if n, ok := parseStartIndex(s); ok && (n < 0 || n > maxStart) {
			t.Fatalf("startIndex %q → %d", s, n)
		}
		lp, err := parseList(url.Values{"count": {s}, "startIndex": {s}})
		if err == nil {
			lo, hi := lp.pg.window(50)
			if lo < 0 || hi < lo || hi > 50 {
				t.Fatalf("window %d..%d", lo, hi)
			}
		}
	})
}

func FuzzParseRequestIDs(f *testing.F) {
	for _, s := range []string{"abc", "a,b", "", ",", "a,,b", "4f1c2b3a5d6e7f8091a2b3c4", strings.Repeat("a,", 101)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ids, ok := parseRequestIDs(s)
		if !ok {
			return
		}
		if len(ids) == 0 || len(ids) > 100 || strings.Join(ids, ",") != s {
			t.Fatalf("parseRequestIDs(%q) = %q", s, ids)
		}
	})
}

// FuzzDecodeAppDataBody: whatever a client sends, the answer is mixi's own
// error or a map that keeps every appdata rule.
func FuzzDecodeAppDataBody(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{}`, `null`, `[]`, `{"a":1}`, `{"a":"b"} x`, `{"1":"x"}`, `{"a":"\u3042"}`, `{"a":"b","a":"c"}`,
		` { "a" : "b" , "c":"" } `, `{"a":"b",}`, `{"a":"b"}}`, `{"a" "b"}`, "{\"a\":\"\x01\"}", `{"a":"b"`, `{"a":"\ud800"}`,
		`{"a":null}`, `{"a":5,"a":"c"}`, `{"1":1e999}`, `{"a":{"b":"c"}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := decodeAppDataBody(body)
		if err != nil {
			if _, ok := err.(*apiError); !ok {
				t.Fatalf("error %T is not an apiError", err)
			}
			return
		}
		if len(m) >= maxKeys {
			t.Fatalf("%d keys accepted", len(m))
		}
		if !utf8.Valid(body) {
			t.Fatalf("invalid UTF-8 accepted: %q", body)
		}
		for k, v := range m {
			if !keyPattern.MatchString(k) || len(v) > maxValueBytes || !utf8.ValidString(v) {
				t.Fatalf("accepted %q: %d bytes", k, len(v))
			}
		}
	})
}

func FuzzResolveGuid(f *testing.F) {
	for _, s := range []string{"@me", "%40me", "mixi.jp:123", "123", "0123", "mixi.jp:", "%zz", "@viewer", "1234567890123456789"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := resolveGuid(s, "1000001")
		if !ok {
			return
		}
		if _, valid := parseID(id); !valid {
			t.Fatalf("resolveGuid(%q) = %q", s, id)
		}
	})
}

// FuzzInviteParams drives the validation of the invite form: whatever is
// accepted lists only friends and pre-selects only listed ones.
func FuzzInviteParams(f *testing.F) {
	f.Add("花束", "http://x.jp/a.gif,image/gif", "both", "1000002,1000003", "", "", "http://mixi.jp/run_appli.pl?id=1")
	f.Add("", ",image/", "joined", "mixi.jp:1000002", "1000002", "1000003", "ftp://x")
	f.Add("m", "", "not_joined", "", "1,2", "x", "")
	f.Fuzz(func(t *testing.T, message, image, filter, recipients, targets, excludes, link string) {
		cands := []candidate{{ID: "1000002", HasApp: true}, {ID: "1000003"}, {ID: "1000004", HasApp: true}}
		form := url.Values{"message": {message}, "image": {image}, "filter_type": {filter}, "recipients": {recipients},
			"target_users": {targets}, "exclude_users": {excludes}, "url": {link}}
		txn, ok := buildInvite(form, cands)
		if !ok {
			return
		}
		if message == "" || !utf8.ValidString(message) || utf8.RuneCountInString(message) > maxMessageRunes {
			t.Fatalf("accepted message %q", message)
		}
		for _, c := range txn.Candidates {
			if c.ID != "1000002" && c.ID != "1000003" && c.ID != "1000004" {
				t.Fatalf("listed %q", c.ID)
			}
		}
		for _, p := range txn.Preselected {
			found := false
			for _, c := range txn.Candidates {
				found = found || c.ID == p
			}
			if !found {
				t.Fatalf("pre-selected %q is not listed", p)
			}
		}
	})
}

func FuzzValidCallback(f *testing.F) {
	for _, s := range []string{"http://app.example.jp/x?a=1", "https://APP.example.jp:8443/", "javascript:alert(1)", "//app.example.jp/", "http://app.example.jp@evil/", "http://evil/?app.example.jp"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, ok := validCallback(raw, []string{"app.example.jp"})
		if !ok {
			return
		}
		if strings.ToLower(u.Hostname()) != "app.example.jp" || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil {
			t.Fatalf("accepted %q", raw)
		}
	})
}

// FuzzFixture loads arbitrary documents: an error or a dataset, never a
// panic.
func FuzzFixture(f *testing.F) {
	f.Add([]byte(testFixture))
	f.Add([]byte(`{"apps":[],"users":[{"id":"1","nickname":"a"},{"id":"2","nickname":"b"}],"friendships":["1:2","2:1"]}`))
	f.Add([]byte(`{"apps":[],"users":[{"id":"1","nickname":"a"}],"friendships":["1:"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fx, err := fixture.Load[Fixtures]("f.json", data)
		if err != nil {
			return
		}
		d := fx.built
		for u := range d.users {
			fs := d.friends(int32(u))
			for i, v := range fs {
				if !d.isFriend(v, int32(u)) || (i > 0 && fs[i-1] >= v) {
					t.Fatalf("adjacency of %d is not sorted and symmetric: %v", u, fs)
				}
			}
		}
		_ = newLive(d)
	})
}
