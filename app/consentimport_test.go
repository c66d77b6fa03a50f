package app_test

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"gdpr/app"

	"gdpr"
	"gdpr/consent"
	"gdpr/locale"
	"gdpr/request"
)

// TestConsentImport: a file with seed 003's columns is taken over: a
// double opt-in with its confirmation is active and strong, a single
// opt-in active and weak, an unsubscribed one withdrawn and suppressed;
// the evidence carries the file's IPs and times and verifies. A second
// run adds nothing; a file with an error in its last line changes
// nothing and names the line.
func TestConsentImport(t *testing.T) {
	f, _, keys := consentApp(t)
	ctx := admin()
	file := "E-Mail-Adresse;ID des internen Anmeldevorgangs;Modus des Setups;URL von der das Anmeldeformular abgesendet wurde;IP von der das Formular abgesendet wurde;IP von der der Bestätigungslink geklickt wurde;Zeitpunkt der Anmeldung;Zeitpunkt der Bestätigung;Zeitpunkt der Abmeldung;Im Formular abgefragte Abonnentenfelder und Listen;Abonnenten-ID\n" +
		"ida@example.org;A-1001;Double-Opt-In;https://shop.example/nl;198.51.100.7;203.0.113.9;01.03.2024 10:00;01.03.2024 10:05;;E-Mail | angebote;77\n" +
		"max@example.org;A-1002;Single-Opt-In;https://shop.example/nl;198.51.100.8;;02.03.2024 11:00;;;E-Mail;78\n" +
		"eva@example.org;A-1003;Double-Opt-In;https://shop.example/nl;198.51.100.9;203.0.113.10;03.03.2024 12:00;03.03.2024 12:01;04.05.2024 09:00;E-Mail;79\n"
	res, err := f.app.ImportConsents(ctx, "newsletter", strings.NewReader(file), "etron.csv", "etron")
	if err != nil || res.Imported != 3 || res.Withdrawn != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	for _, c := range []struct {
		email        string
		active, weak bool
	}{{"ida@example.org", true, false}, {"max@example.org", true, true}, {"eva@example.org", false, false}} {
		st, err := f.app.MayMail(ctx, c.email, "newsletter")
		if err != nil || st.Active != c.active || st.Weak != c.weak {
			t.Errorf("%s: %+v %v", c.email, st, err)
		}
	}
	if st, _ := f.app.MayMail(ctx, "eva@example.org", "newsletter"); !st.Suppressed && st.Active {
		t.Errorf("the withdrawn one may be mailed: %+v", st)
	}
	file2, ev, err := f.app.ConsentEvidence(ctx, "ida@example.org", "newsletter")
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Events) != 2 || ev.Events[0].Event.Kind != consent.Imported || consent.Unsalt(ev.Events[0].IP) != "198.51.100.7" || consent.Unsalt(ev.Events[1].IP) != "203.0.113.9" ||
		ev.Events[0].Event.Signup != "imp-A-1001" || !strings.Contains(ev.Events[0].Event.Source, "etron") || ev.State.Confirmed == nil || ev.State.Confirmed.Hour() != 9 {
		t.Errorf("the evidence: %+v", ev)
	}
	if _, problems, err := consent.VerifyEvidence(file2, keys.LogVerifier); err != nil || len(problems) > 0 {
		t.Errorf("the evidence does not verify: %v %v", problems, err)
	}
	again, err := f.app.ImportConsents(ctx, "newsletter", strings.NewReader(file), "etron.csv", "etron")
	if err != nil || again.Imported != 0 || again.Already != 3 {
		t.Errorf("a second run: %+v %v", again, err)
	}
	stats, _ := f.app.ConsentStats(ctx)
	bad := "email;Zeitpunkt der Anmeldung;Listen\nneu1@example.org;01.03.2024;angebote\nneu2@example.org;01.03.2024;werbung\n"
	_, err = f.app.ImportConsents(ctx, "newsletter", strings.NewReader(bad), "neu.csv", "")
	if msg := gdpr.Localized(err, locale.DE); !strings.Contains(msg, "neu.csv, Zeile 3") || !strings.Contains(msg, "werbung") {
		t.Errorf("a list the purpose lacks: %q", msg)
	}
	if after, _ := f.app.ConsentStats(ctx); after[0].Imported != stats[0].Imported {
		t.Errorf("a file with an error imported %d rows", after[0].Imported-stats[0].Imported)
	}
	if st, _ := f.app.MayMail(ctx, "neu1@example.org", "newsletter"); st.Active {
		t.Error("the bad file's first row was imported")
	}
}

