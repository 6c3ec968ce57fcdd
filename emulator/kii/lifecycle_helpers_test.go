package kii

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

// Content types the JS SDK sends for the user lifecycle.
const (
	ctUserUpdate   = "application/vnd.kii.UserUpdateRequest+json"
	ctEmailChange  = "application/vnd.kii.EmailAddressModificationRequest+json"
	ctPhoneChange  = "application/vnd.kii.PhoneNumberModificationRequest+json"
	ctVerification = "application/vnd.kii.AddressVerificationRequest+json"
	ctResetRequest = "application/vnd.kii.ResetPasswordRequest+json"
	ctResetPIN     = "application/vnd.kii.CompletePasswordResetRequest+json"
)

// lifecycleFixture: "vapp" verifies email and phone; "gapp" generates
// reset passwords; both start with a verified user. The app name carries
// markup, which the hosted pages must escape.
const lifecycleFixture = `{"apps": [
  {"appID": "vapp", "appKey": "k", "clientID": "v-client", "clientSecret": "v-secret", "site": "JP",
   "name": "<b>検証</b>アプリ", "emailAddressVerificationRequired": true, "phoneNumberVerificationRequired": true,
   "users": [{"userID": "u-mio", "loginName": "mio", "emailAddress": "mio@example.jp", "phoneNumber": "+819011110000",
              "country": "JP", "password": "mio-pass"}]},
  {"appID": "gapp", "appKey": "k", "clientID": "g-client", "clientSecret": "g-secret", "site": "JP",
   "passwordResetFlow": "generatePassword",
   "users": [{"userID": "u-gen", "loginName": "gen", "emailAddress": "gen@example.jp", "phoneNumber": "+819022220000",
              "password": "gen-pass"}]}
]}`

// outbox reads GET /_fakeapi/kii/outbox with query q.
func (e *env) outbox(t testing.TB, q string) []Message {
	t.Helper()
	w := httptest.NewRecorder()
	e.inst.Admin.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/outbox"+q, nil))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var out []Message
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out))
	return out
}

// lastTo is the newest message to an address.
func (e *env) lastTo(t testing.TB, to string) Message {
	t.Helper()
	msgs := e.outbox(t, "?to="+url.QueryEscape(to))
	require.NotEmpty(t, msgs, "no message to %s", to)
	return msgs[len(msgs)-1]
}

// page requests a hosted page by its absolute link (as the outbox gives
// it) and parses it.
func (e *env) page(t testing.TB, method, link string, form url.Values) (*httptest.ResponseRecorder, *html.Node) {
	t.Helper()
	var r *http.Request
	if form != nil {
		r = httptest.NewRequest(method, link, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r = httptest.NewRequest(method, link, nil)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	doc, err := html.Parse(strings.NewReader(w.Body.String()))
	require.NoError(t, err)
	return w, doc
}

// byID finds the element with id, nil when none.
func byID(n *html.Node, id string) *html.Node {
	if n.Type == html.ElementNode {
		for _, a := range n.Attr {
			if a.Key == "id" && a.Val == id {
				return n
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := byID(c, id); f != nil {
			return f
		}
	}
	return nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	if n == nil {
		return ""
	}
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(text(c))
	}
	return b.String()
}

// hiddenFields are a form's hidden inputs.
func hiddenFields(form *html.Node) url.Values {
	v := url.Values{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "input" && attr(n, "type") == "hidden" {
			v.Set(attr(n, "name"), attr(n, "value"))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(form)
	return v
}

// getUser reads a user with a token.
func (e *env) getUser(t testing.TB, appID, tok, seg string) map[string]any {
	t.Helper()
	w := e.do(t, req{"GET", "/api/apps/" + appID + "/users/" + seg, h(bearer(tok), ""), ""})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	return decode(t, w)
}

// loginCode is the status of a site-level login.
func (e *env) loginCode(t testing.TB, appID, username, password string) int {
	t.Helper()
	return e.do(t, req{"POST", "/api/oauth2/token", kiiHeaders(appID, "k"), `{"username":"` + username + `","password":"` + password + `"}`}).Code
}
