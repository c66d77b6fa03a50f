// Package api serves the register as JSON under /api/v1/. Handlers are thin:
// they decode, authorise, call register.Service and encode. Authentication
// is a seam (Authorizer); the next issue plugs sessions and tokens into it.
package api

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"gdpr"
	"gdpr/export"
	"gdpr/httpx"
	"gdpr/locale"
	"gdpr/register"
)

// Permission is what a route needs.
type Permission int

// Permissions, from least to most.
const (
	Read Permission = iota
	Write
)

// Authorizer decides whether a request may do what a route needs and names
// the actor to record in revisions. It returns EUNAUTHORIZED or EFORBIDDEN.
type Authorizer interface {
	Authorize(r *http.Request, p Permission) (actor string, err error)
}

// LocalOperator lets every request act as "api". It is only safe while the
// server listens on loopback, which is why serve refuses other addresses
// until real sign-in exists.
type LocalOperator struct{}

// Authorize implements Authorizer.
func (LocalOperator) Authorize(*http.Request, Permission) (string, error) { return "api", nil }

// Server serves the API.
type Server struct {
	Service register.Service
	Auth    Authorizer
	Log     *slog.Logger
	Now     func() time.Time
}

type handler func(w http.ResponseWriter, r *http.Request, actor string) error

// Routes registers the API on mux.
func (s *Server) Routes(mux *http.ServeMux) {
	route := func(pattern string, p Permission, h handler) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			actor, err := s.Auth.Authorize(r, p)
			if err == nil {
				err = h(w, r, actor)
			}
			if err != nil {
				httpx.Error(w, r, s.Log, err)
			}
		})
	}
	route("GET /api/v1/register", Read, s.getRegister)
	entityRoutes(route, s.activities())
	entityRoutes(route, s.measures())
	s.retentionRoutes(route)
	route("GET /api/v1/findings", Read, s.findings)
	route("GET /api/v1/revisions", Read, s.revisions)
	route("GET /api/v1/export", Read, s.export)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		httpx.Error(w, r, s.Log, gdpr.Errorf(gdpr.ENOTFOUND, "no such API route: %s %s", r.Method, r.URL.Path))
	})
}

// List is the shape of every listing.
type List[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

func filterOf(r *http.Request) (register.Filter, error) {
	limit, offset, err := httpx.Page(r)
	if err != nil {
		return register.Filter{}, err
	}
	f := register.Filter{Query: r.URL.Query().Get("q"), Limit: limit, Offset: offset, IncludeArchived: r.URL.Query().Get("archived") == "true"}
	if st := r.URL.Query().Get("status"); st != "" {
		s := register.Status(st)
		valid := false
		for _, x := range register.Statuses {
			valid = valid || x == s
		}
		if !valid {
			return f, gdpr.FieldErrorf("status", "unknown status %q", st)
		}
		f.Status = &s
	}
	return f, nil
}

func langOf(r *http.Request) locale.Lang {
	if l, ok := locale.Parse(r.URL.Query().Get("lang")); ok {
		return l
	}
	l, _ := locale.Parse(r.Header.Get("Accept-Language"))
	return l
}

func (s *Server) getRegister(w http.ResponseWriter, r *http.Request, _ string) error {
	reg, err := s.Service.Register(r.Context(), r.URL.Query().Get("archived") == "true")
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, reg)
	return nil
}

// entity bundles the service calls of one entry kind so that activities and
// measures share their handlers.
type entity[T any] struct {
	find    func(context.Context, register.Filter) ([]T, int, error)
	get     func(context.Context, string) (T, error)
	create  func(context.Context, string, T) error
	update  func(context.Context, string, T) error
	archive func(context.Context, string, string) error
	id      func(T) *string
	path    string
}

func (e entity[T]) list(w http.ResponseWriter, r *http.Request) error {
	f, err := filterOf(r)
	if err != nil {
		return err
	}
	items, total, err := e.find(r.Context(), f)
	if err != nil {
		return err
	}
	if items == nil {
		items = []T{}
	}
	httpx.JSON(w, http.StatusOK, List[T]{Items: items, Total: total, Limit: f.Limit, Offset: f.Offset})
	return nil
}

func (e entity[T]) show(w http.ResponseWriter, r *http.Request) error {
	v, err := e.get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, v)
	return nil
}

