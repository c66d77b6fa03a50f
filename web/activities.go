package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"gdpr"
	"gdpr/app"
	"gdpr/audit"
	"gdpr/export"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/request"
	"gdpr/session"
)

type dashboardData struct {
	base
	*app.Dashboard
	// Controller are the findings about the controller's details (no DPO
	// named, no address), shown first: they concern the whole register.
	Controller []findingRow
	// Recent are the latest changes as the history lists them.
	Recent                 []historyRow
	Counts                 severityCounts
	Due                    []dueMeasure
	Formats, ReportFormats []export.Format
	// OpenRequests and OverdueRequests count the data-subject requests
	// not closed, and those of them past their last day.
	OpenRequests, OverdueRequests int
}

type dueMeasure struct {
	Measure *register.Measure
	Due     string
	Overdue bool
	Never   bool
}

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request, id session.Identity) {
	l := lang(r)
	d, err := h.App.Dashboard(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	cf, err := h.App.Findings(r.Context(), app.FindingFilter{Entity: "controller"})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	dd := dashboardData{base: h.base(r, id, "dashboard"), Dashboard: d,
		Counts: countsOf(d.Lint.Counts), Due: dueView(d.Due, l), Formats: export.Formats, ReportFormats: export.ReportFormats}
	for _, rv := range d.Recent {
		dd.Recent = append(dd.Recent, historyRow{Rev: rv, Name: export.EntryName(rv.Entity, rv.Snapshot, l), When: locale.Time(l, rv.At),
			Kind: locale.T(l, "value.entity."+rv.Entity), Action: locale.T(l, "value.revision."+rv.Action), Actor: export.ActorText(rv.Actor, l)})
	}
	for _, f := range export.Describe(cf.Items, l) {
		dd.Controller = append(dd.Controller, findingRow{FindingView: f, Fix: fixLink(f.Finding, l)})
	}
	if _, dd.OpenRequests, err = h.App.Requests(r.Context(), app.RequestFilter{Filter: request.Filter{Open: true, Limit: 1}}); err != nil {
		h.fail(w, r, err)
		return
	}
	if _, dd.OverdueRequests, err = h.App.Requests(r.Context(), app.RequestFilter{Overdue: true, Filter: request.Filter{Limit: 1}}); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "dashboard.html", dd)
}

func dueView(ds []app.DueMeasure, l locale.Lang) []dueMeasure {
	out := make([]dueMeasure, len(ds))
	for i, d := range ds {
		out[i] = dueMeasure{Measure: d.Measure, Overdue: d.Overdue, Never: d.Never}
		if !d.Never {
			out[i].Due = dateText(d.Due, l)
		}
	}
	return out
}

func dateText(d register.Date, l locale.Lang) string { return d.Text(l) }

// pageSize is how many entries a list page shows.
const pageSize = 50

// paging is where a list page stands: its offset, and the offsets of the
// pages before and after it.
type paging struct {
	Offset, Prev, Next int
	HasPrev            bool
}

// pageAt reads the offset of a list page from its query.
func pageAt(q url.Values) paging {
	o, _ := strconv.Atoi(q.Get("offset"))
	return paging{Offset: max(o, 0)}
}

// of sets the neighbours of the page for a list of total entries.
func (p *paging) of(total int) {
	if p.Offset+pageSize < total {
		p.Next = p.Offset + pageSize
	}
	if p.Offset > 0 {
		p.HasPrev, p.Prev = true, max(p.Offset-pageSize, 0)
	}
}

type listData struct {
	base
	Items                                    []*register.Activity
	Findings                                 map[string]register.SeverityCounts
	Q, Department, Status, LegalBasis, Third string
	Departments, LegalBases                  []string
	Statuses                                 []register.Status
	Total                                    int
	paging
}

