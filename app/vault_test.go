package app_test

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gdpr"
	"gdpr/app"
	"gdpr/audit"
	"gdpr/vault"
)

func vaultKeys(t testing.TB) app.VaultKeys {
	t.Helper()
	kek, err := vault.NewLocalKEK(bytes.Repeat([]byte{0x11}, vault.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := vault.NewIndexer(bytes.Repeat([]byte{0x22}, vault.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	k, err := audit.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return app.VaultKeys{KEK: kek, Index: ix, LogKey: k.Private, LogVerifier: k.Verifier}
}

// TestVaultSubjects: a person is stored, found by a differently written
// e-mail and phone number, read, changed, and shredded; every access is
// audited with field names and ids, never values.
func TestVaultSubjects(t *testing.T) {
	f := newApp(t, app.Config{Vault: vaultKeys(t)})
	ctx := editor()
	id, err := f.app.CreateSubject(ctx, app.Record{"email": "Hans.Mueller@Müller.de", "phone": "0521 123456", "name": "Hans Müller", "customer_id": "K-10023"})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct {
		kind  vault.Kind
		value string
	}{{vault.KindEmail, "hans.mueller@xn--mller-kva.de"}, {vault.KindPhone, "+49 521 123 456"}, {vault.KindID, " K-10023"}} {
		ids, err := f.app.LookupSubjects(ctx, q.kind, q.value)
		if err != nil || len(ids) != 1 || ids[0] != id {
			t.Errorf("lookup %s %q: %v %v", q.kind, q.value, ids, err)
		}
	}
	if _, err := f.app.LookupSubjects(ctx, vault.Kind("shoe_size"), "44"); !strings.Contains(gdpr.Localized(err, "de"), "Nach „shoe_size“ lässt sich nicht suchen") {
		t.Errorf("an unknown kind: %v", err)
	}
	if ids, _ := f.app.LookupSubjects(ctx, vault.KindEmail, "someone@else.de"); len(ids) != 0 {
		t.Errorf("a stranger found: %v", ids)
	}
	s, err := f.app.GetSubject(ctx, id)
	if err != nil || s.Record["name"] != "Hans Müller" || s.Record["email"] != "Hans.Mueller@Müller.de" || s.Version != 1 {
		t.Fatalf("get: %+v %v", s, err)
	}
	if err := f.app.UpdateSubject(ctx, id, 1, app.Record{"email": "hans@neu.de", "phone": ""}); err != nil {
		t.Fatal(err)
	}
	if err := f.app.UpdateSubject(ctx, id, 1, app.Record{"name": "X"}); gdpr.ErrorCode(err) != gdpr.ECONFLICT {
		t.Errorf("a stale update: %v", err)
	}
	if ids, _ := f.app.LookupSubjects(ctx, vault.KindEmail, "Hans.Mueller@Müller.de"); len(ids) != 0 {
		t.Errorf("the old address still finds the person: %v", ids)
	}
	if ids, _ := f.app.LookupSubjects(ctx, vault.KindPhone, "0521 123456"); len(ids) != 0 {
		t.Errorf("the removed phone still finds the person: %v", ids)
	}
	s, _ = f.app.GetSubject(ctx, id)
	if s.Record["email"] != "hans@neu.de" || s.Record["phone"] != "" || s.Record["name"] != "Hans Müller" {
		t.Errorf("after the update: %+v", s.Record)
	}
	if _, err := f.app.CreateSubject(ctx, app.Record{"phone": "bitte anrufen"}); gdpr.ErrorCode(err) != gdpr.EINVALID {
		t.Errorf("a phone field without a number: %v", err)
	}
	if err := f.app.ShredSubject(ctx, id); err != nil {
		t.Fatal(err)
	}
	s, err = f.app.GetSubject(ctx, id)
	if err != nil || !s.Shredded || len(s.Record) != 0 {
		t.Errorf("after shredding: %+v %v", s, err)
	}
	if ids, _ := f.app.LookupSubjects(ctx, vault.KindEmail, "hans@neu.de"); len(ids) != 0 {
		t.Errorf("a shredded person is found: %v", ids)
	}
	if err := f.app.UpdateSubject(ctx, id, 3, app.Record{"name": "wieder da"}); gdpr.ErrorCode(err) != gdpr.ECONFLICT {
		t.Errorf("a shredded person was changed: %v", err)
	}
	es, _, _ := f.store.FindAudit(ctx, audit.Filter{})
	var actions []string
	for _, e := range es {
		if strings.HasPrefix(e.Action, "subject.") {
			actions = append(actions, e.Action)
		}
		for _, v := range []string{"Hans", "Müller", "mueller", "123456", "K-10023", "neu.de"} {
			if strings.Contains(e.Detail+e.Target, v) {
				t.Errorf("audit entry %s holds %q: %+v", e.Action, v, e)
			}
		}
	}
	for _, want := range []string{audit.SubjectCreate, audit.SubjectLookup, audit.SubjectRead, audit.SubjectUpdate, audit.SubjectShred} {
		if !strings.Contains(strings.Join(actions, " "), want) {
			t.Errorf("no %s in the audit log: %v", want, actions)
		}
	}
	// An auditor reads no one's data.
	if _, err := f.app.GetSubject(auditor(), id); gdpr.ErrorCode(err) != gdpr.EFORBIDDEN {
		t.Errorf("an auditor read a subject: %v", err)
	}
}

// TestVaultNoPlaintextOnDisk: the values of people never reach the
// database file or its write-ahead log in plaintext.
func TestVaultNoPlaintextOnDisk(t *testing.T) {
	dir := t.TempDir()
	f := newAppAt(t, filepath.Join(dir, "gdpr.db"), app.Config{Vault: vaultKeys(t)})
	ctx := editor()
	values := []string{"Gisela Beispielfrau", "gisela.beispielfrau@example.org", "+49 5251 998877", "DE89 3704 0044 0532 0130 00", "Heidestraße 17, 51147 Köln"}
	for i := range 50 {
		if _, err := f.app.CreateSubject(ctx, app.Record{"name": values[0], "email": values[1], "phone": values[2], "iban": values[3], "address": values[4], "customer_id": "K-" + string(rune('A'+i%26))}); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "gdpr.db*"))
	if len(files) == 0 {
		t.Fatal("no database files")
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range append(values, "gisela", "Beispielfrau", "998877", "370400440532013000") {
			if bytes.Contains(bytes.ToLower(b), bytes.ToLower([]byte(v))) {
				t.Errorf("%s holds %q in plaintext", filepath.Base(p), v)
			}
		}
	}
}

// TestVaultWithoutKeys: without keys the vault refuses, saying how to
// give them.
func TestVaultWithoutKeys(t *testing.T) {
	f := newApp(t, app.Config{})
	if _, err := f.app.CreateSubject(editor(), app.Record{"name": "X"}); !strings.Contains(gdpr.Localized(err, "de"), "GDPR_VAULT_KEYS") {
		t.Errorf("without keys: %v", err)
	}
}

// TestRewrapKeys: a rotation wraps every data key under the new KEK
// without touching values, skips erased people, goes on where a stopped
// run left off, and needs the old KEK no more afterwards.
func TestRewrapKeys(t *testing.T) {
	old := vaultKeys(t)
	f := newApp(t, app.Config{Vault: old})
	ctx := admin()
	var ids []string
	for i := range 5 {
		id, err := f.app.CreateSubject(ctx, app.Record{"name": "Person", "customer_id": "K-" + string(rune('0'+i))})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := f.app.ShredSubject(ctx, ids[4]); err != nil {
		t.Fatal(err)
	}
	newKEK, _ := vault.NewLocalKEK(bytes.Repeat([]byte{0x33}, vault.KeySize))
	rotated := app.New(app.Config{Store: f.store, Vault: app.VaultKeys{KEK: newKEK, Older: []vault.KEK{old.KEK}, Index: old.Index}})
	defer rotated.Close()
	n, err := rotated.RewrapKeys(ctx, nil)
	if err != nil || n != 4 {
		t.Fatalf("rewrapped %d, %v", n, err)
	}
	if n, _ := rotated.RewrapKeys(ctx, nil); n != 0 {
		t.Errorf("a second run rewrapped %d", n)
	}
	use, _ := rotated.KEKsInUse(ctx)
	if use[newKEK.ID()] != 4 || use[old.KEK.ID()] != 0 {
		t.Errorf("in use: %v", use)
	}
	after := app.New(app.Config{Store: f.store, Vault: app.VaultKeys{KEK: newKEK, Index: old.Index}})
	defer after.Close()
	for _, id := range ids[:4] {
		if s, err := after.GetSubject(ctx, id); err != nil || s.Record["name"] != "Person" {
			t.Errorf("%s after rotation without the old KEK: %+v %v", id, s, err)
		}
	}
	if _, err := after.RewrapKeys(editor(), nil); gdpr.ErrorCode(err) != gdpr.EFORBIDDEN {
		t.Errorf("an editor rotated keys: %v", err)
	}
}

// TestReindex: after a rotation of the index key, people are found under
// either key while the re-index runs, and under the new one alone after.
func TestReindex(t *testing.T) {
	keys := vaultKeys(t)
	f := newApp(t, app.Config{Vault: keys})
	ctx := admin()
	var ids []string
	for _, mail := range []string{"a@example.org", "b@example.org", "c@example.org"} {
		id, err := f.app.CreateSubject(ctx, app.Record{"email": mail, "phone": "0521 12345" + string(rune(len(ids)+'0'))})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	newIx, _ := vault.NewIndexer(bytes.Repeat([]byte{0x44}, vault.KeySize))
	during := app.New(app.Config{Store: f.store, Vault: app.VaultKeys{KEK: keys.KEK, Index: newIx, OlderIndex: keys.Index}})
	defer during.Close()
	if got, _ := during.LookupSubjects(ctx, vault.KindEmail, "B@Example.org"); len(got) != 1 || got[0] != ids[1] {
		t.Errorf("during the rotation: %v", got)
	}
	n, err := during.Reindex(ctx)
	if err != nil || n != 3 {
		t.Fatalf("reindexed %d: %v", n, err)
	}
	if n, _ := during.Reindex(ctx); n != 0 {
		t.Errorf("a second run reindexed %d", n)
	}
	after := app.New(app.Config{Store: f.store, Vault: app.VaultKeys{KEK: keys.KEK, Index: newIx}})
	defer after.Close()
	for i, mail := range []string{"a@example.org", "b@example.org", "c@example.org"} {
		if got, _ := after.LookupSubjects(ctx, vault.KindEmail, mail); len(got) != 1 || got[0] != ids[i] {
			t.Errorf("%s after the re-index: %v", mail, got)
		}
	}
	if got, _ := f.app.LookupSubjects(ctx, vault.KindEmail, "a@example.org"); len(got) != 0 {
		t.Errorf("the old index key still finds people: %v", got)
	}
}