func (e entity[T]) post(w http.ResponseWriter, r *http.Request, actor string) error {
	var v T
	if err := httpx.Decode(w, r, &v); err != nil {
		return err
	}
	if err := e.create(r.Context(), actor, v); err != nil {
		return err
	}
	id := *e.id(v)
	stored, err := e.get(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Location", e.path+"/"+id)
	httpx.JSON(w, http.StatusCreated, stored)
	return nil
}

func (e entity[T]) put(w http.ResponseWriter, r *http.Request, actor string) error {
	var v T
	if err := httpx.Decode(w, r, &v); err != nil {
		return err
	}
	id := e.id(v)
	switch {
	case *id == "":
		*id = r.PathValue("id")
	case *id != r.PathValue("id"):
		return gdpr.FieldErrorf("id", "the body's id %q differs from the path's %q", *id, r.PathValue("id"))
	}
	if err := e.update(r.Context(), actor, v); err != nil {
		return err
	}
	return e.show(w, r)
}

func (e entity[T]) doArchive(w http.ResponseWriter, r *http.Request, actor string) error {
	if err := e.archive(r.Context(), actor, r.PathValue("id")); err != nil {
		return err
	}
	return e.show(w, r)
}

// entityRoutes registers list, create, read, replace and archive of one kind.
func entityRoutes[T any](route func(string, Permission, handler), e entity[T]) {
	route("GET "+e.path, Read, func(w http.ResponseWriter, r *http.Request, _ string) error { return e.list(w, r) })
	route("POST "+e.path, Write, e.post)
	route("GET "+e.path+"/{id}", Read, func(w http.ResponseWriter, r *http.Request, _ string) error { return e.show(w, r) })
	route("PUT "+e.path+"/{id}", Write, e.put)
	route("POST "+e.path+"/{id}/archive", Write, e.doArchive)
}

func (s *Server) activities() entity[*register.Activity] {
	return entity[*register.Activity]{
		find: s.Service.FindActivities, get: s.Service.FindActivityByID, create: s.Service.CreateActivity,
		update: s.Service.UpdateActivity, archive: s.Service.ArchiveActivity,
		id: func(a *register.Activity) *string { return &a.ID }, path: "/api/v1/activities",
	}
}

func (s *Server) measures() entity[*register.Measure] {
	return entity[*register.Measure]{
		find: s.Service.FindMeasures, get: s.Service.FindMeasureByID, create: s.Service.CreateMeasure,
		update: s.Service.UpdateMeasure, archive: s.Service.ArchiveMeasure,
		id: func(m *register.Measure) *string { return &m.ID }, path: "/api/v1/toms",
	}
}

// Findings lints the register as of now and describes each finding.
func Findings(ctx context.Context, svc register.Service, now time.Time, lang locale.Lang) ([]export.FindingView, map[register.Severity]int, error) {
	reg, err := svc.Register(ctx, false)
	if err != nil {
		return nil, nil, err
	}
	fs := register.Check(reg, register.DateOf(now))
	return export.Describe(fs, lang), register.CountBySeverity(fs), nil
}

func (s *Server) findings(w http.ResponseWriter, r *http.Request, _ string) error {
	fs, counts, err := Findings(r.Context(), s.Service, s.Now(), langOf(r))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"items": fs, "total": len(fs), "counts": counts})
	return nil
}

func (s *Server) revisions(w http.ResponseWriter, r *http.Request, _ string) error {
	limit, offset, err := httpx.Page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	items, total, err := s.Service.FindRevisions(r.Context(), register.RevisionFilter{Entity: q.Get("entity"), EntityID: q.Get("id"), Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	if items == nil {
		items = []*register.Revision{}
	}
	httpx.JSON(w, http.StatusOK, List[*register.Revision]{Items: items, Total: total, Limit: limit, Offset: offset})
	return nil
}

func (s *Server) export(w http.ResponseWriter, r *http.Request, _ string) error {
	f, err := export.ParseFormat(r.URL.Query().Get("format"))
	if err != nil {
		return gdpr.FieldErrorf("format", "%v", err)
	}
	reg, err := s.Service.Register(r.Context(), f == export.YAML || f == export.JSON)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	now := s.Now()
	if err := export.Write(&buf, f, reg, export.Options{Lang: langOf(r), Now: now}); err != nil {
		return fmt.Errorf("export %s: %w", f, err)
	}
	w.Header().Set("Content-Type", f.ContentType())
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=\"verzeichnis-%s.%s\"", now.Format("2006-01-02"), f))
	w.Write(buf.Bytes())
	return nil
}
