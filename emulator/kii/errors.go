package kii

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"unicode"

	"github.com/fakeapi/fakeapi/internal/httpx"
)

// Error codes Kii sends. Each is written with exactly the status in
// codeStatus: the JS SDK takes the status of an error from its own table
// keyed by errorCode, so a code sent with another status breaks it
// (docs/providers/kii.md, "Errors").
const (
	codeUserNotFound         = "USER_NOT_FOUND"
	codeUserAlreadyExists    = "USER_ALREADY_EXISTS"
	codeWrongToken           = "WRONG_TOKEN"
	codeWrongRefreshToken    = "WRONG_REFRESH_TOKEN"
	codeUnauthorized         = "UNAUTHORIZED"
	codeWrongPassword        = "WRONG_PASSWORD"
	codeInvalidInputData     = "INVALID_INPUT_DATA"
	codeInvalidJSON          = "INVALID_JSON"
	codeMissingData          = "MISSING_DATA"
	codeAppNotFound          = "APP_NOT_FOUND"
	codePasswordTooShort     = "PASSWORD_TOO_SHORT"
	codeUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
	codeInvalidGrant         = "invalid_grant"
	codeInvalidRequest       = "invalid_request"
	codeInvalidClient        = "invalid_client"
	codeUnsupportedGrantType = "unsupported_grant_type"
	codeOperationNotAllowed  = "OPERATION_NOT_ALLOWED"
	codeInvalidVerification  = "INVALID_VERIFICATION_CODE"
	codeAddressCodeNotFound  = "ADDRESS_VERIFICATION_CODE_NOT_FOUND"
	codePhoneCodeExpired     = "PHONE_NUMBER_VERIFICATION_CODE_EXPIRED"
	codeVerificationNotFound = "VERIFICATION_CODE_NOT_FOUND"
	codePinCodeExpired       = "PIN_CODE_EXPIRED"
	codeUserAddressNotFound  = "USER_ADDRESS_NOT_FOUND"
)

// codeStatus is the single errorCode → status table. The error
// writer looks the status up here, so no handler can pair a code with a
// different status. Codes in the SDK table that this emulator never sends
// (USER_DISABLED, AUTHENTICATION_FAILED, OPERATION_NOT_ALLOWED, OAUTH2_ERROR,
// APP_DISABLED) are listed too, so the table test pins them for whoever
// starts sending them.
var codeStatus = map[string]int{
	codeUserNotFound:         http.StatusNotFound,
	codeUserAlreadyExists:    http.StatusConflict,
	codeWrongToken:           http.StatusForbidden,
	codeWrongRefreshToken:    http.StatusForbidden,
	codeUnauthorized:         http.StatusUnauthorized,
	"USER_DISABLED":          http.StatusUnauthorized,
	"AUTHENTICATION_FAILED":  http.StatusUnauthorized,
	codeOperationNotAllowed:  http.StatusConflict,
	codeWrongPassword:        http.StatusUnauthorized,
	codeInvalidInputData:     http.StatusBadRequest,
	codeInvalidJSON:          http.StatusBadRequest,
	codeMissingData:          http.StatusBadRequest,
	"OAUTH2_ERROR":           http.StatusBadRequest,
	codeAppNotFound:          http.StatusNotFound,
	"APP_DISABLED":           http.StatusForbidden,
	codeInvalidGrant:         http.StatusBadRequest,
	codeInvalidRequest:       http.StatusBadRequest,
	codeInvalidClient:        http.StatusBadRequest, // Kii's table has no 401 for it (docs/providers/kii.md, "Token endpoint")
	codeUnsupportedGrantType: http.StatusBadRequest,
	codePasswordTooShort:     http.StatusBadRequest,
	codeUnsupportedMediaType: http.StatusUnsupportedMediaType,
	// The verification and reset codes of the user lifecycle, with the
	// statuses of the SDK table (docs/providers/kii.md, "Verification and
	// password reset").
	codeInvalidVerification:  http.StatusForbidden,
	codeAddressCodeNotFound:  http.StatusNotFound,
	codePhoneCodeExpired:     http.StatusGone,
	codeVerificationNotFound: http.StatusNotFound,
	codePinCodeExpired:       http.StatusGone,
	codeUserAddressNotFound:  http.StatusNotFound,
	// Generic codes for bare statuses (statusCode below), listed so they
	// round-trip through the same table.
	"NOT_FOUND":                http.StatusNotFound,
	"METHOD_NOT_ALLOWED":       http.StatusMethodNotAllowed,
	"REQUEST_ENTITY_TOO_LARGE": http.StatusRequestEntityTooLarge,
	"INTERNAL_SERVER_ERROR":    http.StatusInternalServerError,
}

