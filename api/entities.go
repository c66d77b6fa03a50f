package api

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"gdpr"
	"gdpr/audit"
	"gdpr/httpx"
	"gdpr/register"
)

// The concurrency contract: every entry carries a version, which GET
// returns as its ETag ("3"). A PUT names the version it was made from in
// If-Match (or as "version" in the body); without one it is refused with
// 428, and when the stored entry has another version with 409 and the
// current entry (and its ETag) in the answer. Nothing is overwritten
// silently. Archive and restore read and write in one transaction and take
// an optional If-Match.

// etag is the ETag of a version.
func etag(version int) string { return `"` + strconv.Itoa(version) + `"` }

// ifMatch reads the version an If-Match header names: 0 when there is
// none. Only one strong tag is accepted; "*" and weak tags are refused,
// since they would let a write through without naming what it changes.
func ifMatch(r *http.Request) (int, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.Trim(h, `"`))
	if err != nil || n < 1 || !strings.HasPrefix(h, `"`) || !strings.HasSuffix(h, `"`) {
		return 0, gdpr.Keyed(gdpr.EINVALID, "If-Match", "api.ifmatch.bad")
	}
	return n, nil
}

// conflictError is a stale write, with the entry as it is now.
type conflictError struct {
	err     error
	current any
	etag    string
}

func (c *conflictError) Error() string     { return c.err.Error() }
func (c *conflictError) ErrorCode() string { return gdpr.ECONFLICT }
func (c *conflictError) Unwrap() error     { return c.err }

func asConflict(err error, target **conflictError) bool { return errors.As(err, target) }

// entity bundles the use cases of one entry kind so that activities and
// measures share their handlers.
type entity[T any] struct {
	noun, path string
	actions    [3]string // create, update, archive
	find       func(context.Context, register.Filter) ([]T, int, error)
	get        func(context.Context, string) (T, error)
	create     func(context.Context, T) (T, error)
	update     func(context.Context, T, int) (T, error)
	archive    func(context.Context, string, int) (T, error)
	id         func(T) *string
	version    func(T) *int
}

