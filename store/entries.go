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
	"gdpr/audit"
	"gdpr/register"
)

// entryCols are the columns beside an entry's JSON document that lists
// filter and sort on. They are derived from the entry on every write.
type entryCols struct {
	name, status, facet    string
	search                 string // register.SearchText: folded in Go
	department, legalBases string
	thirdCountry           string
}

// kind describes how one entry type maps onto its table. The three tables
// share one shape, so one set of functions serves activities, measures and
// documents.
type kind[T any] struct {
	table, entity string
	id            func(T) string
	// copy returns a shallow copy, normalised: what the store changes
	// (defaults, bookkeeping) is never the caller's value.
	copy     func(T) T
	cols     func(T) entryCols
	stamp    func(v T, created, changed *time.Time, version int)
	validate func(T) error
	// archived marks an entry archived.
	archived func(T)
	// Audit actions of single-entry writes.
	create, update, archive string
}

// archiveEntry archives the current version of an entry, read and
// written in one transaction.
func archiveEntry[T any](ctx context.Context, s *Store, k kind[T], id string) (T, error) {
	return modifyEntry(ctx, s, k, id, k.archive, register.ActionArchive, func(v T) error { k.archived(v); return nil }, "")
}

var activityKind = kind[*register.Activity]{
	table: "activities", entity: "activity",
	id:   func(a *register.Activity) string { return a.ID },
	copy: func(a *register.Activity) *register.Activity { c := *a; c.Normalize(); return &c },
	cols: func(a *register.Activity) entryCols {
		return entryCols{name: a.Name, status: string(a.Status), facet: string(a.Role), search: a.SearchText(),
			department: a.Department, legalBases: listColumn(a.LegalBases), thirdCountry: a.ThirdCountry()}
	},
	stamp:    func(a *register.Activity, c, ch *time.Time, v int) { a.Created, a.Changed, a.Version = c, ch, v },
	validate: func(a *register.Activity) error { return a.Validate() },
	archived: func(a *register.Activity) { a.Status = register.StatusArchived },
	create:   audit.ActivityCreate, update: audit.ActivityUpdate, archive: audit.ActivityArchive,
}

var measureKind = kind[*register.Measure]{
	table: "measures", entity: "measure",
	id:   func(m *register.Measure) string { return m.ID },
	copy: func(m *register.Measure) *register.Measure { c := *m; c.Normalize(); return &c },
	cols: func(m *register.Measure) entryCols {
		return entryCols{name: m.Title, status: string(m.Status), facet: string(m.Category), search: m.SearchText()}
	},
	stamp:    func(m *register.Measure, c, ch *time.Time, v int) { m.Created, m.Changed, m.Version = c, ch, v },
	validate: func(m *register.Measure) error { return m.Validate() },
	archived: func(m *register.Measure) { m.Status = register.StatusArchived },
	create:   audit.MeasureCreate, update: audit.MeasureUpdate, archive: audit.MeasureArchive,
}

var documentKind = kind[*register.Document]{
	table: "documents", entity: "document",
	id:   func(d *register.Document) string { return d.ID },
	copy: func(d *register.Document) *register.Document { c := *d; return &c },
	cols: func(d *register.Document) entryCols {
		return entryCols{name: d.Title, status: string(d.Status), search: register.Fold(d.Title + "\n" + d.ID + "\n" + d.Description)}
	},
	stamp:    func(d *register.Document, c, ch *time.Time, v int) { d.Created, d.Changed, d.Version = c, ch, v },
	validate: func(d *register.Document) error { return d.Validate() },
	archived: func(d *register.Document) { d.Status = register.StatusArchived },
	create:   audit.DocumentCreate, update: audit.DocumentUpdate, archive: audit.DocumentArchive,
}

