package web

import (
	"errors"
	"net/http"
	"strings"

	"gdpr"
	"gdpr/register"
	"gdpr/session"
)

type controllerData struct {
	base
	Title  string
	C      register.Controller
	DPO    register.Contact
	Errors fieldErrors
}

func (h *Handler) controllerPage(w http.ResponseWriter, r *http.Request, id session.Identity) {
	reg, err := h.Store.Register(r.Context(), false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := controllerData{base: h.base(r, id, "dashboard"), Title: reg.Title}
	if reg.Controller != nil {
		d.C = *reg.Controller
		if reg.Controller.DPO != nil {
			d.DPO = *reg.Controller.DPO
		}
	}
	h.render(w, r, http.StatusOK, "controller.html", d)
}

func (h *Handler) saveController(w http.ResponseWriter, r *http.Request, id session.Identity) {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	c := register.Controller{Name: v("name"), Address: strings.ReplaceAll(v("address"), "\r\n", "\n"), Representative: v("representative"),
		Phone: v("phone"), Email: v("email"), Web: v("web")}
	dpo := register.Contact{Name: v("dpo_name"), Phone: v("dpo_phone"), Email: v("dpo_email")}
	if !dpo.IsZero() {
		c.DPO = &dpo
	}
	// Joint controllers are kept; this form does not edit them.
	if reg, err := h.Store.Register(r.Context(), false); err == nil && reg.Controller != nil {
		c.JointControllers = reg.Controller.JointControllers
	}
	_, err := h.Store.Apply(r.Context(), id.Actor, &register.Register{Title: v("title"), Controller: &c})
	var ge *gdpr.Error
	if errors.As(err, &ge) && ge.Code == gdpr.EINVALID {
		d := controllerData{base: h.base(r, id, "dashboard"), Title: v("title"), C: c, DPO: dpo, Errors: fieldErrors{"name": ge.Message}}
		h.render(w, r, http.StatusUnprocessableEntity, "controller.html", d)
		return
	}
	if err != nil {
		h.problem(w, r, err)
		return
	}
	http.Redirect(w, r, "/?done=saved&lang="+string(lang(r)), http.StatusSeeOther)
}
