package oauth2x

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/go-oauth2/oauth2/v4"
	oerrors "github.com/go-oauth2/oauth2/v4/errors"
	"github.com/go-oauth2/oauth2/v4/manage"
	"github.com/go-oauth2/oauth2/v4/server"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/ids"
)

// ResponseCode is the response type of the authorization code flow, the
// only one served: the implicit grant is not emulated (docs/oauth.md,
// "Redirects").
const ResponseCode = "code"

// codeTTL is the authorization code lifetime (docs/oauth.md, "Codes").
const codeTTL = 10 * time.Minute

// Config is what a provider decides. Clients, Store, Messages, WriteToken
// and WriteError are required; other zero values are the safe choice.
type Config struct {
	// Clock is not read: the Store judges expiry on the clock it was made
	// with.
	Clock   clock.Clock
	IDs     ids.Source
	Clients ClientLookup
	// Store holds codes and tokens (required); the provider keeps it for
	// Bearer lookups, revocation, export and import.
	Store *TokenStore
	Log   *slog.Logger

	// ResponseTypes the authorize endpoint accepts: ResponseCode, or none.
	ResponseTypes []string
	// AccessTTL is the access token lifetime; 0 means never. go-oauth2's
	// defaults fit no provider, and no refresh token is issued
	// (docs/oauth.md, "Expiry").
	AccessTTL time.Duration

	// NewCode and NewAccess mint values; by default 32 random bytes of IDs
	// as base64url. They must mint at most keytable.KeySize bytes.
	NewCode, NewAccess func() string

	// CodeViaClientCredentials treats grant_type=client_credentials with a
	// code as a code exchange (Assist's documented request; docs/oauth.md,
	// "Codes"); without a code such a request is refused, never answered
	// with an app token.
	CodeViaClientCredentials bool
	// LoopbackAnyPort lets a registered http://127.0.0.1 or http://[::1]
	// redirect URI match a request that differs only in a valid port
	// (RFC 8252 §7.3). Off, redirect URIs match byte for byte
	// (docs/oauth.md, "Redirect URIs").
	LoopbackAnyPort bool
	// RevokeOnCodeReplay, when it reports true, makes a used code presented
	// again by its own client revoke the access tokens it produced, as
	// RFC 6749 §4.1.2 says a server SHOULD and RFC 9700 §4.2.4 recommends.
	// It is asked at each replay, so a provider can follow settings that
	// change at run time. nil or false: the replay is invalid_grant and
	// the tokens stay (docs/oauth.md, "Codes").
	RevokeOnCodeReplay func() bool
	// RequireRedirectURI makes redirect_uri mandatory at the token endpoint
	// (RFC-strict); otherwise it is taken from the code when absent
	// (docs/oauth.md, "Codes").
	RequireRedirectURI bool
	// Realm names the Basic challenge sent with invalid_client after Basic.
	Realm string
	// Messages are the token endpoint's error_description texts.
	Messages *Messages

	// WriteToken writes a successful token response in the provider's exact
	// bytes, with RFC 6749 §5.1's cache headers.
	WriteToken func(w http.ResponseWriter, r *http.Request, t Token)
	// WriteError writes a token-endpoint error in the provider's bytes, with
	// e.Header and RFC 6749 §5.1's cache headers.
	WriteError func(w http.ResponseWriter, r *http.Request, e *Error)
}

// Server is the wrapped go-oauth2 server of one provider.
type Server struct {
	cfg   Config
	msg   Messages
	store *TokenStore
	mgr   *manage.Manager
	srv   *server.Server

	// exchMu serialises code exchanges (check, consume, link), so a code is
	// used once and a replay finds the tokens to revoke when
	// RevokeOnCodeReplay asks for it (docs/oauth.md, "Codes").
	exchMu sync.Mutex
}

