package kii

import (
	"strings"
)

// addrKind says what a username or a user path segment names.
type addrKind int

const (
	addrLoginName  addrKind = iota // login name, exactly
	addrEmail                      // email address, case-insensitively
	addrPhone                      // phone number: key is the international form
	addrLocalPhone                 // PHONE: with local digits and no country: names nobody
	addrUserID                     // the user id
	addrMe                         // the token's own user
)

// address is a parsed username (login) or user path segment (/users/{x}).
type address struct {
	kind addrKind
	// key is the normalised lookup key: login name, lower-cased email,
	// phone number in international form ("" when the form names no
	// number), local digits or user id.
	key string
	// raw is the value as the client wrote it (after the prefix), echoed in
	// USER_NOT_FOUND bodies.
	raw string
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
// docs/providers/kii.md gives ("Token endpoint"). Bare local digits such as
// 09012341234 are a login name like any other: Kii documents only the
// international and PHONE:JP- forms for phone logins ("Phone numbers").
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
		return address{kind: addrLoginName, key: s, raw: s}
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
// "JP-9012341234" (ISO country, hyphen, local number), which is looked up in
// international form; a country without a calling code, or digits without
// a country, name nobody (docs/providers/kii.md, "Phone numbers").
func parsePhoneForm(v string) address {
	if strings.HasPrefix(v, "+") {
		return address{kind: addrPhone, key: v, raw: v}
	}
	if len(v) > 3 && v[2] == '-' && isLetter(v[0]) && isLetter(v[1]) {
		key, _ := internationalPhone(v[:2], v[3:])
		return address{kind: addrPhone, key: key, raw: v}
	}
	return address{kind: addrLocalPhone, key: v, raw: v}
}

func isLetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }
