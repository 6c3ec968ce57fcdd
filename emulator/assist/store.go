package assist

import (
	"errors"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// Store sentinels, mapped to statuses by errors.go.
var (
	errNotFound    = errors.New("not found")
	errUnknownShop = errors.New("unknown shop")
)

// Shop is a tenant as handlers see it.
type Shop struct {
	ID        string
	Name      string
	Domain    string
	Directory string
}

// App is a registered external application. The store hands out copies.
type App struct {
	ClientID     string
	ClientSecret string
	Shop         string
	Name         string
	RedirectURL  string
	IPAllowList  []string
	CreatedAt    string
	UpdatedAt    string
	allow        []netip.Prefix
}

func (a App) clone() App {
	a.IPAllowList = slices.Clone(a.IPAllowList)
	a.allow = slices.Clone(a.allow)
	return a
}

// Allows reports whether addr may call the API: an empty list allows
// everyone (未設定の場合は無制限: docs/providers/assist.md, "IP allow-list").
func (a App) Allows(addr netip.Addr) bool {
	if len(a.allow) == 0 {
		return true
	}
	addr = addr.Unmap().WithZone("")
	for _, p := range a.allow {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// Grant is an app the shop authorised (許可済みアプリケーション).
type Grant struct {
	ClientID  string
	Shop      string
	GrantedBy string
	GrantedAt string
	Scope     string
}

// AppInput is what the registration screen submits; nil fields are left
// unchanged by an edit.
type AppInput struct {
	Name        *string
	RedirectURL *string
	IPAllowList *[]string
}

// orderQuery is a parsed GET /api/v1/orders.php (docs/providers/assist.md,
// "Search (GET)").
type orderQuery struct {
	serialID             int // 0: any
	orderFrom, orderTo   string
	updateFrom, updateTo string
	statuses             []int // nil: any
	limit, offset        int
}

func (q orderQuery) match(o Order) bool {
	return (q.serialID == 0 || o.SerialOrderID == q.serialID) &&
		(q.orderFrom == "" || o.OrderDate >= q.orderFrom) && (q.orderTo == "" || o.OrderDate <= q.orderTo) &&
		(q.updateFrom == "" || o.UpdateDate >= q.updateFrom) && (q.updateTo == "" || o.UpdateDate <= q.updateTo) &&
		(q.statuses == nil || slices.Contains(q.statuses, o.OrderStatus))
}

func (q orderQuery) filtered() bool {
	return q.serialID != 0 || q.orderFrom != "" || q.orderTo != "" || q.updateFrom != "" || q.updateTo != "" || q.statuses != nil
}

// Store is what the handlers call.
type Store interface {
	Shop(id string) (Shop, bool)
	Shops() []Shop
	ShopByDirectory(dir string) (Shop, bool)
	// AtHost reports whether host (normalised: lower case, no port) is
	// the domain of any shop (named) and, if so, whether it is shop's
	// (at); several shops may share a domain, as shops under one server
	// host with their own directories would.
	AtHost(shop, host string) (at, named bool)
	Authenticate(shop, loginID, password string) bool
	HasAdmin(shop, loginID string) bool
	// FirstAdmin is the login id of the shop's first admin, "" for none.
	FirstAdmin(shop string) string

	App(clientID string) (App, bool)
	Apps(shop string) []App
	CreateApp(shop string, in AppInput, clientID, secret string, now time.Time) (App, error)
	UpdateApp(clientID string, in AppInput, now time.Time) (App, error)
	DeleteApp(clientID string) error

	PutGrant(g Grant) error
	Grant(clientID string) (Grant, bool)
	Grants(shop string) []Grant
	DeleteGrant(clientID string) error

	SearchOrders(shop string, q orderQuery) (total int, page []Order)
	CreateOrder(shop string, o Order, now time.Time) (Order, error)
	UpdateOrder(shop string, id int, edit func(Order) (Order, *fieldError), now time.Time) (Order, error)
	DeleteOrder(shop string, id int) error

	// Settings are the loaded fixtures' settings.
	Settings() SettingsFx
}

var _ Store = (*memStore)(nil)

// memStore is the in-memory Store.
type memStore struct {
	mu sync.Mutex // guards d
	d  data
}

// data is everything swapped at once by reset and import.
type data struct {
	shops  map[string]*shopState // internal pointers, never handed out
	order  []string              // shop ids in fixture order
	dirs   map[string]string     // directory → shop id
	hosts  map[string][]string   // domain → shop ids
	apps   map[string]App
	grants map[string]Grant
	// settings are the fixtures' settings.
	settings SettingsFx
}

type shopState struct {
	shop   Shop
	admins []AdminFx
	orders map[int]Order
	ids    []int // serial_order_id ascending
	// maxSerial, maxDetail and maxShipping are the highest ids ever stored,
	// so new orders and lines get max + 1 without scanning the shop, and an
	// id is never handed out again after its order was deleted (a client
	// holding the old id must not reach someone else's order).
	maxSerial, maxDetail, maxShipping int
}

func newMemStore(d data) *memStore { return &memStore{d: d} }

func (s *memStore) swap(d data) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = d
}

func (s *memStore) Settings() SettingsFx {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.d.settings
}

func (s *memStore) Shop(id string) (Shop, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.d.shops[id]
	if !ok {
		return Shop{}, false
	}
	return st.shop, true
}

func (s *memStore) Shops() []Shop {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Shop, 0, len(s.d.order))
	for _, id := range s.d.order {
		out = append(out, s.d.shops[id].shop)
	}
	return out
}

func (s *memStore) ShopByDirectory(dir string) (Shop, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.d.dirs[dir]
	if !ok {
		return Shop{}, false
	}
	return s.d.shops[id].shop, true
}

func (s *memStore) AtHost(shop, host string) (at, named bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids, named := s.d.hosts[host]
	return slices.Contains(ids, shop), named
}

// Authenticate checks an admin's password. The fixture passwords are test
// data shown on the dashboard, so a plain comparison is enough.
func (s *memStore) Authenticate(shop, loginID, password string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.d.shops[shop]
	if !ok {
		return false
	}
	i := slices.IndexFunc(st.admins, func(a AdminFx) bool { return a.LoginID == loginID })
	return i >= 0 && password != "" && st.admins[i].Password == password
}

func (s *memStore) HasAdmin(shop, loginID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.d.shops[shop]
	return ok && slices.ContainsFunc(st.admins, func(a AdminFx) bool { return a.LoginID == loginID })
}

func (s *memStore) FirstAdmin(shop string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.d.shops[shop]; ok && len(st.admins) > 0 {
		return st.admins[0].LoginID
	}
	return ""
}

func (s *memStore) App(clientID string) (App, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.d.apps[clientID]
	return a.clone(), ok
}

// Apps lists a shop's apps (all apps for ""), in shop order then creation.
func (s *memStore) Apps(shop string) []App {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []App
	for _, a := range s.d.apps {
		if shop == "" || a.Shop == shop {
			out = append(out, a.clone())
		}
	}
	s.sortAppsLocked(out)
	return out
}

func (s *memStore) sortAppsLocked(apps []App) {
	rank := func(shop string) int { return slices.Index(s.d.order, shop) }
	slices.SortFunc(apps, func(a, b App) int {
		if d := rank(a.Shop) - rank(b.Shop); d != 0 {
			return d
		}
		if a.CreatedAt != b.CreatedAt {
			if a.CreatedAt < b.CreatedAt {
				return -1
			}
			return 1
		}
		if a.ClientID < b.ClientID {
			return -1
		}
		return 1
	})
}

// CreateApp registers an app with issued credentials (クライアントID and
// シークレットID are issued automatically: docs/providers/assist.md,
// "Endpoints").
func (s *memStore) CreateApp(shop string, in AppInput, clientID, secret string, now time.Time) (App, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.d.shops[shop]; !ok {
		return App{}, errUnknownShop
	}
	if _, dup := s.d.apps[clientID]; dup {
		return App{}, errors.New("client id collision")
	}
	a := App{ClientID: clientID, ClientSecret: secret, Shop: shop, CreatedAt: formatJST(now), UpdatedAt: formatJST(now)}
	a, err := applyAppInput(a, in)
	if err != nil {
		return App{}, err
	}
	s.d.apps[clientID] = a
	return a.clone(), nil
}

// UpdateApp edits name, redirect URL and IP list. Tokens stay valid; the
// new IP list applies to the next call (docs/providers/assist.md,
// "Endpoints", registration rules).
func (s *memStore) UpdateApp(clientID string, in AppInput, now time.Time) (App, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.d.apps[clientID]
	if !ok {
		return App{}, errNotFound
	}
	a, err := applyAppInput(a, in)
	if err != nil {
		return App{}, err
	}
	a.UpdatedAt = formatJST(now)
	s.d.apps[clientID] = a
	return a.clone(), nil
}

func applyAppInput(a App, in AppInput) (App, error) {
	if in.Name != nil {
		a.Name = *in.Name
	}
	if in.RedirectURL != nil {
		a.RedirectURL = *in.RedirectURL
	}
	if in.IPAllowList != nil {
		a.IPAllowList = slices.Clone(*in.IPAllowList)
	}
	if a.IPAllowList == nil {
		a.IPAllowList = []string{}
	}
	if err := checkAppFields(a); err != nil {
		return App{}, err
	}
	a.allow = make([]netip.Prefix, 0, len(a.IPAllowList))
	for _, e := range a.IPAllowList {
		p, _ := parseAllowEntry(e)
		a.allow = append(a.allow, p)
	}
	return a, nil
}

// DeleteApp removes the app and its grant; the caller revokes its codes and
// tokens.
func (s *memStore) DeleteApp(clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.d.apps[clientID]; !ok {
		return errNotFound
	}
	delete(s.d.apps, clientID)
	delete(s.d.grants, clientID)
	return nil
}

// PutGrant records (or renews) an authorisation of an existing app.
func (s *memStore) PutGrant(g Grant) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.d.apps[g.ClientID]
	if !ok || a.Shop != g.Shop {
		return errNotFound
	}
	s.d.grants[g.ClientID] = g
	return nil
}

