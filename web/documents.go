package web

import (
	"net/http"
	"strconv"
	"strings"

	"gdpr"
	"gdpr/audit"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/session"
)

// docForm is a document as its form shows it.
type docForm struct {
	ID, Title, Description string
	Version                int
}

type docFormData struct {
	base
	New      bool
	Form     docForm
	Errors   fieldErrors
	Conflict string
}

func (h *Handler) docFormPage(w http.ResponseWriter, r *http.Request, id session.Identity, status int, isNew bool, f docForm, errs fieldErrors) {
	d := docFormData{base: h.base(r, id, "toms"), New: isNew, Form: f, Errors: errs}
	if status == http.StatusConflict {
		d.Conflict = errs["version"]
	}
	h.render(w, r, status, "document_form.html", d)
}

func (h *Handler) newDocument(w http.ResponseWriter, r *http.Request, id session.Identity) {
	h.docFormPage(w, r, id, http.StatusOK, true, docForm{}, nil)
}

func (h *Handler) editDocument(w http.ResponseWriter, r *http.Request, id session.Identity) {
	d, err := h.App.Document(r.Context(), r.PathValue("id"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	h.docFormPage(w, r, id, http.StatusOK, false, docForm{ID: d.ID, Title: d.Title, Description: d.Description, Version: d.Version}, nil)
}

func (h *Handler) saveDocument(w http.ResponseWriter, r *http.Request, id session.Identity) {
	l := lang(r)
	isNew := r.PathValue("id") == ""
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := docForm{ID: v("id"), Title: v("title"), Description: strings.ReplaceAll(v("description"), "\r\n", "\n")}
	f.Version, _ = strconv.Atoi(v("version"))
	if !isNew {
		f.ID = r.PathValue("id")
	}
	doc := &register.Document{ID: f.ID, Title: f.Title, Description: f.Description}
	if !isNew {
		old, err := h.App.Document(r.Context(), f.ID)
		if err != nil {
			h.problem(w, r, err)
			return
		}
		doc.Status = old.Status
	}
	errs := fieldErrors{}
	if f.Title == "" {
		errs["title"] = locale.T(l, "ui.err.required")
	}
	if f.ID != "" && !register.ValidID(f.ID) {
		errs["id"] = locale.T(l, "ui.err.id")
	}
	action := audit.DocumentUpdate
	if isNew {
		action = audit.DocumentCreate
	}
	if len(errs) > 0 {
		h.App.Failed(r.Context(), action, f.ID, gdpr.EINVALID)
		h.docFormPage(w, r, id, http.StatusUnprocessableEntity, isNew, f, errs)
		return
	}
	var err error
	if isNew {
		_, err = h.App.CreateDocument(r.Context(), doc)
	} else {
		_, err = h.App.UpdateDocument(r.Context(), doc, f.Version)
	}
	h.saveAnswer(w, r, err, isNew, "title", func() string { return "/toms?done=saved&lang=" + string(l) + "#documents" },
		func(status int, errs fieldErrors) { h.docFormPage(w, r, id, status, isNew, f, errs) })
}

func (h *Handler) confirmArchiveDocument(w http.ResponseWriter, r *http.Request, id session.Identity) {
	d, err := h.App.Document(r.Context(), r.PathValue("id"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	l := lang(r)
	h.render(w, r, http.StatusOK, "confirm.html", confirmData{base: h.base(r, id, "toms"),
		Heading: locale.T(l, "ui.archive.doc.heading"), Question: locale.T(l, "ui.archive.doc.question", d.Title),
		Action: "/documents/" + d.ID + "/archive", Back: "/toms?lang=" + string(l) + "#documents", Version: d.Version})
}

func (h *Handler) archiveDocument(w http.ResponseWriter, r *http.Request, id session.Identity) {
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	if _, err := h.App.ArchiveDocument(r.Context(), r.PathValue("id"), version); err != nil {
		h.problem(w, r, err)
		return
	}
	http.Redirect(w, r, "/toms?done=archived&lang="+string(lang(r))+"#documents", http.StatusSeeOther)
}