// TestConsentEvidenceKept: the evidence is kept by its purpose's rule. "3
// Jahre nach Ende des Jahres des Widerrufs": a withdrawal of 4 May 2024
// is kept through 31 December 2027 and erased by the first sweep after
// (the key shredded: the evidence no longer opens and still verifies);
// an active consent is kept. "Solange der Account besteht": everyone of
// the purpose goes once its account is closed. A rule the parser cannot
// read, or one on an event the ledger lacks, is refused.
func TestConsentEvidenceKept(t *testing.T) {
	f, _, keys := consentApp(t)
	ctx := admin()
	for _, bad := range []string{"irgendwann", "10 Jahre nach Rechnungsdatum"} {
		if _, err := f.app.SavePurpose(ctx, consent.Purpose{ID: "x", Name: "X", Activity: "newsletter", Keep: bad}, 0); gdpr.ErrorCode(err) != gdpr.EINVALID {
			t.Errorf("keep %q: %v", bad, err)
		}
	}
	p, err := f.app.Purpose(ctx, "newsletter")
	if err != nil {
		t.Fatal(err)
	}
	p.Keep = "3 Jahre nach Ende des Jahres des Widerrufs"
	if _, err := f.app.SavePurpose(ctx, p, p.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.SavePurpose(ctx, consent.Purpose{ID: "konto", Name: "Konto-Newsletter", Activity: "newsletter", Keep: "solange der Account besteht"}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.AddConsentText(ctx, consent.Text{Purpose: "konto", Lang: "de", Body: "Ja, Neuigkeiten zum Konto."}); err != nil {
		t.Fatal(err)
	}
	file := "email;Zeitpunkt der Anmeldung;Zeitpunkt der Abmeldung;IP der Anmeldung\nweg@example.org;01.03.2024 10:00;04.05.2024 09:00;198.51.100.7\nbleibt@example.org;01.03.2024 10:00;;198.51.100.8\n"
	if _, err := f.app.ImportConsents(ctx, "newsletter", strings.NewReader(file), "alt.csv", "alt"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.ImportConsents(ctx, "konto", strings.NewReader("email;Zeitpunkt der Anmeldung\nkonto@example.org;01.03.2024 10:00\n"), "konto.csv", "alt"); err != nil {
		t.Fatal(err)
	}
	f.at(time.Date(2027, 12, 31, 12, 0, 0, 0, time.UTC))
	if n, err := f.app.EndEvidence(ctx); err != nil || n != 0 {
		t.Fatalf("on the last day: %d erased, %v", n, err)
	}
	f.at(time.Date(2028, 1, 1, 12, 0, 0, 0, time.UTC))
	res, err := f.app.Sweep(ctx, app.SweepOptions{})
	if err != nil || res.EvidenceEnded != 1 {
		t.Fatalf("the day after: %+v %v", res, err)
	}
	if _, _, err := f.app.ConsentEvidence(ctx, "weg@example.org", "newsletter"); gdpr.ErrorCode(err) != gdpr.ENOTFOUND {
		t.Errorf("the erased one is still found by address: %v", err)
	}
	if st, _ := f.app.MayMail(ctx, "bleibt@example.org", "newsletter"); !st.Active {
		t.Errorf("the active one: %+v", st)
	}
	file2, _, err := f.app.ConsentEvidence(ctx, "bleibt@example.org", "newsletter")
	if err != nil {
		t.Fatal(err)
	}
	if _, problems, err := consent.VerifyEvidence(file2, keys.LogVerifier); err != nil || len(problems) > 0 {
		t.Errorf("the kept evidence: %v %v", problems, err)
	}
	// The account closed: its purpose's people go with the next sweep.
	k, _ := f.app.Purpose(ctx, "konto")
	closed := time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)
	k.Closed = &closed
	if _, err := f.app.SavePurpose(ctx, k, k.Version); err != nil {
		t.Fatal(err)
	}
	if n, err := f.app.EndEvidence(ctx); err != nil || n != 1 {
		t.Errorf("after the account closed: %d erased, %v", n, err)
	}
	if n, _ := f.app.EndEvidence(ctx); n != 0 {
		t.Errorf("a second run erased %d more", n)
	}
}

// TestConsentPurposeMail: a purpose's own confirmation mail (the
// template "consent_confirm.<purpose>") goes out for its sign-ups; a
// purpose without one sends the general mail; no template for a purpose
// that does not exist.
func TestConsentPurposeMail(t *testing.T) {
	f, mp, _ := consentApp(t)
	ctx := admin()
	if _, err := f.app.SaveMailTemplate(ctx, request.MailTemplate{Kind: "consent_confirm.gibtsnicht", Lang: "de", Subject: "x", Body: "{{.Link}}"}, 0); gdpr.ErrorCode(err) != gdpr.EINVALID {
		t.Errorf("a template for no purpose: %v", err)
	}
	start, err := f.app.MailTemplate(ctx, "consent_confirm.newsletter", "de")
	if err != nil || start.Custom || !strings.Contains(start.Body, "{{.Link}}") {
		t.Fatalf("the purpose's template to start from: %+v %v", start, err)
	}
	if _, err := f.app.SaveMailTemplate(ctx, request.MailTemplate{Kind: "consent_confirm.newsletter", Lang: "de", Subject: "Bitte bestätigen: Newsletter",
		Body: "Guten Tag,\n\nbitte bestätigen Sie den Newsletter der Beispiel GmbH: {{.Link}}\n\nAbmelden: {{.Unsubscribe}}"}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.SavePurpose(ctx, consent.Purpose{ID: "technik", Name: "Technik-News", Activity: "newsletter"}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.AddConsentText(ctx, consent.Text{Purpose: "technik", Lang: "de", Body: "Ja, Technik-News."}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ purpose, want string }{{"newsletter", "bitte bestätigen Sie den Newsletter der Beispiel GmbH"}, {"technik", "Technik-News"}} {
		b := make([]byte, 4)
		rand.Read(b)
		to := "mail-" + c.purpose + "-" + hex.EncodeToString(b) + "@example.org"
		if _, err := f.app.SignUp(ctx, app.Signup{Purpose: c.purpose, Email: to}, "https://gdpr.example"); err != nil {
			t.Fatal(err)
		}
		ms := mp.To(t, to, 1)
		if len(ms) != 1 || !strings.Contains(ms[0].Text, c.want) {
			t.Errorf("%s: %v", c.purpose, ms)
		}
	}
}
