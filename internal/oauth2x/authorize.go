package oauth2x

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/go-oauth2/oauth2/v4"
	oerrors "github.com/go-oauth2/oauth2/v4/errors"
	"github.com/go-oauth2/oauth2/v4/server"
)

// AuthRequest is an authorization request that passed ValidateAuthorize.
type AuthRequest struct {
	ClientID            string
	RedirectURI         string
	ResponseType        string
	State               string
	Scope               string
	CodeChallenge       string
	CodeChallengeMethod string
}

// Reason tells why a request failed the checks that decide whether a
// redirect is safe: the client and its redirect URI (docs/oauth.md,
// "Authorization request"). Only ReasonNone may redirect.
type Reason int

// Reasons for an error page instead of a redirect.
const (
	ReasonNone Reason = iota
	ReasonNoClientID
	ReasonUnknownClient
	ReasonNoRedirectURI
	ReasonBadRedirectURI
)

// AuthError is a failed authorization request. With Reason set the caller
// shows an error page and never redirects; otherwise it redirects the
// error to Request.RedirectURI with RedirectError.
type AuthError struct {
	Reason      Reason
	Code        string
	Description string
	Request     AuthRequest
}

func (e *AuthError) Error() string { return e.Code + ": " + e.Description }

// Redirectable reports whether the error may be sent to the redirect URI.
func (e *AuthError) Redirectable() bool { return e.Reason == ReasonNone }

// DescAccessDenied describes a refused consent, for RedirectError.
// Redirected authorization errors are described in short English
// (docs/oauth.md, "Authorization request").
const DescAccessDenied = "The user denied the request"

// Descriptions of the errors ValidateAuthorize finds.
const (
	descNoResponseType          = `Missing parameter: "response_type" is required`
	descUnsupportedResponseType = `The response type "%s" is not supported`
	descDuplicate               = `Parameter "%s" was given more than once`
	descBadChallenge            = "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]"
	descBadChallengeMethod      = `code_challenge_method must be "S256" or "plain"`
	descMethodWithoutChallenge  = "code_challenge_method was given without code_challenge"
)

// ValidateAuthorize runs the checks of docs/oauth.md, "Authorization
// request", in order, before go-oauth2 sees the request: go-oauth2 would
// redirect an unknown client's errors to any URI, call a missing
// response_type unsupported and a disallowed one unauthorized_client.
func (s *Server) ValidateAuthorize(q url.Values) (AuthRequest, *AuthError) {
	page := func(r Reason, code, desc string) (AuthRequest, *AuthError) {
		return AuthRequest{}, &AuthError{Reason: r, Code: code, Description: desc}
	}
	ids := q["client_id"]
	if len(ids) != 1 || ids[0] == "" {
		return page(ReasonNoClientID, ErrInvalidRequest, `Missing parameter: "client_id" is required exactly once`)
	}
	c, ok := s.cfg.Clients(ids[0])
	if !ok {
		return page(ReasonUnknownClient, ErrInvalidClient, "The client id supplied is invalid")
	}
	uris := q["redirect_uri"]
	if len(uris) != 1 || uris[0] == "" {
		return page(ReasonNoRedirectURI, ErrInvalidRequest, `Missing parameter: "redirect_uri" is required exactly once`)
	}
	if !redirectMatches(c.RedirectURIs, uris[0], s.cfg.LoopbackAnyPort) {
		return page(ReasonBadRedirectURI, ErrInvalidRequest, "The redirect URI provided does not match the one registered")
	}

	req := AuthRequest{
		ClientID: c.ID, RedirectURI: uris[0], ResponseType: q.Get("response_type"), State: q.Get("state"),
		Scope: q.Get("scope"), CodeChallenge: q.Get("code_challenge"), CodeChallengeMethod: q.Get("code_challenge_method"),
	}
	fail := func(code, desc string) (AuthRequest, *AuthError) {
		return req, &AuthError{Code: code, Description: desc, Request: req}
	}
	for _, k := range []string{"response_type", "state", "scope", "code_challenge", "code_challenge_method"} {
		if len(q[k]) > 1 {
			return fail(ErrInvalidRequest, fmt.Sprintf(descDuplicate, k))
		}
	}
	switch {
	case req.ResponseType == "":
		return fail(ErrInvalidRequest, descNoResponseType)
	case !slices.Contains(s.cfg.ResponseTypes, req.ResponseType):
		return fail(errUnsupportedResponseType, fmt.Sprintf(descUnsupportedResponseType, req.ResponseType))
	}
	switch {
	case req.CodeChallenge == "" && req.CodeChallengeMethod != "":
		return fail(ErrInvalidRequest, descMethodWithoutChallenge)
	case req.CodeChallenge == "":
	case !validChallenge(req.CodeChallenge):
		return fail(ErrInvalidRequest, descBadChallenge)
	case req.CodeChallengeMethod == "":
		req.CodeChallengeMethod = string(oauth2.CodeChallengePlain) // RFC 7636 §4.3 default
	case req.CodeChallengeMethod != string(oauth2.CodeChallengePlain) && req.CodeChallengeMethod != string(oauth2.CodeChallengeS256):
		return fail(ErrInvalidRequest, descBadChallengeMethod)
	}
	return req, nil
}

