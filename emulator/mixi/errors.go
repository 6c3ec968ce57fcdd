package mixi

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/oauth1"
)

// apiError is a client error: the status mixi answers and our reason, which
// goes into the X-Fakeapi-Reason header (mixi's own body is only
// "<status> - <reason phrase>", so the header tells a developer what to fix
// without changing the bytes a client parses).
type apiError struct {
	status int
	reason string
}

func (e *apiError) Error() string { return strconv.Itoa(e.status) + ": " + e.reason }

func newErr(status int, reason string) error { return &apiError{status: status, reason: reason} }

// Reasons, one per client error (docs/providers/mixi.md, "Errors").
const (
	reasonNoRequestor     = "xoauth_requestor_id is missing or not a user id"
	reasonUnknownViewer   = "xoauth_requestor_id names no user"
	reasonNotInstalled    = "the requestor has not installed this app"
	reasonNoTarget        = "the target user id is missing"
	reasonNoSelector      = "the selector (@self, @friends, @all) is missing or unknown"
	reasonUserNotFound    = "no such user"
	reasonNotFriend       = "that user is not a friend of the requestor"
	reasonNoPermission    = "the permission model does not allow this"
	reasonBadCount        = "count must be a decimal integer from 0 to 1000"
	reasonBadStartIndex   = "startIndex must be a decimal integer of 0 or more"
	reasonBadFormat       = "format must be json or atom"
	reasonBadFilter       = "filterBy supports hasApp only"
	reasonBadFields       = "fields must be a comma-separated list of names"
	reasonBadKey          = "appdata keys must match ^[A-Za-z_][A-Za-z0-9_.-]{0,63}$"
	reasonTooManyKeys     = "100 or more keys in one request"
	reasonValueTooLong    = "an appdata value is longer than 10000 bytes"
	reasonBadBody         = "the body must be a JSON object of string values"
	reasonOtherApp        = "appdata of another app cannot be reached"
	reasonWriteOthers     = "only the owner may write their appdata"
	reasonRateLimited     = "more than 180 appdata writes in 3 minutes"
	reasonAlbumNotFound   = "no such album of that user"
	reasonNoAlbum         = "the album id is missing"
	reasonNoRequestIDs    = "requestIds is missing"
	reasonBadRequestIDs   = "a request id is unknown or not addressed to the requestor"
	reasonRequestsOfOther = "requests can be deleted only by their recipient (@me)"
	reasonNoRoute         = "no such endpoint"
	reasonMethod          = "method not allowed"
	reasonTooLarge        = "the request body is too large"
	reasonBadGuid         = "the target user id is malformed"
	// The People API is read-only; these are Shindig's texts.
	reasonAddPeople    = "You can't add people right now."
	reasonUpdatePeople = "You can't update right now."
	reasonDeletePeople = "You can't delete people."
)

var (
	errNoPermission = newErr(http.StatusForbidden, reasonNoPermission)
	errUserNotFound = newErr(http.StatusNotFound, reasonUserNotFound)
	errNotFriend    = newErr(http.StatusNotFound, reasonNotFriend)
	errRateLimited  = newErr(http.StatusServiceUnavailable, reasonRateLimited)
)

// realm is the realm of mixi's OAuth challenges, the API's origin
// (docs/providers/mixi.md, "Authentication: 2-legged OAuth 1.0").
const realm = "http://api.mixi-platform.com/"

// errorBody is mixi's text error body, "<status> - <reason phrase>"
// (e.g. "404 - Not Found") (docs/providers/mixi.md, "Errors").
func errorBody(status int) string {
	return strconv.Itoa(status) + " - " + http.StatusText(status)
}

// writeError is the provider's one error writer: OAuth problems get
// 401 with WWW-Authenticate and the pairs form-encoded in the body; client
// errors their status; anything else is logged and answered with a plain
// 500, never its text.
func writeError(log *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	var oe *oauth1.Error
	var ae *apiError
	switch {
	case errors.As(err, &oe):
		// FAQ: 401 carries oauth_problem in WWW-Authenticate [doc]; the body
		// repeats the pairs as the Problem Reporting extension prints them
		// [chosen].
		w.Header().Set("WWW-Authenticate", oe.Challenge(realm))
		httpx.WriteBytes(w, http.StatusUnauthorized, "text/plain; charset=utf-8", []byte(oe.Body()))
	case errors.As(err, &ae):
		w.Header().Set("X-Fakeapi-Reason", ae.reason)
		writeStatus(w, r, ae.status)
	case httpx.IsTooLarge(err):
		w.Header().Set("X-Fakeapi-Reason", reasonTooLarge)
		writeStatus(w, r, http.StatusRequestEntityTooLarge)
	case errors.Is(err, httpx.ErrBodyRead): // the client hung up mid-body [chosen]
		w.Header().Set("X-Fakeapi-Reason", reasonBadBody)
		writeStatus(w, r, http.StatusBadRequest)
	default:
		log.Error("mixi: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		writeStatus(w, r, http.StatusInternalServerError)
	}
}

// writeStatus writes the bare-status body: the API's text for API paths,
// an HTML page for the invite flow, which a phone browser shows.
func writeStatus(w http.ResponseWriter, r *http.Request, status int) {
	if isInvitePath(r.URL.Path) || isGatewayPath(r) {
		writeInviteErrorPage(w, status)
		return
	}
	httpx.WriteBytes(w, status, "text/plain; charset=utf-8", []byte(errorBody(status)))
}

// isGatewayPath reports a request for the mobile gateway's pages, which
// answer a status with an HTML page, as the invite pages do.
func isGatewayPath(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/ma/") || onGatewayHost(r)
}

func isInvitePath(p string) bool {
	return strings.HasPrefix(p, "/invite:friends") || strings.HasPrefix(p, "/invite/friends")
}
