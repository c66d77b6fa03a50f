package store

import (
	"context"
	"crypto/rand"
	"fmt"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"gdpr/audit"
	"gdpr/auth"
)

// TestMigrationGivesLeaves: a store written before the log (migration 10)
// gains the log with a leaf for every earlier revision and audit entry,
// read a page at a time, and verifies.
func TestMigrationGivesLeaves(t *testing.T) {
	k, _ := audit.GenerateKey(rand.Reader)
	ctx := auth.WithPrincipal(context.Background(), auth.Principal{Actor: "user:erika", Role: auth.Admin})
	// The store's clock is the day of the rows written below, so that
	// nothing of the log depends on today.
	clock := func() time.Time { return time.Date(2026, 1, 3, 10, 0, 0, 0, time.UTC) }
	s, err := Open(ctx, filepath.Join(t.TempDir(), "gdpr.db"), WithLogKey(k.Private), WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sub, _ := fs.Sub(migrations, "migrations")
	p, err := goose.NewProvider(goose.DialectSQLite3, s.w, sub, goose.WithDisableGlobalRegistry(true), goose.WithGoMigrations(s.goMigrations()...))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 10); err != nil {
		t.Fatal(err)
	}
	// Written before the log (as the engine of then wrote them): 25
	// activities with two revisions each, and 40 audit entries.
	for i := range 25 {
		for v := 1; v <= 2; v++ {
			if _, err := s.w.ExecContext(ctx, `INSERT INTO revisions (entity, entity_id, version, action, actor, at, changes, snapshot) VALUES ('activity', ?, ?, 'update', 'user:erika', ?, '[]', '{}')`,
				fmt.Sprintf("a-%02d", i), v, fmt.Sprintf("2026-01-%02dT10:00:00.000000Z", v)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := range 40 {
		if _, err := s.w.ExecContext(ctx, `INSERT INTO audit (id, at, actor, action, target, outcome, detail) VALUES (?, '2026-01-03T10:00:00.000000Z', 'user:erika', 'subject.read', 's', 'ok', '')`,
			fmt.Sprintf("2026-01-03T10:00:00.000000Z-%04d", i)); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { backfillPage = 5000 })
	backfillPage = 7
	if err := s.migrate(ctx); err != nil { // as Open migrates
		t.Fatal(err)
	}
	c := audit.NewChecker(k.Verifier)
	if err := s.CheckLog(ctx, c); err != nil {
		t.Fatal(err)
	}
	// The earlier rows, the store's creation and the entries of the
	// migration: all leaves, all rows.
	if r := c.Result(); !r.OK() || r.Leaves != r.Rows || r.Rows < 90 {
		t.Fatalf("after the migration: %+v", r)
	}
}
