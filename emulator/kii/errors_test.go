package kii

import (
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestErrorCodeStatus pins every errorCode to its status: the JS SDK's
// KiiErrorParser.SERVER_ERROR_CODES plus our own codes. The
// table is written out here, independently of codeStatus.
func TestErrorCodeStatus(t *testing.T) {
	t.Parallel()
	want := map[string]int{
		"USER_NOT_FOUND":           404,
		"USER_ALREADY_EXISTS":      409,
		"WRONG_TOKEN":              403,
		"WRONG_REFRESH_TOKEN":      403,
		"UNAUTHORIZED":             401,
		"USER_DISABLED":            401,
		"AUTHENTICATION_FAILED":    401,
		"OPERATION_NOT_ALLOWED":    409,
		"WRONG_PASSWORD":           401,
		"INVALID_INPUT_DATA":       400,
		"INVALID_JSON":             400,
		"MISSING_DATA":             400,
		"OAUTH2_ERROR":             400,
		"APP_NOT_FOUND":            404,
		"APP_DISABLED":             403,
		"invalid_grant":            400,
		"invalid_request":          400,
		"invalid_client":           400,
		"unsupported_grant_type":   400,
		"PASSWORD_TOO_SHORT":       400,
		"UNSUPPORTED_MEDIA_TYPE":   415,
		"NOT_FOUND":                404,
		"METHOD_NOT_ALLOWED":       405,
		"REQUEST_ENTITY_TOO_LARGE": 413,
		"INTERNAL_SERVER_ERROR":    500,
		// The user lifecycle's codes, from the same SDK table.
		"INVALID_VERIFICATION_CODE":              403,
		"ADDRESS_VERIFICATION_CODE_NOT_FOUND":    404,
		"PHONE_NUMBER_VERIFICATION_CODE_EXPIRED": 410,
		"VERIFICATION_CODE_NOT_FOUND":            404,
		"PIN_CODE_EXPIRED":                       410,
		"USER_ADDRESS_NOT_FOUND":                 404,
	}
	assert.Equal(t, want, codeStatus, "the writer's table must be exactly this one")
	for code, status := range want {
		t.Run("should send "+code+" with "+http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			w := httptest.NewRecorder()
			writeAPIError(w, errf(code, "x"))
			assert.Equal(t, status, w.Code)
			assert.Equal(t, code, decode(t, w)["errorCode"])
		})
	}
}

