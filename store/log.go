package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"gdpr"
	"gdpr/audit"
	"gdpr/register"
)

// The tamper-evident log (see package audit). Every transaction that
// writes audit entries or revisions adds their leaves at its end, under
// the lock of the log's state row (so that on PostgreSQL the leaves of
// concurrent transactions are numbered in the order they commit), and
// signs the new tree head when the store has the log key. The state row
// holds the tree's frontier, so an append reads one row and computes the
// stored hashes in memory.

// Migration 11: the log's tables, append-only triggers on them and on the
// audit table, and the leaves of every row written before.
var logTables = map[dialect]struct{ up, down []string }{
	sqlite: {
		up: append(logDDL("BLOB", "INTEGER"),
			`CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`,
			`CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`,
			`CREATE TRIGGER log_leaves_no_update BEFORE UPDATE ON log_leaves BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END`,
			`CREATE TRIGGER log_leaves_no_delete BEFORE DELETE ON log_leaves BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END`,
			`CREATE TRIGGER log_checkpoints_no_update BEFORE UPDATE ON log_checkpoints BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END`,
			`CREATE TRIGGER log_checkpoints_no_delete BEFORE DELETE ON log_checkpoints BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END`,
		),
		down: []string{`DROP TRIGGER audit_no_update`, `DROP TRIGGER audit_no_delete`, `CREATE INDEX audit_at ON audit (at)`,
			`DROP TABLE log_checkpoints`, `DROP TABLE log_state`, `DROP TABLE log_leaves`},
	},
	postgres: {
		up: append(logDDL("BYTEA", "BIGINT"),
			`CREATE FUNCTION log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the log is append-only'; END $$`,
			`CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION log_append_only()`,
			`CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION log_append_only()`,
			`CREATE TRIGGER log_leaves_no_change BEFORE UPDATE OR DELETE ON log_leaves FOR EACH ROW EXECUTE FUNCTION log_append_only()`,
			`CREATE TRIGGER log_leaves_no_truncate BEFORE TRUNCATE ON log_leaves FOR EACH STATEMENT EXECUTE FUNCTION log_append_only()`,
			`CREATE TRIGGER log_checkpoints_no_change BEFORE UPDATE OR DELETE ON log_checkpoints FOR EACH ROW EXECUTE FUNCTION log_append_only()`,
			`CREATE TRIGGER log_checkpoints_no_truncate BEFORE TRUNCATE ON log_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION log_append_only()`,
		),
		down: []string{`DROP TRIGGER audit_no_change ON audit`, `DROP TRIGGER audit_no_truncate ON audit`, `CREATE INDEX audit_at ON audit (at)`,
			`DROP TABLE log_checkpoints`, `DROP TABLE log_state`, `DROP TABLE log_leaves`, `DROP FUNCTION log_append_only()`},
	},
}

