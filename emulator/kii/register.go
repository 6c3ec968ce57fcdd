package kii

import (
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/ids"
)

// mtRegistrationAuth registers and logs in at once; lower-cased as
// httpx.MediaType returns it. Plain registration is
// application/vnd.kii.RegistrationRequest+json or any other JSON type
// (docs/providers/kii.md, "Users").
const mtRegistrationAuth = "application/vnd.kii.registrationandauthorizationrequest+json"

// registration is a registration body: the standard fields, and every
// other member as a custom field.
type registration struct {
	LoginName   member[string]            `json:"loginName"`
	Email       member[string]            `json:"emailAddress"`
	Phone       member[string]            `json:"phoneNumber"`
	Password    member[string]            `json:"password"`
	DisplayName member[string]            `json:"displayName"`
	Country     member[string]            `json:"country"`
	Locale      member[string]            `json:"locale"`
	Other       map[string]jsontext.Value `json:",unknown"`
}

// decodeRegistration decodes and validates a registration body
// (docs/providers/kii.md, "Users"). Standard fields are checked by the
// rules of validate.go; other members are custom fields, except names
// starting with '_' which are ignored. With pseudo, a body without login
// name, email, phone and password registers a pseudo user
// (docs/providers/kii.md, "Pseudo users").
// The returned user has no ID and InternalID yet.
func decodeRegistration(body []byte, pseudo bool) (User, error) {
	var in registration
	if err := decodeObject(body, &in); err != nil {
		return User{}, err
	}
	bad := object{}
	for _, f := range []struct {
		name string
		m    member[string]
	}{
		{"loginName", in.LoginName}, {"emailAddress", in.Email}, {"phoneNumber", in.Phone}, {"password", in.Password},
		{"displayName", in.DisplayName}, {"country", in.Country}, {"locale", in.Locale},
	} {
		if f.m.wrong {
			bad = append(bad, kv{f.name, badString})
		}
	}
	if len(bad) > 0 {
		return User{}, errInvalidInput(bad)
	}
	u := User{
		LoginName: in.LoginName.v, Email: in.Email.v, Phone: in.Phone.v, Password: in.Password.v,
		DisplayName: in.DisplayName.v, Locale: in.Locale.v,
		// The country is stored upper-cased: "jp" → "JP".
		Country: strings.ToUpper(in.Country.v),
	}
	isPseudo := pseudo && !u.hasIdentity() && !in.Password.sent
	bad = checkUserFields(u, in, !isPseudo)
	u.Phone = normalizePhone(u.Phone, u.Country)
	u.Custom = customFields(in.Other)
	if customSize(u.Custom) > maxCustomBytes {
		bad = append(bad, kv{"custom", badCustomSize})
	}
	if len(bad) > 0 {
		return User{}, errInvalidInput(bad)
	}
	if isPseudo {
		return u, nil
	}
	// A missing or short password is its own error, PASSWORD_TOO_SHORT.
	if short, problem := checkPassword(u.Password); short {
		return User{}, errPasswordTooShort()
	} else if problem != "" {
		return User{}, errInvalidInput(object{{"password", problem}})
	}
	// Addresses given at registration count as verified: a fresh Kii app
	// verifies neither email nor phone. The handler applies the app's
	// verification settings.
	u.EmailVerified, u.PhoneVerified = u.Email != "", u.Phone != ""
	return u, nil
}

// checkUserFields applies the field rules of registration to the standard
// fields that were sent (null included), and requires one identifier when
// needIdentity; it returns the problems by field name, in a fixed order.
func checkUserFields(u User, in registration, needIdentity bool) object {
	bad := object{}
	checks := []struct {
		name  string
		sent  bool
		value string
		check func(string) string
	}{
		{"loginName", in.LoginName.sent, u.LoginName, checkLoginName},
		{"emailAddress", in.Email.sent, u.Email, checkEmail},
		{"phoneNumber", in.Phone.sent, u.Phone, func(s string) string { return checkPhone(s, u.Country) }},
		{"displayName", in.DisplayName.sent, u.DisplayName, checkDisplayName},
		{"country", in.Country.sent, u.Country, checkCountry},
	}
	for _, c := range checks {
		if !c.sent {
			continue
		}
		if problem := c.check(c.value); problem != "" {
			bad = append(bad, kv{c.name, problem})
		}
	}
	if needIdentity && !u.hasIdentity() {
		bad = append(bad, kv{"loginName", badIdentifier})
	}
	return bad
}

// customFields are the members of a registration that are not standard
// fields; names starting with '_' are ignored.
func customFields(other map[string]jsontext.Value) map[string]json.RawMessage {
	var out map[string]json.RawMessage
	for k, raw := range other {
		if strings.HasPrefix(k, "_") || reservedField[k] {
			continue
		}
		if out == nil {
			out = map[string]json.RawMessage{}
		}
		out[k] = json.RawMessage(raw)
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

// handleRegister handles "POST /api/apps/{appID}/users": 201 with Location
// and the whole user; with
// application/vnd.kii.RegistrationAndAuthorizationRequest+json it also logs
// the user in and adds _accessToken, and {} registers a pseudo user
// (docs/providers/kii.md, "Users", "Pseudo users"). In an app that verifies
// addresses, given ones start unverified and their verification is sent.
func handleRegister(log *slog.Logger, st Store, clk clock.Clock, src ids.Source) appHandler {
	return func(w http.ResponseWriter, r *http.Request, app App) {
		mt := httpx.MediaType(r)
		if !isJSONType(mt) {
			writeError(log, w, r, errMediaType(mt, false))
			return
		}
		// A token (any valid one) or the app's credentials.
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
		u, err := decodeRegistration(body, mt == mtRegistrationAuth)
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		u.ID = src.UUID()
		u.EmailVerified = u.EmailVerified && !app.VerifyEmail
		u.PhoneVerified = u.PhoneVerified && !app.VerifyPhone
		now := clk.Now()
		var tok *Token
		if mt == mtRegistrationAuth {
			tok = &Token{Access: src.Token(tokenBytes), ExpiresAt: defaultExpiry(app, now)}
		}
		u, err = st.Register(app.ID, u, tok, linkBase(r), now)
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
// prefix the request came through: Location points at the emulator, not at
// Kii (docs/providers/kii.md, "Users").
func selfURL(r *http.Request, path string) string {
	return httpx.Scheme(r) + "://" + r.Host + httpx.Base(r) + path
}

// userObject is the user as Kii returns it, in the key order of
// docs/providers/kii.md ("Users"), then custom fields by name. full=false
// is what another user's token sees: userID, loginName, displayName.
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
	// A change waiting for its verification, as the JS SDK reads it
	// (getPendingEmailAddress, getPendingPhoneNumber).
	if u.PendingEmail != "" {
		o = append(o, kv{"_emailAddressPending", u.PendingEmail})
	}
	if u.PendingPhone != "" {
		o = append(o, kv{"_phoneNumberPending", u.PendingPhone})
	}
	o = append(o, kv{"_hasPassword", u.Password != ""}, kv{"_disabled", u.Disabled})
	for _, k := range sortedKeys(u.Custom) {
		o = append(o, kv{k, u.Custom[k]})
	}
	return o
}

func sortedKeys(m map[string]json.RawMessage) []string { return slices.Sorted(maps.Keys(m)) }
