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
	"reflect"
	"time"

	"gdpr"
	"gdpr/auth"
	"gdpr/export"
	"gdpr/httpx"
	"gdpr/locale"
	"gdpr/register"
)

// Permission is what a route needs (see auth.Role.Allows).
type Permission = auth.Permission

// Permissions, re-exported for the route table.
const (
	Read   = auth.Read
	Write  = auth.Write
	Manage = auth.Manage
)

// Authorizer decides whether a request may do what a route needs and names
// the actor to record in revisions. It returns EUNAUTHORIZED or EFORBIDDEN.
type Authorizer interface {
	Authorize(r *http.Request, p Permission) (actor string, err error)
}

// Server serves the API.
type Server struct {
	Service register.Service
	Users   UserStore
	Auth    Authorizer
	Log     *slog.Logger
	Now     func() time.Time
}

type handler func(w http.ResponseWriter, r *http.Request, actor string) error

// Route is one API route: the single table that routing, authorisation,
// the OpenAPI document and the route-walk test are derived from.
type Route struct {
	Method, Path string
	Perm         Permission
	Summary      string
	Request      any // zero value of the body type, or nil
	Response     any // zero value of the answer type
	handle       handler
}

// Table returns every API route.
func (s *Server) Table() []Route {
	var t []Route
	add := func(method, path string, p Permission, summary string, req, resp any, h handler) {
		t = append(t, Route{Method: method, Path: path, Perm: p, Summary: summary, Request: req, Response: resp, handle: h})
	}
	add("GET", "/api/v1/register", Read, "The whole register", nil, register.Register{}, s.getRegister)
	add("GET", "/api/v1/controller", Read, "Title and controller (Art. 30(1)(a))", nil, Header{}, s.getController)
	add("PUT", "/api/v1/controller", Write, "Replace title and controller", Header{}, Header{}, s.putController)
	add("POST", "/api/v1/import", Write, "Import a document (body: the file; name, dry_run=true)", nil, ImportResult{}, s.importDoc)
	entityRoutes(add, s.activities(), "activity")
	entityRoutes(add, s.measures(), "measure")
	add("POST", "/api/v1/retention/parse", Read, "Parse a retention statement into rules", RetentionRequest{}, export.RetentionView{}, s.retentionParse)
	add("POST", "/api/v1/retention/due", Read, "End of retention for given event dates", RetentionRequest{}, DueResponse{}, s.retentionDue)
	add("GET", "/api/v1/retention/classes", Read, "Deletion-class matrix of the register", nil, export.ClassesView{}, s.retentionClasses)
	add("GET", "/api/v1/findings", Read, "Lint findings with messages", nil, FindingList{}, s.findings)
	add("GET", "/api/v1/revisions", Read, "Change history, newest first", nil, List[register.Revision]{}, s.revisions)
	add("POST", "/api/v1/revisions/{entity}/{id}/{version}/restore", Write, "Make an earlier revision current again", nil, register.Revision{}, s.restore)
	add("GET", "/api/v1/export", Read, "Export the register (format=pdf|html|md|csv|xlsx|json|yaml)", nil, nil, s.export)
	add("GET", "/api/v1/me", Read, "The signed-in user or token", nil, Me{}, s.me)
	add("GET", "/api/v1/users", Manage, "List users", nil, List[auth.User]{}, s.listUsers)
	add("GET", "/api/v1/tokens", Manage, "List API tokens (never their secrets)", nil, List[auth.Token]{}, s.listTokens)
	add("GET", "/api/v1/audit", Manage, "Audit log, newest first", nil, List[auth.AuditEntry]{}, s.auditLog)
	add("GET", "/api/v1/openapi.json", Read, "This OpenAPI 3.1 document", nil, nil, s.openapi)
	return t
}

// Routes registers the API on mux: every route checks its permission first.
func (s *Server) Routes(mux *http.ServeMux) {
	for _, rt := range s.Table() {
		rt := rt
		mux.HandleFunc(rt.Method+" "+rt.Path, func(w http.ResponseWriter, r *http.Request) {
			actor, err := s.Auth.Authorize(r, rt.Perm)
			authorized := err == nil
			if authorized {
				err = rt.handle(w, r, actor)
			}
			if rt.Perm >= Write && gdpr.ErrorCode(err) != gdpr.EUNAUTHORIZED {
				s.audit(r, rt, actor, authorized, err)
			}
			if err != nil {
				httpx.Error(w, r, s.Log, err)
			}
		})
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		httpx.Error(w, r, s.Log, gdpr.Errorf(gdpr.ENOTFOUND, "no such API route: %s %s", r.Method, r.URL.Path))
	})
}

// audit records a write: who, which route, which entry, and the outcome.
// Denied attempts are recorded too; anonymous ones are not (they carry no
// actor and would let anyone fill the log).
func (s *Server) audit(r *http.Request, rt Route, actor string, authorized bool, err error) {
	e := auth.AuditEntry{Actor: actor, Action: rt.Method + " " + rt.Path, Target: r.PathValue("id"), Outcome: auth.OutcomeOK}
	switch {
	case !authorized:
		e.Outcome, e.Actor = auth.OutcomeDenied, "unknown"
		if id, ok := s.Auth.(interface {
			Actor(*http.Request) string
		}); ok {
			e.Actor = id.Actor(r)
		}
	case err != nil:
		e.Outcome, e.Detail = auth.OutcomeFailed, gdpr.ErrorCode(err)
	}
	if aerr := s.Users.Audit(r.Context(), e); aerr != nil {
		s.Log.Error("audit failed", "err", aerr)
	}
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

// entityRoutes adds list, create, read, replace and archive of one kind.
func entityRoutes[T any](add func(string, string, Permission, string, any, any, handler), e entity[T], noun string) {
	var zero T
	item := reflect.New(reflect.TypeOf(zero).Elem()).Elem().Interface()
	add("GET", e.path, Read, "List "+noun+" entries (q, status, archived, limit, offset)", nil, listOf(item), func(w http.ResponseWriter, r *http.Request, _ string) error { return e.list(w, r) })
	add("POST", e.path, Write, "Create a "+noun, item, item, e.post)
	add("GET", e.path+"/{id}", Read, "Get a "+noun, nil, item, func(w http.ResponseWriter, r *http.Request, _ string) error { return e.show(w, r) })
	add("PUT", e.path+"/{id}", Write, "Replace a "+noun, item, item, e.put)
	add("POST", e.path+"/{id}/archive", Write, "Archive a "+noun+" (entries are never deleted)", nil, item, e.doArchive)
}

// listOf returns a List of the item's type, for the OpenAPI document.
func listOf(item any) any {
	switch item.(type) {
	case register.Activity:
		return List[register.Activity]{}
	case register.Measure:
		return List[register.Measure]{}
	}
	return nil
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

// FindingList is the answer of /api/v1/findings.
type FindingList struct {
	Items  []export.FindingView      `json:"items"`
	Total  int                       `json:"total"`
	Counts map[register.Severity]int `json:"counts"`
}

func (s *Server) findings(w http.ResponseWriter, r *http.Request, _ string) error {
	fs, counts, err := Findings(r.Context(), s.Service, s.Now(), langOf(r))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, FindingList{Items: fs, Total: len(fs), Counts: counts})
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