func logDDL(blob, bigint string) []string {
	return []string{
		// ref is the audit id or "entity/entity id/version"; a
		// revision's key is also kept in its own columns, so that rows
		// and leaves are joined by index both ways. hashes are tlog's
		// stored hashes the leaf completed (level 0 first).
		`CREATE TABLE log_leaves (
			idx       ` + bigint + ` PRIMARY KEY,
			kind      TEXT NOT NULL,
			ref       TEXT NOT NULL,
			entity    TEXT NOT NULL DEFAULT '',
			entity_id TEXT NOT NULL DEFAULT '',
			version   ` + bigint + ` NOT NULL DEFAULT 0,
			digest    ` + blob + ` NOT NULL,
			hashes    ` + blob + ` NOT NULL,
			prior     ` + blob + `
		)`,
		// One leaf per row; a revision may be redacted more than once.
		// prior is a redaction's digest before.
		`CREATE UNIQUE INDEX log_leaves_ref ON log_leaves (kind, ref) WHERE kind IN ('audit', 'revision')`,
		`CREATE INDEX log_leaves_redaction ON log_leaves (ref) WHERE kind = 'redaction'`,
		// Only revisions are joined by their key; audit leaves would all
		// share one empty key in it.
		`CREATE INDEX log_leaves_revision ON log_leaves (entity, entity_id, version) WHERE kind = 'revision'`,
		// Nothing reads the audit log by time alone (lists go by id, which
		// begins with the time); the index cost every entry a page write.
		`DROP INDEX audit_at`,
		// One row: the tree's size and frontier, the fingerprint of the
		// triggers the last append saw, the newest signed checkpoint
		// ('' while the store has no log key) and when a checkpoint was
		// last kept in the history.
		`CREATE TABLE log_state (
			id         INTEGER PRIMARY KEY,
			size       ` + bigint + ` NOT NULL,
			frontier   ` + blob + ` NOT NULL,
			schema     TEXT NOT NULL,
			checkpoint TEXT NOT NULL,
			kept_at    TEXT NOT NULL
		)`,
		// The history: at most one checkpoint an hour.
		`CREATE TABLE log_checkpoints (
			size ` + bigint + ` PRIMARY KEY,
			at   TEXT NOT NULL,
			note TEXT NOT NULL
		)`,
	}
}