// Client-visible texts. Those marked Kii's are the service's own, with
// their sources in docs/providers/kii.md ("Token endpoint", "Users"); the
// others say how to fix the request. None contains a bare '%': the JS SDK
// runs decodeURIComponent over error bodies ("Errors").
const (
	msgInvalidGrant       = "The user was not found or a wrong password was provided" // Kii's
	msgWrongToken         = "The provided token is not valid"                         // Kii's
	msgWrongRefreshToken  = "The provided refresh token is not valid"                 // Kii's
	msgValidation         = "There are validation errors"                             // Kii's
	msgAppNotFound        = "The application '%s' was not found"                      // ours, for Kii's code
	msgUserNotFound       = "User %s was not found"                                   // Kii's
	msgUserExists         = "User with %s %s already exists"                          // Kii's
	msgPasswordTooShort   = "The password must be at least 4 characters long"
	msgWrongPassword      = "The provided old password is wrong"
	msgNoCredentials      = "Send a user or admin access token: Authorization: Bearer <access_token>"
	msgNoAppCredentials   = "Send the application credentials: Authorization: Basic base64(AppID:AppKey), or the X-Kii-AppID and X-Kii-AppKey headers"
	msgAppMismatch        = "The application credentials name another application than the request path"
	msgWrongAppKey        = "The AppKey does not match the application"
	msgBadBasic           = "The Authorization header is not valid Basic credentials"
	msgAdminOnly          = "Only the app admin token (client_credentials) may do this"
	msgNotYourUser        = "A user token may only act on its own user"
	msgMeNeedsUser        = "users/me needs a user access token, not an app admin or anonymous token"
	msgAnonymous          = "An anonymous token may not access users"
	msgInvalidJSON        = "The request body is not valid JSON"
	msgJSONObject         = "The request body must be a JSON object"
	msgMediaType          = "Unsupported Content-Type %q: send application/json or application/vnd.kii.*+json"
	msgTokenMediaType     = "Unsupported Content-Type %q: send application/json or application/x-www-form-urlencoded"
	msgMissingGrant       = "grant_type is required: password, client_credentials or refresh_token"
	msgNoGrantInferred    = "Send username and password, or client_id and client_secret (or a grant_type)"
	msgUnsupportedGrant   = "grant_type %q is not supported: use password, client_credentials or refresh_token"
	msgRefreshDisabled    = "Refresh tokens are not enabled for this application"
	msgMissingUsername    = "username and password are required"
	msgMissingClient      = "client_id and client_secret are required"
	msgMissingRefresh     = "refresh_token is required"
	msgNotString          = "%s must be a JSON string"
	msgDuplicateParam     = "Parameter %s is given more than once"
	msgParamInQuery       = "Parameter %s must be sent in the request body, not in the URL"
	msgExpiresAtInteger   = "expiresAt must be an integer: UNIX time in milliseconds (UTC)"
	msgExpiresAtPast      = "expiresAt must be in the future: UNIX time in milliseconds (UTC)"
	msgExpiresAtTooFar    = "expiresAt is beyond the maximum token lifetime of this application"
	msgInvalidClient      = "The client_id or client_secret is not valid"
	msgClientAppMismatch  = "client_id names another application than the request"
	msgMissingOldPassword = "oldPassword is required when a user changes their own password"
	msgDisabledRequired   = "disabled must be true or false"
	msgMissingAddress     = "%s is required"
	msgMissingCode        = "%s is required: the code of the SMS or mail"
	msgNoCode             = "No verification code is pending for this address: request one with resend-verification"
	msgWrongCode          = "The verification code is not valid"
	msgPhoneCodeExpired   = "The verification code has expired: request a new one with resend-verification"
	msgNoResetCode        = "No password reset is pending for this user: request one with password/request-reset"
	msgPinExpired         = "The PIN code has expired: request a new one with password/request-reset"
	msgNoVerifiedEmail    = "The user has no verified email address to send this to"
	msgNoVerifiedPhone    = "The user has no verified phone number to send this to"
	msgAlreadyVerified    = "The address is already verified"
	msgNoEmail            = "The user has no email address to verify"
	msgNoPhone            = "The user has no phone number to verify"
	msgResetMethod        = "notificationMethod must be EMAIL or SMS, and smsResetMethod URL or PIN"
	msgNotFound           = "There is no Kii Cloud API at %s"
	msgMethodNotAllowed   = "Method %s is not allowed here; allowed: %s"
	msgTooLarge           = "The request body is too large"
	msgInternal           = "Internal server error"
)

