package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"gdpr"

	"gdpr/register"
)

// header is what register_info holds: the parts of a register that are not
// entries.
type header struct {
	Title      string               `json:"title,omitempty"`
	Controller *register.Controller `json:"controller,omitempty"`
}

func (s *Store) getHeader(ctx context.Context, q querier) (header, int, error) {
	var doc string
	var version int
	err := q.QueryRowContext(ctx, "SELECT doc, version FROM register_info WHERE id = 1").Scan(&doc, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return header{}, 0, nil
	}
	if err != nil {
		return header{}, 0, fmt.Errorf("get register header: %w", err)
	}
	var h header
	if err := json.Unmarshal([]byte(doc), &h); err != nil {
		return header{}, 0, fmt.Errorf("decode register header: %w", err)
	}
	return h, version, nil
}

// Register implements register.Service.
func (s *Store) Register(ctx context.Context, includeArchived bool) (*register.Register, error) {
	h, _, err := s.getHeader(ctx, s.r)
	if err != nil {
		return nil, err
	}
	f := register.Filter{IncludeArchived: includeArchived}
	r := &register.Register{Title: h.Title, Controller: h.Controller}
	if r.Activities, _, err = findEntries(ctx, s, activityKind, f); err != nil {
		return nil, err
	}
	if r.TOMs, _, err = findEntries(ctx, s, measureKind, f); err != nil {
		return nil, err
	}
	if r.Documents, _, err = findEntries(ctx, s, documentKind, f); err != nil {
		return nil, err
	}
	return r, nil
}

// errDryRun rolls back the transaction of a dry run.
var errDryRun = errors.New("dry run")

// Plan reports what Apply would do, by running it in a transaction that is
// rolled back: the preview is exact, not an estimate.
func (s *Store) Plan(ctx context.Context, actor string, r *register.Register) (register.ApplySummary, error) {
	return s.apply(ctx, actor, r, true)
}

// Apply implements register.Service.
func (s *Store) Apply(ctx context.Context, actor string, r *register.Register) (register.ApplySummary, error) {
	return s.apply(ctx, actor, r, false)
}

func (s *Store) apply(ctx context.Context, actor string, r *register.Register, dryRun bool) (register.ApplySummary, error) {
	var sum register.ApplySummary
	if err := r.Validate(); err != nil {
		return sum, err
	}
	count := func(action string) {
		switch action {
		case "":
			sum.Unchanged++
		case register.ActionCreate:
			sum.Created++
		default:
			sum.Updated++
		}
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if r.Title != "" || r.Controller != nil {
			action, err := s.saveHeader(ctx, tx, actor, r)
			if err != nil {
				return err
			}
			count(action)
		}
		for _, a := range r.Activities {
			action, err := saveEntry(ctx, s, tx, activityKind, actor, cloneJSON(a), upsert, register.ActionUpdate)
			if err != nil {
				return err
			}
			count(action)
		}
		for _, m := range r.TOMs {
			action, err := saveEntry(ctx, s, tx, measureKind, actor, cloneJSON(m), upsert, register.ActionUpdate)
			if err != nil {
				return err
			}
			count(action)
		}
		for _, d := range r.Documents {
			action, err := saveEntry(ctx, s, tx, documentKind, actor, cloneJSON(d), upsert, register.ActionUpdate)
			if err != nil {
				return err
			}
			count(action)
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return register.ApplySummary{}, err
	}
	return sum, nil
}

// RestoreRevision makes the state recorded in a revision of an activity or
// measure the current one again; the restore is itself a new revision.
// Returns ENOTFOUND for an unknown revision.
func (s *Store) RestoreRevision(ctx context.Context, actor, entity, id string, version int) error {
	var snap string
	err := s.r.QueryRowContext(ctx, s.q(`SELECT snapshot FROM revisions WHERE entity = ? AND entity_id = ? AND version = ?`), entity, id, version).Scan(&snap)
	if errors.Is(err, sql.ErrNoRows) {
		return gdpr.Errorf(gdpr.ENOTFOUND, "no revision %d of %s %q", version, entity, id)
	}
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	switch entity {
	case "activity":
		var a register.Activity
		if err := json.Unmarshal([]byte(snap), &a); err != nil {
			return err
		}
		return write(ctx, s, activityKind, actor, &a, mustExist, register.ActionRestore)
	case "measure":
		var m register.Measure
		if err := json.Unmarshal([]byte(snap), &m); err != nil {
			return err
		}
		return write(ctx, s, measureKind, actor, &m, mustExist, register.ActionRestore)
	}
	return gdpr.Errorf(gdpr.EINVALID, "revisions of %s cannot be restored", entity)
}

func (s *Store) saveHeader(ctx context.Context, tx *sql.Tx, actor string, r *register.Register) (string, error) {
	old, version, err := s.getHeader(ctx, tx)
	if err != nil {
		return "", err
	}
	next := old
	if r.Title != "" {
		next.Title = r.Title
	}
	if r.Controller != nil {
		if err := r.Controller.Validate(); err != nil {
			return "", err
		}
		next.Controller = r.Controller
	}
	var oldV any
	if version > 0 {
		oldV = old
	}
	changes, err := register.Diff(oldV, next)
	if err != nil {
		return "", err
	}
	if version > 0 && len(changes) == 0 {
		return "", nil
	}
	doc, err := json.Marshal(next)
	if err != nil {
		return "", err
	}
	now := fmtTime(s.now())
	action := register.ActionUpdate
	if version == 0 {
		action = register.ActionCreate
		_, err = tx.ExecContext(ctx, s.q("INSERT INTO register_info (id, doc, version, changed_at) VALUES (1, ?, 1, ?)"), string(doc), now)
	} else {
		_, err = tx.ExecContext(ctx, s.q("UPDATE register_info SET doc = ?, version = ?, changed_at = ? WHERE id = 1"), string(doc), version+1, now)
	}
	if err != nil {
		return "", fmt.Errorf("save register header: %w", err)
	}
	return action, s.addRevision(ctx, tx, "controller", "controller", version+1, action, actor, now, changes, doc)
}

// cloneJSON copies v so that normalising and stamping inside the store never
// changes the caller's value.
func cloneJSON[T any](v T) T {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // register types always marshal
	}
	var c T
	if err := json.Unmarshal(b, &c); err != nil {
		panic(err)
	}
	return c
}

