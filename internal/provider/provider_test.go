package provider

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMatchHost(t *testing.T) {
	t.Parallel()
	hosts := []string{"api.iijmio.jp", ".assist-tencho.com"}
	tests := []struct {
		host string
		want bool
	}{
		{"api.iijmio.jp", true},
		{"API.IIJMIO.JP:443", true},
		{"api.iijmio.jp.", true},
		{"evil-api.iijmio.jp", false},
		{"api.iijmio.jp.evil.com", false},
		{"assist-tencho.com", true},
		{"shop1.assist-tencho.com:8080", true},
		{"notassist-tencho.com", false},
		{"[::1]:8080", false},
		{"localhost:8080", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, MatchHost(hosts, tt.host), "host %q", tt.host)
	}
}
