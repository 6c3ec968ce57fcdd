package mixi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/ids"
	"github.com/fakeapi/fakeapi/internal/journal"
	"github.com/fakeapi/fakeapi/internal/provider"
	"github.com/fakeapi/fakeapi/internal/websession"
)

// The mobile gateway (docs/providers/mixi.md, "Gateway"): a phone never
// called an app's server itself. It opened http://ma.mixi.net/{appId}/ (the
// mobile_url of the Request API page), and mixi fetched the page from the
// app's own server, the SAP, adding opensocial_app_id and
// opensocial_owner_id and an OAuth signature.
const (
	gatewayHostName = "ma.mixi.net"
	// DefaultSAPTimeout is how long the gateway waits for an app's server:
	// mixi gave the SAP 10 seconds (Config.SAPTimeout changes it).
	DefaultSAPTimeout = 10 * time.Second
	// maxSAPResponse caps what the gateway reads of one answer of an app's
	// server [chosen: far above any phone's page limit, and a bound on
	// memory].
	maxSAPResponse = 2 << 20
)

// Texts of the gateway's own pages (docs/providers/mixi.md, "Gateway").
const (
	textUnknownApp     = "アプリが見つかりません。"
	textNoSAP          = "このアプリにはSAPのURLが登録されていません。fixtures の sapUrl か PUT /_fakeapi/mixi/apps/{appId}/sap で登録してください。"
	textSAPTimeout     = "アプリのサーバーが時間内に応答しませんでした（%s）。しばらくしてから再度アクセスしてください。"
	textSAPUnreachable = "アプリのサーバーに接続できませんでした。"
	textSAPTooLarge    = "アプリのサーバーの応答が大きすぎます。"
	textSAPBadURL      = "アプリのサーバー以外のURLは開けません。"
	textNoViewer       = "mixiにログインしてください。"
	textBadQuery       = "URLのパラメータが正しくありません。"
)

// gateway serves the app pages of the mobile gateway and sends lifecycle
// events.
type gateway struct {
	log      *slog.Logger
	st       Store
	clk      clock.Clock
	ids      ids.Source
	sessions *websession.Manager[inviteTxn] // the invite pages' sessions; User is the mixi login
	journal  *journal.Journal               // nil when the provider runs alone
	mask     journal.Masker
	client   *http.Client
	timeout  time.Duration
	keys     *lifecycleKeys
}

type gatewayDeps struct {
	log      *slog.Logger
	st       Store
	clk      clock.Clock
	ids      ids.Source
	sessions *websession.Manager[inviteTxn]
	journal  *journal.Journal
	timeout  time.Duration
}

func newGateway(d gatewayDeps) *gateway {
	if d.timeout <= 0 {
		d.timeout = DefaultSAPTimeout
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxResponseHeaderBytes = 64 << 10
	return &gateway{
		log: d.log, st: d.st, clk: d.clk, ids: d.ids, sessions: d.sessions, journal: d.journal, timeout: d.timeout,
		mask: journal.NewMasker(nil, []string{"oauth_signature", "csrf_token"}),
		client: &http.Client{
			Transport: tr,
			// The browser follows a redirect of the app's server through
			// the gateway, signed again, as a phone did.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		keys: newLifecycleKeys(d.clk),
	}
}

// onGatewayHost reports whether r came to Host ma.mixi.net, where the
// gateway's paths sit at the root.
func onGatewayHost(r *http.Request) bool {
	return httpx.Base(r) == "" && provider.NormalHost(r.Host) == gatewayHostName
}

// gatewayRoot is the path the provider routes the gateway under: "/ma"
// under the prefix (/mixi/ma/{appId}/…), "" under Host ma.mixi.net
// (/{appId}/…).
func gatewayRoot(r *http.Request) string {
	if onGatewayHost(r) {
		return ""
	}
	return "/ma"
}

// mountOf is the local path of an app's gateway as the browser sees it.
func mountOf(r *http.Request) func(appID string) string {
	root := httpx.Base(r) + gatewayRoot(r)
	return func(appID string) string { return root + "/" + appID }
}

// page writes one of the gateway's own HTML pages (error.html) for status.
func (g *gateway) page(w http.ResponseWriter, status int, msg string) {
	renderError(g.log, w, status, msg)
}

// handleSlash handles "GET /ma/{appId}": the app's top page is
// /ma/{appId}/, so relative links resolve under it.
func (g *gateway) handleSlash() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		target := mountOf(r)(chi.URLParam(r, "appId")) + "/"
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusMovedPermanently)
	}
}

