package mixi

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/oauth1"
)

// Lifecycle events (docs/providers/mixi.md, "Lifecycle events"): when a
// member adds or removes an app, the platform POSTs the event to the URL
// the app registered, signed with RSA-SHA1 under the platform's key, which
// the app checks with the platform's published certificate. mixi's own
// certificate cannot be reproduced (its private key is mixi's), so the
// emulator makes a key pair of its own at the first use and publishes its
// certificate at GET /_fakeapi/mixi/certificate.
const (
	eventAdd    = "event.addapp"
	eventRemove = "event.removeapp"
	// lifecycleConsumerKey is the oauth_consumer_key of the events: the
	// platform's name, as OpenSocial containers sign their requests
	// [chosen].
	lifecycleConsumerKey = "mixi.jp"
	// certificateName names the key in xoauth_signature_publickey.
	certificateName = "fakeapi-mixi-lifecycle.cer"
	// methodRSASHA1 is the signature method of the events.
	methodRSASHA1    = "RSA-SHA1"
	lifecycleKeyBits = 2048
)

// lifecycleKeys is the emulator's signing key and its self-signed
// certificate, made once on first use (a key takes a moment to make, and
// most runs never send an event). They last as long as the process: Reset
// does not change them.
type lifecycleKeys struct {
	clk  clock.Clock
	once sync.Once
	key  *rsa.PrivateKey
	cert []byte // PEM
	err  error
}

func newLifecycleKeys(clk clock.Clock) *lifecycleKeys { return &lifecycleKeys{clk: clk} }

func (k *lifecycleKeys) get() (*rsa.PrivateKey, []byte, error) {
	k.once.Do(func() {
		key, err := rsa.GenerateKey(rand.Reader, lifecycleKeyBits)
		if err != nil {
			k.err = err
			return
		}
		serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
		if err != nil {
			k.err = err
			return
		}
		now := k.clk.Now()
		tmpl := &x509.Certificate{
			SerialNumber: serial,
			Subject: pkix.Name{CommonName: "fakeapi mixi lifecycle events (a test key, not mixi's)",
				Organization: []string{"fakeapi"}},
			NotBefore:             now.Add(-time.Hour),
			NotAfter:              now.AddDate(10, 0, 0),
			KeyUsage:              x509.KeyUsageDigitalSignature,
			BasicConstraintsValid: true,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			k.err = err
			return
		}
		k.key, k.cert = key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	})
	return k.key, k.cert, k.err
}

// lifecycleDelivery is what became of one event.
type lifecycleDelivery struct {
	URL    string `json:"url,omitempty"`
	Status int    `json:"status,omitempty"`
	Error  string `json:"error,omitempty"`
}

// lifecycle adds or removes app for user and sends the event to the app's
// lifecycle URL, when it has one. The install changes whatever becomes of
// the delivery; only an unknown app or user is an error.
func (g *gateway) lifecycle(ctx context.Context, rid, appID, user, event string) (lifecycleDelivery, error) {
	if err := g.st.SetInstalled(appID, user, event == eventAdd); err != nil {
		return lifecycleDelivery{}, err
	}
	app, err := g.st.GatewayApp(appID)
	if err != nil {
		return lifecycleDelivery{}, err
	}
	if app.LifecycleURL == "" {
		return lifecycleDelivery{Error: "the app has no lifecycleUrl: nothing was sent"}, nil
	}
	d := lifecycleDelivery{URL: app.LifecycleURL}
	u, err := g.signLifecycle(app, event, trimGuid(user))
	if err != nil {
		d.Error = "could not sign the event: " + err.Error()
		g.log.Error("mixi: sign lifecycle event", "err", err)
		return d, nil
	}
	resp, err := g.fetch(ctx, rid, http.MethodPost, u, http.Header{}, nil)
	if err != nil {
		d.Error = err.Error()
		return d, nil
	}
	d.Status = resp.status
	if resp.status < 200 || resp.status > 299 {
		d.Error = "the app's lifecycle URL answered " + strconv.Itoa(resp.status)
	}
	return d, nil
}

func trimGuid(id string) string {
	if len(id) > len(guidPrefix) && id[:len(guidPrefix)] == guidPrefix {
		return id[len(guidPrefix):]
	}
	return id
}

// signLifecycle is the event's URL: the lifecycle URL's own query, then
// eventtype, id, opensocial_app_id, opensocial_owner_id and the OAuth
// parameters, all in the query of an empty POST, with an RSA-SHA1
// signature over them (RFC 5849 section 3.4.3), so a verifier that signs
// the query and the form body alike agrees (docs/providers/mixi.md,
// "Lifecycle events").
func (g *gateway) signLifecycle(app App, event, user string) (*url.URL, error) {
	key, _, err := g.keys.get()
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(app.LifecycleURL)
	if err != nil {
		return nil, err
	}
	add := url.Values{}
	add.Set("eventtype", event)
	add.Set("id", user)
	add.Set("opensocial_app_id", app.ID)
	add.Set("opensocial_owner_id", user)
	add.Set("oauth_consumer_key", lifecycleConsumerKey)
	add.Set("oauth_nonce", g.ids.Hex(16))
	add.Set("oauth_signature_method", methodRSASHA1)
	add.Set("oauth_timestamp", strconv.FormatInt(g.clk.Now().Unix(), 10))
	add.Set("oauth_version", oauth1.Version)
	add.Set("xoauth_signature_publickey", certificateName)
	u.RawQuery = joinQuery(u.RawQuery, add.Encode())
	params, err := oauth1.ParseForm(u.RawQuery)
	if err != nil {
		return nil, err
	}
	base := oauth1.BaseString(http.MethodPost, oauth1.BaseURI(u.Scheme, u.Host, u.EscapedPath()), params)
	sum := sha1.Sum([]byte(base))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA1, sum[:])
	if err != nil {
		return nil, err
	}
	u.RawQuery += "&oauth_signature=" + url.QueryEscape(base64.StdEncoding.EncodeToString(sig))
	return u, nil
}
