package kii

import (
	"cmp"
	"encoding/json"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/fakeapi/fakeapi/internal/fixture"
	"github.com/fakeapi/fakeapi/internal/keytable"
)

// Fixtures is the schema of fixtures/kii.json, and of the state the admin
// API exports and imports: the runtime parts (tokens, devlog) are optional
// fields, so an export can be loaded again as fixtures.
type Fixtures struct {
	Apps []AppFixture `json:"apps"`
	// Devlog is the developer log (Kii's 開発者ログ): the real cause of
	// each failed login.
	Devlog []DevlogEntry `json:"devlog,omitempty"`
}

// AppFixture is one Kii application with its users and live tokens.
type AppFixture struct {
	AppID        string `json:"appID"`
	AppKey       string `json:"appKey"`
	ClientID     string `json:"clientID"`     // app-admin client_credentials
	ClientSecret string `json:"clientSecret"` // app-admin client_credentials
	Site         string `json:"site"`         // US, JP, SG, CN3, EU
	Name         string `json:"name,omitempty"`
	// StrictAppKey makes a wrong AppKey fail with 401 UNAUTHORIZED; real
	// Kii ignores the key, so the default is off (docs/providers/kii.md,
	// "Request conventions").
	StrictAppKey bool `json:"strictAppKey,omitempty"`
	// RefreshTokenEnabled is the app setting "Enable Refresh Token",
	// off by default as in Kii.
	RefreshTokenEnabled bool `json:"refreshTokenEnabled,omitempty"`
	// ExposeFullUserDataToOthers lets a user's token read other users in
	// full, as Kii's app setting of that name.
	ExposeFullUserDataToOthers bool `json:"exposeFullUserDataToOthers,omitempty"`
	// MaxTokenLifetimeMinutes caps expiresAt; 0 means Kii's default of
	// 35,791,394 minutes.
	MaxTokenLifetimeMinutes int64 `json:"maxTokenLifetimeMinutes,omitempty"`
	// DefaultTokenLifetimeMinutes is the lifetime of a user token whose
	// login sets no expiresAt (Kii's "Expiration Period"); 0 means the
	// token never expires, Kii's default. At most the maximum lifetime.
	DefaultTokenLifetimeMinutes int64 `json:"defaultTokenLifetimeMinutes,omitempty"`
	// LoginFailureLimit turns brute-force throttling on for this app:
	// after this many wrong passwords in a row a user's logins are refused
	// for the lockout; 0 turns it off. Absent, Config.LoginFailureLimit
	// applies (docs/providers/kii.md, "Login throttling").
	LoginFailureLimit *int `json:"loginFailureLimit,omitempty"`
	// LoginLockoutSeconds is this app's lockout; 0 or absent leaves
	// Config.LoginLockout.
	LoginLockoutSeconds int64 `json:"loginLockoutSeconds,omitempty"`
	// EmailAddressVerificationRequired and PhoneNumberVerificationRequired
	// are Kii's address verification settings: registered and changed
	// addresses stay unverified until the user follows the mail's link or
	// enters the SMS code (docs/providers/kii.md, "Verification and
	// password reset"). Off by default.
	EmailAddressVerificationRequired bool `json:"emailAddressVerificationRequired,omitempty"`
	PhoneNumberVerificationRequired  bool `json:"phoneNumberVerificationRequired,omitempty"`
	// PasswordResetFlow is Kii's "Password Reset Flow" setting:
	// "newPassword" (the default: the user sets it on the reset page or
	// with the PIN) or "generatePassword" (Kii makes one and sends it).
	PasswordResetFlow string         `json:"passwordResetFlow,omitempty"`
	Users             []UserFixture  `json:"users"`
	Tokens            []TokenFixture `json:"tokens,omitempty"`
}

// UserFixture is one user of an app. Passwords are plain text: these are
// test accounts.
type UserFixture struct {
	UserID         string `json:"userID"`
	InternalUserID int64  `json:"internalUserID,omitempty"` // assigned when 0
	LoginName      string `json:"loginName,omitempty"`
	DisplayName    string `json:"displayName,omitempty"`
	Country        string `json:"country,omitempty"`
	Locale         string `json:"locale,omitempty"`
	EmailAddress   string `json:"emailAddress,omitempty"`
	// EmailAddressVerified and PhoneNumberVerified default to true; login
	// by an unverified address fails, as in Kii.
	EmailAddressVerified *bool  `json:"emailAddressVerified,omitempty"`
	PhoneNumber          string `json:"phoneNumber,omitempty"`
	PhoneNumberVerified  *bool  `json:"phoneNumberVerified,omitempty"`
	Password             string `json:"password"`
	Disabled             bool   `json:"disabled,omitempty"`
	// Custom holds custom user fields.
	Custom map[string]json.RawMessage `json:"custom,omitempty"`
}