func filterOf(r *http.Request) (register.Filter, error) {
	limit, offset, err := httpx.Page(r)
	if err != nil {
		return register.Filter{}, err
	}
	q := r.URL.Query()
	f := register.Filter{Query: q.Get("q"), Department: q.Get("department"), LegalBasis: q.Get("legal_basis"), ThirdCountry: q.Get("third_country"),
		Limit: limit, Offset: offset, IncludeArchived: q.Get("archived") == "true"}
	if st := q.Get("status"); st != "" {
		s := register.Status(st)
		f.Status = &s
	}
	return f, nil
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

func (e entity[T]) send(w http.ResponseWriter, status int, v T) {
	w.Header().Set("ETag", etag(*e.version(v)))
	httpx.JSON(w, status, v)
}

func (e entity[T]) show(w http.ResponseWriter, r *http.Request) error {
	v, err := e.get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	e.send(w, http.StatusOK, v)
	return nil
}

func (e entity[T]) post(w http.ResponseWriter, r *http.Request) error {
	var v T
	if err := httpx.Decode(r, &v); err != nil {
		return err
	}
	stored, err := e.create(r.Context(), v)
	if err != nil {
		return err
	}
	w.Header().Set("Location", e.path+"/"+*e.id(stored))
	e.send(w, http.StatusCreated, stored)
	return nil
}

// stale wraps a conflict with the entry as it is now.
func (e entity[T]) stale(ctx context.Context, id string, err error) error {
	if gdpr.ErrorCode(err) != gdpr.ECONFLICT {
		return err
	}
	cur, gerr := e.get(ctx, id)
	if gerr != nil {
		return err
	}
	return &conflictError{err: err, current: cur, etag: etag(*e.version(cur))}
}

func (e entity[T]) put(w http.ResponseWriter, r *http.Request) error {
	var v T
	if err := httpx.Decode(r, &v); err != nil {
		return err
	}
	id := e.id(v)
	switch {
	case *id == "":
		*id = r.PathValue("id")
	case *id != r.PathValue("id"):
		return gdpr.Keyed(gdpr.EINVALID, "id", "api.id.differs", *id, r.PathValue("id"))
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	if body := *e.version(v); body != 0 && version != 0 && body != version {
		return gdpr.Keyed(gdpr.EINVALID, "version", "api.version.differs", body, version)
	} else if version == 0 {
		version = body
	}
	if version == 0 {
		return gdpr.Keyed(gdpr.EPRECONDITION, "If-Match", "api.ifmatch.missing", e.noun)
	}
	stored, err := e.update(r.Context(), v, version)
	if err != nil {
		return e.stale(r.Context(), *id, err)
	}
	e.send(w, http.StatusOK, stored)
	return nil
}

func (e entity[T]) doArchive(w http.ResponseWriter, r *http.Request) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	stored, err := e.archive(r.Context(), r.PathValue("id"), version)
	if err != nil {
		return e.stale(r.Context(), r.PathValue("id"), err)
	}
	e.send(w, http.StatusOK, stored)
	return nil
}

// entityRoutes adds list, create, read, replace and archive of one kind.
func entityRoutes[T any](add func(Route, handler), e entity[T]) {
	var zero T
	item := reflect.New(reflect.TypeOf(zero).Elem()).Elem().Interface()
	add(Route{Method: "GET", Path: e.path, Perm: Read, Summary: "List " + e.noun + " entries (q, status, archived, department, legal_basis, third_country, limit, offset)", Response: listOf(item)}, e.list)
	add(Route{Method: "POST", Path: e.path, Perm: Write, Action: e.actions[0], Summary: "Create a " + e.noun + " (without id: derived from the name); 201 with Location and ETag", Request: item, Response: item}, e.post)
	add(Route{Method: "GET", Path: e.path + "/{id}", Perm: Read, Summary: "Get a " + e.noun + "; ETag: its version", Response: item}, e.show)
	add(Route{Method: "PUT", Path: e.path + "/{id}", Perm: Write, Action: e.actions[1], Summary: "Replace a " + e.noun + " (If-Match: the ETag read; 409 with the current one when it changed)", Request: item, Response: item}, e.put)
	add(Route{Method: "POST", Path: e.path + "/{id}/archive", Perm: Write, Action: e.actions[2], Summary: "Archive a " + e.noun + " (entries are never deleted; If-Match optional)", Response: item}, e.doArchive)
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
		noun: "activity", path: "/api/v1/activities",
		actions: [3]string{audit.ActivityCreate, audit.ActivityUpdate, audit.ActivityArchive},
		find:    s.App.Activities, get: s.App.Activity, create: s.App.CreateActivity,
		update: s.App.UpdateActivity, archive: s.App.ArchiveActivity,
		id:      func(a *register.Activity) *string { return &a.ID },
		version: func(a *register.Activity) *int { return &a.Version },
	}
}

func (s *Server) measures() entity[*register.Measure] {
	return entity[*register.Measure]{
		noun: "measure", path: "/api/v1/toms",
		actions: [3]string{audit.MeasureCreate, audit.MeasureUpdate, audit.MeasureArchive},
		find:    s.App.Measures, get: s.App.Measure, create: s.App.CreateMeasure,
		update: s.App.UpdateMeasure, archive: s.App.ArchiveMeasure,
		id:      func(m *register.Measure) *string { return &m.ID },
		version: func(m *register.Measure) *int { return &m.Version },
	}
}

func (s *Server) documents() entity[*register.Document] {
	return entity[*register.Document]{
		noun: "document", path: "/api/v1/documents",
		actions: [3]string{audit.DocumentCreate, audit.DocumentUpdate, audit.DocumentArchive},
		find:    s.App.DocumentsBy, get: s.App.Document, create: s.App.CreateDocument,
		update: s.App.UpdateDocument, archive: s.App.ArchiveDocument,
		id:      func(d *register.Document) *string { return &d.ID },
		version: func(d *register.Document) *int { return &d.Version },
	}
}

func (s *Server) systems() entity[*register.System] {
	return entity[*register.System]{
		noun: "system", path: "/api/v1/systems",
		actions: [3]string{audit.SystemCreate, audit.SystemUpdate, audit.SystemArchive},
		find:    s.App.Systems, get: s.App.System, create: s.App.CreateSystem,
		update: s.App.UpdateSystem, archive: s.App.ArchiveSystem,
		id:      func(x *register.System) *string { return &x.ID },
		version: func(x *register.System) *int { return &x.Version },
	}
}
