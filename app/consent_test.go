package app_test

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gdpr"
	"gdpr/app"
	"gdpr/audit"
	"gdpr/consent"
	"gdpr/internal/pdftest"
	"gdpr/locale"
	"gdpr/mail"
	"gdpr/mail/mailtest"
	"gdpr/register"
	"gdpr/vault"
)

var consentLinkRE = regexp.MustCompile(`/consent/confirm\?t=([A-Za-z0-9_-]+)`)

// consentApp is an engine with a register whose newsletter rests on
// consent, a purpose for it with a text, and mail through Mailpit.
func consentApp(t *testing.T) (*fixture, *mailtest.Server, app.VaultKeys) {
	t.Helper()
	mp := mailtest.Mailpit(t)
	sender, err := mail.New(mp.Config("newsletter@beispiel.de"), nil)
	if err != nil {
		t.Fatal(err)
	}
	keys := vaultKeys(t)
	f := newApp(t, app.Config{Vault: keys, Mail: sender})
	ctx := admin()
	reg := &register.Register{Controller: &register.Controller{Name: "Beispiel GmbH"}, Activities: []*register.Activity{
		{ID: "newsletter", Name: "Newsletter", LegalBases: []string{"Art. 6 Abs. 1 lit. a DSGVO (Einwilligung)"}},
		{ID: "kunden", Name: "Kunden", LegalBases: []string{"Art. 6 Abs. 1 lit. b DSGVO"}},
	}}
	if _, err := f.store.Apply(ctx, reg, register.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.SavePurpose(ctx, consent.Purpose{ID: "kunden-mail", Name: "Kundenmails", Activity: "kunden"}, 0); gdpr.ErrorCode(err) != gdpr.EINVALID {
		t.Errorf("a purpose on a contract's activity: %v", err)
	}
	if _, err := f.app.SavePurpose(ctx, consent.Purpose{ID: "newsletter", Name: "Newsletter", Activity: "newsletter", Lists: []string{"angebote", "technik"}}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.AddConsentText(ctx, consent.Text{Purpose: "newsletter", Lang: "de", Body: "Ja, ich möchte den Newsletter mit Angeboten per E-Mail erhalten. Abmelden jederzeit."}); err != nil {
		t.Fatal(err)
	}
	return f, mp, keys
}

// TestConsentLedger: a double-opt-in sign-up is pending until the link in
// the mail is clicked (the mail has no advertising and the one-click
// unsubscribe headers); the confirmation records its IP; "may I mail"
// says yes then, no after the one-click withdrawal, which also puts the
// address on the suppression list; the events cannot be changed or
// deleted in the database; a link works once.
func TestConsentLedger(t *testing.T) {
	f, mp, keys := consentApp(t)
	b := make([]byte, 4)
	rand.Read(b)
	person := "leser-" + hex.EncodeToString(b) + "@example.org"
	ctx := admin()
	id, err := f.app.SignUp(ctx, app.Signup{Purpose: "newsletter", Email: person, Name: "Lea Leser", Lists: []string{"angebote"}, Fields: []string{"email", "name"},
		FormURL: "https://shop.example/newsletter", IP: "198.51.100.23", UA: "Mozilla/5.0 Test"}, "https://gdpr.example")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.SignUp(ctx, app.Signup{Purpose: "newsletter", Email: "x-" + person, Lists: []string{"werbung"}}, "https://gdpr.example"); gdpr.ErrorCode(err) != gdpr.EINVALID {
		t.Errorf("a list the purpose lacks: %v", err)
	}
	if st, err := f.app.MayMail(ctx, person, "newsletter"); err != nil || st.Active || !st.Pending {
		t.Errorf("before the confirmation: %v %+v", err, st)
	}
	// One step, one audit entry: the sign-up's names the person it
	// created (their id and field names, never a value).
	es, _, err := f.store.FindAudit(ctx, audit.Filter{Action: audit.ConsentEvent, Limit: 10})
	if err != nil || len(es) == 0 || !strings.Contains(es[0].Detail, "new subject s-") || !strings.Contains(es[0].Detail, "fields email,name") || strings.Contains(es[0].Detail, "@") {
		t.Errorf("the sign-up's audit entry: %+v %v", es, err)
	}
	if cr, _, _ := f.store.FindAudit(ctx, audit.Filter{Action: audit.SubjectCreate, Limit: 10}); len(cr) != 0 {
		t.Errorf("a second entry for the sign-up's person: %+v", cr)
	}
	got := mp.To(t, person, 1)
	if len(got) != 1 {
		t.Fatal("no confirmation mail")
	}
	m := got[0]
	link := consentLinkRE.FindStringSubmatch(m.Text)
	if link == nil || !strings.Contains(m.Text, "Guten Tag Lea Leser,") || !strings.Contains(m.Subject, "Newsletter") || strings.Contains(m.Text, "Angebot") {
		t.Fatalf("the mail: %s / %s", m.Subject, m.Text)
	}
	unsub := m.Headers["List-Unsubscribe"]
	if len(unsub) != 1 || !strings.Contains(unsub[0], "/consent/unsubscribe?t=") || m.Headers["List-Unsubscribe-Post"][0] != "List-Unsubscribe=One-Click" {
		t.Errorf("unsubscribe headers: %v", m.Headers)
	}
	f.now.Add(3600)
	st, err := f.app.ConfirmSignup(ctx, link[1], "203.0.113.9", "Mozilla/5.0 Klick")
	if err != nil || !st.Active || st.Weak {
		t.Fatalf("confirm: %v %+v", err, st)
	}
	if _, err := f.app.ConfirmSignup(ctx, link[1], "203.0.113.9", ""); gdpr.ErrorCode(err) != gdpr.ENOTFOUND {
		t.Errorf("the link twice: %v", err)
	}
	if st, err := f.app.MayMail(ctx, strings.ToUpper(person), "newsletter"); err != nil || !st.Active {
		t.Errorf("after the confirmation: %v %+v", err, st)
	}
	if st, _ := f.app.MayMail(ctx, "niemand@example.org", "newsletter"); st.Active {
		t.Error("an unknown address may be mailed")
	}
	subjects, err := f.app.LookupSubjects(ctx, vault.KindEmail, person)
	if err != nil || len(subjects) != 1 {
		t.Fatalf("subjects %v %v", subjects, err)
	}
	evs, err := f.store.ConsentEvents(ctx, subjects[0], "newsletter")
	if err != nil || len(evs) != 2 || evs[0].Signup != id || evs[1].Kind != consent.Confirmed || evs[1].MailID == "" || len(evs[1].MailHash) != 64 ||
		len(evs[0].IPSealed) == 0 || strings.Contains(string(evs[0].IPSealed), "198.51") || evs[0].TextHash != consent.HashText("Ja, ich möchte den Newsletter mit Angeboten per E-Mail erhalten. Abmelden jederzeit.") {
		t.Fatalf("events: %v %+v", err, evs)
	}
	// The evidence: it verifies offline with the log's public key, and
	// fails when any byte of it is changed.
	file, evd, err := f.app.ConsentEvidence(ctx, person, "newsletter")
	if err != nil {
		t.Fatal(err)
	}
	if _, problems, err := consent.VerifyEvidence(file, keys.LogVerifier); err != nil || len(problems) > 0 {
		t.Fatalf("the evidence: %v %v", err, problems)
	}
	if len(evd.Events) != 2 || consent.Unsalt(evd.Events[0].IP) != "198.51.100.23" || consent.Unsalt(evd.Events[1].IP) != "203.0.113.9" ||
		consent.Unsalt(evd.Events[0].Addr) != person || len(evd.Texts) != 1 || len(evd.Mails) != 1 || !strings.Contains(evd.Mails[0].Raw, "/consent/confirm?t=") {
		t.Errorf("the evidence's content: %+v", evd)
	}
	// The printable evidence: the ten facts of seed 003, the text shown,
	// the mail as sent.
	var pdf bytes.Buffer
	if err := f.app.WriteEvidencePDF(&pdf, evd, locale.DE); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("GDPR_SCREENSHOTS"); dir != "" {
		os.WriteFile(filepath.Join(dir, "consent-evidence.pdf"), pdf.Bytes(), 0o600)
	}
	if text, ok := pdftest.Text(t, pdf.Bytes()); ok {
		for _, want := range []string{"E-Mail-Adresse", person, "ID des Anmeldevorgangs", id, "Modus", "Double-Opt-in", "URL des Anmeldeformulars", "https://shop.example/newsletter",
			"IP der Anmeldung", "198.51.100.23", "IP des Bestätigungsklicks", "203.0.113.9", "Zeitpunkt der Anmeldung", "Zeitpunkt der Bestätigung",
			"Abgefragte Felder und Listen", "angebote", "Abonnenten-ID", subjectsOf(t, f, person), "Fassung 1", "Ja, ich möchte den Newsletter", "Message-ID", "/consent/confirm?t="} {
			if !strings.Contains(text, want) {
				t.Errorf("the evidence PDF lacks %q", want)
			}
		}
	}
	for i := range file {
		bad := slices.Clone(file)
		bad[i] ^= 0x01
		if _, _, err := consent.VerifyEvidence(bad, keys.LogVerifier); err == nil {
			t.Fatalf("byte %d of %d changed (%q → %q, around %q), and the evidence still holds", i, len(file), file[i], bad[i], file[max(0, i-40):min(len(file), i+10)])
		}
	}
	// The ledger refuses changes in the database itself.
	db, err := sql.Open("sqlite", f.path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{`UPDATE consent_events SET kind = 'withdrawn'`, `DELETE FROM consent_events`} {
		if _, err := db.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", q, err)
		}
	}
	// One-click withdrawal (RFC 8058): the link of the header.
	tok := regexp.MustCompile(`t=([A-Za-z0-9_-]+)`).FindStringSubmatch(unsub[0])[1]
	f.now.Add(86400)
	if st, err := f.app.Unsubscribe(ctx, tok, "", "", "one-click"); err != nil || st.Active || st.Withdrawn == nil {
		t.Fatalf("unsubscribe: %v %+v", err, st)
	}
	if st, _ := f.app.MayMail(ctx, person, "newsletter"); st.Active {
		t.Error("mailable after the withdrawal")
	}
	if es, err := f.app.Suppressed(ctx, vault.KindEmail, person, "newsletter"); err != nil || len(es) != 1 || es[0].Reason != "withdrawal" {
		t.Errorf("suppression: %v %+v", err, es)
	}
	if _, err := f.app.Unsubscribe(ctx, tok, "", "", "one-click"); err != nil {
		t.Errorf("a second unsubscribe: %v", err)
	}
	// Signed up again and confirmed: mailable again, the same person's
	// timeline.
	f.now.Add(86400)
	if _, err := f.app.SignUp(ctx, app.Signup{Purpose: "newsletter", Email: person}, "https://gdpr.example"); err != nil {
		t.Fatal(err)
	}
	got = mp.To(t, person, 2)
	link = consentLinkRE.FindStringSubmatch(got[0].Text)
	if _, err := f.app.ConfirmSignup(ctx, link[1], "203.0.113.10", ""); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.app.MayMail(ctx, person, "newsletter"); !st.Active {
		t.Errorf("after signing up again: %+v", st)
	}
	if evs, _ := f.store.ConsentEvents(ctx, subjects[0], "newsletter"); len(evs) != 6 {
		t.Errorf("%d events on the timeline", len(evs))
	}
	// A sign-up never confirmed: the sweep ends it after its 48 hours and
	// erases the person who signed up only then.
	other := "x2-" + person
	if _, err := f.app.SignUp(ctx, app.Signup{Purpose: "newsletter", Email: other}, "https://gdpr.example"); err != nil {
		t.Fatal(err)
	}
	otherIDs, _ := f.app.LookupSubjects(ctx, vault.KindEmail, other)
	f.now.Add(47 * 3600)
	if res, err := f.app.Sweep(ctx, app.SweepOptions{}); err != nil || res.ExpiredSignups != 0 {
		t.Errorf("sweep after 47 h: %v %+v", err, res)
	}
	f.now.Add(2 * 3600)
	if res, err := f.app.Sweep(ctx, app.SweepOptions{}); err != nil || res.ExpiredSignups != 1 {
		t.Errorf("sweep after 49 h: %v %+v", err, res)
	}
	if res, _ := f.app.Sweep(ctx, app.SweepOptions{}); res.ExpiredSignups != 0 {
		t.Errorf("expired twice: %+v", res)
	}
	if s, err := f.app.GetSubject(ctx, otherIDs[0]); err != nil || !s.Shredded {
		t.Errorf("the unconfirmed person is kept: %v %+v", err, s)
	}
	if evs, _ := f.store.ConsentEvents(ctx, otherIDs[0], "newsletter"); len(evs) != 2 || evs[1].Kind != consent.Expired {
		t.Errorf("the unconfirmed sign-up's events: %+v", evs)
	}
	// The person is erased: the evidence no longer opens the IPs, the
	// address or the mails, and still verifies.
	if err := f.app.ShredSubject(ctx, subjects[0]); err != nil {
		t.Fatal(err)
	}
	// The address finds no one any more (the state by it went with the
	// key); the person's id still proves the events.
	if _, _, err := f.app.ConsentEvidence(ctx, person, "newsletter"); gdpr.ErrorCode(err) != gdpr.ENOTFOUND {
		t.Errorf("the erased person found by address: %v", err)
	}
	if st, _ := f.app.MayMail(ctx, person, "newsletter"); st.Active || st.Pending {
		t.Errorf("the erased person may be mailed: %+v", st)
	}
	file, evd, err = f.app.ConsentEvidence(ctx, subjects[0], "newsletter")
	if err != nil {
		t.Fatal(err)
	}
	if _, problems, err := consent.VerifyEvidence(file, keys.LogVerifier); err != nil || len(problems) > 0 || evd.Events[0].IP != "" || evd.Events[0].Addr != "" || len(evd.Events) != 6 {
		t.Errorf("after the erasure: %v %v %+v", err, problems, evd.Events[0])
	}
}

func subjectsOf(t *testing.T, f *fixture, email string) string {
	t.Helper()
	ids, err := f.app.LookupSubjects(admin(), vault.KindEmail, email)
	if err != nil || len(ids) != 1 {
		t.Fatalf("subjects of %s: %v %v", email, ids, err)
	}
	return ids[0]
}
