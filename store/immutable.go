package store

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
)

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
	m := immutableRevisions[s.dialect]
	return []*goose.Migration{goose.NewGoMigration(2, run(m.up), run(m.down))}
}
