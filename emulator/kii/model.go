package kii

import (
	"encoding/json"
	"strconv"
	"time"
)

// defaultMaxLifetime is Kii's default maximum token lifetime, 35,791,394
// minutes, just under 2^31 seconds (docs/providers/kii.md, "Token
// endpoint").
const defaultMaxLifetime = 35791394 * time.Minute

// neverExpiresIn is expires_in of a token without expiresAt
// (docs/providers/kii.md, "Token endpoint").
const neverExpiresIn = 2147483647

// firstInternalUserID is the first internalUserID handed out in an app
// with no users (docs/providers/kii.md, "Users").
const firstInternalUserID = 1048577

// App is one application's settings, as handlers see them (a value).
type App struct {
	ID, Key                string
	ClientID, ClientSecret string
	Site, Name             string
	StrictAppKey           bool
	RefreshTokens          bool
	ExposeFull             bool
	// VerifyEmail and VerifyPhone are Kii's "email address verification"
	// and "phone number verification" settings: new addresses are
	// unverified until the user follows the mail's link or enters the
	// SMS code (docs/providers/kii.md, "Verification and password reset").
	VerifyEmail bool
	VerifyPhone bool
	// GeneratePassword is the "Generate password" password reset flow:
	// Kii makes the new password and sends it; otherwise the user chooses
	// it.
	GeneratePassword bool
	MaxLifetime      time.Duration
	maxMinutes       int64 // as in the fixture (0 = default), for export
	// DefaultLifetime is the lifetime of a user token whose request sets
	// no expiresAt: Kii's "Expiration Period" setting; 0 = never expires
	// (docs/providers/kii.md, "Token lifetime").
	DefaultLifetime time.Duration
	// LoginFailureLimit and LoginLockout override Config's throttling for
	// this app: nil and 0 leave Config's.
	LoginFailureLimit *int
	LoginLockout      time.Duration
}

// User is one user, as handlers see it (a value). Custom is never mutated
// after the user is created, so sharing the map between copies is safe.
type User struct {
	ID            string
	InternalID    int64
	LoginName     string
	DisplayName   string
	Country       string
	Locale        string
	Email         string
	EmailVerified bool
	Phone         string
	PhoneVerified bool
	// PendingEmail and PendingPhone are new addresses waiting for their
	// verification, in an app that requires it; the old ones stay in use
	// until then (docs/providers/kii.md, "Verification and password
	// reset").
	PendingEmail string
	PendingPhone string
	// Password is "" for a pseudo user (docs/providers/kii.md, "Pseudo
	// users").
	Password string
	Disabled bool
	Custom   map[string]json.RawMessage
}

// pseudo reports whether u is a pseudo user: registered without
// credentials, it has no password until it is given an identity.
func (u User) pseudo() bool { return u.Password == "" }

// hasIdentity reports whether u has a login name, email or phone.
func (u User) hasIdentity() bool { return u.LoginName != "" || u.Email != "" || u.Phone != "" }

// reservedField are the names of the standard user fields: a registration
// cannot set them as custom fields (the server owns userID, internalUserID
// and the verified flags).
var reservedField = map[string]bool{
	"userID": true, "internalUserID": true, "loginName": true, "displayName": true, "country": true,
	"locale": true, "emailAddress": true, "emailAddressVerified": true, "phoneNumber": true,
	"phoneNumberVerified": true, "password": true, "disabled": true,
}

// tokenKind is who a token speaks for.
type tokenKind int

const (
	kindNone      tokenKind = iota // no token at all
	kindUser                       // a user's login
	kindAdmin                      // app admin: client_credentials with ClientID/ClientSecret
	kindAnonymous                  // client_credentials with AppID/AppKey
)

func (k tokenKind) String() string {
	switch k {
	case kindUser:
		return "user"
	case kindAdmin:
		return "admin"
	case kindAnonymous:
		return "anonymous"
	default:
		return "none"
	}
}

// Token is an access token and, for users of apps with refresh tokens
// enabled, its refresh token.
type Token struct {
	Access    string
	Refresh   string
	Kind      tokenKind
	UserID    string    // kind user
	ExpiresAt time.Time // zero: never
	// Lifetime is the lifetime the client chose with expiresAt, which a
	// refresh keeps; 0 when the client chose none (docs/providers/kii.md,
	// "Token lifetime").
	Lifetime time.Duration
}

// expired reports whether the token is past its expiresAt on the
// emulator clock.
func (t Token) expired(now time.Time) bool {
	return !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)
}

// expiresIn is the token response's expires_in: seconds left, rounded
// down, or 2147483647 for a token that never expires.
func (t Token) expiresIn(now time.Time) int64 {
	if t.ExpiresAt.IsZero() {
		return neverExpiresIn
	}
	return max(t.ExpiresAt.Sub(now).Milliseconds()/1000, 0)
}

func itoa(i int) string { return strconv.Itoa(i) }
