package kii

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
)

// Values of a ResetPasswordRequest (docs/providers/kii.md, "Verification
// and password reset"), as the JS SDK's resetPasswordWithNotificationMethod
// sends them.
const (
	notifyEmail = "EMAIL"
	notifySMS   = "SMS"
	smsURL      = "URL"
	smsPIN      = "PIN"
)

// decodeResetRequest reads a ResetPasswordRequest
// {"notificationMethod","smsResetMethod"}; no body at all (the JS SDK's
// older resetPassword(email)) is EMAIL.
func decodeResetRequest(r *http.Request) (resetMethod, error) {
	body, err := httpx.ReadBody(r)
	if err != nil || len(body) == 0 {
		return resetEmail, err
	}
	if mt := httpx.MediaType(r); !isJSONType(mt) {
		return resetEmail, errMediaType(mt, false)
	}
	var in struct {
		Method    member[string] `json:"notificationMethod"`
		SMSMethod member[string] `json:"smsResetMethod"`
	}
	if err := decodeObject(body, &in); err != nil {
		return resetEmail, err
	}
	bad := object{}
	if in.Method.wrong {
		bad = append(bad, kv{"notificationMethod", badString})
	}
	if in.SMSMethod.wrong {
		bad = append(bad, kv{"smsResetMethod", badString})
	}
	if len(bad) > 0 {
		return resetEmail, errInvalidInput(bad)
	}
	switch {
	case in.Method.v == "" || in.Method.v == notifyEmail:
		if in.SMSMethod.v == "" {
			return resetEmail, nil
		}
	case in.Method.v == notifySMS && (in.SMSMethod.v == "" || in.SMSMethod.v == smsURL):
		return resetSMSLink, nil
	case in.Method.v == notifySMS && in.SMSMethod.v == smsPIN:
		return resetSMSPIN, nil
	}
	return resetEmail, errInvalidInput(object{{"notificationMethod", msgResetMethod}})
}

// handleRequestReset handles "POST /api/apps/{appID}/users/{user}/password/request-reset":
// a reset link by email or SMS, or a PIN by SMS, to a verified address of
// the user → 204 (docs/providers/kii.md, "Verification and password
// reset"). App credentials or any token; {user} as in the other user
// routes (the SDK sends EMAIL:addr, PHONE:+… or the identifier as given).
func handleRequestReset(log *slog.Logger, st Store, clk clock.Clock) appHandler {
	return func(w http.ResponseWriter, r *http.Request, app App) {
		u, err := anyCallerTarget(st, r, app, clk)
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		m, err := decodeResetRequest(r)
		if err == nil {
			err = st.RequestReset(app.ID, u.ID, m, linkBase(r), clk.Now())
		}
		if errors.Is(err, errNoAddress) {
			err = errf(codeUserAddressNotFound, msgNoVerifiedEmail)
			if m != resetEmail {
				err = errf(codeUserAddressNotFound, msgNoVerifiedPhone)
			}
		}
		if err != nil {
			writeError(log, w, r, updateError(app, u, err))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// handleCompleteReset handles "POST /api/apps/{appID}/users/{user}/password/complete-reset"
// with a CompletePasswordResetRequest {"pinCode","newPassword"}: the PIN of
// the SMS sets the new password, or in an app with the "Generate password"
// flow a generated one sent by SMS; every token of the user dies → 204
// (docs/providers/kii.md, "Verification and password reset").
func handleCompleteReset(log *slog.Logger, st Store, clk clock.Clock) appHandler {
	return func(w http.ResponseWriter, r *http.Request, app App) {
		if mt := httpx.MediaType(r); !isJSONType(mt) {
			writeError(log, w, r, errMediaType(mt, false))
			return
		}
		u, err := anyCallerTarget(st, r, app, clk)
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		var in struct {
			PIN         member[string] `json:"pinCode"`
			NewPassword member[string] `json:"newPassword"`
		}
		if err := decodeBody(r, &in); err != nil {
			writeError(log, w, r, err)
			return
		}
		bad := object{}
		if in.PIN.wrong {
			bad = append(bad, kv{"pinCode", badString})
		}
		if in.NewPassword.wrong {
			bad = append(bad, kv{"newPassword", badString})
		}
		switch {
		case len(bad) > 0:
			err = errInvalidInput(bad)
		case in.PIN.v == "":
			err = errf(codeMissingData, msgMissingCode, "pinCode")
		case !app.GeneratePassword:
			if short, problem := checkPassword(in.NewPassword.v); short {
				err = errPasswordTooShort()
			} else if problem != "" {
				err = errInvalidInput(object{{"newPassword", problem}})
			}
		}
		if err == nil {
			_, err = st.CompleteReset(app.ID, u.ID, true, in.PIN.v, in.NewPassword.v, linkBase(r), clk.Now())
		}
		switch {
		case errors.Is(err, errNoCode):
			err = errf(codeVerificationNotFound, msgNoResetCode)
		case errors.Is(err, errCodeExpired):
			err = errf(codePinCodeExpired, msgPinExpired)
		case errors.Is(err, errCodeWrong):
			err = errf(codeInvalidVerification, msgWrongCode)
		}
		if err != nil {
			writeError(log, w, r, updateError(app, u, err))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// anyCallerTarget resolves {user} for a call that needs no user token:
// any valid token, else the app's credentials (a password reset is asked
// for by someone who cannot log in).
func anyCallerTarget(st Store, r *http.Request, app App, clk clock.Clock) (User, error) {
	p, err := authenticate(st, r, app, clk.Now())
	if err == nil && p.kind == kindNone {
		err = requireAppCreds(r, app)
	}
	if err != nil {
		return User{}, err
	}
	return target(st, r, app, p)
}
