package web

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"
	"time"

	"gdpr"
	"gdpr/app"
	"gdpr/auth"
	"gdpr/httpx"
	"gdpr/locale"
	"gdpr/request"
)

// The self-service page (/privacy): a person files a request without an
// account and confirms it through the link mailed to the address given.
// It needs no script; its forms are protected by double submission (the
// same random value in a cookie and in the form).

const portalCSRFCookie = "gdpr_portal_csrf"

type portalData struct {
	Lang, Other locale.Lang
	// Title is the page's catalogue key, Switch the page in the other
	// language ("" for none).
	Title, Switch string
	CSRF          string
	Kinds         []option
	Form          app.PortalRequest
	Error         string
	Field         string
	// Sent: the request is in and the mail out; Confirmed: the link was
	// used, LastDay is the request's.
	Sent, Confirmed bool
	LastDay         string
	Token           string
	// Answer is the released answer, fetched; Downloads its files.
	Answer    *app.Answer
	Downloads []download
}

// download is a file of the answer carried in the page itself (a data:
// URL): the link was spent to show the page, a second request for the file
// would find it spent, and the page needs no script.
type download struct {
	ID, Label, Name string
	URL             template.URL
}

func dataURL(mime string, b []byte) template.URL {
	return template.URL("data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(b))
}

// Day is a moment's day in the page's language.
func (d portalData) Day(t time.Time) string { return dayText(civilToday(t), d.Lang) }

func (h *Handler) portalRender(w http.ResponseWriter, r *http.Request, status int, name string, d portalData) {
	d.Lang = lang(r)
	d.Other = other(d.Lang)
	if c, err := r.Cookie(portalCSRFCookie); d.CSRF == "" && err == nil && len(c.Value) >= 32 {
		// The form's value stays while the cookie lives (several tabs,
		// a second try after an error).
		d.CSRF = c.Value
	}
	if d.CSRF == "" {
		d.CSRF, _ = auth.NewSecret("")
		http.SetCookie(w, &http.Cookie{Name: portalCSRFCookie, Value: d.CSRF, Path: "/privacy", HttpOnly: true, Secure: h.Auth.Proxies.Secure(r), SameSite: http.SameSiteStrictMode})
	}
	d.Title = "ui.portal.title"
	if name == "privacy_answer.html" {
		d.Title = "ui.portal.answer.title"
	} else if name == "privacy_confirm.html" {
		// The link's token stays out of a language switch's URL.
		d.Title = "ui.portal.confirm.title"
	} else {
		d.Switch = "/privacy?lang=" + string(d.Other)
	}
	for _, k := range request.Kinds {
		if k == request.Copy {
			continue // asked with access
		}
		d.Kinds = append(d.Kinds, option{string(k), locale.T(d.Lang, "ui.portal.kind."+string(k))})
	}
	h.render(w, r, status, name, d)
}

func (h *Handler) portalPage(w http.ResponseWriter, r *http.Request) {
	h.portalRender(w, r, http.StatusOK, "privacy.html", portalData{Form: app.PortalRequest{Kind: request.Access}})
}

// portalCSRF checks the form's double submission.
func portalCSRF(r *http.Request) bool {
	c, err := r.Cookie(portalCSRFCookie)
	return err == nil && c.Value != "" && subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) == 1
}

func (h *Handler) portalSubmit(w http.ResponseWriter, r *http.Request) {
	if !h.readForm(w, r, httpx.MaxForm) {
		return
	}
	l := lang(r)
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	p := app.PortalRequest{Kind: request.Kind(v("kind")), Email: v("email"), Customer: v("customer_id"), Name: v("name"),
		Message: strings.ReplaceAll(v("message"), "\r\n", "\n"), Lang: string(l), ClientKey: h.Auth.Proxies.ClientAddr(r)}
	if len(p.Message) > 2000 {
		p.Message = p.Message[:2000]
	}
	if !portalCSRF(r) {
		h.portalRender(w, r, http.StatusForbidden, "privacy.html", portalData{Form: p, Error: locale.T(l, "ui.login.expired")})
		return
	}
	err := h.App.SubmitPortal(r.Context(), p, h.PublicURL)
	switch gdpr.ErrorCode(err) {
	case "":
		h.portalRender(w, r, http.StatusOK, "privacy.html", portalData{Sent: true})
	case gdpr.EINVALID, gdpr.ETHROTTLED:
		status := http.StatusUnprocessableEntity
		if gdpr.ErrorCode(err) == gdpr.ETHROTTLED {
			status = http.StatusTooManyRequests
		}
		field := ""
		if ge, ok := err.(*gdpr.Error); ok {
			field = ge.Field
		}
		h.portalRender(w, r, status, "privacy.html", portalData{Form: p, Error: gdpr.Localized(err, l), Field: field})
	default:
		// Nothing of the cause (a database, the mail server) to the page.
		h.Log.Error("privacy page", "err", gdpr.ErrorCode(err))
		h.portalRender(w, r, http.StatusServiceUnavailable, "privacy.html", portalData{Form: p, Error: locale.T(l, "request.portal.nomail")})
	}
}

