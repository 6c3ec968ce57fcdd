package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fakeapi/fakeapi/internal/oauth1"
)

// SoakResult is one line of bench/soak.jsonl: one path flooded against a
// fresh emulator process, with its resident set before, during and after.
type SoakResult struct {
	Kind       string           `json:"kind"` // "soak"
	Path       string           `json:"path"`
	Title      string           `json:"title"`
	Server     string           `json:"server,omitempty"` // the emulator's command line
	Conns      int              `json:"conns"`
	DurationMs int64            `json:"durationMs"` // the flood
	SettleMs   int64            `json:"settleMs"`   // rest before the final RSS
	IdleKB     int              `json:"idleKb"`     // VmRSS before the path's preparation and flood
	PeakKB     int              `json:"peakKb"`     // the largest VmRSS sample (one a second)
	HWMKB      int              `json:"hwmKb"`      // VmHWM after the settle
	FinalKB    int              `json:"finalKb"`    // VmRSS after the settle
	BoundKB    int              `json:"boundKb"`    // the final RSS the path must stay under
	SamplesKB  []int            `json:"samplesKb"`  // VmRSS each second from the flood's start to the end of the settle
	Requests   int64            `json:"requests"`   // HTTP answers received
	Ops        int64            `json:"ops"`        // operations completed (an Assist code flow is five requests)
	Expected   int64            `json:"expected"`   // operations that ended as the path expects
	ByStatus   map[string]int64 `json:"byStatus"`
	Errors     map[string]int64 `json:"errors,omitempty"`     // transport errors by kind (cancellations at the deadline not counted)
	Unexpected []string         `json:"unexpected,omitempty"` // the first few unexpected answers
	DocBytes   int              `json:"docBytes,omitempty"`   // state imports: the document's size
	LogLines   int              `json:"logLines"`             // lines the server logged (at -log-level warn: warnings and errors)
	Log        []string         `json:"log,omitempty"`        // the first few of them
}

// soakPath is one flood. prepare runs once, after the idle RSS is read,
// and returns the operation every connection repeats until the deadline.
type soakPath struct {
	Name, Title string
	prepare     func(emu string, o *soakOptions) (soakOp, error)
}

type soakOptions struct {
	nonceBytes int // mixi: length of oauth_nonce
	docBytes   int // state imports: the document's size at least
	docSize    int // set by the state import's prepare: the document's size
}

// soakOp does one operation on a connection and says whether it ended as
// the path expects; the worker counts every answer it gets.
type soakOp func(ctx context.Context, w *soakWorker) bool

var soakPaths = []soakPath{
	{Name: "mixi-long-nonce", Title: "mixi signed GET with a long oauth_nonce (want 401 parameter_rejected)", prepare: prepareMixiNonce},
	{Name: "iijmio-authorize", Title: "IIJmio authorize GET without a cookie (a browser session each)", prepare: prepareIIJmioAuthorize},
	{Name: "assist-authorize", Title: "Assist authorize GET without a cookie (a browser session each)", prepare: prepareAssistAuthorize},
	{Name: "kii-login", Title: "Kii login, password grant (a token that never expires each)", prepare: prepareKiiLogin},
	{Name: "assist-code-flow", Title: "Assist code flow: authorize, login, consent, token (a fresh cookie jar each)", prepare: prepareAssistFlow},
	{Name: "state-import", Title: "PUT /_fakeapi/state of a few-MB export, from every connection (want 200 or 409)", prepare: prepareStateImport},
}

func soakPathByName(name string) (soakPath, error) {
	for _, p := range soakPaths {
		if p.Name == name {
			return p, nil
		}
	}
	names := make([]string, len(soakPaths))
	for i, p := range soakPaths {
		names[i] = p.Name
	}
	return soakPath{}, fmt.Errorf("unknown soak path %q (want one of %s)", name, strings.Join(names, ", "))
}

