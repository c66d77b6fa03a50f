package web

import (
	"net/http"
	"strings"

	"gdpr/export"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/session"
)

type tomGroup struct {
	Label    string
	Measures []tomItem
}

type tomItem struct {
	M        *register.Measure
	Due      string
	Overdue  bool
	Never    bool
	Findings []export.FindingView
}

type tomsData struct {
	base
	Groups    []tomGroup
	Documents []*register.Document
}

func (h *Handler) tomList(w http.ResponseWriter, r *http.Request, id session.Identity) {
	l := lang(r)
	reg, err := h.Store.Register(r.Context(), false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	today := register.DateOf(h.Now())
	fs := export.Describe(register.Check(reg, today), l)
	d := tomsData{base: h.base(r, id, "toms"), Documents: reg.Documents}
	for _, c := range append(append([]register.Category{}, register.Categories...), "") {
		g := tomGroup{Label: locale.T(l, "export.uncategorised")}
		if c != "" {
			g.Label = locale.T(l, "value.category."+string(c))
		}
		for _, m := range reg.TOMs {
			if m.Category != c {
				continue
			}
			it := tomItem{M: m, Findings: findingsFor(fs, "measure", m.ID)}
			if due, ok := m.ReviewDue(); !ok {
				it.Never = true
			} else {
				it.Due, it.Overdue = dateText(due, l), due.Before(today)
			}
			g.Measures = append(g.Measures, it)
		}
		if len(g.Measures) > 0 {
			d.Groups = append(d.Groups, g)
		}
	}
	h.render(w, r, http.StatusOK, "toms.html", d)
}

// markReviewed records a review of a measure: today, by the signed-in
// user (in the revision), with the evidence note the form gives.
func (h *Handler) markReviewed(w http.ResponseWriter, r *http.Request, id session.Identity) {
	m, err := h.Store.FindMeasureByID(r.Context(), r.PathValue("id"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	today := register.DateOf(h.Now())
	m.LastReviewed = &today
	if note := strings.TrimSpace(r.PostFormValue("evidence")); note != "" {
		m.Evidence = note
	}
	if err := h.Store.UpdateMeasure(r.Context(), id.Actor, m); err != nil {
		h.problem(w, r, err)
		return
	}
	http.Redirect(w, r, "/toms?done=reviewed&lang="+string(lang(r))+"#tom-"+m.ID, http.StatusSeeOther)
}
