package assist

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/oauth2x"
)

// caller is the authenticated API client of a request.
type caller struct {
	shop     string
	clientID string
}

type callerKey struct{}

func callerFrom(r *http.Request) caller {
	c, _ := r.Context().Value(callerKey{}).(caller)
	return c
}

// requireToken guards the API in the order of docs/providers/assist.md,
// "Checks and errors": Bearer (RFC 6750, header only) → the app's IP
// allow-list → the optional throttle. A token
// counts only while its app exists and the shop's grant stands, so a
// revocation or an app deletion takes effect on the very next call, and
// only for its own shop: a request that names another shop by host or
// directory is refused as for an unknown token (servesShop).
func requireToken(log *slog.Logger, st Store, tokens *oauth2x.TokenStore, cfg Config, th *throttle) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tok, problem := oauth2x.BearerToken(r)
			switch problem {
			case oauth2x.BearerMissing:
				writeError(log, w, r, (&apiError{status: http.StatusUnauthorized, code: oauth2x.ErrInvalidRequest, desc: msgNoToken}).
					with("WWW-Authenticate", oauth2x.BearerChallenge(realm, "", "")))
				return
			case oauth2x.BearerMalformed:
				writeError(log, w, r, (&apiError{status: http.StatusBadRequest, code: oauth2x.ErrInvalidRequest, desc: msgMalformedAuth}).
					with("WWW-Authenticate", oauth2x.BearerChallenge(realm, oauth2x.ErrInvalidRequest, msgMalformedAuth)))
				return
			}
			t, ok := tokens.Access(tok)
			var app App
			if ok {
				app, ok = st.App(t.ClientID)
			}
			if ok {
				_, ok = st.Grant(t.ClientID)
			}
			if !ok || app.Shop != t.UserID || !servesShop(r, st, t.UserID) {
				writeError(log, w, r, (&apiError{status: http.StatusUnauthorized, code: "invalid_token", desc: msgInvalidToken}).
					with("WWW-Authenticate", oauth2x.BearerChallenge(realm, "invalid_token", msgInvalidToken)))
				return
			}
			if addr, known := httpx.ClientAddr(r, cfg.TrustProxy); !app.Allows(addr) {
				shown := addr.String()
				if !known {
					shown = "(unknown)"
				}
				writeError(log, w, r, &apiError{status: http.StatusForbidden, code: oauth2x.ErrAccessDenied, desc: fmt.Sprintf(msgIPNotAllowed, shown)})
				return
			}
			if cfg.with(st.Settings()).Throttle && !th.allow(tok) {
				writeError(log, w, r, statusError(http.StatusTooManyRequests))
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, caller{shop: t.UserID, clientID: t.ClientID})))
		})
	}
}

// throttle allows one request per second per access token, 楽楽リピート's
// documented limit (docs/providers/assist.md, "Configuration").
type throttle struct {
	clk  clock.Clock
	mu   sync.Mutex // guards last
	last map[string]time.Time
}

func newThrottle(clk clock.Clock) *throttle {
	return &throttle{clk: clk, last: map[string]time.Time{}}
}

func (t *throttle) allow(token string) bool {
	now := t.clk.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if last, ok := t.last[token]; ok && now.Sub(last) < time.Second {
		return false
	}
	if len(t.last) > 100_000 {
		clear(t.last)
	}
	t.last[token] = now
	return true
}