// runSoak floods one path at -conns connections for -duration, sampling
// the server's VmRSS every second, and prints one SoakResult line after
// -settle more seconds of rest.
func runSoak(args []string) error {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	emu := fs.String("emu", "", "emulator base URL, http://127.0.0.1:PORT")
	pid := fs.Int("pid", 0, "the emulator's process id, for /proc/PID/status")
	name := fs.String("path", "", "soak path name")
	conns := fs.Int("conns", 32, "concurrent connections, one goroutine each")
	duration := fs.Duration("duration", 60*time.Second, "how long the flood lasts")
	settle := fs.Duration("settle", 5*time.Second, "rest after the flood before the final RSS")
	boundMB := fs.Int("bound-mb", 256, "the final RSS the path must stay under, in MB")
	server := fs.String("server", "", "the emulator's command line, recorded with the result")
	serverLog := fs.String("server-log", "", "the emulator's stderr, whose lines are counted after the settle")
	var o soakOptions
	fs.IntVar(&o.nonceBytes, "nonce-bytes", 32<<10, "mixi-long-nonce: oauth_nonce length")
	fs.IntVar(&o.docBytes, "doc-bytes", 4<<20, "state-import: document size at least")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *emu == "" || *pid <= 0 {
		return errors.New("soak: want -emu URL and -pid PID")
	}
	if *conns < 1 || *duration <= 0 || *duration > time.Hour || *settle < 0 || *settle > 10*time.Minute {
		return errors.New("soak: want -conns ≥ 1, 0 < -duration ≤ 1h, 0 ≤ -settle ≤ 10m")
	}
	p, err := soakPathByName(*name)
	if err != nil {
		return err
	}
	res := SoakResult{Kind: "soak", Path: p.Name, Title: p.Title, Server: *server, Conns: *conns,
		DurationMs: duration.Milliseconds(), SettleMs: settle.Milliseconds(), BoundKB: *boundMB << 10}
	if res.IdleKB, _, err = procMem(*pid); err != nil {
		return err
	}
	op, err := p.prepare(*emu, &o)
	if err != nil {
		return fmt.Errorf("soak %s: %w", p.Name, err)
	}
	res.DocBytes = o.docSize

	// The sampler reads VmRSS at once and then every second until the
	// settle is over; the flood's context ends at the deadline, cutting
	// requests still in flight.
	stop := make(chan struct{})
	samples := make(chan []int, 1)
	go func() {
		var ss []int
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			if kb, _, err := procMem(*pid); err == nil {
				ss = append(ss, kb)
			}
			select {
			case <-stop:
				samples <- ss
				return
			case <-t.C:
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	workers := make([]*soakWorker, *conns)
	var wg sync.WaitGroup
	for i := range workers {
		w := newSoakWorker(*emu)
		workers[i] = w
		wg.Go(func() {
			defer w.tr.CloseIdleConnections()
			for ctx.Err() == nil {
				ok := op(ctx, w)
				if ctx.Err() != nil {
					return // an operation cut by the deadline is not counted
				}
				w.ops++
				if ok {
					w.expected++
				}
			}
		})
	}
	wg.Wait()
	time.Sleep(*settle)
	close(stop)
	res.SamplesKB = <-samples
	if res.FinalKB, res.HWMKB, err = procMem(*pid); err != nil {
		return err
	}
	res.SamplesKB = append(res.SamplesKB, res.FinalKB)
	if *serverLog != "" {
		if res.LogLines, res.Log, err = logHead(*serverLog, 5); err != nil {
			return err
		}
	}
	for _, kb := range res.SamplesKB {
		res.PeakKB = max(res.PeakKB, kb)
	}

	res.ByStatus = map[string]int64{}
	res.Errors = map[string]int64{}
	for _, w := range workers {
		res.Requests += w.requests
		res.Ops += w.ops
		res.Expected += w.expected
		for k, n := range w.byStatus {
			res.ByStatus[strconv.Itoa(k)] += n
		}
		for k, n := range w.errors {
			res.Errors[k] += n
		}
		for _, u := range w.unexpected {
			if len(res.Unexpected) < 5 {
				res.Unexpected = append(res.Unexpected, u)
			}
		}
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// procMem returns a process's VmRSS and VmHWM in kB.
func procMem(pid int) (rss, hwm int, err error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		name, v, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/%d/status: %s: %w", pid, line, err)
		}
		if name == "VmRSS" {
			rss = kb
		} else {
			hwm = kb
		}
	}
	if rss == 0 {
		return 0, 0, fmt.Errorf("/proc/%d/status: no VmRSS", pid)
	}
	return rss, hwm, nil
}

// logHead counts the lines of a log file and returns the first n, each
// cut to 300 bytes.
func logHead(path string, n int) (int, []string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, nil, err
	}
	var count int
	var head []string
	for line := range strings.SplitSeq(string(data), "\n") {
		if line == "" {
			continue
		}
		count++
		if len(head) < n {
			if len(line) > 300 {
				line = line[:300] + "…"
			}
			head = append(head, line)
		}
	}
	return count, head, nil
}

// soakWorker is one connection: its own transport, so the flood holds
// exactly -conns keep-alive connections, and its own counters.
type soakWorker struct {
	emu        string
	tr         *http.Transport
	client     *http.Client // no cookie jar, redirects not followed
	requests   int64
	ops        int64
	expected   int64
	byStatus   map[int]int64
	errors     map[string]int64
	unexpected []string
}

func newSoakWorker(emu string) *soakWorker {
	tr := &http.Transport{
		MaxIdleConnsPerHost: 1,
		MaxConnsPerHost:     1,
		DisableCompression:  true,
		IdleConnTimeout:     30 * time.Second,
	}
	return &soakWorker{
		emu: emu, tr: tr,
		client:   &http.Client{Transport: tr, CheckRedirect: noRedirect, Timeout: 30 * time.Second},
		byStatus: map[int]int64{},
		errors:   map[string]int64{},
	}
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// do sends one request with client (w.client when nil) and returns the
// status, headers and up to limit bytes of the body (the rest is
// discarded). A transport error is counted and returned as status 0.
func (w *soakWorker) do(ctx context.Context, client *http.Client, method, target string, body io.Reader, hdr http.Header, limit int64) (int, http.Header, []byte) {
	if client == nil {
		client = w.client
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		w.errors["request: "+err.Error()]++
		return 0, nil, nil
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			w.errors[errKind(err)]++
		}
		return 0, nil, nil
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, limit))
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	w.requests++
	w.byStatus[resp.StatusCode]++
	return resp.StatusCode, resp.Header, data
}

