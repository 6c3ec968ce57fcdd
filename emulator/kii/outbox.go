package kii

import (
	"net/http"
	"net/url"
	"time"

	"github.com/fakeapi/fakeapi/internal/httpx"
)

// The outbox holds the mail and SMS Kii would have sent: address
// verifications and password resets, with their links and codes, so that a
// test can finish the flow (docs/providers/kii.md, "Outbox"). Firebase's
// Auth emulator (/emulator/v1/projects/{id}/oobCodes) and LocalStack's SES
// (/_aws/ses) expose their mail the same way.

// maxOutbox bounds the outbox: the newest messages are kept.
const maxOutbox = 1000

// Message is one mail or SMS "sent", as GET /_fakeapi/kii/outbox lists it.
type Message struct {
	ID      string    `json:"id"`
	Time    time.Time `json:"time"`
	AppID   string    `json:"appID"`
	UserID  string    `json:"userID"`
	Channel string    `json:"channel"` // email or sms
	To      string    `json:"to"`
	Kind    string    `json:"kind"`
	Subject string    `json:"subject,omitempty"` // email only
	Body    string    `json:"body"`
	// Link is the page the message sends its reader to (email
	// verification, password reset); Code the code in it or typed from an
	// SMS; Password a password Kii generated.
	Link     string `json:"link,omitempty"`
	Code     string `json:"code,omitempty"`
	Password string `json:"password,omitempty"`
}

// Channels and kinds of messages.
const (
	channelEmail = "email"
	channelSMS   = "sms"

	kindEmailVerification = "EMAIL_VERIFICATION"
	kindPhoneVerification = "PHONE_VERIFICATION"
	kindPasswordReset     = "PASSWORD_RESET"     // a link to the reset page, by email or SMS
	kindPasswordResetPIN  = "PASSWORD_RESET_PIN" // a PIN for complete-reset, by SMS
	kindNewPassword       = "NEW_PASSWORD"       // the "Generate password" flow's password
)

// compose writes the subject (email only) and text of m for the app named
// app. Kii's own templates are set per app in its developer portal; these
// are the emulator's, in Japanese and English (docs/providers/kii.md,
// "Outbox").
func compose(m Message, app string) (subject, body string) {
	switch m.Kind {
	case kindEmailVerification:
		return "[" + app + "] メールアドレスの確認 / Verify your email address",
			app + " に登録されたメールアドレスを確認するには、次のリンクを開いてください。\n" +
				"To verify your email address for " + app + ", open this link:\n\n" + m.Link + "\n"
	case kindPhoneVerification:
		return "", app + " 認証コード / verification code: " + m.Code
	case kindPasswordReset:
		if m.Channel == channelSMS {
			return "", app + " パスワードの再設定 / reset your password: " + m.Link
		}
		return "[" + app + "] パスワードの再設定 / Reset your password",
			app + " のパスワードを再設定するには、次のリンクを開いてください。\n" +
				"To reset your password for " + app + ", open this link:\n\n" + m.Link + "\n"
	case kindPasswordResetPIN:
		return "", app + " パスワード再設定コード / password reset code: " + m.Code
	case kindNewPassword:
		text := app + " の新しいパスワード / your new password: " + m.Password
		if m.Channel == channelSMS {
			return "", text
		}
		return "[" + app + "] 新しいパスワード / Your new password", text + "\n"
	}
	return "", ""
}

// verifyEmailLink and resetLink are the hosted pages' URLs under base (the
// emulator's own scheme, host and prefix, as the request that sent the
// message reached it).
func verifyEmailLink(base, appID, userID, code string) string {
	return base + userPath(appID, userID) + "/email-address/verify?code=" + url.QueryEscape(code)
}

func resetLink(base, appID, userID, code string) string {
	return base + userPath(appID, userID) + "/password/reset?code=" + url.QueryEscape(code)
}

func userPath(appID, userID string) string {
	return "/api/apps/" + url.PathEscape(appID) + "/users/" + url.PathEscape(userID)
}

// linkBase is the base of links sent for request r: this emulator, under
// the prefix or host the request came through.
func linkBase(r *http.Request) string { return selfURL(r, "") }

// handleAdminOutbox handles "GET /outbox[?app=appID][&to=address]": what
// was sent, oldest first.
func handleAdminOutbox(st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		httpx.WriteJSON(w, http.StatusOK, ctAdminJSON, st.Outbox(q.Get("app"), q.Get("to")))
	}
}

// handleAdminClearOutbox handles "DELETE /outbox".
func handleAdminClearOutbox(st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st.ClearOutbox()
		w.WriteHeader(http.StatusNoContent)
	}
}
