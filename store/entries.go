package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gdpr"
	"gdpr/register"
)

// kind describes how one entry type maps onto its table. The three tables
// share one shape, so one set of functions serves activities, measures and
// documents.
type kind[T any] struct {
	table, entity string
	id            func(T) string
	cols          func(T) (name, status, facet string)
	stamp         func(T, *time.Time, *time.Time)
	validate      func(T) error
}

var activityKind = kind[*register.Activity]{
	table: "activities", entity: "activity",
	id: func(a *register.Activity) string { return a.ID },
	cols: func(a *register.Activity) (string, string, string) {
		return a.Name, string(a.Status), string(a.Role)
	},
	stamp:    func(a *register.Activity, c, ch *time.Time) { a.Created, a.Changed = c, ch },
	validate: func(a *register.Activity) error { a.Normalize(); return a.Validate() },
}

var measureKind = kind[*register.Measure]{
	table: "measures", entity: "measure",
	id: func(m *register.Measure) string { return m.ID },
	cols: func(m *register.Measure) (string, string, string) {
		return m.Title, string(m.Status), string(m.Category)
	},
	stamp:    func(m *register.Measure, c, ch *time.Time) { m.Created, m.Changed = c, ch },
	validate: func(m *register.Measure) error { m.Normalize(); return m.Validate() },
}

var documentKind = kind[*register.Document]{
	table: "documents", entity: "document",
	id:    func(d *register.Document) string { return d.ID },
	cols:  func(d *register.Document) (string, string, string) { return d.Title, "", "" },
	stamp: func(*register.Document, *time.Time, *time.Time) {},
	validate: func(d *register.Document) error {
		if !register.ValidID(d.ID) || strings.TrimSpace(d.Title) == "" {
			return gdpr.FieldErrorf("id", "document needs a valid id and a title")
		}
		return nil
	},
}

// stored is one row: the entry and its bookkeeping.
type stored[T any] struct {
	v       T
	version int
	doc     string // canonical JSON as stored
}

// canonical is the JSON kept in doc and in revision snapshots: the entry
// without store bookkeeping, so that equal content gives equal bytes.
func canonical[T any](k kind[T], v T) ([]byte, error) {
	k.stamp(v, nil, nil)
	return json.Marshal(v)
}

func scanEntry[T any](k kind[T], doc string, version int, created, changed string) (stored[T], error) {
	var v T
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return stored[T]{}, fmt.Errorf("decode %s: %w", k.entity, err)
	}
	c, err1 := parseTime(created)
	ch, err2 := parseTime(changed)
	if err := errors.Join(err1, err2); err != nil {
		return stored[T]{}, fmt.Errorf("decode %s times: %w", k.entity, err)
	}
	k.stamp(v, &c, &ch)
	return stored[T]{v: v, version: version, doc: doc}, nil
}

func getEntry[T any](ctx context.Context, s *Store, q querier, k kind[T], id string) (stored[T], bool, error) {
	var doc, created, changed string
	var version int
	err := q.QueryRowContext(ctx, s.q("SELECT doc, version, created_at, changed_at FROM "+k.table+" WHERE id = ?"), id).
		Scan(&doc, &version, &created, &changed)
	if errors.Is(err, sql.ErrNoRows) {
		return stored[T]{}, false, nil
	}
	if err != nil {
		return stored[T]{}, false, fmt.Errorf("get %s %s: %w", k.entity, id, err)
	}
	e, err := scanEntry(k, doc, version, created, changed)
	return e, err == nil, err
}

