package mixi

import (
	"bytes"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
)

// handleAlbums handles "GET /os/0.8/albums/{guid}/{selector}": public
// albums, or with visibility=all every album the viewer may see [doc].
func handleAlbums(log *slog.Logger, st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, lp, guid, ok := ownerRequest(log, w, r, http.StatusNotFound)
		if !ok {
			return
		}
		if segment(chi.URLParam(r, "selector")) != "@self" {
			writeError(log, w, r, newErr(http.StatusForbidden, reasonNoSelector))
			return
		}
		albums, total, err := st.Albums(c.viewer, guid, r.URL.Query().Get("visibility") == "all", lp.pg)
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		fs := pickFields(lp.fields)
		writeCollection(w, lp, albums, total,
			func(b *bytes.Buffer, a albumView) { atomAlbum(b, a, fs) },
			func(b *[]byte, a albumView) { jsonAlbum(b, a, fs) })
	}
}

// fieldSet is the fields= of an album or media item request: nil for the
// default set (the fields of mixi's samples); otherwise only the fields it
// names, and id always, as OpenSocial's RESTful protocol defines fields;
// "@all" is every field, the extras too (docs/providers/mixi.md, "Albums
// and media items").
type fieldSet map[string]bool

func pickFields(fields []string) fieldSet {
	if len(fields) == 0 {
		return nil
	}
	fs := fieldSet{"id": true}
	for _, f := range fields {
		fs[f] = true
	}
	return fs
}

// has reports whether field is written: a default field unless fields
// names others; an extra one (not in the sample) only when named.
func (fs fieldSet) has(field string, extra bool) bool {
	if fs == nil {
		return !extra
	}
	return fs["@all"] || fs[field]
}

// stringPaging closes an albums or media items body: these two APIs print
// paging numbers as strings, as mixi's samples show [doc].
func stringPaging(o *jsonObject, pg page, total int) {
	o.str("startIndex", strconv.Itoa(pg.start))
	o.str("itemsPerPage", strconv.Itoa(pg.count))
	o.str("totalResults", strconv.Itoa(total))
	o.close()
}

// jsonAlbum writes an album in the sample's key order; caption repeats the
// title as in the sample [doc].
func jsonAlbum(b *[]byte, a albumView, fs fieldSet) {
	o := openObject(b)
	if a.fix.ThumbnailURL != "" && fs.has("thumbnailUrl", false) {
		o.str("thumbnailUrl", a.fix.ThumbnailURL)
	}
	if fs.has("mediaItemCount", false) {
		o.str("mediaItemCount", strconv.Itoa(a.count))
	}
	if fs.has("caption", false) {
		o.str("caption", a.fix.Title)
	}
	o.str("id", guidPrefix+a.fix.ID)
	if fs.has("title", false) {
		o.str("title", a.fix.Title)
	}
	if fs.has("description", false) {
		o.str("description", a.fix.Description)
	}
	if fs.has("ownerId", false) {
		o.str("ownerId", guidPrefix+a.fix.Owner)
	}
	if fs.has("mediaMimeType", false) {
		o.array("mediaMimeType", len(a.mimes), func(i int) { *b = appendJSONString(*b, a.mimes[i]) })
	}
	o.close()
}

func atomAlbum(b *bytes.Buffer, a albumView, fs fieldSet) {
	const in = "        "
	b.WriteString("  <entry>\n    <content type=\"application/xml\">\n")
	b.WriteString("      <album xmlns=\"" + opensocialNS + "\">\n")
	xmlElem(b, in, "id", guidPrefix+a.fix.ID)
	if fs.has("title", false) {
		xmlElem(b, in, "title", a.fix.Title)
	}
	if fs.has("caption", false) {
		xmlElem(b, in, "caption", a.fix.Title)
	}
	if fs.has("description", false) {
		xmlElem(b, in, "description", a.fix.Description)
	}
	if a.fix.ThumbnailURL != "" && fs.has("thumbnailUrl", false) {
		xmlElem(b, in, "thumbnailUrl", a.fix.ThumbnailURL)
	}
	if fs.has("mediaItemCount", false) {
		xmlElem(b, in, "mediaItemCount", strconv.Itoa(a.count))
	}
	if fs.has("mediaMimeType", false) {
		for _, m := range a.mimes {
			xmlElem(b, in, "mediaMimeType", m)
		}
	}
	if fs.has("ownerId", false) {
		xmlElem(b, in, "ownerId", guidPrefix+a.fix.Owner)
	}
	b.WriteString("      </album>\n    </content>\n")
	xmlElem(b, "    ", "title", a.fix.Title)
	b.WriteString("    <updated/>\n    <author>\n")
	xmlElem(b, "      ", "url", urnPrefix+a.fix.Owner)
	b.WriteString("    </author>\n")
	xmlElem(b, "    ", "id", guidPrefix+a.fix.ID)
	b.WriteString("  </entry>\n")
}

