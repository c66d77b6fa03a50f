package web

import (
	"errors"
	"net/http"

	"gdpr"
	"gdpr/httpx"
	"gdpr/session"
)

type accountData struct {
	base
	Error string
}

func (h *Handler) account(w http.ResponseWriter, r *http.Request, id session.Identity) {
	h.render(w, r, http.StatusOK, "account.html", accountData{base: h.base(r, id, "account")})
}

// changePassword needs the current password (checked under a throttle of
// its own); it ends the user's other sessions.
func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request, id session.Identity) {
	c, _ := r.Cookie(session.SessionCookie)
	err := h.App.ChangePassword(r.Context(), r.PostFormValue("current"), r.PostFormValue("new"), r.PostFormValue("repeat"), c.Value)
	if err == nil {
		http.Redirect(w, r, "/account?done=password&lang="+string(lang(r)), http.StatusSeeOther)
		return
	}
	var ge *gdpr.Error
	code := gdpr.ErrorCode(err)
	if code == gdpr.EINTERNAL || !errors.As(err, &ge) {
		h.problem(w, r, err)
		return
	}
	httpx.SetRetryAfter(w, err)
	status := httpx.StatusOf(code)
	if code == gdpr.EINVALID {
		status = http.StatusUnprocessableEntity
	}
	h.render(w, r, status, "account.html", accountData{base: h.base(r, id, "account"), Error: gdpr.Localized(err, lang(r))})
}