// errKind is a transport error without the URL and addresses that make
// every occurrence distinct.
func errKind(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	s := err.Error()
	for _, k := range []string{"connection reset by peer", "broken pipe", "connection refused", "EOF", "timeout", "deadline exceeded"} {
		if strings.Contains(s, k) {
			return k
		}
	}
	if len(s) > 80 {
		s = s[:80]
	}
	return s
}

// unexpectedAnswer keeps the first few answers a path did not expect.
func (w *soakWorker) unexpectedAnswer(step string, status int, body []byte) {
	if len(w.unexpected) >= 5 {
		return
	}
	if len(body) > 120 {
		body = body[:120]
	}
	w.unexpected = append(w.unexpected, fmt.Sprintf("%s: %d %q", step, status, body))
}

// prepareMixiNonce signs every request with a fresh nonce of -nonce-bytes
// (filler, then 8 hex of the run and an 8-hex counter), stamped with the
// emulator clock: the emulator must refuse it with 401 parameter_rejected
// before it remembers or signs anything over it (docs/providers/mixi.md,
// "Authentication: 2-legged OAuth 1.0"). A flood shorter than the 300 s
// timestamp window needs no new timestamp.
func prepareMixiNonce(emu string, o *soakOptions) (soakOp, error) {
	clk, err := emulatorClock(emu)
	if err != nil {
		return nil, err
	}
	if o.nonceBytes < 2*nonceVarLen {
		return nil, fmt.Errorf("-nonce-bytes %d: want at least %d", o.nonceBytes, 2*nonceVarLen)
	}
	target := emu + "/mixi/os/0.8/people/@me/@self?xoauth_requestor_id=1000001"
	signer, err := newNonceSigner(oauth1.Signer{ConsumerKey: mixiKey, ConsumerSecret: mixiSecret},
		http.MethodGet, target, strings.Repeat("n", o.nonceBytes-nonceVarLen), clk.Unix)
	if err != nil {
		return nil, err
	}
	run := randHex(4)
	var counter atomic.Int64
	return func(ctx context.Context, w *soakWorker) bool {
		auth, err := signer.header(fmt.Sprintf("%s%08x", run, uint32(counter.Add(1))))
		if err != nil {
			w.errors["sign: "+err.Error()]++
			return false
		}
		status, h, body := w.do(ctx, nil, http.MethodGet, target, nil, http.Header{"Authorization": {auth}}, 512)
		if status == 0 {
			return false
		}
		if status == http.StatusUnauthorized && strings.Contains(h.Get("WWW-Authenticate"), `oauth_problem="parameter_rejected"`) {
			return true
		}
		w.unexpectedAnswer("GET people", status, body)
		return false
	}, nil
}

