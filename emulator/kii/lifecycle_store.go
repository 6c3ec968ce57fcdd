package kii

import (
	"cmp"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// The user lifecycle beyond login (docs/providers/kii.md, "Pseudo users",
// "Updating users" and "Verification and password reset"): attribute and
// identity updates, address verification, password reset, each under the
// store's one lock, with the codes they mail or text kept per user and the
// messages in the outbox.

// codeLifetime is how long a verification code, reset link or PIN stays
// valid, in emulator time (docs/providers/kii.md, "Verification and
// password reset").
const codeLifetime = 24 * time.Hour

// Lengths of the codes the emulator sends: SMS codes are digits a person
// types, link codes are URL-safe random strings.
const (
	smsCodeDigits  = 6
	linkCodeBytes  = 24
	generatedBytes = 9 // a generated password: 12 characters of base64url
)

// Lifecycle errors; handlers map them to Kii's codes (errors.go).
var (
	errNoCode      = errors.New("kii: no code pending")
	errCodeExpired = errors.New("kii: code expired")
	errCodeWrong   = errors.New("kii: wrong code")
	errNoAddress   = errors.New("kii: no such address")
	errVerified    = errors.New("kii: address already verified")
)

// inputError is an update the user's state does not allow; field and
// problem go to INVALID_INPUT_DATA's invalidFields.
type inputError struct{ field, problem string }

func (e *inputError) Error() string { return "kii: " + e.field + ": " + e.problem }

// pendingCode is a code sent to an address and not used yet.
type pendingCode struct {
	code    string
	expires time.Time
	address string // where it was sent; what a verification verifies
	sms     bool   // sent by SMS (else email)
	pin     bool   // reset only: a PIN for complete-reset, not a link
}

func (c pendingCode) valid() bool { return c.code != "" }

// userCodes are a user's pending codes: one per purpose, the newest
// request replacing an older one.
type userCodes struct {
	email, phone, reset pendingCode
}

// resetMethod is how a password reset is sent: Kii's notificationMethod
// EMAIL or SMS, and smsResetMethod PIN.
type resetMethod int

const (
	resetEmail resetMethod = iota
	resetSMSLink
	resetSMSPIN
)

// userUpdate is a UserUpdateRequest (or an email or phone change): nil
// fields are left as they are.
type userUpdate struct {
	loginName, email, phone, displayName, country, locale, password *string
	// custom replaces the user's custom fields when replaceCustom is set.
	custom        map[string]json.RawMessage
	replaceCustom bool
}

func (u userUpdate) identity() bool { return u.loginName != nil || u.email != nil || u.phone != nil }

// Messages for inputError.
const (
	badPasswordNamed   = "a password is set here only for a pseudo user; change it with PUT …/password"
	badPseudoIdentity  = "a pseudo user needs a password with its first login name, email address or phone number"
	badPasswordNoIdent = "send a login name, email address or phone number with the password"
)

func (s *memStore) UpdateUser(appID, userID string, upd userUpdate, base string, now time.Time) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	as, u, err := s.userLocked(appID, userID)
	if err != nil {
		return User{}, err
	}
	next := u
	switch {
	case upd.password != nil && !u.pseudo():
		return User{}, &inputError{"password", badPasswordNamed}
	case upd.password != nil && !upd.identity():
		return User{}, &inputError{"password", badPasswordNoIdent}
	case upd.password == nil && u.pseudo() && upd.identity():
		return User{}, &inputError{"password", badPseudoIdentity}
	case upd.password != nil:
		next.Password = *upd.password
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&next.LoginName, upd.loginName)
	set(&next.DisplayName, upd.displayName)
	set(&next.Country, upd.country)
	set(&next.Locale, upd.locale)
	if upd.replaceCustom {
		next.Custom = upd.custom
	}
	sendEmail, sendPhone := false, false
	if upd.email != nil {
		sendEmail = changeAddress(as.app.VerifyEmail, *upd.email, &next.Email, &next.EmailVerified, &next.PendingEmail, strings.EqualFold)
	}
	if upd.phone != nil {
		sendPhone = changeAddress(as.app.VerifyPhone, *upd.phone, &next.Phone, &next.PhoneVerified, &next.PendingPhone, func(a, b string) bool { return a == b })
	}
	if err := as.conflictPending(next); err != nil {
		return User{}, err
	}
	as.replaceUser(u, next)
	// A code sent for an address the user no longer waits on is void.
	codes := as.codes[u.ID]
	if next.Email != u.Email || next.PendingEmail != u.PendingEmail {
		codes.email = pendingCode{}
	}
	if next.Phone != u.Phone || next.PendingPhone != u.PendingPhone {
		codes.phone = pendingCode{}
	}
	as.codes[u.ID] = codes
	if sendEmail {
		s.sendVerificationLocked(as, next, false, base, now)
	}
	if sendPhone {
		s.sendVerificationLocked(as, next, true, base, now)
	}
	return next, nil
}

