package oauth1

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEncode(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"abcABC123-._~", "abcABC123-._~"},
		{"birthday,gender", "birthday%2Cgender"},
		{"a b+c", "a%20b%2Bc"},
		{"@me", "%40me"},
		{"ミクシィ", "%E3%83%9F%E3%82%AF%E3%82%B7%E3%82%A3"},
		{"%", "%25"},
		{"", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Encode(tt.in), "Encode(%q)", tt.in)
	}
}

// mixi's worked example, from the 2-legged OAuth page
// http://developer.mixi.co.jp/appli/spec/mob/2-legged-oauth:
// base string and key are mixi's; the signature is HMAC-SHA1 of them.
func TestMixiWorkedExample(t *testing.T) {
	t.Parallel()
	params := []Param{
		{"oauth_consumer_key", "bc906fac81f581c3c96a"},
		{"oauth_nonce", "5c261539688b2a591aad"},
		{"oauth_signature_method", "HMAC-SHA1"},
		{"oauth_timestamp", "1244636076"},
		{"oauth_version", "1.0"},
		{"xoauth_requestor_id", "12345"},
	}
	base := BaseString("GET", "http://api-example.mixi.jp/people/@me/@self", params)
	assert.Equal(t, "GET&http%3A%2F%2Fapi-example.mixi.jp%2Fpeople%2F%40me%2F%40self&oauth_consumer_key%3Dbc906fac81f581c3c96a%26oauth_nonce%3D5c261539688b2a591aad%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1244636076%26oauth_version%3D1.0%26xoauth_requestor_id%3D12345", base)
	assert.Equal(t, "LFrNxv76Aqc+7tQ45RCXef62ss4=", Sign(base, "79e0a55cde43e7dc86fd1e1366d6b6ac7771db8", ""))
}

// The same request with query parameters: they are signed and "," is
// encoded twice in the base string.
func TestMixiQueryVector(t *testing.T) {
	t.Parallel()
	req := Request{
		Method:   "GET",
		BaseURIs: []string{"http://api.mixi-platform.com/os/0.8/people/@me/@self"},
		Authorization: []string{`OAuth oauth_consumer_key="bc906fac81f581c3c96a", oauth_nonce="5c261539688b2a591aad", ` +
			`oauth_signature_method="HMAC-SHA1", oauth_timestamp="1244636076", oauth_version="1.0"`},
		RawQuery: "fields=birthday,gender&format=json&xoauth_requestor_id=12345",
	}
	base, err := req.BaseString()
	require.NoError(t, err)
	assert.Equal(t, "GET&http%3A%2F%2Fapi.mixi-platform.com%2Fos%2F0.8%2Fpeople%2F%40me%2F%40self&fields%3Dbirthday%252Cgender%26format%3Djson%26oauth_consumer_key%3Dbc906fac81f581c3c96a%26oauth_nonce%3D5c261539688b2a591aad%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1244636076%26oauth_version%3D1.0%26xoauth_requestor_id%3D12345", base)
	assert.Equal(t, "xTsojOyzJlJVK+DprPNbHOh0oq8=", Sign(base, "79e0a55cde43e7dc86fd1e1366d6b6ac7771db8", ""))
}

// RFC 5849 §3.4.1.1 (https://www.rfc-editor.org/rfc/rfc5849#section-3.4.1.1):
// header, query and form parameters, realm left out, duplicates kept and
// sorted by value, "+" in the form body a space.
func TestRFC5849BaseString(t *testing.T) {
	t.Parallel()
	req := Request{
		Method:   "POST",
		BaseURIs: []string{BaseURI("http", "example.com", "/request")},
		Authorization: []string{`OAuth realm="Example",
                oauth_consumer_key="9djdj82h48djs9d2",
                oauth_token="kkk9d7dh3k39sjv7",
                oauth_signature_method="HMAC-SHA1",
                oauth_timestamp="137131201",
                oauth_nonce="7d8f3e4a",
                oauth_signature="bYT5CMsGcbgUdFHObYMEfcx6bsw%3D"`},
		RawQuery:    "b5=%3D%253D&a3=a&c%40=&a2=r%20b",
		ContentType: "application/x-www-form-urlencoded",
		Body:        []byte("c2&a3=2+q"),
	}
	base, err := req.BaseString()
	require.NoError(t, err)
	assert.Equal(t, "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7", base)
}

