package mixi

import (
	"bytes"
	"html"
	"net/url"
	"strings"

	xhtml "golang.org/x/net/html"
)

// rewriter keeps an app's pages inside the gateway (docs/providers/mixi.md,
// "Links and forms in app pages"): a reference to the app's server becomes
// the gateway path that fetches it, a link to http://ma.mixi.net/{appId}/…
// the local gateway of that app, and invite:friends the gateway's own flow.
// Everything else (other sites, mailto:, tel:, fragments) is left alone.
type rewriter struct {
	sap   *url.URL // the app's SAP URL
	dir   string   // the escaped path of its directory, ending in "/"
	page  *url.URL // the SAP URL of the page at hand: relative references resolve against it
	mount string   // the app's local gateway path, such as /mixi/ma/13579
	// mountOf is the local gateway path of any app, for links to
	// http://ma.mixi.net/{appId}/.
	mountOf func(appID string) string
}

func newRewriter(sap, page *url.URL, mount string, mountOf func(string) string) *rewriter {
	return &rewriter{sap: sap, dir: sapDir(sap), page: page, mount: mount, mountOf: mountOf}
}

// sapDir is the escaped directory of the SAP URL: "/app/" for
// http://h/app/index.php, "/" for http://h.
func sapDir(sap *url.URL) string {
	p := sap.EscapedPath()
	return p[:strings.LastIndexByte(p, '/')+1]
}

// ref rewrites one reference as written in a page (already
// entity-decoded); ok is false when it stays as it is.
func (rw *rewriter) ref(s string) (string, bool) {
	t := strings.TrimSpace(s)
	switch {
	case t == "" || strings.HasPrefix(t, "#"):
		return "", false
	case hasSchemeFold(t, "invite:"):
		// The gateway's own flow, with a relative callback made absolute
		// against this page, where the phone would have resolved it.
		return rw.mount + "/" + rw.inviteRef(t), true
	case strings.HasPrefix(t, "?") && hasURLParam(t[1:]):
		// "?guid=ON&url=<escaped SAP URL>": the link form of mixi mobile
		// apps, relative to the gateway's top page.
		return rw.mount + "/" + t, true
	}
	u, err := url.Parse(t)
	if err != nil || (u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https") {
		return "", false
	}
	return rw.local(rw.page.ResolveReference(u))
}

// local is the gateway path of an absolute URL: one on the SAP's origin,
// or on http://ma.mixi.net/{appId}/.
func (rw *rewriter) local(abs *url.URL) (string, bool) {
	frag := ""
	if abs.Fragment != "" {
		frag = "#" + abs.EscapedFragment()
	}
	query := ""
	if abs.RawQuery != "" {
		query = "?" + abs.RawQuery
	}
	if strings.EqualFold(abs.Hostname(), gatewayHostName) && abs.User == nil {
		app, rest, _ := strings.Cut(strings.TrimPrefix(abs.EscapedPath(), "/"), "/")
		if _, ok := parseID(app); ok {
			return rw.mountOf(app) + "/" + rest + query + frag, true
		}
		return "", false
	}
	if !sameOrigin(abs, rw.sap) || abs.User != nil {
		return "", false
	}
	if rest, ok := strings.CutPrefix(abs.EscapedPath(), rw.dir); ok {
		return rw.mount + "/" + rest + query + frag, true
	}
	// On the SAP's host but outside its directory: the ?url= form.
	whole := *abs
	whole.Fragment, whole.RawFragment = "", ""
	return rw.mount + "/?url=" + url.QueryEscape(whole.String()) + frag, true
}

// inviteRef is an invite: reference with a relative callback resolved
// against the page; the rest of it stays byte for byte.
func (rw *rewriter) inviteRef(t string) string {
	head, query, ok := strings.Cut(t, "?")
	if !ok {
		return t
	}
	parts := strings.Split(query, "&")
	for i, p := range parts {
		name, value, _ := strings.Cut(p, "=")
		if name != "callback" {
			continue
		}
		cb, err := url.QueryUnescape(value)
		if err != nil {
			return t
		}
		u, err := url.Parse(cb)
		if err != nil || u.IsAbs() {
			return t
		}
		parts[i] = "callback=" + url.QueryEscape(rw.page.ResolveReference(u).String())
	}
	return head + "?" + strings.Join(parts, "&")
}

// location rewrites a redirect's Location, resolved against the page.
func (rw *rewriter) location(loc string) string {
	if v, ok := rw.ref(loc); ok {
		return v
	}
	return loc
}

// urlAttrs are the attributes holding a reference, by element.
var urlAttrs = map[string]string{
	"a": "href", "area": "href", "link": "href", "base": "href",
	"form": "action",
	"img":  "src", "input": "src", "script": "src", "iframe": "src", "frame": "src",
}

