package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"gdpr/export"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/session"
)

// historyRow is one revision as the history lists it.
type historyRow struct {
	Rev                             *register.Revision
	Name, When, Kind, Action, Actor string
	Fields                          string
}

type historyData struct {
	base
	Items                       []historyRow
	Total                       int
	Entity, ID, Actor, From, To string
	Kinds, Actors               []option
	paging
	// Err names a filter value that could not be read.
	Err string
}

// historyKinds are the kinds of entries with a history.
var historyKinds = []string{"activity", "measure", "controller", "document", "system"}

func (h *Handler) history(w http.ResponseWriter, r *http.Request, id session.Identity) {
	l := lang(r)
	q := r.URL.Query()
	d := historyData{base: h.base(r, id, "history"), Entity: q.Get("entity"), ID: strings.TrimSpace(q.Get("id")), Actor: q.Get("actor"),
		From: q.Get("from"), To: q.Get("to"), paging: pageAt(q)}
	f := register.RevisionFilter{EntityID: d.ID, Actor: d.Actor, Limit: pageSize, Offset: d.Offset}
	if slices.Contains(historyKinds, d.Entity) {
		f.Entity = d.Entity
	} else {
		d.Entity = ""
	}
	if d.From != "" {
		t, ok := locale.Day(d.From)
		if !ok {
			d.Err = locale.T(l, "ui.err.date")
		}
		f.From = t
	}
	if d.To != "" {
		t, ok := locale.Day(d.To)
		if !ok {
			d.Err = locale.T(l, "ui.err.date")
		}
		f.To = t.AddDate(0, 0, 1) // the whole day named
	}
	for _, k := range historyKinds {
		d.Kinds = append(d.Kinds, option{k, locale.T(l, "value.entity."+k)})
	}
	actors, err := h.App.RevisionActors(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, a := range actors {
		d.Actors = append(d.Actors, option{a, export.ActorText(a, l)})
	}
	items, total, err := h.App.Revisions(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Total = total
	for _, rv := range items {
		row := historyRow{Rev: rv, Name: export.EntryName(rv.Entity, rv.Snapshot, l), When: locale.Time(l, rv.At),
			Kind: locale.T(l, "value.entity."+rv.Entity), Action: locale.T(l, "value.revision."+rv.Action), Actor: export.ActorText(rv.Actor, l)}
		var fields []string
		if rv.Action == register.ActionCreate {
			// A new entry changes every field it has: the list says
			// nothing the action does not.
			row.Fields = "–"
			d.Items = append(d.Items, row)
			continue
		}
		for _, c := range export.ChangeRows(rv.Entity, rv.Changes, nil, l) {
			if lbl, _, _ := strings.Cut(c.Label, ":"); !slices.Contains(fields, lbl) {
				fields = append(fields, lbl)
			}
		}
		row.Fields = strings.Join(fields, ", ")
		d.Items = append(d.Items, row)
	}
	d.of(total)
	h.render(w, r, http.StatusOK, "history.html", d)
}

type revisionData struct {
	base
	Rev                       *register.Revision
	Name, When, Action, Actor string
	Kind                      string
	Rows                      []export.ChangeRow
	Restorable                bool
}

func (h *Handler) revision(w http.ResponseWriter, r *http.Request, id session.Identity) {
	l := lang(r)
	version, _ := strconv.Atoi(r.PathValue("version"))
	entity, eid := r.PathValue("entity"), r.PathValue("id")
	items, _, err := h.App.Revisions(r.Context(), register.RevisionFilter{Entity: entity, EntityID: eid})
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
		h.errorPage(w, r, http.StatusNotFound, locale.T(l, "ui.notfound.revision"))
		return
	}
	titles, err := h.App.MeasureTitles(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := revisionData{base: h.base(r, id, "history"), Rev: rev, Name: export.EntryName(rev.Entity, rev.Snapshot, l),
		When: locale.Time(l, rev.At), Action: locale.T(l, "value.revision."+rev.Action), Actor: export.ActorText(rev.Actor, l),
		Kind: locale.T(l, "value.entity."+rev.Entity), Rows: export.ChangeRows(rev.Entity, rev.Changes, titles, l),
		Restorable: (rev.Entity == "activity" || rev.Entity == "measure" || rev.Entity == "document" || rev.Entity == "system") && version < len(items)}
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
	switch r.PathValue("entity") {
	case "measure":
		target = "/toms?done=restored&lang=" + string(lang(r)) + "#tom-" + r.PathValue("id")
	case "document":
		target = "/toms?done=restored&lang=" + string(lang(r)) + "#doc-" + r.PathValue("id")
	case "system":
		target = "/systems/" + r.PathValue("id") + "?done=restored&lang=" + string(lang(r))
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}
