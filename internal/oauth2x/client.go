package oauth2x

import (
	"context"
	"crypto/subtle"
	"slices"
	"strconv"
	"strings"

	"github.com/go-oauth2/oauth2/v4"
	oerrors "github.com/go-oauth2/oauth2/v4/errors"
)

// Client is a registered OAuth client as its provider describes it.
type Client struct {
	ID     string
	Secret string
	// RedirectURIs are the registered strings; a redirect_uri must equal one
	// of them byte for byte (with Config.LoopbackAnyPort, loopback ports
	// aside: see redirectMatches).
	RedirectURIs []string
}

// ClientLookup finds a client by id; ok is false for an unknown id. It is
// called on every authorize and token request, so it must be cheap and safe
// for concurrent use.
type ClientLookup func(id string) (c Client, ok bool)

// clientStore adapts a ClientLookup to go-oauth2's ClientStore.
type clientStore struct{ lookup ClientLookup }

var _ oauth2.ClientStore = clientStore{}

// GetByID returns (nil, nil) for an unknown id, which the Manager turns into
// ErrInvalidClient; an error here would become a 500 server_error
// (docs/oauth.md, "Client authentication").
func (cs clientStore) GetByID(_ context.Context, id string) (oauth2.ClientInfo, error) {
	c, ok := cs.lookup(id)
	if !ok {
		return nil, nil
	}
	return clientInfo(c), nil
}

// clientInfo is what go-oauth2 sees of a Client.
type clientInfo Client

var (
	_ oauth2.ClientInfo             = clientInfo{}
	_ oauth2.ClientPasswordVerifier = clientInfo{}
)

func (c clientInfo) GetID() string     { return c.ID }
func (c clientInfo) GetSecret() string { return c.Secret }
func (c clientInfo) IsPublic() bool    { return false }
func (c clientInfo) GetUserID() string { return "" }

// GetDomain carries every registered URI, newline-separated (a newline cannot
// occur in a URI), because go-oauth2's ValidateURIHandler receives only this
// string (docs/oauth.md, "Redirect URIs"). With one registered URI it is exactly that URI, which is also
// what go-oauth2 falls back to when a request has no redirect_uri (ours never
// reach that: the pre-checks require one).
func (c clientInfo) GetDomain() string { return strings.Join(c.RedirectURIs, "\n") }

// VerifyPassword compares in constant time and never accepts an empty
// registered secret; go-oauth2's fallback uses != and lets a client with an
// empty secret pass with any secret (docs/oauth.md, "Client
// authentication").
func (c clientInfo) VerifyPassword(secret string) bool {
	return verifySecret(Client(c), secret)
}

func verifySecret(c Client, secret string) bool {
	if c.Secret == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) == 1
}

// validateURI replaces go-oauth2's DefaultValidateURI, a host-suffix match
// that lets evilapp.example.com pass for app.example.com and ignores scheme
// and path (docs/oauth.md, "Redirect URIs").
func (s *Server) validateURI(registered, redirectURI string) error {
	if redirectMatches(strings.Split(registered, "\n"), redirectURI, s.cfg.LoopbackAnyPort) {
		return nil
	}
	return oerrors.ErrInvalidRedirectURI
}

// redirectMatches reports whether got equals one registered URI byte for
// byte: no normalisation of case, trailing slash, default port or query
// order. With anyPort, and only then, RFC 8252 §7.3's exception applies: a
// registered http://127.0.0.1[:port]/… or http://[::1][:port]/… also
// matches a request that differs only in a valid port, 1 to 65535 written
// without leading zeros (docs/oauth.md, "Redirect URIs").
func redirectMatches(registered []string, got string, anyPort bool) bool {
	if got == "" {
		return false
	}
	if slices.Contains(registered, got) {
		return true
	}
	if !anyPort {
		return false
	}
	gp, grest, gLoop := splitLoopback(got)
	if !gLoop {
		return false
	}
	for _, want := range registered {
		if wp, wrest, ok := splitLoopback(want); ok && wp == gp && wrest == grest {
			return true
		}
	}
	return false
}

// splitLoopback splits a loopback redirect URI into its scheme+host and the
// part after the port, dropping the port; ok is false for anything else,
// including a port no server can listen on (0, over 65535, leading zeros).
func splitLoopback(u string) (hostPart, rest string, ok bool) {
	for _, p := range [...]string{"http://127.0.0.1", "http://[::1]"} {
		if !strings.HasPrefix(u, p) {
			continue
		}
		rest = u[len(p):]
		if strings.HasPrefix(rest, ":") {
			i := 1
			for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
				i++
			}
			if !validPort(rest[1:i]) {
				return "", "", false
			}
			rest = rest[i:]
		}
		// "http://127.0.0.1.evil.example/" must not count as loopback.
		if rest != "" && rest[0] != '/' && rest[0] != '?' && rest[0] != '#' {
			return "", "", false
		}
		return p, rest, true
	}
	return "", "", false
}

// validPort accepts the decimal ports 1 to 65535 without leading zeros.
func validPort(d string) bool {
	if d == "" || len(d) > 5 || d[0] == '0' {
		return false
	}
	n, err := strconv.Atoi(d)
	return err == nil && n >= 1 && n <= 65535
}
