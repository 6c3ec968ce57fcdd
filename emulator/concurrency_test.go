package emulator_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/emulator"
	"github.com/fakeapi/fakeapi/internal/clock"
	"github.com/fakeapi/fakeapi/internal/oauth1"
)

// TestConcurrentWritesShouldMatchASequentialModel runs 64 goroutines of
// mixed writes against one emulator on a real listener: IIJmio coupon
// switches and usage, mixi appdata puts and deletes, Assist order create,
// update and delete and code exchanges, Kii registrations and password
// changes. Each goroutine records what the emulator acknowledged (2xx); the
// final GET /_fakeapi/state must be what applying exactly those operations
// in sequence gives. Resources are either owned by one goroutine (its order
// ids, appdata keys, Kii user), so their final value is its last
// acknowledged write, or contested on purpose, where the outcome must be one
// of the acknowledged ones and never a mix:
//
//   - the three lines of hdd10000001 are always switched together in one v2
//     PUT: they must end equal (no torn multi-line write);
//   - appdata keys shared_a and shared_b are always written together;
//   - one Kii login name is registered by eight goroutines at once: one 201;
//   - sixteen Assist codes are each exchanged by two goroutines at once:
//     one 200, and the loser's replay is invalid_grant while the winner's
//     token stays live (docs/providers/assist.md: Assist shows no
//     revocation on replay);
//   - usage on one line from many goroutines: no MB lost.
//
// Run it under -race.
func TestConcurrentWritesShouldMatchASequentialModel(t *testing.T) {
	t.Parallel()
	const workers = 64
	clk := clock.NewControlled(func() time.Time { return time.Date(2026, 1, 15, 3, 0, 0, 0, time.UTC) })
	clk.Freeze(true)
	e, srv := startServer(t, func(c *emulator.Config) { c.Clock = clk })
	c := &conc{base: srv.URL, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}, now: clk.Now()}
	t.Cleanup(c.client.CloseIdleConnections)

	initial := exportState(t, e)
	tokens := c.prepare(t, e, workers)

	results := make([]*acked, workers)
	var wg sync.WaitGroup
	for g := range workers {
		results[g] = &acked{}
		wg.Go(func() { c.worker(g, tokens, results[g]) })
	}
	wg.Wait()
	for g, r := range results {
		require.Empty(t, r.errs, "goroutine %d: transport or unexpected answers", g)
	}

	final := exportState(t, e)
	c.checkIIJmio(t, initial, final, results)
	c.checkKii(t, initial, final, results)
	c.checkMixi(t, initial, final, results)
	c.checkAssist(t, initial, final, results)
}

// conc is the shared, read-only setup of the goroutines.
type conc struct {
	base   string
	client *http.Client
	now    time.Time // the frozen emulator clock
}

// prepared are the credentials minted before the goroutines start.
type prepared struct {
	iijmio map[string]string // mioId → token
	codes  []string          // Assist codes: 0..15 raced by two goroutines, 16.. one each
}

// acked is what one goroutine saw acknowledged, in its own order.
type acked struct {
	errs []string

	tripleSwitches []bool // PUTs of the three hdd10000001 lines
	ownedLine      string // line this goroutine switched alone
	ownedUse       []bool
	usage          map[string][2]int // line → acknowledged withCoupon, withoutCoupon MB

	kiiUsers     map[string]string // login name → last acknowledged password
	contested201 bool

	appdataUser string
	appdata     map[string]*string // own keys: last value, nil after a delete
	shared      []string           // values written to shared_a and shared_b together

	orders  map[int]string // serial_order_id → order_name01 (created or updated)
	deleted []int

	exchanged map[string]string // code → access token (200s only)
}

func (a *acked) fail(format string, args ...any) {
	a.errs = append(a.errs, fmt.Sprintf(format, args...))
}

