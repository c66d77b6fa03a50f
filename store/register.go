package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"gdpr"
	"gdpr/audit"
	"gdpr/register"
)

var _ register.Service = (*Store)(nil)

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
		return header{}, 0, translate(err, "get register header")
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
	if r.Systems, _, err = findEntries(ctx, s, systemKind, f); err != nil {
		return nil, err
	}
	return r, nil
}

// State implements register.Service.
func (s *Store) State(ctx context.Context) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, "SELECT seq FROM register_state WHERE id = 1").Scan(&n)
	return n, translate(err, "register state")
}

// Changes implements register.Service: one read transaction (a snapshot
// on both engines) reads the state and the rows marked after since up to
// it; a row a later transaction writes meanwhile comes with the next call.
func (s *Store) Changes(ctx context.Context, since int64) (register.Delta, error) {
	d := register.Delta{ActivityPos: map[string]int{}, MeasurePos: map[string]int{}}
	opts := &sql.TxOptions{ReadOnly: true}
	if s.dialect == postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.r.BeginTx(ctx, opts)
	if err != nil {
		return d, translate(err, "begin")
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, "SELECT seq FROM register_state WHERE id = 1").Scan(&d.State); err != nil {
		return d, translate(err, "register state")
	}
	var hs int64
	err = tx.QueryRowContext(ctx, "SELECT changed_state FROM register_info WHERE id = 1").Scan(&hs)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return d, translate(err, "register header")
	case hs > since && hs <= d.State:
		h, v, err := s.getHeader(ctx, tx)
		if err != nil {
			return d, err
		}
		d.Header = &register.Header{Title: h.Title, Controller: h.Controller, Version: v}
	}
	if d.Activities, err = changedEntries(ctx, s, tx, activityKind, since, d.State, d.ActivityPos); err != nil {
		return d, err
	}
	if d.Measures, err = changedEntries(ctx, s, tx, measureKind, since, d.State, d.MeasurePos); err != nil {
		return d, err
	}
	var n int
	if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM documents WHERE changed_state > ? AND changed_state <= ?"), since, d.State).Scan(&n); err != nil {
		return d, translate(err, "changed documents")
	}
	d.Documents = n > 0
	if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM systems WHERE changed_state > ? AND changed_state <= ?"), since, d.State).Scan(&n); err != nil {
		return d, translate(err, "changed systems")
	}
	d.Systems = n > 0
	return d, nil
}

func changedEntries[T any](ctx context.Context, s *Store, q querier, k kind[T], since, upto int64, pos map[string]int) ([]T, error) {
	rows, err := q.QueryContext(ctx, s.q("SELECT id, doc, version, created_at, changed_at, pos FROM "+k.table+" WHERE changed_state > ? AND changed_state <= ? ORDER BY pos, id"), since, upto)
	if err != nil {
		return nil, translate(err, "changed %s", k.table)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var id, doc, created, changed string
		var version, p int
		if err := rows.Scan(&id, &doc, &version, &created, &changed, &p); err != nil {
			return nil, translate(err, "changed %s", k.table)
		}
		e, err := scanEntry(k, doc, version, created, changed)
		if err != nil {
			return nil, err
		}
		pos[id] = p
		out = append(out, e.v)
	}
	return out, translate(rows.Err(), "changed %s", k.table)
}

// Header implements register.Service.
func (s *Store) Header(ctx context.Context) (register.Header, error) {
	h, v, err := s.getHeader(ctx, s.r)
	return register.Header{Title: h.Title, Controller: h.Controller, Version: v}, err
}

// UpdateHeader implements register.Service.
func (s *Store) UpdateHeader(ctx context.Context, h register.Header, version int) (register.Header, error) {
	if h.Controller == nil {
		return register.Header{}, gdpr.Keyed(gdpr.EINVALID, "controller", "invalid.controller")
	}
	var out register.Header
	err := s.write(ctx, func(w *wtx) error {
		_, cur, err := s.getHeader(ctx, w.Tx)
		if err != nil {
			return err
		}
		if cur != version {
			return staleVersion("controller", "controller", version, cur)
		}
		if _, err := s.saveHeader(ctx, w, &register.Register{Title: h.Title, Controller: h.Controller}, true); err != nil {
			return err
		}
		nh, nv, err := s.getHeader(ctx, w.Tx)
		out = register.Header{Title: nh.Title, Controller: nh.Controller, Version: nv}
		if err != nil {
			return err
		}
		return w.audit(ctx, audit.ControllerUpdate, "controller", "")
	})
	return out, err
}

