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
		writeCollection(w, lp, albums, total, atomAlbum, jsonAlbum)
	}
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
func jsonAlbum(b *bytes.Buffer, a albumView) {
	o := openObject(b)
	if a.fix.ThumbnailURL != "" {
		o.str("thumbnailUrl", a.fix.ThumbnailURL)
	}
	o.str("mediaItemCount", strconv.Itoa(a.count))
	o.str("caption", a.fix.Title)
	o.str("id", guidPrefix+a.fix.ID)
	o.str("title", a.fix.Title)
	o.str("description", a.fix.Description)
	o.str("ownerId", guidPrefix+a.fix.Owner)
	o.key("mediaMimeType")
	b.WriteByte('[')
	for i, m := range a.mimes {
		if i > 0 {
			b.WriteByte(',')
		}
		jsonString(b, m)
	}
	b.WriteByte(']')
	o.close()
}

func atomAlbum(b *bytes.Buffer, a albumView) {
	const in = "        "
	b.WriteString("  <entry>\n    <content type=\"application/xml\">\n")
	b.WriteString("      <album xmlns=\"" + opensocialNS + "\">\n")
	xmlElem(b, in, "id", guidPrefix+a.fix.ID)
	xmlElem(b, in, "title", a.fix.Title)
	xmlElem(b, in, "caption", a.fix.Title)
	xmlElem(b, in, "description", a.fix.Description)
	if a.fix.ThumbnailURL != "" {
		xmlElem(b, in, "thumbnailUrl", a.fix.ThumbnailURL)
	}
	xmlElem(b, in, "mediaItemCount", strconv.Itoa(a.count))
	for _, m := range a.mimes {
		xmlElem(b, in, "mediaMimeType", m)
	}
	xmlElem(b, in, "ownerId", guidPrefix+a.fix.Owner)
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
		writeCollection(w, lp, items, total, atomMediaItem, jsonMediaItem)
	}
}

func jsonMediaItem(b *bytes.Buffer, m MediaItem) {
	mo := openObject(b)
	mo.str("albumId", guidPrefix+m.AlbumID)
	mo.str("fileSize", strconv.FormatInt(m.FileSize, 10))
	mo.str("thumbnailUrl", thumbOr(m))
	mo.str("url", m.URL)
	mo.str("id", guidPrefix+m.ID)
	mo.str("title", m.Title)
	mo.str("description", m.Description)
	mo.close()
}

// thumbOr is the item's thumbnail, or its picture when it has none.
func thumbOr(m MediaItem) string {
	if m.ThumbnailURL != "" {
		return m.ThumbnailURL
	}
	return m.URL
}

func atomMediaItem(b *bytes.Buffer, m MediaItem) {
	const in = "        "
	b.WriteString("  <entry>\n    <content type=\"application/xml\">\n")
	b.WriteString("      <mediaItem xmlns=\"" + opensocialNS + "\">\n")
	xmlElem(b, in, "id", guidPrefix+m.ID)
	xmlElem(b, in, "albumId", guidPrefix+m.AlbumID)
	xmlElem(b, in, "title", m.Title)
	xmlElem(b, in, "description", m.Description)
	xmlElem(b, in, "mimeType", m.MimeType)
	xmlElem(b, in, "fileSize", strconv.FormatInt(m.FileSize, 10))
	xmlElem(b, in, "thumbnailUrl", thumbOr(m))
	xmlElem(b, in, "url", m.URL)
	b.WriteString("      </mediaItem>\n    </content>\n")
	xmlElem(b, "    ", "title", m.Title)
	b.WriteString("    <updated/>\n    <author/>\n")
	xmlElem(b, "    ", "id", guidPrefix+m.ID)
	b.WriteString(`    <link href="` + xmlAttr(m.URL) + `" rel="alternate" type="` + xmlAttr(m.MimeType) + `"/>` + "\n")
	b.WriteString("  </entry>\n")
}

// writeCollection writes one page of a collection in the asked format: Atom
// entries with osearch paging, or {"entry":[…]} with paging as strings.
func writeCollection[T any](w http.ResponseWriter, lp listParams, items []T, total int, atom, js func(*bytes.Buffer, T)) {
	var b bytes.Buffer
	if lp.format == formatAtom {
		b.WriteString(atomHead)
		for _, it := range items {
			atom(&b, it)
		}
		atomFoot(&b, lp.pg.start, total, lp.pg.count)
		writeAtomBody(w, &b)
		return
	}
	o := openObject(&b)
	o.key("entry")
	b.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		js(&b, it)
	}
	b.WriteByte(']')
	stringPaging(&o, lp.pg, total)
	writeJSONBody(w, &b)
}