func (h *Handler) activityList(w http.ResponseWriter, r *http.Request, id session.Identity) {
	q := r.URL.Query()
	d := listData{base: h.base(r, id, "activities"), Q: q.Get("q"), Department: q.Get("department"), Status: q.Get("status"),
		LegalBasis: q.Get("legal_basis"), Third: q.Get("third_country"), Statuses: register.Statuses, Findings: map[string]register.SeverityCounts{}}
	d.paging = pageAt(q)
	// The same filter as the API's: the store applies it, a page at a
	// time.
	f := register.Filter{Query: d.Q, Department: d.Department, LegalBasis: d.LegalBasis, ThirdCountry: d.Third, Limit: pageSize, Offset: d.Offset}
	if d.Status != "" {
		s := register.Status(d.Status)
		f.Status = &s
	}
	items, total, err := h.App.Activities(r.Context(), f)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	d.Items, d.Total = items, total
	d.of(total)
	fs, err := h.App.ActivityFindings(r.Context(), items...)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for id, list := range fs {
		var c register.SeverityCounts
		for _, f := range list {
			c.Add(f.Severity)
		}
		d.Findings[id] = c
	}
	facets, err := h.App.Facets(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Departments, d.LegalBases = facets.Departments, facets.LegalBases
	h.render(w, r, http.StatusOK, "activities.html", d)
}

type detailData struct {
	base
	Activity *register.Activity
	Rows     []export.Row
	Findings []export.FindingView
}

func (h *Handler) activityDetail(w http.ResponseWriter, r *http.Request, id session.Identity) {
	a, err := h.App.Activity(r.Context(), r.PathValue("id"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	fs, err := h.App.ActivityFindings(r.Context(), a)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	titles, err := h.App.MeasureTitles(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	l := lang(r)
	d := detailData{base: h.base(r, id, "activities"), Activity: a, Rows: export.ActivityRows(a, titles, l),
		Findings: export.Describe(fs[a.ID], l)}
	h.render(w, r, http.StatusOK, "activity.html", d)
}

type formData struct {
	base
	New      bool
	Form     activityForm
	Errors   fieldErrors
	Roles    []register.Role
	Kinds    []register.RecipientKind
	Conflict string
	// Picks are the catalogue's measures for the picker, grouped by
	// Art. 32 category; OtherTOMs the references that name no measure.
	Picks     []pickGroup
	OtherTOMs string
	// ErrorList is Errors in the form's order, for the summary above it.
	ErrorList []formError
}

// formError is one entry of the error summary: the field, its label and
// what is wrong.
type formError struct{ Field, Label, Message string }

// activityFields are the form's fields in its order (Art. 30(1) a to g),
// with their labels, for the error summary.
var activityFields = [][2]string{{"name", "label.name"}, {"id", "label.id"}, {"role", "label.role"}, {"controllers", "label.controllers"},
	{"contact_name", "ui.contact.name"}, {"contact_phone", "label.phone"}, {"contact_email", "label.email"}, {"introduced", "label.introduced"},
	{"department", "label.department"}, {"description", "label.description"}, {"purposes", "label.purposes"}, {"legal_bases", "label.legal_bases"},
	{"data_subjects", "label.data_subjects"}, {"data_categories", "label.data_categories"}, {"recipients", "label.recipients"},
	{"transfers", "label.third_country_transfers"}, {"retention", "label.retention"}, {"toms_other", "label.toms"},
	{"data_location", "label.data_location"}, {"sources", "label.sources"}, {"automated", "label.automated"}, {"dpia_required", "label.dpia"}, {"dpia_reason", "ui.dpia.reason"}, {"status", "label.status"}, {"notes", "label.notes"}}

type pickGroup struct {
	Label string
	Items []pick
}

type pick struct {
	ID, Title string
	Checked   bool
	Archived  bool
}

func (h *Handler) formPage(w http.ResponseWriter, r *http.Request, id session.Identity, status int, isNew bool, f activityForm, errs fieldErrors) {
	d := formData{base: h.base(r, id, "activities"), New: isNew, Form: f, Errors: errs,
		Roles: []register.Role{register.RoleController, register.RoleProcessor}, Kinds: register.RecipientKinds}
	if status == http.StatusConflict {
		d.Conflict = errs["version"]
	}
	ms, _, err := h.App.Measures(r.Context(), register.Filter{IncludeArchived: true})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Picks, d.OtherTOMs = picksOf(ms, f.TOMs, lang(r))
	for _, fl := range activityFields {
		if msg := errs[fl[0]]; msg != "" && status != http.StatusConflict {
			d.ErrorList = append(d.ErrorList, formError{fl[0], locale.T(lang(r), fl[1]), msg})
		}
	}
	h.render(w, r, status, "activity_form.html", d)
}

func (h *Handler) newActivity(w http.ResponseWriter, r *http.Request, id session.Identity) {
	h.formPage(w, r, id, http.StatusOK, true, activityForm{Role: "controller", Status: "draft"}, nil)
}

func (h *Handler) editActivity(w http.ResponseWriter, r *http.Request, id session.Identity) {
	a, err := h.App.Activity(r.Context(), r.PathValue("id"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	h.formPage(w, r, id, http.StatusOK, false, formOf(a, lang(r)), nil)
}

func (h *Handler) saveActivity(w http.ResponseWriter, r *http.Request, id session.Identity) {
	old, isNew, ok := editing(h, w, r, h.App.Activity)
	if !ok {
		return
	}
	l := lang(r)
	f, a, errs := activityFromForm(r, old, l)
	if isNew && a.ID == "" {
		delete(errs, "id") // derived from the name
	}
	if len(errs) > 0 {
		action := audit.ActivityUpdate
		if isNew {
			action = audit.ActivityCreate
		}
		h.App.Failed(r.Context(), action, a.ID, gdpr.EINVALID)
		h.formPage(w, r, id, http.StatusUnprocessableEntity, isNew, f, errs)
		return
	}
	var err error
	var saved *register.Activity
	if isNew {
		saved, err = h.App.CreateActivity(r.Context(), a)
	} else {
		// The version the form was loaded with: a change made by someone
		// else meanwhile is a conflict, never overwritten.
		saved, err = h.App.UpdateActivity(r.Context(), a, f.Version)
	}
	h.saveAnswer(w, r, err, isNew, "name", func() string { return "/activities/" + saved.ID + "?done=saved&lang=" + string(l) },
		func(status int, errs fieldErrors) { h.formPage(w, r, id, status, isNew, f, errs) })
}

func (h *Handler) archiveActivity(w http.ResponseWriter, r *http.Request, id session.Identity) {
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	if _, err := h.App.ArchiveActivity(r.Context(), r.PathValue("id"), version); err != nil {
		h.problem(w, r, err)
		return
	}
	http.Redirect(w, r, "/activities?done=archived&lang="+string(lang(r)), http.StatusSeeOther)
}

// picksOf groups the measures for the picker, ticking those refs names;
// archived measures are shown only when ticked. The refs that are no
// measure's id come back one a line.
func picksOf(ms []*register.Measure, refs []string, l locale.Lang) ([]pickGroup, string) {
	known := map[string]bool{}
	groups := map[register.Category]*pickGroup{}
	for _, m := range ms {
		known[m.ID] = true
		checked := slices.Contains(refs, m.ID)
		archived := m.Status == register.StatusArchived
		if archived && !checked {
			continue
		}
		g := groups[m.Category]
		if g == nil {
			g = &pickGroup{Label: locale.T(l, "export.uncategorised")}
			if m.Category != "" {
				g.Label = locale.T(l, "value.category."+string(m.Category))
			}
			groups[m.Category] = g
		}
		g.Items = append(g.Items, pick{ID: m.ID, Title: m.Title, Checked: checked, Archived: archived})
	}
	var out []pickGroup
	for _, c := range append(slices.Clone(register.Categories), "") {
		if g := groups[c]; g != nil {
			out = append(out, *g)
		}
	}
	var other []string
	for _, x := range refs {
		if !known[x] {
			other = append(other, x)
		}
	}
	return out, strings.Join(other, "\n")
}
