package kii

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
)

// handleVerify handles "POST /api/apps/{appID}/users/{user}/email-address/verify"
// and ".../phone-number/verify" with an AddressVerificationRequest
// {"verificationCode"}: what the JS SDK's verifyPhoneNumber() sends, for
// the code of the SMS (or the mail's) → 204 (docs/providers/kii.md,
// "Verification and password reset").
func handleVerify(log *slog.Logger, st Store, clk clock.Clock, phone bool) appHandler {
	return func(w http.ResponseWriter, r *http.Request, app App) {
		u, ok := selfTarget(log, st, w, r, app, clk)
		if !ok {
			return
		}
		var in struct {
			Code member[string] `json:"verificationCode"`
		}
		if err := decodeBody(r, &in); err != nil {
			writeError(log, w, r, err)
			return
		}
		if in.Code.wrong {
			writeError(log, w, r, errInvalidInput(object{{"verificationCode", badString}}))
			return
		}
		if in.Code.v == "" {
			writeError(log, w, r, errf(codeMissingData, msgMissingCode, "verificationCode"))
			return
		}
		if _, err := st.Verify(app.ID, u.ID, phone, in.Code.v, clk.Now()); err != nil {
			writeError(log, w, r, verifyError(app, u, phone, err))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// verifyError maps the store's code errors to Kii's codes, with the
// statuses of the SDK table: none pending → 404
// ADDRESS_VERIFICATION_CODE_NOT_FOUND, wrong → 403
// INVALID_VERIFICATION_CODE, an expired SMS code → 410
// PHONE_NUMBER_VERIFICATION_CODE_EXPIRED (an expired mail code is gone:
// 404) (docs/providers/kii.md, "Verification and password reset").
func verifyError(app App, u User, phone bool, err error) error {
	switch {
	case errors.Is(err, errNoCode), errors.Is(err, errCodeExpired) && !phone:
		return errf(codeAddressCodeNotFound, msgNoCode)
	case errors.Is(err, errCodeExpired):
		return errf(codePhoneCodeExpired, msgPhoneCodeExpired)
	case errors.Is(err, errCodeWrong):
		return errf(codeInvalidVerification, msgWrongCode)
	}
	return updateError(app, u, err)
}

// handleResendVerification handles "POST
// /api/apps/{appID}/users/{user}/email-address/resend-verification" and
// ".../phone-number/resend-verification", no body: a new code for the
// pending or unverified address → 204; 404 USER_ADDRESS_NOT_FOUND without
// one, 409 OPERATION_NOT_ALLOWED when it is verified
// (docs/providers/kii.md, "Verification and password reset").
func handleResendVerification(log *slog.Logger, st Store, clk clock.Clock, phone bool) appHandler {
	return func(w http.ResponseWriter, r *http.Request, app App) {
		if err := emptyOrJSON(r); err != nil {
			writeError(log, w, r, err)
			return
		}
		u, p, err := authTarget(st, r, app, clk)
		if err == nil {
			err = selfOrAdmin(app, p, u)
		}
		if err == nil {
			err = st.ResendVerification(app.ID, u.ID, phone, linkBase(r), clk.Now())
		}
		switch {
		case errors.Is(err, errNoAddress):
			err = errf(codeUserAddressNotFound, msgNoEmail)
			if phone {
				err = errf(codeUserAddressNotFound, msgNoPhone)
			}
		case errors.Is(err, errVerified):
			err = errf(codeOperationNotAllowed, msgAlreadyVerified)
		case err != nil:
			err = updateError(app, u, err)
		}
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// emptyOrJSON reads a request that needs no body (the JS SDK sends none,
// with its default Content-Type: application/json): any body it has must
// be JSON.
func emptyOrJSON(r *http.Request) error {
	body, err := httpx.ReadBody(r)
	if err != nil || len(body) == 0 {
		return err
	}
	if mt := httpx.MediaType(r); !isJSONType(mt) {
		return errMediaType(mt, false)
	}
	var none struct{}
	return decodeObject(body, &none)
}
