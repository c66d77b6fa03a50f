package web

import (
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"gdpr/app"
	"gdpr/auth"
	"gdpr/export"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/request"
	"gdpr/session"
)

// base is what every signed-in page shows: language, user, CSRF token for
// its forms, and the active navigation entry.
type base struct {
	Lang    locale.Lang
	Other   locale.Lang
	User    string
	Role    auth.Role
	CanEdit bool
	IsAdmin bool
	CSRF    string
	Nav     string
	Path    string // the page's path
	// Refresh, when set, loads RefreshURL after so many seconds (a run
	// under way shows its progress without a script). The URL carries no
	// fragment: Chromium takes a refresh to a URL with one for a jump
	// within the page and does not reload.
	Refresh    int
	RefreshURL string
	// Switch is the page in the other language: its path and query (a
	// filter, a page of a list) with only the language changed.
	Switch string
	Flash  string
}

func (h *Handler) base(r *http.Request, id session.Identity, nav string) base {
	l := lang(r)
	b := base{Lang: l, Other: other(l), Nav: nav, Path: r.URL.Path, Flash: flash(r, l)}
	q := r.URL.Query()
	q.Set("lang", string(b.Other))
	q.Del("done") // a message of the last form is not shown again
	b.Switch = r.URL.Path + "?" + q.Encode()
	if id.Session != nil {
		b.User, b.CSRF = id.Session.User.Name, id.Session.CSRF
	}
	b.Role, b.CanEdit, b.IsAdmin = id.Role, id.Role.Allows(auth.Write), id.Role.Allows(auth.Manage)
	return b
}

// flash turns the "done" query parameter of a redirect after a form into a
// message; the values are catalogue keys, so nothing from the URL is shown.
func flash(r *http.Request, l locale.Lang) string {
	k := r.URL.Query().Get("done")
	if k == "" || !locale.Has("ui.done."+k) {
		return ""
	}
	return locale.T(l, "ui.done."+k)
}

// parsePages parses every page together with the layout, each page in a
// set of its own (each defines "content").
func parsePages(funcs template.FuncMap) map[string]*template.Template {
	pages := map[string]*template.Template{}
	names, _ := fs.Glob(templates, "templates/*.html")
	for _, n := range names {
		name := strings.TrimPrefix(n, "templates/")
		if name == "layout.html" {
			continue
		}
		pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templates, "templates/layout.html", n))
	}
	return pages
}

func funcs() template.FuncMap {
	return template.FuncMap{
		"t": func(l locale.Lang, key string, args ...any) string { return locale.T(l, key, args...) },
		// n is the counted phrase: "1 Änderung", "3 Änderungen".
		"n": func(l locale.Lang, key string, count int) string { return locale.N(l, key, count) },
		// label names a register field ("legal_bases") as the forms do,
		// the field itself where the catalogue has no label.
		"label": func(l locale.Lang, field string) string {
			if locale.Has("label." + field) {
				return locale.T(l, "label."+field)
			}
			return field
		},
		"lines":      func(xs []string) string { return strings.Join(xs, "\n") },
		"join":       strings.Join,
		"hasSuffix":  strings.HasSuffix,
		"trimSuffix": strings.TrimSuffix,
		"has":        func(xs []string, x string) bool { return slices.Contains(xs, x) },
		"str":        func(v any) string { return fmt.Sprint(v) },
		"hours":      func(d time.Duration) int { return int(d / time.Hour) },
		// jobError says what a given-up job of the ledger kept of its
		// error (never the answer itself).
		"jobError": app.JobError,
		// mailKind names a template's mail, a purpose's own with the
		// purpose.
		"mailKind": func(l locale.Lang, kind string) string {
			name := locale.T(l, "value.request.mail."+request.BaseKind(kind))
			if p := request.PurposeOf(kind); p != "" {
				return locale.T(l, "ui.templates.purpose", name, p)
			}
			return name
		},
		// sourceText names an event's channel ("one-click", an import's
		// source) in the page's language where the catalogue has it.
		"sourceText": func(l locale.Lang, src string) string {
			if k := "value.consent.source." + src; locale.Has(k) {
				return locale.T(l, k)
			}
			return src
		},
		"itoa":    strconv.Itoa,
		"inc":     func(i int) int { return i + 1 },
		"percent": func(f float64) string { return strconv.Itoa(int(f*100+0.5)) + " %" },
		"list":    func(xs ...string) []string { return xs },
		// rowsArgs passes readable changes to the "changerows" template.
		"rowsArgs": func(l locale.Lang, rows []export.ChangeRow) changeRowsArgs { return changeRowsArgs{l, rows} },
		// args passes a page and one form field to the field templates.
		"args": func(page any, name, label, value, extra string) fieldArgs {
			return fieldArgs{Page: page.(formData), Name: name, Label: label, Value: value, Extra: extra}
		},
		"query": func(pairs ...string) template.URL {
			var b strings.Builder
			for i := 0; i+1 < len(pairs); i += 2 {
				if pairs[i+1] == "" {
					continue
				}
				if b.Len() > 0 {
					b.WriteByte('&')
				}
				b.WriteString(pairs[i] + "=" + urlQueryEscape(pairs[i+1]))
			}
			return template.URL(b.String())
		},
	}
}

// severityCounts counts findings per severity for templates.
type severityCounts struct{ Errors, Warnings, Infos int }

func countsOf(m map[register.Severity]int) severityCounts {
	return severityCounts{m[register.SevError], m[register.SevWarning], m[register.SevInfo]}
}

type changeRowsArgs struct {
	Lang locale.Lang
	Rows []export.ChangeRow
}

// fieldArgs is one form field for the "field" and "area" templates.
type fieldArgs struct {
	Page                      formData
	Name, Label, Value, Extra string
}