// TestErrorContentTypes pins the Content-Type of each Kii exception
// (docs/providers/kii.md, "Errors"), written out independently of
// codeContentType: application/vnd.kii.<Exception>+json for Kii's codes,
// application/json for OAuth errors and the emulator's own codes.
func TestErrorContentTypes(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		"UNAUTHORIZED":                           "application/vnd.kii.UnauthorizedAccessException+json",
		"USER_NOT_FOUND":                         "application/vnd.kii.UserNotFoundException+json",
		"WRONG_PASSWORD":                         "application/vnd.kii.WrongPasswordException+json",
		"PASSWORD_TOO_SHORT":                     "application/vnd.kii.PasswordTooShortException+json",
		"USER_ALREADY_EXISTS":                    "application/vnd.kii.UserAlreadyExistsException+json",
		"WRONG_TOKEN":                            "application/vnd.kii.WrongTokenException+json",
		"WRONG_REFRESH_TOKEN":                    "application/vnd.kii.WrongRefreshTokenException+json",
		"INVALID_INPUT_DATA":                     "application/vnd.kii.InvalidInputException+json",
		"INVALID_JSON":                           "application/vnd.kii.InvalidJsonException+json",
		"MISSING_DATA":                           "application/vnd.kii.MissingDataException+json",
		"APP_NOT_FOUND":                          "application/vnd.kii.AppNotFoundException+json",
		"OPERATION_NOT_ALLOWED":                  "application/vnd.kii.OperationNotAllowedException+json",
		"INVALID_VERIFICATION_CODE":              "application/vnd.kii.InvalidVerificationCodeException+json",
		"ADDRESS_VERIFICATION_CODE_NOT_FOUND":    "application/vnd.kii.AddressVerificationCodeNotFoundException+json",
		"PHONE_NUMBER_VERIFICATION_CODE_EXPIRED": "application/vnd.kii.PhoneNumberVerificationCodeExpiredException+json",
		"VERIFICATION_CODE_NOT_FOUND":            "application/vnd.kii.VerificationCodeNotFoundException+json",
		"PIN_CODE_EXPIRED":                       "application/vnd.kii.PinCodeExpiredException+json",
		"USER_ADDRESS_NOT_FOUND":                 "application/vnd.kii.UserAddressNotFoundException+json",
	}
	assert.Equal(t, want, codeContentType)
	for code, ct := range want {
		w := httptest.NewRecorder()
		writeAPIError(w, errf(code, "x"))
		assert.Equal(t, ct, w.Header().Get("Content-Type"), code)
	}
	for _, ae := range []*apiError{errInvalidGrant(), oauthErr(codeInvalidRequest, "x"), errf(codeUnsupportedMediaType, "x"), statusError(http.StatusUnauthorized), statusError(http.StatusNotFound)} {
		w := httptest.NewRecorder()
		writeAPIError(w, ae)
		assert.Equal(t, ctJSON, w.Header().Get("Content-Type"), ae.code)
	}

	// Through the handlers: the documented examples.
	e := newEnv(t)
	tok := e.login(t, app1, key1, "taro", taroPass)
	w := e.do(t, req{"PUT", "/api/apps/app1/users/me/password", h(bearer(tok), ctPassword), `{"oldPassword":"nope","newPassword":"new-pass"}`})
	assert.Equal(t, "application/vnd.kii.WrongPasswordException+json", w.Header().Get("Content-Type"))
	w = e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1), `{"loginName":"saburo","password":"abc"}`})
	assert.Equal(t, "application/vnd.kii.PasswordTooShortException+json", w.Header().Get("Content-Type"))
}

// TestMessagesNameNoFixtureField: client-visible texts describe the
// request, never the emulator's fixture settings (strictAppKey,
// refreshTokenEnabled, …), which a Kii client has never heard of. Every
// msg* constant of the package is read from its source, so a new one is
// covered too.
func TestMessagesNameNoFixtureField(t *testing.T) {
	t.Parallel()
	// The fixture's own settings: every AppFixture member but those that
	// are Kii's names for the app (appID, appKey, …) or lists.
	kiiNames := map[string]bool{"appID": true, "appKey": true, "clientID": true, "clientSecret": true, "site": true, "name": true, "users": true, "tokens": true}
	var settings []string
	for _, typ := range []reflect.Type{reflect.TypeFor[AppFixture](), reflect.TypeFor[TokenFixture]()} {
		for f := range typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !kiiNames[name] && name != "accessToken" && name != "userID" && name != "expiresAt" && name != "refreshToken" {
				settings = append(settings, name)
			}
		}
	}
	require.Contains(t, settings, "strictAppKey")
	require.Contains(t, settings, "refreshTokenEnabled")

	fset := token.NewFileSet()
	pkgs, err := filepath.Glob("*.go")
	require.NoError(t, err)
	msgs := 0
	for _, file := range pkgs {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		require.NoError(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, id := range vs.Names {
				if !strings.HasPrefix(id.Name, "msg") || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok {
					continue
				}
				text, err := strconv.Unquote(lit.Value)
				require.NoError(t, err)
				msgs++
				for _, s := range settings {
					assert.NotContains(t, strings.ToLower(text), strings.ToLower(s), "%s names the fixture field %s", id.Name, s)
				}
			}
			return true
		})
	}
	assert.Greater(t, msgs, 40, "the scan must find the message constants")
}

