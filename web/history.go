package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"gdpr/locale"
	"gdpr/register"
	"gdpr/session"
)

type historyData struct {
	base
	Items        []*register.Revision
	Total        int
	Entity       string
	ID           string
	Offset, Next int
}

func (h *Handler) history(w http.ResponseWriter, r *http.Request, id session.Identity) {
	q := r.URL.Query()
	offset, _ := strconv.Atoi(q.Get("offset"))
	d := historyData{base: h.base(r, id, "history"), Entity: q.Get("entity"), ID: q.Get("id"), Offset: max(offset, 0)}
	items, total, err := h.App.Revisions(r.Context(), register.RevisionFilter{Entity: d.Entity, EntityID: d.ID, Limit: 50, Offset: d.Offset})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Items, d.Total = items, total
	if d.Offset+50 < total {
		d.Next = d.Offset + 50
	}
	h.render(w, r, http.StatusOK, "history.html", d)
}

// change is one changed field, readable: old and new as indented JSON.
type change struct {
	Field, Old, New string
}

type revisionData struct {
	base
	Rev        *register.Revision
	Changes    []change
	Restorable bool
}

func pretty(raw json.RawMessage) string {
	if string(raw) == "null" || len(raw) == 0 {
		return "–"
	}
	var buf bytes.Buffer
	if json.Indent(&buf, raw, "", "  ") != nil {
		return string(raw)
	}
	return buf.String()
}

func (h *Handler) revision(w http.ResponseWriter, r *http.Request, id session.Identity) {
	version, _ := strconv.Atoi(r.PathValue("version"))
	items, _, err := h.App.Revisions(r.Context(), register.RevisionFilter{Entity: r.PathValue("entity"), EntityID: r.PathValue("id")})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var rev *register.Revision
	for _, it := range items {
		if it.Version == version {
			rev = it
		}
	}
	if rev == nil {
		h.errorPage(w, r, http.StatusNotFound, locale.T(lang(r), "ui.notfound"))
		return
	}
	d := revisionData{base: h.base(r, id, "history"), Rev: rev,
		Restorable: (rev.Entity == "activity" || rev.Entity == "measure") && version < len(items)}
	for _, c := range rev.Changes {
		d.Changes = append(d.Changes, change{Field: c.Field, Old: pretty(c.Old), New: pretty(c.New)})
	}
	h.render(w, r, http.StatusOK, "revision.html", d)
}

func (h *Handler) restore(w http.ResponseWriter, r *http.Request, id session.Identity) {
	version, err := strconv.Atoi(r.PathValue("version"))
	if err == nil {
		_, err = h.App.Restore(r.Context(), r.PathValue("entity"), r.PathValue("id"), version)
	}
	if err != nil {
		h.problem(w, r, err)
		return
	}
	target := "/activities/" + r.PathValue("id") + "?done=restored&lang=" + string(lang(r))
	if r.PathValue("entity") == "measure" {
		target = "/toms?done=restored&lang=" + string(lang(r)) + "#tom-" + r.PathValue("id")
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}
