package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"gdpr"
	"gdpr/audit"
	"gdpr/export"
	"gdpr/locale"
	"gdpr/period"
	"gdpr/register"
	"gdpr/session"
)

// tomForm is a measure as its edit form shows it.
type tomForm struct {
	ID, Title, Description, Category, LegacyControl, Group, Owner string
	ReviewInterval, LastReviewed, Evidence, Status                string
	Version                                                       int
}

func tomFormOf(m *register.Measure) tomForm {
	f := tomForm{ID: m.ID, Title: m.Title, Description: m.Description, Category: string(m.Category),
		LegacyControl: string(m.LegacyControl), Group: m.Group, Owner: m.Owner, Evidence: m.Evidence,
		Status: string(m.Status), Version: m.Version}
	if m.ReviewInterval != nil {
		f.ReviewInterval = m.ReviewInterval.String()
	}
	if m.LastReviewed != nil {
		f.LastReviewed = m.LastReviewed.String()
	}
	return f
}

// option is one entry of a select: value and its label in the page's
// language.
type option struct{ Value, Label string }

// reviewIntervals are the intervals the form offers; a measure's own
// other interval (from an import) is offered too, so that saving the
// form never changes it unasked.
var reviewIntervals = []string{"P3M", "P6M", "P1Y", "P2Y", "P3Y"}

type tomFormData struct {
	base
	New       bool
	Form      tomForm
	Errors    fieldErrors
	Intervals []option
	Cats      []option
	Legacy    []option
	Statuses  []option
	Conflict  string
}

func (h *Handler) tomFormPage(w http.ResponseWriter, r *http.Request, id session.Identity, status int, isNew bool, f tomForm, errs fieldErrors) {
	l := lang(r)
	d := tomFormData{base: h.base(r, id, "toms"), New: isNew, Form: f, Errors: errs}
	ivs := reviewIntervals
	if f.ReviewInterval != "" && !slices.Contains(ivs, f.ReviewInterval) {
		ivs = append(slices.Clone(ivs), f.ReviewInterval)
	}
	for _, iv := range ivs {
		label := iv
		if p, err := period.Parse(iv); err == nil {
			label = export.PeriodText(p, l)
		}
		d.Intervals = append(d.Intervals, option{iv, label})
	}
	for _, c := range register.Categories {
		d.Cats = append(d.Cats, option{string(c), locale.T(l, "value.category."+string(c))})
	}
	for _, c := range register.LegacyControls {
		d.Legacy = append(d.Legacy, option{string(c), locale.T(l, "value.legacy."+string(c))})
	}
	for _, s := range register.Statuses {
		// Archiving is the archive button's; an archived measure keeps
		// its status when edited.
		if s == register.StatusArchived && f.Status != string(s) {
			continue
		}
		d.Statuses = append(d.Statuses, option{string(s), locale.T(l, "value.status."+string(s))})
	}
	if status == http.StatusConflict {
		d.Conflict = errs["version"]
	}
	h.render(w, r, status, "tom_form.html", d)
}

func (h *Handler) newTom(w http.ResponseWriter, r *http.Request, id session.Identity) {
	f := tomForm{Status: string(register.StatusApproved), ReviewInterval: "P1Y", Category: r.URL.Query().Get("category")}
	h.tomFormPage(w, r, id, http.StatusOK, true, f, nil)
}

