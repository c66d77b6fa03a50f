package app_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gdpr"
	"gdpr/app"
	"gdpr/export"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/vault"
)

// TestPeopleThroughVault: an activity's contact person lives in the
// vault; the store and the revisions keep an id; an unchanged person keeps
// their subject, a changed one gets a new one (the history shows the
// change); erasing the person leaves "[gelöscht]" in the entry, every
// revision and the export, and no trace of them in the database file.
func TestPeopleThroughVault(t *testing.T) {
	dir := t.TempDir()
	f := newAppAt(t, filepath.Join(dir, "gdpr.db"), app.Config{Vault: vaultKeys(t)})
	ctx := editor()
	act, err := f.app.CreateActivity(ctx, &register.Activity{ID: "bewerbungen", Name: "Bewerbungen",
		Contact: &register.Contact{Name: "Gerda Beispiel", Phone: "0521 998877", Email: "gerda@beispiel.de"}})
	if err != nil {
		t.Fatal(err)
	}
	if act.Contact == nil || act.Contact.Name != "Gerda Beispiel" || act.Contact.Subject == "" {
		t.Fatalf("created: %+v", act.Contact)
	}
	first := act.Contact.Subject
	raw, _ := f.store.FindActivityByID(ctx, "bewerbungen")
	if raw.Contact == nil || raw.Contact.Name != "" || raw.Contact.Phone != "" || raw.Contact.Subject != first {
		t.Fatalf("as stored: %+v", raw.Contact)
	}
	// Changed elsewhere, the same person: the same subject.
	act.Description = "Eingang der Bewerbungen"
	if act, err = f.app.UpdateActivity(ctx, act, act.Version); err != nil || act.Contact.Subject != first {
		t.Fatalf("unchanged person: %+v %v", act.Contact, err)
	}
	// A form sends the person without the id: still the same.
	form := &register.Activity{ID: "bewerbungen", Name: "Bewerbungen", Description: act.Description,
		Contact: &register.Contact{Name: "Gerda Beispiel", Phone: "0521 998877", Email: "gerda@beispiel.de"}}
	if act, err = f.app.UpdateActivity(ctx, form, act.Version); err != nil || act.Contact.Subject != first {
		t.Fatalf("the form's person: %+v %v", act.Contact, err)
	}
	if form.Contact.Name != "Gerda Beispiel" {
		t.Error("the caller's value was changed")
	}
	// A new telephone number: a new subject, and the history says so.
	form.Contact.Phone = "0521 111222"
	if act, err = f.app.UpdateActivity(ctx, form, act.Version); err != nil || act.Contact.Subject == first || act.Contact.Phone != "0521 111222" {
		t.Fatalf("changed person: %+v %v", act.Contact, err)
	}
	revs, _, err := f.app.Revisions(ctx, register.RevisionFilter{Entity: "activity", EntityID: "bewerbungen"})
	if err != nil || len(revs) != 3 {
		t.Fatalf("revisions: %d %v", len(revs), err)
	}
	rows := export.ChangeRows("activity", revs[0].Changes, nil, locale.DE)
	if len(rows) != 1 || rows[0].Old != "0521 998877" || rows[0].New != "0521 111222" {
		t.Fatalf("the change of the number: %+v", rows)
	}
	if !strings.Contains(string(revs[2].Snapshot), "Gerda Beispiel") {
		t.Fatalf("the first snapshot, opened: %s", revs[2].Snapshot)
	}

	// The erasure: both subjects of the person, found by e-mail.
	ids, err := f.app.LookupSubjects(admin(), vault.KindEmail, "GERDA@beispiel.de")
	if err != nil || len(ids) != 2 {
		t.Fatalf("lookup: %v %v", ids, err)
	}
	refs, err := f.app.PeopleRefs(admin(), ids)
	if err != nil || len(refs[act.Contact.Subject]) != 1 || refs[act.Contact.Subject][0].ID != "bewerbungen" {
		t.Fatalf("where the person is named: %+v %v", refs, err)
	}
	for _, id := range ids {
		if err := f.app.ShredSubject(admin(), id); err != nil {
			t.Fatal(err)
		}
	}
	act, _ = f.app.Activity(ctx, "bewerbungen")
	if act.Contact.Name != register.Erased || act.Contact.Phone != "" || act.Contact.Email != "" {
		t.Errorf("after the erasure: %+v", act.Contact)
	}
	// Sent back as read, the erased person stays the erased subject.
	erased := act.Contact.Subject
	act.Description = "nach der Löschung"
	if act, err = f.app.UpdateActivity(ctx, act, act.Version); err != nil || act.Contact.Subject != erased || act.Contact.Name != register.Erased {
		t.Fatalf("the erased person sent back: %+v %v", act.Contact, err)
	}
	revs, _, _ = f.app.Revisions(ctx, register.RevisionFilter{Entity: "activity", EntityID: "bewerbungen"})
	for _, rv := range revs {
		if strings.Contains(string(rv.Snapshot), "Gerda") || !strings.Contains(string(rv.Snapshot), register.Erased) {
			t.Errorf("revision %d after the erasure: %s", rv.Version, rv.Snapshot)
		}
	}
	var md bytes.Buffer
	if err := f.app.Export(ctx, &md, export.Markdown, locale.DE); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(md.String(), "Gerda") || !strings.Contains(md.String(), "gelöscht") {
		t.Errorf("the export after the erasure: %s", md.String())
	}
	f.store.Close()
	for _, p := range []string{"gdpr.db", "gdpr.db-wal"} {
		b, _ := os.ReadFile(filepath.Join(dir, p))
		for _, v := range []string{"Gerda", "998877", "111222", "gerda@"} {
			if bytes.Contains(b, []byte(v)) {
				t.Errorf("%s holds %q", p, v)
			}
		}
	}
}

