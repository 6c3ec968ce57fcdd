package emulator

import (
	"encoding/json"
	"net/http"
	"sync"

	"github.com/fakeapi/fakeapi/internal/fixture"
	"github.com/fakeapi/fakeapi/internal/httpx"
	"github.com/fakeapi/fakeapi/internal/provider"
)

// fakeDoc is the fixture schema of the fake providers.
type fakeDoc struct {
	Items []string `json:"items"`
}

func (d *fakeDoc) Validate() error {
	seen := map[string]bool{}
	for i, it := range d.Items {
		if it == "" {
			return fixture.Errorf("items["+itoa(i)+"]", "empty item")
		}
		if seen[it] {
			return fixture.Errorf("items["+itoa(i)+"]", "duplicate %q", it)
		}
		seen[it] = true
	}
	return nil
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

type fakeState struct {
	initial fakeDoc
	mu      sync.Mutex // guards doc
	doc     fakeDoc
}

func (s *fakeState) Reset() { s.mu.Lock(); s.doc = s.initial; s.mu.Unlock() }
func (s *fakeState) Export() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fakeDoc{Items: append([]string{}, s.doc.Items...)}
}
func (s *fakeState) Prepare(file string, data []byte) (func(), error) {
	d, err := fixture.Load[fakeDoc](file, data)
	if err != nil {
		return nil, err
	}
	return func() { s.mu.Lock(); s.doc = d; s.mu.Unlock() }, nil
}
func (s *fakeState) Summary() []provider.Stat {
	s.mu.Lock()
	defer s.mu.Unlock()
	return []provider.Stat{{Name: "items", Count: len(s.doc.Items)}}
}
func (s *fakeState) Accounts() []provider.Account {
	return []provider.Account{{Kind: "user", ID: "taro<script>", Secret: "pw"}}
}
func (s *fakeState) add(item string) {
	s.mu.Lock()
	s.doc.Items = append(s.doc.Items, item)
	s.mu.Unlock()
}

// fakeOpeners open providers that echo what they saw: their name, the path
// and base they were given, and the Host, so routing can be checked without
// the real providers. POST /items appends the body to the state; GET /panic
// panics.
func fakeOpeners() []Provider {
	hosts := map[string][]string{
		"iijmio": {"api.iijmio.jp"},
		"kii":    {"api.kii.com", "api-jp.kii.com", "api-sg.kii.com", "api-cn3.kii.com", "api-eu.kii.com"},
		"assist": {".assist-tencho.com"},
		"mixi":   {"api.mixi-platform.com"},
	}
	var out []Provider
	for _, name := range []string{"iijmio", "kii", "assist", "mixi"} {
		hs := hosts[name]
		out = append(out, Provider{name, func(d provider.Deps, _ Config, file string, data []byte) (*provider.Instance, error) {
			doc, err := fixture.Load[fakeDoc](file, data)
			if err != nil {
				return nil, err
			}
			st := &fakeState{initial: doc, doc: doc}
			writeError := func(w http.ResponseWriter, r *http.Request, status int) {
				httpx.WriteJSON(w, status, "application/json", map[string]any{"fake": name, "status": status})
			}
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/panic":
					panic("boom")
				case "/status/429":
					writeError(w, r, http.StatusTooManyRequests)
					return
				case "/items":
					b, err := httpx.ReadBody(r)
					if httpx.IsTooLarge(err) {
						writeError(w, r, http.StatusRequestEntityTooLarge)
						return
					}
					st.add(string(b))
				}
				httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]string{
					"provider": name, "path": r.URL.Path, "base": httpx.Base(r), "host": r.Host, "time": d.Clock.Now().UTC().Format("2006-01-02"),
				})
			})
			admin := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]string{"admin": name, "path": r.URL.Path})
			})
			return &provider.Instance{Name: name, Title: name + " title", Hosts: hs, Handler: h, Admin: admin, WriteError: writeError, State: st,
				Secrets: provider.Secrets{Params: []string{"password"}}}, nil
		}})
	}
	return out
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
