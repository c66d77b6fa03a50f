// Package web serves the server-rendered pages (html/template, embedded
// assets, no JavaScript). Handlers decode the form or query, call the use
// cases of package app with the signed-in principal in the context, and
// render a page.
package web

import (
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"

	"gdpr"
	"gdpr/app"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/httpx"
	"gdpr/locale"
	"gdpr/session"
)

//go:embed templates/*.html
var templates embed.FS

//go:embed static
var static embed.FS

// Handler serves the pages.
type Handler struct {
	App  *app.App
	Auth session.Authenticator
	Log  *slog.Logger
	// PublicURL is where people reach the server (the links in mails):
	// configured, never taken from a request's Host header, which a
	// client chooses.
	PublicURL string
	pages     map[string]*template.Template
}

// New parses the templates once.
func New(a *app.App, authn session.Authenticator, log *slog.Logger) *Handler {
	h := &Handler{App: a, Auth: authn, Log: log}
	h.pages = parsePages(funcs())
	return h
}

// Body limits of the forms. An upload carries the file (16 MiB at most);
// its confirmation carries it again, base64-encoded in a hidden field.
const (
	maxUpload        = 16 << 20
	maxUploadForm    = maxUpload + 64<<10
	maxConfirmImport = maxUpload*4/3 + 64<<10
)

