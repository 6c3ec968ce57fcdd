package emulator

import (
	"cmp"
	"crypto/subtle"
	"errors"
	"fmt"
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/faults"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/journal"
	"github.com/go-chi/chi/v5"
)

const jsonType = "application/json; charset=utf-8"

// Admin API messages.
const (
	msgAdminToken      = "this emulator was started with -admin-token: send it as \"Authorization: Bearer TOKEN\", the X-Fakeapi-Token header or ?token="
	msgUnknownProvider = "unknown provider %q: want one of iijmio, kii, assist, mixi"
	msgNoStateFile     = "no -state-file was given, so there is nowhere to save"
	msgAdminHost       = "admin API refused for Host %q: this emulator listens on loopback without -admin-token, so its admin API answers only localhost, IP addresses and the names given with -admin-hosts (a guard against DNS rebinding)"
	msgAdminBody       = "admin request body over %d bytes (-max-admin-body)"
	msgTooManyFaults   = "fault rule: %d rules are live already (-max-faults); delete some first"
	msgImportBusy      = "another state import is running; retry when it has finished"
	msgClockBody       = `want {"advance":"24h"}, {"set":"2026-01-02T03:04:05+09:00"} or {"freeze":true}`
)

func adminNotFound(w http.ResponseWriter, r *http.Request) {
	httpx.AdminError(w, http.StatusNotFound, fmt.Sprintf("no admin route %s %s; see GET /_fakeapi/ for the list", r.Method, r.URL.Path))
}

func adminMethodNotAllowed(routes chi.Routes) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		allow := httpx.AllowedMethods(routes, r.URL.Path)
		w.Header().Set("Allow", strings.Join(allow, ", "))
		httpx.AdminError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, strings.Join(allow, ", ")))
	}
}

