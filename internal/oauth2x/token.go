package oauth2x

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"

	"github.com/go-oauth2/oauth2/v4"
	oerrors "github.com/go-oauth2/oauth2/v4/errors"

	"github.com/fakeapi/fakeapi/internal/httpx"
)

// queryForbidden are the parameters a token request must not carry in its
// URL, where they end up in logs and Referer headers (docs/oauth.md, "Token
// endpoint").
var queryForbidden = []string{"client_secret", "code", "password", "refresh_token"}

// HandleToken serves the token endpoint in front of go-oauth2's
// ValidationTokenRequest and GetAccessToken (docs/oauth.md, "Token
// endpoint", "Client authentication", "Codes"):
//
//	POST only → form body only, no duplicates, no URL-borne secrets
//	→ grant_type present and served (authorization_code; client_credentials
//	with a code when CodeViaClientCredentials)
//	→ client authentication, Basic (decoded, then raw) or form
//	→ the code checked, consumed and linked to its tokens under one lock
//	→ the provider's token bytes.
func (s *Server) HandleToken(w http.ResponseWriter, r *http.Request) {
	t, e := s.token(r)
	if e != nil {
		s.cfg.WriteError(w, r, e)
		return
	}
	s.cfg.WriteToken(w, r, t)
}

func (s *Server) token(r *http.Request) (Token, *Error) {
	form, e := s.tokenForm(r)
	if e != nil {
		return Token{}, e
	}
	switch gt := form.Get("grant_type"); {
	case gt == "":
		return Token{}, newError(http.StatusBadRequest, ErrInvalidRequest, s.msg.NoGrantType)
	case gt == string(oauth2.AuthorizationCode):
	case gt == string(oauth2.ClientCredentials) && s.cfg.CodeViaClientCredentials:
	default:
		return Token{}, newError(http.StatusBadRequest, errUnsupportedGrantType, fmt.Sprintf(s.msg.UnsupportedGrantType, gt))
	}
	cred, e := s.authenticate(r, form)
	if e != nil {
		return Token{}, e
	}
	code := form.Get("code")
	if code == "" {
		return Token{}, newError(http.StatusBadRequest, ErrInvalidRequest, s.msg.NoCode)
	}
	return s.exchange(r, form, cred, code)
}

// tokenForm reads the parameters from the body only: go-oauth2 would also
// take them from the query.
func (s *Server) tokenForm(r *http.Request) (url.Values, *Error) {
	if r.Method != http.MethodPost {
		return nil, newError(http.StatusMethodNotAllowed, ErrInvalidRequest, s.msg.MethodNotPost).with("Allow", http.MethodPost)
	}
	// A missing Content-Type is read as a form (docs/oauth.md, "Token
	// endpoint").
	if mt := httpx.MediaType(r); mt != "" && mt != formType {
		return nil, newError(http.StatusBadRequest, ErrInvalidRequest, s.msg.ContentType)
	}
	body, err := httpx.ReadBody(r)
	if err != nil {
		if httpx.IsTooLarge(err) {
			return nil, newError(http.StatusRequestEntityTooLarge, ErrInvalidRequest, s.msg.BodyTooLarge)
		}
		return nil, newError(http.StatusBadRequest, ErrInvalidRequest, s.msg.MalformedBody)
	}
	form, err := ParseForm(string(body))
	if err != nil {
		return nil, newError(http.StatusBadRequest, ErrInvalidRequest, s.msg.MalformedBody)
	}
	if r.URL.RawQuery != "" {
		q := r.URL.Query()
		for _, k := range queryForbidden {
			if q.Has(k) {
				return nil, newError(http.StatusBadRequest, ErrInvalidRequest, s.msg.CredentialsInQuery)
			}
		}
	}
	if k := duplicated(form); k != "" {
		return nil, newError(http.StatusBadRequest, ErrInvalidRequest, fmt.Sprintf(s.msg.DuplicateParam, k))
	}
	return form, nil
}

const formType = "application/x-www-form-urlencoded"

// ParseForm parses an application/x-www-form-urlencoded body with
// url.ParseQuery, which refuses ';' separators and bad escapes rather than
// guessing.
func ParseForm(body string) (url.Values, error) {
	return url.ParseQuery(body)
}

// duplicated returns the first parameter (in sorted order) given more than
// once, or "".
func duplicated(v url.Values) string {
	var dup []string
	for k, vs := range v {
		if len(vs) > 1 {
			dup = append(dup, k)
		}
	}
	if len(dup) == 0 {
		return ""
	}
	return slices.Min(dup)
}