// handleApp handles "GET|HEAD|POST /ma/{appId}/…": the page of the app's
// server for the viewer, or the gateway's own invite:friends flow.
func (g *gateway) handleApp() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		appID := chi.URLParam(r, "appId")
		app, err := g.st.GatewayApp(appID)
		if err != nil {
			g.page(w, http.StatusNotFound, textUnknownApp)
			return
		}
		rest, _ := strings.CutPrefix(r.URL.EscapedPath(), gatewayRoot(r)+"/"+appID+"/")
		viewer, ok := g.viewerFor(w, r, app)
		if !ok {
			return
		}
		if app.SAPURL == "" {
			g.page(w, http.StatusBadGateway, textNoSAP)
			return
		}
		sap, _ := url.Parse(app.SAPURL) // checked when registered
		mount := mountOf(r)
		if un, err := url.PathUnescape(rest); err == nil && un == "invite:friends" {
			g.invite(w, r, app, viewer, newRewriter(sap, sap, mount(app.ID), mount))
			return
		}
		page, query, ok := sapTarget(sap, rest, r.URL.RawQuery)
		if !ok {
			g.page(w, http.StatusBadRequest, textSAPBadURL)
			return
		}
		target := *page
		target.RawQuery = joinQuery(query, "opensocial_app_id="+url.QueryEscape(app.ID)+"&opensocial_owner_id="+url.QueryEscape(viewer))
		g.proxy(w, r, app, &target, newRewriter(sap, page, mount(app.ID), mount))
	}
}

// sapTarget is the SAP URL a gateway path asks for, and the query to send
// it (docs/providers/mixi.md, "Gateway URLs"): /{appId}/ is the SAP URL
// itself; /{appId}/<rest> is <rest> under the SAP URL's directory;
// /{appId}/?url=<escaped URL> is that URL, which must be on the SAP's
// origin. The phone's own parameters follow the target's, less url and any
// opensocial_* or oauth_* parameter, which only mixi sets.
func sapTarget(sap *url.URL, rest, rawQuery string) (*url.URL, string, bool) {
	var kept []string
	var target *url.URL
	for p := range strings.SplitSeq(rawQuery, "&") {
		name, value, _ := strings.Cut(p, "=")
		key, err := url.QueryUnescape(name)
		switch {
		case p == "":
			continue
		case err == nil && key == "url" && rest == "" && target == nil:
			raw, err := url.QueryUnescape(value)
			if err != nil {
				return nil, "", false
			}
			u, err := url.Parse(raw)
			if err != nil || !sameOrigin(u, sap) || u.User != nil {
				return nil, "", false
			}
			u.Fragment, u.RawFragment = "", ""
			target = u
			continue
		case err == nil && (strings.HasPrefix(key, "opensocial_") || strings.HasPrefix(key, "oauth_")):
			continue
		}
		kept = append(kept, p)
	}
	phone := strings.Join(kept, "&")
	switch {
	case target != nil:
		query := joinQuery(target.RawQuery, phone)
		page := *target
		page.RawQuery = phone // what relative references of the page resolve against
		return &page, query, true
	case rest == "":
		page := *sap
		return &page, joinQuery(sap.RawQuery, phone), true
	}
	page := *sap
	page.RawQuery = ""
	escaped := sapDir(sap) + rest
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return nil, "", false
	}
	page.Path, page.RawPath = p, escaped
	return &page, phone, true
}

func joinQuery(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "&")
}

// forwardHeader reports whether the gateway passes on one of the phone's
// request headers: mixi passed User-Agent, X-Jphone-* but X-Jphone-Uid,
// X-S-Display-Info and X-Up-* but X-Up-Subno, and removed every other
// header (the phone's unique ids go with them); Content-Type rides along
// with a POST body so the app can read it [chosen]
// (docs/providers/mixi.md, "What the SAP receives").
func forwardHeader(name string) bool {
	switch name = http.CanonicalHeaderKey(name); {
	case name == "User-Agent", name == "X-S-Display-Info":
		return true
	case strings.HasPrefix(name, "X-Jphone-"):
		return name != "X-Jphone-Uid"
	case strings.HasPrefix(name, "X-Up-"):
		return name != "X-Up-Subno"
	}
	return false
}

// returnHeaders are the SAP's response headers the gateway passes back
// [chosen]; Set-Cookie is not among them. Location is rewritten.
var returnHeaders = []string{"Content-Type", "Cache-Control", "Expires", "Last-Modified", "ETag", "Pragma", "Content-Disposition", "Content-Language"}