// migrate11Up makes the tables and gives every row written before a leaf:
// revisions in the order they were written, then the audit entries.
func (s *Store) migrate11Up(ctx context.Context, tx *sql.Tx) error {
	for _, q := range logTables[s.dialect].up {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	var root audit.Root
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO log_state (id, size, frontier, schema, checkpoint, kept_at) VALUES (1, 0, ?, '', '', '')`), root.Frontier()); err != nil {
		return err
	}
	// A page at a time, each page's leaves appended before the next is
	// read: memory stays bounded for a store of any size, and no cursor
	// is open while the page is written (PostgreSQL runs one statement a
	// connection at a time).
	t := &txn{Tx: tx, s: s}
	var last audit.RevisionRow
	for {
		err := each(ctx, tx, s.q(`SELECT entity, entity_id, version, action, actor, at, changes, snapshot FROM revisions
			WHERE (at, entity, entity_id, version) > (?, ?, ?, ?) ORDER BY at, entity, entity_id, version LIMIT `+strconv.Itoa(backfillPage)),
			[]any{last.At, last.Entity, last.EntityID, last.Version}, func(sc func(...any) error) error {
				if err := sc(&last.Entity, &last.EntityID, &last.Version, &last.Action, &last.Actor, &last.At, &last.Changes, &last.Snapshot); err != nil {
					return err
				}
				t.leaf(last.Leaf())
				return nil
			})
		if err != nil {
			return err
		}
		if len(t.leaves) == 0 {
			break
		}
		if err := s.appendLog(ctx, t); err != nil {
			return err
		}
	}
	lastID := ""
	for {
		err := each(ctx, tx, s.q(`SELECT id, at, actor, action, target, outcome, detail FROM audit WHERE id > ? ORDER BY id LIMIT `+strconv.Itoa(backfillPage)),
			[]any{lastID}, func(sc func(...any) error) error {
				var r audit.Row
				if err := sc(&r.ID, &r.At, &r.Actor, &r.Action, &r.Target, &r.Outcome, &r.Detail); err != nil {
					return err
				}
				t.leaf(r.Leaf())
				lastID = r.ID
				return nil
			})
		if err != nil {
			return err
		}
		if len(t.leaves) == 0 {
			return nil
		}
		if err := s.appendLog(ctx, t); err != nil {
			return err
		}
	}
}

// backfillPage is how many rows migration 11 reads at a time (a
// variable for the test of its paging).
var backfillPage = 5000

// Migration 12 lets the engine redact a revision: the people written in
// the clear before the vault are replaced by their subjects, so that an
// erasure reaches the history too. A revision may change only while a
// permit for it stands, which the redacting transaction writes and
// removes again; the log records each redaction as a leaf of its own
// (the digest before and after), so that the check still holds.
var revisionPermits = map[dialect]struct{ up, down []string }{
	sqlite: {
		up: []string{
			`CREATE TABLE revision_permits (entity TEXT NOT NULL, entity_id TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (entity, entity_id, version))`,
			`DROP TRIGGER revisions_no_update`,
			`CREATE TRIGGER revisions_no_update BEFORE UPDATE ON revisions WHEN NOT EXISTS (SELECT 1 FROM revision_permits p
				WHERE p.entity = OLD.entity AND p.entity_id = OLD.entity_id AND p.version = OLD.version AND NEW.entity = OLD.entity AND NEW.entity_id = OLD.entity_id AND NEW.version = OLD.version)
				BEGIN SELECT RAISE(ABORT, 'revisions are immutable'); END`,
		},
		down: []string{`DROP TRIGGER revisions_no_update`, immutableRevisions[sqlite].up[0], `DROP TABLE revision_permits`},
	},
	postgres: {
		up: []string{
			`CREATE TABLE revision_permits (entity TEXT NOT NULL, entity_id TEXT NOT NULL, version BIGINT NOT NULL, PRIMARY KEY (entity, entity_id, version))`,
			`CREATE OR REPLACE FUNCTION revisions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
				IF TG_OP = 'UPDATE' AND NEW.entity = OLD.entity AND NEW.entity_id = OLD.entity_id AND NEW.version = OLD.version
					AND EXISTS (SELECT 1 FROM revision_permits p WHERE p.entity = OLD.entity AND p.entity_id = OLD.entity_id AND p.version = OLD.version) THEN
					RETURN NEW;
				END IF;
				RAISE EXCEPTION 'revisions are immutable';
			END $$`,
		},
		down: []string{`CREATE OR REPLACE FUNCTION revisions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'revisions are immutable'; END $$`,
			`DROP TABLE revision_permits`},
	},
}

// txn is a write transaction that collects the leaves of what it writes.
type txn struct {
	*sql.Tx
	s        *Store
	leaves   []audit.Leaf
	migrated bool     // the transaction records a migration of this engine
	missed   []string // statements it ran unprepared (see cached)
}

func (t *txn) leaf(l audit.Leaf) { t.leaves = append(t.leaves, l) }

// WithLogKey gives the store the log's signing key (note's private key
// text, kept outside the database): every append then signs a
// checkpoint. Without it the tree grows unsigned, and a check says so.
func WithLogKey(skey string) Option {
	return func(s *Store) {
		if skey == "" {
			return
		}
		sg, err := note.NewSigner(skey)
		if err != nil {
			s.optErr = gdpr.Keyed(gdpr.EINVALID, "vault-keys", "store.logkey", err)
			return
		}
		s.signer = sg
	}
}

// keepEvery is how often a checkpoint is kept in the history.
const keepEvery = time.Hour

// appendLog adds the transaction's leaves to the tree and signs the new
// head, inside the transaction: what commits is in the log and signed,
// or nothing commits.
func (s *Store) appendLog(ctx context.Context, t *txn) error {
	if len(t.leaves) == 0 {
		return nil
	}
	// The UPDATE takes the row lock first (PostgreSQL), so that the
	// frontier read next is the one this transaction extends. SQLite's
	// writer holds the database's write lock from BEGIN IMMEDIATE on.
	if s.dialect == postgres {
		if _, err := t.ExecContext(ctx, `UPDATE log_state SET size = size WHERE id = 1`); err != nil {
			return translate(err, "log state")
		}
	}
	var size int64
	var frontier []byte
	var schema, keptAt string
	if err := t.QueryRowContext(ctx, `SELECT size, frontier, schema, kept_at FROM log_state WHERE id = 1`).Scan(&size, &frontier, &schema, &keptAt); err != nil {
		return translate(err, "log state")
	}
	root, err := audit.ParseFrontier(frontier)
	if err != nil || root.Size() != size {
		return gdpr.Keyed(gdpr.EINTERNAL, "", "store.logstate", size)
	}
	now, err := s.logSchema(ctx, t, true)
	if err != nil {
		return err
	}
	if schema != "" && now != schema && !t.migrated {
		// The triggers changed outside a migration of this engine (a
		// migration records its own entry, see migrate): say so in the
		// log itself, so that it stays on record after the next check.
		if err := s.insertAudit(ctx, t, audit.Entry{Actor: "system", Action: audit.LogSchema, Target: "log", Outcome: audit.Failed,
			Detail: schema + " -> " + now}, s.now()); err != nil {
			return err
		}
	}
	insert := s.q(`INSERT INTO log_leaves (idx, kind, ref, entity, entity_id, version, digest, hashes, prior) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	for _, l := range t.leaves {
		idx := root.Size()
		hs := root.Add(l.Hash())
		var entity, id string
		var version int64
		var prior []byte
		switch l.Kind {
		case audit.LeafRevision:
			entity, id, version = splitRevisionRef(l.Ref)
		case audit.LeafRedaction:
			entity, id, version = splitRevisionRef(l.Ref)
			prior = l.Prior[:]
		}
		if _, err := t.ExecContext(ctx, insert, idx, l.Kind, l.Ref, entity, id, version, l.Digest[:], audit.JoinHashes(hs), prior); err != nil {
			return translate(err, "log leaf %d", idx)
		}
	}
	t.leaves = t.leaves[:0]
	at := s.now()
	signed := ""
	if s.signer != nil {
		cp := audit.Checkpoint{Size: root.Size(), Hash: root.Hash(), Time: at, Schema: now}
		if signed, err = audit.Sign(cp, s.signer); err != nil {
			return err
		}
		if last, err := parseTime(keptAt); err != nil || at.Sub(last) >= keepEvery {
			if _, err := t.ExecContext(ctx, s.q(`INSERT INTO log_checkpoints (size, at, note) VALUES (?, ?, ?)`), cp.Size, fmtTime(at), signed); err != nil {
				return translate(err, "log checkpoint")
			}
			keptAt = fmtTime(at)
		}
	}
	if _, err := t.ExecContext(ctx, s.q(`UPDATE log_state SET size = ?, frontier = ?, schema = ?, checkpoint = CASE WHEN ? = '' THEN checkpoint ELSE ? END, kept_at = ? WHERE id = 1`),
		root.Size(), root.Frontier(), now, signed, signed, keptAt); err != nil {
		return translate(err, "log state")
	}
	return nil
}

func splitRevisionRef(ref string) (entity, id string, version int64) {
	i, j := strings.IndexByte(ref, '/'), strings.LastIndexByte(ref, '/')
	if i < 0 || j <= i {
		return ref, "", 0
	}
	fmt.Sscan(ref[j+1:], &version)
	return ref[:i], ref[i+1 : j], version
}

// logSchema is the fingerprint of the triggers that keep the logged
// tables append-only. SQLite cannot tell a trigger dropped and re-created
// with the same text from the old one, except by the schema's change
// counter, which is therefore part of it; VACUUM and new indexes move it
// too, and are then recorded as a schema change (a false alarm that
// stays explainable). PostgreSQL gives every trigger and function an oid
// of its own, and says whether a trigger is disabled.
// An append may take the fingerprint from the cache; a check never does.
func (s *Store) logSchema(ctx context.Context, q querier, cached bool) (out string, errOut error) {
	h := sha256.New()
	var query string
	switch s.dialect {
	case sqlite:
		var v int64
		if err := q.QueryRowContext(ctx, `PRAGMA schema_version`).Scan(&v); err != nil {
			return "", translate(err, "schema version")
		}
		// Every change of the schema moves its counter: the same
		// counter means the same triggers, so the fingerprint made for
		// it stands (one pragma per append instead of a scan).
		if c := s.schemaFP.Load(); cached && c != nil && c.version == v {
			return c.fp, nil
		}
		if cached {
			defer func() {
				if errOut == nil {
					s.schemaFP.Store(&schemaFP{version: v, fp: out})
				}
			}()
		}
		fmt.Fprintf(h, "v%d\n", v)
		query = `SELECT name || ' ' || tbl_name || ' ' || sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('audit', 'revisions', 'log_leaves', 'log_checkpoints') ORDER BY name`
	case postgres:
		// PostgreSQL has no counter of schema changes: an append takes
		// the fingerprint at most a second old. That only delays the
		// log.schema entry; a check computes it afresh and compares it
		// with the newest checkpoint, so a change is reported as before.
		now := s.now()
		if c := s.schemaFP.Load(); cached && c != nil && now.Sub(c.at) >= 0 && now.Sub(c.at) < time.Second {
			return c.fp, nil
		}
		if cached {
			defer func() {
				if errOut == nil {
					s.schemaFP.Store(&schemaFP{at: now, fp: out})
				}
			}()
		}
		query = `SELECT t.tgname || ' ' || c.relname || ' ' || t.oid::text || ' ' || t.tgenabled::text || ' ' || p.oid::text || ' ' || md5(p.prosrc)
			FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
			WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace AND c.relname IN ('audit', 'revisions', 'log_leaves', 'log_checkpoints')
			ORDER BY t.tgname`
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return "", translate(err, "triggers")
	}
	defer rows.Close()
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", translate(err, "triggers")
		}
		fmt.Fprintln(h, line)
	}
	if err := rows.Err(); err != nil {
		return "", translate(err, "triggers")
	}
	return hex.EncodeToString(h.Sum(nil)[:12]), nil
}