func getByID[T any](ctx context.Context, s *Store, k kind[T], id string) (T, error) {
	e, ok, err := getEntry(ctx, s, s.r, k, id)
	if err == nil && !ok {
		err = notFound(k.entity, id)
	}
	return e.v, err
}

func write[T any](ctx context.Context, s *Store, k kind[T], actor string, v T, mode saveMode, action string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := saveEntry(ctx, s, tx, k, actor, cloneJSON(v), mode, action)
		return err
	})
}

// FindActivities implements register.Service.
func (s *Store) FindActivities(ctx context.Context, f register.Filter) ([]*register.Activity, int, error) {
	return findEntries(ctx, s, activityKind, f)
}

// FindActivityByID implements register.Service.
func (s *Store) FindActivityByID(ctx context.Context, id string) (*register.Activity, error) {
	return getByID(ctx, s, activityKind, id)
}

// CreateActivity implements register.Service.
func (s *Store) CreateActivity(ctx context.Context, actor string, a *register.Activity) error {
	return write(ctx, s, activityKind, actor, a, mustCreate, register.ActionCreate)
}

// UpdateActivity implements register.Service.
func (s *Store) UpdateActivity(ctx context.Context, actor string, a *register.Activity) error {
	return write(ctx, s, activityKind, actor, a, mustExist, register.ActionUpdate)
}

// ArchiveActivity implements register.Service.
func (s *Store) ArchiveActivity(ctx context.Context, actor, id string) error {
	return archiveEntry(ctx, s, activityKind, actor, id, func(a *register.Activity) { a.Status = register.StatusArchived })
}

// FindMeasures implements register.Service.
func (s *Store) FindMeasures(ctx context.Context, f register.Filter) ([]*register.Measure, int, error) {
	return findEntries(ctx, s, measureKind, f)
}

// FindMeasureByID implements register.Service.
func (s *Store) FindMeasureByID(ctx context.Context, id string) (*register.Measure, error) {
	return getByID(ctx, s, measureKind, id)
}

// CreateMeasure implements register.Service.
func (s *Store) CreateMeasure(ctx context.Context, actor string, m *register.Measure) error {
	return write(ctx, s, measureKind, actor, m, mustCreate, register.ActionCreate)
}

// UpdateMeasure implements register.Service.
func (s *Store) UpdateMeasure(ctx context.Context, actor string, m *register.Measure) error {
	return write(ctx, s, measureKind, actor, m, mustExist, register.ActionUpdate)
}

// ArchiveMeasure implements register.Service.
func (s *Store) ArchiveMeasure(ctx context.Context, actor, id string) error {
	return archiveEntry(ctx, s, measureKind, actor, id, func(m *register.Measure) { m.Status = register.StatusArchived })
}

// FindRevisions implements register.Service.
func (s *Store) FindRevisions(ctx context.Context, f register.RevisionFilter) ([]*register.Revision, int, error) {
	var where []string
	var args []any
	if f.Entity != "" {
		where, args = append(where, "entity = ?"), append(args, f.Entity)
	}
	if f.EntityID != "" {
		where, args = append(where, "entity_id = ?"), append(args, f.EntityID)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + joinAnd(where)
	}
	var total int
	if err := s.r.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM revisions"+cond), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count revisions: %w", err)
	}
	query := "SELECT entity, entity_id, version, action, actor, at, changes, snapshot FROM revisions" + cond + " ORDER BY at DESC, entity, entity_id, version DESC"
	if f.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d OFFSET %d", f.Limit, max(f.Offset, 0))
	}
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list revisions: %w", err)
	}
	defer rows.Close()
	var out []*register.Revision
	for rows.Next() {
		var rv register.Revision
		var at, changes, snap string
		if err := rows.Scan(&rv.Entity, &rv.EntityID, &rv.Version, &rv.Action, &rv.Actor, &at, &changes, &snap); err != nil {
			return nil, 0, fmt.Errorf("list revisions: %w", err)
		}
		if rv.At, err = parseTime(at); err != nil {
			return nil, 0, err
		}
		if err := json.Unmarshal([]byte(changes), &rv.Changes); err != nil {
			return nil, 0, fmt.Errorf("decode revision: %w", err)
		}
		rv.Snapshot = json.RawMessage(snap)
		out = append(out, &rv)
	}
	return out, total, rows.Err()
}

func joinAnd(xs []string) string {
	out := xs[0]
	for _, x := range xs[1:] {
		out += " AND " + x
	}
	return out
}
