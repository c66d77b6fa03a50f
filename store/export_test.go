package store

import (
	"context"
	"database/sql"
	"time"

	"gdpr/audit"
)

// RawDB exposes the writer pool to the tests (not part of the API).
func RawDB(s *Store) *sql.DB { return s.w }

// testingNow is the monotonic clock in nanoseconds, for benchmark phases.
func TestingNow() int64 { return time.Since(start).Nanoseconds() }

var start = time.Now()

// Tamper runs fn in a write transaction that is rolled back afterwards,
// checks the log as that transaction sees it, and reports to c: a trial
// of the tamper test that leaves the store as it was. With triggers, the
// append-only triggers are dropped before fn and re-created after it (as
// someone who edits the rows would have to).
func (s *Store) Tamper(ctx context.Context, triggers bool, fn func(exec func(q string, args ...any) error) error, c *audit.Checker) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	exec := func(q string, args ...any) error {
		_, err := tx.ExecContext(ctx, s.q(q), args...)
		return err
	}
	drop, create := triggerDDL[s.dialect][0], triggerDDL[s.dialect][1]
	if triggers {
		for _, q := range drop {
			if err := exec(q); err != nil {
				return err
			}
		}
	}
	if err := fn(exec); err != nil {
		return err
	}
	if triggers {
		for _, q := range create {
			if err := exec(q); err != nil {
				return err
			}
		}
	}
	return s.checkLog(ctx, tx, c)
}

// triggerDDL drops and re-creates the append-only triggers of the audit
// table, the log's leaves and the revisions, per engine.
var triggerDDL = map[dialect][2][]string{
	sqlite: {
		{`DROP TRIGGER revisions_no_update`, `DROP TRIGGER revisions_no_delete`, `DROP TRIGGER audit_no_update`, `DROP TRIGGER audit_no_delete`,
			`DROP TRIGGER log_leaves_no_update`, `DROP TRIGGER log_leaves_no_delete`},
		append(append([]string{}, immutableRevisions[sqlite].up...), logTriggers(sqlite)...),
	},
	postgres: {
		{`DROP TRIGGER revisions_no_change ON revisions`, `DROP TRIGGER revisions_no_truncate ON revisions`, `DROP TRIGGER audit_no_change ON audit`,
			`DROP TRIGGER audit_no_truncate ON audit`, `DROP TRIGGER log_leaves_no_change ON log_leaves`, `DROP TRIGGER log_leaves_no_truncate ON log_leaves`},
		append(append([]string{}, immutableRevisions[postgres].up[1:]...), logTriggers(postgres)...),
	},
}

// logTriggers are migration 11's triggers on the audit table and the
// leaves (the last six statements are those and the checkpoints' two).
func logTriggers(d dialect) []string {
	up := logTables[d].up
	return up[len(up)-6 : len(up)-2]
}