// changeAddress applies a new email or phone: the same address drops a
// pending change; without verification it is the address at once, and
// verified; with verification a first address is set unverified, and a
// new one waits as pending while the old one stays. send tells whether a
// verification goes out (docs/providers/kii.md, "Verification and
// password reset").
func changeAddress(verify bool, addr string, cur *string, verified *bool, pending *string, same func(a, b string) bool) (send bool) {
	switch {
	case *cur != "" && same(addr, *cur):
		*pending = ""
		return false
	case !verify:
		*cur, *verified, *pending = addr, true, ""
		return false
	case *cur == "":
		*cur, *verified, *pending = addr, false, ""
		return true
	default:
		*pending = addr
		return true
	}
}

// conflictPending checks u's identifiers and pending addresses against the
// other users of the app.
func (as *appState) conflictPending(u User) error {
	if field, value := as.conflict(u); field != "" {
		return &conflictError{field: field, value: value}
	}
	if id, ok := as.byEmail[lower(u.PendingEmail)]; ok && u.PendingEmail != "" && id != u.ID {
		return &conflictError{field: "emailAddress", value: u.PendingEmail}
	}
	if id, ok := as.byPhone[u.PendingPhone]; ok && u.PendingPhone != "" && id != u.ID {
		return &conflictError{field: "phoneNumber", value: u.PendingPhone}
	}
	return nil
}

// replaceUser stores next in place of old, moving the indexes.
func (as *appState) replaceUser(old, next User) {
	if as.byLogin[old.LoginName] == old.ID {
		delete(as.byLogin, old.LoginName)
	}
	if as.byEmail[lower(old.Email)] == old.ID {
		delete(as.byEmail, lower(old.Email))
	}
	if as.byPhone[old.Phone] == old.ID {
		delete(as.byPhone, old.Phone)
	}
	as.addUser(next)
}

func (s *memStore) Verify(appID, userID string, phone bool, code string, now time.Time) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	as, u, err := s.userLocked(appID, userID)
	if err != nil {
		return User{}, err
	}
	codes := as.codes[u.ID]
	pc := &codes.email
	cur, verified, pending := &u.Email, &u.EmailVerified, &u.PendingEmail
	if phone {
		pc = &codes.phone
		cur, verified, pending = &u.Phone, &u.PhoneVerified, &u.PendingPhone
	}
	if err := checkCode(*pc, code, now); err != nil {
		if errors.Is(err, errCodeExpired) {
			*pc = pendingCode{}
			as.codes[u.ID] = codes
		}
		return User{}, err
	}
	old := u
	switch {
	case *pending != "" && pc.address == *pending:
		*cur, *verified, *pending = *pending, true, ""
	case *cur != "" && pc.address == *cur:
		*verified = true
	default:
		return User{}, errNoCode // sent to an address the user no longer has
	}
	// The pending address may have been taken since it was requested.
	if err := as.conflictPending(u); err != nil {
		return User{}, err
	}
	as.replaceUser(old, u)
	*pc = pendingCode{}
	as.codes[u.ID] = codes
	return u, nil
}

// checkCode checks a code against the pending one, in constant time.
func checkCode(pc pendingCode, code string, now time.Time) error {
	switch {
	case !pc.valid():
		return errNoCode
	case !now.Before(pc.expires):
		return errCodeExpired
	case subtle.ConstantTimeCompare([]byte(pc.code), []byte(code)) != 1:
		return errCodeWrong
	}
	return nil
}

func (s *memStore) ResendVerification(appID, userID string, phone bool, base string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	as, u, err := s.userLocked(appID, userID)
	if err != nil {
		return err
	}
	cur, verified, pending := u.Email, u.EmailVerified, u.PendingEmail
	if phone {
		cur, verified, pending = u.Phone, u.PhoneVerified, u.PendingPhone
	}
	switch {
	case pending != "":
	case cur == "":
		return errNoAddress
	case verified:
		return errVerified
	}
	s.sendVerificationLocked(as, u, phone, base, now)
	return nil
}

// sendVerificationLocked sends a new verification code for the user's
// pending address, else its unverified one, replacing any earlier code.
func (s *memStore) sendVerificationLocked(as *appState, u User, phone bool, base string, now time.Time) {
	codes := as.codes[u.ID]
	if phone {
		to := cmp.Or(u.PendingPhone, u.Phone)
		codes.phone = pendingCode{code: s.src.Digits(smsCodeDigits), expires: now.Add(codeLifetime), address: to, sms: true}
		s.outLocked(as, u, Message{Kind: kindPhoneVerification, Channel: channelSMS, To: to, Code: codes.phone.code}, now)
	} else {
		to := cmp.Or(u.PendingEmail, u.Email)
		codes.email = pendingCode{code: s.src.Token(linkCodeBytes), expires: now.Add(codeLifetime), address: to}
		s.outLocked(as, u, Message{Kind: kindEmailVerification, Channel: channelEmail, To: to, Code: codes.email.code,
			Link: verifyEmailLink(base, as.app.ID, u.ID, codes.email.code)}, now)
	}
	as.codes[u.ID] = codes
}