// prepareIIJmioAuthorize sends the implicit-grant authorize GET of the
// fixture developer without a cookie: each makes a browser session and an
// authorization transaction (docs/providers/iijmio.md, "Authorization
// details").
func prepareIIJmioAuthorize(emu string, _ *soakOptions) (soakOp, error) {
	q := url.Values{"response_type": {"token"}, "client_id": {iijmioDeveloper},
		"redirect_uri": {"http://127.0.0.1/callback"}}
	return authorizeGET(emu + "/iijmio/mobile/d/v1/authorization/?" + q.Encode()), nil
}

// prepareAssistAuthorize is the same with Assist's authorization page,
// which answers the login page (docs/providers/assist.md, "Login and
// consent").
func prepareAssistAuthorize(emu string, _ *soakOptions) (soakOp, error) {
	return authorizeGET(assistAuthorizeURL(emu, "")), nil
}

func assistAuthorizeURL(emu, state string) string {
	q := url.Values{"client_id": {assistClient}, "redirect_uri": {assistRedirect}, "response_type": {"code"},
		"scope": {"read_sales"}}
	if state != "" {
		q.Set("state", state)
	}
	return emu + "/assist/api/oauth/authorize.php?" + q.Encode()
}

func authorizeGET(base string) soakOp {
	var counter atomic.Int64
	return func(ctx context.Context, w *soakWorker) bool {
		target := base + "&state=s" + strconv.FormatInt(counter.Add(1), 10)
		status, _, body := w.do(ctx, nil, http.MethodGet, target, nil, nil, 256)
		if status == 0 {
			return false
		}
		if status != http.StatusOK {
			w.unexpectedAnswer("GET authorize", status, body)
			return false
		}
		return true
	}
}

// prepareKiiLogin posts the fixture user's password grant: each answer
// mints an access token that never expires (docs/providers/kii.md,
// "Token endpoint").
func prepareKiiLogin(emu string, _ *soakOptions) (soakOp, error) {
	s, err := scenarioByName("kii-login")
	if err != nil {
		return nil, err
	}
	hdr := http.Header{}
	for _, h := range s.Header {
		hdr.Set(h[0], h[1])
	}
	return func(ctx context.Context, w *soakWorker) bool {
		status, _, body := w.do(ctx, nil, s.Method, emu+s.Path, strings.NewReader(s.Body), hdr, 512)
		if status == 0 {
			return false
		}
		if status != http.StatusOK || !bytes.Contains(body, []byte(`"access_token"`)) {
			w.unexpectedAnswer("POST token", status, body)
			return false
		}
		return true
	}, nil
}