// TokenFixture is a live access token (runtime state; rarely written by
// hand).
type TokenFixture struct {
	AccessToken string `json:"accessToken"`
	Kind        string `json:"kind"`             // user, admin, anonymous
	UserID      string `json:"userID,omitempty"` // kind user
	// ExpiresAt is UNIX ms (UTC) as in Kii's expiresAt; 0 = never.
	ExpiresAt    int64  `json:"expiresAt,omitempty"`
	RefreshToken string `json:"refreshToken,omitempty"`
	// LifetimeMs is the lifetime in ms the client chose with expiresAt,
	// which a refresh of this token keeps; 0 = none chosen.
	LifetimeMs int64 `json:"lifetimeMs,omitempty"`
}

// DevlogEntry is one line of the developer log: why a login failed.
type DevlogEntry struct {
	Time     time.Time `json:"time"`
	AppID    string    `json:"appID"`
	Username string    `json:"username"`
	Reason   string    `json:"reason"`
}

// Devlog reasons (docs/providers/kii.md, "Endpoints").
const (
	reasonUserNotFound = "USER_NOT_FOUND"
	reasonWrongPass    = "WRONG_PASSWORD"
	reasonDisabled     = "USER_DISABLED"
	reasonNotVerified  = "ADDRESS_NOT_VERIFIED"
	reasonThrottled    = "TOO_MANY_FAILURES" // only with login throttling on
)

// maxLifetimeMinutes is the longest lifetime a time.Duration holds, far
// beyond Kii's default maximum.
const maxLifetimeMinutes = int64(math.MaxInt64 / time.Minute)

// maxLockoutSeconds is the longest lockout a time.Duration holds.
const maxLockoutSeconds = int64(math.MaxInt64 / time.Second)

