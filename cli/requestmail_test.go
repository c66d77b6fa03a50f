package cli_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gdpr/mail/mailtest"
)

// TestRequestMails: the receipt, the extension notice (the mail is the
// notice's proof) and a rejection with the right to complain go to the
// person through a real SMTP server (Mailpit); the deadline reminders go
// to the DPO's mailbox once a day and name no person; each mail's proof
// (Message-ID, the server's answer) stays with the request, its text in
// the vault.
func TestRequestMails(t *testing.T) {
	mp := mailtest.Mailpit(t)
	dir := t.TempDir()
	db, keys := filepath.Join(dir, "gdpr.db"), filepath.Join(dir, "schluessel")
	b := make([]byte, 4)
	rand.Read(b)
	tag := hex.EncodeToString(b)
	person, other, dpo := "erika-"+tag+"@example.org", "max-"+tag+"@example.org", "dsb-"+tag+"@beispiel.de"
	reg := filepath.Join(dir, "register.yaml")
	os.WriteFile(reg, []byte("controller:\n  name: Beispiel GmbH\n  state: NW\n"), 0o600)
	now := time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)
	smtp := []string{"--vault-keys", keys, "--smtp-host", mp.SMTPHost, "--smtp-port", fmt.Sprint(mp.SMTPPort), "--smtp-tls", "none",
		"--mail-from", "datenschutz@beispiel.de", "--remind-to", dpo}
	g := func(args ...string) run { return gdprAt(t, now, db, append(smtp, args...)...) }
	gdprAt(t, now, db, "import", reg)
	gdprAt(t, now, db, "vault", "init", keys)
	r := g("requests", "add", "--kind", "access", "--email", person, "--name", "Erika Muster", "--received", "2026-05-04", "--acknowledge")
	if r.code != 0 {
		t.Fatalf("add: %+v", r)
	}
	id := strings.Fields(r.stdout)[1]
	got := mp.To(t, person, 1)
	if len(got) != 1 || !strings.Contains(got[0].Subject, id) || !strings.Contains(got[0].Text, "Guten Tag Erika Muster,") ||
		!strings.Contains(got[0].Text, "spätestens bis zum 05.06.2026") || !strings.Contains(got[0].Text, "Beispiel GmbH") {
		t.Fatalf("receipt: %+v", got)
	}
	g("requests", "verify", id, "Kundennummer und Anschrift stimmen überein")
	now = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	if r := g("requests", "extend", id, "Daten in drei Systemen", "--told-how", "mail"); r.code != 0 {
		t.Fatalf("extend: %+v", r)
	}
	got = mp.To(t, person, 2)
	if len(got) != 2 || !strings.Contains(got[0].Text, "bis zum 04.08.2026") || !strings.Contains(got[0].Text, "Daten in drei Systemen") {
		t.Errorf("extension notice: %+v", got)
	}
	// A rejection, told with the right to complain, in English.
	r = g("requests", "add", "--kind", "erasure", "--email", other, "--lang", "en", "--received", "2026-05-20")
	id2 := strings.Fields(r.stdout)[1]
	if r := g("requests", "reject", id2, "the identity could not be established", "--notify"); r.code != 0 {
		t.Fatalf("reject: %+v", r)
	}
	if got := mp.To(t, other, 1); len(got) != 1 || !strings.Contains(got[0].Text, "lodge a complaint") || !strings.Contains(got[0].Text, "the identity could not be established") {
		t.Errorf("rejection: %+v", got)
	}
	// Reminders: the extended request is 64 days off; a new one, received
	// on 8 May, ends on 8 June: 7 days from 1 June.
	g("requests", "add", "--kind", "copy", "--email", "third-"+tag+"@example.org", "--received", "2026-05-08")
	if r := g("requests", "remind"); r.code != 0 || !strings.Contains(r.stdout, "1 Erinnerungen") {
		t.Fatalf("remind: %+v", r)
	}
	if r := g("requests", "remind"); !strings.Contains(r.stdout, "0 Erinnerungen") {
		t.Errorf("remind twice a day: %+v", r)
	}
	rem := mp.To(t, dpo, 1)
	if len(rem) != 1 || !strings.Contains(rem[0].Text, "noch 7 Tage") || strings.Contains(rem[0].Text, "@") || strings.Contains(rem[0].Text, "third") {
		t.Errorf("reminder: %+v", rem)
	}
	// After its last day the request is reminded as overdue.
	now = time.Date(2026, 6, 10, 9, 0, 0, 0, time.UTC)
	if r := g("requests", "remind"); !strings.Contains(r.stdout, "1 Erinnerungen") {
		t.Errorf("overdue reminder: %+v", r)
	}
	if rem := mp.To(t, dpo, 2); len(rem) != 2 || !strings.Contains(rem[0].Text, "seit 2 Tagen überfällig") {
		t.Errorf("overdue reminder: %+v", rem)
	}
	// The proof of each mail is with the request.
	r = g("requests", "show", id, "--format", "json")
	var out struct {
		Request struct {
			Extension struct {
				ToldHow string `json:"told_how"`
			} `json:"extension"`
		} `json:"request"`
	}
	json.Unmarshal([]byte(r.stdout), &out)
	if !strings.HasPrefix(out.Request.Extension.ToldHow, "mail <") {
		t.Errorf("the extension's notice: %q", out.Request.Extension.ToldHow)
	}
	// Without mail set up, a notice by mail is refused and nothing written.
	r = gdprAt(t, now, db, "--vault-keys", keys, "requests", "add", "--kind", "access", "--email", "x-"+tag+"@example.org", "--acknowledge")
	if r.code == 0 || !strings.Contains(r.stderr, "kein Mailversand eingerichtet") {
		t.Errorf("receipt without mail: %+v", r)
	}
	for _, f := range []string{db, db + "-wal"} {
		data, _ := os.ReadFile(f)
		for _, v := range []string{person, other, "Erika Muster"} {
			if strings.Contains(string(data), v) {
				t.Errorf("%q in %s", v, filepath.Base(f))
			}
		}
	}
}
