// Package web serves the server-rendered pages (html/template, embedded
// assets, no JavaScript). This first page lists the activities and the lint
// findings; editing comes with sign-in.
package web

import (
	"bytes"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"gdpr/api"
	"gdpr/export"
	"gdpr/httpx"
	"gdpr/locale"
	"gdpr/register"
)

//go:embed templates/*.html
var templates embed.FS

//go:embed static
var static embed.FS

// Handler serves the pages.
type Handler struct {
	Service register.Service
	Log     *slog.Logger
	Now     func() time.Time
	tmpl    *template.Template
}

// New parses the templates once.
func New(svc register.Service, log *slog.Logger, now func() time.Time) *Handler {
	h := &Handler{Service: svc, Log: log, Now: now}
	h.tmpl = template.Must(template.New("").Funcs(template.FuncMap{
		"t": func(l locale.Lang, key string, args ...any) string { return locale.T(l, key, args...) },
	}).ParseFS(templates, "templates/*.html"))
	return h
}

// Routes registers the pages on mux.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.Handle("GET /static/", http.FileServerFS(static))
	mux.HandleFunc("GET /{$}", h.index)
}

func lang(r *http.Request) locale.Lang {
	if l, ok := locale.Parse(r.URL.Query().Get("lang")); ok {
		return l
	}
	l, _ := locale.Parse(r.Header.Get("Accept-Language"))
	return l
}

type indexData struct {
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

func (h *Handler) index(w http.ResponseWriter, r *http.Request) {
	l := lang(r)
	reg, err := h.Service.Register(r.Context(), false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	fs, counts, err := api.Findings(r.Context(), h.Service, h.Now(), l)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := indexData{Lang: l, Other: locale.EN, Register: reg, Findings: fs, ByActivity: map[string]int{},
		Formats: []export.Format{export.PDF, export.XLSX, export.Markdown, export.HTML, export.CSV, export.JSON, export.YAML}}
	if l == locale.EN {
		d.Other = locale.DE
	}
	d.Errors, d.Warnings, d.Infos = counts[register.SevError], counts[register.SevWarning], counts[register.SevInfo]
	for _, f := range fs {
		if f.Entity == "activity" {
			d.ByActivity[f.EntityID]++
		}
	}
	// Render completely before answering, so that a template error is a
	// 500 and not half a page.
	var buf bytes.Buffer
	if err := h.tmpl.ExecuteTemplate(&buf, "index.html", d); err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.Log.Error("page failed", "route", r.Pattern, "err", err)
	http.Error(w, "Internal error", httpx.StatusOf("internal"))
}
