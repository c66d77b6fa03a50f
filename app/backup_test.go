package app_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"gdpr/app"
	"gdpr/audit"
	"gdpr/store"
	"gdpr/vault"
)

// TestShreddedGoneFromBackups: people are stored, a backup taken, one of
// them erased, more backups taken; once the retention has passed and the
// backups are pruned, no retained backup and no retained key reveals the
// erased person: no value in plaintext in any file, and no retained
// backup holds a data key for them. The other person still reads back
// from the newest backup with the retained keys.
func TestShreddedGoneFromBackups(t *testing.T) {
	dir := t.TempDir()
	keys := vaultKeys(t)
	f := newAppAt(t, filepath.Join(dir, "gdpr.db"), app.Config{Vault: keys})
	ctx := admin()
	backups := filepath.Join(dir, "backups")
	kept, err := f.app.CreateSubject(ctx, app.Record{"name": "Bleibt Hier", "email": "bleibt@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := f.app.CreateSubject(ctx, app.Record{"name": "Geht Fort", "email": "geht.fort@example.org", "phone": "0521 445566"})
	if err != nil {
		t.Fatal(err)
	}
	first, err := f.app.CreateBackup(ctx, backups)
	if err != nil {
		t.Fatal(err)
	}
	// The backup before the erasure holds the person, as it must: a
	// backup restores what was.
	goneKey := subjectIn(t, f.clock, filepath.Join(backups, first), gone).WrappedKey
	if goneKey == nil {
		t.Fatal("the first backup lacks the person")
	}
	f.now.Add(3600)
	if err := f.app.ShredSubject(ctx, gone); err != nil {
		t.Fatal(err)
	}
	f.now.Add(3600)
	if _, err := f.app.CreateBackup(ctx, backups); err != nil {
		t.Fatal(err)
	}
	f.now.Add(8 * 24 * 3600) // past the retention of seven days
	last, err := f.app.CreateBackup(ctx, backups)
	if err != nil {
		t.Fatal(err)
	}
	removed, err := f.app.PruneBackups(ctx, backups, app.DefaultBackupRetention)
	if err != nil || len(removed) != 2 {
		t.Fatalf("pruned %v, %v", removed, err)
	}
	left, _ := f.app.ListBackups(ctx, backups)
	if len(left) != 1 || left[0].Name != last {
		t.Fatalf("retained: %+v", left)
	}
	// Every retained file: the backups, the live store, its WAL.
	var files []string
	for _, pat := range []string{filepath.Join(backups, "*"), filepath.Join(dir, "gdpr.db*")} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	for _, p := range files {
		b, _ := os.ReadFile(p)
		for _, v := range []string{"Geht Fort", "geht.fort", "445566", "Bleibt Hier"} {
			if bytes.Contains(b, []byte(v)) {
				t.Errorf("%s holds %q in plaintext", filepath.Base(p), v)
			}
		}
		// The wrapped data key, which the retained KEK opens: not in a
		// free page, an old WAL frame or a backup.
		if bytes.Contains(b, goneKey) {
			t.Errorf("%s holds the erased person's wrapped data key", filepath.Base(p))
		}
	}
	v := subjectIn(t, f.clock, filepath.Join(backups, last), gone)
	if v.WrappedKey != nil || len(v.Values) != 0 || !v.Shredded {
		t.Errorf("the retained backup still holds a key or values of the erased person: %+v", v)
	}
	// What the retained keys can open of the retained backup: the kept
	// person, and nothing of the erased one.
	restored := subjectIn(t, f.clock, filepath.Join(backups, last), kept)
	dek, err := keys.KEK.Unwrap(restored.WrappedKey, kept)
	if err != nil {
		t.Fatal(err)
	}
	box, _ := vault.NewBox(kept, dek)
	if name, err := box.Open("name", restored.Values["name"]); err != nil || name != "Bleibt Hier" {
		t.Errorf("the kept person from the backup: %q %v", name, err)
	}
	// The erased person's audit entries (created, read, erased) stay in
	// the log, which still verifies: they hold the id, never a value.
	res, err := f.app.VerifyLog(admin(), nil)
	if err != nil || !res.OK() {
		t.Fatalf("the log after the erasure: %+v %v", res, err)
	}
	es, _, _ := f.store.FindAudit(admin(), audit.Filter{})
	var mine []string
	for _, e := range es {
		if e.Target == gone {
			mine = append(mine, e.Action)
		}
	}
	if !slices.Contains(mine, audit.SubjectCreate) || !slices.Contains(mine, audit.SubjectShred) {
		t.Errorf("the erased person's entries: %v", mine)
	}
}

// subjectIn opens a backup file as a store (a copy of it, so that opening
// does not change the backup) and returns a subject as stored.
func subjectIn(t *testing.T, clock func() time.Time, backup, id string) vault.Stored {
	t.Helper()
	b, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(t.TempDir(), "restore.db")
	os.WriteFile(cp, b, 0o600)
	s, err := store.Open(context.Background(), cp, store.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, err := s.FindSubject(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.VerifyBackup(context.Background(), backup); err != nil {
		t.Errorf("verify %s: %v", filepath.Base(backup), err)
	}
	return v
}