// plainSeed is a store with the seed register imported without the
// vault's keys (its people in the clear), the document, and the engine.
func plainSeed(t *testing.T) (string, []app.File, *fixture) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gdpr.db")
	plain := newAppAt(t, path, app.Config{})
	seed, err := os.ReadFile(filepath.Join("..", "demo", "seed000-allegro.txt"))
	if err != nil {
		t.Fatal(err)
	}
	doc := []app.File{{Name: "seed000-allegro.txt", Data: seed}}
	if _, _, err := plain.app.Import(editor(), doc, app.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	return path, doc, plain
}

// TestPeopleMigrate: entries written without the vault (before it, or
// without keys) move their people into it; a re-import of the same
// document then changes nothing; without the keys such an entry is not
// changed at all.
func TestPeopleMigrate(t *testing.T) {
	path, doc, plain := plainSeed(t)
	raw, _ := plain.store.FindActivityByID(editor(), "kundenverwaltung")
	if raw.Contact == nil || raw.Contact.Name != "Thomas H. Grimm" {
		t.Fatalf("without keys the person stays: %+v", raw.Contact)
	}
	plain.store.Close()

	keys := vaultKeys(t)
	f := newAppAt(t, path, app.Config{Vault: keys})
	n, m, err := f.app.SealPeople(admin())
	// The controller and four activities written again, and ten
	// revisions redacted: their five first versions, and the changes of
	// the five just written (which held the values before).
	if err != nil || n != 5 || m != 10 {
		t.Fatalf("sealed %d, redacted %d: %v", n, m, err)
	}
	res, err := f.app.VerifyLog(admin(), nil)
	if err != nil || !res.OK() {
		t.Fatalf("the log after the redactions: %+v %v", res.Problems, err)
	}
	revs, _, _ := f.app.Revisions(editor(), register.RevisionFilter{Entity: "activity", EntityID: "kundenverwaltung"})
	if len(revs) != 2 || !strings.Contains(string(revs[1].Snapshot), "Thomas H. Grimm") {
		t.Fatalf("the first revision, redacted and opened: %d %s", len(revs), revs[len(revs)-1].Snapshot)
	}
	p, err := f.app.ProveEntry(admin(), "activity/kundenverwaltung/1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Check(keys.LogVerifier); err != nil {
		t.Fatalf("the proof of a redacted revision: %v", err)
	}
	if n, m, _ := f.app.SealPeople(admin()); n+m != 0 {
		t.Errorf("a second run sealed %d, redacted %d", n, m)
	}
	raw, _ = f.store.FindActivityByID(editor(), "kundenverwaltung")
	if raw.Contact.Name != "" || raw.Contact.Subject == "" {
		t.Fatalf("after the migration: %+v", raw.Contact)
	}
	h, _ := f.app.Header(editor())
	if h.Controller.Representative != "Thomas H. Grimm" || h.Controller.RepresentativeSubject == "" {
		t.Fatalf("the controller's people: %+v", h.Controller)
	}
	_, sum, err := f.app.Import(editor(), doc, app.ImportOptions{DryRun: true, Details: true})
	if err != nil || sum.Updated != 0 || sum.Created != 0 {
		t.Fatalf("a re-import would change %d: %+v %v", sum.Updated, sum.Items, err)
	}
	if _, sum, err = f.app.Import(editor(), doc, app.ImportOptions{}); err != nil || sum.Updated != 0 {
		t.Fatalf("a re-import changed %d: %v", sum.Updated, err)
	}
	// The same person is one subject everywhere: erased once, gone from
	// every entry, every revision and the database file.
	ids, _ := f.app.LookupSubjects(admin(), vault.KindPhone, "02951 9336991")
	if len(ids) != 1 {
		t.Fatalf("the contact person's subjects: %v", ids)
	}
	if err := f.app.ShredSubject(admin(), ids[0]); err != nil {
		t.Fatal(err)
	}
	revs, _, _ = f.app.Revisions(editor(), register.RevisionFilter{Entity: "activity", EntityID: "kundenverwaltung"})
	for _, rv := range revs {
		if strings.Contains(string(rv.Snapshot), "9336991") {
			t.Errorf("revision %d after the erasure: %s", rv.Version, rv.Snapshot)
		}
	}

	f.store.Close()
	for _, p := range []string{path, path + "-wal"} {
		if b, _ := os.ReadFile(p); bytes.Contains(b, []byte("02951-9336991")) {
			t.Errorf("%s still holds the contact person's number", filepath.Base(p))
		}
	}
	nokeys := newAppAt(t, path, app.Config{})
	act, _ := nokeys.app.Activity(editor(), "kundenverwaltung")
	if act.Contact == nil || act.Contact.Name != "" || act.Contact.Subject == "" {
		t.Fatalf("read without the keys: %+v", act.Contact)
	}
	// Handed back as read (the API), the entry may change; a form that
	// could not show the person would lose or overwrite them: refused.
	act.Description = "ohne Schlüssel"
	if act, err = nokeys.app.UpdateActivity(editor(), act, act.Version); err != nil {
		t.Fatalf("the id handed back: %v", err)
	}
	var out bytes.Buffer
	if err := nokeys.app.Export(editor(), &out, export.Markdown, locale.DE); gdpr.ErrorCode(err) != gdpr.EINVALID || out.Len() != 0 {
		t.Errorf("an export without the keys: %v (%d bytes)", err, out.Len())
	}
	for _, c := range []*register.Contact{nil, {Name: "Jemand"}} {
		act.Contact = c
		if _, err := nokeys.app.UpdateActivity(editor(), act, act.Version); gdpr.ErrorCode(err) != gdpr.EINVALID || !strings.Contains(gdpr.Localized(err, locale.DE), "Tresor") {
			t.Errorf("a change of the person without the keys (%+v): %v", c, err)
		}
	}
}

// TestSealPeopleTwice: two engines start on one database at once and
// both move the people into the vault: neither fails, nothing stays in
// the clear, and the log verifies.
func TestSealPeopleTwice(t *testing.T) {
	path, _, plain := plainSeed(t)
	plain.store.Close()
	keys := vaultKeys(t)
	engines := []*fixture{newAppAt(t, path, app.Config{Vault: keys}), newAppAt(t, path, app.Config{Vault: keys})}
	errs := make(chan error, 2)
	for _, f := range engines {
		go func() {
			_, _, err := f.app.SealPeople(admin())
			errs <- err
		}()
	}
	for range engines {
		if err := <-errs; err != nil {
			t.Fatalf("a start: %v", err)
		}
	}
	r, _ := engines[0].store.Register(editor(), true)
	for _, act := range r.Activities {
		if act.Contact != nil && act.Contact.Name != "" {
			t.Errorf("%s keeps its person in the clear", act.ID)
		}
	}
	if res, err := engines[1].app.VerifyLog(admin(), nil); err != nil || !res.OK() {
		t.Fatalf("the log: %+v %v", res.Problems, err)
	}
}