func (s *memStore) RequestReset(appID, userID string, m resetMethod, base string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	as, u, err := s.userLocked(appID, userID)
	if err != nil {
		return err
	}
	// The reset goes to a verified address of the kind asked for.
	if m == resetEmail {
		if u.Email == "" || !u.EmailVerified {
			return errNoAddress
		}
	} else if u.Phone == "" || !u.PhoneVerified {
		return errNoAddress
	}
	codes := as.codes[u.ID]
	exp := now.Add(codeLifetime)
	switch m {
	case resetEmail:
		codes.reset = pendingCode{code: s.src.Token(linkCodeBytes), expires: exp, address: u.Email}
		s.outLocked(as, u, Message{Kind: kindPasswordReset, Channel: channelEmail, To: u.Email, Code: codes.reset.code,
			Link: resetLink(base, as.app.ID, u.ID, codes.reset.code)}, now)
	case resetSMSLink:
		codes.reset = pendingCode{code: s.src.Token(linkCodeBytes), expires: exp, address: u.Phone, sms: true}
		s.outLocked(as, u, Message{Kind: kindPasswordReset, Channel: channelSMS, To: u.Phone, Code: codes.reset.code,
			Link: resetLink(base, as.app.ID, u.ID, codes.reset.code)}, now)
	case resetSMSPIN:
		codes.reset = pendingCode{code: s.src.Digits(smsCodeDigits), expires: exp, address: u.Phone, sms: true, pin: true}
		s.outLocked(as, u, Message{Kind: kindPasswordResetPIN, Channel: channelSMS, To: u.Phone, Code: codes.reset.code}, now)
	}
	as.codes[u.ID] = codes
	return nil
}

func (s *memStore) CheckReset(appID, userID, code string, now time.Time) (App, User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	as, u, err := s.userLocked(appID, userID)
	if err != nil {
		return App{}, User{}, err
	}
	pc := as.codes[u.ID].reset
	if pc.pin {
		return App{}, User{}, errNoCode
	}
	return as.app, u, checkCode(pc, code, now)
}

func (s *memStore) CompleteReset(appID, userID string, pin bool, code, newPassword, base string, now time.Time) (generated bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	as, u, err := s.userLocked(appID, userID)
	if err != nil {
		return false, err
	}
	codes := as.codes[u.ID]
	if codes.reset.valid() && codes.reset.pin != pin {
		return false, errNoCode // a link's code at the PIN endpoint, or the reverse
	}
	if err := checkCode(codes.reset, code, now); err != nil {
		if errors.Is(err, errCodeExpired) {
			codes.reset = pendingCode{}
			as.codes[u.ID] = codes
		}
		return false, err
	}
	pc := codes.reset
	if as.app.GeneratePassword {
		newPassword = s.src.Token(generatedBytes)
		ch := channelEmail
		if pc.sms {
			ch = channelSMS
		}
		s.outLocked(as, u, Message{Kind: kindNewPassword, Channel: ch, To: pc.address, Password: newPassword}, now)
	}
	u.Password = newPassword
	as.users[u.ID] = u
	as.revoke(u.ID) // a new password invalidates every token [doc]
	delete(as.failed, u.ID)
	codes.reset = pendingCode{}
	as.codes[u.ID] = codes
	return as.app.GeneratePassword, nil
}

func (s *memStore) Outbox(appID, to string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, len(s.cur.outbox))
	for _, m := range s.cur.outbox {
		if (appID == "" || m.AppID == appID) && (to == "" || strings.EqualFold(m.To, to)) {
			out = append(out, m)
		}
	}
	return out
}

func (s *memStore) ClearOutbox() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur.outbox = nil
}

// outLocked completes m for u and puts it in the outbox, keeping the
// newest maxOutbox messages (docs/providers/kii.md, "Outbox").
func (s *memStore) outLocked(as *appState, u User, m Message, now time.Time) {
	m.ID, m.Time, m.AppID, m.UserID = s.src.UUID(), now.UTC(), as.app.ID, u.ID
	m.Subject, m.Body = compose(m, cmp.Or(as.app.Name, as.app.ID))
	if len(s.cur.outbox) >= maxOutbox {
		s.cur.outbox = append(s.cur.outbox[:0:0], s.cur.outbox[len(s.cur.outbox)-maxOutbox+1:]...)
	}
	s.cur.outbox = append(s.cur.outbox, m)
}
