package oauth1

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/clock"
)

const (
	testKey    = "bc906fac81f581c3c96a"
	testSecret = "79e0a55cde43e7dc86fd1e1366d6b6ac7771db8"
	testURI    = "http://api.mixi-platform.com/os/0.8/people/@me/@self"
)

var testNow = time.Unix(1244636076, 0)

func newVerifier(t testing.TB) (*Verifier, *clock.Controlled) {
	t.Helper()
	clk := clock.NewControlled(func() time.Time { return testNow })
	clk.Freeze(true)
	return &Verifier{
		Clock:  clk,
		Nonces: NewMemoryNonces(),
		Secret: func(k string) (string, bool) {
			if k == testKey {
				return testSecret, true
			}
			return "", false
		},
	}, clk
}

// signed builds a header-signed request; edit lets a case break it after
// signing (or before, through the params).
func signed(t testing.TB, method, query string, extra ...Param) Request {
	t.Helper()
	params := []Param{
		{"oauth_consumer_key", testKey},
		{"oauth_nonce", "n-" + strconv.Itoa(int(nonceSeq.Add(1)))},
		{"oauth_signature_method", "HMAC-SHA1"},
		{"oauth_timestamp", strconv.FormatInt(testNow.Unix(), 10)},
		{"oauth_version", "1.0"},
	}
	params = append(params, extra...)
	q, err := ParseForm(query)
	require.NoError(t, err)
	sig := Sign(BaseString(method, testURI, append(append([]Param(nil), params...), q...)), testSecret, "")
	return Request{Method: method, BaseURIs: []string{testURI}, Authorization: []string{header(append(params, Param{"oauth_signature", sig}))}, RawQuery: query}
}

var nonceSeq atomic.Int64

func header(params []Param) string {
	h := "OAuth realm=\"http://api.mixi-platform.com/\""
	for _, p := range params {
		h += ", " + Encode(p.Name) + "=\"" + Encode(p.Value) + "\""
	}
	return h
}

func replaceParam(t testing.TB, req Request, name, value string) Request {
	t.Helper()
	params, _, err := ParseHeader(req.Authorization[0])
	require.NoError(t, err)
	var out []Param
	for _, p := range params {
		if p.Name == "realm" {
			continue
		}
		if p.Name == name {
			if value == "\x00" {
				continue // remove
			}
			p.Value = value
		}
		out = append(out, p)
	}
	req.Authorization = []string{header(out)}
	return req
}

func TestVerifyAcceptsASignedRequest(t *testing.T) {
	t.Parallel()
	v, _ := newVerifier(t)
	req := signed(t, "GET", "xoauth_requestor_id=12345&fields=birthday,gender")
	res, err := v.Verify(req)
	require.NoError(t, err)
	assert.Equal(t, testKey, res.ConsumerKey)
	assert.Equal(t, "12345", res.Get("xoauth_requestor_id"))
	assert.Equal(t, "birthday,gender", res.Get("fields"))
	assert.Equal(t, "", res.Get("oauth_signature"), "the signature is not a signed parameter")
}

func TestVerifyProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		req     func(t *testing.T) Request
		problem string
		extra   []Param
	}{
		{"should report every absent parameter", func(t *testing.T) Request {
			return Request{Method: "GET", BaseURIs: []string{testURI}, Authorization: []string{`OAuth oauth_consumer_key="x", oauth_signature_method="HMAC-SHA1", oauth_timestamp="1"`}}
		}, ProblemParameterAbsent, []Param{{"oauth_parameters_absent", "oauth_signature&oauth_nonce"}}},
		{"should treat an unsigned request as parameters absent", func(t *testing.T) Request {
			return Request{Method: "GET", BaseURIs: []string{testURI}, RawQuery: "xoauth_requestor_id=1"}
		}, ProblemParameterAbsent, []Param{{"oauth_parameters_absent", "oauth_consumer_key&oauth_signature_method&oauth_signature&oauth_timestamp&oauth_nonce"}}},
		{"should reject a duplicated oauth parameter across header and query", func(t *testing.T) Request {
			r := signed(t, "GET", "")
			r.RawQuery = "oauth_nonce=again"
			return r
		}, ProblemParameterRejected, []Param{{"oauth_parameters_rejected", "oauth_nonce"}}},
		{"should reject a malformed header", func(t *testing.T) Request {
			return Request{Method: "GET", BaseURIs: []string{testURI}, Authorization: []string{`OAuth a="1`}}
		}, ProblemParameterRejected, []Param{{"oauth_problem_advice", "malformed%20Authorization%20header"}}},
		{"should reject a malformed query", func(t *testing.T) Request {
			r := signed(t, "GET", "")
			r.RawQuery = "a=%zz"
			return r
		}, ProblemParameterRejected, []Param{{"oauth_problem_advice", "malformed%20query%20string"}}},
		{"should reject another version", func(t *testing.T) Request {
			return replaceParam(t, signed(t, "GET", ""), "oauth_version", "2.0")
		}, ProblemVersionRejected, []Param{{"oauth_acceptable_versions", "1.0-1.0"}}},
		{"should reject PLAINTEXT", func(t *testing.T) Request {
			return replaceParam(t, signed(t, "GET", ""), "oauth_signature_method", "PLAINTEXT")
		}, ProblemSignatureMethodRejected, nil},
		{"should reject an unknown consumer", func(t *testing.T) Request {
			return replaceParam(t, signed(t, "GET", ""), "oauth_consumer_key", "nobody")
		}, ProblemConsumerKeyUnknown, nil},
		{"should refuse an old timestamp", func(t *testing.T) Request {
			return replaceParam(t, signed(t, "GET", ""), "oauth_timestamp", strconv.FormatInt(testNow.Unix()-301, 10))
		}, ProblemTimestampRefused, []Param{{"oauth_acceptable_timestamps", fmt.Sprintf("%d-%d", testNow.Unix()-300, testNow.Unix()+300)}}},
		{"should refuse a future timestamp", func(t *testing.T) Request {
			return replaceParam(t, signed(t, "GET", ""), "oauth_timestamp", strconv.FormatInt(testNow.Unix()+301, 10))
		}, ProblemTimestampRefused, []Param{{"oauth_acceptable_timestamps", fmt.Sprintf("%d-%d", testNow.Unix()-300, testNow.Unix()+300)}}},
		{"should refuse a non-numeric timestamp", func(t *testing.T) Request {
			return replaceParam(t, signed(t, "GET", ""), "oauth_timestamp", "soon")
		}, ProblemTimestampRefused, []Param{{"oauth_acceptable_timestamps", fmt.Sprintf("%d-%d", testNow.Unix()-300, testNow.Unix()+300)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, _ := newVerifier(t)
			_, err := v.Verify(tt.req(t))
			var oe *Error
			require.ErrorAs(t, err, &oe)
			assert.Equal(t, tt.problem, oe.Problem)
			assert.Equal(t, tt.extra, oe.Extra)
		})
	}
}

// RFC 5849 §3.1 holds for every oauth_* parameter, also those Verify does
// not read.
func TestVerifyShouldRejectAnyDuplicatedOAuthParameter(t *testing.T) {
	t.Parallel()
	v, _ := newVerifier(t)
	req := signed(t, "GET", "oauth_token=a&oauth_callback=b", Param{"oauth_token", ""})
	_, err := v.Verify(req)
	var oe *Error
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, ProblemParameterRejected, oe.Problem)
	assert.Equal(t, []Param{{"oauth_parameters_rejected", "oauth_token"}}, oe.Extra)
	assert.Equal(t, 0, v.Nonces.(*MemoryNonces).Len())
}