func TestStatusCode(t *testing.T) {
	t.Parallel()
	cases := map[int]string{
		400: "BAD_REQUEST", 401: "UNAUTHORIZED", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "REQUEST_ENTITY_TOO_LARGE",
		429: "TOO_MANY_REQUESTS", 500: "INTERNAL_SERVER_ERROR", 503: "SERVICE_UNAVAILABLE", 599: "HTTP_599",
	}
	for status, code := range cases {
		assert.Equal(t, code, statusCode(status), "status %d", status)
		if s, ok := codeStatus[code]; ok {
			assert.Equal(t, status, s, "a derived code must not clash with the table")
		}
	}
}

// TestWriteErrorForFaults: the root's WriteError answers any status in
// Kii's format with that very status.
func TestWriteErrorForFaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, status := range []int{400, 401, 403, 404, 413, 429, 500, 502, 503, 504} {
		w := httptest.NewRecorder()
		e.inst.WriteError(w, httptest.NewRequest("GET", "/api/oauth2/token", nil), status)
		assert.Equal(t, status, w.Code)
		body := decode(t, w)
		assert.Equal(t, statusCode(status), body["errorCode"])
		assert.NotEmpty(t, body["message"])
		assert.Equal(t, ctJSON, w.Header().Get("Content-Type"))
	}
}

func TestWriteErrorHidesInternalErrors(t *testing.T) {
	t.Parallel()
	var logged strings.Builder
	log := slog.New(slog.NewTextHandler(&logged, nil))
	w := httptest.NewRecorder()
	writeError(log, w, httptest.NewRequest("GET", "/x", nil), errors.New("secret detail"))
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.JSONEq(t, `{"errorCode":"INTERNAL_SERVER_ERROR","message":"Internal server error"}`, w.Body.String())
	assert.NotContains(t, w.Body.String(), "secret detail")
	assert.Contains(t, logged.String(), "secret detail", "the cause goes to the log")
}

func TestRoutingErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.do(t, req{"GET", "/api/nothing", nil, ""})
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.Equal(t, "NOT_FOUND", errorCodeOf(t, w))
	assert.Equal(t, ctJSON, w.Header().Get("Content-Type"))

	w = e.do(t, req{"PATCH", "/api/apps/app1/users/me", nil, ""})
	assert.Equal(t, http.StatusMethodNotAllowed, w.Code)
	assert.Equal(t, "GET, POST, DELETE", w.Header().Get("Allow"))
	assert.Equal(t, "METHOD_NOT_ALLOWED", errorCodeOf(t, w))

	w = e.do(t, req{"GET", "/api/oauth2/token", nil, ""})
	assert.Equal(t, "POST", w.Header().Get("Allow"))
}

func TestCORSPreflight(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.do(t, req{"OPTIONS", "/api/apps/app1/users/me", map[string]string{
		"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-kii-appid",
	}, ""})
	assert.Equal(t, http.StatusNoContent, w.Code)
	assert.Equal(t, "*", w.Header().Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "GET, POST, DELETE, OPTIONS", w.Header().Get("Access-Control-Allow-Methods"))
	assert.Equal(t, corsAllowHeaders, w.Header().Get("Access-Control-Allow-Headers"))

	w = e.do(t, req{"OPTIONS", "/api/unknown", nil, ""})
	assert.Equal(t, http.StatusNotFound, w.Code, "no preflight for paths without routes")
}