// Plan implements register.Service: the same comparison as Apply, without
// its writes, in one read transaction.
func (s *Store) Plan(ctx context.Context, r *register.Register, o register.ApplyOptions) (register.ApplySummary, error) {
	if err := r.Validate(); err != nil {
		return register.ApplySummary{}, err
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return register.ApplySummary{}, translate(err, "begin")
	}
	defer tx.Rollback()
	p := &applier{s: s, q: tx, o: o}
	if err := p.run(ctx, r); err != nil {
		return register.ApplySummary{}, err
	}
	return p.sum, nil
}

// Apply implements register.Service. Entries are read a chunk at a time,
// compared as canonical JSON (an unchanged entry costs no decoding), and
// written with multi-row INSERTs and one prepared UPDATE: an import of
// 200,000 activities makes a few thousand statements, not 600,000.
func (s *Store) Apply(ctx context.Context, r *register.Register, o register.ApplyOptions) (register.ApplySummary, error) {
	if err := r.Validate(); err != nil {
		return register.ApplySummary{}, err
	}
	var sum register.ApplySummary
	err := s.write(ctx, func(w *wtx) error {
		p := &applier{s: s, q: w.Tx, w: w, o: o}
		if err := p.run(ctx, r); err != nil {
			return err
		}
		sum = p.sum
		if w.seq != 0 {
			sum.State = w.seq // the state this import made
		}
		return w.audit(ctx, audit.RegisterImport, "register", fmt.Sprintf("created %d, updated %d, unchanged %d", sum.Created, sum.Updated, sum.Unchanged))
	})
	if err != nil {
		return register.ApplySummary{}, err
	}
	return sum, nil
}

// applier compares a register with the store and, with a write
// transaction, makes the store equal to it.
type applier struct {
	s   *Store
	q   querier
	w   *wtx // nil: plan only
	o   register.ApplyOptions
	sum register.ApplySummary
}

func (p *applier) run(ctx context.Context, r *register.Register) error {
	if err := p.q.QueryRowContext(ctx, "SELECT seq FROM register_state WHERE id = 1").Scan(&p.sum.State); err != nil {
		return translate(err, "register state")
	}
	if p.o.IfState != 0 && p.o.IfState != p.sum.State {
		return gdpr.Keyed(gdpr.ECONFLICT, "", "conflict.preview")
	}
	if r.Title != "" || r.Controller != nil {
		action, err := p.s.planHeader(ctx, p, r)
		if err != nil {
			return err
		}
		p.count("controller", "controller", "", action, nil)
	}
	if err := applyKind(ctx, p, activityKind, r.Activities); err != nil {
		return err
	}
	if err := applyKind(ctx, p, measureKind, r.TOMs); err != nil {
		return err
	}
	if err := applyKind(ctx, p, documentKind, r.Documents); err != nil {
		return err
	}
	return applyKind(ctx, p, systemKind, r.Systems)
}

func (p *applier) count(entity, id, name, action string, changes []register.Change) {
	switch action {
	case register.PlanUnchanged, "":
		p.sum.Unchanged++
		action = register.PlanUnchanged
	case register.ActionCreate:
		p.sum.Created++
	default:
		p.sum.Updated++
	}
	if p.o.Details {
		p.sum.Items = append(p.sum.Items, register.PlanItem{Entity: entity, ID: id, Name: name, Action: action, Changes: changes})
	}
}

func applyKind[T any](ctx context.Context, p *applier, k kind[T], items []T) error {
	if len(items) == 0 {
		return nil
	}
	var upd *sql.Stmt
	if p.w != nil {
		var err error
		upd, err = p.w.PrepareContext(ctx, p.s.q(`UPDATE `+k.table+` SET name = ?, status = ?, facet = ?, search = ?, department = ?, legal_bases = ?, third_country = ?, doc = ?, version = ?, changed_at = ?, changed_state = ?
			WHERE id = ? AND version = ?`))
		if err != nil {
			return translate(err, "prepare update of %s", k.table)
		}
		defer upd.Close()
	}
	// A chunk at a time: read what is stored for its ids, compare, write.
	// What a chunk holds (documents, revisions) is freed before the next.
	for start := 0; start < len(items); start += idChunk {
		if err := applyChunk(ctx, p, k, items[start:min(start+idChunk, len(items))], upd); err != nil {
			return err
		}
	}
	return nil
}

