package kii

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
)

// requireToken refuses requests without a user or admin token: 401
// UNAUTHORIZED; an anonymous token may not read users either
// (docs/providers/kii.md, "Users").
func requireToken(app App, p principal) error {
	switch p.kind {
	case kindNone:
		return errUnauthorized(msgNoCredentials, app.ID, "")
	case kindAnonymous:
		return errUnauthorized(msgAnonymous, app.ID, "")
	}
	return nil
}

// requireAdmin refuses anything but the app-admin token.
func requireAdmin(app App, p principal) error {
	if err := requireToken(app, p); err != nil {
		return err
	}
	if p.kind != kindAdmin {
		return errUnauthorized(msgAdminOnly, app.ID, p.user)
	}
	return nil
}

// target resolves the {user} segment for p: me, a user id, LOGIN_NAME:,
// EMAIL: or PHONE: (docs/providers/kii.md, "Endpoints"). Nobody → 404
// USER_NOT_FOUND.
func target(st Store, r *http.Request, app App, p principal) (User, error) {
	a := parseUserSegment(pathParam(r, "user"))
	if a.kind == addrMe {
		// The admin token must not be used with /me (docs/providers/kii.md, "Token endpoint").
		if p.kind != kindUser {
			return User{}, errUnauthorized(msgMeNeedsUser, app.ID, "")
		}
		a = address{kind: addrUserID, key: p.user, raw: p.user}
	}
	u, err := st.FindUser(app.ID, a)
	if errors.Is(err, errNoUser) {
		return User{}, errUserNotFound(app.ID, a)
	}
	return u, err
}

// selfOrAdmin lets a user token act only on its own user.
func selfOrAdmin(app App, p principal, u User) error {
	if p.kind == kindUser && p.user != u.ID {
		return errUnauthorized(msgNotYourUser, app.ID, p.user)
	}
	return nil
}

// handleGetUser handles "GET /api/apps/{appID}/users/{user}"
// (docs/providers/kii.md, "Users"). Another user's token sees userID, loginName and displayName
// unless the app exposes full user data; disabled users are still found.
func handleGetUser(log *slog.Logger, st Store, clk clock.Clock) appHandler {
	return func(w http.ResponseWriter, r *http.Request, app App) {
		u, p, err := authTarget(st, r, app, clk)
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		full := p.kind == kindAdmin || p.user == u.ID || app.ExposeFull
		writeObject(w, http.StatusOK, ctUserRetrieval, userObject(u, full))
	}
}

// authTarget authenticates a user or admin token and resolves {user}.
func authTarget(st Store, r *http.Request, app App, clk clock.Clock) (User, principal, error) {
	p, err := authenticate(st, r, app, clk.Now())
	if err == nil {
		err = requireToken(app, p)
	}
	if err != nil {
		return User{}, p, err
	}
	u, err := target(st, r, app, p)
	return u, p, err
}

// decodePasswordChange reads {"oldPassword","newPassword"}; old is nil
// when not sent.
func decodePasswordChange(body []byte) (old *string, newPassword string, err error) {
	var in struct {
		OldPassword member[string] `json:"oldPassword"`
		NewPassword member[string] `json:"newPassword"`
	}
	if err := decodeObject(body, &in); err != nil {
		return nil, "", err
	}
	bad := object{}
	if in.OldPassword.sent && !in.OldPassword.null {
		if in.OldPassword.wrong {
			bad = append(bad, kv{"oldPassword", badString})
		}
		old = &in.OldPassword.v
	}
	if in.NewPassword.wrong {
		bad = append(bad, kv{"newPassword", badString})
	}
	if len(bad) > 0 {
		return nil, "", errInvalidInput(bad)
	}
	newPassword = in.NewPassword.v
	if short, problem := checkPassword(newPassword); short {
		return nil, "", errPasswordTooShort()
	} else if problem != "" {
		return nil, "", errInvalidInput(object{{"newPassword", problem}})
	}
	return old, newPassword, nil
}

