package web

import (
	"errors"
	"net/http"
	"strings"

	"gdpr"
	"gdpr/app"
	"gdpr/httpx"
	"gdpr/locale"
)

// The consent ledger's public pages: the endpoint a website's sign-up form
// posts to (HTML or JSON), the page of the confirmation link, and the
// unsubscribe page with its one-click POST (RFC 8058). None sets a cookie
// or needs a session: a link's token is the authority, a form's id and
// the origin allow-list say which websites may post.

type consentPage struct {
	Lang, Other          locale.Lang
	Title, Switch, Token string
	Error                string
	// Sent: the sign-up is in, the mail out; Done: the link did its
	// work (confirmed, or withdrawn).
	Sent, Done bool
	Kind       string // confirm or unsubscribe
}

func (h *Handler) consentRender(w http.ResponseWriter, r *http.Request, status int, name string, d consentPage) {
	d.Lang = lang(r)
	d.Other = other(d.Lang)
	d.Title = "ui.consent.title." + d.Kind
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer") // the link's token stays on this page
	h.render(w, r, status, name, d)
}

// signupPost is the JSON body of a sign-up.
type signupPost struct {
	Form  string   `json:"form"`
	Email string   `json:"email"`
	Name  string   `json:"name,omitempty"`
	Lists []string `json:"lists,omitempty"`
	URL   string   `json:"url,omitempty"`
	Lang  string   `json:"lang,omitempty"`
}

func (h *Handler) consentSignup(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	isJSON := strings.HasPrefix(r.Header.Get("Content-Type"), "application/json")
	var p signupPost
	if isJSON {
		if !httpx.Limit(w, r, httpx.MaxForm) {
			httpx.Error(w, r, h.Log, httpx.TooLarge, lang(r))
			return
		}
		if err := httpx.Decode(r, &p); err != nil {
			httpx.Error(w, r, h.Log, err, lang(r))
			return
		}
	} else {
		if !h.readForm(w, r, httpx.MaxForm) {
			return
		}
		p = signupPost{Form: r.PostFormValue("form"), Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Lists: r.PostForm["lists"],
			URL: r.PostFormValue("url"), Lang: r.PostFormValue("lang")}
	}
	if p.URL == "" {
		// The page the form was on, as the browser names it.
		p.URL = r.Referer()
	}
	s := app.FormSignup{Form: p.Form, Origin: origin, Signup: app.Signup{Email: p.Email, Name: strings.TrimSpace(p.Name), Lists: p.Lists, FormURL: p.URL, Lang: p.Lang,
		IP: h.Auth.Proxies.ClientAddr(r), UA: r.UserAgent(), Client: h.Auth.Proxies.ClientAddr(r)}}
	id, f, err := h.App.SignUpByForm(r.Context(), s, h.PublicURL)
	if err == nil && f.Allows(origin) && origin != "" {
		w.Header().Set("Access-Control-Allow-Origin", strings.TrimSuffix(strings.ToLower(origin), "/"))
		w.Header().Add("Vary", "Origin")
	}
	if isJSON {
		if err != nil {
			httpx.Error(w, r, h.Log, err, lang(r))
			return
		}
		httpx.JSON(w, http.StatusAccepted, map[string]string{"signup": id})
		return
	}
	l := lang(r)
	if p.Lang == "en" {
		l = locale.EN
	}
	switch gdpr.ErrorCode(err) {
	case "":
		if f.Done != "" {
			http.Redirect(w, r, f.Done, http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, "/consent/sent?lang="+string(l), http.StatusSeeOther)
	case gdpr.EINVALID, gdpr.EFORBIDDEN, gdpr.ETHROTTLED:
		status := map[string]int{gdpr.EINVALID: http.StatusUnprocessableEntity, gdpr.EFORBIDDEN: http.StatusForbidden, gdpr.ETHROTTLED: http.StatusTooManyRequests}[gdpr.ErrorCode(err)]
		h.consentRender(w, r, status, "consent_public.html", consentPage{Kind: "signup", Error: gdpr.Localized(err, l)})
	default:
		h.Log.Error("consent sign-up", "err", gdpr.ErrorCode(err))
		h.consentRender(w, r, http.StatusServiceUnavailable, "consent_public.html", consentPage{Kind: "signup", Error: locale.T(l, "request.portal.nomail")})
	}
}

// consentPreflight answers a browser's CORS question for a JSON sign-up
// from a website: yes for an origin one of the forms names.
func (h *Handler) consentPreflight(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if ok, err := h.App.OriginAllowed(r.Context(), origin); err == nil && ok {
		w.Header().Set("Access-Control-Allow-Origin", strings.TrimSuffix(strings.ToLower(origin), "/"))
		w.Header().Set("Access-Control-Allow-Methods", "POST")
		w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
		w.Header().Set("Access-Control-Max-Age", "600")
		w.Header().Add("Vary", "Origin")
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) consentSent(w http.ResponseWriter, r *http.Request) {
	h.consentRender(w, r, http.StatusOK, "consent_public.html", consentPage{Kind: "signup", Sent: true, Switch: "/consent/sent?lang=" + string(other(lang(r)))})
}

// consentLinkPage shows the button that uses a link (confirm, or
// unsubscribe): a GET changes nothing, so that a mail scanner that
// follows links confirms and withdraws nothing.
func (h *Handler) consentLinkPage(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h.consentRender(w, r, http.StatusOK, "consent_public.html", consentPage{Kind: kind, Token: r.URL.Query().Get("t")})
	}
}

// consentLinkPost uses a link: the page's button, or for unsubscribe the
// one-click POST a mail client sends (RFC 8058: the token in the URL,
// List-Unsubscribe=One-Click in the body).
func (h *Handler) consentLinkPost(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !h.readForm(w, r, httpx.MaxForm) {
			return
		}
		token := r.PostFormValue("t")
		if token == "" {
			token = r.URL.Query().Get("t")
		}
		ip, ua := h.Auth.Proxies.ClientAddr(r), r.UserAgent()
		var err error
		if kind == "confirm" {
			_, err = h.App.ConfirmSignup(r.Context(), token, ip, ua)
		} else {
			how := "link"
			if r.PostFormValue("List-Unsubscribe") == "One-Click" {
				how = "one-click"
			}
			_, err = h.App.Unsubscribe(r.Context(), token, ip, ua, how)
		}
		l := lang(r)
		var ge *gdpr.Error
		switch {
		case err == nil:
			h.consentRender(w, r, http.StatusOK, "consent_public.html", consentPage{Kind: kind, Done: true})
		case errors.As(err, &ge) && ge.Code == gdpr.ENOTFOUND:
			h.consentRender(w, r, http.StatusNotFound, "consent_public.html", consentPage{Kind: kind, Error: gdpr.Localized(err, l)})
		default:
			h.Log.Error("consent link", "kind", kind, "err", gdpr.ErrorCode(err))
			h.consentRender(w, r, http.StatusServiceUnavailable, "consent_public.html", consentPage{Kind: kind, Error: locale.T(l, "ui.consent.unavailable")})
		}
	}
}