// credential is an authenticated client.
type credential struct {
	id, secret string
	basic      bool
}

// credentials finds the client credentials, one mechanism per request.
// go-oauth2's ClientBasicHandler neither URL-decodes Basic values
// (RFC 6749 §2.3.1; golang.org/x/oauth2 sends url.QueryEscape'd id and
// secret) nor accepts the form. Decoded values are used when they name a client whose
// secret matches, the raw ones otherwise (docs/oauth.md, "Client
// authentication").
func (s *Server) credentials(r *http.Request, form url.Values) (credential, *Error) {
	user, pass, basic := r.BasicAuth()
	if !basic {
		id := form.Get("client_id")
		if id == "" {
			return credential{}, newError(http.StatusUnauthorized, ErrInvalidClient, s.msg.NoClientCredentials)
		}
		return credential{id: id, secret: form.Get("client_secret")}, nil
	}
	if form.Has("client_secret") {
		return credential{}, newError(http.StatusBadRequest, ErrInvalidRequest, s.msg.TwoAuthMethods)
	}
	c := credential{id: user, secret: pass, basic: true}
	if du, err := url.QueryUnescape(user); err == nil {
		if dp, err := url.QueryUnescape(pass); err == nil {
			if cl, ok := s.cfg.Clients(du); ok && verifySecret(cl, dp) {
				c.id, c.secret = du, dp
			}
		}
	}
	// requests-oauthlib also sends client_id in the body; equal is fine.
	if id := form.Get("client_id"); form.Has("client_id") && id != c.id && id != user {
		return credential{}, s.invalidClient(true)
	}
	return c, nil
}

// authenticate checks the credentials before any code is looked at, so a
// failed attempt never consumes a code: golang.org/x/oauth2's auto-detect
// retries with form credentials after a Basic failure (docs/oauth.md,
// "Codes").
func (s *Server) authenticate(r *http.Request, form url.Values) (credential, *Error) {
	c, e := s.credentials(r, form)
	if e != nil {
		return c, e
	}
	cl, ok := s.cfg.Clients(c.id)
	if !ok || !verifySecret(cl, c.secret) {
		return c, s.invalidClient(c.basic)
	}
	return c, nil
}

func (s *Server) invalidClient(basic bool) *Error {
	e := newError(http.StatusUnauthorized, ErrInvalidClient, s.msg.InvalidClient)
	if basic {
		realm := s.cfg.Realm
		if realm == "" {
			realm = "Service"
		}
		e.with("WWW-Authenticate", `Basic realm="`+realm+`"`)
	}
	return e
}

// exchangeKey carries an *exchangeCtx through go-oauth2 during an exchange.
type exchangeKey struct{}

// exchangeCtx is what HandleToken established before go-oauth2 runs: the
// authenticated client, and the client and redirect URI of the code.
type exchangeCtx struct {
	cred  credential
	bound bound
}

// authenticatedClient is go-oauth2's ClientInfoHandler: the credentials
// HandleToken authenticated. go-oauth2's token path is reached only through
// exchange.
func authenticatedClient(r *http.Request) (string, string, error) {
	x, ok := r.Context().Value(exchangeKey{}).(*exchangeCtx)
	if !ok {
		return "", "", oerrors.ErrInvalidClient
	}
	return x.cred.id, x.cred.secret, nil
}