func applyChunk[T any](ctx context.Context, p *applier, k kind[T], items []T, upd *sql.Stmt) error {
	copies := make([]T, len(items))
	ids := make([]string, len(items))
	for i, it := range items {
		copies[i] = k.copy(it)
		ids[i] = k.id(copies[i])
		if err := k.validate(copies[i]); err != nil {
			return err
		}
	}
	existing, err := getEntries(ctx, p.s, p.q, k, ids)
	if err != nil {
		return err
	}
	var inserts, revisions [][]any
	for i, v := range copies {
		id := ids[i]
		doc, err := canonical(k, v)
		if err != nil {
			return err
		}
		old, exists := existing[id]
		c := k.cols(v)
		if exists && old.doc == string(doc) {
			p.count(k.entity, id, c.name, register.PlanUnchanged, nil)
			continue
		}
		var changes []register.Change
		if exists || p.w != nil || p.o.Details {
			var oldDoc []byte
			if exists {
				oldDoc = []byte(old.doc)
			}
			if changes, err = register.DiffDocs(oldDoc, doc); err != nil {
				return err
			}
			if exists && len(changes) == 0 {
				p.count(k.entity, id, c.name, register.PlanUnchanged, nil)
				continue
			}
		}
		action := register.ActionCreate
		if exists {
			action = register.ActionUpdate
		}
		if p.o.Details {
			p.count(k.entity, id, c.name, action, changes)
		} else {
			p.count(k.entity, id, c.name, action, nil)
		}
		if p.w == nil {
			continue
		}
		w := p.w
		version := old.version + 1
		seq, err := w.next(ctx)
		if err != nil {
			return err
		}
		if exists {
			res, err := upd.ExecContext(ctx, c.name, c.status, c.facet, c.search, c.department, c.legalBases, c.thirdCountry, string(doc), version, w.now, seq, id, old.version)
			if err != nil {
				return translate(err, "save %s %q", k.entity, id)
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return staleVersion(k.entity, id, old.version, -1)
			}
		} else {
			pos, err := w.nextPos(ctx, k.table)
			if err != nil {
				return err
			}
			inserts = append(inserts, []any{id, pos, c.name, c.status, c.facet, c.search, c.department, c.legalBases, c.thirdCountry, string(doc), version, w.now, w.now, seq})
		}
		cj, err := json.Marshal(changes)
		if err != nil {
			return err
		}
		revisions = append(revisions, []any{k.entity, id, version, action, w.actor, w.now, string(cj), string(doc)})
		if p.w != nil {
			p.w.leaf(audit.RevisionRow{Entity: k.entity, EntityID: id, Version: int64(version), Action: action, Actor: w.actor, At: w.now,
				Changes: string(cj), Snapshot: string(doc)}.Leaf())
		}
	}
	if p.w == nil {
		return nil
	}
	if err := p.w.insertRows(ctx, k.table, []string{"id", "pos", "name", "status", "facet", "search", "department", "legal_bases", "third_country", "doc", "version", "created_at", "changed_at", "changed_state"}, inserts); err != nil {
		return err
	}
	return p.w.insertRows(ctx, "revisions", []string{"entity", "entity_id", "version", "action", "actor", "at", "changes", "snapshot"}, revisions)
}

// insertRows inserts rows with multi-row INSERT statements of up to
// idChunk rows; the statement of a full chunk is prepared once per
// transaction (parsing a 500-row INSERT cost as much as running it).
func (w *wtx) insertRows(ctx context.Context, table string, cols []string, rows [][]any) error {
	for start := 0; start < len(rows); start += idChunk {
		chunk := rows[start:min(start+idChunk, len(rows))]
		args := make([]any, 0, len(chunk)*len(cols))
		for _, r := range chunk {
			args = append(args, r...)
		}
		stmt, err := w.insertStmt(ctx, table, cols, len(chunk))
		if err != nil {
			return err
		}
		_, err = stmt.ExecContext(ctx, args...)
		if len(chunk) < idChunk {
			stmt.Close()
		}
		if err != nil {
			return translate(err, "insert into %s", table)
		}
	}
	return nil
}