func (s *memStore) Grant(clientID string) (Grant, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.d.grants[clientID]
	return g, ok
}

func (s *memStore) Grants(shop string) []Grant {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Grant
	for _, g := range s.d.grants {
		if shop == "" || g.Shop == shop {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b Grant) int {
		if a.GrantedAt != b.GrantedAt {
			if a.GrantedAt < b.GrantedAt {
				return -1
			}
			return 1
		}
		if a.ClientID < b.ClientID {
			return -1
		}
		return 1
	})
	return out
}

func (s *memStore) DeleteGrant(clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.d.grants[clientID]; !ok {
		return errNotFound
	}
	delete(s.d.grants, clientID)
	return nil
}

// SearchOrders returns the total matches and one page, by serial_order_id
// ascending; the page is nil for an unknown shop. Unfiltered paging costs
// O(page); a filter scans the shop.
func (s *memStore) SearchOrders(shop string, q orderQuery) (int, []Order) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.d.shops[shop]
	if !ok {
		return 0, nil
	}
	page := []Order{}
	if !q.filtered() {
		lo := min(q.offset, len(st.ids))
		hi := min(lo+q.limit, len(st.ids))
		for _, id := range st.ids[lo:hi] {
			page = append(page, st.orders[id].clone())
		}
		return len(st.ids), page
	}
	if q.serialID != 0 {
		o, ok := st.orders[q.serialID]
		if !ok || !q.match(o) {
			return 0, page
		}
		if q.offset == 0 && q.limit > 0 {
			page = append(page, o.clone())
		}
		return 1, page
	}
	total := 0
	for _, id := range st.ids {
		o := st.orders[id]
		if !q.match(o) {
			continue
		}
		if total >= q.offset && len(page) < q.limit {
			page = append(page, o.clone())
		}
		total++
	}
	return total, page
}

