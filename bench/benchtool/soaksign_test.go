package main

import (
	"strings"
	"testing"

	"github.com/fakeapi/fakeapi/internal/oauth1"
)

// TestNonceSignerMatchesSigner checks the flood's shortcut against the
// emulator's own signer, for short and long nonces and a URL whose query
// needs encoding.
func TestNonceSignerMatchesSigner(t *testing.T) {
	s := oauth1.Signer{ConsumerKey: mixiKey, ConsumerSecret: mixiSecret}
	for _, tc := range []struct{ url, fixed string }{
		{"http://127.0.0.1:8080/mixi/os/0.8/people/@me/@self?xoauth_requestor_id=1000001", "abc"},
		{"http://127.0.0.1:8080/mixi/os/0.8/people/@me/@friends?count=20&fields=a,b&xoauth_requestor_id=1000001", strings.Repeat("n", 32<<10)},
	} {
		ns, err := newNonceSigner(s, "GET", tc.url, tc.fixed, 1700000000)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{"0000000000000000", "deadbeef00000001", "zzzzzzzz-._~ABCD"} {
			got, err := ns.header(v)
			if err != nil {
				t.Fatal(err)
			}
			want, err := s.Header("GET", tc.url, nil, tc.fixed+v, 1700000000)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("nonce …%s of %s:\n got %.200s…\nwant %.200s…", v, tc.url, got, want)
			}
		}
	}
	if _, err := newNonceSigner(s, "GET", "http://h/p", "a b", 1); err == nil {
		t.Error("a fixed part that needs encoding was accepted")
	}
}
