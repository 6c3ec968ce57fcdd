package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/fakeapi/fakeapi/internal/oauth1"
)

// Accounts of the default fixtures (docs/providers/*.md) and of cmd/mixigen.
const (
	iijmioDeveloper = "MioponDemoApp000001"
	iijmioToken     = "MioTaroDemoToken0000000000000001"

	kiiApp    = "da0b6a25"
	kiiAppKey = "8174099687a26621f4e2cdd7cc03b3da"

	mixiKey    = "3f5c2a9e1b7d4c6a8e0f"
	mixiSecret = "8d2e7b1c9a4f6e3d0b5a7c2e9f1d4b6a8c3e5f70"
	mixiHub    = 10000001 // mixigen's first user: a hub with a tenth of the friendships
	mixiUsers  = 100000

	assistClient   = "3f9a1c0d5e7b2a4c6d8e"
	assistSecret   = "9b2e4f6a8c0d1e3f5a7b9c2d4e6f8a0b1c3d5e7f"
	assistRedirect = "http://127.0.0.1:8081/callback"
	assistAdmin    = "test-admin"
	assistToken    = "bench00000000000000000000000000a" // imported with its grant, for the orders GET
)

// scenario is one benchmarked request. Pool scenarios use each request once:
// mixi refuses a replayed nonce and Assist a reused code.
type scenario struct {
	Name   string
	Title  string
	Method string
	Path   string
	Body   string
	Header [][2]string
	Pool   string // "", "mixi" (pre-signed, distinct nonces) or "assist-code" (pre-minted codes)
	Target string // the ratio target that applies: "coupon" (0.8×), "mixi" (0.5×) or ""
}

var scenarios = []scenario{
	{
		Name: "iijmio-coupon-get", Title: "IIJmio GET coupon (authenticated)", Method: "GET",
		Path:   "/iijmio/mobile/d/v1/coupon/",
		Header: [][2]string{{"X-IIJmio-Developer", iijmioDeveloper}, {"X-IIJmio-Authorization", iijmioToken}},
		Target: "coupon",
	},
	{
		Name: "iijmio-coupon-put", Title: "IIJmio PUT coupon (-rate-limits=false)", Method: "PUT",
		Path:   "/iijmio/mobile/d/v1/coupon/",
		Body:   `{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo10000001","couponUse":true}]}]}`,
		Header: [][2]string{{"X-IIJmio-Developer", iijmioDeveloper}, {"X-IIJmio-Authorization", iijmioToken}, {"Content-Type", "application/json"}},
	},
	{
		Name: "kii-login", Title: "Kii login (password grant)", Method: "POST",
		Path:   "/kii/api/apps/" + kiiApp + "/oauth2/token",
		Body:   `{"grant_type":"password","username":"user_123456","password":"123ABC"}`,
		Header: [][2]string{{"X-Kii-AppID", kiiApp}, {"X-Kii-AppKey", kiiAppKey}, {"Content-Type", "application/json"}},
	},
	{
		Name: "mixi-friends", Title: "mixi signed GET people/@me/@friends?count=20 (100k users, hub viewer)", Method: "GET",
		Path: "/mixi/os/0.8/people/@me/@friends?count=20&xoauth_requestor_id=" + strconv.Itoa(mixiHub),
		Pool: "mixi", Target: "mixi",
	},
	{
		Name: "mixi-appdata-write", Title: "mixi signed appdata write (POST, users in rotation)", Method: "POST",
		Path:   "/mixi/os/0.8/appdata/@me/@self/@app?xoauth_requestor_id=",
		Body:   `{"bench_score":"42"}`,
		Header: [][2]string{{"Content-Type", "application/json"}},
		Pool:   "mixi",
	},
	{
		Name: "assist-code-exchange", Title: "Assist code exchange (pre-minted single-use codes)", Method: "POST",
		Path:   "/assist/api/oauth/token.php",
		Header: [][2]string{{"Content-Type", "application/x-www-form-urlencoded"}},
		Pool:   "assist-code",
	},
	{
		Name: "assist-orders-get", Title: "Assist GET orders.php?serial_order_id=5", Method: "GET",
		Path:   "/assist/api/v1/orders.php?serial_order_id=5",
		Header: [][2]string{{"Authorization", "Bearer " + assistToken}},
	},
}