// CreateOrder stores a new order: serial_order_id is one above the highest
// ever stored in the shop (a deleted order's id is not reused), missing
// detail and shipping ids likewise, dates stamped by the emulator clock.
func (s *memStore) CreateOrder(shop string, o Order, now time.Time) (Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.d.shops[shop]
	if !ok {
		return Order{}, errUnknownShop
	}
	o = o.clone()
	o.SerialOrderID = st.maxSerial + 1
	o.CreateDate = formatJST(now)
	st.put(o, now)
	st.ids = append(st.ids, o.SerialOrderID)
	return st.orders[o.SerialOrderID].clone(), nil
}

// UpdateOrder applies edit to the stored order under the lock.
func (s *memStore) UpdateOrder(shop string, id int, edit func(Order) (Order, *fieldError), now time.Time) (Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.d.shops[shop]
	if !ok {
		return Order{}, errUnknownShop
	}
	cur, ok := st.orders[id]
	if !ok {
		return Order{}, errNotFound
	}
	o, fe := edit(cur.clone())
	if fe != nil {
		return Order{}, fe
	}
	o.SerialOrderID, o.CreateDate = id, cur.CreateDate
	st.put(o, now)
	return st.orders[id].clone(), nil
}

func (s *memStore) DeleteOrder(shop string, id int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.d.shops[shop]
	if !ok {
		return errUnknownShop
	}
	if _, ok := st.orders[id]; !ok {
		return errNotFound
	}
	delete(st.orders, id)
	i, _ := slices.BinarySearch(st.ids, id)
	st.ids = slices.Delete(st.ids, i, i+1)
	return nil
}

// put stores o with its derived fields and fresh ids for new lines.
func (st *shopState) put(o Order, now time.Time) {
	o.OrderStatusName = orderStatusNames[o.OrderStatus]
	o.UpdateDate = formatJST(now)
	st.track(o)
	for i := range o.Details {
		if o.Details[i].OrderDetailID == 0 {
			st.maxDetail++
			o.Details[i].OrderDetailID = st.maxDetail
		}
	}
	for i := range o.Shippings {
		if o.Shippings[i].ShippingID == 0 {
			st.maxShipping++
			o.Shippings[i].ShippingID = st.maxShipping
		}
	}
	if o.Shippings == nil {
		o.Shippings = []Shipping{}
	}
	st.orders[o.SerialOrderID] = o
}

// track raises the id maxima to cover o's explicit ids.
func (st *shopState) track(o Order) {
	st.maxSerial = max(st.maxSerial, o.SerialOrderID)
	for _, d := range o.Details {
		st.maxDetail = max(st.maxDetail, d.OrderDetailID)
	}
	for _, sh := range o.Shippings {
		st.maxShipping = max(st.maxShipping, sh.ShippingID)
	}
}
