package mixi

import (
	"bytes"
	"log/slog"
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"
)

// Extra person fields, in the order they follow displayName
// (docs/providers/mixi.md, "People").
var personExtras = []string{"profileUrl", "bloodType", "gender", "birthday", "addresses", "name"}

// personFields are the extra fields a request names; "@all" names all.
type personFields struct {
	extras   map[string]bool
	userHash bool
}

func wantFields(fields []string) personFields {
	pf := personFields{extras: map[string]bool{}}
	for _, f := range fields {
		switch f {
		case "@all":
			pf.userHash = true
			for _, e := range personExtras {
				pf.extras[e] = true
			}
		case "userHash":
			pf.userHash = true
		default:
			if slices.Contains(personExtras, f) {
				pf.extras[f] = true
			}
			// Unknown names are ignored, as OpenSocial containers do.
		}
	}
	return pf
}

// handlePeopleWrite answers POST, PUT and DELETE on any people path as
// the OpenSocial 0.8 reference container does: the People API is read-only
// (docs/providers/mixi.md, "People").
func handlePeopleWrite(log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodDelete:
			writeError(log, w, r, newErr(http.StatusBadRequest, reasonDeletePeople))
		case http.MethodPut:
			writeError(log, w, r, newErr(http.StatusNotImplemented, reasonUpdatePeople))
		default:
			writeError(log, w, r, newErr(http.StatusNotImplemented, reasonAddPeople))
		}
	}
}

// handlePeopleSelf handles "GET /os/0.8/people/{guid}/{selector}":
// @self, @friends and @all (= @friends [clients: Shindig sample]).
func handlePeopleSelf(log *slog.Logger, st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, lp, guid, ok := ownerRequest(log, w, r, http.StatusNotFound)
		if !ok {
			return
		}
		pf := wantFields(lp.fields)
		switch segment(chi.URLParam(r, "selector")) {
		case "@self":
			p, err := st.Person(c.app, c.viewer, guid, pf.userHash)
			if err != nil {
				writeError(log, w, r, err)
				return
			}
			writePeople(w, lp.format, []person{p}, pf, 0, 1, -1, true)
		case "@friends", "@all":
			ps, total, err := st.Friends(c.app, c.viewer, guid, lp.hasAppOnly, lp.pg, pf.userHash)
			if err != nil {
				writeError(log, w, r, err)
				return
			}
			writePeople(w, lp.format, ps, pf, lp.pg.start, total, lp.pg.count, false)
		default:
			writeError(log, w, r, newErr(http.StatusForbidden, reasonNoSelector))
		}
	}
}

// handlePeopleFriend handles "GET /os/0.8/people/{guid}/@friends/{pid}":
// the friend's profile, or 404 when pid is not a friend [doc].
func handlePeopleFriend(log *slog.Logger, st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, lp, guid, ok := ownerRequest(log, w, r, http.StatusNotFound)
		if !ok {
			return
		}
		if sel := segment(chi.URLParam(r, "selector")); sel != "@friends" && sel != "@all" {
			writeError(log, w, r, newErr(http.StatusForbidden, reasonNoSelector))
			return
		}
		pid, ok := resolveGuid(chi.URLParam(r, "pid"), c.viewer)
		if !ok {
			writeError(log, w, r, errNotFriend)
			return
		}
		pf := wantFields(lp.fields)
		p, err := st.Friend(c.app, c.viewer, guid, pid, pf.userHash)
		if err != nil {
			writeError(log, w, r, err)
			return
		}
		writePeople(w, lp.format, []person{p}, pf, 0, 1, -1, true)
	}
}

// writePeople writes a single person ({"entry":{…}}) or a collection
// ({"entry":[…]} with itemsPerPage), as JSON or Atom.
func writePeople(w http.ResponseWriter, f format, ps []person, pf personFields, start, total, perPage int, single bool) {
	if f == formatAtom {
		var b bytes.Buffer
		b.WriteString(atomHead)
		for i := range ps {
			atomPerson(&b, &ps[i], pf)
		}
		atomFoot(&b, start, total, perPage)
		writeAtomBody(w, &b)
		return
	}
	b := make([]byte, 0, 256+400*len(ps)) // room for the page: a person is about 300 bytes of JSON
	o := openObject(&b)
	if single {
		o.key("entry")
		jsonPerson(&b, &ps[0], pf)
	} else {
		o.array("entry", len(ps), func(i int) { jsonPerson(&b, &ps[i], pf) })
	}
	o.num("startIndex", start)
	if !single {
		o.num("itemsPerPage", perPage)
	}
	o.num("totalResults", total)
	o.close()
	writeJSONBody(w, b)
}

