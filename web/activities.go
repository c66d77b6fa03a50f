package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"gdpr"
	"gdpr/api"
	"gdpr/export"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/session"
)

type dashboardData struct {
	base
	Register   *register.Register
	Counts     severityCounts
	ByStatus   map[register.Status]int
	Due        []dueMeasure
	MoreDue    int
	Recent     []*register.Revision
	Formats    []export.Format
	ByActivity map[string]int
}

type dueMeasure struct {
	Measure *register.Measure
	Due     string
	Overdue bool
	Never   bool
}

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request, id session.Identity) {
	l := lang(r)
	reg, err := h.Store.Register(r.Context(), false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	fs, counts, err := api.Findings(r.Context(), h.Store, h.Now(), l)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	recent, _, err := h.Store.FindRevisions(r.Context(), register.RevisionFilter{Limit: 8})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := dashboardData{base: h.base(r, id, "dashboard"), Register: reg, Counts: countsOf(counts), ByStatus: map[register.Status]int{},
		Recent: recent, Formats: export.Formats, ByActivity: map[string]int{}}
	for _, a := range reg.Activities {
		d.ByStatus[a.Status]++
	}
	for _, f := range fs {
		if f.Entity == "activity" {
			d.ByActivity[f.EntityID]++
		}
	}
	d.Due = dueMeasures(reg.TOMs, register.DateOf(h.Now()), 30, l)
	if len(d.Due) > 10 {
		d.Due, d.MoreDue = d.Due[:10], len(d.Due)-10
	}
	h.render(w, r, http.StatusOK, "dashboard.html", d)
}

// dueMeasures lists measures never reviewed, overdue, or due within days.
func dueMeasures(ms []*register.Measure, today register.Date, days int, l locale.Lang) []dueMeasure {
	var out []dueMeasure
	soon := register.DateOf(today.Time(time.UTC).AddDate(0, 0, days))
	for _, m := range ms {
		due, ok := m.ReviewDue()
		switch {
		case !ok:
			out = append(out, dueMeasure{Measure: m, Never: true})
		case due.Before(today):
			out = append(out, dueMeasure{Measure: m, Due: dateText(due, l), Overdue: true})
		case due.Before(soon):
			out = append(out, dueMeasure{Measure: m, Due: dateText(due, l)})
		}
	}
	return out
}

func dateText(d register.Date, l locale.Lang) string {
	if l == locale.DE {
		return d.German()
	}
	return d.String()
}

type listData struct {
	base
	Items                                    []*register.Activity
	Findings                                 map[string]int
	Q, Department, Status, LegalBasis, Third string
	Departments, LegalBases                  []string
	Statuses                                 []register.Status
}

func (h *Handler) activityList(w http.ResponseWriter, r *http.Request, id session.Identity) {
	q := r.URL.Query()
	d := listData{base: h.base(r, id, "activities"), Q: q.Get("q"), Department: q.Get("department"), Status: q.Get("status"),
		LegalBasis: q.Get("legal_basis"), Third: q.Get("third_country"), Statuses: register.Statuses, Findings: map[string]int{}}
	reg, err := h.Store.Register(r.Context(), d.Status == string(register.StatusArchived))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	fs := register.Check(reg, register.DateOf(h.Now()))
	for _, f := range fs {
		if f.Entity == "activity" {
			d.Findings[f.EntityID]++
		}
	}
	for _, a := range reg.Activities {
		if a.Department != "" && !slices.Contains(d.Departments, a.Department) {
			d.Departments = append(d.Departments, a.Department)
		}
		for _, lb := range a.LegalBases {
			if !slices.Contains(d.LegalBases, lb) {
				d.LegalBases = append(d.LegalBases, lb)
			}
		}
		if !matches(a, d) {
			continue
		}
		d.Items = append(d.Items, a)
	}
	slices.Sort(d.Departments)
	slices.Sort(d.LegalBases)
	h.render(w, r, http.StatusOK, "activities.html", d)
}

// matches applies the list filters; search looks at name, id and purposes.
func matches(a *register.Activity, d listData) bool {
	if d.Q != "" {
		q := strings.ToLower(d.Q)
		text := strings.ToLower(a.Name + " " + a.ID + " " + strings.Join(a.Purposes, " "))
		if !strings.Contains(text, q) {
			return false
		}
	}
	if d.Department != "" && a.Department != d.Department {
		return false
	}
	if d.Status != "" && string(a.Status) != d.Status {
		return false
	}
	if d.LegalBasis != "" && !slices.Contains(a.LegalBases, d.LegalBasis) {
		return false
	}
	switch d.Third {
	case "yes":
		return len(a.ThirdCountryTransfers.Items) > 0
	case "no":
		return a.ThirdCountryTransfers.None
	case "unstated":
		return a.ThirdCountryTransfers.IsZero()
	}
	return true
}

type detailData struct {
	base
	Activity *register.Activity
	Rows     []export.Row
	Findings []export.FindingView
}

func (h *Handler) activityDetail(w http.ResponseWriter, r *http.Request, id session.Identity) {
	a, err := h.Store.FindActivityByID(r.Context(), r.PathValue("id"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	reg, err := h.Store.Register(r.Context(), false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	l := lang(r)
	fs := export.Describe(register.Check(reg, register.DateOf(h.Now())), l)
	d := detailData{base: h.base(r, id, "activities"), Activity: a, Rows: export.ActivityRows(a, reg, l),
		Findings: findingsFor(fs, "activity", a.ID)}
	h.render(w, r, http.StatusOK, "activity.html", d)
}

type formData struct {
	base
	New    bool
	Form   activityForm
	Errors fieldErrors
	Roles  []register.Role
	Kinds  []register.RecipientKind
}

func (h *Handler) formPage(w http.ResponseWriter, r *http.Request, id session.Identity, status int, isNew bool, f activityForm, errs fieldErrors) {
	d := formData{base: h.base(r, id, "activities"), New: isNew, Form: f, Errors: errs,
		Roles: []register.Role{register.RoleController, register.RoleProcessor}, Kinds: register.RecipientKinds}
	h.render(w, r, status, "activity_form.html", d)
}

func (h *Handler) newActivity(w http.ResponseWriter, r *http.Request, id session.Identity) {
	h.formPage(w, r, id, http.StatusOK, true, activityForm{Role: "controller", Status: "draft"}, nil)
}

func (h *Handler) editActivity(w http.ResponseWriter, r *http.Request, id session.Identity) {
	a, err := h.Store.FindActivityByID(r.Context(), r.PathValue("id"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	h.formPage(w, r, id, http.StatusOK, false, formOf(a), nil)
}

func (h *Handler) saveActivity(w http.ResponseWriter, r *http.Request, id session.Identity) {
	var old *register.Activity
	isNew := r.PathValue("id") == ""
	if !isNew {
		var err error
		if old, err = h.Store.FindActivityByID(r.Context(), r.PathValue("id")); err != nil {
			h.problem(w, r, err)
			return
		}
	}
	l := lang(r)
	f, a, errs := activityFromForm(r, old, l)
	if isNew && a.ID == "" && a.Name != "" {
		a.ID = register.Slug(a.Name)
		f.ID = a.ID
		delete(errs, "id")
	}
	if len(errs) > 0 {
		h.formPage(w, r, id, http.StatusUnprocessableEntity, isNew, f, errs)
		return
	}
	var err error
	if isNew {
		err = h.Store.CreateActivity(r.Context(), id.Actor, a)
	} else {
		err = h.Store.UpdateActivity(r.Context(), id.Actor, a)
	}
	if gdpr.ErrorCode(err) == gdpr.ECONFLICT {
		h.formPage(w, r, id, http.StatusConflict, isNew, f, fieldErrors{"id": gdpr.ErrorMessage(err)})
		return
	}
	if err != nil {
		h.problem(w, r, err)
		return
	}
	http.Redirect(w, r, "/activities/"+a.ID+"?done=saved&lang="+string(l), http.StatusSeeOther)
}

func (h *Handler) archiveActivity(w http.ResponseWriter, r *http.Request, id session.Identity) {
	if err := h.Store.ArchiveActivity(r.Context(), id.Actor, r.PathValue("id")); err != nil {
		h.problem(w, r, err)
		return
	}
	http.Redirect(w, r, "/activities?done=archived&lang="+string(lang(r)), http.StatusSeeOther)
}

// problem shows a user error (not found, invalid) as a page with the
// right status; internal errors are logged and hidden.
func (h *Handler) problem(w http.ResponseWriter, r *http.Request, err error) {
	code := gdpr.ErrorCode(err)
	if code == gdpr.EINTERNAL {
		h.fail(w, r, err)
		return
	}
	status := map[string]int{gdpr.ENOTFOUND: http.StatusNotFound, gdpr.EINVALID: http.StatusBadRequest, gdpr.ECONFLICT: http.StatusConflict,
		gdpr.EFORBIDDEN: http.StatusForbidden}[code]
	if status == 0 {
		status = http.StatusBadRequest
	}
	h.render(w, r, status, "error.html", errorData{Lang: lang(r), Message: gdpr.ErrorMessage(err)})
}