// exchange checks the code, lets go-oauth2 consume it and mint the token,
// and links the token to the code, all under exchMu: of N concurrent
// exchanges exactly one wins, and a replay finds the tokens to revoke when
// RevokeOnCodeReplay asks for it (docs/oauth.md, "Codes").
func (s *Server) exchange(r *http.Request, form url.Values, cred credential, code string) (Token, *Error) {
	s.exchMu.Lock()
	defer s.exchMu.Unlock()

	ci := s.store.inspect(code)
	switch {
	case ci.state == codeSpent && ci.clientID == cred.id && s.revokeOnReplay():
		// Replay by the owner, with the option on: RFC 6749 §4.1.2 "SHOULD
		// revoke all tokens previously issued based on that authorization
		// code". A stranger presenting it revokes nothing.
		for _, a := range s.store.issuedFrom(code) {
			_ = s.mgr.RemoveAccessToken(r.Context(), a)
		}
		return Token{}, newError(http.StatusBadRequest, errInvalidGrant, s.msg.InvalidCode)
	case ci.state == codeUnknown, ci.state == codeSpent, ci.clientID != cred.id:
		return Token{}, newError(http.StatusBadRequest, errInvalidGrant, s.msg.InvalidCode)
	case ci.state == codeExpired:
		return Token{}, newError(http.StatusBadRequest, errInvalidGrant, s.msg.ExpiredCode)
	}
	switch sent := form.Get("redirect_uri"); {
	case form.Has("redirect_uri") && sent != ci.redirectURI:
		return Token{}, newError(http.StatusBadRequest, errInvalidGrant, s.msg.RedirectMismatch)
	case !form.Has("redirect_uri") && s.cfg.RequireRedirectURI:
		return Token{}, newError(http.StatusBadRequest, ErrInvalidRequest, s.msg.NoRedirectURI)
	}

	// What go-oauth2 reads: the body only, the grant rewritten to
	// authorization_code, and redirect_uri taken from the code when absent,
	// since go-oauth2 requires it. go-oauth2 only reads the values, so they
	// are shared with form.
	pf := maps.Clone(form)
	pf["grant_type"] = []string{string(oauth2.AuthorizationCode)}
	pf["redirect_uri"] = []string{ci.redirectURI}
	ctx := context.WithValue(r.Context(), exchangeKey{}, &exchangeCtx{
		cred: cred, bound: bound{clientID: cred.id, redirectURI: ci.redirectURI},
	})
	r2 := r.Clone(ctx)
	r2.URL.RawQuery = ""
	r2.Form, r2.PostForm = pf, pf

	gt, tgr, err := s.srv.ValidationTokenRequest(r2)
	if err != nil {
		return Token{}, s.managerError(err, ci, form)
	}
	ti, err := s.srv.GetAccessToken(ctx, gt, tgr)
	if err != nil {
		return Token{}, s.managerError(err, ci, form)
	}
	s.store.link(code, ti.GetAccess())
	t, ok := s.store.Access(ti.GetAccess())
	if !ok {
		return Token{}, newError(http.StatusInternalServerError, ErrServerError, s.msg.ServerError)
	}
	return t, nil
}

// revokeOnReplay reports whether a replay by the code's own client revokes
// the tokens the code produced (Config.RevokeOnCodeReplay).
func (s *Server) revokeOnReplay() bool {
	return s.cfg.RevokeOnCodeReplay != nil && s.cfg.RevokeOnCodeReplay()
}

// managerError turns what go-oauth2 returned after our checks into a token
// error. What remains possible there is a PKCE failure (the Manager checks
// it after consuming the code) and faults.
func (s *Server) managerError(err error, ci codeInfo, form url.Values) *Error {
	code, status := s.errorCode(err)
	switch {
	case code == errInvalidGrant && (ci.codeChallenge != "" || form.Has("code_verifier")):
		return newError(status, code, s.msg.PKCE)
	case code == errInvalidGrant:
		return newError(status, code, s.msg.InvalidCode)
	case code == ErrInvalidClient:
		return s.invalidClient(false)
	case status >= 500:
		s.cfg.Log.Error("oauth2x: token exchange", "err", err)
		return newError(http.StatusInternalServerError, ErrServerError, s.msg.ServerError)
	}
	return newError(status, code, s.msg.ServerError)
}

// bound is the client and redirect URI of the code being exchanged.
type bound struct{ clientID, redirectURI string }

// exchangeClients lets the redirect URI a code was issued for count as
// registered while that code is exchanged: a pending code stays bound to
// its URI when the app's redirect URL is edited (docs/oauth.md, "Codes"),
// and go-oauth2 re-validates the token request's redirect_uri against the
// registration.
type exchangeClients struct{ clientStore }

func (ec exchangeClients) GetByID(ctx context.Context, id string) (oauth2.ClientInfo, error) {
	ci, err := ec.clientStore.GetByID(ctx, id)
	x, ok := ctx.Value(exchangeKey{}).(*exchangeCtx)
	if ci == nil || err != nil || !ok || x.bound.clientID != id || x.bound.redirectURI == "" {
		return ci, err
	}
	c := ci.(clientInfo)
	if slices.Contains(c.RedirectURIs, x.bound.redirectURI) {
		return ci, nil
	}
	c.RedirectURIs = append(slices.Clip(c.RedirectURIs), x.bound.redirectURI)
	return c, nil
}