// validChallenge checks RFC 7636 §4.2: 43–128 unreserved characters.
func validChallenge(c string) bool {
	if len(c) < 43 || len(c) > 128 {
		return false
	}
	for i := 0; i < len(c); i++ {
		b := c[i]
		if !(b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '.' || b == '_' || b == '~') {
			return false
		}
	}
	return true
}

// redirectURL builds the redirect for req carrying params in the query: the
// registered URI's own query is kept, values are form-encoded, and state is
// added when the request had one (docs/oauth.md, "Redirects").
func redirectURL(req AuthRequest, params url.Values) (string, error) {
	u, err := url.Parse(req.RedirectURI)
	if err != nil {
		return "", err
	}
	p := url.Values{}
	for k, v := range params {
		p[k] = slices.Clone(v)
	}
	if req.State != "" {
		p.Set("state", req.State)
	}
	q := u.Query()
	for k, v := range p {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// RedirectError sends an authorization error to req's (validated) redirect
// URI: 302, never 307, and no caching (docs/oauth.md, "Redirects").
func (s *Server) RedirectError(w http.ResponseWriter, req AuthRequest, code, desc string) error {
	p := url.Values{"error": {code}}
	if desc != "" {
		p.Set("error_description", desc)
	}
	loc, err := redirectURL(req, p)
	if err != nil {
		return err
	}
	redirect(w, loc)
	return nil
}

func redirect(w http.ResponseWriter, loc string) {
	h := w.Header()
	h.Set("Location", loc)
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusFound)
}

type userKey struct{}

// userFromContext is go-oauth2's UserAuthorizationHandler: the user the
// provider's login and consent pages established. The default answers
// access_denied to everyone.
func userFromContext(_ http.ResponseWriter, r *http.Request) (string, error) {
	if u, _ := r.Context().Value(userKey{}).(string); u != "" {
		return u, nil
	}
	return "", oerrors.ErrAccessDenied
}

// ErrNoRedirect is returned by IssueCode when go-oauth2 failed on the client
// or redirect URI (an app deleted mid-flow): nothing was written, and the
// caller shows its error page.
var ErrNoRedirect = errors.New("oauth2x: refusing to redirect to an unvalidated URI")

// IssueCode mints a code for a validated, consented request through
// go-oauth2's HandleAuthorizeRequest, which answers 302 to
// redirect_uri?code=…&state=… (docs/oauth.md, "Redirects").
func (s *Server) IssueCode(w http.ResponseWriter, r *http.Request, req AuthRequest, userID string) error {
	ctx := context.WithValue(r.Context(), userKey{}, userID)
	r2, err := http.NewRequestWithContext(ctx, http.MethodGet, "/?"+authForm(req).Encode(), nil)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	return s.srv.HandleAuthorizeRequest(w, r2)
}

func authForm(req AuthRequest) url.Values {
	v := url.Values{
		"client_id":     {req.ClientID},
		"redirect_uri":  {req.RedirectURI},
		"response_type": {req.ResponseType},
	}
	for k, x := range map[string]string{
		"state": req.State, "scope": req.Scope,
		"code_challenge": req.CodeChallenge, "code_challenge_method": req.CodeChallengeMethod,
	} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

// preRedirectError is go-oauth2's PreRedirectErrorHandler, the second guard
// against redirecting to an unvalidated URI: errors about the client or
// the redirect URI are never redirected,
// nor is anything whose URI is not registered; other errors go to the
// validated URI as RedirectError would send them.
func (s *Server) preRedirectError(w http.ResponseWriter, req *server.AuthorizeRequest, err error) error {
	if req == nil || errors.Is(err, oerrors.ErrInvalidClient) || errors.Is(err, oerrors.ErrInvalidRedirectURI) {
		return errors.Join(ErrNoRedirect, err)
	}
	c, ok := s.cfg.Clients(req.ClientID)
	if !ok || !redirectMatches(c.RedirectURIs, req.RedirectURI, s.cfg.LoopbackAnyPort) {
		return errors.Join(ErrNoRedirect, err)
	}
	code, _ := s.errorCode(err)
	desc := ""
	if code == ErrAccessDenied {
		desc = DescAccessDenied
	}
	ar := AuthRequest{ClientID: req.ClientID, RedirectURI: req.RedirectURI, ResponseType: string(req.ResponseType), State: req.State}
	return s.RedirectError(w, ar, code, desc)
}