// do sends one request, recording transport errors and 5xx as failures.
func (c *conc) do(a *acked, method, path, body string, hdr ...string) (int, []byte) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		a.fail("%s %s: %v", method, path, err)
		return 0, nil
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.client.Do(req)
	if err != nil {
		a.fail("%s %s: %v", method, path, err)
		return 0, nil
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		a.fail("%s %s: read: %v", method, path, err)
	}
	if resp.StatusCode >= 500 {
		a.fail("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	return resp.StatusCode, data
}

// want records an unexpected status.
func (a *acked) want(status int, got int, body []byte, what string) bool {
	if got != status {
		a.fail("%s: got %d, want %d: %s", what, got, status, body)
		return false
	}
	return true
}

func (c *conc) prepare(t *testing.T, h http.Handler, workers int) prepared {
	p := prepared{iijmio: map[string]string{}}
	for _, user := range []string{"mio-taro", "mio-hanako", "mio-jiro", "mio-sakura"} {
		w := serve(h, http.MethodPost, "/_fakeapi/iijmio/tokens", `{"mioId":"`+user+`","developerId":"`+iijmioDeveloper+`"}`)
		require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
		p.iijmio[user] = jsonField(t, w.Body.Bytes(), "access_token")
	}
	// Assist: a grant, the orders token, and pending codes, as the consent
	// page would have left them.
	now := c.now.In(time.FixedZone("JST", 9*3600))
	issued, expires := now.Format("2006-01-02 15:04:05"), now.Add(10*time.Minute).Format("2006-01-02 15:04:05")
	doc := exportState(t, h)
	st := doc["assist"].(map[string]any)
	st["grants"] = []map[string]string{{"clientId": assistClient, "grantedBy": "test-admin", "grantedAt": issued, "scope": "read_sales"}}
	st["tokens"] = []map[string]string{{"accessToken": concAssistToken, "clientId": assistClient, "scope": "read_sales", "issuedAt": issued}}
	var codes []map[string]string
	for i := range 16 + workers/2 {
		code := fmt.Sprintf("%040x", i+1)
		p.codes = append(p.codes, code)
		codes = append(codes, map[string]string{"code": code, "clientId": assistClient, "redirectUri": assistRedirect,
			"scope": "read_sales", "issuedAt": issued, "expiresAt": expires})
	}
	st["codes"] = codes
	importState(t, h, map[string]any{"assist": st})
	return p
}

const concAssistToken = "c0ffee00c0ffee00c0ffee00c0ffee00"

// mixi users with app 13579 in the default fixture.
var mixiAppUsers = []string{"1000001", "1000002", "1000004", "1000006", "1000008", "1000009", "1000012"}

// worker is goroutine g: a fixed sequence of operations on its own
// resources and on the contested ones.
func (c *conc) worker(g int, p prepared, a *acked) {
	a.usage = map[string][2]int{}
	a.kiiUsers = map[string]string{}
	a.appdata = map[string]*string{}
	a.orders = map[int]string{}
	a.exchanged = map[string]string{}
	c.iijmioOps(g, p, a)
	c.kiiOps(g, a)
	c.mixiOps(g, a)
	c.assistOps(g, p, a)
}

func (c *conc) iijmioOps(g int, p prepared, a *acked) {
	taro := []string{"X-IIJmio-Developer", iijmioDeveloper, "X-IIJmio-Authorization", p.iijmio["mio-taro"], "Content-Type", "application/json"}
	for j := range 2 {
		use := (g+j)%2 == 0
		body := fmt.Sprintf(`{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":"hdo10000001","couponUse":%[1]t}],"hduInfo":[{"hduServiceCode":"hdu10000002","couponUse":%[1]t}],"hdxInfo":[{"hdxServiceCode":"hdx10000003","couponUse":%[1]t}]}]}`, use)
		if st, b := c.do(a, http.MethodPut, "/iijmio/mobile/d/v2/coupon/", body, taro...); a.want(http.StatusOK, st, b, "PUT v2 coupon") {
			a.tripleSwitches = append(a.tripleSwitches, use)
		}
	}
	// Three lines each switched by one goroutine only.
	owners := map[int][2]string{0: {"mio-hanako", "hdo20000001"}, 1: {"mio-sakura", "hdo40000001"}, 2: {"mio-taro", "hdo10000004"}}
	if o, ok := owners[g]; ok {
		a.ownedLine = o[1]
		hdr := []string{"X-IIJmio-Developer", iijmioDeveloper, "X-IIJmio-Authorization", p.iijmio[o[0]], "Content-Type", "application/json"}
		for j := range 5 {
			use := j%2 == 1
			body := fmt.Sprintf(`{"couponInfo":[{"hdoInfo":[{"hdoServiceCode":%q,"couponUse":%t}]}]}`, o[1], use)
			if st, b := c.do(a, http.MethodPut, iijmioCoupon, body, hdr...); a.want(http.StatusOK, st, b, "PUT coupon "+o[1]) {
				a.ownedUse = append(a.ownedUse, use)
			}
		}
	}
	// Usage on lines whose coupon use flips meanwhile: the MB still add up.
	for _, line := range []string{"hdo20000001", "hdo40000001", "hdo10000001"} {
		st, b := c.do(a, http.MethodPost, "/_fakeapi/iijmio/usage", fmt.Sprintf(`{"serviceCode":%q,"mb":%d}`, line, 1+g%3), "Content-Type", "application/json")
		if !a.want(http.StatusOK, st, b, "usage "+line) {
			continue
		}
		var r struct{ WithCoupon, WithoutCoupon int }
		if err := json.Unmarshal(b, &r); err != nil {
			a.fail("usage answer %s: %v", b, err)
			continue
		}
		u := a.usage[line]
		a.usage[line] = [2]int{u[0] + r.WithCoupon, u[1] + r.WithoutCoupon}
	}
}

func (c *conc) kiiOps(g int, a *acked) {
	for j := range 2 {
		name := fmt.Sprintf("conc_%02d_%d", g, j)
		pw := fmt.Sprintf("pw-%02d-%d-0", g, j)
		if st, b := c.do(a, http.MethodPost, kiiBase+"/users", `{"loginName":"`+name+`","password":"`+pw+`"}`, kiiHeaders...); a.want(http.StatusCreated, st, b, "register "+name) {
			a.kiiUsers[name] = pw
		}
	}
	if g%8 == 1 {
		st, b := c.do(a, http.MethodPost, kiiBase+"/users", `{"loginName":"contested_name","password":"contested-`+strconv.Itoa(g)+`"}`, kiiHeaders...)
		switch st {
		case http.StatusCreated:
			a.contested201 = true
		case http.StatusConflict:
		default:
			a.fail("contested registration: %d %s", st, b)
		}
	}
	// Password changes of the first own user: each kills every token, so
	// log in again after each.
	name := fmt.Sprintf("conc_%02d_0", g)
	pw, ok := a.kiiUsers[name]
	if !ok {
		return
	}
	for k := 1; k <= 3; k++ {
		st, b := c.do(a, http.MethodPost, kiiBase+"/oauth2/token", `{"grant_type":"password","username":"`+name+`","password":"`+pw+`"}`, kiiHeaders...)
		if !a.want(http.StatusOK, st, b, "login "+name) {
			return
		}
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		_ = json.Unmarshal(b, &tok)
		next := fmt.Sprintf("pw-%02d-0-%d", g, k)
		st, b = c.do(a, http.MethodPut, kiiBase+"/users/me/password", `{"oldPassword":"`+pw+`","newPassword":"`+next+`"}`,
			"Authorization", "Bearer "+tok.AccessToken, "Content-Type", "application/json")
		if !a.want(http.StatusNoContent, st, b, "password change "+name) {
			return
		}
		pw = next
		a.kiiUsers[name] = pw
	}
}

// signed sends a mixi request signed with a nonce no one else uses.
func (c *conc) signed(a *acked, nonce, method, path, body string) (int, []byte) {
	auth, err := oauth1.Signer{ConsumerKey: mixiKey, ConsumerSecret: mixiSecret}.Header(method, c.base+path, nil, nonce, c.now.Unix())
	if err != nil {
		a.fail("sign %s: %v", path, err)
		return 0, nil
	}
	return c.do(a, method, path, body, "Authorization", auth, "Content-Type", "application/json")
}

func (c *conc) mixiOps(g int, a *acked) {
	user := mixiAppUsers[g%len(mixiAppUsers)]
	a.appdataUser = user
	path := "/mixi/os/0.8/appdata/@me/@self/@app?xoauth_requestor_id=" + user
	for j := range 3 {
		k1, k2 := fmt.Sprintf("g%02d_a", g), fmt.Sprintf("g%02d_b", g)
		v := fmt.Sprintf("v%d", j)
		body := fmt.Sprintf(`{%q:%q,%q:%q}`, k1, v, k2, v+"b")
		if st, b := c.signed(a, fmt.Sprintf("g%d-put-%d", g, j), http.MethodPut, path, body); a.want(http.StatusOK, st, b, "appdata put") {
			a.appdata[k1], a.appdata[k2] = &v, ptr(v+"b")
		}
	}
	k := fmt.Sprintf("g%02d_b", g)
	if st, b := c.signed(a, fmt.Sprintf("g%d-del", g), http.MethodDelete, "/mixi/os/0.8/appdata/@me/@self/@app?fields="+k+"&xoauth_requestor_id="+user, ""); a.want(http.StatusOK, st, b, "appdata delete") {
		a.appdata[k] = nil
	}
	if g%4 == 0 {
		v := fmt.Sprintf("from-%02d", g)
		sharedPath := "/mixi/os/0.8/appdata/@me/@self/@app?xoauth_requestor_id=" + mixiAppUsers[0]
		if st, b := c.signed(a, fmt.Sprintf("g%d-shared", g), http.MethodPost, sharedPath, `{"shared_a":"`+v+`","shared_b":"`+v+`"}`); a.want(http.StatusOK, st, b, "appdata shared") {
			a.shared = append(a.shared, v)
		}
	}
}

func ptr(s string) *string { return &s }

func (c *conc) assistOps(g int, p prepared, a *acked) {
	bearer := []string{"Authorization", "Bearer " + concAssistToken, "Content-Type", "application/json"}
	var ids []int
	for j := range 2 {
		name := fmt.Sprintf("注文者%02d-%d", g, j)
		body := `{"order_date":"2026-01-15 10:00:00","order_name01":"` + name + `","details":[{"product_name":"りんご","price":100,"quantity":1}]}`
		st, b := c.do(a, http.MethodPost, assistOrders, body, bearer...)
		if !a.want(http.StatusCreated, st, b, "order create") {
			continue
		}
		var r struct {
			Order struct {
				ID int `json:"serial_order_id"`
			} `json:"order"`
		}
		if err := json.Unmarshal(b, &r); err != nil || r.Order.ID == 0 {
			a.fail("order create answer %s", b)
			continue
		}
		a.orders[r.Order.ID] = name
		ids = append(ids, r.Order.ID)
	}
	if len(ids) == 2 {
		name := fmt.Sprintf("更新%02d", g)
		q := "?serial_order_id=" + strconv.Itoa(ids[0])
		if st, b := c.do(a, http.MethodPut, assistOrders+q, `{"order_name01":"`+name+`"}`, bearer...); a.want(http.StatusOK, st, b, "order update") {
			a.orders[ids[0]] = name
		}
		q = "?serial_order_id=" + strconv.Itoa(ids[1])
		if st, b := c.do(a, http.MethodDelete, assistOrders+q, "", bearer...); a.want(http.StatusOK, st, b, "order delete") {
			delete(a.orders, ids[1])
			a.deleted = append(a.deleted, ids[1])
		}
	}
	// Goroutines g and g+32 (g < 16) race for code g; the others have their own.
	code := p.codes[16+g/2]
	switch {
	case g < 16:
		code = p.codes[g]
	case g >= 32 && g < 48:
		code = p.codes[g-32]
	case g%2 == 1:
		return // 16 codes for the 32 remaining goroutines: the even ones
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {assistRedirect},
		"client_id": {assistClient}, "client_secret": {assistSecret}}
	st, b := c.do(a, http.MethodPost, "/assist/api/oauth/token.php", form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	switch st {
	case http.StatusOK:
		a.exchanged[code] = jsonFieldOr(b, "access_token")
	case http.StatusBadRequest:
	default:
		a.fail("code exchange: %d %s", st, b)
	}
}

func jsonFieldOr(data []byte, key string) string {
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	s, _ := m[key].(string)
	return s
}

// ---- the model checks ----

func (c *conc) checkIIJmio(t *testing.T, initial, final map[string]any, rs []*acked) {
	lines := func(doc map[string]any) map[string]map[string]any {
		out := map[string]map[string]any{}
		for _, u := range doc["iijmio"].(map[string]any)["users"].([]any) {
			for _, ct := range u.(map[string]any)["contracts"].([]any) {
				for _, l := range ct.(map[string]any)["lines"].([]any) {
					lm := l.(map[string]any)
					out[lm["serviceCode"].(string)] = lm
				}
			}
		}
		return out
	}
	pool := func(doc map[string]any, hdd string) float64 {
		for _, u := range doc["iijmio"].(map[string]any)["users"].([]any) {
			for _, ct := range u.(map[string]any)["contracts"].([]any) {
				cm := ct.(map[string]any)
				if cm["hddServiceCode"] == hdd {
					sum := 0.0
					for _, cp := range cm["coupons"].([]any) {
						sum += cp.(map[string]any)["volume"].(float64)
					}
					return sum
				}
			}
		}
		t.Fatalf("no contract %s", hdd)
		return 0
	}
	fl := lines(final)
	var acks []bool
	for _, r := range rs {
		acks = append(acks, r.tripleSwitches...)
		if r.ownedLine != "" && len(r.ownedUse) > 0 {
			assert.Equal(t, r.ownedUse[len(r.ownedUse)-1], fl[r.ownedLine]["couponUse"], "%s: the owner's last acknowledged switch", r.ownedLine)
		}
	}
	require.NotEmpty(t, acks)
	use := fl["hdo10000001"]["couponUse"]
	assert.Contains(t, acks, use, "the triple's value should be one that was acknowledged")
	assert.Equal(t, use, fl["hdu10000002"]["couponUse"], "lines switched in one PUT should end equal")
	assert.Equal(t, use, fl["hdx10000003"]["couponUse"], "lines switched in one PUT should end equal")

	today := c.now.In(time.FixedZone("JST", 9*3600)).Format("20060102")
	dayOf := func(l map[string]any) [2]float64 {
		logs, _ := l["packetLog"].([]any)
		for _, d := range logs {
			dm := d.(map[string]any)
			if dm["date"] == today {
				return [2]float64{dm["withCoupon"].(float64), dm["withoutCoupon"].(float64)}
			}
		}
		return [2]float64{}
	}
	il := lines(initial)
	drawn := map[string]int{}
	for line, hdd := range map[string]string{"hdo20000001": "hdd20000001", "hdo40000001": "hdd40000001", "hdo10000001": "hdd10000001"} {
		var sum [2]int
		for _, r := range rs {
			sum[0] += r.usage[line][0]
			sum[1] += r.usage[line][1]
		}
		before, after := dayOf(il[line]), dayOf(fl[line])
		assert.Equal(t, float64(sum[0]), after[0]-before[0], "%s: withCoupon MB today should grow by the acknowledged usage", line)
		assert.Equal(t, float64(sum[1]), after[1]-before[1], "%s: withoutCoupon MB today should grow by the acknowledged usage", line)
		drawn[hdd] += sum[0]
	}
	for hdd, mb := range drawn {
		assert.Equal(t, float64(mb), pool(initial, hdd)-pool(final, hdd), "%s: the pool should shrink by the MB counted withCoupon", hdd)
	}
}

func (c *conc) checkKii(t *testing.T, initial, final map[string]any, rs []*acked) {
	users := func(doc map[string]any) map[string]map[string]any {
		out := map[string]map[string]any{}
		for _, app := range doc["kii"].(map[string]any)["apps"].([]any) {
			am := app.(map[string]any)
			if am["appID"] != kiiApp {
				continue
			}
			for _, u := range am["users"].([]any) {
				um := u.(map[string]any)
				name, _ := um["loginName"].(string)
				if _, dup := out[name]; dup && name != "" {
					t.Errorf("login name %q twice in the export", name)
				}
				out[name] = um
			}
		}
		return out
	}
	iu, fu := users(initial), users(final)
	want := map[string]string{}
	contested := 0
	for _, r := range rs {
		for name, pw := range r.kiiUsers {
			want[name] = pw
		}
		if r.contested201 {
			contested++
		}
	}
	assert.Equal(t, 1, contested, "exactly one of the concurrent registrations of one name should succeed")
	assert.Contains(t, fu, "contested_name")
	for name, pw := range want {
		if assert.Contains(t, fu, name, "acknowledged registration") {
			assert.Equal(t, pw, fu[name]["password"], "%s: the last acknowledged password", name)
		}
	}
	for name, u := range iu {
		assert.Equal(t, u, fu[name], "fixture user %s should be untouched", name)
	}
	assert.Len(t, fu, len(iu)+len(want)+1, "no user should appear that was not acknowledged")
}

func (c *conc) checkMixi(t *testing.T, initial, final map[string]any, rs []*acked) {
	data := func(doc map[string]any) map[string]map[string]any {
		out := map[string]map[string]any{}
		for _, e := range doc["mixi"].(map[string]any)["appdata"].([]any) {
			em := e.(map[string]any)
			if em["app"] == "13579" {
				out[em["user"].(string)] = em["data"].(map[string]any)
			}
		}
		return out
	}
	want := data(initial)
	var shared []string
	for _, r := range rs {
		m := want[r.appdataUser]
		if m == nil {
			m = map[string]any{}
			want[r.appdataUser] = m
		}
		for k, v := range r.appdata {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = *v
			}
		}
		shared = append(shared, r.shared...)
	}
	got := data(final)
	require.NotEmpty(t, shared)
	sa := got[mixiAppUsers[0]]["shared_a"]
	assert.Contains(t, shared, sa, "shared_a should hold an acknowledged value")
	assert.Equal(t, sa, got[mixiAppUsers[0]]["shared_b"], "keys written in one request should end equal")
	want[mixiAppUsers[0]]["shared_a"], want[mixiAppUsers[0]]["shared_b"] = sa, sa
	for user, m := range want {
		if len(m) == 0 {
			delete(want, user)
		}
	}
	assert.Equal(t, want, got, "appdata of app 13579 should be the fixture plus the acknowledged writes and deletes")
}

func (c *conc) checkAssist(t *testing.T, initial, final map[string]any, rs []*acked) {
	shopOrders := func(doc map[string]any) map[int]map[string]any {
		out := map[int]map[string]any{}
		for _, s := range doc["assist"].(map[string]any)["shops"].([]any) {
			sm := s.(map[string]any)
			if sm["id"] != "test-shop" {
				continue
			}
			for _, o := range sm["orders"].([]any) {
				om := o.(map[string]any)
				out[int(om["serial_order_id"].(float64))] = om
			}
		}
		return out
	}
	io, fo := shopOrders(initial), shopOrders(final)
	want := map[int]string{}
	seen := map[int]bool{}
	for _, r := range rs {
		for id, name := range r.orders {
			want[id] = name
		}
		for _, id := range r.deleted {
			assert.NotContains(t, fo, id, "deleted order %d", id)
		}
		for id := range r.orders {
			assert.False(t, seen[id], "order id %d handed out twice", id)
			seen[id] = true
		}
		for _, id := range r.deleted {
			assert.False(t, seen[id], "order id %d handed out twice", id)
			seen[id] = true
		}
	}
	for id, o := range io {
		assert.Equal(t, o, fo[id], "fixture order %d should be untouched", id)
	}
	for id, name := range want {
		if assert.Contains(t, fo, id) {
			assert.Equal(t, name, fo[id]["order_name01"], "order %d: the last acknowledged name", id)
		}
	}
	assert.Len(t, fo, len(io)+len(want), "no order should appear that was not acknowledged")

	live := map[string]bool{}
	toks, _ := final["assist"].(map[string]any)["tokens"].([]any)
	for _, tk := range toks {
		live[tk.(map[string]any)["accessToken"].(string)] = true
	}
	wins := map[string]int{}
	for _, r := range rs {
		for code, tok := range r.exchanged {
			wins[code]++
			assert.True(t, live[tok], "code %s: the token of its one successful exchange stays live (a replay does not revoke it by default)", code)
		}
	}
	for _, code := range codesRaced() {
		assert.Equal(t, 1, wins[code], "code %s exchanged by two goroutines at once should succeed once", code)
	}
	assert.Len(t, wins, 32, "every code should have been exchanged exactly once")
}

func codesRaced() []string {
	out := make([]string, 16)
	for i := range out {
		out[i] = fmt.Sprintf("%040x", i+1)
	}
	return out
}
