package kii

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// Fuzz targets for every parser of client input (PROVIDER-GUIDE). Each
// checks properties, not just "no panic": errors are Kii errors with a
// status from the table, and parsed values are consistent.

func FuzzParseUsername(f *testing.F) {
	for _, s := range []string{"user_123456", "+819012341234", "taro@example.jp", "EMAIL:taro@example.jp",
		"PHONE:+819012341234", "PHONE:JP-9012341234", "PHONE:09012341234", "09012341234", "PHONE:", "EMAIL:", "PHONE:J-1", "", "@", "+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a := parseUsername(s)
		switch {
		case strings.HasPrefix(s, prefixEmail):
			if a.kind != addrEmail || a.raw != s[len(prefixEmail):] {
				t.Fatalf("EMAIL: form misparsed: %+v", a)
			}
		case strings.HasPrefix(s, prefixPhone):
			if a.kind != addrPhone && a.kind != addrLocalPhone {
				t.Fatalf("PHONE: form misparsed: %+v", a)
			}
		case strings.HasPrefix(s, "+"):
			if a.kind != addrPhone || a.key != s {
				t.Fatalf("E.164 misparsed: %+v", a)
			}
		case strings.Contains(s, "@"):
			if a.kind != addrEmail || a.key != strings.ToLower(s) {
				t.Fatalf("email misparsed: %+v", a)
			}
		default:
			if a.kind != addrLoginName || a.key != s {
				t.Fatalf("login name misparsed: %+v", a)
			}
		}
		if a.field() == "" {
			t.Fatal("every address names a field")
		}
	})
}

func FuzzParseUserSegment(f *testing.F) {
	for _, s := range []string{"me", "u-taro", "LOGIN_NAME:taro", "EMAIL:a@b.jp", "PHONE:+8190", "PHONE:JP-90", "LOGIN_NAME:", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a := parseUserSegment(s)
		if s == "me" && a.kind != addrMe {
			t.Fatalf("me misparsed: %+v", a)
		}
		if a.kind == addrUserID && a.key != s {
			t.Fatalf("a user id is taken as is: %+v", a)
		}
		// Every address resolves against a store without panicking.
		st := newAppState(App{ID: "a"})
		st.addUser(User{ID: "u", LoginName: "taro", Email: "a@b.jp", Phone: "09012341234", Country: "JP"})
		_, _, _ = st.find(a)
	})
}

// checkAPIError fails unless err is an *apiError whose status comes from
// the table and whose body is valid JSON without a bare '%'.
func checkAPIError(t *testing.T, err error) {
	t.Helper()
	var ae *apiError
	if !errors.As(err, &ae) {
		t.Fatalf("want *apiError, got %T %v", err, err)
	}
	if _, ok := codeStatus[ae.code]; !ok {
		t.Fatalf("code %q not in the status table", ae.code)
	}
	body := escapePercent(ae.body().encode())
	if !json.Valid(body) {
		t.Fatalf("invalid JSON body %s", body)
	}
	if _, err := url.PathUnescape(string(body)); err != nil {
		t.Fatalf("body does not survive decodeURIComponent: %s", body)
	}
}

// checkBodyResult fails unless a JSON body decoded to err as Kii answers:
// no error or a Kii error, and INVALID_JSON exactly when the body is not
// one JSON object (encoding/json judges what is JSON: it accepts duplicate
// names and invalid UTF-8, as the decoder does).
func checkBodyResult(t *testing.T, body []byte, err error) {
	t.Helper()
	isObject := json.Valid(body) && bytes.TrimLeft(body, " \t\r\n")[0] == '{'
	if err == nil {
		if !isObject {
			t.Fatalf("accepted %q, which is not a JSON object", body)
		}
		return
	}
	checkAPIError(t, err)
	var ae *apiError
	errors.As(err, &ae)
	if (ae.code == codeInvalidJSON) == isObject {
		t.Fatalf("%q: %s %s, but JSON object = %v", body, ae.code, ae.msg, isObject)
	}
}

func FuzzDecodeTokenJSON(f *testing.F) {
	for _, s := range []string{seedBody, `{"username":"a","password":"b","expiresAt":1449057600000}`, `{"client_id":"c","client_secret":"s"}`,
		`{"expiresAt":"1"}`, `{"expiresAt":1.5}`, `{"username":1}`, `[]`, `{`, `null`, `{"grant_type":null}`, ``,
		` { "username" : "a\u0062\"" , "username":"c", "x":[1,{"y":2}], "password":-0.5e+3, "expiresAt":-0 } `,
		`{"user\u006eame":"a"}`, `{"a":tru}`, `{"a":01}`, `{"a":"\x"}`, "{\"a\":\"\xff\"}", `{"grant_type":"password",}`, "{}\v", "{\"a\":\"b\"}\f"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := decodeTokenRequest(mtJSON, body, url.Values{})
		checkBodyResult(t, body, err)
		if err == nil && !r.hasExpiresAt && r.expiresAt != 0 {
			t.Fatal("expiresAt without hasExpiresAt")
		}
	})
}