// schemaFP is a fingerprint made for a SQLite schema counter, or at a
// time (PostgreSQL).
type schemaFP struct {
	version int64
	at      time.Time
	fp      string
}

// LogHead returns the log's size and newest signed checkpoint.
func (s *Store) LogHead(ctx context.Context) (audit.Head, error) {
	var st audit.Head
	err := s.r.QueryRowContext(ctx, `SELECT size, checkpoint FROM log_state WHERE id = 1`).Scan(&st.Size, &st.Checkpoint)
	return st, translate(err, "log state")
}

// snapshot runs fn on one consistent read of the database: a deferred
// transaction on a SQLite reader (the writers' BEGIN IMMEDIATE would lock
// them out), a read-only repeatable-read transaction on PostgreSQL.
func (s *Store) snapshot(ctx context.Context, fn func(q querier) error) error {
	if s.dialect == postgres {
		tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
		if err != nil {
			return translate(err, "begin")
		}
		defer tx.Rollback()
		return fn(tx)
	}
	conn, err := s.r.Conn(ctx)
	if err != nil {
		return translate(err, "connect")
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN DEFERRED"); err != nil {
		return translate(err, "begin")
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	return fn(conn)
}

// CheckLog feeds c the store's log in one consistent read: the kept
// checkpoints and the newest, every leaf in order, every row with its
// leaf, the leaves whose rows are gone, and the state. Memory stays
// bounded: rows stream, the checker keeps a frontier and the problems.
func (s *Store) CheckLog(ctx context.Context, c *audit.Checker) error {
	return s.snapshot(ctx, func(q querier) error { return s.checkLog(ctx, q, c) })
}

func (s *Store) checkLog(ctx context.Context, q querier, c *audit.Checker) error {
	{
		var size int64
		var frontier []byte
		var latest string
		if err := q.QueryRowContext(ctx, `SELECT size, frontier, checkpoint FROM log_state WHERE id = 1`).Scan(&size, &frontier, &latest); err != nil {
			return translate(err, "log state")
		}
		if err := each(ctx, q, `SELECT note FROM log_checkpoints ORDER BY size`, nil, func(sc func(...any) error) error {
			var n string
			if err := sc(&n); err != nil {
				return err
			}
			if n != latest {
				c.Checkpoint(n, "store", false)
			}
			return nil
		}); err != nil {
			return err
		}
		if latest != "" {
			c.Checkpoint(latest, "store", true)
		}
		if err := each(ctx, q, `SELECT idx, kind, ref, digest, hashes, prior FROM log_leaves ORDER BY idx`, nil, func(sc func(...any) error) error {
			var idx int64
			var l audit.Leaf
			var d, hs, prior []byte
			if err := sc(&idx, &l.Kind, &l.Ref, &d, &hs, &prior); err != nil {
				return err
			}
			// A digest of the wrong length stays zero: the tree tells.
			if len(d) == sha256.Size {
				copy(l.Digest[:], d)
			}
			if len(prior) == sha256.Size {
				copy(l.Prior[:], prior)
			}
			c.Leaf(idx, l, hs)
			return nil
		}); err != nil {
			return err
		}
		if err := each(ctx, q, `SELECT a.id, a.at, a.actor, a.action, a.target, a.outcome, a.detail, l.idx, l.digest FROM audit a
			LEFT JOIN log_leaves l ON l.kind IN ('audit', 'revision') AND l.kind = 'audit' AND l.ref = a.id`, nil, func(sc func(...any) error) error {
			var r audit.Row
			var idx sql.NullInt64
			var d []byte
			if err := sc(&r.ID, &r.At, &r.Actor, &r.Action, &r.Target, &r.Outcome, &r.Detail, &idx, &d); err != nil {
				return err
			}
			c.Row(r.Leaf(), nullIdx(idx), d)
			return nil
		}); err != nil {
			return err
		}
		if err := each(ctx, q, `SELECT r.entity, r.entity_id, r.version, r.action, r.actor, r.at, r.changes, r.snapshot, l.idx, l.digest FROM revisions r
			LEFT JOIN log_leaves l ON l.entity = r.entity AND l.entity_id = r.entity_id AND l.version = r.version AND l.kind = 'revision'`, nil, func(sc func(...any) error) error {
			var r audit.RevisionRow
			var idx sql.NullInt64
			var d []byte
			if err := sc(&r.Entity, &r.EntityID, &r.Version, &r.Action, &r.Actor, &r.At, &r.Changes, &r.Snapshot, &idx, &d); err != nil {
				return err
			}
			c.Row(r.Leaf(), nullIdx(idx), d)
			return nil
		}); err != nil {
			return err
		}
		orphan := func(sc func(...any) error) error {
			var idx int64
			var ref string
			if err := sc(&idx, &ref); err != nil {
				return err
			}
			c.Orphan(idx, ref)
			return nil
		}
		if err := each(ctx, q, `SELECT l.idx, l.ref FROM log_leaves l LEFT JOIN audit a ON a.id = l.ref WHERE l.kind = 'audit' AND a.id IS NULL ORDER BY l.idx`, nil, orphan); err != nil {
			return err
		}
		if err := each(ctx, q, `SELECT l.idx, l.ref FROM log_leaves l LEFT JOIN revisions r ON r.entity = l.entity AND r.entity_id = l.entity_id AND r.version = l.version
			WHERE l.kind = 'revision' AND r.entity IS NULL ORDER BY l.idx`, nil, orphan); err != nil {
			return err
		}
		if err := each(ctx, q, `SELECT l.idx, l.ref FROM log_leaves l LEFT JOIN revisions r ON r.entity = l.entity AND r.entity_id = l.entity_id AND r.version = l.version
			WHERE l.kind = 'redaction' AND r.entity IS NULL ORDER BY l.idx`, nil, orphan); err != nil {
			return err
		}
		if err := each(ctx, q, `SELECT l.idx, l.ref FROM log_leaves l WHERE l.kind NOT IN ('audit', 'revision', 'redaction') ORDER BY l.idx`, nil, orphan); err != nil {
			return err
		}
		schema, err := s.logSchema(ctx, q, false)
		if err != nil {
			return err
		}
		c.State(size, frontier, schema)
		return nil
	}
}

func nullIdx(n sql.NullInt64) int64 {
	if !n.Valid {
		return -1
	}
	return n.Int64
}

// each runs query and calls fn with each row's scanner.
func each(ctx context.Context, q querier, query string, args []any, fn func(scan func(...any) error) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return translate(err, "read log")
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return translate(err, "read log")
		}
	}
	return translate(rows.Err(), "read log")
}