// handleChangePassword handles "PUT /api/apps/{appID}/users/{user}/password"
// (docs/providers/kii.md, "Users"): 204, and every token of the user is
// invalidated, the one used included. A user token needs oldPassword; the
// admin token does not (and its oldPassword is not checked).
func handleChangePassword(log *slog.Logger, st Store, clk clock.Clock) appHandler {
	return func(w http.ResponseWriter, r *http.Request, app App) {
		if mt := httpx.MediaType(r); !isJSONType(mt) {
			writeError(log, w, r, errMediaType(mt, false))
			return
		}
		u, p, err := authTarget(st, r, app, clk)
		if err == nil {
			err = selfOrAdmin(app, p, u)
		}
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		body, err := httpx.ReadBody(r)
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		old, newPassword, err := decodePasswordChange(body)
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		if p.kind == kindAdmin {
			old = nil
		} else if old == nil {
			writeError(log, w, r, errf(codeMissingData, msgMissingOldPassword))
			return
		}
		err = st.ChangePassword(app.ID, u.ID, old, newPassword)
		switch {
		case errors.Is(err, errOldPassword):
			writeError(log, w, r, &apiError{code: codeWrongPassword, msg: msgWrongPassword, extra: object{
				{"appID", app.ID}, {"principalID", u.ID}, {"address", loginAddress(u)},
			}})
		case errors.Is(err, errNoUser):
			writeError(log, w, r, errUserNotFound(app.ID, address{kind: addrUserID, key: u.ID, raw: u.ID}))
		case err != nil:
			writeError(log, w, r, err)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}
}

// loginAddress is the "address" of a WRONG_PASSWORD body: the user's login
// name, else email, else phone: Kii names the field, not its value
// (docs/providers/kii.md, "Users").
func loginAddress(u User) string {
	switch {
	case u.LoginName != "":
		return u.LoginName
	case u.Email != "":
		return u.Email
	default:
		return u.Phone
	}
}

// decodeStatus reads {"disabled": true|false}.
func decodeStatus(body []byte) (bool, error) {
	var in struct {
		Disabled member[bool] `json:"disabled"`
	}
	if err := decodeObject(body, &in); err != nil {
		return false, err
	}
	if !in.Disabled.given() {
		return false, errInvalidInput(object{{"disabled", msgDisabledRequired}})
	}
	return in.Disabled.v, nil
}

// handlePutStatus handles "PUT /api/apps/{appID}/users/{user}/status":
// disable or enable a user with the admin token; disabling invalidates
// every token of the user, enabling revives none (docs/providers/kii.md, "Users").
func handlePutStatus(log *slog.Logger, st Store, clk clock.Clock) appHandler {
	return func(w http.ResponseWriter, r *http.Request, app App) {
		if mt := httpx.MediaType(r); !isJSONType(mt) {
			writeError(log, w, r, errMediaType(mt, false))
			return
		}
		u, err := adminTarget(st, r, app, clk)
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		body, err := httpx.ReadBody(r)
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		disabled, err := decodeStatus(body)
		if err == nil {
			err = st.SetDisabled(app.ID, u.ID, disabled)
		}
		if errors.Is(err, errNoUser) {
			err = errUserNotFound(app.ID, address{kind: addrUserID, key: u.ID, raw: u.ID})
		}
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// handleGetStatus handles "GET /api/apps/{appID}/users/{user}/status"
// (docs/providers/kii.md, "Users"): {"disabled":…} for the admin token.
func handleGetStatus(log *slog.Logger, st Store, clk clock.Clock) appHandler {
	return func(w http.ResponseWriter, r *http.Request, app App) {
		u, err := adminTarget(st, r, app, clk)
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		writeObject(w, http.StatusOK, ctStatusRetrieval, object{{"disabled", u.Disabled}})
	}
}

// adminTarget authenticates the admin token and resolves {user}.
func adminTarget(st Store, r *http.Request, app App, clk clock.Clock) (User, error) {
	p, err := authenticate(st, r, app, clk.Now())
	if err == nil {
		err = requireAdmin(app, p)
	}
	if err != nil {
		return User{}, err
	}
	return target(st, r, app, p)
}

// handleDeleteUser handles "DELETE /api/apps/{appID}/users/{user}" with the
// user's own token or the admin token: 204 (the SDKs accept any 2xx); the
// user's tokens then get 403 WRONG_TOKEN (docs/providers/kii.md, "Users").
func handleDeleteUser(log *slog.Logger, st Store, clk clock.Clock) appHandler {
	return func(w http.ResponseWriter, r *http.Request, app App) {
		u, p, err := authTarget(st, r, app, clk)
		if err == nil {
			err = selfOrAdmin(app, p, u)
		}
		if err == nil {
			err = st.DeleteUser(app.ID, u.ID)
		}
		if errors.Is(err, errNoUser) {
			err = errUserNotFound(app.ID, address{kind: addrUserID, key: u.ID, raw: u.ID})
		}
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}
