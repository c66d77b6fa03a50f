package web

import (
	"net/http"

	"gdpr/auth"
	"gdpr/locale"
	"gdpr/session"
)

type accountData struct {
	base
	Error string
}

func (h *Handler) account(w http.ResponseWriter, r *http.Request, id session.Identity) {
	h.render(w, r, http.StatusOK, "account.html", accountData{base: h.base(r, id, "account")})
}

// changePassword needs the current password; it ends the user's other
// sessions.
func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request, id session.Identity) {
	l := lang(r)
	d := accountData{base: h.base(r, id, "account")}
	name := id.Session.User.Name
	_, hash, err := h.Store.FindUser(r.Context(), name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pw, repeat := r.PostFormValue("new"), r.PostFormValue("repeat")
	switch {
	case !auth.VerifyPassword(hash, r.PostFormValue("current")):
		d.Error = locale.T(l, "ui.account.wrong")
	case pw != repeat:
		d.Error = locale.T(l, "ui.account.differ")
	case auth.CheckPassword(pw) != nil:
		d.Error = locale.T(l, "ui.account.short", auth.MinPassword)
	}
	if d.Error != "" {
		h.Store.Audit(r.Context(), auth.AuditEntry{Actor: id.Actor, Action: "password.change", Target: name, Outcome: auth.OutcomeFailed})
		h.render(w, r, http.StatusUnprocessableEntity, "account.html", d)
		return
	}
	newHash, err := auth.HashPassword(pw)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, _ := r.Cookie(session.SessionCookie)
	if err := h.Store.SetPassword(r.Context(), name, newHash, auth.HashSecret(c.Value)); err != nil {
		h.fail(w, r, err)
		return
	}
	h.Store.Audit(r.Context(), auth.AuditEntry{Actor: id.Actor, Action: "password.change", Target: name, Outcome: auth.OutcomeOK})
	http.Redirect(w, r, "/account?done=password&lang="+string(l), http.StatusSeeOther)
}