func FuzzDecodeTokenForm(f *testing.F) {
	for _, s := range []string{"grant_type=password&username=taro&password=x", "username=a&username=b", "expiresAt=abc", "%zz", "expiresAt=1449057600000", ""} {
		f.Add(s, "disable_cache=1")
	}
	f.Fuzz(func(t *testing.T, body, query string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		r, err := decodeTokenRequest(mtForm, []byte(body), q)
		if err != nil {
			checkAPIError(t, err)
			return
		}
		for _, p := range secretParams {
			if q.Has(p) {
				t.Fatalf("accepted %s in the URL", p)
			}
		}
		if vals, _ := url.ParseQuery(body); vals.Get("username") != r.username {
			t.Fatalf("username %q, want %q", r.username, vals.Get("username"))
		}
	})
}

func FuzzDecodeRegistration(f *testing.F) {
	for _, s := range []string{`{"loginName":"taro","password":"pass1234"}`, `{"emailAddress":"a@b.jp","password":"pass1234","x":{"y":[1]}}`,
		`{"phoneNumber":"09012341234","country":"jp","password":"pass1234"}`, `{"password":"abc"}`, `{"loginName":1}`, `{}`, `[`, `"x"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		// A RegistrationAndAuthorizationRequest may register a pseudo
		// user: no identifier and no password at all.
		if u, err := decodeRegistration(body, true); err == nil && !u.hasIdentity() && u.Password != "" {
			t.Fatalf("accepted a pseudo user with a password: %+v", u)
		}
		u, err := decodeRegistration(body, false)
		checkBodyResult(t, body, err)
		if err != nil {
			return
		}
		if u.LoginName == "" && u.Email == "" && u.Phone == "" {
			t.Fatal("accepted a user without identifier")
		}
		if short, problem := checkPassword(u.Password); short || problem != "" {
			t.Fatalf("accepted password %q", u.Password)
		}
		if u.Country != strings.ToUpper(u.Country) {
			t.Fatal("country not upper-cased")
		}
		for k := range u.Custom {
			if strings.HasPrefix(k, "_") || reservedField[k] {
				t.Fatalf("kept field %q as custom", k)
			}
		}
		if !utf8.ValidString(u.DisplayName) {
			t.Fatal("invalid display name accepted")
		}
	})
}

func FuzzDecodePasswordChange(f *testing.F) {
	for _, s := range []string{`{"oldPassword":"a","newPassword":"pass1234"}`, `{"newPassword":"abc"}`, `{"oldPassword":1}`, `{`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_, pw, err := decodePasswordChange(body)
		checkBodyResult(t, body, err)
		if err != nil {
			return
		}
		if short, problem := checkPassword(pw); short || problem != "" {
			t.Fatalf("accepted new password %q", pw)
		}
	})
}

func FuzzDecodeStatus(f *testing.F) {
	for _, s := range []string{`{"disabled":true}`, `{"disabled":false}`, `{"disabled":"true"}`, `{"disabled":null}`, `{}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := decodeStatus(body)
		checkBodyResult(t, body, err)
		if err != nil {
			return
		}
		var m map[string]any
		if json.Unmarshal(body, &m) != nil || m["disabled"] != d {
			t.Fatalf("decoded %v from %s", d, body)
		}
	})
}

func FuzzBasicAuth(f *testing.F) {
	for _, s := range []string{basic("app1", "key"), "Basic !!", "basic " + "YTpi", "Bearer x", "Basic", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r := newRecorderRequest(header)
		c, err := readAppCreds(r)
		if err != nil {
			checkAPIError(t, err)
			return
		}
		if c.basic && !c.present {
			t.Fatal("basic credentials must be present")
		}
	})
}

func newRecorderRequest(authorization string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/api/oauth2/token", nil)
	r.Header.Set("Authorization", authorization)
	return r
}

// FuzzDecodeUserUpdate: a UserUpdateRequest decodes to Kii's errors only,
// and what it accepts keeps the field rules: a valid password when one is
// set, phones in international form, no reserved or '_' custom field.
func FuzzDecodeUserUpdate(f *testing.F) {
	for _, s := range []string{`{"displayName":"x","level":3}`, `{"loginName":"shiro","password":"shiro-pass"}`,
		`{"phoneNumber":"09012341234"}`, `{"phoneNumber":"0123","country":"zz"}`, `{"internalUserID":1,"_accessToken":"t","a":null}`,
		`{"password":"abc"}`, `{"emailAddress":1}`, `{}`, `[`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		upd, err := decodeUserUpdate(body, "JP")
		checkBodyResult(t, body, err)
		if err != nil {
			return
		}
		if upd.password != nil {
			if short, problem := checkPassword(*upd.password); short || problem != "" {
				t.Fatalf("accepted password %q", *upd.password)
			}
		}
		if upd.phone != nil && !intlPhoneRE.MatchString(*upd.phone) {
			t.Fatalf("phone %q not in international form", *upd.phone)
		}
		for k := range upd.custom {
			if strings.HasPrefix(k, "_") || reservedField[k] {
				t.Fatalf("kept field %q as custom", k)
			}
		}
	})
}