// ProveEntry returns the inclusion proof of one entry (an audit id or a
// revision's "entity/id/version") in the tree of the newest checkpoint.
func (s *Store) ProveEntry(ctx context.Context, ref string) (audit.Proof, error) {
	var p audit.Proof
	err := s.snapshot(ctx, func(q querier) error {
		var size int64
		if err := q.QueryRowContext(ctx, `SELECT size, checkpoint FROM log_state WHERE id = 1`).Scan(&size, &p.Checkpoint); err != nil {
			return translate(err, "log state")
		}
		if p.Checkpoint == "" {
			return gdpr.Keyed(gdpr.ECONFLICT, "", "store.logunsigned")
		}
		cp, err := audit.ParseCheckpoint(noteText(p.Checkpoint))
		if err != nil {
			return gdpr.Keyed(gdpr.EINTERNAL, "", "store.logstate", size)
		}
		var kind, text string
		err = q.QueryRowContext(ctx, s.q(`SELECT idx, kind FROM log_leaves WHERE ref = ? AND kind IN ('audit', 'revision')`), ref).Scan(&p.Index, &kind)
		if errors.Is(err, sql.ErrNoRows) {
			return gdpr.Keyed(gdpr.ENOTFOUND, "", "notfound.logentry", ref)
		} else if err != nil {
			return translate(err, "log leaf")
		}
		if p.Index >= cp.Size {
			return gdpr.Keyed(gdpr.ECONFLICT, "", "store.logunsigned")
		}
		switch kind {
		case audit.LeafAudit:
			var r audit.Row
			if err := q.QueryRowContext(ctx, s.q(`SELECT id, at, actor, action, target, outcome, detail FROM audit WHERE id = ?`), ref).
				Scan(&r.ID, &r.At, &r.Actor, &r.Action, &r.Target, &r.Outcome, &r.Detail); err != nil {
				return translate(err, "audit %s", ref)
			}
			p.Audit, text = &r, string(r.Leaf().Text())
		default:
			var r audit.RevisionRow
			e, id, v := splitRevisionRef(ref)
			if err := q.QueryRowContext(ctx, s.q(`SELECT entity, entity_id, version, action, actor, at, changes, snapshot FROM revisions WHERE entity = ? AND entity_id = ? AND version = ?`), e, id, v).
				Scan(&r.Entity, &r.EntityID, &r.Version, &r.Action, &r.Actor, &r.At, &r.Changes, &r.Snapshot); err != nil {
				return translate(err, "revision %s", ref)
			}
			p.Revision, text = &r, string(r.Leaf().Text())
			// A redacted revision is proven by the redaction that gave it
			// its present content.
			var stored []byte
			if err := q.QueryRowContext(ctx, s.q(`SELECT digest FROM log_leaves WHERE kind IN ('audit', 'revision') AND kind = 'revision' AND ref = ?`), ref).Scan(&stored); err != nil {
				return translate(err, "log leaf")
			}
			if d := r.Leaf().Digest; string(stored) != string(d[:]) {
				var prior []byte
				err := q.QueryRowContext(ctx, s.q(`SELECT idx, prior FROM log_leaves WHERE kind = 'redaction' AND ref = ? AND digest = ?`), ref, d[:]).Scan(&p.Index, &prior)
				if errors.Is(err, sql.ErrNoRows) {
					return gdpr.Keyed(gdpr.ECONFLICT, "", "store.logchanged", ref)
				} else if err != nil {
					return translate(err, "log leaf")
				}
				red := audit.Leaf{Kind: audit.LeafRedaction, Ref: ref, Digest: d}
				copy(red.Prior[:], prior)
				text = string(red.Text())
				if p.Index >= cp.Size {
					return gdpr.Keyed(gdpr.ECONFLICT, "", "store.logunsigned")
				}
			}
		}
		p.Leaf = text
		rp, err := tlog.ProveRecord(cp.Size, p.Index, s.hashReader(ctx, q))
		if err != nil {
			return fmt.Errorf("prove %s: %w", ref, err)
		}
		for _, h := range rp {
			p.Hashes = append(p.Hashes, h.String())
		}
		return nil
	})
	return p, err
}