// Content types of Kii's bodies (docs/providers/kii.md, "Users").
const (
	ctJSON            = "application/json"
	ctUnauthorized    = "application/vnd.kii.UnauthorizedAccessException+json"
	ctUserNotFound    = "application/vnd.kii.UserNotFoundException+json"
	ctRegistration    = "application/vnd.kii.RegistrationResponse+json"
	ctUserRetrieval   = "application/vnd.kii.UserDataRetrievalResponse+json"
	ctStatusRetrieval = "application/vnd.kii.UserStatusRetrievalResponse+json"
)

// codeContentType is the Content-Type of each error code: Kii answers an
// exception with application/vnd.kii.<Exception>+json. Kii's reference
// shows UnauthorizedAccessException, UserNotFoundException,
// WrongPasswordException and PasswordTooShortException; the other names
// follow that pattern (docs/providers/kii.md, "Errors"). OAuth errors of
// the token endpoint and the emulator's own codes (bare statuses,
// UNSUPPORTED_MEDIA_TYPE) are application/json.
var codeContentType = map[string]string{
	codeUnauthorized:         ctUnauthorized,
	codeUserNotFound:         ctUserNotFound,
	codeWrongPassword:        vndException("WrongPassword"),
	codePasswordTooShort:     vndException("PasswordTooShort"),
	codeUserAlreadyExists:    vndException("UserAlreadyExists"),
	codeWrongToken:           vndException("WrongToken"),
	codeWrongRefreshToken:    vndException("WrongRefreshToken"),
	codeInvalidInputData:     vndException("InvalidInput"),
	codeInvalidJSON:          vndException("InvalidJson"),
	codeMissingData:          vndException("MissingData"),
	codeAppNotFound:          vndException("AppNotFound"),
	codeOperationNotAllowed:  vndException("OperationNotAllowed"),
	codeInvalidVerification:  vndException("InvalidVerificationCode"),
	codeAddressCodeNotFound:  vndException("AddressVerificationCodeNotFound"),
	codePhoneCodeExpired:     vndException("PhoneNumberVerificationCodeExpired"),
	codeVerificationNotFound: vndException("VerificationCodeNotFound"),
	codePinCodeExpired:       vndException("PinCodeExpired"),
	codeUserAddressNotFound:  vndException("UserAddressNotFound"),
}

func vndException(name string) string { return "application/vnd.kii." + name + "Exception+json" }