func (h *Handler) editTom(w http.ResponseWriter, r *http.Request, id session.Identity) {
	m, err := h.App.Measure(r.Context(), r.PathValue("id"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	h.tomFormPage(w, r, id, http.StatusOK, false, tomFormOf(m), nil)
}

// tomFromForm reads the posted measure; every field error comes back at
// once, keyed by field. Fields the form does not show are kept from old.
func tomFromForm(r *http.Request, old *register.Measure, l locale.Lang) (tomForm, *register.Measure, fieldErrors) {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := tomForm{ID: v("id"), Title: v("title"), Description: v("description"), Category: v("category"),
		LegacyControl: v("legacy_control"), Group: v("group"), Owner: v("owner"), ReviewInterval: v("review_interval"),
		LastReviewed: v("last_reviewed"), Evidence: v("evidence"), Status: v("status")}
	f.Version, _ = strconv.Atoi(v("version"))
	m := &register.Measure{ID: f.ID, Title: f.Title, Description: f.Description, Category: register.Category(f.Category),
		LegacyControl: register.LegacyControl(f.LegacyControl), Group: f.Group, Owner: f.Owner, Evidence: f.Evidence,
		Status: register.Status(f.Status)}
	if old != nil {
		m.ID, f.ID = old.ID, old.ID
	}
	errs := fieldErrors{}
	if f.Title == "" {
		errs["title"] = locale.T(l, "ui.err.required")
	}
	if f.ReviewInterval != "" {
		p, err := period.Parse(f.ReviewInterval)
		if err != nil {
			errs["review_interval"] = locale.T(l, "ui.err.period")
		} else {
			m.ReviewInterval = &p
		}
	}
	if f.LastReviewed != "" {
		d, err := register.ParseDate(f.LastReviewed)
		if err != nil {
			errs["last_reviewed"] = locale.T(l, "ui.err.date")
		} else {
			m.LastReviewed = &d
		}
	}
	if m.ID != "" && !register.ValidID(m.ID) {
		errs["id"] = locale.T(l, "ui.err.id")
	}
	m.Normalize()
	if len(errs) == 0 {
		if err := m.Validate(); err != nil {
			var ge *gdpr.Error
			if errors.As(err, &ge) && ge.Field != "" {
				errs[ge.Field] = gdpr.Localized(err, l)
			} else {
				errs["title"] = gdpr.Localized(err, l)
			}
		}
	}
	return f, m, errs
}

func (h *Handler) saveTom(w http.ResponseWriter, r *http.Request, id session.Identity) {
	old, isNew, ok := editing(h, w, r, h.App.Measure)
	if !ok {
		return
	}
	l := lang(r)
	f, m, errs := tomFromForm(r, old, l)
	if isNew && m.ID == "" {
		delete(errs, "id") // derived from the title
	}
	if len(errs) > 0 {
		action := audit.MeasureUpdate
		if isNew {
			action = audit.MeasureCreate
		}
		h.App.Failed(r.Context(), action, m.ID, gdpr.EINVALID)
		h.tomFormPage(w, r, id, http.StatusUnprocessableEntity, isNew, f, errs)
		return
	}
	var err error
	var saved *register.Measure
	if isNew {
		saved, err = h.App.CreateMeasure(r.Context(), m)
	} else {
		saved, err = h.App.UpdateMeasure(r.Context(), m, f.Version)
	}
	h.saveAnswer(w, r, err, isNew, "title", func() string { return "/toms?done=saved&lang=" + string(l) + "#tom-" + saved.ID },
		func(status int, errs fieldErrors) { h.tomFormPage(w, r, id, status, isNew, f, errs) })
}

// assignCategory files an uncategorised measure under an Art. 32
// category from the list, without opening its form. The version the list
// showed is the one changed: a measure edited meanwhile is a conflict.
func (h *Handler) assignCategory(w http.ResponseWriter, r *http.Request, id session.Identity) {
	l := lang(r)
	m, err := h.App.Measure(r.Context(), r.PathValue("id"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	c := *m
	c.Category = register.Category(r.PostFormValue("category"))
	if c.Category == "" {
		h.App.Failed(r.Context(), audit.MeasureUpdate, m.ID, gdpr.EINVALID)
		h.problem(w, r, gdpr.Keyed(gdpr.EINVALID, "category", "ui.err.nocategory"))
		return
	}
	if _, err := h.App.UpdateMeasure(r.Context(), &c, version); err != nil {
		h.problem(w, r, err)
		return
	}
	http.Redirect(w, r, "/toms?done=saved&lang="+string(l)+"#tom-"+m.ID, http.StatusSeeOther)
}

// confirmData is the question before an irreversible-looking step
// (archiving): what, and the form that does it.
type confirmData struct {
	base
	Heading, Question, Action, Back string
	Version                         int
	// Button and Note, when set, replace the archive button's words and
	// the note about archived entries.
	Button, Note string
}

func (h *Handler) confirmArchiveTom(w http.ResponseWriter, r *http.Request, id session.Identity) {
	m, err := h.App.Measure(r.Context(), r.PathValue("id"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	l := lang(r)
	h.render(w, r, http.StatusOK, "confirm.html", confirmData{base: h.base(r, id, "toms"),
		Heading: locale.T(l, "ui.archive.tom.heading"), Question: locale.T(l, "ui.archive.tom.question", m.Title),
		Action: "/toms/" + m.ID + "/archive", Back: "/toms?lang=" + string(l) + "#tom-" + m.ID, Version: m.Version})
}

func (h *Handler) archiveTom(w http.ResponseWriter, r *http.Request, id session.Identity) {
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	if _, err := h.App.ArchiveMeasure(r.Context(), r.PathValue("id"), version); err != nil {
		h.problem(w, r, err)
		return
	}
	http.Redirect(w, r, "/toms?done=archived&lang="+string(lang(r)), http.StatusSeeOther)
}

func (h *Handler) confirmArchiveActivity(w http.ResponseWriter, r *http.Request, id session.Identity) {
	a, err := h.App.Activity(r.Context(), r.PathValue("id"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	l := lang(r)
	h.render(w, r, http.StatusOK, "confirm.html", confirmData{base: h.base(r, id, "activities"),
		Heading: locale.T(l, "ui.archive.activity.heading"), Question: locale.T(l, "ui.archive.activity.question", a.Name),
		Action: "/activities/" + a.ID + "/archive", Back: "/activities/" + a.ID + "?lang=" + string(l), Version: a.Version})
}