// insertStmt prepares an INSERT of n rows; full chunks' statements are
// kept for the transaction.
func (w *wtx) insertStmt(ctx context.Context, table string, cols []string, n int) (*sql.Stmt, error) {
	key := table + "/" + strings.Join(cols, ",")
	if n == idChunk {
		if st, ok := w.stmts[key]; ok {
			return st, nil
		}
	}
	row := "(" + placeholders(len(cols)) + ")"
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	st, err := w.PrepareContext(ctx, w.s.q(b.String()))
	if err != nil {
		return nil, translate(err, "prepare insert into %s", table)
	}
	if n == idChunk {
		if w.stmts == nil {
			w.stmts = map[string]*sql.Stmt{}
		}
		w.stmts[key] = st
	}
	return st, nil
}

// planHeader compares (and with a write transaction saves) title and
// controller.
func (s *Store) planHeader(ctx context.Context, p *applier, r *register.Register) (string, error) {
	if p.w != nil {
		return s.saveHeader(ctx, p.w, r, false)
	}
	old, version, err := s.getHeader(ctx, p.q)
	if err != nil {
		return "", err
	}
	_, changes, err := nextHeader(old, version, r)
	if err != nil || version > 0 && len(changes) == 0 {
		return register.PlanUnchanged, err
	}
	if version == 0 {
		return register.ActionCreate, nil
	}
	return register.ActionUpdate, nil
}

func nextHeader(old header, version int, r *register.Register) (header, []register.Change, error) {
	next := old
	if r.Title != "" {
		next.Title = r.Title
	}
	if r.Controller != nil {
		if err := r.Controller.Validate(); err != nil {
			return next, nil, err
		}
		next.Controller = r.Controller
	}
	var oldV any
	if version > 0 {
		oldV = old
	}
	changes, err := register.Diff(oldV, next)
	return next, changes, err
}

// saveHeader writes title and controller; replace sets the title even when
// empty (the controller form), else only a title that r has (imports).
func (s *Store) saveHeader(ctx context.Context, w *wtx, r *register.Register, replace bool) (string, error) {
	old, version, err := s.getHeader(ctx, w.Tx)
	if err != nil {
		return "", err
	}
	next, changes, err := nextHeader(old, version, r)
	if err != nil {
		return "", err
	}
	if replace {
		next.Title = r.Title
		if changes, err = register.Diff(old, next); err != nil {
			return "", err
		}
	}
	if version > 0 && len(changes) == 0 {
		return register.PlanUnchanged, nil
	}
	doc, err := json.Marshal(next)
	if err != nil {
		return "", err
	}
	seq, err := w.next(ctx)
	if err != nil {
		return "", err
	}
	action := register.ActionUpdate
	if version == 0 {
		action = register.ActionCreate
		_, err = w.ExecContext(ctx, s.q("INSERT INTO register_info (id, doc, version, changed_at, changed_state) VALUES (1, ?, 1, ?, ?)"), string(doc), w.now, seq)
	} else {
		var res sql.Result
		res, err = w.ExecContext(ctx, s.q("UPDATE register_info SET doc = ?, version = ?, changed_at = ?, changed_state = ? WHERE id = 1 AND version = ?"), string(doc), version+1, w.now, seq, version)
		if err == nil {
			if n, _ := res.RowsAffected(); n != 1 {
				return "", staleVersion("controller", "controller", version, -1)
			}
		}
	}
	if err != nil {
		return "", translate(err, "save register header")
	}
	return action, w.addRevision(ctx, "controller", "controller", version+1, action, changes, doc)
}

// RestoreRevision makes the state recorded in a revision of an activity or
// measure the current one again; the restore is itself a new revision.
// Returns ENOTFOUND for an unknown revision.
func (s *Store) RestoreRevision(ctx context.Context, entity, id string, version int) error {
	var snap string
	err := s.r.QueryRowContext(ctx, s.q(`SELECT snapshot FROM revisions WHERE entity = ? AND entity_id = ? AND version = ?`), entity, id, version).Scan(&snap)
	if errors.Is(err, sql.ErrNoRows) {
		return gdpr.Keyed(gdpr.ENOTFOUND, "", "notfound.revision", version, id)
	}
	if err != nil {
		return translate(err, "restore")
	}
	detail := fmt.Sprintf("%s %s version %d", entity, id, version)
	switch entity {
	case "activity":
		return restoreEntry(ctx, s, activityKind, id, snap, detail)
	case "measure":
		return restoreEntry(ctx, s, measureKind, id, snap, detail)
	case "document":
		return restoreEntry(ctx, s, documentKind, id, snap, detail)
	case "system":
		return restoreEntry(ctx, s, systemKind, id, snap, detail)
	}
	return gdpr.Keyed(gdpr.EINVALID, "entity", "restore.entity", entity)
}