// apiError is a Kii error response: errorCode, then message (or
// error_description for OAuth errors), then extra fields in order.
type apiError struct {
	code  string
	msg   string
	oauth bool   // OAuth shape: errorCode, error_description, error (docs/providers/kii.md, "Token endpoint")
	extra object // fields after the message, in Kii's order
	ct    string // content type; when empty, the code's (contentType)
	// fixed is the status of a bare-status error (statusError), whose
	// code is derived from that status; zero for every other error.
	fixed int
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

// status is the HTTP status of the error, from codeStatus only.
func (e *apiError) status() int {
	if e.fixed != 0 {
		return e.fixed
	}
	if s, ok := codeStatus[e.code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

func (e *apiError) body() object {
	o := object{{"errorCode", e.code}}
	if e.oauth {
		o = append(o, kv{"error_description", e.msg}, kv{"error", e.code})
	} else {
		o = append(o, kv{"message", e.msg})
	}
	return append(o, e.extra...)
}

func errf(code, format string, args ...any) *apiError {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &apiError{code: code, msg: msg}
}

func oauthErr(code, msg string) *apiError { return &apiError{code: code, msg: msg, oauth: true} }

// errInvalidGrant is the one body for unknown user, wrong password,
// disabled user and unverified address: Kii does not tell them apart
// (docs/providers/kii.md, "Token endpoint"); the cause goes to the devlog.
func errInvalidGrant() *apiError { return oauthErr(codeInvalidGrant, msgInvalidGrant) }

func errUnauthorized(msg, appID, principalID string) *apiError {
	return &apiError{code: codeUnauthorized, msg: msg, extra: object{
		{"authenticatedAppID", nullIfEmpty(appID)},
		{"authenticatedPrincipalID", nullIfEmpty(principalID)},
	}}
}

func errWrongToken(appID, token string) *apiError {
	return &apiError{code: codeWrongToken, msg: msgWrongToken, extra: object{{"appID", appID}, {"accessToken", token}}}
}

func errAppNotFound(appID string) *apiError {
	return &apiError{code: codeAppNotFound, msg: fmt.Sprintf(msgAppNotFound, appID), extra: object{{"appID", appID}}}
}

func errUserNotFound(appID string, a address) *apiError {
	return &apiError{code: codeUserNotFound, msg: fmt.Sprintf(msgUserNotFound, a.raw), extra: object{
		{"value", a.raw}, {"field", a.field()}, {"appID", appID},
	}}
}

func errUserExists(field, value string) *apiError {
	return &apiError{code: codeUserAlreadyExists, msg: fmt.Sprintf(msgUserExists, field, value), extra: object{
		{"value", value}, {"field", field}, {"suppressed", []any{}},
	}}
}

func errPasswordTooShort() *apiError {
	return &apiError{code: codePasswordTooShort, msg: msgPasswordTooShort, extra: object{{"minimumLength", minPassword}}}
}

// errInvalidInput lists what failed in invalidFields, so a test author can
// fix the request; Kii's own body has only message and suppressed
// (docs/providers/kii.md, "Users").
func errInvalidInput(fields object) *apiError {
	return &apiError{code: codeInvalidInputData, msg: msgValidation, extra: object{
		{"invalidFields", fields}, {"suppressed", []any{}},
	}}
}

func errInvalidJSON() *apiError { return errf(codeInvalidJSON, msgInvalidJSON) }

func errMediaType(mt string, token bool) *apiError {
	if token {
		return errf(codeUnsupportedMediaType, msgTokenMediaType, mt)
	}
	return errf(codeUnsupportedMediaType, msgMediaType, mt)
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// writeError writes err in Kii's format. Known errors keep their
// code and status; a capped body becomes 413; anything else is logged in
// full and the client gets the generic 500 body, never err.Error().
func writeError(log *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
	case httpx.IsTooLarge(err):
		ae = statusError(http.StatusRequestEntityTooLarge)
	case errors.Is(err, httpx.ErrBodyRead):
		ae = errInvalidJSON() // the client hung up mid-body (docs/providers/kii.md, "Request conventions")
	default:
		log.Error("kii: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		ae = statusError(http.StatusInternalServerError)
	}
	writeAPIError(w, ae)
}

// contentType is the error's Content-Type: its own, else the one of its
// code (codeContentType), else application/json. OAuth errors and bare
// statuses (faults, route 404/405, 413, 500) are application/json.
func (e *apiError) contentType() string {
	if e.ct != "" {
		return e.ct
	}
	if e.oauth || e.fixed != 0 {
		return ctJSON
	}
	if ct, ok := codeContentType[e.code]; ok {
		return ct
	}
	return ctJSON
}

func writeAPIError(w http.ResponseWriter, ae *apiError) {
	httpx.WriteBytes(w, ae.status(), ae.contentType(), escapePercent(ae.body().encode()))
}

// escapePercent writes every '%' of an error body as "%25". The JS SDK runs
// decodeURIComponent over error bodies before parsing them, so a bare '%'
// (say in an echoed login name) would make it lose the error code; "%25"
// decodes back to '%' (docs/providers/kii.md, "Errors").
func escapePercent(b []byte) []byte {
	if bytes.IndexByte(b, '%') < 0 {
		return b
	}
	return bytes.ReplaceAll(b, []byte("%"), []byte("%25"))
}

// statusError is Kii's body for a bare status: injected faults, route
// 404/405, 413 and 500. The code is the status text in Kii's upper snake
// case, 404 → NOT_FOUND (docs/providers/kii.md, "Errors").
func statusError(status int) *apiError {
	code := statusCode(status)
	msg := http.StatusText(status)
	switch status {
	case http.StatusRequestEntityTooLarge:
		msg = msgTooLarge
	case http.StatusInternalServerError:
		msg = msgInternal
	}
	if msg == "" {
		msg = "Error"
	}
	return &apiError{code: code, msg: msg, fixed: status}
}

// statusCode turns a status into its upper snake case code: 413 →
// REQUEST_ENTITY_TOO_LARGE. Unknown statuses → HTTP_<n>.
func statusCode(status int) string {
	text := http.StatusText(status)
	if text == "" {
		return fmt.Sprintf("HTTP_%d", status)
	}
	var b strings.Builder
	under := false
	for _, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			under = false
			b.WriteRune(unicode.ToUpper(r))
			continue
		}
		under = true
	}
	return b.String()
}
