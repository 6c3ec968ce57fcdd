package mixi

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/oauth1"
)

// productionBase is the real API origin: a client that signed the
// production URL and reached us through a proxy still verifies
// (docs/providers/mixi.md, "Authentication: 2-legged OAuth 1.0").
const productionBase = "http://api.mixi-platform.com"

// caller is who a verified request speaks for.
type caller struct {
	app    string // app id
	viewer string // bare user id from xoauth_requestor_id
}

type callerKey struct{}

func callerOf(r *http.Request) caller {
	c, _ := r.Context().Value(callerKey{}).(caller)
	return c
}

// authenticate is the OAuth 1.0 middleware every API route sits behind: it
// verifies the signature, then resolves xoauth_requestor_id, the viewer,
// who must exist (400) and have installed the app (403)
// (docs/providers/mixi.md, "Authentication: 2-legged OAuth 1.0").
func authenticate(log *slog.Logger, st Store, clk clock.Clock, maxParam int) func(http.Handler) http.Handler {
	v := &oauth1.Verifier{
		Clock:    clk,
		MaxParam: maxParam,
		Nonces:   st.Nonces(),
		Secret: func(key string) (string, bool) {
			app, ok := st.Consumer(key)
			return app.ConsumerSecret, ok
		},
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, err := httpx.ReadBody(r)
			if err != nil {
				writeError(log, w, r, err)
				return
			}
			res, err := v.Verify(oauth1.FromHTTP(r, body, baseURIs(r)...))
			if err != nil {
				writeError(log, w, r, err)
				return
			}
			app, ok := st.Consumer(res.ConsumerKey)
			if !ok { // removed by a state import since Verify
				writeError(log, w, r, &oauth1.Error{Problem: oauth1.ProblemConsumerKeyUnknown})
				return
			}
			// The mobile API takes plain ids; the mixi.jp: form is still
			// understood, as for {guid} [doc].
			viewer := strings.TrimPrefix(res.Get("xoauth_requestor_id"), guidPrefix)
			if _, ok := parseID(viewer); !ok {
				writeError(log, w, r, newErr(http.StatusBadRequest, reasonNoRequestor))
				return
			}
			if err := st.CheckViewer(app.ID, viewer); err != nil {
				writeError(log, w, r, err)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			ctx := context.WithValue(r.Context(), callerKey{}, caller{app: app.ID, viewer: viewer})
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// baseURIs are the URIs a client may have signed
// (docs/providers/mixi.md, "Authentication: 2-legged OAuth 1.0"):
// the path exactly as it came over the wire (RequestURI, which still holds
// the /mixi prefix), the mount base plus the escaped path, and the
// production URL.
func baseURIs(r *http.Request) []string {
	scheme, host := httpx.Scheme(r), r.Host
	var out []string
	add := func(u string) {
		for _, have := range out {
			if have == u {
				return
			}
		}
		out = append(out, u)
	}
	if r.RequestURI != "" && !strings.HasPrefix(r.RequestURI, "*") {
		wire, _, _ := strings.Cut(r.RequestURI, "?")
		if i := strings.Index(wire, "://"); i >= 0 { // absolute-form (a proxy request)
			if j := strings.IndexByte(wire[i+3:], '/'); j >= 0 {
				wire = wire[i+3+j:]
			} else {
				wire = "/"
			}
		}
		add(oauth1.BaseURI(scheme, host, wire))
	}
	add(oauth1.BaseURI(scheme, host, httpx.Base(r)+r.URL.EscapedPath()))
	add(productionBase + r.URL.EscapedPath())
	return out
}
