package web

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"gdpr"
	"gdpr/app"
	"gdpr/auth"
	"gdpr/httpx"
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
		http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: d.CSRF, Path: "/login", HttpOnly: true, Secure: h.Auth.Proxies.Secure(r), SameSite: http.SameSiteStrictMode})
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

func (h *Handler) postLogin(w http.ResponseWriter, r *http.Request) {
	if !h.readForm(w, r, httpx.MaxForm) {
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	if len(name) > 64 {
		name = name[:64] // no user has a longer name; the form shows no more
	}
	pw := r.PostFormValue("password")
	next := localPath(r.PostFormValue("next"))
	l := lang(r)
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		h.loginPage(w, r, http.StatusForbidden, loginData{Error: locale.T(l, "ui.login.expired"), Next: next, Name: name})
		return
	}
	req := app.LoginRequest{Name: name, Password: pw, Addr: h.Auth.Proxies.ClientAddr(r)}
	if dc, err := r.Cookie(session.DeviceCookie); err == nil {
		req.Device = dc.Value
	}
	res, err := h.App.Login(r.Context(), req)
	if err != nil {
		code := gdpr.ErrorCode(err)
		if code == gdpr.EINTERNAL {
			h.fail(w, r, err)
			return
		}
		httpx.SetRetryAfter(w, err)
		h.loginPage(w, r, httpx.StatusOf(code), loginData{Error: gdpr.Localized(err, l), Next: next, Name: name, CSRF: c.Value})
		return
	}
	h.Auth.SetSession(w, r, res.SessionID, res.Expires)
	h.Auth.SetDevice(w, r, res.Device)
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: "", Path: "/login", MaxAge: -1})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

type logoutData struct {
	base
}

// postLogout ends the session, on the server and in the browser, when the
// form carries the session's CSRF token. Without it (a forged request, or
// a page from an older session) nothing changes: the browser gets a page
// that asks to confirm, with a valid form. Clearing only the cookie would
// leave a session that a copied cookie could still use.
func (h *Handler) postLogout(w http.ResponseWriter, r *http.Request) {
	if !h.readForm(w, r, httpx.MaxForm) {
		return
	}
	id, err := h.Auth.Identify(r)
	if err != nil || id.Session == nil {
		h.Auth.Clear(w, r)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if !session.CSRFValid(r, id.Session) {
		h.render(w, r, http.StatusForbidden, "logout.html", logoutData{base: h.base(r, id, "")})
		return
	}
	c, _ := r.Cookie(session.SessionCookie)
	if err := h.App.Logout(session.WithPrincipal(r, id).Context(), c.Value); err != nil {
		h.fail(w, r, err)
		return
	}
	h.Auth.Clear(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// localPath keeps a redirect on this site: an absolute path without
// scheme, host or user, and without the bytes that browsers drop or
// rewrite before they resolve a URL (tab, CR, LF and other control
// characters, space, backslash), so that "/\t/evil.example", which a
// browser reads as "//evil.example", is refused like "//evil.example"
// itself. Anything else is "/".
func localPath(p string) string {
	if p == "" || len(p) > 2048 || p[0] != '/' {
		return "/"
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c <= ' ' || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	if len(p) > 1 && p[1] == '/' {
		return "/"
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return p
}

// pageFn is a page handler; the request's context carries the principal.
type pageFn func(w http.ResponseWriter, r *http.Request, id session.Identity)

// page wraps a page handler: without a session the browser goes to the
// sign-in page and comes back afterwards.
func (h *Handler) page(perm auth.Permission, fn pageFn) http.HandlerFunc {
	return h.guarded(perm, "", fn)
}

// guarded is page; a refused role is recorded under action when one is
// given (a form's write that the role may not make).
func (h *Handler) guarded(perm auth.Permission, action string, fn pageFn) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := h.Auth.Identify(r)
		if err != nil || id.Session == nil {
			if gdpr.ErrorCode(err) == gdpr.EINTERNAL {
				h.fail(w, r, err)
				return
			}
			http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if !id.Role.Allows(perm) {
			if action != "" {
				h.App.Denied(session.WithPrincipal(r, id).Context(), action, r.PathValue("id"), "role "+string(id.Role))
			}
			h.errorPage(w, r, http.StatusForbidden, locale.T(lang(r), "ui.forbidden"))
			return
		}
		fn(w, session.WithPrincipal(r, id), id)
	}
}

// form wraps a form handler: like page, with the body bounded (limit)
// before anything reads it, and the session's CSRF token required. A
// refused form is recorded under action.
func (h *Handler) form(perm auth.Permission, action string, limit int64, fn pageFn) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !h.readForm(w, r, limit) {
			return
		}
		h.guarded(perm, action, func(w http.ResponseWriter, r *http.Request, id session.Identity) {
			if !session.CSRFValid(r, id.Session) {
				h.App.Denied(r.Context(), action, r.PathValue("id"), "csrf")
				h.errorPage(w, r, http.StatusForbidden, locale.T(lang(r), "ui.login.expired"))
				return
			}
			fn(w, r, id)
		})(w, r)
	}
}

// readForm bounds the body to limit and reads the form before anything
// else looks at it: a body over the bound is answered 413 (a declared
// length at once, unread), a malformed one 400. Multipart parts beyond
// 1 MiB go to temporary files, within the bound. It reports whether the
// handler may go on.
func (h *Handler) readForm(w http.ResponseWriter, r *http.Request, limit int64) bool {
	if !httpx.Limit(w, r, limit) {
		h.problem(w, r, httpx.TooLarge)
		return false
	}
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		err = r.ParseMultipartForm(1 << 20)
	} else {
		err = r.ParseForm()
	}
	var mb *http.MaxBytesError
	switch {
	case err == nil:
		return true
	case asMaxBytes(err, &mb):
		h.problem(w, r, httpx.TooLarge)
	default:
		h.problem(w, r, gdpr.Keyed(gdpr.EINVALID, "", "ui.form.unreadable", err))
	}
	return false
}

type errorData struct {
	Lang    locale.Lang
	Heading string
	Message string
}

// errorPage answers with the error page: a heading naming the kind of
// error in the page's language, and the message.
func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	l := lang(r)
	key := fmt.Sprintf("ui.error.%d", status)
	if !locale.Has(key) {
		key = "ui.error.other"
	}
	h.render(w, r, status, "error.html", errorData{Lang: l, Heading: locale.T(l, key), Message: msg})
}

// notFound answers every path no page or endpoint has.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.errorPage(w, r, http.StatusNotFound, locale.T(lang(r), "ui.notfound"))
}

// render executes a template completely before answering, so that a
// template error is a 500 and not half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	t, ok := h.pages[name]
	if !ok {
		h.Log.Error("page failed", "route", httpx.Route(r), "err", fmt.Errorf("no page %s", name))
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		h.Log.Error("page failed", "route", httpx.Route(r), "err", err)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	rememberLang(w, r)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func asMaxBytes(err error, target **http.MaxBytesError) bool { return errors.As(err, target) }