var (
	sites = map[string]bool{"US": true, "JP": true, "SG": true, "CN3": true, "EU": true}
	// appIDRE: real ids are 8 lowercase hex digits, fixtures may use any
	// URL-safe name (docs/providers/kii.md, "Fixtures").
	appIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// Validate checks everything the store relies on: unique ids, names,
// addresses and tokens, the field rules of registration, references of
// tokens.
func (f Fixtures) Validate() error {
	_, err := buildState(f)
	return err
}

// buildState validates f and turns it into a live state. It is the only
// place fixtures become state, so Validate and Open cannot disagree.
func buildState(f Fixtures) (*state, error) {
	st := newState()
	for i, af := range f.Apps {
		p := "apps[" + itoa(i) + "]"
		as, err := buildApp(st, af, p)
		if err != nil {
			return nil, err
		}
		st.apps[as.app.ID] = as
		st.order = append(st.order, as.app.ID)
		st.byClient[as.app.ClientID] = as.app.ID
	}
	for i, e := range f.Devlog {
		p := "devlog[" + itoa(i) + "]"
		switch e.Reason {
		case reasonUserNotFound, reasonWrongPass, reasonDisabled, reasonNotVerified, reasonThrottled:
		default:
			return nil, fixture.Errorf(p+".reason", "unknown reason %q (want USER_NOT_FOUND, WRONG_PASSWORD, USER_DISABLED, ADDRESS_NOT_VERIFIED or TOO_MANY_FAILURES)", e.Reason)
		}
		st.devlog = append(st.devlog, e)
	}
	return st, nil
}

func buildApp(st *state, af AppFixture, p string) (*appState, error) {
	switch {
	case !appIDRE.MatchString(af.AppID):
		return nil, fixture.Errorf(p+".appID", "want 1-64 characters of A-Z, a-z, 0-9, '-' and '_', got %q", af.AppID)
	case st.apps[af.AppID] != nil:
		return nil, fixture.Errorf(p+".appID", "duplicate %q", af.AppID)
	case af.AppKey == "":
		return nil, fixture.Errorf(p+".appKey", "required")
	case af.ClientID == "":
		return nil, fixture.Errorf(p+".clientID", "required")
	case st.byClient[af.ClientID] != "":
		return nil, fixture.Errorf(p+".clientID", "duplicate %q", af.ClientID)
	case af.ClientSecret == "":
		return nil, fixture.Errorf(p+".clientSecret", "required")
	case !sites[af.Site]:
		return nil, fixture.Errorf(p+".site", "want US, JP, SG, CN3 or EU, got %q", af.Site)
	case af.MaxTokenLifetimeMinutes < 0:
		return nil, fixture.Errorf(p+".maxTokenLifetimeMinutes", "must not be negative")
	case af.MaxTokenLifetimeMinutes > maxLifetimeMinutes:
		return nil, fixture.Errorf(p+".maxTokenLifetimeMinutes", "must be at most %d", int64(maxLifetimeMinutes))
	case af.DefaultTokenLifetimeMinutes < 0:
		return nil, fixture.Errorf(p+".defaultTokenLifetimeMinutes", "must not be negative (0: tokens never expire)")
	case af.DefaultTokenLifetimeMinutes > cmp.Or(af.MaxTokenLifetimeMinutes, int64(defaultMaxLifetime/time.Minute)):
		return nil, fixture.Errorf(p+".defaultTokenLifetimeMinutes", "must not exceed the maximum lifetime (maxTokenLifetimeMinutes)")
	case af.LoginFailureLimit != nil && *af.LoginFailureLimit < 0:
		return nil, fixture.Errorf(p+".loginFailureLimit", "must not be negative (0 turns throttling off)")
	case af.LoginLockoutSeconds < 0:
		return nil, fixture.Errorf(p+".loginLockoutSeconds", "must not be negative")
	case af.LoginLockoutSeconds > maxLockoutSeconds:
		return nil, fixture.Errorf(p+".loginLockoutSeconds", "must be at most %d", maxLockoutSeconds)
	case af.PasswordResetFlow != "" && af.PasswordResetFlow != flowNewPassword && af.PasswordResetFlow != flowGeneratePassword:
		return nil, fixture.Errorf(p+".passwordResetFlow", "want %q or %q, got %q", flowNewPassword, flowGeneratePassword, af.PasswordResetFlow)
	}
	lifetime := time.Duration(af.MaxTokenLifetimeMinutes) * time.Minute
	if af.MaxTokenLifetimeMinutes == 0 {
		lifetime = defaultMaxLifetime
	}
	as := newAppState(App{
		ID: af.AppID, Key: af.AppKey, ClientID: af.ClientID, ClientSecret: af.ClientSecret,
		Site: af.Site, Name: af.Name, StrictAppKey: af.StrictAppKey, RefreshTokens: af.RefreshTokenEnabled,
		ExposeFull: af.ExposeFullUserDataToOthers, MaxLifetime: lifetime, maxMinutes: af.MaxTokenLifetimeMinutes,
		DefaultLifetime:   time.Duration(af.DefaultTokenLifetimeMinutes) * time.Minute,
		LoginFailureLimit: af.LoginFailureLimit, LoginLockout: time.Duration(af.LoginLockoutSeconds) * time.Second,
		VerifyEmail: af.EmailAddressVerificationRequired, VerifyPhone: af.PhoneNumberVerificationRequired,
		GeneratePassword: af.PasswordResetFlow == flowGeneratePassword,
	})
	internal := map[int64]bool{}
	for j, uf := range af.Users {
		up := p + ".users[" + itoa(j) + "]"
		u, err := buildUser(uf, up)
		if err != nil {
			return nil, err
		}
		if as.users[u.ID].ID != "" {
			return nil, fixture.Errorf(up+".userID", "duplicate %q", u.ID)
		}
		if u.InternalID != 0 {
			if internal[u.InternalID] {
				return nil, fixture.Errorf(up+".internalUserID", "duplicate %d", u.InternalID)
			}
			internal[u.InternalID] = true
		}
		if field, _ := as.conflict(u); field != "" {
			return nil, fixture.Errorf(up+"."+field, "duplicate: another user of this app has it")
		}
		as.addUser(u)
	}
	// Users without an internal id get the next free ones, in order.
	for _, uf := range af.Users {
		if u := as.users[uf.UserID]; u.InternalID == 0 {
			u.InternalID = as.nextInternalID()
			as.users[u.ID] = u
		}
	}
	if err := addTokens(as, af.Tokens, p); err != nil {
		return nil, err
	}
	return as, nil
}

// addTokens adds an app's live tokens in their order, so the issue order
// (and thus the export) survives a round trip.
func addTokens(as *appState, tfs []TokenFixture, p string) error {
	for j, tf := range tfs {
		tp := p + ".tokens[" + itoa(j) + "]"
		t, err := buildToken(as, tf, tp)
		if err != nil {
			return err
		}
		if _, _, dup := as.lookupToken(t.Access); dup {
			return fixture.Errorf(tp+".accessToken", "duplicate token")
		}
		if _, _, dup := as.lookupRefresh(t.Refresh); dup {
			return fixture.Errorf(tp+".refreshToken", "duplicate token")
		}
		if err := as.addToken(t, true); err != nil {
			return err // unreachable: buildToken checked the lengths
		}
	}
	return nil
}

func buildUser(uf UserFixture, up string) (User, error) {
	country := strings.ToUpper(uf.Country)
	u := User{
		ID: uf.UserID, InternalID: uf.InternalUserID, LoginName: uf.LoginName, DisplayName: uf.DisplayName,
		Country: country, Locale: uf.Locale, Email: uf.EmailAddress, EmailVerified: boolOr(uf.EmailAddressVerified, true),
		Phone: uf.PhoneNumber, PhoneVerified: boolOr(uf.PhoneNumberVerified, true), Password: uf.Password,
		Disabled: uf.Disabled, Custom: uf.Custom,
	}
	check := func(field, problem string) error {
		if problem != "" {
			return fixture.Errorf(up+"."+field, "%s", problem)
		}
		return nil
	}
	if strings.TrimSpace(u.ID) == "" || strings.ContainsAny(u.ID, "/:?#% ") || u.ID == "me" {
		return u, fixture.Errorf(up+".userID", "want a non-empty id without '/', ':', '?', '#', '%%' or spaces")
	}
	if uf.InternalUserID < 0 {
		return u, fixture.Errorf(up+".internalUserID", "must be positive")
	}
	// A user without login name, email and phone is a pseudo user, who
	// has no password either (docs/providers/kii.md, "Pseudo users").
	if !u.hasIdentity() {
		if u.Password != "" {
			return u, fixture.Errorf(up, "%s (or no password, for a pseudo user)", badIdentifier)
		}
		return u, checkCustom(u, up)
	}
	var err error
	if u.Country != "" {
		err = check("country", checkCountry(u.Country))
	}
	if err == nil && u.LoginName != "" {
		err = check("loginName", checkLoginName(u.LoginName))
	}
	if err == nil && u.Email != "" {
		err = check("emailAddress", checkEmail(u.Email))
	}
	if err == nil && u.Phone != "" {
		err = check("phoneNumber", checkPhone(u.Phone, u.Country))
	}
	if err == nil && u.DisplayName != "" {
		err = check("displayName", checkDisplayName(u.DisplayName))
	}
	if err != nil {
		return u, err
	}
	if short, problem := checkPassword(u.Password); short || problem != "" {
		return u, fixture.Errorf(up+".password", "%s", badPassword)
	}
	if err := checkCustom(u, up); err != nil {
		return u, err
	}
	// Stored in international form, as registration stores it.
	u.Phone = normalizePhone(u.Phone, u.Country)
	return u, nil
}

func checkCustom(u User, up string) error {
	for k := range u.Custom {
		if strings.HasPrefix(k, "_") || reservedField[k] {
			return fixture.Errorf(up+".custom."+k, "reserved field name")
		}
	}
	if customSize(u.Custom) > maxCustomBytes {
		return fixture.Errorf(up+".custom", "%s", badCustomSize)
	}
	return nil
}

// Values of passwordResetFlow.
const (
	flowNewPassword      = "newPassword"
	flowGeneratePassword = "generatePassword"
)

func buildToken(as *appState, tf TokenFixture, tp string) (Token, error) {
	t := Token{Access: tf.AccessToken, UserID: tf.UserID, Refresh: tf.RefreshToken}
	if tf.ExpiresAt != 0 {
		t.ExpiresAt = time.UnixMilli(tf.ExpiresAt).UTC()
	}
	if t.Access == "" {
		return t, fixture.Errorf(tp+".accessToken", "required")
	}
	// The token tables hold keys of at most keytable.KeySize bytes, room
	// for every token Kii mints (docs/providers/kii.md, "Fixtures").
	if len(t.Access) > keytable.KeySize {
		return t, fixture.Errorf(tp+".accessToken", "want at most %d bytes, got %d", keytable.KeySize, len(t.Access))
	}
	if len(t.Refresh) > keytable.KeySize {
		return t, fixture.Errorf(tp+".refreshToken", "want at most %d bytes, got %d", keytable.KeySize, len(t.Refresh))
	}
	switch tf.Kind {
	case "user":
		t.Kind = kindUser
		if as.users[t.UserID].ID == "" {
			return t, fixture.Errorf(tp+".userID", "no user %q in this app", t.UserID)
		}
	case "admin":
		t.Kind = kindAdmin
	case "anonymous":
		t.Kind = kindAnonymous
	default:
		return t, fixture.Errorf(tp+".kind", "want user, admin or anonymous, got %q", tf.Kind)
	}
	if t.Kind != kindUser && (t.UserID != "" || t.Refresh != "") {
		return t, fixture.Errorf(tp, "only user tokens have userID and refreshToken")
	}
	if tf.ExpiresAt < 0 {
		return t, fixture.Errorf(tp+".expiresAt", "must not be negative")
	}
	if tf.LifetimeMs < 0 || tf.LifetimeMs > int64(math.MaxInt64/time.Millisecond) {
		return t, fixture.Errorf(tp+".lifetimeMs", "must be 0 to the longest lifetime in ms")
	}
	t.Lifetime = time.Duration(tf.LifetimeMs) * time.Millisecond
	return t, nil
}

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}