// handleMediaItems handles "GET /os/0.8/mediaitems/{guid}/{selector}/{albumId}"
// [doc]; albumId bare or mixi.jp:-prefixed.
func handleMediaItems(log *slog.Logger, st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, lp, guid, ok := ownerRequest(log, w, r, http.StatusNotFound)
		if !ok {
			return
		}
		if segment(chi.URLParam(r, "selector")) != "@self" {
			writeError(log, w, r, newErr(http.StatusForbidden, reasonNoSelector))
			return
		}
		album := strings.TrimPrefix(segment(chi.URLParam(r, "albumId")), guidPrefix)
		items, total, err := st.MediaItems(c.viewer, guid, album, lp.pg)
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		fs := pickFields(lp.fields)
		writeCollection(w, lp, items, total,
			func(b *bytes.Buffer, m MediaItem) { atomMediaItem(b, m, fs) },
			func(b *[]byte, m MediaItem) { jsonMediaItem(b, m, fs) })
	}
}

// jsonMediaItem writes an item in the sample's key order; mimeType, which
// the sample leaves out, only when fields names it.
func jsonMediaItem(b *[]byte, m MediaItem, fs fieldSet) {
	mo := openObject(b)
	if fs.has("albumId", false) {
		mo.str("albumId", guidPrefix+m.AlbumID)
	}
	if fs.has("fileSize", false) {
		mo.str("fileSize", strconv.FormatInt(m.FileSize, 10))
	}
	if fs.has("thumbnailUrl", false) {
		mo.str("thumbnailUrl", thumbOr(m))
	}
	if fs.has("url", false) {
		mo.str("url", m.URL)
	}
	mo.str("id", guidPrefix+m.ID)
	if fs.has("title", false) {
		mo.str("title", m.Title)
	}
	if fs.has("description", false) {
		mo.str("description", m.Description)
	}
	if fs.has("mimeType", true) {
		mo.str("mimeType", m.MimeType)
	}
	mo.close()
}

// thumbOr is the item's thumbnail, or its picture when it has none.
func thumbOr(m MediaItem) string {
	if m.ThumbnailURL != "" {
		return m.ThumbnailURL
	}
	return m.URL
}

// atomMediaItem writes an item; its Atom form has always carried mimeType
// (the alternate link's type), so there it is a default field.
func atomMediaItem(b *bytes.Buffer, m MediaItem, fs fieldSet) {
	const in = "        "
	b.WriteString("  <entry>\n    <content type=\"application/xml\">\n")
	b.WriteString("      <mediaItem xmlns=\"" + opensocialNS + "\">\n")
	xmlElem(b, in, "id", guidPrefix+m.ID)
	for _, f := range [...]struct{ name, value string }{
		{"albumId", guidPrefix + m.AlbumID}, {"title", m.Title}, {"description", m.Description}, {"mimeType", m.MimeType},
		{"fileSize", strconv.FormatInt(m.FileSize, 10)}, {"thumbnailUrl", thumbOr(m)}, {"url", m.URL},
	} {
		if fs.has(f.name, false) {
			xmlElem(b, in, f.name, f.value)
		}
	}
	b.WriteString("      </mediaItem>\n    </content>\n")
	xmlElem(b, "    ", "title", m.Title)
	b.WriteString("    <updated/>\n    <author/>\n")
	xmlElem(b, "    ", "id", guidPrefix+m.ID)
	b.WriteString(`    <link href="` + xmlAttr(m.URL) + `" rel="alternate" type="` + xmlAttr(m.MimeType) + `"/>` + "\n")
	b.WriteString("  </entry>\n")
}

// writeCollection writes one page of a collection in the asked format: Atom
// entries with osearch paging, or {"entry":[…]} with paging as strings.
func writeCollection[T any](w http.ResponseWriter, lp listParams, items []T, total int, atom func(*bytes.Buffer, T), js func(*[]byte, T)) {
	if lp.format == formatAtom {
		var b bytes.Buffer
		b.WriteString(atomHead)
		for _, it := range items {
			atom(&b, it)
		}
		atomFoot(&b, lp.pg.start, total, lp.pg.count)
		writeAtomBody(w, &b)
		return
	}
	var b []byte
	o := openObject(&b)
	o.array("entry", len(items), func(i int) { js(&b, items[i]) })
	stringPaging(&o, lp.pg, total)
	writeJSONBody(w, b)
}