// jsonPerson writes one person in the key order of mixi's sample; fields
// the viewer may not see are omitted (docs/providers/mixi.md, "People" and
// "Permission model").
func jsonPerson(b *[]byte, p *person, pf personFields) {
	u, d := p.rec, p.d
	o := openObject(b)
	if p.basic {
		o.text("thumbnailUrl", d, u.thumbnailURL)
		o.text("nickname", d, u.nickname)
		o.text("lastLogin", d, u.lastLogin)
	}
	o.boolStr("isViewer", p.isViewer)
	o.boolStr("hasApp", p.hasApp)
	o.boolStr("isOwner", p.isViewer) // VIEWER = OWNER on mobile [doc]
	o.text("id", d, u.id)
	o.text("updated", d, u.updated)
	if pf.userHash && p.userHash != "" {
		o.str("userHash", p.userHash)
	}
	if p.basic {
		o.text("displayName", d, u.displayName)
	}
	for _, f := range personExtras {
		if !pf.extras[f] {
			continue
		}
		switch f {
		case "profileUrl":
			if p.basic {
				o.text(f, d, u.profileURL)
			}
		case "bloodType":
			if p.basic && u.bloodType.len() > 0 {
				o.text(f, d, u.bloodType)
			}
		case "gender":
			if p.profile && u.gender.len() > 0 {
				o.text(f, d, u.gender)
			}
		case "birthday":
			if p.profile && u.birthday.len() > 0 {
				o.text(f, d, u.birthday)
			}
		case "addresses":
			if as := d.addrs[u.addrLo : u.addrLo+u.addrN]; p.profile && len(as) > 0 {
				o.array(f, len(as), func(i int) {
					ao := openObject(b)
					if as[i].region.len() > 0 {
						ao.text("region", d, as[i].region)
					}
					if as[i].locality.len() > 0 {
						ao.text("locality", d, as[i].locality)
					}
					ao.close()
				})
			}
		case "name":
			if formatted, given, family, ok := d.userName(u); p.profile && ok {
				o.key(f)
				no := openObject(b)
				no.text("formatted", d, formatted)
				if given.len() > 0 {
					no.text("givenName", d, given)
				}
				if family.len() > 0 {
					no.text("familyName", d, family)
				}
				no.close()
			}
		}
	}
	o.close()
}

// atomPerson writes one <entry> as in mixi's sample [doc]: no
// isViewer/isOwner/hasApp, updated on the entry, the thumbnail as an
// alternate link; extra fields follow userHash [chosen].
func atomPerson(b *bytes.Buffer, p *person, pf personFields) {
	u, d := p.rec, p.d
	const in = "        "
	b.WriteString("  <entry>\n    <content type=\"application/xml\">\n")
	b.WriteString("      <person xmlns=\"" + opensocialNS + "\">\n")
	xmlElem(b, in, "id", urnPrefix+d.s(u.id))
	if p.basic {
		xmlElem(b, in, "displayName", d.s(u.displayName))
		xmlElem(b, in, "nickname", d.s(u.nickname))
		xmlElem(b, in, "thumbnailUrl", d.s(u.thumbnailURL))
		xmlElem(b, in, "lastLogin", d.s(u.lastLogin))
	}
	if pf.userHash && p.userHash != "" {
		xmlElem(b, in, "userHash", p.userHash)
	}
	for _, f := range personExtras {
		if !pf.extras[f] {
			continue
		}
		switch {
		case f == "profileUrl" && p.basic:
			xmlElem(b, in, f, d.s(u.profileURL))
		case f == "bloodType" && p.basic && u.bloodType.len() > 0:
			xmlElem(b, in, f, d.s(u.bloodType))
		case f == "gender" && p.profile && u.gender.len() > 0:
			xmlElem(b, in, f, d.s(u.gender))
		case f == "birthday" && p.profile && u.birthday.len() > 0:
			xmlElem(b, in, f, d.s(u.birthday))
		case f == "addresses" && p.profile:
			for _, a := range d.addrs[u.addrLo : u.addrLo+u.addrN] {
				b.WriteString(in + "<addresses>\n")
				if a.region.len() > 0 {
					xmlElem(b, in+"  ", "region", d.s(a.region))
				}
				if a.locality.len() > 0 {
					xmlElem(b, in+"  ", "locality", d.s(a.locality))
				}
				b.WriteString(in + "</addresses>\n")
			}
		case f == "name" && p.profile:
			if formatted, given, family, ok := d.userName(u); ok {
				b.WriteString(in + "<name>\n")
				xmlElem(b, in+"  ", "formatted", d.s(formatted))
				if given.len() > 0 {
					xmlElem(b, in+"  ", "givenName", d.s(given))
				}
				if family.len() > 0 {
					xmlElem(b, in+"  ", "familyName", d.s(family))
				}
				b.WriteString(in + "</name>\n")
			}
		}
	}
	b.WriteString("      </person>\n    </content>\n    <title/>\n")
	xmlElem(b, "    ", "updated", d.s(u.updated))
	b.WriteString("    <author/>\n")
	xmlElem(b, "    ", "id", urnPrefix+d.s(u.id))
	if p.basic {
		b.WriteString(`    <link href="` + xmlAttr(d.s(u.thumbnailURL)) + `" rel="alternate" type="image/jpeg"/>` + "\n")
	}
	b.WriteString("  </entry>\n")
}
