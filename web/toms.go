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
	Category register.Category
	Measures []tomItem
}

type tomItem struct {
	M        *register.Measure
	Due      string
	Overdue  bool
	Never    bool
	Findings []export.FindingView
	// Reviewed is the last review's day as the page's language writes it.
	Reviewed string
	// Title and Description say the measure once (register.Measure.Display).
	Title, Description string
	// UsedBy are the activities that name the measure.
	UsedBy []usedBy
	// Suggest is the category the measure's BDSG-alt control maps to,
	// preselected when it is filed from the list.
	Suggest string
}

// usedBy is an activity that names a measure.
type usedBy struct{ ID, Name string }

type tomsData struct {
	base
	Groups    []tomGroup
	Documents []*register.Document
	// Cats are the Art. 32 categories an uncategorised measure can be
	// filed under from the list.
	Cats []option
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
	lint, err := h.App.Lint(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	today := register.DateOf(h.App.Now())
	fs := h.App.MeasureFindings(ms)
	d := tomsData{base: h.base(r, id, "toms"), Documents: docs}
	for _, c := range register.Categories {
		d.Cats = append(d.Cats, option{string(c), locale.T(l, "value.category."+string(c))})
	}
	for _, c := range append(append([]register.Category{}, register.Categories...), "") {
		g := tomGroup{Label: locale.T(l, "export.uncategorised"), Category: c}
		if c != "" {
			g.Label = locale.T(l, "value.category."+string(c))
		}
		for _, m := range ms {
			if m.Category != c {
				continue
			}
			it := tomItem{M: m, Findings: export.Describe(fs[m.ID], l), Suggest: string(m.LegacyControl.Category())}
			if m.LastReviewed != nil {
				it.Reviewed = dateText(*m.LastReviewed, l)
			}
			it.Title, it.Description = m.Display()
			for _, aid := range lint.UsedBy[m.ID] {
				it.UsedBy = append(it.UsedBy, usedBy{aid, lint.Names[aid]})
			}
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