// html rewrites the references of a page. Only the value of a rewritten
// attribute changes; every other byte (the XML declaration, a Shift_JIS
// text, comments, scripts) is copied as it came.
func (rw *rewriter) html(page []byte) []byte {
	z := xhtml.NewTokenizer(bytes.NewReader(page))
	var out bytes.Buffer
	out.Grow(len(page) + len(page)/8)
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			break // io.EOF: every byte was a token's
		}
		raw := bytes.Clone(z.Raw()) // TagName may change Raw's bytes
		if tt != xhtml.StartTagToken && tt != xhtml.SelfClosingTagToken {
			out.Write(raw)
			continue
		}
		name, _ := z.TagName()
		attr, ok := urlAttrs[string(name)]
		if !ok {
			out.Write(raw)
			continue
		}
		out.Write(rw.tag(raw, string(name), attr))
	}
	return out.Bytes()
}

// tag rewrites the named attribute of one raw start tag.
func (rw *rewriter) tag(raw []byte, name, attr string) []byte {
	for _, a := range scanAttrs(raw) {
		if !strings.EqualFold(string(raw[a.nameLo:a.nameHi]), attr) || !a.hasValue {
			continue
		}
		v := html.UnescapeString(string(raw[a.valLo:a.valHi]))
		next, ok := rw.ref(v)
		if name == "base" {
			// Later references resolve against the base, as a browser's do.
			if u, err := url.Parse(strings.TrimSpace(v)); err == nil {
				rw.page = rw.page.ResolveReference(u)
			}
		}
		if !ok {
			return raw
		}
		lo, hi := a.valLo, a.valHi
		if a.quote != 0 {
			if hi >= len(raw) || raw[hi] != a.quote {
				return raw // an unclosed quote: leave the tag as it came
			}
			lo, hi = lo-1, hi+1 // the quotes too: the new value is written in double quotes
		}
		var b bytes.Buffer
		b.Write(raw[:lo])
		b.WriteByte('"')
		b.WriteString(html.EscapeString(next))
		b.WriteByte('"')
		b.Write(raw[hi:])
		return b.Bytes()
	}
	return raw
}

// attrSpan locates one attribute in a raw tag.
type attrSpan struct {
	nameLo, nameHi int
	valLo, valHi   int
	quote          byte // '"', '\'' or 0 when unquoted
	hasValue       bool
}

// scanAttrs finds the attributes of a raw start tag the HTML tokenizer
// delimited, by the tokenizer's own rules: names end at space, "/", "=" or
// ">"; values are quoted or run to space or ">".
func scanAttrs(t []byte) []attrSpan {
	var out []attrSpan
	i := 1
	for i < len(t) && !isTagSpace(t[i]) && t[i] != '/' && t[i] != '>' {
		i++
	}
	for i < len(t) {
		for i < len(t) && (isTagSpace(t[i]) || t[i] == '/') {
			i++
		}
		if i >= len(t) || t[i] == '>' {
			break
		}
		a := attrSpan{nameLo: i}
		i++ // a name may start with "="
		for i < len(t) && !isTagSpace(t[i]) && t[i] != '/' && t[i] != '=' && t[i] != '>' {
			i++
		}
		a.nameHi = i
		j := i
		for j < len(t) && isTagSpace(t[j]) {
			j++
		}
		if j < len(t) && t[j] == '=' {
			j++
			for j < len(t) && isTagSpace(t[j]) {
				j++
			}
			a.hasValue = true
			if j < len(t) && (t[j] == '"' || t[j] == '\'') {
				a.quote = t[j]
				end := bytes.IndexByte(t[j+1:], a.quote)
				if end < 0 {
					end = len(t) - j - 1
				}
				a.valLo, a.valHi = j+1, j+1+end
				i = min(a.valHi+1, len(t))
			} else {
				a.valLo = j
				for j < len(t) && !isTagSpace(t[j]) && t[j] != '>' {
					j++
				}
				a.valHi, i = j, j
			}
		}
		out = append(out, a)
	}
	return out
}

func isTagSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// hasSchemeFold reports whether s starts with scheme, in any case.
func hasSchemeFold(s, scheme string) bool {
	return len(s) >= len(scheme) && strings.EqualFold(s[:len(scheme)], scheme)
}

// hasURLParam reports whether a raw query has a "url" parameter.
func hasURLParam(q string) bool {
	for p := range strings.SplitSeq(q, "&") {
		if name, _, _ := strings.Cut(p, "="); name == "url" {
			return true
		}
	}
	return false
}

// sameOrigin compares scheme, host (any case) and port, the default port
// of the scheme equal to none.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) &&
		effectivePort(a) == effectivePort(b)
}

func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}
