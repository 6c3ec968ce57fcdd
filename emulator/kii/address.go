package kii

import (
	"strings"
)

// addrKind says what a username or a user path segment names.
type addrKind int

const (
	addrLoginName  addrKind = iota // login name, exactly
	addrEmail                      // email address, case-insensitively
	addrPhone                      // phone number: key is E.164 or "CC-local"
	addrLocalPhone                 // local digits without a country
	addrUserID                     // the user id
	addrMe                         // the token's own user
)

// address is a parsed username (login) or user path segment (/users/{x}).
type address struct {
	kind addrKind
	// key is the normalised lookup key: login name, lower-cased email,
	// phone key (phoneKey), local digits or user id.
	key string
	// raw is the value as the client wrote it (after the prefix), echoed in
	// USER_NOT_FOUND bodies.
	raw string
	// localFallback: a bare login username that names nobody may still be a
	// phone number registered in local form (docs/providers/kii.md, "Token
	// endpoint").
	localFallback bool
}

// field is the name of the user field the address matched against, as
// USER_NOT_FOUND reports it (docs/providers/kii.md, "Users").
func (a address) field() string {
	switch a.kind {
	case addrLoginName:
		return "loginName"
	case addrEmail:
		return "emailAddress"
	case addrPhone, addrLocalPhone:
		return "phoneNumber"
	default:
		return "userID"
	}
}

// Prefixes of the username forms and of the user addressing forms in paths
// (docs/providers/kii.md, "Token endpoint" and "Endpoints").
const (
	prefixEmail     = "EMAIL:"
	prefixPhone     = "PHONE:"
	prefixLoginName = "LOGIN_NAME:"
)

// parseUsername classifies the "username" of a password login: login name,
// international phone number, email address, EMAIL:addr,
// PHONE:+819012341234 or PHONE:JP-9012341234, tried in the order
// docs/providers/kii.md gives ("Token endpoint").
func parseUsername(s string) address {
	switch {
	case strings.HasPrefix(s, prefixEmail):
		v := s[len(prefixEmail):]
		return address{kind: addrEmail, key: strings.ToLower(v), raw: v}
	case strings.HasPrefix(s, prefixPhone):
		return parsePhoneForm(s[len(prefixPhone):])
	case strings.HasPrefix(s, "+"):
		return address{kind: addrPhone, key: s, raw: s}
	case strings.Contains(s, "@"):
		return address{kind: addrEmail, key: strings.ToLower(s), raw: s}
	default:
		return address{kind: addrLoginName, key: s, raw: s, localFallback: isDigits(s)}
	}
}

// parseUserSegment classifies the {user} segment of /users/{user}: me, a
// user id, or LOGIN_NAME:/EMAIL:/PHONE: forms (docs/providers/kii.md,
// "Endpoints"). The segment is already path-unescaped.
func parseUserSegment(s string) address {
	switch {
	case s == "me":
		return address{kind: addrMe, key: s, raw: s}
	case strings.HasPrefix(s, prefixLoginName):
		v := s[len(prefixLoginName):]
		return address{kind: addrLoginName, key: v, raw: v}
	case strings.HasPrefix(s, prefixEmail):
		v := s[len(prefixEmail):]
		return address{kind: addrEmail, key: strings.ToLower(v), raw: v}
	case strings.HasPrefix(s, prefixPhone):
		return parsePhoneForm(s[len(prefixPhone):])
	default:
		return address{kind: addrUserID, key: s, raw: s}
	}
}

// parsePhoneForm reads what follows "PHONE:": "+819012341234" (E.164) or
// "JP-9012341234" (ISO country, hyphen, local number); anything else is
// taken as local digits of an unknown country (docs/providers/kii.md,
// "Token endpoint").
func parsePhoneForm(v string) address {
	if strings.HasPrefix(v, "+") {
		return address{kind: addrPhone, key: v, raw: v}
	}
	if len(v) > 3 && v[2] == '-' && isLetter(v[0]) && isLetter(v[1]) {
		return address{kind: addrPhone, key: phoneKey(v[:2], v[3:]), raw: v}
	}
	return address{kind: addrLocalPhone, key: v, raw: v}
}

// phoneKey is the uniqueness and lookup key of a phone number written in
// local form for a country: "+<calling code><local without one leading 0>"
// when the country is known (PHONE:JP-9012341234 is +819012341234), else
// "CC-<local without one leading 0>" (docs/providers/kii.md, "Token
// endpoint").
func phoneKey(country, local string) string {
	country = strings.ToUpper(country)
	local = strings.TrimPrefix(local, "0")
	if cc, ok := callingCodes[country]; ok {
		return "+" + cc + local
	}
	return country + "-" + local
}

func isLetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// callingCodes maps ISO 3166 alpha-2 countries to ITU calling codes for the
// countries of Kii's sites and their neighbours: enough for tests, and an
// unlisted country still works, keyed as "CC-local".
var callingCodes = map[string]string{
	"JP": "81", "US": "1", "CA": "1", "CN": "86", "SG": "65", "TW": "886", "HK": "852", "KR": "82",
	"GB": "44", "DE": "49", "FR": "33", "IT": "39", "ES": "34", "NL": "31", "AU": "61", "NZ": "64",
	"IN": "91", "TH": "66", "VN": "84", "PH": "63", "MY": "60", "ID": "62", "BR": "55", "MX": "52",
}