// TestNoBarePercent: echoed values with '%' never leave a bare '%' in an
// error body, and decodeURIComponent (as the JS SDK runs it) gives back the
// JSON with the original value (docs/providers/kii.md, "Errors").
func TestNoBarePercent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.login(t, app1, key1, "taro", taroPass)
	reg := func() *httptest.ResponseRecorder {
		return e.do(t, req{"POST", "/api/apps/app1/users", kiiHeaders(app1, key1), `{"emailAddress":"100%real@example.jp","password":"pass1234"}`})
	}
	require.Equal(t, http.StatusCreated, reg().Code)
	cases := []struct {
		name  string
		w     *httptest.ResponseRecorder
		key   string
		value string
	}{
		{"should escape a conflicting email", reg(), "value", "100%real@example.jp"},
		{"should escape an unknown email in a path", e.do(t, req{"GET", "/api/apps/app1/users/EMAIL:50%25off@example.jp", h(bearer(tok), ""), ""}), "value", "50%off@example.jp"},
		{"should escape a wrong token", e.do(t, req{"GET", "/api/apps/app1/users/me", h(bearer("tok%zz"), ""), ""}), "accessToken", "tok%zz"},
		{"should escape an unknown app", e.do(t, req{"POST", "/api/apps/a%25b/users", kiiHeaders("a%b", "k"), `{}`}), "appID", "a%b"},
		{"should escape a media type", e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(app1, key1, "Content-Type", "text/x-100%"), `{}`}), "", ""},
		{"should escape a 404 path", e.do(t, req{"GET", "/api/x%25y", nil, ""}), "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.w.Body.String()
			require.GreaterOrEqual(t, tc.w.Code, 400, body)
			for i := strings.IndexByte(body, '%'); i >= 0; i = strings.IndexByte(body, '%') {
				require.True(t, strings.HasPrefix(body[i:], "%25"), "bare %% in %s", tc.w.Body.String())
				body = body[i+3:]
			}
			decoded, err := url.PathUnescape(tc.w.Body.String())
			require.NoError(t, err, "decodeURIComponent must not fail")
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(decoded), &m))
			assert.NotEmpty(t, m["errorCode"])
			if tc.key != "" {
				assert.Equal(t, tc.value, m[tc.key])
			}
		})
	}
}

func TestMessagesHaveNoPercent(t *testing.T) {
	t.Parallel()
	// Fixed texts are sent as they are; only Sprintf verbs may hold '%'.
	for _, m := range []string{msgInvalidGrant, msgWrongToken, msgWrongRefreshToken, msgValidation, msgPasswordTooShort,
		msgWrongPassword, msgNoCredentials, msgNoAppCredentials, msgAppMismatch, msgWrongAppKey, msgBadBasic, msgAdminOnly,
		msgNotYourUser, msgMeNeedsUser, msgAnonymous, msgInvalidJSON, msgJSONObject, msgMissingGrant, msgNoGrantInferred,
		msgRefreshDisabled, msgMissingUsername, msgMissingClient, msgMissingRefresh, msgExpiresAtInteger, msgExpiresAtPast,
		msgExpiresAtTooFar, msgInvalidClient, msgClientAppMismatch, msgMissingOldPassword, msgDisabledRequired, msgTooLarge, msgInternal} {
		assert.NotContains(t, m, "%", m)
	}
}

// TestDeclaredTooLarge: a Content-Length over the cap is refused with 413
// in Kii's format before reading.
func TestDeclaredTooLarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := httptest.NewRequest("POST", "/api/oauth2/token", io.NopCloser(strings.NewReader("{}")))
	r.ContentLength = 5000
	r.Header.Set("Content-Type", ctJSON)
	r.Header.Set("X-Kii-AppID", app1)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
	assert.Equal(t, "REQUEST_ENTITY_TOO_LARGE", errorCodeOf(t, w))
}

// TestABodyCutShortShouldBeA400NotA500: a client that hangs up mid-body
// gets 400 INVALID_JSON, not Kii's generic 500 and an error in the log.
func TestABodyCutShortShouldBeA400NotA500(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, path := range []string{"/api/apps/" + app1 + "/oauth2/token", "/api/apps/" + app1 + "/users"} {
		r := httptest.NewRequest(http.MethodPost, "http://localhost:8080"+path, nil)
		r.Body = io.NopCloser(io.MultiReader(strings.NewReader(`{"grant_type":"pass`), iotest.ErrReader(io.ErrUnexpectedEOF)))
		r.ContentLength = 100
		for k, v := range kiiHeaders(app1, key1) {
			r.Header.Set(k, v)
		}
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		assert.Equal(t, http.StatusBadRequest, w.Code, "%s: %s", path, w.Body)
		assert.Equal(t, codeInvalidJSON, errorCodeOf(t, w), path)
	}
}
