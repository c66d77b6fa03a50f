package store

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
)

// The Go migrations: where SQL differs between the engines.

// Migration 2 makes the revision log append-only in the database itself, so
// that not even a direct SQL session of the application's user can rewrite
// history. Trigger syntax differs between the engines, which is why this one
// migration is Go and not a shared SQL file.
var immutableRevisions = map[dialect]struct{ up, down []string }{
	sqlite: {
		up: []string{
			`CREATE TRIGGER revisions_no_update BEFORE UPDATE ON revisions BEGIN SELECT RAISE(ABORT, 'revisions are immutable'); END`,
			`CREATE TRIGGER revisions_no_delete BEFORE DELETE ON revisions BEGIN SELECT RAISE(ABORT, 'revisions are immutable'); END`,
		},
		down: []string{`DROP TRIGGER revisions_no_update`, `DROP TRIGGER revisions_no_delete`},
	},
	postgres: {
		up: []string{
			`CREATE FUNCTION revisions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'revisions are immutable'; END $$`,
			`CREATE TRIGGER revisions_no_change BEFORE UPDATE OR DELETE ON revisions FOR EACH ROW EXECUTE FUNCTION revisions_immutable()`,
			`CREATE TRIGGER revisions_no_truncate BEFORE TRUNCATE ON revisions FOR EACH STATEMENT EXECUTE FUNCTION revisions_immutable()`,
		},
		down: []string{`DROP TRIGGER revisions_no_truncate ON revisions`, `DROP TRIGGER revisions_no_change ON revisions`, `DROP FUNCTION revisions_immutable()`},
	},
}

// Migration 5 stores attack lines a batch to a row: sealing and inserting
// per line cost as much as anonymising the log itself. All attack lines of
// one chunk of a run share the time seen and the source; each line stays
// an entry of its own for listing, export and purge. The sealed bytes are
// a BLOB (BYTEA), whose name differs between the engines. The table of
// migration 4 was in no release; its rows (at most seven days of
// evidence) go.
var attackBatches = map[dialect]struct{ up, down []string }{
	sqlite:   attackBatchesDDL("BLOB"),
	postgres: attackBatchesDDL("BYTEA"),
}

func attackBatchesDDL(blob string) struct{ up, down []string } {
	return struct{ up, down []string }{
		up: []string{`DROP TABLE attacks`,
			// The id begins with the time seen (fixed-width UTC): the
			// primary key orders by time and serves the purge. detectors
			// holds one name per line, newline-separated, in the lines'
			// order, readable so that listing needs no key; sealed holds
			// the lines, each length-prefixed, sealed together with
			// AES-256-GCM (the id is the associated data).
			`CREATE TABLE attack_batches (
				id        TEXT PRIMARY KEY,
				seen_at   TEXT NOT NULL,
				source    TEXT NOT NULL,
				detectors TEXT NOT NULL,
				sealed    ` + blob + ` NOT NULL
			)`},
		down: []string{`DROP TABLE attack_batches`,
			`CREATE TABLE attacks (id TEXT PRIMARY KEY, seen_at TEXT NOT NULL, detector TEXT NOT NULL, source TEXT NOT NULL, sealed TEXT NOT NULL)`},
	}
}

func (s *Store) goMigrations() []*goose.Migration {
	run := func(stmts []string) *goose.GoFunc {
		return &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			for _, q := range stmts {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			return nil
		}}
	}
	m, a, v := immutableRevisions[s.dialect], attackBatches[s.dialect], vaultTables[s.dialect]
	return []*goose.Migration{
		goose.NewGoMigration(2, run(m.up), run(m.down)),
		goose.NewGoMigration(5, run(a.up), run(a.down)),
		goose.NewGoMigration(7, &goose.GoFunc{RunTx: s.migrate7Up}, &goose.GoFunc{RunTx: migrate7Down}),
		goose.NewGoMigration(10, run(v.up), run(v.down)),
		goose.NewGoMigration(11, &goose.GoFunc{RunTx: s.migrate11Up}, run(logTables[s.dialect].down)),
		goose.NewGoMigration(12, run(revisionPermits[s.dialect].up), run(revisionPermits[s.dialect].down)),
		goose.NewGoMigration(19, run(consentTables[s.dialect].up), run(consentTables[s.dialect].down)),
		goose.NewGoMigration(21, run(suppressedState[s.dialect].up), run(suppressedState[s.dialect].down)),
	}
}