func TestVerifySignatureInvalidCarriesTheBaseString(t *testing.T) {
	t.Parallel()
	v, _ := newVerifier(t)
	req := signed(t, "GET", "xoauth_requestor_id=12345")
	req.RawQuery = "xoauth_requestor_id=99999" // changed after signing
	_, err := v.Verify(req)
	var oe *Error
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, ProblemSignatureInvalid, oe.Problem)
	require.Len(t, oe.Extra, 1)
	assert.Equal(t, "oauth_problem_advice", oe.Extra[0].Name)
	base, uerr := url.PathUnescape(oe.Extra[0].Value)
	require.NoError(t, uerr)
	want, berr := req.BaseString()
	require.NoError(t, berr)
	assert.Equal(t, want, base)
	assert.Contains(t, oe.Challenge("r"), `oauth_problem="signature_invalid", oauth_problem_advice="GET%26http`)
}

// A nonce or consumer key longer than the nonce store's keys is refused
// with parameter_rejected, which the caller answers like every problem: a
// 401 whose WWW-Authenticate names the parameter (docs/oauth.md, "Nonces").
func TestVerifyShouldRejectANonceTooLongToRemember(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("n", MaxNonceLen+1)
	tests := []struct {
		name      string
		nonce     string
		secretFor string
		challenge string
	}{
		{"should reject a long nonce", long, testKey,
			`OAuth realm="r", oauth_problem="parameter_rejected", oauth_parameters_rejected="oauth_nonce", oauth_problem_advice="oauth_nonce%20is%20longer%20than%2047%20bytes"`},
		{"should reject a long consumer key", "n1", strings.Repeat("k", MaxNonceLen+1),
			`OAuth realm="r", oauth_problem="parameter_rejected", oauth_parameters_rejected="oauth_consumer_key", oauth_problem_advice="oauth_consumer_key%20is%20longer%20than%2047%20bytes"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, _ := newVerifier(t)
			v.Secret = func(k string) (string, bool) { return testSecret, k == tt.secretFor }
			s := Signer{ConsumerKey: tt.secretFor, ConsumerSecret: testSecret}
			h, err := s.Header("GET", testURI+"?xoauth_requestor_id=5", nil, tt.nonce, testNow.Unix())
			require.NoError(t, err)
			_, err = v.Verify(Request{Method: "GET", BaseURIs: []string{testURI}, Authorization: []string{h}, RawQuery: "xoauth_requestor_id=5"})
			var oe *Error
			require.ErrorAs(t, err, &oe)
			assert.Equal(t, ProblemParameterRejected, oe.Problem)
			assert.Equal(t, tt.challenge, oe.Challenge("r"))
			assert.Equal(t, 0, v.Nonces.(*MemoryNonces).Len())
		})
	}
	t.Run("should accept the longest that fits", func(t *testing.T) {
		t.Parallel()
		v, _ := newVerifier(t)
		s := Signer{ConsumerKey: testKey, ConsumerSecret: testSecret}
		h, err := s.Header("GET", testURI, nil, strings.Repeat("n", MaxNonceLen), testNow.Unix())
		require.NoError(t, err)
		_, err = v.Verify(Request{Method: "GET", BaseURIs: []string{testURI}, Authorization: []string{h}})
		require.NoError(t, err)
	})
}

func TestVerifyNonceReplay(t *testing.T) {
	t.Parallel()
	v, clk := newVerifier(t)
	req := signed(t, "GET", "xoauth_requestor_id=1")
	_, err := v.Verify(req)
	require.NoError(t, err)
	_, err = v.Verify(req)
	var oe *Error
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, ProblemNonceUsed, oe.Problem)

	// Once the timestamp leaves the window the request is refused for its
	// timestamp, and the nonce is forgotten.
	_, aerr := clk.Advance(301 * time.Second)
	require.NoError(t, aerr)
	_, err = v.Verify(req)
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, ProblemTimestampRefused, oe.Problem)
	v.Nonces.Add("other", "x", testNow.Unix()+301, clk.Now().Add(time.Second), clk.Now())
	assert.Equal(t, 1, v.Nonces.(*MemoryNonces).Len(), "expired nonces are pruned on Add")
}

func TestVerifyForgedRequestDoesNotBurnTheNonce(t *testing.T) {
	t.Parallel()
	v, _ := newVerifier(t)
	good := signed(t, "GET", "xoauth_requestor_id=1")
	forged := replaceParam(t, good, "oauth_signature", "AAAA")
	_, err := v.Verify(forged)
	require.Error(t, err)
	_, err = v.Verify(good)
	assert.NoError(t, err)
}

func TestVerifyConcurrentReplayAcceptsOnce(t *testing.T) {
	t.Parallel()
	v, _ := newVerifier(t)
	req := signed(t, "GET", "")
	var ok atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := v.Verify(req); err == nil {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), ok.Load())
}

func TestVerifyBodyHash(t *testing.T) {
	t.Parallel()
	body := []byte(`{"score":"100"}`)
	tests := []struct {
		name string
		hash string
		ok   bool
	}{
		{"should accept a matching oauth_body_hash", BodyHash(body), true},
		{"should reject a wrong oauth_body_hash", BodyHash([]byte("other")), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, _ := newVerifier(t)
			req := signed(t, "POST", "xoauth_requestor_id=1", Param{"oauth_body_hash", tt.hash})
			req.ContentType = "application/json"
			req.Body = body
			_, err := v.Verify(req)
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			var oe *Error
			require.ErrorAs(t, err, &oe)
			assert.Equal(t, ProblemSignatureInvalid, oe.Problem)
		})
	}
}

func TestVerifyUnsignedJSONBody(t *testing.T) {
	t.Parallel()
	v, _ := newVerifier(t)
	req := signed(t, "POST", "xoauth_requestor_id=1")
	req.ContentType = "application/json"
	req.Body = []byte(`{"a":"b"}`)
	_, err := v.Verify(req)
	assert.NoError(t, err, "a JSON body without oauth_body_hash is not signed")
}

func TestVerifyFormBody(t *testing.T) {
	t.Parallel()
	v, _ := newVerifier(t)
	form := []Param{{"a", "x y"}, {"b", "ミクシィ"}}
	// Signed with the form parameters.
	params := []Param{{"oauth_consumer_key", testKey}, {"oauth_nonce", "form1"}, {"oauth_signature_method", "HMAC-SHA1"}, {"oauth_timestamp", strconv.FormatInt(testNow.Unix(), 10)}}
	sig := Sign(BaseString("POST", testURI, append(append([]Param(nil), params...), form...)), testSecret, "")
	body := "a=x+y&b=" + url.QueryEscape("ミクシィ")
	req := Request{Method: "POST", BaseURIs: []string{testURI}, Authorization: []string{header(append(params, Param{"oauth_signature", sig}))},
		ContentType: "application/x-www-form-urlencoded; charset=utf-8", Body: []byte(body)}
	_, err := v.Verify(req)
	require.NoError(t, err)

	// Signed without them, as mixi's own requests did: accepted too.
	params[1].Value = "form2"
	sig = Sign(BaseString("POST", testURI, params), testSecret, "")
	req.Authorization = []string{header(append(params, Param{"oauth_signature", sig}))}
	_, err = v.Verify(req)
	assert.NoError(t, err)
}

func TestVerifyQueryPlacementAndSecondBaseURI(t *testing.T) {
	t.Parallel()
	v, _ := newVerifier(t)
	params := []Param{{"oauth_consumer_key", testKey}, {"oauth_nonce", "q1"}, {"oauth_signature_method", "HMAC-SHA1"},
		{"oauth_timestamp", strconv.FormatInt(testNow.Unix(), 10)}, {"xoauth_requestor_id", "7"}}
	sig := Sign(BaseString("GET", testURI, params), testSecret, "")
	q := ""
	for _, p := range append(params, Param{"oauth_signature", sig}) {
		q += "&" + url.QueryEscape(p.Name) + "=" + url.QueryEscape(p.Value)
	}
	req := Request{Method: "GET", BaseURIs: []string{"http://localhost:8080/mixi/os/0.8/people/@me/@self", testURI}, RawQuery: q[1:]}
	res, err := v.Verify(req)
	require.NoError(t, err)
	assert.Equal(t, "7", res.Get("xoauth_requestor_id"))
}

func TestErrorFormats(t *testing.T) {
	t.Parallel()
	e := problem(ProblemTimestampRefused, Param{"oauth_acceptable_timestamps", "1-2"})
	assert.Equal(t, `OAuth realm="http://api.mixi-platform.com/", oauth_problem="timestamp_refused", oauth_acceptable_timestamps="1-2"`, e.Challenge("http://api.mixi-platform.com/"))
	assert.Equal(t, "oauth_problem=timestamp_refused&oauth_acceptable_timestamps=1-2", e.Body())
	assert.Equal(t, "oauth1: timestamp_refused", e.Error())
}

func TestMemoryNoncesSnapshotRestore(t *testing.T) {
	t.Parallel()
	m := NewMemoryNonces()
	now := testNow
	require.True(t, m.Add("k", "b", 2, now.Add(2*time.Minute), now))
	require.True(t, m.Add("k", "a", 1, now.Add(time.Minute), now))
	require.False(t, m.Add("k", "a", 1, now.Add(time.Minute), now))
	snap := m.Snapshot(now)
	require.Len(t, snap, 2)
	assert.Equal(t, "a", snap[0].Nonce)

	m2 := NewMemoryNonces()
	m2.Restore(snap)
	assert.True(t, m2.Seen("k", "a", 1))
	assert.Equal(t, snap, m2.Snapshot(now))
	assert.Len(t, m2.Snapshot(now.Add(90*time.Second)), 1, "the first expired")
}

func TestSignerHeaderVerifies(t *testing.T) {
	t.Parallel()
	v, _ := newVerifier(t)
	s := Signer{ConsumerKey: testKey, ConsumerSecret: testSecret}
	h, err := s.Header("GET", testURI+"?xoauth_requestor_id=5&fields=a,b", nil, "sig1", testNow.Unix())
	require.NoError(t, err)
	res, err := v.Verify(Request{Method: "GET", BaseURIs: []string{testURI}, Authorization: []string{h}, RawQuery: "xoauth_requestor_id=5&fields=a,b"})
	require.NoError(t, err)
	assert.Equal(t, "5", res.Get("xoauth_requestor_id"))
}

// Any oauth_* value past MaxParam (a 32 KB signature, say) is refused
// before anything is computed over it.
func TestVerifyShouldRejectOversizedParameters(t *testing.T) {
	t.Parallel()
	v, _ := newVerifier(t)
	s := Signer{ConsumerKey: testKey, ConsumerSecret: testSecret}
	h, err := s.Header("GET", testURI, nil, "n-big", testNow.Unix())
	require.NoError(t, err)
	big := strings.Replace(h, `oauth_signature="`, `oauth_signature="`+strings.Repeat("A", 32<<10), 1)
	_, err = v.Verify(Request{Method: "GET", BaseURIs: []string{testURI}, Authorization: []string{big}})
	var oe *Error
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, ProblemParameterRejected, oe.Problem)
	assert.Contains(t, oe.Challenge("r"), `oauth_parameters_rejected="oauth_signature"`)
	assert.Contains(t, oe.Challenge("r"), "longer%20than%20256%20bytes")
	assert.Less(t, len(oe.Challenge("r")), 300, "the challenge should not echo the value")

	v.MaxParam = 8
	_, err = v.Verify(Request{Method: "GET", BaseURIs: []string{testURI}, Authorization: []string{h}})
	require.ErrorAs(t, err, &oe)
	assert.Contains(t, oe.Challenge("r"), "longer%20than%208%20bytes")

	v.MaxParam = 0
	_, err = v.Verify(Request{Method: "GET", BaseURIs: []string{testURI}, Authorization: []string{h}})
	assert.NoError(t, err, "a normal request passes the default cap")
}