// noteText is a signed note's text: everything before the blank line.
func noteText(signed string) string {
	if i := strings.Index(signed, "\n\n"); i >= 0 {
		return signed[:i+1]
	}
	return signed
}

// hashReader reads tlog's stored hashes from the leaves that keep them.
func (s *Store) hashReader(ctx context.Context, q querier) tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			leaf, pos := audit.StoredAt(x)
			var hs []byte
			if err := q.QueryRowContext(ctx, s.q(`SELECT hashes FROM log_leaves WHERE idx = ?`), leaf).Scan(&hs); err != nil {
				return nil, translate(err, "log hashes")
			}
			if (pos+1)*tlog.HashSize > len(hs) {
				return nil, gdpr.Keyed(gdpr.EINTERNAL, "", "store.logstate", leaf)
			}
			copy(out[i][:], hs[pos*tlog.HashSize:])
		}
		return out, nil
	})
}

// RedactRevisions replaces the content of revisions, each under a permit
// of its own that the transaction removes again, and logs each as a
// redaction leaf (the digest before and after) and all of them as one
// audit entry. Returns ENOTFOUND for a revision that is not there.
func (s *Store) RedactRevisions(ctx context.Context, rs []register.Redaction) error {
	return s.write(ctx, func(w *wtx) error {
		for _, r := range rs {
			var old audit.RevisionRow
			err := w.QueryRowContext(ctx, s.q(`SELECT entity, entity_id, version, action, actor, at, changes, snapshot FROM revisions WHERE entity = ? AND entity_id = ? AND version = ?`),
				r.Entity, r.EntityID, r.Version).Scan(&old.Entity, &old.EntityID, &old.Version, &old.Action, &old.Actor, &old.At, &old.Changes, &old.Snapshot)
			if errors.Is(err, sql.ErrNoRows) {
				return gdpr.Keyed(gdpr.ENOTFOUND, "", "notfound.revision", r.Version, r.Entity+"/"+r.EntityID)
			} else if err != nil {
				return translate(err, "redact revision")
			}
			for _, q := range []string{
				`INSERT INTO revision_permits (entity, entity_id, version) VALUES (?, ?, ?)`,
				`UPDATE revisions SET changes = ?, snapshot = ? WHERE entity = ? AND entity_id = ? AND version = ?`,
				`DELETE FROM revision_permits WHERE entity = ? AND entity_id = ? AND version = ?`,
			} {
				args := []any{r.Entity, r.EntityID, r.Version}
				if strings.HasPrefix(q, "UPDATE") {
					args = append([]any{r.Changes, r.Snapshot}, args...)
				}
				if _, err := w.ExecContext(ctx, s.q(q), args...); err != nil {
					return translate(err, "redact revision")
				}
			}
			now := old
			now.Changes, now.Snapshot = r.Changes, r.Snapshot
			w.leaf(audit.Leaf{Kind: audit.LeafRedaction, Ref: old.Leaf().Ref, Digest: now.Leaf().Digest, Prior: old.Leaf().Digest})
		}
		return w.audit(ctx, audit.RevisionRedact, "revisions", fmt.Sprintf("revisions %d", len(rs)))
	})
}
