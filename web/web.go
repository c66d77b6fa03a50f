// Package web serves the server-rendered pages (html/template, embedded
// assets, no JavaScript). This first page lists the activities and the lint
// findings; editing comes with sign-in.
package web

import (
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"gdpr/api"
	"gdpr/auth"
	"gdpr/export"
	"gdpr/httpx"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/session"
	"gdpr/store"
)

//go:embed templates/*.html
var templates embed.FS

//go:embed static
var static embed.FS

// Handler serves the pages.
type Handler struct {
	Store    *store.Store
	Auth     session.Authenticator
	Throttle *auth.Throttle
	Log      *slog.Logger
	Now      func() time.Time
	tmpl     *template.Template
}

// New parses the templates once.
func New(s *store.Store, authn session.Authenticator, log *slog.Logger, now func() time.Time) *Handler {
	h := &Handler{Store: s, Auth: authn, Throttle: auth.NewThrottle(now), Log: log, Now: now}
	h.tmpl = template.Must(template.New("").Funcs(template.FuncMap{
		"t": func(l locale.Lang, key string, args ...any) string { return locale.T(l, key, args...) },
	}).ParseFS(templates, "templates/*.html"))
	return h
}

// Routes registers the pages on mux.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.Handle("GET /static/", http.FileServerFS(static))
	mux.HandleFunc("GET /login", h.getLogin)
	mux.HandleFunc("POST /login", h.postLogin)
	mux.HandleFunc("POST /logout", h.postLogout)
	mux.HandleFunc("GET /{$}", h.page(auth.Read, h.index))
}

func lang(r *http.Request) locale.Lang {
	if l, ok := locale.Parse(r.URL.Query().Get("lang")); ok {
		return l
	}
	l, _ := locale.Parse(r.Header.Get("Accept-Language"))
	return l
}

func other(l locale.Lang) locale.Lang {
	if l == locale.EN {
		return locale.DE
	}
	return locale.EN
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

type indexData struct {
	User       string
	Role       auth.Role
	CSRF       string
	Lang       locale.Lang
	Other      locale.Lang
	Register   *register.Register
	Findings   []export.FindingView
	Errors     int
	Warnings   int
	Infos      int
	ByActivity map[string]int
	Formats    []export.Format
}

func (h *Handler) index(w http.ResponseWriter, r *http.Request, id session.Identity) {
	l := lang(r)
	reg, err := h.Store.Register(r.Context(), false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	fs, counts, err := api.Findings(r.Context(), h.Store, h.Now(), l)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := indexData{User: id.Session.User.Name, Role: id.Role, CSRF: id.Session.CSRF, Lang: l, Other: other(l), Register: reg, Findings: fs, ByActivity: map[string]int{},
		Formats: []export.Format{export.PDF, export.XLSX, export.Markdown, export.HTML, export.CSV, export.JSON, export.YAML}}
	d.Errors, d.Warnings, d.Infos = counts[register.SevError], counts[register.SevWarning], counts[register.SevInfo]
	for _, f := range fs {
		if f.Entity == "activity" {
			d.ByActivity[f.EntityID]++
		}
	}
	h.render(w, r, http.StatusOK, "index.html", d)
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.Log.Error("page failed", "route", r.Pattern, "err", err)
	http.Error(w, "Internal error", httpx.StatusOf("internal"))
}