var systemKind = kind[*register.System]{
	table: "systems", entity: "system",
	id:   func(x *register.System) string { return x.ID },
	copy: func(x *register.System) *register.System { c := *x; c.Normalize(); return &c },
	cols: func(x *register.System) entryCols {
		return entryCols{name: x.Name, status: string(x.Status), facet: string(x.Engine), search: register.Fold(x.Name + "\n" + x.ID + "\n" + x.Description)}
	},
	stamp:    func(x *register.System, c, ch *time.Time, v int) { x.Created, x.Changed, x.Version = c, ch, v },
	validate: func(x *register.System) error { return x.Validate() },
	archived: func(x *register.System) { x.Status = register.StatusArchived },
	create:   audit.SystemCreate, update: audit.SystemUpdate, archive: audit.SystemArchive,
}

// listColumn keeps a list in one column so that a filter finds an item
// with LIKE '%\nITEM\n%': one line per item, framed by newlines.
func listColumn(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('\n')
	for _, x := range xs {
		b.WriteString(strings.ReplaceAll(x, "\n", " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// likeEscape makes s a literal LIKE pattern part (escape character \).
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// stored is one row: the entry and its bookkeeping.
type stored[T any] struct {
	v       T // decoded only where needed (getEntries leaves it zero)
	version int
	doc     string // canonical JSON as stored
	created string
}

// canonical is the JSON kept in doc and in revision snapshots: the entry
// without store bookkeeping, so that equal content gives equal bytes. v is
// the store's own copy.
func canonical[T any](k kind[T], v T) ([]byte, error) {
	k.stamp(v, nil, nil, 0)
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
	k.stamp(v, &c, &ch, version)
	return stored[T]{v: v, version: version, doc: doc, created: created}, nil
}

const entrySelect = "SELECT id, doc, version, created_at, changed_at FROM "

func getEntry[T any](ctx context.Context, s *Store, q querier, k kind[T], id string) (stored[T], bool, error) {
	var rid, doc, created, changed string
	var version int
	err := q.QueryRowContext(ctx, s.q(entrySelect+k.table+" WHERE id = ?"), id).Scan(&rid, &doc, &version, &created, &changed)
	if errors.Is(err, sql.ErrNoRows) {
		return stored[T]{}, false, nil
	}
	if err != nil {
		return stored[T]{}, false, translate(err, "get %s %s", k.entity, id)
	}
	e, err := scanEntry(k, doc, version, created, changed)
	return e, err == nil, err
}

// getEntries reads the stored rows of many ids with few queries (chunks of
// idChunk): an import of 200,000 entries asks once per chunk, not once per
// entry.
func getEntries[T any](ctx context.Context, s *Store, q querier, k kind[T], ids []string) (map[string]stored[T], error) {
	out := make(map[string]stored[T], len(ids))
	for start := 0; start < len(ids); start += idChunk {
		chunk := ids[start:min(start+idChunk, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := q.QueryContext(ctx, s.q(entrySelect+k.table+" WHERE id IN ("+placeholders(len(chunk))+")"), args...)
		if err != nil {
			return nil, translate(err, "read %s", k.table)
		}
		for rows.Next() {
			var id, doc, created, changed string
			var version int
			if err := rows.Scan(&id, &doc, &version, &created, &changed); err != nil {
				rows.Close()
				return nil, translate(err, "read %s", k.table)
			}
			// Only the document and version are needed to compare and
			// diff; decoding waits until an entry really changed.
			out[id] = stored[T]{version: version, doc: doc, created: created}
		}
		if err := rows.Close(); err != nil {
			return nil, translate(err, "read %s", k.table)
		}
		if err := rows.Err(); err != nil {
			return nil, translate(err, "read %s", k.table)
		}
	}
	return out, nil
}

// idChunk bounds the ids of one IN list and the rows of one multi-row
// INSERT (9 to 13 parameters a row stay far below both engines' limits).
const idChunk = 500

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// filterWhere turns a filter into a WHERE clause over the entry columns.
func filterWhere(f register.Filter) (string, []any) {
	var where []string
	var args []any
	switch {
	case f.Status != nil:
		where, args = append(where, "status = ?"), append(args, string(*f.Status))
	case !f.IncludeArchived:
		where, args = append(where, "status <> ?"), append(args, string(register.StatusArchived))
	}
	if q := register.Fold(f.Query); q != "" {
		where, args = append(where, `search LIKE ? ESCAPE '\'`), append(args, "%"+likeEscape(q)+"%")
	}
	if f.Department != "" {
		where, args = append(where, "department = ?"), append(args, f.Department)
	}
	if f.LegalBasis != "" {
		where, args = append(where, `legal_bases LIKE ? ESCAPE '\'`), append(args, "%\n"+likeEscape(f.LegalBasis)+"\n%")
	}
	if f.ThirdCountry != "" {
		where, args = append(where, "third_country = ?"), append(args, f.ThirdCountry)
	}
	if len(where) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

func findEntries[T any](ctx context.Context, s *Store, k kind[T], f register.Filter) ([]T, int, error) {
	cond, args := filterWhere(f)
	var total int
	if err := s.r.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM "+k.table+cond), args...).Scan(&total); err != nil {
		return nil, 0, translate(err, "count %s", k.table)
	}
	query := entrySelect + k.table + cond + " ORDER BY pos, id"
	if f.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d OFFSET %d", f.Limit, max(f.Offset, 0))
	}
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, 0, translate(err, "list %s", k.table)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var id, doc, created, changed string
		var version int
		if err := rows.Scan(&id, &doc, &version, &created, &changed); err != nil {
			return nil, 0, translate(err, "list %s", k.table)
		}
		e, err := scanEntry(k, doc, version, created, changed)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, e.v)
	}
	return out, total, translate(rows.Err(), "list %s", k.table)
}

// saveMode says whether saveEntry may create, update or both.
type saveMode int

const (
	mustCreate saveMode = iota
	mustExist
)

// saveEntry writes the store's copy v inside w and records a revision. For
// mustExist, expect is the version the caller read: another stored version
// is a conflict, and so is a row changed between the read and the write
// (the UPDATE names the version). It returns the entry as stored, and
// whether it changed.
func saveEntry[T any](ctx context.Context, w *wtx, k kind[T], v T, mode saveMode, expect int, action string) (T, bool, error) {
	var zero T
	if err := k.validate(v); err != nil {
		return zero, false, err
	}
	id := k.id(v)
	old, exists, err := getEntry(ctx, w.s, w.Tx, k, id)
	if err != nil {
		return zero, false, err
	}
	switch {
	case exists && mode == mustCreate:
		return zero, false, gdpr.Keyed(gdpr.ECONFLICT, "", "conflict.exists."+k.entity, id)
	case !exists && mode == mustExist:
		return zero, false, notFound(k.entity, id)
	case exists && expect != old.version:
		return zero, false, staleVersion(k.entity, id, expect, old.version)
	}
	doc, err := canonical(k, v)
	if err != nil {
		return zero, false, err
	}
	if exists && old.doc == string(doc) {
		return old.v, false, nil
	}
	var oldDoc []byte
	if exists {
		oldDoc = []byte(old.doc)
	}
	changes, err := register.DiffDocs(oldDoc, doc)
	if err != nil {
		return zero, false, err
	}
	if exists && len(changes) == 0 {
		return old.v, false, nil
	}
	c := k.cols(v)
	version := old.version + 1
	seq, err := w.next(ctx)
	if err != nil {
		return zero, false, err
	}
	if !exists {
		action = register.ActionCreate
		pos, err := w.nextPos(ctx, k.table)
		if err != nil {
			return zero, false, err
		}
		_, err = w.ExecContext(ctx, w.s.q(`INSERT INTO `+k.table+` (id, pos, name, status, facet, search, department, legal_bases, third_country, doc, version, created_at, changed_at, changed_state)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			id, pos, c.name, c.status, c.facet, c.search, c.department, c.legalBases, c.thirdCountry, string(doc), version, w.now, w.now, seq)
		if err != nil {
			return zero, false, translate(err, "%s %q", k.entity, id)
		}
	} else {
		res, err := w.ExecContext(ctx, w.s.q(`UPDATE `+k.table+` SET name = ?, status = ?, facet = ?, search = ?, department = ?, legal_bases = ?, third_country = ?, doc = ?, version = ?, changed_at = ?, changed_state = ?
			WHERE id = ? AND version = ?`),
			c.name, c.status, c.facet, c.search, c.department, c.legalBases, c.thirdCountry, string(doc), version, w.now, seq, id, old.version)
		if err != nil {
			return zero, false, translate(err, "save %s %q", k.entity, id)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			// Changed by another transaction after our read (PostgreSQL
			// re-checks the WHERE on the newest row).
			return zero, false, staleVersion(k.entity, id, expect, -1)
		}
	}
	if err := w.addRevision(ctx, k.entity, id, version, action, changes, doc); err != nil {
		return zero, false, err
	}
	created := w.at
	if exists {
		if created, err = parseTime(old.created); err != nil {
			return zero, false, fmt.Errorf("decode %s times: %w", k.entity, err)
		}
	}
	at := w.at
	k.stamp(v, &created, &at, version)
	return v, true, nil
}

// staleVersion is the conflict of a write made from version expect when
// the stored one is current (-1: changed by a concurrent transaction).
func staleVersion(entity, id string, expect, current int) error {
	if current < 0 {
		return gdpr.Keyed(gdpr.ECONFLICT, "", "conflict.race."+entity, id, expect)
	}
	return gdpr.Keyed(gdpr.ECONFLICT, "", "conflict.stale."+entity, id, expect, current)
}

func (w *wtx) addRevision(ctx context.Context, entity, id string, version int, action string, changes []register.Change, snapshot []byte) error {
	if changes == nil {
		changes = []register.Change{}
	}
	cj, err := json.Marshal(changes)
	if err != nil {
		return err
	}
	_, err = w.ExecContext(ctx, w.s.q(`INSERT INTO revisions (entity, entity_id, version, action, actor, at, changes, snapshot) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		entity, id, version, action, w.actor, w.now, string(cj), string(snapshot))
	if err != nil {
		return translate(err, "record revision of %s %s", entity, id)
	}
	w.leaf(audit.RevisionRow{Entity: entity, EntityID: id, Version: int64(version), Action: action, Actor: w.actor, At: w.now,
		Changes: string(cj), Snapshot: string(snapshot)}.Leaf())
	return nil
}

// nextPos returns the position after the last entry of a table, read
// once per transaction and table.
func (w *wtx) nextPos(ctx context.Context, table string) (int, error) {
	if w.pos == nil {
		w.pos = map[string]int{}
	}
	p, ok := w.pos[table]
	if !ok {
		if err := w.QueryRowContext(ctx, "SELECT COALESCE(MAX(pos), 0) FROM "+table).Scan(&p); err != nil {
			return 0, translate(err, "position in %s", table)
		}
	}
	p++
	w.pos[table] = p
	return p, nil
}

// modifyEntry reads the current version of an entry, lets fn change the
// store's copy and writes it, all in one transaction: no one else's change
// can come between.
func modifyEntry[T any](ctx context.Context, s *Store, k kind[T], id, auditAction, revAction string, fn func(T) error, detail string) (T, error) {
	var out T
	err := s.write(ctx, func(w *wtx) error {
		old, exists, err := getEntry(ctx, s, w.Tx, k, id)
		if err != nil {
			return err
		}
		if !exists {
			return notFound(k.entity, id)
		}
		v := k.copy(old.v)
		if err := fn(v); err != nil {
			return err
		}
		out, _, err = saveEntry(ctx, w, k, v, mustExist, old.version, revAction)
		if err != nil {
			return err
		}
		return w.audit(ctx, auditAction, id, detail)
	})
	return out, err
}

// writeOne creates or updates one entry and records its audit entry.
func writeOne[T any](ctx context.Context, s *Store, k kind[T], v T, mode saveMode, expect int) (T, error) {
	var out T
	action, revAction := k.create, register.ActionCreate
	if mode == mustExist {
		action, revAction = k.update, register.ActionUpdate
		if expect < 1 {
			return out, gdpr.Keyed(gdpr.EINVALID, "version", "store.noversion", k.id(v))
		}
	}
	err := s.write(ctx, func(w *wtx) error {
		var err error
		out, _, err = saveEntry(ctx, w, k, k.copy(v), mode, expect, revAction)
		if err != nil {
			return err
		}
		return w.audit(ctx, action, k.id(v), "")
	})
	return out, err
}
