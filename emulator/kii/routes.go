package kii

import (
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/ids"
)

// addRoutes lists every Kii endpoint, one per line. Paths are the real
// ones: the emulator strips "/kii" before calling the handler, and under
// api*.kii.com the path is untouched. docs/providers/kii.md ("Sources")
// links Kii's documentation of each.
func addRoutes(r chi.Router, log *slog.Logger, st Store, clk clock.Clock, src ids.Source) {
	app := func(h appHandler) http.HandlerFunc { return withApp(log, st, h) }
	pg := newPages(log)
	r.Post("/api/oauth2/token", handleSiteToken(log, st, clk, src))                           // Kii: rest/oauth2/token — what the SDKs call
	r.Post("/api/apps/{appID}/oauth2/token", app(handleAppToken(log, st, clk, src)))          // Kii: the login guide, …/application/oauth2/
	r.Post("/api/apps/{appID}/users", app(handleRegister(log, st, clk, src)))                 // Kii: …/login/sign-up/, user-collection
	r.Get("/api/apps/{appID}/users/{user}", app(handleGetUser(log, st, clk)))                 // Kii: user-logged-in, user-by-id, user-by-address
	r.Delete("/api/apps/{appID}/users/{user}", app(handleDeleteUser(log, st, clk)))           // Kii: user-by-id DELETE [clients: kii_go, python3-kii]
	r.Put("/api/apps/{appID}/users/{user}/password", app(handleChangePassword(log, st, clk))) // Kii: …/management/password-change/
	r.Put("/api/apps/{appID}/users/{user}/status", app(handlePutStatus(log, st, clk)))        // Kii: …/admin-features/disabling-users/
	r.Get("/api/apps/{appID}/users/{user}/status", app(handleGetStatus(log, st, clk)))        // Kii: user status retrieval
	// The user lifecycle the SDKs expose (docs/providers/kii.md, "Pseudo
	// users", "Updating users", "Verification and password reset"): the
	// paths and content types kii-cloud-sdk 2.4.19 sends.
	r.Post("/api/apps/{appID}/users/{user}", app(handleUpdateUser(log, st, clk)))                                                  // UserUpdateRequest: update(), putIdentity()
	r.Put("/api/apps/{appID}/users/{user}/email-address", app(handleChangeAddress(log, st, clk, false)))                           // EmailAddressModificationRequest: changeEmail()
	r.Put("/api/apps/{appID}/users/{user}/phone-number", app(handleChangeAddress(log, st, clk, true)))                             // PhoneNumberModificationRequest: changePhone()
	r.Post("/api/apps/{appID}/users/{user}/email-address/verify", app(handleVerify(log, st, clk, false)))                          // AddressVerificationRequest: verifyCredentials()
	r.Post("/api/apps/{appID}/users/{user}/phone-number/verify", app(handleVerify(log, st, clk, true)))                            // AddressVerificationRequest: verifyPhoneNumber()
	r.Post("/api/apps/{appID}/users/{user}/email-address/resend-verification", app(handleResendVerification(log, st, clk, false))) // resendEmailVerification()
	r.Post("/api/apps/{appID}/users/{user}/phone-number/resend-verification", app(handleResendVerification(log, st, clk, true)))   // resendPhoneNumberVerification()
	r.Post("/api/apps/{appID}/users/{user}/password/request-reset", app(handleRequestReset(log, st, clk)))                         // ResetPasswordRequest: resetPassword…()
	r.Post("/api/apps/{appID}/users/{user}/password/complete-reset", app(handleCompleteReset(log, st, clk)))                       // CompletePasswordResetRequest: completeResetPassword()
	// Kii's hosted pages: the links of verification and reset messages
	// (docs/providers/kii.md, "Hosted pages").
	r.Get("/api/apps/{appID}/users/{user}/email-address/verify", handleVerifyEmailPage(pg, st, clk))
	r.Get("/api/apps/{appID}/users/{user}/password/reset", handleResetPage(pg, st, clk))
	r.Post("/api/apps/{appID}/users/{user}/password/reset", handleResetSubmit(pg, st, clk))
}

// addAdminRoutes lists the provider's admin routes, served under
// /_fakeapi/kii/ (the emulator strips that prefix).
func addAdminRoutes(r chi.Router, st Store, clk clock.Clock, src ids.Source) {
	r.Get("/devlog", handleAdminDevlog(st))                               // 開発者ログ: why logins failed
	r.Delete("/devlog", handleAdminClearDevlog(st))                       // empty the developer log
	r.Post("/apps/{appID}/tokens", handleAdminMint(st, clk, src))         // mint a user or admin token without a password
	r.Put("/apps/{appID}/users/{user}/disabled", handleAdminDisabled(st)) // set a user's disabled flag (tokens die on disable)
	r.Delete("/apps/{appID}/users/{user}/tokens", handleAdminRevoke(st))  // revoke every token of a user
	r.Get("/outbox", handleAdminOutbox(st))                               // the mail and SMS "sent", with links and codes
	r.Delete("/outbox", handleAdminClearOutbox(st))                       // empty the outbox
}