// requireAdminToken guards /_fakeapi/ when -admin-token is set. Health stays
// open: it is the liveness probe and reveals nothing.
func (e *Emulator) requireAdminToken(next http.Handler) http.Handler {
	if e.cfg.AdminToken == "" {
		return next
	}
	want := []byte(e.cfg.AdminToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_fakeapi/health" {
			next.ServeHTTP(w, r)
			return
		}
		got := r.Header.Get("X-Fakeapi-Token")
		if a := r.Header.Get("Authorization"); got == "" && len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
			got = a[7:]
		}
		fromQuery := false
		if got == "" {
			got, fromQuery = r.URL.Query().Get("token"), true
		}
		if got == "" {
			if c, err := r.Cookie(adminTokenCookie); err == nil {
				got, fromQuery = c.Value, false
			}
		}
		if subtle.ConstantTimeCompare([]byte(got), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="fakeapi admin"`)
			httpx.AdminError(w, http.StatusUnauthorized, msgAdminToken)
			return
		}
		if fromQuery {
			// A page opened with ?token= keeps working as the person clicks
			// on: its links and forms (the dashboard's, the providers' admin
			// pages) carry no token themselves. Strict same-site, so no
			// other site's page can send it.
			http.SetCookie(w, &http.Cookie{Name: adminTokenCookie, Value: got, Path: "/_fakeapi", HttpOnly: true,
				Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
		}
		next.ServeHTTP(w, r)
	})
}

// adminTokenCookie remembers an admin token given as ?token= in a browser.
const adminTokenCookie = "fakeapi_admin_token"

// requireAdminHost guards the admin API against DNS rebinding when
// Config.CheckAdminHost is set: a web page whose name an attacker points at
// 127.0.0.1 reaches a loopback listener with its own name in Host, so only
// loopback names, IP literals and the names in Config.AdminHosts pass. A
// Host that no DNS answer can forge is enough; provider routes stay open to
// every Host, since the providers' real host names must reach them.
func (e *Emulator) requireAdminHost(next http.Handler) http.Handler {
	if !e.cfg.CheckAdminHost {
		return next
	}
	allowed := map[string]bool{}
	for _, h := range e.cfg.AdminHosts {
		allowed[strings.ToLower(h)] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := strings.ToLower(r.Host)
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
		if host == "localhost" || strings.HasSuffix(host, ".localhost") || allowed[host] {
			next.ServeHTTP(w, r)
			return
		}
		if _, err := netip.ParseAddr(host); err == nil {
			next.ServeHTTP(w, r)
			return
		}
		httpx.AdminError(w, http.StatusForbidden, fmt.Sprintf(msgAdminHost, clip(r.Host)))
	})
}

// clip shortens user input quoted in an error message.
func clip(s string) string { return httpx.Clip(s, 64) }

// logAdmin logs every admin call: those that change something (reset,
// import, clock, faults, save) at info, reads at debug, so a run's log
// tells what a test did to the emulator.
func (e *Emulator) logAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		level := slog.LevelInfo
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			level = slog.LevelDebug
		}
		e.cfg.Log.LogAttrs(r.Context(), level, "admin", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("query", journalQuery(r)), slog.Int("status", cmp.Or(rec.status, http.StatusOK)))
	})
}

// journalQuery is the query of an admin call with the admin token masked.
func journalQuery(r *http.Request) string {
	return adminMasker.Query(r.URL.RawQuery)
}

var adminMasker = journal.NewMasker(nil, []string{"token"})

// capAdminBody caps the bodies of the admin API at Config.MaxAdminBody, all
// but a state import, which has its own cap (Config.MaxStateBody).
func (e *Emulator) capAdminBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.URL.Path == "/_fakeapi/state" {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > e.cfg.MaxAdminBody {
			httpx.AdminError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf(msgAdminBody, e.cfg.MaxAdminBody))
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, e.cfg.MaxAdminBody)
		}
		next.ServeHTTP(w, r)
	})
}

// crossOriginProtection refuses cross-site browser POST/PUT/DELETE, so a web
// page cannot reset or rewrite a developer's emulator behind their back.
func crossOriginProtection(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.AdminError(w, http.StatusForbidden, "cross-origin request to the admin API refused")
	}))
	return cop.Handler(next)
}

func redirectToDashboard(w http.ResponseWriter, r *http.Request) {
	target := "/_fakeapi/"
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, target, http.StatusMovedPermanently)
}

// handleHealth handles "GET /_fakeapi/health".
func (e *Emulator) handleHealth() http.HandlerFunc {
	type health struct {
		Status        string   `json:"status"`
		Version       string   `json:"version"`
		Uptime        string   `json:"uptime"`
		UptimeSeconds float64  `json:"uptimeSeconds"`
		Time          string   `json:"time"`
		Providers     []string `json:"providers"`
	}
	return func(w http.ResponseWriter, r *http.Request) {
		up := clock.Real{}.Now().Sub(e.started)
		httpx.WriteJSON(w, http.StatusOK, jsonType, health{
			Status: "ok", Version: e.cfg.Version, Uptime: up.Round(time.Millisecond).String(),
			UptimeSeconds: up.Seconds(), Time: e.clk.Now().Format(time.RFC3339Nano), Providers: e.names,
		})
	}
}

// handleReset handles "POST /_fakeapi/reset".
func (e *Emulator) handleReset() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		names, ok := e.selected(w, r)
		if !ok {
			return
		}
		e.Reset(names...)
		if httpx.MediaType(r) == "application/x-www-form-urlencoded" {
			// The dashboard's button: back to the page.
			target := "/_fakeapi/"
			if tok := r.URL.Query().Get("token"); tok != "" {
				target += "?token=" + tok
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, jsonType, map[string]any{"reset": names})
	}
}

// Reset puts the named providers (all when none) back to their fixtures.
func (e *Emulator) Reset(names ...string) {
	if len(names) == 0 {
		names = e.names
	}
	e.stateMu.Lock()
	defer e.stateMu.Unlock()
	for _, n := range names {
		e.byName[n].State.Reset()
	}
}

// selected reads ?provider= (repeated or comma-separated; all when absent),
// answering 400 for an unknown one.
func (e *Emulator) selected(w http.ResponseWriter, r *http.Request) ([]string, bool) {
	q := r.URL.Query()
	if !q.Has("provider") {
		return e.names, true
	}
	var names []string
	for _, v := range q["provider"] {
		for name := range strings.SplitSeq(v, ",") {
			if _, ok := e.byName[name]; !ok {
				httpx.AdminError(w, http.StatusBadRequest, fmt.Sprintf(msgUnknownProvider, clip(name)))
				return nil, false
			}
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	return names, true
}

// handleJournalGet handles "GET /_fakeapi/journal".
func (e *Emulator) handleJournalGet() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		f := journal.Filter{Provider: q.Get("provider"), Method: q.Get("method"), Path: q.Get("path")}
		if f.Provider != "" {
			if _, ok := e.byName[f.Provider]; !ok {
				httpx.AdminError(w, http.StatusBadRequest, fmt.Sprintf(msgUnknownProvider, clip(f.Provider)))
				return
			}
		}
		if l := q.Get("limit"); l != "" {
			n, err := strconv.Atoi(l)
			if err != nil || n < 0 {
				httpx.AdminError(w, http.StatusBadRequest, fmt.Sprintf("limit %q: want a whole number >= 0", clip(l)))
				return
			}
			f.Limit = n
		}
		entries := e.journal.List(f)
		if entries == nil {
			entries = []journal.Entry{}
		}
		httpx.WriteJSON(w, http.StatusOK, jsonType, map[string]any{"entries": entries})
	}
}

// handleJournalDel handles "DELETE /_fakeapi/journal".
func (e *Emulator) handleJournalDel() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		e.journal.Clear()
		w.WriteHeader(http.StatusNoContent)
	}
}

// handleFaultsGet handles "GET /_fakeapi/faults".
func (e *Emulator) handleFaultsGet() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rules := e.faults.List()
		if rules == nil {
			rules = []faults.Rule{}
		}
		httpx.WriteJSON(w, http.StatusOK, jsonType, map[string]any{"faults": rules})
	}
}

// handleFaultsPost handles "POST /_fakeapi/faults".
func (e *Emulator) handleFaultsPost() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var rule faults.Rule
		if err := httpx.DecodeJSON(r, &rule, true); err != nil {
			httpx.AdminError(w, http.StatusBadRequest, "fault rule: "+decodeMsg(err))
			return
		}
		if rule.Provider != "" {
			if _, ok := e.byName[rule.Provider]; !ok {
				httpx.AdminError(w, http.StatusBadRequest, fmt.Sprintf(msgUnknownProvider, clip(rule.Provider)))
				return
			}
		}
		added, err := e.faults.Add(rule)
		if errors.Is(err, faults.ErrFull) {
			httpx.AdminError(w, http.StatusConflict, fmt.Sprintf(msgTooManyFaults, e.faults.Limit()))
			return
		}
		if err != nil {
			httpx.AdminError(w, http.StatusBadRequest, "fault rule: "+err.Error())
			return
		}
		httpx.WriteJSON(w, http.StatusCreated, jsonType, added)
	}
}

// handleFaultsDel handles "DELETE /_fakeapi/faults" and "DELETE /_fakeapi/faults/{id}".
func (e *Emulator) handleFaultsDel() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := chi.URLParam(r, "id")
		if !e.faults.Delete(id) && id != "" {
			httpx.AdminError(w, http.StatusNotFound, fmt.Sprintf("no fault rule %q", clip(id)))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

type clockView struct {
	Now           string  `json:"now"`
	Unix          int64   `json:"unix"`
	Offset        string  `json:"offset"`
	OffsetSeconds float64 `json:"offsetSeconds"`
	Frozen        bool    `json:"frozen"`
}

func (e *Emulator) clockView() clockView {
	off := e.clk.Offset()
	now := e.clk.Now()
	return clockView{Now: now.Format(time.RFC3339Nano), Unix: now.Unix(), Offset: off.Round(time.Millisecond).String(),
		OffsetSeconds: off.Seconds(), Frozen: e.clk.Frozen()}
}

// handleClockGet handles "GET /_fakeapi/clock".
func (e *Emulator) handleClockGet() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, jsonType, e.clockView())
	}
}

// handleClockPost handles "POST /_fakeapi/clock".
func (e *Emulator) handleClockPost() http.HandlerFunc {
	type body struct {
		Advance *string `json:"advance"`
		Set     *string `json:"set"`
		Freeze  *bool   `json:"freeze"`
	}
	return func(w http.ResponseWriter, r *http.Request) {
		var b body
		if err := httpx.DecodeJSON(r, &b, true); err != nil {
			httpx.AdminError(w, http.StatusBadRequest, "clock: "+decodeMsg(err)+"; "+msgClockBody)
			return
		}
		if b.Advance == nil && b.Set == nil && b.Freeze == nil {
			httpx.AdminError(w, http.StatusBadRequest, "clock: "+msgClockBody)
			return
		}
		if b.Advance != nil && b.Set != nil {
			httpx.AdminError(w, http.StatusBadRequest, "clock: give advance or set, not both")
			return
		}
		if b.Advance != nil {
			d, err := time.ParseDuration(*b.Advance)
			if err != nil {
				httpx.AdminError(w, http.StatusBadRequest, fmt.Sprintf("clock: advance %q: want a Go duration such as \"90s\" or \"2160h\"", clip(*b.Advance)))
				return
			}
			if _, err := e.clk.Advance(d); err != nil {
				httpx.AdminError(w, http.StatusBadRequest, "clock: "+err.Error())
				return
			}
		}
		if b.Set != nil {
			t, err := time.Parse(time.RFC3339Nano, *b.Set)
			if err != nil {
				httpx.AdminError(w, http.StatusBadRequest, fmt.Sprintf("clock: set %q: want an RFC 3339 time such as \"2026-01-02T03:04:05+09:00\"", clip(*b.Set)))
				return
			}
			if err := e.clk.Set(t); err != nil {
				httpx.AdminError(w, http.StatusBadRequest, "clock: "+err.Error()+" (now "+e.clk.Now().Format(time.RFC3339)+")")
				return
			}
		}
		if b.Freeze != nil {
			e.clk.Freeze(*b.Freeze)
		}
		httpx.WriteJSON(w, http.StatusOK, jsonType, e.clockView())
	}
}

// decodeMsg turns a decoding error into a message for the admin caller.
func decodeMsg(err error) string {
	if httpx.IsTooLarge(err) {
		return "body too large"
	}
	var syn *jsontext.SyntacticError
	var sem *jsonv2.SemanticError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d: %v", syn.ByteOffset, syn.Err)
	case errors.Is(err, jsonv2.ErrUnknownName) && errors.As(err, &sem):
		return fmt.Sprintf("unknown field %q", clip(strings.TrimPrefix(string(sem.JSONPointer), "/")))
	case errors.As(err, &sem):
		return fmt.Sprintf("field %q: got JSON %s, want %v", clip(strings.TrimPrefix(string(sem.JSONPointer), "/")), sem.JSONKind, sem.GoType)
	}
	return "malformed JSON body"
}
