package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// Migration 7 adds what lists filter on, derived in Go from each entry
// (search text case-folded by Unicode rules, which SQLite's LOWER cannot
// do; department, legal bases, third-country state), and the register's
// state counter that caches of derived data are keyed by. Existing rows
// are filled from their documents.
var entryColumns = []string{
	`ALTER TABLE %s ADD COLUMN search TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE %s ADD COLUMN department TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE %s ADD COLUMN legal_bases TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE %s ADD COLUMN third_country TEXT NOT NULL DEFAULT ''`,
}

func (s *Store) migrate7Up(ctx context.Context, tx *sql.Tx) error {
	for _, table := range []string{"activities", "measures", "documents"} {
		for _, stmt := range entryColumns {
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(stmt, table)); err != nil {
				return err
			}
		}
	}
	for _, stmt := range []string{
		`CREATE INDEX activities_department ON activities (department)`,
		`CREATE TABLE register_state (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL)`,
		`INSERT INTO register_state (id, seq) VALUES (1, 0)`,
	} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	if err := backfill(ctx, s, tx, activityKind); err != nil {
		return err
	}
	if err := backfill(ctx, s, tx, measureKind); err != nil {
		return err
	}
	return backfill(ctx, s, tx, documentKind)
}

func backfill[T any](ctx context.Context, s *Store, tx *sql.Tx, k kind[T]) error {
	rows, err := tx.QueryContext(ctx, "SELECT id, doc FROM "+k.table)
	if err != nil {
		return err
	}
	type row struct{ id, doc string }
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.doc); err != nil {
			rows.Close()
			return err
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range all {
		var v T
		if err := json.Unmarshal([]byte(r.doc), &v); err != nil {
			return fmt.Errorf("%s %s: %w", k.entity, r.id, err)
		}
		c := k.cols(v)
		if _, err := tx.ExecContext(ctx, s.q("UPDATE "+k.table+" SET search = ?, department = ?, legal_bases = ?, third_country = ? WHERE id = ?"),
			c.search, c.department, c.legalBases, c.thirdCountry, r.id); err != nil {
			return err
		}
	}
	return nil
}

func migrate7Down(ctx context.Context, tx *sql.Tx) error {
	for _, stmt := range []string{`DROP TABLE register_state`, `DROP INDEX activities_department`} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	for _, table := range []string{"activities", "measures", "documents"} {
		for _, col := range []string{"search", "department", "legal_bases", "third_country"} {
			if _, err := tx.ExecContext(ctx, "ALTER TABLE "+table+" DROP COLUMN "+col); err != nil {
				return err
			}
		}
	}
	return nil
}