// Routes registers the pages on mux.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.Handle("GET /static/", http.FileServerFS(static))
	mux.HandleFunc("/", h.notFound)
	mux.HandleFunc("GET /privacy", h.portalPage)
	mux.HandleFunc("POST /privacy", h.portalSubmit)
	mux.HandleFunc("GET /privacy/confirm", h.portalConfirmPage)
	mux.HandleFunc("POST /privacy/confirm", h.portalConfirm)
	mux.HandleFunc("POST /consent/signup", h.consentSignup)
	mux.HandleFunc("OPTIONS /consent/signup", h.consentPreflight)
	mux.HandleFunc("GET /consent/sent", h.consentSent)
	mux.HandleFunc("GET /consent/confirm", h.consentLinkPage("confirm"))
	mux.HandleFunc("POST /consent/confirm", h.consentLinkPost("confirm"))
	mux.HandleFunc("GET /consent/unsubscribe", h.consentLinkPage("unsubscribe"))
	mux.HandleFunc("POST /consent/unsubscribe", h.consentLinkPost("unsubscribe"))
	mux.HandleFunc("GET /privacy/answer", h.portalAnswerPage)
	mux.HandleFunc("POST /privacy/answer", h.portalAnswer)
	mux.HandleFunc("GET /login", h.getLogin)
	mux.HandleFunc("POST /login", h.postLogin)
	mux.HandleFunc("POST /logout", h.postLogout)
	mux.HandleFunc("GET /{$}", h.page(auth.Read, h.dashboard))
	mux.HandleFunc("GET /activities", h.page(auth.Read, h.activityList))
	mux.HandleFunc("GET /activities/new", h.page(auth.Write, h.newActivity))
	mux.HandleFunc("POST /activities/new", h.form(auth.Write, audit.ActivityCreate, httpx.MaxForm, h.saveActivity))
	mux.HandleFunc("GET /activities/{id}", h.page(auth.Read, h.activityDetail))
	mux.HandleFunc("GET /activities/{id}/edit", h.page(auth.Write, h.editActivity))
	mux.HandleFunc("POST /activities/{id}/edit", h.form(auth.Write, audit.ActivityUpdate, httpx.MaxForm, h.saveActivity))
	mux.HandleFunc("GET /activities/{id}/archive", h.page(auth.Write, h.confirmArchiveActivity))
	mux.HandleFunc("POST /activities/{id}/archive", h.form(auth.Write, audit.ActivityArchive, httpx.MaxForm, h.archiveActivity))
	mux.HandleFunc("GET /toms", h.page(auth.Read, h.tomList))
	mux.HandleFunc("GET /toms/new", h.page(auth.Write, h.newTom))
	mux.HandleFunc("POST /toms/new", h.form(auth.Write, audit.MeasureCreate, httpx.MaxForm, h.saveTom))
	mux.HandleFunc("GET /toms/{id}/edit", h.page(auth.Write, h.editTom))
	mux.HandleFunc("POST /toms/{id}/edit", h.form(auth.Write, audit.MeasureUpdate, httpx.MaxForm, h.saveTom))
	mux.HandleFunc("POST /toms/{id}/category", h.form(auth.Write, audit.MeasureUpdate, httpx.MaxForm, h.assignCategory))
	mux.HandleFunc("GET /toms/{id}/archive", h.page(auth.Write, h.confirmArchiveTom))
	mux.HandleFunc("POST /toms/{id}/archive", h.form(auth.Write, audit.MeasureArchive, httpx.MaxForm, h.archiveTom))
	mux.HandleFunc("POST /toms/{id}/review", h.form(auth.Write, audit.MeasureReview, httpx.MaxForm, h.markReviewed))
	mux.HandleFunc("GET /documents/new", h.page(auth.Write, h.newDocument))
	mux.HandleFunc("POST /documents/new", h.form(auth.Write, audit.DocumentCreate, httpx.MaxForm, h.saveDocument))
	mux.HandleFunc("GET /documents/{id}/edit", h.page(auth.Write, h.editDocument))
	mux.HandleFunc("POST /documents/{id}/edit", h.form(auth.Write, audit.DocumentUpdate, httpx.MaxForm, h.saveDocument))
	mux.HandleFunc("GET /documents/{id}/archive", h.page(auth.Write, h.confirmArchiveDocument))
	mux.HandleFunc("POST /documents/{id}/archive", h.form(auth.Write, audit.DocumentArchive, httpx.MaxForm, h.archiveDocument))
	mux.HandleFunc("GET /systems", h.page(auth.Read, h.systemList))
	mux.HandleFunc("POST /systems/check", h.form(auth.Write, audit.SystemCheck, httpx.MaxForm, h.checkLive))
	// A dry run needs the editor's role, a sweep the admin's (the use
	// case checks which).
	mux.HandleFunc("POST /systems/sweep", h.form(auth.Write, audit.SweepBatch, httpx.MaxForm, h.sweepPage))
	mux.HandleFunc("GET /systems/new", h.page(auth.Write, h.newSystem))
	mux.HandleFunc("POST /systems/new", h.form(auth.Write, audit.SystemCreate, httpx.MaxForm, h.saveSystem))
	mux.HandleFunc("GET /systems/{id}", h.page(auth.Read, h.systemDetail))
	mux.HandleFunc("GET /systems/{id}/edit", h.page(auth.Write, h.editSystem))
	mux.HandleFunc("POST /systems/{id}/edit", h.form(auth.Write, audit.SystemUpdate, httpx.MaxForm, h.saveSystem))
	mux.HandleFunc("GET /systems/{id}/archive", h.page(auth.Write, h.confirmArchiveSystem))
	mux.HandleFunc("POST /systems/{id}/archive", h.form(auth.Write, audit.SystemArchive, httpx.MaxForm, h.archiveSystem))
	mux.HandleFunc("GET /systems/{id}/tables/new", h.page(auth.Write, h.newTable))
	mux.HandleFunc("POST /systems/{id}/tables/new", h.form(auth.Write, audit.SystemUpdate, httpx.MaxForm, h.saveTable))
	mux.HandleFunc("GET /systems/{id}/tables/{n}/edit", h.page(auth.Write, h.editTable))
	mux.HandleFunc("POST /systems/{id}/tables/{n}/edit", h.form(auth.Write, audit.SystemUpdate, httpx.MaxForm, h.saveTable))
	mux.HandleFunc("GET /systems/{id}/tables/{n}/remove", h.page(auth.Write, h.confirmRemoveTable))
	mux.HandleFunc("POST /systems/{id}/tables/{n}/remove", h.form(auth.Write, audit.SystemUpdate, httpx.MaxForm, h.removeTable))
	mux.HandleFunc("POST /systems/{id}/scan", h.form(auth.Write, audit.SystemScan, httpx.MaxForm, h.scanSystem))
	mux.HandleFunc("POST /systems/{id}/holds", h.form(auth.Write, audit.HoldCreate, httpx.MaxForm, h.addHold))
	mux.HandleFunc("POST /systems/{id}/holds/{hold}/lift", h.form(auth.Write, audit.HoldLift, httpx.MaxForm, h.liftHold))
	mux.HandleFunc("GET /requests", h.page(auth.Read, h.requestList))
	mux.HandleFunc("GET /requests/new", h.page(auth.Write, h.newRequest))
	mux.HandleFunc("POST /requests/new", h.form(auth.Write, audit.RequestCreate, httpx.MaxForm, h.saveRequest))
	mux.HandleFunc("GET /requests/{id}", h.page(auth.Read, h.requestDetail))
	mux.HandleFunc("POST /requests/{id}/step", h.form(auth.Write, audit.RequestUpdate, httpx.MaxForm, h.requestStep))
	mux.HandleFunc("GET /requests/{id}/report", h.page(auth.Subjects, h.requestReport))
	mux.HandleFunc("GET /requests/{id}/portability", h.page(auth.Subjects, h.requestPortability))
	mux.HandleFunc("GET /consents", h.page(auth.Read, h.consentsPage))
	mux.HandleFunc("POST /consents", h.form(auth.Write, audit.ConsentPurpose, httpx.MaxForm, h.savePurposeForm))
	mux.HandleFunc("GET /consents/{id}", h.page(auth.Read, h.purposePage))
	mux.HandleFunc("POST /consents/{id}/texts", h.form(auth.Write, audit.ConsentText, httpx.MaxForm, h.addTextForm))
	mux.HandleFunc("POST /consents/{id}/import", h.form(auth.Subjects, audit.ConsentImport, maxUploadForm, h.importConsentsForm))
	mux.HandleFunc("POST /consents/person", h.form(auth.Subjects, audit.SubjectRead, httpx.MaxForm, h.consentPerson))
	mux.HandleFunc("POST /consents/evidence", h.form(auth.Subjects, audit.SubjectRead, httpx.MaxForm, h.consentEvidence))
	mux.HandleFunc("POST /consents/hooks", h.form(auth.Manage, audit.ConsentHook, httpx.MaxForm, h.addHookForm))
	mux.HandleFunc("GET /templates", h.page(auth.Manage, h.templatesPage))
	mux.HandleFunc("GET /templates/{kind}/{lang}", h.page(auth.Manage, h.templatePage))
	mux.HandleFunc("POST /templates/{kind}/{lang}", h.form(auth.Manage, audit.TemplateUpdate, httpx.MaxForm, h.saveTemplate))
	mux.HandleFunc("GET /findings", h.page(auth.Read, h.findingsPage))
	mux.HandleFunc("GET /history", h.page(auth.Read, h.history))
	mux.HandleFunc("GET /history/{entity}/{id}/{version}", h.page(auth.Read, h.revision))
	mux.HandleFunc("POST /history/{entity}/{id}/{version}/restore", h.form(auth.Write, audit.RevisionRestore, httpx.MaxForm, h.restore))
	mux.HandleFunc("GET /import", h.page(auth.Write, h.importPage))
	mux.HandleFunc("POST /import", h.form(auth.Write, audit.RegisterImport, maxConfirmImport, h.importPost))
	mux.HandleFunc("GET /controller", h.page(auth.Write, h.controllerPage))
	mux.HandleFunc("POST /controller", h.form(auth.Write, audit.ControllerUpdate, httpx.MaxForm, h.saveController))
	mux.HandleFunc("GET /keys", h.page(auth.Manage, h.keysPage))
	mux.HandleFunc("POST /keys/search", h.form(auth.Manage, audit.SubjectLookup, httpx.MaxForm, h.searchSubject))
	mux.HandleFunc("POST /keys/verify", h.form(auth.Manage, audit.LogVerify, httpx.MaxForm, h.verifyLog))
	mux.HandleFunc("GET /keys/subjects/{id}/shred", h.page(auth.Manage, h.confirmShred))
	mux.HandleFunc("POST /keys/subjects/{id}/shred", h.form(auth.Manage, audit.SubjectShred, httpx.MaxForm, h.shred))
	mux.HandleFunc("GET /account", h.page(auth.Read, h.account))
	mux.HandleFunc("POST /account/password", h.form(auth.Read, audit.PasswordChange, httpx.MaxForm, h.changePassword))
}

