package web

import (
	"net/http"

	"gdpr/app"
	"gdpr/export"

	"gdpr/audit"
	"gdpr/locale"
	"strconv"
	"strings"

	"gdpr"
	"gdpr/holiday"
	"gdpr/register"
	"gdpr/session"
)

type controllerData struct {
	base
	Title    string
	C        register.Controller
	DPO      register.Contact
	Version  int
	Errors   fieldErrors
	Conflict string
	// Findings are the lint's findings about these details.
	Findings []findingRow
	// States are the Länder to pick from; Holidays the local holidays,
	// one a line.
	States   []option
	Holidays string
}

// withStates fills the Land's choice and the local holidays' text.
func (d *controllerData) withStates(l locale.Lang) {
	for _, s := range holiday.States {
		d.States = append(d.States, option{string(s), locale.T(l, "value.state."+string(s))})
	}
	if d.Holidays == "" {
		var ls []string
		for _, h := range d.C.Holidays {
			ls = append(ls, h.String())
		}
		d.Holidays = strings.Join(ls, "\n")
	}
}

func (h *Handler) controllerPage(w http.ResponseWriter, r *http.Request, id session.Identity) {
	hd, err := h.App.Header(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := controllerData{base: h.base(r, id, "dashboard"), Title: hd.Title, Version: hd.Version}
	cf, err := h.App.Findings(r.Context(), app.FindingFilter{Entity: "controller"})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, f := range export.Describe(cf.Items, lang(r)) {
		d.Findings = append(d.Findings, findingRow{FindingView: f})
	}
	if hd.Controller != nil {
		d.C = *hd.Controller
		if hd.Controller.DPO != nil {
			d.DPO = *hd.Controller.DPO
		}
	}
	d.withStates(lang(r))
	h.render(w, r, http.StatusOK, "controller.html", d)
}

func (h *Handler) saveController(w http.ResponseWriter, r *http.Request, id session.Identity) {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	c := register.Controller{Name: v("name"), Address: strings.ReplaceAll(v("address"), "\r\n", "\n"), Representative: v("representative"),
		Phone: v("phone"), Email: v("email"), Web: v("web"), State: v("state")}
	dpo := register.Contact{Name: v("dpo_name"), Phone: v("dpo_phone"), Email: v("dpo_email")}
	if !dpo.IsZero() {
		c.DPO = &dpo
	}
	version, _ := strconv.Atoi(v("version"))
	d := controllerData{base: h.base(r, id, "dashboard"), Title: v("title"), C: c, DPO: dpo, Version: version, Holidays: v("holidays")}
	l := lang(r)
	d.withStates(l)
	// The form's own checks, all at once, beside their fields.
	errs := fieldErrors{}
	if c.Name == "" {
		errs["name"] = gdpr.Localized(gdpr.Keyed(gdpr.EINVALID, "name", "invalid.controller"), l)
	}
	for _, f := range []struct{ field, value, key string }{{"email", c.Email, "ui.err.email"}, {"phone", c.Phone, "ui.err.phone"},
		{"dpo_email", dpo.Email, "ui.err.email"}, {"dpo_phone", dpo.Phone, "ui.err.phone"}} {
		ok := f.value == "" || (f.key == "ui.err.email" && register.ValidEmail(f.value)) || (f.key == "ui.err.phone" && register.ValidPhone(f.value))
		if !ok {
			errs[f.field] = locale.T(l, f.key)
		}
	}
	for _, line := range lines(d.Holidays) {
		day, err := register.ParseDate(line)
		if err != nil {
			errs["holidays"] = locale.T(l, "ui.err.dateline", line)
			break
		}
		c.Holidays = append(c.Holidays, day)
	}
	if len(errs) > 0 {
		h.App.Failed(r.Context(), audit.ControllerUpdate, "controller", gdpr.EINVALID)
		d.Errors = errs
		h.render(w, r, http.StatusUnprocessableEntity, "controller.html", d)
		return
	}
	// Joint controllers are kept; this form does not edit them.
	_, err := h.App.UpdateHeader(r.Context(), register.Header{Title: v("title"), Controller: &c}, version, true)
	switch gdpr.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/?done=saved&lang="+string(lang(r)), http.StatusSeeOther)
	case gdpr.EINVALID:
		d.Errors = fieldErrors{"name": gdpr.Localized(err, lang(r))}
		h.render(w, r, http.StatusUnprocessableEntity, "controller.html", d)
	case gdpr.ECONFLICT:
		d.Conflict = gdpr.Localized(err, lang(r))
		h.render(w, r, http.StatusConflict, "controller.html", d)
	default:
		h.problem(w, r, err)
	}
}
