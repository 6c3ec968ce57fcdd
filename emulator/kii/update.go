package kii

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
)

// ctUserUpdateResponse is the type of an update's {"modifiedAt": …}
// (docs/providers/kii.md, "Updating users").
const ctUserUpdateResponse = "application/vnd.kii.UserUpdateResponse+json"

// decodeUserUpdate reads a UserUpdateRequest: the standard fields sent, the
// password of a pseudo user's first identity, and every other member as
// the user's custom fields, which it replaces: the JS SDK's update() and
// putIdentity() send the user's refreshed custom fields with the removed
// ones left out (docs/providers/kii.md, "Updating users"). Names starting
// with '_' and the fields the server owns (userID, internalUserID, the
// verified flags) are ignored, as the SDK sends some of them back. A local
// phone number takes the body's country, else country (the user's).
func decodeUserUpdate(body []byte, country string) (userUpdate, error) {
	var in registration
	if err := decodeObject(body, &in); err != nil {
		return userUpdate{}, err
	}
	bad := object{}
	var upd userUpdate
	for _, f := range []struct {
		name string
		m    member[string]
		dst  **string
	}{
		{"loginName", in.LoginName, &upd.loginName}, {"emailAddress", in.Email, &upd.email},
		{"phoneNumber", in.Phone, &upd.phone}, {"password", in.Password, &upd.password},
		{"displayName", in.DisplayName, &upd.displayName}, {"country", in.Country, &upd.country},
		{"locale", in.Locale, &upd.locale},
	} {
		switch {
		case f.m.wrong:
			bad = append(bad, kv{f.name, badString})
		case f.m.sent:
			v := f.m.v
			*f.dst = &v
		}
	}
	if len(bad) > 0 {
		return userUpdate{}, errInvalidInput(bad)
	}
	if upd.country != nil {
		c := strings.ToUpper(*upd.country)
		upd.country, country = &c, c
	}
	u := User{Country: country}
	for _, f := range []struct {
		p   *string
		dst *string
	}{{upd.loginName, &u.LoginName}, {upd.email, &u.Email}, {upd.phone, &u.Phone}, {upd.displayName, &u.DisplayName}} {
		if f.p != nil {
			*f.dst = *f.p
		}
	}
	bad = checkUserFields(u, in, false)
	if upd.password != nil {
		if short, problem := checkPassword(*upd.password); short {
			return userUpdate{}, errPasswordTooShort()
		} else if problem != "" {
			bad = append(bad, kv{"password", problem})
		}
	}
	upd.custom, upd.replaceCustom = customFields(in.Other), true
	if customSize(upd.custom) > maxCustomBytes {
		bad = append(bad, kv{"custom", badCustomSize})
	}
	if len(bad) > 0 {
		return userUpdate{}, errInvalidInput(bad)
	}
	if upd.phone != nil {
		p := normalizePhone(*upd.phone, country)
		upd.phone = &p
	}
	return upd, nil
}

// handleUpdateUser handles "POST /api/apps/{appID}/users/{user}" with a
// UserUpdateRequest, what the JS SDK's update() and putIdentity() send:
// 200 {"modifiedAt": ms} (docs/providers/kii.md, "Updating users",
// "Pseudo users"). The user's own token or the app admin's.
func handleUpdateUser(log *slog.Logger, st Store, clk clock.Clock) appHandler {
	return func(w http.ResponseWriter, r *http.Request, app App) {
		u, ok := selfTarget(log, st, w, r, app, clk)
		if !ok {
			return
		}
		body, err := httpx.ReadBody(r)
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		upd, err := decodeUserUpdate(body, u.Country)
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		now := clk.Now()
		if _, err := st.UpdateUser(app.ID, u.ID, upd, linkBase(r), now); err != nil {
			writeError(log, w, r, updateError(app, u, err))
			return
		}
		writeObject(w, http.StatusOK, ctUserUpdateResponse, object{{"modifiedAt", now.UnixMilli()}})
	}
}

// handleChangeAddress handles "PUT /api/apps/{appID}/users/{user}/email-address"
// ({"emailAddress"}) and ".../phone-number" ({"phoneNumber"}): 204; in an
// app that verifies addresses the new one is pending until verified
// (docs/providers/kii.md, "Verification and password reset").
func handleChangeAddress(log *slog.Logger, st Store, clk clock.Clock, phone bool) appHandler {
	field := "emailAddress"
	if phone {
		field = "phoneNumber"
	}
	return func(w http.ResponseWriter, r *http.Request, app App) {
		u, ok := selfTarget(log, st, w, r, app, clk)
		if !ok {
			return
		}
		body, err := httpx.ReadBody(r)
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		var in struct {
			Email member[string] `json:"emailAddress"`
			Phone member[string] `json:"phoneNumber"`
		}
		if err := decodeObject(body, &in); err != nil {
			writeError(log, w, r, err)
			return
		}
		m, check := in.Email, checkEmail
		if phone {
			m, check = in.Phone, func(s string) string { return checkPhone(s, u.Country) }
		}
		switch {
		case m.wrong:
			err = errInvalidInput(object{{field, badString}})
		case !m.given() || m.v == "":
			err = errf(codeMissingData, msgMissingAddress, field)
		default:
			if problem := check(m.v); problem != "" {
				err = errInvalidInput(object{{field, problem}})
			}
		}
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		var upd userUpdate
		if phone {
			p := normalizePhone(m.v, u.Country)
			upd.phone = &p
		} else {
			upd.email = &m.v
		}
		if _, err := st.UpdateUser(app.ID, u.ID, upd, linkBase(r), clk.Now()); err != nil {
			writeError(log, w, r, updateError(app, u, err))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// selfTarget checks a JSON content type, authenticates the user's own
// token or the admin token and resolves {user}, writing the error.
func selfTarget(log *slog.Logger, st Store, w http.ResponseWriter, r *http.Request, app App, clk clock.Clock) (User, bool) {
	if mt := httpx.MediaType(r); !isJSONType(mt) {
		writeError(log, w, r, errMediaType(mt, false))
		return User{}, false
	}
	u, p, err := authTarget(st, r, app, clk)
	if err == nil {
		err = selfOrAdmin(app, p, u)
	}
	if err != nil {
		writeError(log, w, r, err)
		return User{}, false
	}
	return u, true
}

// updateError turns the store's update errors into Kii's.
func updateError(app App, u User, err error) error {
	var ce *conflictError
	var ie *inputError
	switch {
	case errors.As(err, &ce):
		return errUserExists(ce.field, ce.value)
	case errors.As(err, &ie):
		return errInvalidInput(object{{ie.field, ie.problem}})
	case errors.Is(err, errNoUser):
		return errUserNotFound(app.ID, address{kind: addrUserID, key: u.ID, raw: u.ID})
	}
	return err
}
