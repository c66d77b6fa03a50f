package web

import (
	"errors"
	"net/http"
	"strconv"

	"gdpr"
	"gdpr/request"
	"gdpr/session"
)

// templatesData is the admins' page of the mail templates: every mail in
// both languages, and one of them in a form.
type templatesData struct {
	base
	All    []request.MailTemplate
	T      *request.MailTemplate
	Fields []string
	// Preview is the mail with each field shown as «Field».
	PreviewSubject, Preview string
	Error, Field            string
	Conflict                string
}

func (h *Handler) templatesPage(w http.ResponseWriter, r *http.Request, id session.Identity) {
	all, err := h.App.MailTemplates(r.Context())
	if err != nil {
		h.problem(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "templates.html", templatesData{base: h.base(r, id, "requests"), All: all})
}

func (h *Handler) templatePage(w http.ResponseWriter, r *http.Request, id session.Identity) {
	t, err := h.App.MailTemplate(r.Context(), r.PathValue("kind"), r.PathValue("lang"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	h.templateForm(w, r, id, http.StatusOK, t, nil, "")
}

func (h *Handler) templateForm(w http.ResponseWriter, r *http.Request, id session.Identity, status int, t request.MailTemplate, err error, conflict string) {
	l := lang(r)
	d := templatesData{base: h.base(r, id, "requests"), T: &t, Fields: t.Fields(), Conflict: conflict}
	if err != nil {
		d.Error = gdpr.Localized(err, l)
		var ge *gdpr.Error
		if errors.As(err, &ge) {
			d.Field = ge.Field
		}
	} else {
		sample := map[string]string{}
		for _, f := range t.Fields() {
			sample[f] = "«" + f + "»"
		}
		d.PreviewSubject, d.Preview, _ = t.Render(sample)
	}
	h.render(w, r, status, "templates.html", d)
}

func (h *Handler) saveTemplate(w http.ResponseWriter, r *http.Request, id session.Identity) {
	kind, lng := r.PathValue("kind"), r.PathValue("lang")
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	t := request.MailTemplate{Kind: kind, Lang: lng, Subject: r.PostFormValue("subject"), Body: r.PostFormValue("body")}
	if r.PostFormValue("reset") != "" {
		if err := h.App.ResetMailTemplate(r.Context(), kind, lng, version); err != nil {
			h.templateSaveFailed(w, r, id, t, err)
			return
		}
	} else if _, err := h.App.SaveMailTemplate(r.Context(), t, version); err != nil {
		h.templateSaveFailed(w, r, id, t, err)
		return
	}
	http.Redirect(w, r, "/templates/"+kind+"/"+lng+"?done=saved&lang="+string(lang(r)), http.StatusSeeOther)
}

func (h *Handler) templateSaveFailed(w http.ResponseWriter, r *http.Request, id session.Identity, t request.MailTemplate, err error) {
	switch gdpr.ErrorCode(err) {
	case gdpr.EINVALID:
		cur, cerr := h.App.MailTemplate(r.Context(), t.Kind, t.Lang)
		if cerr != nil {
			h.problem(w, r, cerr)
			return
		}
		t.Custom, t.Version = cur.Custom, cur.Version
		h.templateForm(w, r, id, http.StatusUnprocessableEntity, t, err, "")
	case gdpr.ECONFLICT:
		cur, cerr := h.App.MailTemplate(r.Context(), t.Kind, t.Lang)
		if cerr != nil {
			h.problem(w, r, cerr)
			return
		}
		h.templateForm(w, r, id, http.StatusConflict, cur, nil, gdpr.Localized(err, lang(r)))
	default:
		h.problem(w, r, err)
	}
}