// New builds the go-oauth2 Manager and Server with go-oauth2's unsafe
// defaults replaced (see the package documentation).
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	for _, f := range []*func() string{&cfg.NewCode, &cfg.NewAccess} {
		if *f == nil {
			src := cfg.IDs
			*f = func() string { return src.Token(32) }
		}
	}
	s := &Server{cfg: cfg, store: cfg.Store, msg: *cfg.Messages}

	mgr := manage.NewManager()
	mgr.MapClientStorage(exchangeClients{clientStore{cfg.Clients}})
	mgr.MapTokenStorage(cfg.Store)
	mgr.SetValidateURIHandler(s.validateURI)
	mgr.SetAuthorizeCodeExp(codeTTL)
	// go-oauth2's defaults are 2 h access + a 3-day refresh token for the
	// code grant; the provider states the lifetime, and no refresh token is
	// issued.
	mgr.SetAuthorizeCodeTokenCfg(&manage.Config{AccessTokenExp: cfg.AccessTTL})
	mgr.MapAuthorizeGenerate(codeGen{cfg.NewCode})
	mgr.MapAccessGenerate(accessGen{cfg.NewAccess})
	s.mgr = mgr

	scfg := server.NewConfig()
	// go-oauth2 would also serve response_type=token with its own implicit
	// redirect (docs/oauth.md, "Redirects").
	scfg.AllowedResponseTypes = []oauth2.ResponseType{oauth2.Code}
	// Only the code grant reaches go-oauth2's token path; everything else is
	// refused by HandleToken before it, so no app token is ever minted.
	scfg.AllowedGrantTypes = []oauth2.GrantType{oauth2.AuthorizationCode}
	srv := server.NewServer(scfg, mgr)
	srv.ClientInfoHandler = authenticatedClient
	srv.UserAuthorizationHandler = userFromContext
	srv.PreRedirectErrorHandler = s.preRedirectError
	srv.ResponseErrorHandler = rfcStatus
	srv.InternalErrorHandler = internalToInvalidGrant
	s.srv = srv
	return s
}

// codeGen and accessGen mint from the provider's generators, which draw on
// internal/ids and so follow -seed; go-oauth2's own use unseeded
// uuid/base64 (docs/oauth.md, "Expiry").
type codeGen struct{ next func() string }

func (g codeGen) Token(context.Context, *oauth2.GenerateBasic) (string, error) { return g.next(), nil }

// accessGen mints no refresh token: the Manager never asks for one.
type accessGen struct{ next func() string }

func (g accessGen) Token(context.Context, *oauth2.GenerateBasic, bool) (string, string, error) {
	return g.next(), "", nil
}

// rfcStatus corrects go-oauth2's statuses to RFC 6749 §5.2: it answers 401
// for invalid_grant, unsupported_grant_type, unauthorized_client and
// unsupported_response_type. Only invalid_client is 401 (docs/oauth.md,
// "Token errors").
func rfcStatus(re *oerrors.Response) {
	switch re.Error {
	case oerrors.ErrInvalidClient:
		re.StatusCode = http.StatusUnauthorized
	case oerrors.ErrInvalidGrant, oerrors.ErrUnsupportedGrantType, oerrors.ErrUnauthorizedClient,
		oerrors.ErrUnsupportedResponseType, oerrors.ErrInvalidRequest, oerrors.ErrInvalidScope:
		re.StatusCode = http.StatusBadRequest
	}
}

// internalToInvalidGrant maps the errors go-oauth2 has no description for,
// which it would answer with 500 server_error, to 400 invalid_grant
// (docs/oauth.md, "Token errors").
func internalToInvalidGrant(err error) *oerrors.Response {
	if slices.Contains([]error{
		oerrors.ErrMissingCodeVerifier, oerrors.ErrInvalidRedirectURI, oerrors.ErrInvalidCodeChallenge,
		oerrors.ErrMissingCodeChallenge, oerrors.ErrInvalidAuthorizeCode, errCodeConsumed,
	}, err) {
		return &oerrors.Response{
			Error:       oerrors.ErrInvalidGrant,
			Description: oerrors.Descriptions[oerrors.ErrInvalidGrant],
			StatusCode:  http.StatusBadRequest,
		}
	}
	return nil
}

// errorCode returns the RFC error code and status go-oauth2 gives err, with
// rfcStatus and internalToInvalidGrant applied.
func (s *Server) errorCode(err error) (code string, status int) {
	data, status, _ := s.srv.GetErrorData(err)
	code, _ = data["error"].(string)
	return code, status
}
