package main

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    func(*testing.T, config)
		wantErr string
	}{
		{name: "should default to loopback port 8080 with rate limits on", want: func(t *testing.T, c config) {
			assert.Equal(t, "127.0.0.1:8080", c.addr)
			assert.True(t, c.checkAdminHost(), "on loopback without a token the admin API should check Host")
			assert.True(t, c.rateLimits)
			assert.False(t, c.hasSeed)
			assert.Equal(t, int64(1<<20), c.maxBody)
			assert.Equal(t, 10*time.Second, c.shutdownTimeout)
			assert.Equal(t, int64(64), c.gcHeadroom)
			assert.False(t, c.userGOGC)
		}},
		{name: "should leave the collector to a GOGC the user set", env: map[string]string{"GOGC": "200", "FAKEAPI_GC_HEADROOM": "16"},
			want: func(t *testing.T, c config) {
				assert.True(t, c.userGOGC)
				assert.Equal(t, int64(16), c.gcHeadroom)
			}},
		{name: "should refuse a negative GC headroom", args: []string{"-gc-headroom", "-1"}, wantErr: "invalid -gc-headroom -1"},
		{name: "should read the environment", env: map[string]string{"FAKEAPI_ADDR": "127.0.0.1:9000", "FAKEAPI_SEED": "42", "FAKEAPI_RATE_LIMITS": "false", "FAKEAPI_LOG_FORMAT": "json"},
			want: func(t *testing.T, c config) {
				assert.Equal(t, "127.0.0.1:9000", c.addr)
				assert.Equal(t, uint64(42), c.seed)
				assert.True(t, c.hasSeed)
				assert.False(t, c.rateLimits)
				assert.Equal(t, "json", c.logFormat)
			}},
		{name: "should let flags beat the environment", args: []string{"-addr", ":9100", "-seed", "0"}, env: map[string]string{"FAKEAPI_ADDR": ":9000"},
			want: func(t *testing.T, c config) {
				assert.Equal(t, ":9100", c.addr)
				assert.True(t, c.hasSeed)
			}},
		{name: "should not check Host on every interface", env: map[string]string{"FAKEAPI_ADDR": ":8080"},
			want: func(t *testing.T, c config) { assert.False(t, c.checkAdminHost()) }},
		{name: "should check Host on localhost and [::1]", args: []string{"-addr", "[::1]:8080"},
			want: func(t *testing.T, c config) { assert.True(t, c.checkAdminHost()) }},
		{name: "should not check Host with an admin token", args: []string{"-admin-token", "s3cret"},
			want: func(t *testing.T, c config) { assert.False(t, c.checkAdminHost()) }},
		{name: "should read admin hosts and check Host wherever they are named", args: []string{"-addr", ":8080"},
			env: map[string]string{"FAKEAPI_ADMIN_HOSTS": " fakeapi, emulator.test ,"},
			want: func(t *testing.T, c config) {
				assert.Equal(t, []string{"fakeapi", "emulator.test"}, c.adminHosts)
				assert.True(t, c.checkAdminHost())
			}},
		{name: "should refuse an address without a port", args: []string{"-addr", "x"}, wantErr: `invalid -addr "x": missing port in address`},
		{name: "should refuse a bad port", args: []string{"-addr", ":http2"}, wantErr: `invalid -addr ":http2": port "http2" is not a number from 0 to 65535`},
		{name: "should refuse a bad log format", args: []string{"-log-format", "xml"}, wantErr: `invalid -log-format "xml": want text or json`},
		{name: "should refuse a bad log level", args: []string{"-log-level", "loud"}, wantErr: `invalid -log-level "loud": want debug, info, warn or error`},
		{name: "should refuse a cert without a key", args: []string{"-tls-cert", "c.pem"}, wantErr: "-tls-cert and -tls-key go together"},
		{name: "should refuse two kinds of TLS", args: []string{"-tls-cert", "c", "-tls-key", "k", "-tls-self-signed", "x.pem"}, wantErr: "not both"},
		{name: "should refuse a bad seed", args: []string{"-seed", "-3"}, wantErr: `invalid -seed "-3"`},
		{name: "should read extra certificate names", args: []string{"-tls-self-signed", "x.pem"}, env: map[string]string{"FAKEAPI_TLS_HOSTS": " fakeapi, 10.0.0.7 ,*.svc.test,, fd00::1,mock_api"},
			want: func(t *testing.T, c config) {
				assert.Equal(t, []string{"fakeapi", "10.0.0.7", "*.svc.test", "fd00::1", "mock_api"}, c.tlsHosts)
			}},
		{name: "should let the -tls-hosts flag beat the environment", args: []string{"-tls-self-signed", "x.pem", "-tls-hosts", "emulator"}, env: map[string]string{"FAKEAPI_TLS_HOSTS": "fakeapi"},
			want: func(t *testing.T, c config) { assert.Equal(t, []string{"emulator"}, c.tlsHosts) }},
		{name: "should refuse -tls-hosts without a self-signed certificate", args: []string{"-tls-hosts", "fakeapi"}, wantErr: "give -tls-self-signed too"},
		{name: "should refuse -tls-hosts with a given certificate", args: []string{"-tls-cert", "c", "-tls-key", "k", "-tls-hosts", "fakeapi"}, wantErr: "give -tls-self-signed too"},
		{name: "should refuse a host with a port in -tls-hosts", args: []string{"-tls-self-signed", "x.pem", "-tls-hosts", "fakeapi:8443"}, wantErr: `invalid -tls-hosts entry "fakeapi:8443"`},
		{name: "should refuse a host that is no DNS name in -tls-hosts", args: []string{"-tls-self-signed", "x.pem", "-tls-hosts", "ok,bad..name"}, wantErr: `invalid -tls-hosts entry "bad..name"`},
		{name: "should refuse a zoned address in -tls-hosts", args: []string{"-tls-self-signed", "x.pem", "-tls-hosts", "fe80::1%eth0"}, wantErr: `invalid -tls-hosts entry "fe80::1%eth0"`},
		{name: "should refuse a bad env bool", env: map[string]string{"FAKEAPI_TRUST_PROXY": "maybe"}, wantErr: `invalid FAKEAPI_TRUST_PROXY="maybe": want true or false`},
		{name: "should refuse a bad env number", env: map[string]string{"FAKEAPI_MAX_BODY": "1MB"}, wantErr: `invalid FAKEAPI_MAX_BODY="1MB"`},
		{name: "should refuse a zero body cap", args: []string{"-max-body", "0"}, wantErr: "invalid -max-body 0"},
		{name: "should read the admin caps", args: []string{"-max-admin-body", "2048", "-max-faults", "7"}, env: map[string]string{"FAKEAPI_MAX_STATE_BODY": "1000"},
			want: func(t *testing.T, c config) {
				assert.Equal(t, int64(2048), c.maxAdminBody)
				assert.Equal(t, 7, c.maxFaults)
				assert.Equal(t, int64(1000), c.maxStateBody)
			}},
		{name: "should read the OAuth 1.0 parameter bound", env: map[string]string{"FAKEAPI_OAUTH1_MAX_PARAM": "512"},
			want: func(t *testing.T, c config) { assert.Equal(t, 512, c.oauth1MaxParam) }},
		{name: "should refuse a zero fault cap", args: []string{"-max-faults", "0"}, wantErr: "invalid -max-faults 0"},
		{name: "should read the provider settings", args: []string{"-assist-strict-json", "-kii-login-lockout", "90s"},
			env: map[string]string{"FAKEAPI_ASSIST_THROTTLE": "true", "FAKEAPI_KII_LOGIN_FAILURE_LIMIT": "3"},
			want: func(t *testing.T, c config) {
				assert.True(t, c.assistStrict)
				assert.True(t, c.assistThrottle)
				assert.Equal(t, 3, c.kiiFailLimit)
				assert.Equal(t, 90*time.Second, c.kiiLockout)
			}},
		{name: "should match redirect URIs exactly by default", want: func(t *testing.T, c config) {
			assert.False(t, c.loopbackAnyPort)
		}},
		{name: "should keep Assist tokens on a code replay by default", want: func(t *testing.T, c config) {
			assert.False(t, c.assistRevoke)
		}},
		{name: "should read the Assist revoke-on-replay option", args: []string{"-assist-revoke-on-code-replay"},
			want: func(t *testing.T, c config) { assert.True(t, c.assistRevoke) }},
		{name: "should read the Assist revoke-on-replay option from the environment", env: map[string]string{"FAKEAPI_ASSIST_REVOKE_ON_CODE_REPLAY": "1"},
			want: func(t *testing.T, c config) { assert.True(t, c.assistRevoke) }},
		{name: "should read the loopback redirect option", args: []string{"-loopback-redirect-any-port"},
			want: func(t *testing.T, c config) { assert.True(t, c.loopbackAnyPort) }},
		{name: "should read the loopback redirect option from the environment", env: map[string]string{"FAKEAPI_LOOPBACK_REDIRECT_ANY_PORT": "true"},
			want: func(t *testing.T, c config) { assert.True(t, c.loopbackAnyPort) }},
		{name: "should default the token and session caps", want: func(t *testing.T, c config) {
			assert.Equal(t, 50_000, c.maxTokens)
			assert.Equal(t, 10_000, c.maxSessions)
		}},
		{name: "should read the token and session caps", args: []string{"-max-sessions", "20"}, env: map[string]string{"FAKEAPI_MAX_TOKENS": "300", "FAKEAPI_MAX_SESSIONS": "7"},
			want: func(t *testing.T, c config) {
				assert.Equal(t, 300, c.maxTokens)
				assert.Equal(t, 20, c.maxSessions, "the flag beats the environment")
			}},
		{name: "should refuse a zero token cap", args: []string{"-max-tokens", "0"}, wantErr: "invalid -max-tokens 0: want at least 1"},
		{name: "should refuse a negative session cap", env: map[string]string{"FAKEAPI_MAX_SESSIONS": "-5"}, wantErr: "invalid -max-sessions -5: want at least 1"},
		{name: "should refuse a bad token cap in the environment", env: map[string]string{"FAKEAPI_MAX_TOKENS": "lots"}, wantErr: `invalid FAKEAPI_MAX_TOKENS="lots"`},
		{name: "should wait mixi's 10 seconds for an app's server by default", want: func(t *testing.T, c config) {
			assert.Equal(t, 10*time.Second, c.mixiSAPTimeout)
		}},
		{name: "should read the mixi SAP timeout", env: map[string]string{"FAKEAPI_MIXI_SAP_TIMEOUT": "30s"},
			want: func(t *testing.T, c config) { assert.Equal(t, 30*time.Second, c.mixiSAPTimeout) }},
		{name: "should refuse a zero mixi SAP timeout", args: []string{"-mixi-sap-timeout", "0s"}, wantErr: "invalid -mixi-sap-timeout 0s: want more than 0"},
		{name: "should refuse a negative Kii failure limit", args: []string{"-kii-login-failure-limit", "-1"}, wantErr: "invalid -kii-login-failure-limit -1"},
		{name: "should refuse stray arguments", args: []string{"serve"}, wantErr: `unexpected argument "serve"`},
		{name: "should refuse unknown flags", args: []string{"-nope"}, wantErr: "usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := parseConfig("fakeapi", tt.args, envOf(tt.env), io.Discard)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.want(t, c)
		})
	}
}