func scenarioByName(name string) (scenario, error) {
	for _, s := range scenarios {
		if s.Name == name {
			return s, nil
		}
	}
	return scenario{}, fmt.Errorf("unknown scenario %q", name)
}

// request is one line of a wrk request file.
type request struct {
	Method, Path, Body string
	Header             [][2]string
}

// line is the request as bench/wrk/requests.lua reads it: tab-separated
// method, path, body, then header names and values.
func (r request) line() string {
	f := []string{r.Method, r.Path, r.Body}
	for _, h := range r.Header {
		f = append(f, h[0], h[1])
	}
	return strings.Join(f, "\t")
}

// runRequests writes the request file of a scenario: one line for a
// repeatable request, n fresh single-use lines for a pool.
func runRequests(args []string) error {
	fs := flag.NewFlagSet("requests", flag.ContinueOnError)
	emu := fs.String("emu", "", "emulator base URL, http://127.0.0.1:PORT")
	name := fs.String("scenario", "", "scenario name")
	n := fs.Int("n", 1, "pool size (single-use scenarios)")
	out := fs.String("out", "", "output file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := scenarioByName(*name)
	if err != nil {
		return err
	}
	reqs, err := build(*emu, s, *n)
	if err != nil {
		return err
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, r := range reqs {
		fmt.Fprintln(w, r.line())
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// build makes the requests of a scenario against the emulator at emu.
func build(emu string, s scenario, n int) ([]request, error) {
	base := request{Method: s.Method, Path: s.Path, Body: s.Body, Header: s.Header}
	switch s.Pool {
	case "":
		if s.Name == "assist-orders-get" {
			if err := loadAssistState(emu, nil); err != nil {
				return nil, err
			}
		}
		return []request{base}, nil
	case "mixi":
		return signMixi(emu, s, n)
	case "assist-code":
		return mintCodes(emu, s, n)
	}
	return nil, fmt.Errorf("scenario %s: unknown pool %q", s.Name, s.Pool)
}

type clockView struct {
	Now  string `json:"now"`
	Unix int64  `json:"unix"`
}

func emulatorClock(emu string) (clockView, error) {
	var c clockView
	resp, err := http.Get(emu + "/_fakeapi/clock")
	if err != nil {
		return c, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return c, fmt.Errorf("GET /_fakeapi/clock: %s", resp.Status)
	}
	return c, json.NewDecoder(resp.Body).Decode(&c)
}

// signMixi signs n requests with distinct nonces, stamped with the
// emulator's clock, using the emulator's own signer (what POST
// /_fakeapi/mixi/sign runs) in-process: 100k round trips to the admin route
// would take longer than the run they feed. Appdata writes rotate over the
// 50,000 users who installed the app (mixigen installs it for every second
// user), so no user comes near mixi's 180 writes in 3 minutes.
func signMixi(emu string, s scenario, n int) ([]request, error) {
	clk, err := emulatorClock(emu)
	if err != nil {
		return nil, err
	}
	prefix := randHex(4)
	signer := oauth1.Signer{ConsumerKey: mixiKey, ConsumerSecret: mixiSecret}
	out := make([]request, 0, n)
	for i := range n {
		path := s.Path
		if strings.HasSuffix(path, "xoauth_requestor_id=") {
			path += strconv.Itoa(mixiHub + 2*(i%(mixiUsers/2)))
		}
		auth, err := signer.Header(s.Method, emu+path, nil, prefix+strconv.Itoa(i), clk.Unix)
		if err != nil {
			return nil, err
		}
		hdr := append([][2]string{{"Authorization", auth}}, s.Header...)
		out = append(out, request{Method: s.Method, Path: path, Body: s.Body, Header: hdr})
	}
	return out, nil
}

// mintCodes loads n pending authorization codes of the test shop's app
// (with its grant) through PUT /_fakeapi/state, as the consent page would
// have issued them, and returns one token request per code. Minting them
// through the login and consent pages would cost three round trips each.
func mintCodes(emu string, s scenario, n int) ([]request, error) {
	codes := make([]string, n)
	for i := range codes {
		codes[i] = randHex(20)
	}
	if err := loadAssistState(emu, codes); err != nil {
		return nil, err
	}
	out := make([]request, 0, n)
	for _, c := range codes {
		form := url.Values{
			"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {assistRedirect},
			"client_id": {assistClient}, "client_secret": {assistSecret},
		}
		out = append(out, request{Method: s.Method, Path: s.Path, Body: form.Encode(), Header: s.Header})
	}
	return out, nil
}

var jst = time.FixedZone("JST", 9*3600)

// loadAssistState replaces Assist's runtime state with one grant for the
// test shop's app, the bench token and the given pending codes; shops,
// apps and orders stay as exported.
func loadAssistState(emu string, codes []string) error {
	clk, err := emulatorClock(emu)
	if err != nil {
		return err
	}
	now, err := time.Parse(time.RFC3339Nano, clk.Now)
	if err != nil {
		return err
	}
	const layout = "2006-01-02 15:04:05"
	issued, expires := now.In(jst).Format(layout), now.Add(10*time.Minute).In(jst).Format(layout)

	resp, err := http.Get(emu + "/_fakeapi/state?provider=assist")
	if err != nil {
		return err
	}
	var doc map[string]map[string]json.RawMessage
	err = json.NewDecoder(resp.Body).Decode(&doc)
	_ = resp.Body.Close()
	if err != nil {
		return err
	}
	st := doc["assist"]
	if st == nil {
		return errors.New("state export has no assist part")
	}
	type code struct {
		Code        string `json:"code"`
		ClientID    string `json:"clientId"`
		RedirectURI string `json:"redirectUri"`
		Scope       string `json:"scope"`
		IssuedAt    string `json:"issuedAt"`
		ExpiresAt   string `json:"expiresAt"`
	}
	cs := make([]code, len(codes))
	for i, c := range codes {
		cs[i] = code{c, assistClient, assistRedirect, "read_sales", issued, expires}
	}
	set := func(k string, v any) {
		b, _ := json.Marshal(v)
		st[k] = b
	}
	set("grants", []map[string]string{{"clientId": assistClient, "grantedBy": assistAdmin, "grantedAt": issued, "scope": "read_sales"}})
	set("codes", cs)
	set("tokens", []map[string]string{{"accessToken": assistToken, "clientId": assistClient, "scope": "read_sales", "issuedAt": issued}})
	body, err := json.Marshal(map[string]any{"assist": st})
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPut, emu+"/_fakeapi/state", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("PUT /_fakeapi/state: %s: %s", resp.Status, msg)
	}
	return nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Route is one captured answer, as bench/baseline reads it.
type Route struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    []byte            `json:"body"`
}

// runManifest sends one request of every scenario to the emulator and
// records its answer (status, headers but Date, body) for bench/baseline,
// checking that every scenario succeeds.
func runManifest(args []string) error {
	fs := flag.NewFlagSet("manifest", flag.ContinueOnError)
	emu := fs.String("emu", "", "emulator base URL")
	mixiEmu := fs.String("mixi-emu", "", "emulator with the large mixi fixture (default -emu)")
	out := fs.String("out", "", "output file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *mixiEmu == "" {
		*mixiEmu = *emu
	}
	var routes []Route
	for _, s := range scenarios {
		target := *emu
		if strings.HasPrefix(s.Name, "mixi-") {
			target = *mixiEmu
		}
		reqs, err := build(target, s, 1)
		if err != nil {
			return err
		}
		r := reqs[0]
		var body io.Reader
		if r.Body != "" {
			body = strings.NewReader(r.Body)
		}
		req, err := http.NewRequest(r.Method, target+r.Path, body)
		if err != nil {
			return err
		}
		for _, h := range r.Header {
			req.Header.Set(h[0], h[1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		data, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("scenario %s: %s %s answered %d: %s", s.Name, r.Method, r.Path, resp.StatusCode, data)
		}
		hdr := map[string]string{}
		for k, v := range resp.Header {
			if k != "Date" {
				hdr[k] = strings.Join(v, ", ")
			}
		}
		path, _, _ := strings.Cut(r.Path, "?")
		routes = append(routes, Route{Method: r.Method, Path: path, Status: resp.StatusCode, Headers: hdr, Body: data})
	}
	data, err := json.MarshalIndent(map[string]any{"routes": routes}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(*out, data, 0o644)
}