// prepareAssistFlow runs the code flow as a browser and a client app
// would, with a fresh cookie jar each time, so every flow logs in:
// authorize GET (login page) → login POST (303) → authorize GET (consent
// page) → consent POST (302 with the code) → token POST
// (docs/providers/assist.md, "The flow, by hand or in CI").
func prepareAssistFlow(emu string, _ *soakOptions) (soakOp, error) {
	base, err := url.Parse(emu)
	if err != nil {
		return nil, err
	}
	formHdr := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	var counter atomic.Int64
	return func(ctx context.Context, w *soakWorker) bool {
		jar, _ := cookiejar.New(nil)
		browser := &http.Client{Transport: w.tr, Jar: jar, CheckRedirect: noRedirect, Timeout: 30 * time.Second}
		state := "s" + strconv.FormatInt(counter.Add(1), 10)

		status, _, page := w.do(ctx, browser, http.MethodGet, assistAuthorizeURL(emu, state), nil, nil, 64<<10)
		action, form, ok := pageForm(page, "login_form")
		if status != http.StatusOK || !ok {
			w.unexpectedAnswerIf(ctx, "GET authorize (login page)", status, page)
			return false
		}
		form.Set("login_id", assistAdmin)
		form.Set("password", "Tencho#2024")
		status, h, page := w.do(ctx, browser, http.MethodPost, resolve(base, action), strings.NewReader(form.Encode()), formHdr, 1024)
		if status != http.StatusSeeOther {
			w.unexpectedAnswerIf(ctx, "POST login", status, page)
			return false
		}
		status, _, page = w.do(ctx, browser, http.MethodGet, resolve(base, h.Get("Location")), nil, nil, 64<<10)
		action, form, ok = pageForm(page, "consent_form")
		if status != http.StatusOK || !ok {
			w.unexpectedAnswerIf(ctx, "GET authorize (consent page)", status, page)
			return false
		}
		form.Set("decision", "allow")
		status, h, page = w.do(ctx, browser, http.MethodPost, resolve(base, action), strings.NewReader(form.Encode()), formHdr, 1024)
		loc, _ := url.Parse(h.Get("Location"))
		if status != http.StatusFound || loc == nil || loc.Query().Get("code") == "" || loc.Query().Get("state") != state {
			w.unexpectedAnswerIf(ctx, "POST consent", status, page)
			return false
		}
		tok := url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {assistRedirect},
			"client_id": {assistClient}, "client_secret": {assistSecret}}
		status, _, page = w.do(ctx, nil, http.MethodPost, emu+"/assist/api/oauth/token.php", strings.NewReader(tok.Encode()), formHdr, 1024)
		if status != http.StatusOK || !bytes.Contains(page, []byte(`"access_token"`)) {
			w.unexpectedAnswerIf(ctx, "POST token", status, page)
			return false
		}
		return true
	}, nil
}

// unexpectedAnswerIf records an unexpected answer unless the deadline cut
// the request (status 0 with the context done).
func (w *soakWorker) unexpectedAnswerIf(ctx context.Context, step string, status int, body []byte) {
	if status == 0 && ctx.Err() != nil {
		return
	}
	w.unexpectedAnswer(step, status, body)
}

func resolve(base *url.URL, ref string) string {
	u, err := base.Parse(ref)
	if err != nil {
		return base.String()
	}
	return u.String()
}

var (
	formActionRE = regexp.MustCompile(`\baction="([^"]*)"`)
	hiddenRE     = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
)

