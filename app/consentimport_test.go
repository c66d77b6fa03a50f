package app_test

import (
	"strings"
	"testing"

	"gdpr"
	"gdpr/consent"
	"gdpr/locale"
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
