package kii

import (
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/ids"
)

// mtRegistrationAuth registers and logs in at once [clients: python3-kii
// live]; lower-cased as httpx.MediaType returns it. Plain registration is
// application/vnd.kii.RegistrationRequest+json or any other JSON type
// (kii.md §4 [doc]).
const mtRegistrationAuth = "application/vnd.kii.registrationandauthorizationrequest+json"

// decodeRegistration decodes and validates a registration body (kii.md §4).
// Standard fields are checked by the rules of validate.go; other members
// are custom fields, except names starting with '_' which are ignored [doc].
// The returned user has no ID and InternalID yet.
func decodeRegistration(body []byte) (User, error) {
	var m map[string]json.RawMessage
	if err := decodeObject(body, &m); err != nil {
		return User{}, err
	}
	var u User
	bad := object{}
	str := func(name string, dst *string) {
		raw, ok := m[name]
		if !ok || isNull(raw) {
			return
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			bad = append(bad, kv{name, badString})
		}
	}
	str("loginName", &u.LoginName)
	str("emailAddress", &u.Email)
	str("phoneNumber", &u.Phone)
	str("password", &u.Password)
	str("displayName", &u.DisplayName)
	str("country", &u.Country)
	str("locale", &u.Locale)
	if len(bad) > 0 {
		return User{}, errInvalidInput(bad)
	}
	// The country is stored upper-cased: "jp" → "JP" (kii.md §4 [clients:
	// python3-kii live]).
	u.Country = strings.ToUpper(u.Country)
	bad = checkUserFields(u, m)
	u.Custom = customFields(m)
	if customSize(u.Custom) > maxCustomBytes {
		bad = append(bad, kv{"custom", badCustomSize})
	}
	if len(bad) > 0 {
		return User{}, errInvalidInput(bad)
	}
	// A missing or short password is its own error (kii.md §4 [clients]).
	if short, problem := checkPassword(u.Password); short {
		return User{}, errPasswordTooShort()
	} else if problem != "" {
		return User{}, errInvalidInput(object{{"password", problem}})
	}
	// Addresses given at registration count as verified: a fresh Kii app
	// verifies neither email nor phone [chosen].
	u.EmailVerified, u.PhoneVerified = u.Email != "", u.Phone != ""
	return u, nil
}

// checkUserFields applies the field rules of kii.md §4 to the standard
// fields that were sent, and requires one identifier; it returns the
// problems by field name, in a fixed order.
func checkUserFields(u User, sent map[string]json.RawMessage) object {
	bad := object{}
	checks := []struct {
		name, value string
		check       func(string) string
	}{
		{"loginName", u.LoginName, checkLoginName},
		{"emailAddress", u.Email, checkEmail},
		{"phoneNumber", u.Phone, func(s string) string { return checkPhone(s, u.Country) }},
		{"displayName", u.DisplayName, checkDisplayName},
		{"country", u.Country, checkCountry},
	}
	for _, c := range checks {
		if _, ok := sent[c.name]; !ok {
			continue
		}
		if problem := c.check(c.value); problem != "" {
			bad = append(bad, kv{c.name, problem})
		}
	}
	if u.LoginName == "" && u.Email == "" && u.Phone == "" {
		bad = append(bad, kv{"loginName", badIdentifier})
	}
	return bad
}

// customFields are the members of a registration that are not standard
// fields; names starting with '_' are ignored (kii.md §4 [doc]).
func customFields(m map[string]json.RawMessage) map[string]json.RawMessage {
	var out map[string]json.RawMessage
	for k, raw := range m {
		if strings.HasPrefix(k, "_") || reservedField[k] {
			continue
		}
		if out == nil {
			out = map[string]json.RawMessage{}
		}
		out[k] = raw
	}
	return out
}

// customSize is what counts against Kii's 63 KB limit: names and values.
func customSize(c map[string]json.RawMessage) int {
	n := 0
	for k, v := range c {
		n += len(k) + len(v)
	}
	return n
}

// handleRegister handles "POST /api/apps/{appID}/users" (kii.md §4 [doc]):
// 201 with Location and the whole user; with
// application/vnd.kii.RegistrationAndAuthorizationRequest+json it also logs
// the user in and adds _accessToken [clients: python3-kii live].
func handleRegister(log *slog.Logger, st Store, clk clock.Clock, src ids.Source) appHandler {
	return func(w http.ResponseWriter, r *http.Request, app App) {
		mt := httpx.MediaType(r)
		if !isJSONType(mt) {
			writeError(log, w, r, errMediaType(mt, false))
			return
		}
		// A token (any valid one) or the app's credentials (kii.md §4 [doc]).
		p, err := authenticate(st, r, app, clk.Now())
		if err == nil && p.kind == kindNone {
			err = requireAppCreds(r, app)
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
		u, err := decodeRegistration(body)
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		u.ID = src.UUID()
		var tok *Token
		if mt == mtRegistrationAuth {
			tok = &Token{Access: src.Token(tokenBytes)}
		}
		u, err = st.Register(app.ID, u, tok)
		var ce *conflictError
		if errors.As(err, &ce) {
			writeError(log, w, r, errUserExists(ce.field, ce.value))
			return
		}
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		o := userObject(u, true)
		if tok != nil {
			o = append(o, kv{"_accessToken", tok.Access})
		}
		w.Header().Set("Location", selfURL(r, "/api/apps/"+app.ID+"/users/"+u.ID))
		writeObject(w, http.StatusCreated, ctRegistration, o)
	}
}

// selfURL is an absolute URL back to this emulator for path, under the
// prefix the request came through (kii.md §4: Location is the emulator's
// own base URL [chosen]).
func selfURL(r *http.Request, path string) string {
	return httpx.Scheme(r) + "://" + r.Host + httpx.Base(r) + path
}

// userObject is the user as Kii returns it, in kii.md §4's key order, then
// custom fields by name. full=false is what another user's token sees:
// userID, loginName, displayName (kii.md §4 [doc]).
func userObject(u User, full bool) object {
	o := object{{"userID", u.ID}}
	if !full {
		if u.LoginName != "" {
			o = append(o, kv{"loginName", u.LoginName})
		}
		if u.DisplayName != "" {
			o = append(o, kv{"displayName", u.DisplayName})
		}
		return o
	}
	o = append(o, kv{"internalUserID", u.InternalID})
	opt := func(k, v string) {
		if v != "" {
			o = append(o, kv{k, v})
		}
	}
	opt("loginName", u.LoginName)
	opt("displayName", u.DisplayName)
	opt("country", u.Country)
	opt("locale", u.Locale)
	if u.Email != "" {
		o = append(o, kv{"emailAddress", u.Email}, kv{"emailAddressVerified", u.EmailVerified})
	}
	if u.Phone != "" {
		o = append(o, kv{"phoneNumber", u.Phone}, kv{"phoneNumberVerified", u.PhoneVerified})
	}
	o = append(o, kv{"_hasPassword", u.Password != ""}, kv{"_disabled", u.Disabled})
	for _, k := range sortedKeys(u.Custom) {
		o = append(o, kv{k, u.Custom[k]})
	}
	return o
}

func sortedKeys(m map[string]json.RawMessage) []string { return slices.Sorted(maps.Keys(m)) }
