package kii

import (
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Field rules of a Kii user (docs/providers/kii.md, "Users"), shared by
// registration and the fixture validator so a fixture can hold only users
// Kii would accept.
const (
	minPassword    = 4
	maxPassword    = 50
	maxDisplayName = 50
	maxCustomBytes = 63 * 1024
)

// loginNameRE is the SDKs' client-side check.
var loginNameRE = regexp.MustCompile(`^[a-zA-Z0-9\-_.]{3,64}$`)

// intlPhoneRE and localPhoneRE: "+" and 7–15 digits (E.164), or 4–15 local
// digits, digits only, no separators.
var (
	intlPhoneRE  = regexp.MustCompile(`^\+[0-9]{7,15}$`)
	localPhoneRE = regexp.MustCompile(`^[0-9]{4,15}$`)
)

// Problem texts for invalidFields.
const (
	badLoginName    = "must be 3 to 64 characters of a-z, A-Z, 0-9, '-', '_' and '.'"
	badEmail        = "must be an email address such as taro@example.jp"
	badPhone        = "must be +<country code><number> (E.164), or local digits with a country"
	badPhoneNoCC    = "a local phone number needs a country such as JP"
	badPhoneCountry = "a local phone number needs a country with a calling code, such as JP"
	badCountry      = "must be a two-letter country code such as JP"
	badDisplayName  = "must be 1 to 50 characters"
	badPassword     = "must be 4 to 50 printable ASCII characters"
	badString       = "must be a JSON string"
	badIdentifier   = "at least one of loginName, emailAddress and phoneNumber is required"
	badCustomSize   = "custom fields must not exceed 63 KB in total"
)

func checkLoginName(s string) string {
	if !loginNameRE.MatchString(s) {
		return badLoginName
	}
	return ""
}

func checkEmail(s string) string {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return badEmail
	}
	return ""
}

// checkPhone validates a phone number against the user's country (which
// must already be upper-cased, or empty): a number in local form needs a
// country with a calling code, since it is stored in international form
// (docs/providers/kii.md, "Phone numbers").
func checkPhone(phone, country string) string {
	switch {
	case intlPhoneRE.MatchString(phone):
		return ""
	case localPhoneRE.MatchString(phone):
		if country == "" {
			return badPhoneNoCC
		}
		intl, ok := internationalPhone(country, phone)
		if !ok {
			return badPhoneCountry
		}
		if !intlPhoneRE.MatchString(intl) {
			return badPhone // too short or long once in international form
		}
		return ""
	default:
		return badPhone
	}
}

// normalizePhone is a valid phone number (checkPhone) in international
// form: Kii stores phoneNumber "always in the international phone number
// format" (docs/providers/kii.md, "Phone numbers").
func normalizePhone(phone, country string) string {
	if phone == "" || strings.HasPrefix(phone, "+") {
		return phone
	}
	if intl, ok := internationalPhone(country, phone); ok {
		return intl
	}
	return phone // unreachable after checkPhone
}

func checkCountry(s string) string {
	if len(s) != 2 || !isLetter(s[0]) || !isLetter(s[1]) {
		return badCountry
	}
	return ""
}

func checkDisplayName(s string) string {
	if n := utf8.RuneCountInString(s); n < 1 || n > maxDisplayName || !utf8.ValidString(s) {
		return badDisplayName
	}
	return ""
}

// checkPassword reports tooShort when the password is shorter than
// Kii's minimum (PASSWORD_TOO_SHORT), else a problem text (badPassword)
// or "" when fine.
func checkPassword(s string) (tooShort bool, problem string) {
	if len(s) < minPassword {
		return true, ""
	}
	if len(s) > maxPassword {
		return false, badPassword
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false, badPassword
		}
	}
	return false, ""
}