func findEntries[T any](ctx context.Context, s *Store, k kind[T], f register.Filter) ([]T, int, error) {
	var where []string
	var args []any
	switch {
	case f.Status != nil:
		where, args = append(where, "status = ?"), append(args, string(*f.Status))
	case !f.IncludeArchived:
		where, args = append(where, "status <> ?"), append(args, string(register.StatusArchived))
	}
	if f.Query != "" {
		where = append(where, "LOWER(name) LIKE ?")
		args = append(args, "%"+strings.ToLower(f.Query)+"%")
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.r.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM "+k.table+cond), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count %s: %w", k.table, err)
	}
	query := "SELECT doc, version, created_at, changed_at FROM " + k.table + cond + " ORDER BY pos, id"
	if f.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d OFFSET %d", f.Limit, max(f.Offset, 0))
	}
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list %s: %w", k.table, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var doc, created, changed string
		var version int
		if err := rows.Scan(&doc, &version, &created, &changed); err != nil {
			return nil, 0, fmt.Errorf("list %s: %w", k.table, err)
		}
		e, err := scanEntry(k, doc, version, created, changed)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, e.v)
	}
	return out, total, rows.Err()
}

// saveMode says whether saveEntry may create, update or both.
type saveMode int

const (
	mustCreate saveMode = iota
	mustExist
	upsert
)

// saveEntry writes v inside tx and records a revision. It returns the
// action taken, or "" when v equals what is stored (nothing is written).
func saveEntry[T any](ctx context.Context, s *Store, tx *sql.Tx, k kind[T], actor string, v T, mode saveMode, action string) (string, error) {
	if err := k.validate(v); err != nil {
		return "", err
	}
	id := k.id(v)
	old, exists, err := getEntry(ctx, s, tx, k, id)
	if err != nil {
		return "", err
	}
	switch {
	case exists && mode == mustCreate:
		return "", gdpr.Errorf(gdpr.ECONFLICT, "%s %q exists already", k.entity, id)
	case !exists && mode == mustExist:
		return "", notFound(k.entity, id)
	}
	doc, err := canonical(k, v)
	if err != nil {
		return "", err
	}
	// Equal canonical JSON means equal content: skip the field diff, which
	// is what makes re-importing an unchanged register cheap.
	if exists && old.doc == string(doc) {
		return "", nil
	}
	var oldV any
	if exists {
		k.stamp(old.v, nil, nil)
		oldV = old.v
	}
	changes, err := register.Diff(oldV, v)
	if err != nil {
		return "", err
	}
	if exists && len(changes) == 0 {
		return "", nil
	}
	now := fmtTime(s.now())
	name, status, facet := k.cols(v)
	version := old.version + 1
	if !exists {
		action = register.ActionCreate
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO `+k.table+` (id, pos, name, status, facet, doc, version, created_at, changed_at)
			VALUES (?, (SELECT COALESCE(MAX(pos), 0) + 1 FROM `+k.table+`), ?, ?, ?, ?, ?, ?, ?)`),
			id, name, status, facet, string(doc), version, now, now)
	} else {
		_, err = tx.ExecContext(ctx, s.q(`UPDATE `+k.table+` SET name = ?, status = ?, facet = ?, doc = ?, version = ?, changed_at = ? WHERE id = ?`),
			name, status, facet, string(doc), version, now, id)
	}
	if err != nil {
		return "", fmt.Errorf("save %s %s: %w", k.entity, id, err)
	}
	if err := s.addRevision(ctx, tx, k.entity, id, version, action, actor, now, changes, doc); err != nil {
		return "", err
	}
	return action, nil
}

func (s *Store) addRevision(ctx context.Context, tx *sql.Tx, entity, id string, version int, action, actor, at string, changes []register.Change, snapshot []byte) error {
	if changes == nil {
		changes = []register.Change{}
	}
	cj, err := json.Marshal(changes)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, s.q(`INSERT INTO revisions (entity, entity_id, version, action, actor, at, changes, snapshot) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		entity, id, version, action, actor, at, string(cj), string(snapshot))
	if err != nil {
		return fmt.Errorf("record revision of %s %s: %w", entity, id, err)
	}
	return nil
}

func archiveEntry[T any](ctx context.Context, s *Store, k kind[T], actor, id string, setStatus func(T)) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, exists, err := getEntry(ctx, s, tx, k, id)
		if err != nil {
			return err
		}
		if !exists {
			return notFound(k.entity, id)
		}
		setStatus(old.v)
		_, err = saveEntry(ctx, s, tx, k, actor, old.v, mustExist, register.ActionArchive)
		return err
	})
}