// restoreEntry makes the snapshot the entry's current state, as a new
// revision. The entry (a pointer) is emptied before the snapshot is read
// into it, so that no field of the newer state survives.
func restoreEntry[T any](ctx context.Context, s *Store, k kind[T], id, snap, detail string) error {
	_, err := modifyEntry(ctx, s, k, id, audit.RevisionRestore, register.ActionRestore, func(cur T) error {
		reflect.ValueOf(cur).Elem().SetZero()
		return json.Unmarshal([]byte(snap), cur)
	}, detail)
	return err
}

func getByID[T any](ctx context.Context, s *Store, k kind[T], id string) (T, error) {
	e, ok, err := getEntry(ctx, s, s.r, k, id)
	if err == nil && !ok {
		err = notFound(k.entity, id)
	}
	return e.v, err
}

// FindActivities implements register.Service.
func (s *Store) FindActivities(ctx context.Context, f register.Filter) ([]*register.Activity, int, error) {
	return findEntries(ctx, s, activityKind, f)
}

// Facets implements register.Service.
func (s *Store) Facets(ctx context.Context) (register.Facets, error) {
	f := register.Facets{Departments: []string{}, LegalBases: []string{}}
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT DISTINCT department, legal_bases FROM activities WHERE status <> ?`), string(register.StatusArchived))
	if err != nil {
		return f, translate(err, "facets")
	}
	defer rows.Close()
	deps, bases := map[string]bool{}, map[string]bool{}
	for rows.Next() {
		var dep, lbs string
		if err := rows.Scan(&dep, &lbs); err != nil {
			return f, translate(err, "facets")
		}
		if dep != "" {
			deps[dep] = true
		}
		for _, lb := range strings.Split(lbs, "\n") {
			if lb != "" {
				bases[lb] = true
			}
		}
	}
	if err := rows.Err(); err != nil {
		return f, translate(err, "facets")
	}
	for d := range deps {
		f.Departments = append(f.Departments, d)
	}
	for b := range bases {
		f.LegalBases = append(f.LegalBases, b)
	}
	slices.Sort(f.Departments)
	slices.Sort(f.LegalBases)
	return f, nil
}

// FindActivityByID implements register.Service.
func (s *Store) FindActivityByID(ctx context.Context, id string) (*register.Activity, error) {
	return getByID(ctx, s, activityKind, id)
}

// CreateActivity implements register.Service.
func (s *Store) CreateActivity(ctx context.Context, a *register.Activity) (*register.Activity, error) {
	return writeOne(ctx, s, activityKind, a, mustCreate, 0)
}

// UpdateActivity implements register.Service.
func (s *Store) UpdateActivity(ctx context.Context, a *register.Activity, version int) (*register.Activity, error) {
	return writeOne(ctx, s, activityKind, a, mustExist, version)
}

// ArchiveActivity implements register.Service.
func (s *Store) ArchiveActivity(ctx context.Context, id string) (*register.Activity, error) {
	return archiveEntry(ctx, s, activityKind, id)
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
func (s *Store) CreateMeasure(ctx context.Context, m *register.Measure) (*register.Measure, error) {
	return writeOne(ctx, s, measureKind, m, mustCreate, 0)
}

// UpdateMeasure implements register.Service.
func (s *Store) UpdateMeasure(ctx context.Context, m *register.Measure, version int) (*register.Measure, error) {
	return writeOne(ctx, s, measureKind, m, mustExist, version)
}

// ArchiveMeasure implements register.Service.
func (s *Store) ArchiveMeasure(ctx context.Context, id string) (*register.Measure, error) {
	return archiveEntry(ctx, s, measureKind, id)
}

// ReviewMeasure implements register.Service.
func (s *Store) ReviewMeasure(ctx context.Context, id string, day register.Date, evidence string) (*register.Measure, error) {
	return modifyEntry(ctx, s, measureKind, id, audit.MeasureReview, register.ActionUpdate, func(m *register.Measure) error {
		m.LastReviewed = &day
		if evidence = strings.TrimSpace(evidence); evidence != "" {
			m.Evidence = evidence
		}
		return nil
	}, day.String())
}

// FindDocumentsBy implements register.Service.
func (s *Store) FindDocumentsBy(ctx context.Context, f register.Filter) ([]*register.Document, int, error) {
	return findEntries(ctx, s, documentKind, f)
}

// FindDocumentByID implements register.Service.
func (s *Store) FindDocumentByID(ctx context.Context, id string) (*register.Document, error) {
	return getByID(ctx, s, documentKind, id)
}

// CreateDocument implements register.Service.
func (s *Store) CreateDocument(ctx context.Context, d *register.Document) (*register.Document, error) {
	return writeOne(ctx, s, documentKind, d, mustCreate, 0)
}

// UpdateDocument implements register.Service.
func (s *Store) UpdateDocument(ctx context.Context, d *register.Document, version int) (*register.Document, error) {
	return writeOne(ctx, s, documentKind, d, mustExist, version)
}

// ArchiveDocument implements register.Service.
func (s *Store) ArchiveDocument(ctx context.Context, id string) (*register.Document, error) {
	return archiveEntry(ctx, s, documentKind, id)
}

// FindSystems implements register.Service.
func (s *Store) FindSystems(ctx context.Context, f register.Filter) ([]*register.System, int, error) {
	return findEntries(ctx, s, systemKind, f)
}

// FindSystemByID implements register.Service.
func (s *Store) FindSystemByID(ctx context.Context, id string) (*register.System, error) {
	return getByID(ctx, s, systemKind, id)
}

// CreateSystem implements register.Service.
func (s *Store) CreateSystem(ctx context.Context, x *register.System) (*register.System, error) {
	return writeOne(ctx, s, systemKind, x, mustCreate, 0)
}

// UpdateSystem implements register.Service.
func (s *Store) UpdateSystem(ctx context.Context, x *register.System, version int) (*register.System, error) {
	return writeOne(ctx, s, systemKind, x, mustExist, version)
}

// ArchiveSystem implements register.Service.
func (s *Store) ArchiveSystem(ctx context.Context, id string) (*register.System, error) {
	return archiveEntry(ctx, s, systemKind, id)
}

// FindDocuments implements register.Service.
func (s *Store) FindDocuments(ctx context.Context) ([]*register.Document, error) {
	ds, _, err := findEntries(ctx, s, documentKind, register.Filter{})
	return ds, err
}

// IDs implements register.Service.
func (s *Store) IDs(ctx context.Context, entity string) (map[string]bool, error) {
	table := map[string]string{"activity": "activities", "measure": "measures", "document": "documents", "system": "systems"}[entity]
	if table == "" {
		return nil, gdpr.Keyed(gdpr.EINVALID, "entity", "store.entity", entity)
	}
	rows, err := s.r.QueryContext(ctx, "SELECT id FROM "+table)
	if err != nil {
		return nil, translate(err, "ids of %s", table)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err, "ids of %s", table)
		}
		out[id] = true
	}
	return out, translate(rows.Err(), "ids of %s", table)
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
	if f.Actor != "" {
		where, args = append(where, "actor = ?"), append(args, f.Actor)
	}
	// Times are stored in one fixed-width UTC layout: they compare as
	// text, and the index on at serves the range.
	if !f.From.IsZero() {
		where, args = append(where, "at >= ?"), append(args, fmtTime(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "at < ?"), append(args, fmtTime(f.To))
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.r.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM revisions"+cond), args...).Scan(&total); err != nil {
		return nil, 0, translate(err, "count revisions")
	}
	query := "SELECT entity, entity_id, version, action, actor, at, changes, snapshot FROM revisions" + cond + " ORDER BY at DESC, entity, entity_id, version DESC"
	if f.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d OFFSET %d", f.Limit, max(f.Offset, 0))
	}
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, 0, translate(err, "list revisions")
	}
	defer rows.Close()
	var out []*register.Revision
	for rows.Next() {
		var rv register.Revision
		var at, changes, snap string
		if err := rows.Scan(&rv.Entity, &rv.EntityID, &rv.Version, &rv.Action, &rv.Actor, &at, &changes, &snap); err != nil {
			return nil, 0, translate(err, "list revisions")
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
	return out, total, translate(rows.Err(), "list revisions")
}

// RevisionActors implements register.Service.
func (s *Store) RevisionActors(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT DISTINCT actor FROM revisions ORDER BY actor")
	if err != nil {
		return nil, translate(err, "revision actors")
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, translate(err, "revision actors")
		}
		out = append(out, a)
	}
	return out, translate(rows.Err(), "revision actors")
}