// portalConfirmPage shows the button that spends the link: a GET changes
// nothing, so that a mail scanner that follows links confirms nothing.
func (h *Handler) portalConfirmPage(w http.ResponseWriter, r *http.Request) {
	h.portalRender(w, r, http.StatusOK, "privacy_confirm.html", portalData{Token: r.URL.Query().Get("t")})
}

// portalLink reads a posted link's token, checking the form's double
// submission; false when the page has answered already.
func (h *Handler) portalLink(w http.ResponseWriter, r *http.Request, page string) (string, bool) {
	if !h.readForm(w, r, httpx.MaxForm) {
		return "", false
	}
	token := r.PostFormValue("t")
	if !portalCSRF(r) {
		h.portalRender(w, r, http.StatusForbidden, page, portalData{Token: token, Error: locale.T(lang(r), "ui.login.expired")})
		return "", false
	}
	return token, true
}

func (h *Handler) portalConfirm(w http.ResponseWriter, r *http.Request) {
	token, ok := h.portalLink(w, r, "privacy_confirm.html")
	if !ok {
		return
	}
	l := lang(r)
	out, err := h.App.ConfirmPortal(r.Context(), token)
	if err != nil {
		status := http.StatusNotFound
		if gdpr.ErrorCode(err) == gdpr.ECONFLICT {
			status = http.StatusConflict
		}
		h.portalRender(w, r, status, "privacy_confirm.html", portalData{Error: gdpr.Localized(err, l)})
		return
	}
	h.portalRender(w, r, http.StatusOK, "privacy_confirm.html", portalData{Confirmed: true, LastDay: dayText(out.LastDay(), l)})
}

func (h *Handler) portalAnswerPage(w http.ResponseWriter, r *http.Request) {
	h.portalRender(w, r, http.StatusOK, "privacy_answer.html", portalData{Token: r.URL.Query().Get("t")})
}

// portalAnswer spends the answer's link and shows the answer (the person
// saves or prints the page); portable data comes as a JSON file.
func (h *Handler) portalAnswer(w http.ResponseWriter, r *http.Request) {
	token, ok := h.portalLink(w, r, "privacy_answer.html")
	if !ok {
		return
	}
	l := lang(r)
	ans, err := h.App.FetchAnswer(r.Context(), token)
	if err != nil {
		h.portalRender(w, r, http.StatusNotFound, "privacy_answer.html", portalData{Error: gdpr.Localized(gdpr.Keyed(gdpr.ENOTFOUND, "", "request.link"), l)})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	d := portalData{Answer: ans}
	var b bytes.Buffer
	if ans.Access != nil {
		if err := h.App.WriteAccessPDF(&b, ans.Access); err != nil {
			h.Log.Error("access pdf", "err", err)
		} else {
			d.Downloads = append(d.Downloads, download{ID: "answer-pdf", Label: "ui.portal.answer.pdf", Name: "auskunft.pdf", URL: dataURL("application/pdf", b.Bytes())})
		}
	}
	if p := ans.Portable; p != nil {
		b.Reset()
		if err := p.WriteJSON(&b); err == nil {
			d.Downloads = append(d.Downloads, download{ID: "answer-json", Label: "ui.portal.answer.json", Name: "daten.json", URL: dataURL("application/json", b.Bytes())})
		}
		b.Reset()
		if err := p.WriteCSV(&b); err == nil {
			d.Downloads = append(d.Downloads, download{ID: "answer-csv", Label: "ui.portal.answer.csv", Name: "daten-csv.zip", URL: dataURL("application/zip", b.Bytes())})
		}
	}
	h.portalRender(w, r, http.StatusOK, "privacy_answer.html", d)
}
