package mixi

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fakeapi/fakeapi/internal/fixture"
)

func (d *dataset) buildAlbums(albums []Album, media []MediaItem) error {
	d.albumByNum = map[uint64]int32{}
	d.albumsByOwner = map[int32][]int32{}
	for i, a := range albums {
		p := fmt.Sprintf("albums[%d]", i)
		n, ok := parseID(strings.TrimPrefix(a.ID, guidPrefix))
		if !ok || strings.HasPrefix(a.ID, guidPrefix) {
			return fixture.Errorf(p+".id", "want a decimal album id, got %q", a.ID)
		}
		if _, dup := d.albumByNum[n]; dup {
			return fixture.Errorf(p+".id", "duplicate %q", a.ID)
		}
		owner, ok := d.lookup(a.Owner)
		if !ok || strings.HasPrefix(a.Owner, guidPrefix) {
			return fixture.Errorf(p+".owner", "unknown user %q", a.Owner)
		}
		vis, ok := visibilityNames[a.Visibility]
		if !ok {
			return fixture.Errorf(p+".visibility", "want public, friends, friends_of_friends or private, got %q", a.Visibility)
		}
		if a.Title == "" {
			return fixture.Errorf(p+".title", "must not be empty")
		}
		d.albumByNum[n] = 0
		d.albums = append(d.albums, albumRec{fix: a, num: n, owner: owner, vis: vis})
	}
	slices.SortFunc(d.albums, func(a, b albumRec) int { return cmpU64(a.num, b.num) })
	for i := range d.albums {
		d.albumByNum[d.albums[i].num] = int32(i)
		o := d.albums[i].owner
		d.albumsByOwner[o] = append(d.albumsByOwner[o], int32(i))
	}
	mediaSeen := map[uint64]bool{}
	for i, m := range media {
		p := fmt.Sprintf("mediaItems[%d]", i)
		n, ok := parseID(m.ID)
		if !ok {
			return fixture.Errorf(p+".id", "want a decimal media item id, got %q", m.ID)
		}
		if mediaSeen[n] {
			return fixture.Errorf(p+".id", "duplicate %q", m.ID)
		}
		mediaSeen[n] = true
		an, _ := parseID(m.AlbumID)
		ai, ok := d.albumByNum[an]
		if !ok {
			return fixture.Errorf(p+".albumId", "unknown album %q", m.AlbumID)
		}
		if m.Title == "" || m.URL == "" {
			return fixture.Errorf(p+".title", "title and url must not be empty")
		}
		if !strings.HasPrefix(m.MimeType, "image/") {
			return fixture.Errorf(p+".mimeType", "want an image/* type, got %q", m.MimeType)
		}
		if m.FileSize < 0 {
			return fixture.Errorf(p+".fileSize", "must not be negative")
		}
		d.media = append(d.media, mediaRec{fix: m, num: n, album: ai})
	}
	slices.SortFunc(d.media, func(a, b mediaRec) int { return cmpU64(a.num, b.num) })
	for i := range d.media {
		a := &d.albums[d.media[i].album]
		a.items = append(a.items, int32(i))
		if mt := d.media[i].fix.MimeType; !slices.Contains(a.mimes, mt) {
			a.mimes = append(a.mimes, mt)
		}
	}
	return nil
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// checkRuntime validates appdata, requests and nonces and keeps copies.
func (d *dataset) checkRuntime(f *Fixtures) error {
	type appUser struct {
		app  int
		user int32
	}
	seen := map[appUser]bool{}
	for i, a := range f.AppData {
		p := fmt.Sprintf("appdata[%d]", i)
		ai, ok := d.appByID[a.App]
		if !ok {
			return fixture.Errorf(p+".app", "unknown app %q", a.App)
		}
		u, ok := d.lookup(a.User)
		if !ok || strings.HasPrefix(a.User, guidPrefix) {
			return fixture.Errorf(p+".user", "unknown user %q", a.User)
		}
		if seen[appUser{ai, u}] {
			return fixture.Errorf(p+".user", "duplicate data for user %q in app %q", a.User, a.App)
		}
		seen[appUser{ai, u}] = true
		for k, v := range a.Data {
			if !keyPattern.MatchString(k) {
				return fixture.Errorf(p+".data", "key %q does not match %s", k, keyPattern)
			}
			if len(v) > maxValueBytes {
				return fixture.Errorf(p+".data."+k, "value longer than %d bytes", maxValueBytes)
			}
		}
	}
	d.appdata = f.AppData
	reqSeen := map[string]bool{}
	for i, r := range f.Requests {
		p := fmt.Sprintf("requests[%d]", i)
		switch {
		case r.ID == "" || reqSeen[r.ID]:
			return fixture.Errorf(p+".id", "missing or duplicate %q", r.ID)
		case !d.hasApp(r.App):
			return fixture.Errorf(p+".app", "unknown app %q", r.App)
		case !d.hasUser(r.Sender):
			return fixture.Errorf(p+".sender", "unknown user %q", r.Sender)
		case len(r.Recipients) == 0:
			return fixture.Errorf(p+".recipients", "must not be empty")
		}
		reqSeen[r.ID] = true
		for j, rc := range r.Recipients {
			if !d.hasUser(rc) {
				return fixture.Errorf(fmt.Sprintf("%s.recipients[%d]", p, j), "unknown user %q", rc)
			}
		}
		for j, rc := range r.Deleted {
			if !slices.Contains(r.Recipients, rc) {
				return fixture.Errorf(fmt.Sprintf("%s.deleted[%d]", p, j), "%q is not a recipient", rc)
			}
		}
		if _, err := time.Parse(time.RFC3339, r.Created); err != nil {
			return fixture.Errorf(p+".created", "want an RFC 3339 time, got %q", r.Created)
		}
	}
	d.requests = f.Requests
	for i, n := range f.Nonces {
		if _, ok := d.appByKey[n.Consumer]; !ok {
			return fixture.Errorf(fmt.Sprintf("nonces[%d].consumer", i), "unknown consumer key %q", n.Consumer)
		}
		if field, err := n.Check(); err != nil {
			return fixture.Errorf(fmt.Sprintf("nonces[%d].%s", i, field), "%v", err)
		}
	}
	d.nonces = f.Nonces
	return nil
}