// proxy sends the signed request to the app's server and writes its answer
// with the page's references rewritten.
func (g *gateway) proxy(w http.ResponseWriter, r *http.Request, app App, target *url.URL, rw *rewriter) {
	var body []byte
	if r.Method == http.MethodPost {
		b, err := httpx.ReadBody(r)
		if err != nil {
			if httpx.IsTooLarge(err) {
				writeInviteErrorPage(w, http.StatusRequestEntityTooLarge)
				return
			}
			g.page(w, http.StatusBadRequest, textBadQuery)
			return
		}
		body = b
	}
	sig, err := signSAPRequest(r.Method, target, app, g.ids.Hex(16), g.clk.Now().Unix())
	if err != nil {
		g.page(w, http.StatusBadRequest, textBadQuery)
		return
	}
	g.log.Debug("mixi gateway: signed request to the app's server", "app", app.ID, "url", target.String(), "base", sig.Base)
	h := http.Header{}
	for k, v := range r.Header {
		if forwardHeader(k) {
			h[k] = v
		}
	}
	if body != nil && r.Header.Get("Content-Type") != "" {
		h.Set("Content-Type", r.Header.Get("Content-Type"))
	}
	// X-Forwarded-For is the phone's address, as mixi set it.
	if addr, ok := httpx.ClientAddr(r, false); ok {
		h.Set("X-Forwarded-For", addr.String())
	}
	h.Set("Authorization", sig.Header)
	resp, err := g.fetch(r.Context(), requestID(w), r.Method, target, h, body)
	if err != nil {
		g.fetchError(w, err)
		return
	}
	out := w.Header()
	for _, k := range returnHeaders {
		if v := resp.header.Values(k); len(v) > 0 {
			out[k] = v
		}
	}
	if loc := resp.header.Get("Location"); loc != "" {
		out.Set("Location", rw.location(loc))
	}
	page := resp.body
	if isHTMLType(resp.header.Get("Content-Type")) {
		page = rw.html(page)
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(resp.status)
		return
	}
	httpx.WriteBytes(w, resp.status, out.Get("Content-Type"), page)
}

// isHTMLType reports whether a Content-Type is a page whose links the
// gateway rewrites: HTML or the XHTML the carriers' browsers read.
func isHTMLType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch mt {
	case "text/html", "application/xhtml+xml", "application/vnd.wap.xhtml+xml":
		return true
	}
	return false
}

// requestID is the id the root gave the request (X-Request-Id), which the
// journal entries of its outgoing hop repeat.
func requestID(w http.ResponseWriter) string { return w.Header().Get("X-Request-Id") }

// sapResponse is an app server's answer, read whole.
type sapResponse struct {
	status int
	header http.Header
	body   []byte
}

var (
	errSAPTimeout  = errors.New("the app's server did not answer in time")
	errSAPTooLarge = errors.New("the app's server answered more than the gateway reads")
)

// fetch sends one request to an app's server within the timeout, reads at
// most maxSAPResponse bytes of the answer and journals the hop.
func (g *gateway) fetch(ctx context.Context, rid, method string, u *url.URL, h http.Header, body []byte) (sapResponse, error) {
	start := clock.Real{}.Now()
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return sapResponse{}, err
	}
	if body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	req.Header = h
	var out sapResponse
	resp, err := g.client.Do(req)
	if err == nil {
		out.status, out.header = resp.StatusCode, resp.Header
		out.body, err = io.ReadAll(io.LimitReader(resp.Body, maxSAPResponse+1))
		resp.Body.Close()
		if err == nil && len(out.body) > maxSAPResponse {
			err = errSAPTooLarge
		}
	}
	if err != nil && ctx.Err() == context.DeadlineExceeded {
		err = errSAPTimeout
	}
	g.record(rid, req, body, out, err, start)
	if err != nil {
		return sapResponse{}, err
	}
	return out, nil
}

// fetchError answers a failed fetch with the gateway's error page: 504
// when the app's server took longer than the timeout, mixi's error for a
// slow SAP; 502 otherwise.
func (g *gateway) fetchError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, errSAPTimeout):
		g.page(w, http.StatusGatewayTimeout, fmt.Sprintf(textSAPTimeout, g.timeout))
	case errors.Is(err, errSAPTooLarge):
		g.page(w, http.StatusBadGateway, textSAPTooLarge)
	default:
		g.log.Info("mixi gateway: the app's server could not be reached", "err", err)
		g.page(w, http.StatusBadGateway, textSAPUnreachable)
	}
}

// record journals an outgoing hop: provider mixi, the app server's host and
// path, the gateway's request id; status 0 when nothing was answered.
func (g *gateway) record(rid string, req *http.Request, body []byte, resp sapResponse, err error, start time.Time) {
	if g.journal == nil {
		return
	}
	took := clock.Real{}.Now().Sub(start)
	reqBody, respBody := clipBody(body), clipBody(resp.body)
	e := journal.Entry{
		Time: g.clk.Now(), RequestID: rid, Provider: "mixi", Host: req.URL.Host, Method: req.Method,
		Path: req.URL.EscapedPath(), Query: g.mask.Query(req.URL.RawQuery), Headers: g.mask.Headers(req.Header),
		DurationMS:    float64(took.Microseconds()) / 1000,
		RequestBody:   g.mask.Body(req.Header.Get("Content-Type"), reqBody),
		BodyTruncated: len(body) > len(reqBody) || len(resp.body) > len(respBody),
	}
	if err == nil {
		e.Status, e.ResponseHeaders, e.Bytes = resp.status, g.mask.Headers(resp.header), int64(len(resp.body))
		e.ResponseBody = g.mask.Body(resp.header.Get("Content-Type"), respBody)
	}
	g.journal.Add(e)
}

func clipBody(b []byte) []byte { return b[:min(len(b), journal.MaxBody)] }
