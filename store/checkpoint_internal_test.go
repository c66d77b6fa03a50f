package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gdpr/audit"
)

// TestCheckpointer: with SQLite's automatic checkpoint off on the writer,
// the checkpointer copies the WAL into the database file as commits come
// (so the WAL does not grow without end), and closing the store leaves
// the WAL empty.
func TestCheckpointer(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gdpr.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var auto int
	if err := s.w.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil || auto != 0 {
		t.Fatalf("the writer checkpoints itself every %d pages (%v)", auto, err)
	}
	for i := range 3 * checkpointEvery {
		if err := s.Audit(ctx, audit.Entry{Actor: "system", Action: audit.SubjectRead, Target: "s", Outcome: audit.OK}); err != nil {
			t.Fatal(i, err)
		}
	}
	// The checkpointer runs on its own goroutine: wait for it, without a
	// bound on how fast (a slow machine is no failure, a checkpointer that
	// never runs is).
	for deadline := time.Now().Add(30 * time.Second); s.ckpt.runs.Load() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("no checkpoint after", 3*checkpointEvery, "commits")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path + "-wal"); err == nil && st.Size() != 0 {
		t.Errorf("the WAL holds %d bytes after Close", st.Size())
	}
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	es, _, err := s.FindAudit(ctx, audit.Filter{})
	if err != nil || len(es) == 0 {
		t.Fatalf("after reopening: %d entries, %v", len(es), err)
	}
}
