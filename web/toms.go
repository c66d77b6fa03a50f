package web

import (
	"net/http"

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
	ms, _, err := h.App.Measures(r.Context(), register.Filter{})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	docs, err := h.App.Documents(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	today := register.DateOf(h.App.Now())
	fs := h.App.MeasureFindings(ms)
	d := tomsData{base: h.base(r, id, "toms"), Documents: docs}
	for _, c := range append(append([]register.Category{}, register.Categories...), "") {
		g := tomGroup{Label: locale.T(l, "export.uncategorised")}
		if c != "" {
			g.Label = locale.T(l, "value.category."+string(c))
		}
		for _, m := range ms {
			if m.Category != c {
				continue
			}
			it := tomItem{M: m, Findings: export.Describe(fs[m.ID], l)}
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
	m, err := h.App.ReviewMeasure(r.Context(), r.PathValue("id"), r.PostFormValue("evidence"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	http.Redirect(w, r, "/toms?done=reviewed&lang="+string(lang(r))+"#tom-"+m.ID, http.StatusSeeOther)
}
