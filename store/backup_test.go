package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"gdpr/store"
)

// TestBackup: an online backup of each engine verifies; a damaged or
// missing one does not; a backup never overwrites a file.
func TestBackup(t *testing.T) {
	for name, s := range engines(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			path := filepath.Join(dir, "b"+s.BackupExt())
			if err := s.Backup(ctx, path); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() == 0 {
				t.Fatalf("backup file: %v %v", fi, err)
			}
			if err := store.VerifyBackup(ctx, path); err != nil {
				t.Fatalf("verify: %v", err)
			}
			if err := s.Backup(ctx, path); err == nil {
				t.Error("a backup overwrote a file")
			}
			b, _ := os.ReadFile(path)
			for i := 100; i < len(b) && i < 4000; i += 7 {
				b[i] ^= 0x5a
			}
			bad := filepath.Join(dir, "bad"+s.BackupExt())
			os.WriteFile(bad, b, 0o600)
			if err := store.VerifyBackup(ctx, bad); err == nil {
				t.Error("a damaged backup verified")
			}
			if err := store.VerifyBackup(ctx, filepath.Join(dir, "none.db")); err == nil {
				t.Error("a missing backup verified")
			}
		})
	}
}