// langCookie remembers the language a user switched to.
const langCookie = "gdpr_lang"

// lang is the page language: German first, as the users are German
// data-protection officers; ?lang= switches and the choice is remembered
// (rememberLang), whatever the browser's Accept-Language says.
func lang(r *http.Request) locale.Lang {
	if l, ok := locale.Parse(r.URL.Query().Get("lang")); ok {
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := locale.Parse(c.Value); ok {
			return l
		}
	}
	return locale.DE
}

// rememberLang stores an explicit ?lang= choice for the next pages.
func rememberLang(w http.ResponseWriter, r *http.Request) {
	if l, ok := locale.Parse(r.URL.Query().Get("lang")); ok {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, HttpOnly: true})
	}
}

func other(l locale.Lang) locale.Lang {
	if l == locale.EN {
		return locale.DE
	}
	return locale.EN
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.Log.Error("page failed", "route", httpx.Route(r), "err", err)
	h.errorPage(w, r, http.StatusInternalServerError, gdpr.Localized(err, lang(r)))
}

// problem shows an error as a page with the status of its code; internal
// errors are logged and hidden.
func (h *Handler) problem(w http.ResponseWriter, r *http.Request, err error) {
	code := httpx.Code(err)
	if code == gdpr.EINTERNAL {
		h.fail(w, r, err)
		return
	}
	msg := gdpr.Localized(err, lang(r))
	if code == "too_large" {
		msg = locale.T(lang(r), "error.toolarge")
	}
	httpx.SetRetryAfter(w, err)
	h.errorPage(w, r, httpx.StatusOf(code), msg)
}
