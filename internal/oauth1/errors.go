package oauth1

import "strings"

// Problems of the OAuth Problem Reporting extension
// (http://wiki.oauth.net/w/page/12238543/ProblemReporting) as mixi answers
// them (docs/oauth.md, "Problem reporting").
const (
	ProblemParameterAbsent         = "parameter_absent"
	ProblemParameterRejected       = "parameter_rejected"
	ProblemVersionRejected         = "version_rejected"
	ProblemSignatureMethodRejected = "signature_method_rejected"
	ProblemConsumerKeyUnknown      = "consumer_key_unknown"
	ProblemTimestampRefused        = "timestamp_refused"
	ProblemNonceUsed               = "nonce_used"
	ProblemSignatureInvalid        = "signature_invalid"
)

// Error is a failed verification: the problem and its extra pairs
// (oauth_parameters_absent, oauth_acceptable_timestamps, oauth_problem_advice,
// …) in the order they are reported.
type Error struct {
	Problem string
	Extra   []Param
}

func (e *Error) Error() string { return "oauth1: " + e.Problem }

// Challenge is the WWW-Authenticate value:
// OAuth realm="…", oauth_problem="…"[, name="value"]…
// Values are written as they are: the verifier only puts header-safe text in
// them (the advice is percent-encoded).
func (e *Error) Challenge(realm string) string {
	var b strings.Builder
	b.WriteString(`OAuth realm="`)
	b.WriteString(realm)
	b.WriteString(`", oauth_problem="`)
	b.WriteString(e.Problem)
	b.WriteByte('"')
	for _, p := range e.Extra {
		b.WriteString(", ")
		b.WriteString(p.Name)
		b.WriteString(`="`)
		b.WriteString(p.Value)
		b.WriteByte('"')
	}
	return b.String()
}

// Body is the same pairs form-encoded, for a text/plain response body, as
// the Problem Reporting extension prints them: oauth_problem=…&name=value.
func (e *Error) Body() string {
	var b strings.Builder
	b.WriteString("oauth_problem=")
	b.WriteString(Encode(e.Problem))
	for _, p := range e.Extra {
		b.WriteByte('&')
		b.WriteString(Encode(p.Name))
		b.WriteByte('=')
		b.WriteString(Encode(p.Value))
	}
	return b.String()
}

func problem(p string, extra ...Param) *Error { return &Error{Problem: p, Extra: extra} }
