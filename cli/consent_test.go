package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConsentCommands: a purpose on the register's newsletter (not on an
// activity without consent), a text version with its hash, a form with
// its origin, a sign-up taken by single opt-in (weak proof), the
// may-I-mail answer with its exit code, a withdrawal.
func TestConsentCommands(t *testing.T) {
	dir := t.TempDir()
	db, keys := filepath.Join(dir, "gdpr.db"), filepath.Join(dir, "schluessel")
	reg := filepath.Join(dir, "register.yaml")
	os.WriteFile(reg, []byte(`controller:
  name: Beispiel GmbH
activities:
  - id: newsletter
    name: Newsletter
    legal_bases: ["Art. 6 Abs. 1 lit. a DSGVO"]
  - id: kunden
    name: Kunden
    legal_bases: ["Art. 6 Abs. 1 lit. b DSGVO"]
`), 0o600)
	text := filepath.Join(dir, "text.txt")
	os.WriteFile(text, []byte("Ja, ich möchte den Newsletter per E-Mail erhalten. Abmelden jederzeit."), 0o600)
	now := time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)
	g := func(args ...string) run {
		return gdprAt(t, now, db, append([]string{"--vault-keys", keys}, args...)...)
	}
	gdprAt(t, now, db, "import", reg)
	gdprAt(t, now, db, "vault", "init", keys)
	if r := g("consent", "purposes", "add", "kundenpost", "--name", "Kundenpost", "--activity", "kunden"); r.code != 2 || !strings.Contains(r.stderr, "beruht nicht auf einer Einwilligung") {
		t.Errorf("a purpose without consent: %+v", r)
	}
	if r := g("consent", "purposes", "add", "newsletter", "--name", "Newsletter", "--activity", "newsletter", "--list", "angebote"); r.code != 0 {
		t.Fatalf("purpose: %+v", r)
	}
	if r := g("consent", "signup", "erika@example.org", "newsletter", "--mode", "single"); r.code != 2 || !strings.Contains(r.stderr, "keinen Einwilligungstext") {
		t.Errorf("a sign-up without a text: %+v", r)
	}
	if r := g("consent", "texts", "add", "newsletter", "--file", text); r.code != 0 || !strings.Contains(r.stdout, "Fassung 1") {
		t.Fatalf("text: %+v", r)
	}
	if r := g("consent", "forms", "add", "newsletter", "--origin", "https://shop.example"); r.code != 0 || !strings.Contains(r.stdout, `name="form" value="f-`) {
		t.Errorf("form: %+v", r)
	}
	if r := g("consent", "forms", "add", "newsletter", "--origin", "shop.example"); r.code != 2 {
		t.Errorf("an origin without a scheme: %+v", r)
	}
	if r := g("consent", "check", "erika@example.org", "newsletter"); r.code != 1 || !strings.Contains(r.stdout, "keine wirksame Einwilligung") {
		t.Errorf("check before: %+v", r)
	}
	if r := g("consent", "signup", "erika@example.org", "newsletter", "--mode", "single", "--list", "angebote"); r.code != 0 {
		t.Fatalf("signup: %+v", r)
	}
	if r := g("consent", "check", "Erika@Example.org", "newsletter"); r.code != 0 || !strings.Contains(r.stdout, "schwacher Nachweis") {
		t.Errorf("check after a single opt-in: %+v", r)
	}
	evf := filepath.Join(dir, "nachweis.json")
	if r := g("consent", "evidence", "erika@example.org", "newsletter", "-o", evf); r.code != 0 {
		t.Fatalf("evidence: %+v", r)
	}
	if r := g("consent", "verify", evf); r.code != 0 || !strings.Contains(r.stdout, "hält: 1 Ereignisse") {
		t.Errorf("verify: %+v", r)
	}
	b, _ := os.ReadFile(evf)
	b[len(b)/2] ^= 0x20
	bad := filepath.Join(dir, "geaendert.json")
	os.WriteFile(bad, b, 0o600)
	if r := g("consent", "verify", bad); r.code != 1 || !strings.Contains(r.stdout, "hält nicht") {
		t.Errorf("verify a changed file: %+v", r)
	}
	if r := g("consent", "withdraw", "erika@example.org", "newsletter", "--how", "Telefon"); r.code != 0 {
		t.Fatalf("withdraw: %+v", r)
	}
	if r := g("consent", "check", "erika@example.org", "newsletter"); r.code != 1 {
		t.Errorf("check after the withdrawal: %+v", r)
	}
	if r := g("consent", "withdraw", "niemand@example.org", "newsletter"); r.code != 4 {
		t.Errorf("withdraw an unknown address: %+v", r)
	}
	// Consents of another tool: Mailchimp's export.
	csv := filepath.Join(dir, "mailchimp.csv")
	os.WriteFile(csv, []byte("Email Address,First Name,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,LEID\nida@example.org,Ida,2024-03-01 10:00:00,198.51.100.7,2024-03-01 10:05:00,203.0.113.9,123\n"), 0o600)
	if r := g("consent", "import", csv, "--purpose", "newsletter", "--source", "mailchimp"); r.code != 0 || !strings.Contains(r.stdout, "Übernommene Einwilligungen: 1 ") {
		t.Fatalf("import: %+v", r)
	}
	if r := g("consent", "check", "ida@example.org", "newsletter"); r.code != 0 || strings.Contains(r.stdout, "schwach") {
		t.Errorf("check an imported double opt-in: %+v", r)
	}
	os.WriteFile(csv, []byte("Email Address,OPTIN_TIME\nkein-at-zeichen,2024-03-01 10:00:00\n"), 0o600)
	if r := g("consent", "import", csv, "--purpose", "newsletter"); r.code != 2 || !strings.Contains(r.stderr, "mailchimp.csv, Zeile 2") {
		t.Errorf("a bad file: %+v", r)
	}
	// A webhook to a mailer that is not there: the call is kept and retried.
	if r := g("consent", "hooks", "add", "http://127.0.0.1:9/gdpr", "--event", "withdrawn"); r.code != 0 || !strings.Contains(r.stdout, "whsec_") {
		t.Fatalf("hooks add: %+v", r)
	}
	if r := g("consent", "withdraw", "ida@example.org", "newsletter"); r.code != 0 {
		t.Fatalf("withdraw: %+v", r)
	}
	if r := g("consent", "jobs"); r.code != 0 || !strings.Contains(r.stdout, "hook") || !strings.Contains(r.stdout, "Der Webhook war nicht erreichbar.") {
		t.Errorf("jobs: %+v", r)
	}
	if r := g("consent", "hooks", "list"); r.code != 0 || !strings.Contains(r.stdout, "http://127.0.0.1:9/gdpr") {
		t.Errorf("hooks list: %+v", r)
	}
}
