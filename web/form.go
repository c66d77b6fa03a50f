package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"gdpr"
	"gdpr/importer"
	"gdpr/locale"
	"gdpr/register"
)

// activityForm is an activity as the edit form shows it: lists one item a
// line, recipients as "Name | kind", transfers as "Country | recipient |
// safeguard", retention as "[data category:] statement".
type activityForm struct {
	ID, Name, Role, Controllers, ContactName, ContactPhone, ContactEmail, Introduced string
	Department, Description, Purposes, LegalBases, DataSubjects, DataCategories      string
	RecipientsNone                                                                   bool
	Recipients                                                                       string
	TransfersNone                                                                    bool
	Transfers, Retention, DataLocation, DPIARequired, DPIAReason, Status             string
	// TOMs are the activity's measure references in their order: ids
	// picked from the catalogue and references as written.
	TOMs               []string
	Notes              string
	Sources, Automated string
	// Version is the version the form was loaded with (a hidden field):
	// the update must be made from it.
	Version int
}

func formOf(a *register.Activity, l locale.Lang) activityForm {
	f := activityForm{ID: a.ID, Name: a.Name, Role: string(a.Role), Controllers: strings.Join(a.Controllers, "\n"),
		Department: a.Department, Description: a.Description, Purposes: strings.Join(a.Purposes, "\n"),
		LegalBases: strings.Join(a.LegalBases, "\n"), DataSubjects: strings.Join(a.DataSubjects, "\n"),
		DataCategories: strings.Join(a.DataCategories, "\n"), RecipientsNone: a.Recipients.None,
		TransfersNone: a.ThirdCountryTransfers.None, DataLocation: a.DataLocation, TOMs: a.TOMs,
		Status: string(a.Status), Notes: strings.Join(a.Notes, "\n"), Version: a.Version, Sources: strings.Join(a.Sources, "\n"), Automated: a.Automated}
	if a.Contact != nil {
		f.ContactName, f.ContactPhone, f.ContactEmail = a.Contact.Name, a.Contact.Phone, a.Contact.Email
	}
	if a.Introduced != nil {
		f.Introduced = a.Introduced.String()
	}
	var ls []string
	for _, r := range a.Recipients.Items {
		kind := ""
		if r.Kind != "" {
			kind = locale.T(l, "value.kind."+string(r.Kind))
		}
		ls = append(ls, strings.TrimSuffix(r.Name+" | "+kind, " | "))
	}
	f.Recipients = strings.Join(ls, "\n")
	ls = nil
	for _, t := range a.ThirdCountryTransfers.Items {
		ls = append(ls, strings.TrimRight(t.Country+" | "+t.Recipient+" | "+t.Safeguard, " |"))
	}
	f.Transfers = strings.Join(ls, "\n")
	ls = nil
	for _, r := range a.Retention {
		if r.DataCategory != "" {
			ls = append(ls, r.DataCategory+": "+r.Text)
		} else {
			ls = append(ls, r.Text)
		}
	}
	f.Retention = strings.Join(ls, "\n")
	if a.DPIA != nil {
		f.DPIARequired, f.DPIAReason = string(a.DPIA.Required), a.DPIA.Reason
	}
	return f
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func cells(line string, n int) []string {
	parts := strings.SplitN(line, "|", n)
	for len(parts) < n {
		parts = append(parts, "")
	}
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// fieldErrors maps form fields to messages.
type fieldErrors map[string]string

// activityFromForm reads the posted form. Errors of single fields come back
// per field, so that the page shows them next to the input; the explicit
// rule of a retention statement (if any) is kept from old.
func activityFromForm(r *http.Request, old *register.Activity, l locale.Lang) (activityForm, *register.Activity, fieldErrors) {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := activityForm{ID: v("id"), Name: v("name"), Role: v("role"), Controllers: v("controllers"), ContactName: v("contact_name"),
		ContactPhone: v("contact_phone"), ContactEmail: v("contact_email"), Introduced: v("introduced"), Department: v("department"),
		Description: v("description"), Purposes: v("purposes"), LegalBases: v("legal_bases"), DataSubjects: v("data_subjects"),
		DataCategories: v("data_categories"), RecipientsNone: r.PostFormValue("recipients_none") == "on", Recipients: v("recipients"),
		TransfersNone: r.PostFormValue("transfers_none") == "on", Transfers: v("transfers"), Retention: v("retention"),
		DataLocation: v("data_location"), TOMs: tomRefs(r, old), DPIARequired: v("dpia_required"), DPIAReason: v("dpia_reason"),
		Status: v("status"), Notes: v("notes"), Sources: v("sources"), Automated: v("automated")}
	f.Version, _ = strconv.Atoi(v("version"))
	errs := fieldErrors{}
	a := &register.Activity{ID: f.ID, Name: f.Name, Role: register.Role(f.Role), Controllers: lines(f.Controllers),
		Department: f.Department, Description: f.Description, Purposes: lines(f.Purposes), LegalBases: lines(f.LegalBases),
		DataSubjects: lines(f.DataSubjects), DataCategories: lines(f.DataCategories), DataLocation: f.DataLocation,
		TOMs: f.TOMs, Status: register.Status(f.Status), Notes: lines(f.Notes), Sources: lines(f.Sources), Automated: f.Automated}
	if old != nil {
		a.ID = old.ID
		f.ID = old.ID
	}
	if f.ContactName+f.ContactPhone+f.ContactEmail != "" {
		a.Contact = &register.Contact{Name: f.ContactName, Phone: f.ContactPhone, Email: f.ContactEmail}
	}
	if f.Introduced != "" {
		d, err := register.ParseDate(f.Introduced)
		if err != nil {
			errs["introduced"] = locale.T(l, "ui.err.date")
		} else {
			a.Introduced = &d
		}
	}
	switch {
	case f.RecipientsNone && f.Recipients != "":
		errs["recipients"] = locale.T(l, "ui.err.noneandlist")
	case f.RecipientsNone:
		a.Recipients.None = true
	default:
		for _, line := range lines(f.Recipients) {
			c := cells(line, 2)
			// The kind as the page writes it, in either language, or
			// its code; anything else is kept for Validate to name.
			kind, ok := importer.KindOf(c[1])
			if !ok {
				kind = register.RecipientKind(c[1])
			}
			a.Recipients.Items = append(a.Recipients.Items, register.Recipient{Name: c[0], Kind: kind})
		}
	}
	switch {
	case f.TransfersNone && f.Transfers != "":
		errs["transfers"] = locale.T(l, "ui.err.noneandlist")
	case f.TransfersNone:
		a.ThirdCountryTransfers.None = true
	default:
		for _, line := range lines(f.Transfers) {
			c := cells(line, 3)
			a.ThirdCountryTransfers.Items = append(a.ThirdCountryTransfers.Items, register.Transfer{Country: c[0], Recipient: c[1], Safeguard: c[2]})
		}
	}
	for _, line := range lines(f.Retention) {
		ret := importer.ParseRetention(line)
		if old != nil {
			for _, o := range old.Retention {
				if o.Text == ret.Text && o.DataCategory == ret.DataCategory {
					ret.Rule = o.Rule
				}
			}
		}
		a.Retention = append(a.Retention, ret)
	}
	if f.DPIARequired != "" || f.DPIAReason != "" {
		req := register.Tristate(f.DPIARequired)
		if req == "" {
			req = register.Unknown
		}
		a.DPIA = &register.DPIA{Required: req, Reason: f.DPIAReason}
	}
	if f.ContactEmail != "" && !register.ValidEmail(f.ContactEmail) {
		errs["contact_email"] = locale.T(l, "ui.err.email")
	}
	if f.ContactPhone != "" && !register.ValidPhone(f.ContactPhone) {
		errs["contact_phone"] = locale.T(l, "ui.err.phone")
	}
	a.Normalize()
	// Every problem at once, each beside its field; the first of a field
	// wins.
	for _, p := range a.Problems() {
		if k := fieldOf(p.Field); errs[k] == "" {
			errs[k] = gdpr.Localized(p, l)
		}
	}
	return f, a, errs
}

// fieldOf maps a validation path ("recipients[0].kind") to the form field.
func fieldOf(path string) string {
	if i := strings.IndexAny(path, "[."); i > 0 {
		path = path[:i]
	}
	switch path {
	case "third_country_transfers":
		return "transfers"
	case "dpia":
		return "dpia_required"
	}
	return path
}

// tomRefs merges the measures ticked in the picker ("tom") and the
// references written out ("toms_other", one a line) into the activity's
// list. References it had keep their places, so that saving an unchanged
// form changes nothing; new ones follow in the form's order.
func tomRefs(r *http.Request, old *register.Activity) []string {
	picked := r.PostForm["tom"]
	other := lines(r.PostFormValue("toms_other"))
	want := map[string]bool{}
	for _, x := range append(slices.Clone(picked), other...) {
		want[strings.TrimSpace(x)] = true
	}
	var out []string
	seen := map[string]bool{}
	add := func(x string) {
		x = strings.TrimSpace(x)
		if x != "" && want[x] && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	if old != nil {
		for _, x := range old.TOMs {
			add(x)
		}
	}
	for _, x := range picked {
		add(x)
	}
	for _, x := range other {
		add(x)
	}
	return out
}

// saveAnswer answers a form's save: on success a redirect to next(); a
// conflict shows the form again with the message at the version (an
// edit) or the id (a new entry), a refusal (invalid) at field; any other
// error is the error page. again shows the form with a status and its
// errors.
func (h *Handler) saveAnswer(w http.ResponseWriter, r *http.Request, err error, isNew bool, field string, next func() string, again func(int, fieldErrors)) {
	l := lang(r)
	switch gdpr.ErrorCode(err) {
	case "":
		http.Redirect(w, r, next(), http.StatusSeeOther)
	case gdpr.ECONFLICT:
		at := "id"
		if !isNew {
			at = "version"
		}
		again(http.StatusConflict, fieldErrors{at: gdpr.Localized(err, l)})
	case gdpr.EINVALID:
		again(http.StatusUnprocessableEntity, fieldErrors{field: gdpr.Localized(err, l)})
	default:
		h.problem(w, r, err)
	}
}

// editing reads the entry a form at /…/{id}/edit changes (the zero T, a
// nil pointer, for a new one at /…/new); false when the page has
// answered already (an unknown id).
func editing[T any](h *Handler, w http.ResponseWriter, r *http.Request, get func(context.Context, string) (T, error)) (old T, isNew, ok bool) {
	if r.PathValue("id") == "" {
		return old, true, true
	}
	old, err := get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.problem(w, r, err)
		return old, false, false
	}
	return old, false, true
}