// pageForm returns the action and hidden inputs of the form with id in an
// Assist page (emulator/assist/templates).
func pageForm(page []byte, id string) (string, url.Values, bool) {
	s := string(page)
	i := strings.Index(s, `<form id="`+id+`"`)
	if i < 0 {
		return "", nil, false
	}
	s = s[i:]
	if j := strings.Index(s, "</form>"); j >= 0 {
		s = s[:j]
	}
	m := formActionRE.FindStringSubmatch(s)
	if m == nil {
		return "", nil, false
	}
	v := url.Values{}
	for _, h := range hiddenRE.FindAllStringSubmatch(s, -1) {
		v.Set(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
	}
	return html.UnescapeString(m[1]), v, v.Get("csrf_token") != ""
}

// prepareStateImport builds a document of at least -doc-bytes from the
// emulator's own export, with copies of an Assist order (fresh serial and
// mall order ids) in the first shop, checks that one import of it succeeds,
// and returns an operation that imports it again. Every connection does so
// at once: one import runs at a time and the others must get 409.
func prepareStateImport(emu string, o *soakOptions) (soakOp, error) {
	doc, err := bigStateDoc(emu, o.docBytes)
	if err != nil {
		return nil, err
	}
	o.docSize = len(doc)
	hdr := http.Header{"Content-Type": {"application/json"}}
	check := newSoakWorker(emu)
	defer check.tr.CloseIdleConnections()
	if status, _, body := check.do(context.Background(), nil, http.MethodPut, emu+"/_fakeapi/state", bytes.NewReader(doc), hdr, 512); status != http.StatusOK {
		return nil, fmt.Errorf("PUT /_fakeapi/state of %d bytes: %d %s", len(doc), status, body)
	}
	return func(ctx context.Context, w *soakWorker) bool {
		status, _, body := w.do(ctx, nil, http.MethodPut, emu+"/_fakeapi/state", bytes.NewReader(doc), hdr, 512)
		if status == 0 {
			return false
		}
		if status != http.StatusOK && status != http.StatusConflict {
			w.unexpectedAnswer("PUT state", status, body)
			return false
		}
		return true
	}, nil
}

func bigStateDoc(emu string, size int) ([]byte, error) {
	resp, err := http.Get(emu + "/_fakeapi/state")
	if err != nil {
		return nil, err
	}
	var doc map[string]map[string]json.RawMessage
	err = json.NewDecoder(resp.Body).Decode(&doc)
	_ = resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("GET /_fakeapi/state: %w", err)
	}
	as := doc["assist"]
	if as == nil {
		return nil, errors.New("state export has no assist part")
	}
	var shops []map[string]json.RawMessage
	if err := json.Unmarshal(as["shops"], &shops); err != nil || len(shops) == 0 {
		return nil, fmt.Errorf("assist export: no shops (%v)", err)
	}
	var orders []map[string]any
	if err := json.Unmarshal(shops[0]["orders"], &orders); err != nil || len(orders) == 0 {
		return nil, fmt.Errorf("assist export: the first shop has no orders (%v)", err)
	}
	base, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	one, err := json.Marshal(orders[0])
	if err != nil {
		return nil, err
	}
	// serial_order_id and order_detail_id are unique in a shop
	// (docs/providers/assist.md, "Fixture schema").
	maxID, maxDetail := 0, 0
	for _, o := range orders {
		if id, ok := o["serial_order_id"].(float64); ok {
			maxID = max(maxID, int(id))
		}
		for _, d := range orderDetails(o) {
			if id, ok := d["order_detail_id"].(float64); ok {
				maxDetail = max(maxDetail, int(id))
			}
		}
	}
	n := (size-len(base))/(len(one)+1) + 1
	for i := range n {
		c := maps.Clone(orders[0])
		c["serial_order_id"] = maxID + 1 + i
		c["mall_order_id"] = fmt.Sprintf("soak-%08d", i)
		var details []any
		for _, d := range orderDetails(orders[0]) {
			d = maps.Clone(d)
			maxDetail++
			d["order_detail_id"] = maxDetail
			details = append(details, d)
		}
		c["details"] = details
		orders = append(orders, c)
	}
	if shops[0]["orders"], err = json.Marshal(orders); err != nil {
		return nil, err
	}
	if as["shops"], err = json.Marshal(shops); err != nil {
		return nil, err
	}
	return json.Marshal(doc)
}