// RFC 5849 §1.2 (https://www.rfc-editor.org/rfc/rfc5849#section-1.2): the
// protected resource request of the photo example, with a token secret.
func TestRFC5849PhotosExample(t *testing.T) {
	t.Parallel()
	req := Request{
		Method:   "GET",
		BaseURIs: []string{BaseURI("http", "photos.example.net", "/photos")},
		Authorization: []string{`OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_token="nnch734d00sl2jdk", ` +
			`oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131202", oauth_nonce="chapoH", oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D"`},
		RawQuery: "file=vacation.jpg&size=original",
	}
	base, err := req.BaseString()
	require.NoError(t, err)
	assert.Equal(t, "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3DchapoH%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131202%26oauth_token%3Dnnch734d00sl2jdk%26size%3Doriginal", base)
	assert.Equal(t, "MdpQcU8iPSUjWoN/UDMsK2sui9I=", Sign(base, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00"))
}

// Twitter's "creating a signature" example, as pinned by dghubble/oauth1
// reference_test.go (https://github.com/dghubble/oauth1): a form body with
// "+", "," and "!" and an https base URI.
func TestTwitterReferenceExample(t *testing.T) {
	t.Parallel()
	req := Request{
		Method:   "POST",
		BaseURIs: []string{BaseURI("https", "api.twitter.com", "/1/statuses/update.json")},
		Authorization: []string{`OAuth oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog", oauth_nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", ` +
			`oauth_signature_method="HMAC-SHA1", oauth_timestamp="1318622958", oauth_token="370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", oauth_version="1.0"`},
		RawQuery:    "include_entities=true",
		ContentType: "application/x-www-form-urlencoded",
		Body:        []byte("status=Hello+Ladies+%2B+Gentlemen%2C+a+signed+OAuth+request%21"),
	}
	base, err := req.BaseString()
	require.NoError(t, err)
	assert.Equal(t, "POST&https%3A%2F%2Fapi.twitter.com%2F1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521", base)
	assert.Equal(t, "tnnArxj06cWHq44gCs1OSKk/jLY=", Sign(base, "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw", "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"))
}

func TestBaseURI(t *testing.T) {
	t.Parallel()
	tests := []struct{ scheme, host, path, want string }{
		{"http", "API.Mixi-Platform.com:80", "/os/0.8/people/@me/@self", "http://api.mixi-platform.com/os/0.8/people/@me/@self"},
		{"https", "localhost:443", "/x", "https://localhost/x"},
		{"http", "localhost:8080", "/mixi/os/0.8/people/%40me/%40self", "http://localhost:8080/mixi/os/0.8/people/%40me/%40self"},
		{"https", "example.com:80", "", "https://example.com:80/"},
		{"http", "[::1]:80", "/", "http://[::1]/"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, BaseURI(tt.scheme, tt.host, tt.path))
	}
}

func TestParseHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     string
		want   []Param
		ours   bool
		wantOK bool
	}{
		{"should parse quoted pairs", `OAuth realm="x", oauth_nonce="a%2Bb"`, []Param{{"realm", "x"}, {"oauth_nonce", "a+b"}}, true, true},
		{"should accept any case and no spaces", `oauth a="1",b="2"`, []Param{{"a", "1"}, {"b", "2"}}, true, true},
		{"should accept unquoted values", `OAuth a=1, b="2"`, []Param{{"a", "1"}, {"b", "2"}}, true, true},
		{"should keep a raw plus", `OAuth s="ab+/="`, []Param{{"s", "ab+/="}}, true, true},
		{"should ignore other schemes", `Bearer abc`, nil, false, true},
		{"should ignore OAuthx", `OAuthx a="1"`, nil, false, true},
		{"should accept an empty OAuth header", `OAuth`, nil, true, true},
		{"should reject an unterminated quote", `OAuth a="1`, nil, true, false},
		{"should reject a missing comma", `OAuth a="1" b="2"`, nil, true, false},
		{"should reject a bad escape", `OAuth a="%zz"`, nil, true, false},
		{"should reject a bare name", `OAuth a`, nil, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ours, err := ParseHeader(tt.in)
			assert.Equal(t, tt.ours, ours)
			if !tt.wantOK {
				assert.ErrorIs(t, err, ErrMalformed)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseForm(t *testing.T) {
	t.Parallel()
	got, err := ParseForm("a=1&&b&c=x+y%21&a=0")
	require.NoError(t, err)
	assert.Equal(t, []Param{{"a", "1"}, {"b", ""}, {"c", "x y!"}, {"a", "0"}}, got)
	_, err = ParseForm("a=%zz")
	assert.ErrorIs(t, err, ErrMalformed)
}
