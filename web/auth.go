package web

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"strings"

	"gdpr/auth"
	"gdpr/locale"
	"gdpr/session"
)

// loginCSRFCookie protects the sign-in form itself (login CSRF) by double
// submission: the same random value in a cookie and in the form.
const loginCSRFCookie = "gdpr_login_csrf"

type loginData struct {
	Lang  locale.Lang
	Other locale.Lang
	CSRF  string
	Next  string
	Error string
	Name  string
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request, status int, d loginData) {
	if d.CSRF == "" {
		d.CSRF, _ = auth.NewSecret("")
		http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: d.CSRF, Path: "/login", HttpOnly: true, Secure: session.Secure(r), SameSite: http.SameSiteStrictMode})
	}
	d.Lang = lang(r)
	d.Other = other(d.Lang)
	if d.Next == "" {
		d.Next = localPath(r.URL.Query().Get("next"))
	}
	h.render(w, r, status, "login.html", d)
}

func (h *Handler) getLogin(w http.ResponseWriter, r *http.Request) {
	h.loginPage(w, r, http.StatusOK, loginData{})
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (h *Handler) postLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	name := strings.TrimSpace(r.PostFormValue("name"))
	pw := r.PostFormValue("password")
	next := localPath(r.PostFormValue("next"))
	l := lang(r)
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		h.loginPage(w, r, http.StatusForbidden, loginData{Error: locale.T(l, "ui.login.expired"), Next: next, Name: name})
		return
	}
	keys := []string{"user:" + strings.ToLower(name), "ip:" + clientIP(r)}
	if blocked, _ := h.Throttle.Blocked(keys...); blocked {
		h.Store.Audit(r.Context(), auth.AuditEntry{Actor: name, Action: "login", Target: "session", Outcome: auth.OutcomeDenied, Detail: "throttled"})
		h.loginPage(w, r, http.StatusTooManyRequests, loginData{Error: locale.T(l, "ui.login.throttled"), Next: next, Name: name, CSRF: c.Value})
		return
	}
	u, hash, err := h.Store.FindUser(r.Context(), name)
	ok := false
	if err == nil && !u.Disabled {
		ok = auth.VerifyPassword(hash, pw)
	} else {
		auth.VerifyMissing(pw)
	}
	if !ok {
		h.Throttle.Fail(keys...)
		h.Store.Audit(r.Context(), auth.AuditEntry{Actor: name, Action: "login", Target: "session", Outcome: auth.OutcomeFailed})
		h.loginPage(w, r, http.StatusUnauthorized, loginData{Error: locale.T(l, "ui.login.failed"), Next: next, Name: name, CSRF: c.Value})
		return
	}
	h.Throttle.Succeed(keys...)
	if err := session.Start(r.Context(), w, r, h.Store.CreateSession, u.Name, h.Now()); err != nil {
		h.fail(w, r, err)
		return
	}
	h.Store.Audit(r.Context(), auth.AuditEntry{Actor: "user:" + u.Name, Action: "login", Target: "session", Outcome: auth.OutcomeOK})
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: "", Path: "/login", MaxAge: -1})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (h *Handler) postLogout(w http.ResponseWriter, r *http.Request) {
	id, err := h.Auth.Identify(r)
	if err == nil && id.Session != nil && session.CSRFValid(r, id.Session) {
		c, _ := r.Cookie(session.SessionCookie)
		h.Store.DeleteSession(r.Context(), auth.HashSecret(c.Value))
		h.Store.Audit(r.Context(), auth.AuditEntry{Actor: id.Actor, Action: "logout", Target: "session", Outcome: auth.OutcomeOK})
	}
	session.Clear(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// localPath keeps redirects on this site: only absolute paths, no scheme or
// host ("//evil.example" and "/\\evil" are refused).
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return "/"
	}
	return p
}

// page wraps a page handler: without a session the browser goes to the
// sign-in page and comes back afterwards.
func (h *Handler) page(perm auth.Permission, fn func(w http.ResponseWriter, r *http.Request, id session.Identity)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := h.Auth.Identify(r)
		if err != nil || id.Session == nil {
			http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if !id.Role.Allows(perm) {
			h.render(w, r, http.StatusForbidden, "error.html", errorData{Lang: lang(r), Message: locale.T(lang(r), "ui.forbidden")})
			return
		}
		fn(w, r, id)
	}
}

// form wraps a form handler: like page, and the form must carry the
// session's CSRF token.
func (h *Handler) form(perm auth.Permission, fn func(w http.ResponseWriter, r *http.Request, id session.Identity)) http.HandlerFunc {
	return h.page(perm, func(w http.ResponseWriter, r *http.Request, id session.Identity) {
		if r.Header.Get("Content-Type") != "" && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			r.ParseMultipartForm(maxUpload)
		}
		entry := auth.AuditEntry{Actor: id.Actor, Action: r.Pattern, Target: r.PathValue("id"), Outcome: auth.OutcomeOK}
		if !session.CSRFValid(r, id.Session) {
			entry.Outcome, entry.Detail = auth.OutcomeDenied, "csrf"
			h.Store.Audit(r.Context(), entry)
			h.render(w, r, http.StatusForbidden, "error.html", errorData{Lang: lang(r), Message: locale.T(lang(r), "ui.login.expired")})
			return
		}
		rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		fn(rec, r, id)
		if rec.status >= 400 {
			entry.Outcome = auth.OutcomeFailed
		}
		h.Store.Audit(r.Context(), entry)
	})
}

// statusWriter remembers the status a form handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }

type errorData struct {
	Lang    locale.Lang
	Message string
}

// render executes a template completely before answering, so that a
// template error is a 500 and not half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	t, ok := h.pages[name]
	if !ok {
		h.fail(w, r, fmt.Errorf("no page %s", name))
		return
	}
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		h.fail(w, r, err)
		return
	}
	rememberLang(w, r)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
