package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"

	"github.com/fakeapi/fakeapi/internal/fixture"
	"github.com/fakeapi/fakeapi/internal/httpx"
)

// ExportState returns the live state of the named providers (all when none)
// as one JSON document: {"assist": {...}, "iijmio": {...}, ...}, each value in
// that provider's fixture schema.
func (e *Emulator) ExportState(names ...string) ([]byte, error) {
	if len(names) == 0 {
		names = e.names
	}
	e.stateMu.Lock()
	doc := make(map[string]any, len(names))
	for _, n := range names {
		doc[n] = e.byName[n].State.Export()
	}
	e.stateMu.Unlock()
	return json.Marshal(doc)
}

// ImportState replaces the state of every provider named in the document.
// Each part is validated like a fixture file; if any part is bad nothing
// changes.
func (e *Emulator) ImportState(name string, data []byte) error { return e.importState(name, data) }

func (e *Emulator) importState(name string, data []byte) error {
	// Decoding and validating a document leaves garbage many times its
	// size (a 60 MB Assist code pool: about 900 MB). Collected in the
	// requests that follow, it cost them their tail latency (the sweeping
	// and the return of memory fall into whatever runs next); collected
	// here, the admin call pays, and the process gives the memory back.
	if len(data) >= bigImport {
		defer debug.FreeOSMemory()
	}
	var doc map[string]json.RawMessage
	if err := fixture.Decode(name, data, &doc); err != nil {
		return err
	}
	if doc == nil {
		return &fixture.Error{File: name, Msg: "want a JSON object keyed by provider name"}
	}
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	commits := make([]func(), 0, len(keys))
	for _, k := range keys {
		p, ok := e.byName[k]
		if !ok {
			off, _ := fixture.Locate(data, k)
			line, col := fixture.LineCol(data, off)
			return &fixture.Error{File: name, Line: line, Col: col, Path: k, Msg: fmt.Sprintf(msgUnknownProvider, k)}
		}
		commit, err := p.State.Prepare(name, doc[k])
		if err != nil {
			return rebase(err, data, k)
		}
		commits = append(commits, commit)
	}
	e.stateMu.Lock()
	defer e.stateMu.Unlock()
	for _, c := range commits {
		c()
	}
	return nil
}

// bigImport is the size from which a state import collects its garbage
// before it returns: a forced collection costs milliseconds, worth it for
// a snapshot, not for the small documents tests import all the time.
const bigImport = 1 << 20

// rebase turns a position inside one provider's part of a state document
// into a position in the whole document.
func rebase(err error, whole []byte, key string) error {
	var fe *fixture.Error
	if !errors.As(err, &fe) {
		return err
	}
	out := *fe
	if out.Path != "" {
		out.Path = key + "." + out.Path
	} else {
		out.Path = key
	}
	base, ok := fixture.Locate(whole, key)
	if !ok || fe.Line == 0 {
		return &out
	}
	bl, bc := fixture.LineCol(whole, base)
	if fe.Line == 1 {
		out.Col = bc + fe.Col - 1
	}
	out.Line = bl + fe.Line - 1
	return &out
}

// Save writes the whole state to the state file atomically: a temporary file
// beside it, fsync, rename, fsync of the directory, so a crash leaves the old
// file or the new one, never a torn one.
func (e *Emulator) Save() error {
	if e.cfg.StateFile == "" {
		return errors.New(msgNoStateFile)
	}
	data, err := e.ExportState()
	if err != nil {
		return fmt.Errorf("export state: %w", err)
	}
	return writeAtomic(e.cfg.StateFile, append(data, '\n'))
}

// tempPattern names the temporary files a save writes beside path.
func tempPattern(path string) string { return "." + filepath.Base(path) + ".tmp-*" }

// prepareStateDir makes sure a save can work before the run starts, so a
// typo in -state-file fails now rather than losing the run's state at
// shutdown, and removes the temporary files a killed save left behind.
func prepareStateDir(path string) error {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("state file %s: directory %s does not exist", path, dir)
	case err != nil:
		return fmt.Errorf("state file %s: %w", path, err)
	case !st.IsDir():
		return fmt.Errorf("state file %s: %s is not a directory", path, dir)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("state file %s is a directory", path)
	}
	stale, _ := filepath.Glob(filepath.Join(dir, tempPattern(path)))
	for _, f := range stale {
		_ = os.Remove(f)
	}
	f, err := os.CreateTemp(dir, tempPattern(path))
	if err != nil {
		return fmt.Errorf("state file %s: directory %s is not writable: %w", path, dir, err)
	}
	_ = f.Close()
	return os.Remove(f.Name())
}

func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, tempPattern(path))
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(f.Name())
		}
	}()
	if _, err = io.Copy(f, bytes.NewReader(data)); err != nil {
		_ = f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// handleStateGet handles "GET /_fakeapi/state".
func (e *Emulator) handleStateGet() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		names, ok := e.selected(w, r)
		if !ok {
			return
		}
		data, err := e.ExportState(names...)
		if err != nil {
			e.cfg.Log.Error("export state", "err", err)
			httpx.AdminError(w, http.StatusInternalServerError, "could not export the state; see the emulator log")
			return
		}
		httpx.WriteBytes(w, http.StatusOK, jsonType, data)
	}
}

// handleStatePut handles "PUT /_fakeapi/state".
func (e *Emulator) handleStatePut() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > e.cfg.MaxStateBody {
			httpx.AdminError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("state document over %d bytes", e.cfg.MaxStateBody))
			return
		}
		// One import at a time, taken before the body is read: an import
		// holds several times its document in memory until it is done, and
		// concurrent ones would multiply that.
		if !e.importMu.TryLock() {
			w.Header().Set("Retry-After", "1")
			httpx.AdminError(w, http.StatusConflict, msgImportBusy)
			return
		}
		defer e.importMu.Unlock()
		data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, e.cfg.MaxStateBody))
		if err != nil {
			if httpx.IsTooLarge(err) {
				httpx.AdminError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("state document over %d bytes", e.cfg.MaxStateBody))
				return
			}
			httpx.AdminError(w, http.StatusBadRequest, "could not read the body")
			return
		}
		if err := e.importState("state", data); err != nil {
			httpx.AdminError(w, http.StatusBadRequest, err.Error())
			return
		}
		httpx.WriteJSON(w, http.StatusOK, jsonType, map[string]string{"status": "imported"})
	}
}

// handleSave handles "POST /_fakeapi/save".
func (e *Emulator) handleSave() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if e.cfg.StateFile == "" {
			httpx.AdminError(w, http.StatusConflict, msgNoStateFile)
			return
		}
		if err := e.Save(); err != nil {
			e.cfg.Log.Error("save state", "path", e.cfg.StateFile, "err", err)
			httpx.AdminError(w, http.StatusInternalServerError, "could not save the state to "+e.cfg.StateFile+": "+err.Error())
			return
		}
		httpx.WriteJSON(w, http.StatusOK, jsonType, map[string]string{"saved": e.cfg.StateFile})
	}
}