// orderDetails returns the details of an order as decoded from JSON.
func orderDetails(o map[string]any) []map[string]any {
	ds, _ := o["details"].([]any)
	var out []map[string]any
	for _, d := range ds {
		if m, ok := d.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// soakSection renders the "Soak (memory under floods)" section of
// docs/PERFORMANCE.md from bench/soak.jsonl.
func soakSection(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var rs []SoakResult
	for line := range strings.SplitSeq(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var r SoakResult
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return "", fmt.Errorf("%s: %w: %.80s", path, err, line)
		}
		if r.Kind == "soak" {
			rs = append(rs, r)
		}
	}
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("## Soak (memory under floods)\n\n")
	if len(rs) == 0 {
		p("No soak results in %s.\n", path)
		return b.String(), nil
	}
	r0 := rs[0]
	p("Written from `%s` (`bench/soak.sh`). Each path floods a fresh emulator process for %s at %d connections from\n",
		path, time.Duration(r0.DurationMs)*time.Millisecond, r0.Conns)
	p("`benchtool soak` (one goroutine and one keep-alive connection each, 127.0.0.1 only), with the default caps:\n")
	if r0.Server != "" {
		p("`%s`.\n", r0.Server)
	}
	p("RSS is the server's VmRSS: idle is read one second after start, before the path's preparation; peak is the\n")
	p("largest of the samples taken every second (VmHWM, the kernel's own peak, beside it); final is %s after the flood\n",
		time.Duration(r0.SettleMs)*time.Millisecond)
	p("ends. **The bound: final RSS under %d MB with the default caps.**\n\n", r0.BoundKB>>10)
	p("| path | idle RSS | peak RSS (VmHWM) | final RSS | final under %d MB | operations (as expected) | requests/s | answers by status | transport errors |\n", r0.BoundKB>>10)
	p("|---|---:|---:|---:|---|---:|---:|---|---|\n")
	for _, r := range rs {
		rps := 0.0
		if r.DurationMs > 0 {
			rps = float64(r.Requests) * 1000 / float64(r.DurationMs)
		}
		title := r.Title
		if r.DocBytes > 0 {
			title += fmt.Sprintf("; document %.1f MB", float64(r.DocBytes)/(1<<20))
		}
		p("| %s | %s | %s (%s) | %s | %s | %d (%d) | %.0f | %s | %s |\n", title, mb(r.IdleKB), mb(r.PeakKB), mb(r.HWMKB), mb(r.FinalKB),
			yes(r.FinalKB < r.BoundKB), r.Ops, r.Expected, rps, countsText(r.ByStatus), countsText(r.Errors))
	}
	p("\nRSS every second, from the start of the flood to the final reading (MB):\n\n")
	for _, r := range rs {
		ss := make([]string, len(r.SamplesKB))
		for i, kb := range r.SamplesKB {
			ss[i] = fmt.Sprintf("%.0f", float64(kb)/1024)
		}
		p("* %s: %s\n", r.Path, strings.Join(ss, " "))
	}
	var odd []string
	for _, r := range rs {
		for _, u := range r.Unexpected {
			odd = append(odd, fmt.Sprintf("* %s — %s", r.Path, u))
		}
	}
	if len(odd) > 0 {
		p("\nFirst unexpected answers (at most five a path):\n\n%s\n", strings.Join(odd, "\n"))
	}
	p("\nWhat the server logged (`-log-level warn`: warnings and errors, such as evictions), its line count and first lines:\n\n")
	for _, r := range rs {
		p("* %s: %d\n", r.Path, r.LogLines)
		for _, l := range r.Log {
			p("  * `%s`\n", strings.ReplaceAll(l, "`", "'"))
		}
	}
	return b.String(), nil
}

func mb(kb int) string { return fmt.Sprintf("%.1f MB", float64(kb)/1024) }

func countsText(m map[string]int64) string {
	if len(m) == 0 {
		return "—"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// spliceSoak replaces the soak section of an existing report (or inserts
// it before "## Every round", or at the end) with section.
func spliceSoak(doc, section string) string {
	const head = "## Soak (memory under floods)\n"
	if i := strings.Index(doc, head); i >= 0 {
		rest := doc[i+len(head):]
		if j := strings.Index(rest, "\n## "); j >= 0 {
			return doc[:i] + section + rest[j:]
		}
		return doc[:i] + section
	}
	if i := strings.Index(doc, "\n## Every round\n"); i >= 0 {
		return doc[:i+1] + section + "\n" + doc[i+1:]
	}
	return strings.TrimRight(doc, "\n") + "\n\n" + section
}
