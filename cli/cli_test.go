package cli_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"gdpr/cli"
)

type run struct {
	code           int
	stdout, stderr string
}

func gdpr(t *testing.T, db string, args ...string) run {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Execute(context.Background(), append([]string{"--db", db}, args...), strings.NewReader(""), &out, &errb)
	return run{code, out.String(), errb.String()}
}

func seeds(t *testing.T) (s000, s002, s003, s004 string) {
	return filepath.Join("..", "demo", "seed000-allegro.txt"), filepath.Join("..", "demo", "seed002-toms.txt"),
		filepath.Join("..", "importer", "testdata", "seed003-etron.txt"), filepath.Join("..", "importer", "testdata", "seed004-3kplaces.txt")
}

func TestImportCheckExport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "gdpr.db")
	s000, s002, _, _ := seeds(t)

	r := gdpr(t, db, "import", "--dry-run", s000)
	if r.code != 0 || !strings.Contains(r.stdout, "4 Tätigkeiten, 8 Maßnahmen") || !strings.Contains(r.stdout, "Probelauf") {
		t.Fatalf("dry run: %+v", r)
	}
	// The dry run made no store, and reading one that is not there is
	// refused, not answered with an empty list from a new empty store.
	if r := gdpr(t, db, "activities", "list", "--format", "json"); r.code != 4 || !strings.Contains(r.stderr, "Kein Speicher unter "+db) {
		t.Fatalf("dry run wrote, or a missing store was read: %+v", r)
	}
	if _, err := os.Stat(db); err == nil {
		t.Fatal("reading a missing store created it")
	}
	r = gdpr(t, db, "import", s000, s002)
	if r.code != 0 || !strings.Contains(r.stdout, "Angelegt: 41, geändert: 0, unverändert: 0") {
		t.Fatalf("import: %+v", r)
	}
	r = gdpr(t, db, "import", s000, s002)
	if r.code != 0 || !strings.Contains(r.stdout, "Angelegt: 0, geändert: 0, unverändert: 41") {
		t.Fatalf("re-import: %+v", r)
	}

	// check: seed 000 + 002 has warnings, no errors: exit 0.
	r = gdpr(t, db, "--lang", "en", "check", "--format", "json")
	if r.code != 0 {
		t.Fatalf("check: %+v", r)
	}
	var out struct {
		Findings []struct {
			Code, Severity, Message string
			EntityID                string `json:"entity_id"`
		} `json:"findings"`
		Counts map[string]int
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range out.Findings {
		if f.Code == "recipients-none-but-external" && f.EntityID == "zahlungsabwicklung-bei-kunden-ueber-externe" && strings.Contains(f.Message, "externe Dienstleister") {
			found = true
		}
	}
	if !found || out.Counts["error"] != 0 || out.Counts["warning"] == 0 {
		t.Errorf("check findings: %+v", out)
	}
	// Issue 3: "10 Jahre (gesetzliche Aufbewahrungspflicht)" has no start
	// event, and no statutory duty exists for marketing e-mail addresses.
	want := map[string]string{"retention-no-start-event": "kundenverwaltung", "retention-no-statutory-duty": "werbemassnahmen-zur-kundengewinnung"}
	for code, id := range want {
		ok := false
		for _, f := range out.Findings {
			ok = ok || f.Code == code && f.EntityID == id && strings.Contains(f.Message, "10 Jahre (gesetzliche Aufbewahrungspflicht)")
		}
		if !ok {
			t.Errorf("check lacks %s for %s", code, id)
		}
	}

	// Round trip through the store: export yaml, import into a new store,
	// export again: the same bytes.
	yaml1 := gdpr(t, db, "export", "--format", "yaml").stdout
	file := filepath.Join(dir, "register.yaml")
	os.WriteFile(file, []byte(yaml1), 0o600)
	db2 := filepath.Join(dir, "second.db")
	if r := gdpr(t, db2, "import", file); r.code != 0 {
		t.Fatalf("import export: %+v", r)
	}
	if yaml2 := gdpr(t, db2, "export", "-f", "yaml").stdout; yaml2 != yaml1 {
		t.Errorf("export -> import -> export differs")
	}

	// Exports to files, format from the extension.
	for _, name := range []string{"v.pdf", "v.xlsx", "v.md", "v.html", "v.csv", "v.json"} {
		path := filepath.Join(dir, name)
		if r := gdpr(t, db, "export", "-o", path); r.code != 0 {
			t.Fatalf("export %s: %+v", name, r)
		}
		if fi, err := os.Stat(path); err != nil || fi.Size() < 500 {
			t.Errorf("%s: %v %v", name, fi, err)
		}
	}
	if r := gdpr(t, db, "export", "--format", "docx"); r.code != 2 || !strings.Contains(r.stderr, "unbekanntes Format „docx“") {
		t.Errorf("bad format: %+v", r)
	}

	r = gdpr(t, db, "activities", "show", "kundenverwaltung")
	if r.code != 0 || !strings.Contains(r.stdout, "name: Kundenverwaltung") || !strings.Contains(r.stdout, "recipients: none") {
		t.Errorf("show: %+v", r)
	}
	if r := gdpr(t, db, "activities", "show", "nope"); r.code != 4 || !strings.Contains(r.stderr, "Eine Verarbeitungstätigkeit „nope“ gibt es nicht.") {
		t.Errorf("show unknown: %+v", r)
	}
	r = gdpr(t, db, "toms", "list", "--query", "backup")
	if r.code != 0 || !strings.Contains(r.stdout, "regelmaessige-backups-der-kundendaten") {
		t.Errorf("toms list: %+v", r)
	}
}

// TestImportIsAtomic: a bad file among good ones writes nothing, and the
// error names file, line and field.
func TestImportIsAtomic(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "gdpr.db")
	s000, s002, s003, s004 := seeds(t)
	b, _ := os.ReadFile(s000)
	bad := filepath.Join(dir, "kaputt.txt")
	os.WriteFile(bad, bytes.Replace(b, []byte("19.03.2018"), []byte("31.02.2018"), 1), 0o600)
	r := gdpr(t, db, "import", s002, s003, s004, bad)
	if r.code != 2 || !strings.Contains(r.stderr, "kaputt.txt:19: Feld „Datum der Einführung“: ungültiges Datum „31.02.2018“: diesen Tag gibt es nicht") {
		t.Fatalf("bad import: %+v", r)
	}
	if r := gdpr(t, db, "toms", "list", "--format", "json"); !strings.Contains(r.stdout, `"total": 0`) {
		t.Fatalf("a failed import wrote measures: %s", r.stdout)
	}
	if r := gdpr(t, db, "import", filepath.Join(dir, "missing.txt")); r.code != 2 || !strings.Contains(r.stderr, "missing.txt") {
		t.Errorf("missing file: %+v", r)
	}
}

func TestCheckExitsOneOnErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "gdpr.db")
	_, _, s003, _ := seeds(t)
	gdpr(t, db, "import", s003)
	r := gdpr(t, db, "check")
	if r.code != 1 || !strings.Contains(r.stdout, "Angabe zu Drittländern fehlt") || !strings.Contains(r.stdout, "Verantwortlicher fehlt") {
		t.Fatalf("check: %+v", r)
	}
}

func TestUsageErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "gdpr.db")
	for _, args := range [][]string{{"import"}, {"bogus"}, {"check", "--nope"}, {"--lang", "fr", "version"}, {"activities", "show"}, {"serve", "--addr", "0.0.0.0:8080"}} {
		if r := gdpr(t, db, args...); r.code != 2 || r.stderr == "" {
			t.Errorf("%v: %+v", args, r)
		}
	}
	if r := gdpr(t, db, "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "gdpr ") {
		t.Errorf("version: %+v", r)
	}
	if r := gdpr(t, db, "completion", "bash"); r.code != 0 || !strings.Contains(r.stdout, "__start_gdpr") {
		t.Errorf("completion: %d", r.code)
	}
	if r := gdpr(t, db, "schema"); r.code != 0 || !strings.Contains(r.stdout, `"third_country_transfers"`) {
		t.Errorf("schema: %+v", r.code)
	}
}

func TestHelpOnEveryCommand(t *testing.T) {
	root := cli.NewRoot(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
	for _, c := range root.Commands() {
		if c.Short == "" {
			t.Errorf("%s has no help", c.Name())
		}
		for _, sub := range c.Commands() {
			if sub.Short == "" {
				t.Errorf("%s %s has no help", c.Name(), sub.Name())
			}
		}
	}
}

func TestRetentionCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "gdpr.db")
	cases := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"retention", "due", "IP-Adressen nach 30 Tagen", "--event", "collected=2024-03-15"}, 0, "2024-04-14\n"},
		{[]string{"retention", "due", "8 Jahre ab Schluss des Kalenderjahres", "--event", "document_date=2024-03-15"}, 0, "2032-12-31\n"},
		{[]string{"retention", "due", "8 Jahre ab Schluss des Kalenderjahres", "--event", "document_date=15.03.2024"}, 0, "2032-12-31\n"},
		{[]string{"retention", "due", "2 Jahre nach Vertragsende", "--event", "collected=2024-03-15"}, 3, "pending: contract_end\n"},
		// A branch of "whichever comes first" still pending: the known
		// date first on the line, said to be the latest, exit 0.
		{[]string{"retention", "due", "30 days after collection, or 7 days after the account is closed, whichever comes first", "-e", "collected=2024-01-01"}, 0,
			"2024-01-31 (spätestens; noch offen: account_closed – dieser Zweig kann die Frist nur verkürzen)\n"},
		{[]string{"retention", "due", "30 days after collection, or 7 days after the account is closed, whichever comes first", "-e", "collected=2024-01-01", "-e", "account_closed=2024-01-10"}, 0, "2024-01-17\n"},
		{[]string{"retention", "due", "30 days after collection, or 7 days after the account is closed, whichever comes first"}, 3, "pending: collected, account_closed\n"},
		{[]string{"retention", "due", "solange erforderlich"}, 2, ""},
		{[]string{"retention", "due", "10 Jahre (gesetzliche Aufbewahrungspflicht)", "-e", "collected=2024-01-01"}, 2, ""},
		{[]string{"retention", "due", "Rechnungen 8 Jahre, Lieferscheine 6 Jahre"}, 2, ""},
		{[]string{"retention", "due", "3 Tage nach Erhebung", "-e", "birthday=2024-01-01"}, 2, ""},
		{[]string{"retention", "due", "3 Tage nach Erhebung", "-e", "collected"}, 2, ""},
	}
	for _, c := range cases {
		r := gdpr(t, db, c.args...)
		if r.code != c.code || (c.out != "" && r.stdout != c.out) {
			t.Errorf("%v: %+v, want %d %q", c.args, r, c.code, c.out)
		}
		if c.code == 2 && r.stderr == "" {
			t.Errorf("%v: no reason given", c.args)
		}
	}
	r := gdpr(t, db, "--lang", "en", "retention", "parse", "--format", "json", "--topic", "Newsletter", "10 Jahre (gesetzliche Aufbewahrungspflicht)")
	if r.code != 0 || !strings.Contains(r.stdout, `"code": "no-statutory-duty"`) || !strings.Contains(r.stdout, `there is no statutory duty`) {
		t.Errorf("parse json: %+v", r)
	}
	r = gdpr(t, db, "retention", "parse", "Dauer der Geschäftsbeziehung + 1 Monat")
	if r.code != 0 || !strings.Contains(r.stdout, "1 Monat nach Ende der Geschäftsbeziehung") || strings.Contains(r.stdout, "relationship_end") {
		t.Errorf("parse text: %+v", r)
	}
	if r := gdpr(t, db, "retention", "events"); r.code != 0 || !strings.Contains(r.stdout, "application_rejected") {
		t.Errorf("events: %+v", r)
	}
	s000, _, s003, _ := seeds(t)
	gdpr(t, db, "import", s000, s003)
	r = gdpr(t, db, "retention", "classes")
	if r.code != 0 || !strings.Contains(r.stdout, "L1  30 Tage nach Erhebung: betrieb-der-website-und-des-onlineshops") ||
		!strings.Contains(r.stdout, "kundenverwaltung, zahlungsabwicklung-bei-kunden-ueber-externe, werbemassnahmen-zur-kundengewinnung") {
		t.Errorf("classes: %+v", r)
	}
}

func TestUsersAndTokens(t *testing.T) {
	db := filepath.Join(t.TempDir(), "gdpr.db")
	run := func(stdin string, args ...string) run {
		var out, errb bytes.Buffer
		code := cli.Execute(context.Background(), append([]string{"--db", db}, args...), strings.NewReader(stdin), &out, &errb)
		return run{code, out.String(), errb.String()}
	}
	if r := run("a long enough password\n", "users", "add", "erika", "--role", "editor", "--password-stdin"); r.code != 0 || !strings.Contains(r.stdout, "erika") {
		t.Fatalf("add: %+v", r)
	}
	if r := run("short\n", "users", "add", "max", "--role", "editor", "--password-stdin"); r.code != 2 || !strings.Contains(r.stderr, "12 Zeichen") {
		t.Errorf("short password: %+v", r)
	}
	for _, weak := range []string{"password1234", "            ", "max123456789"} {
		if r := run(weak+"\n", "--lang", "en", "users", "add", "max", "--role", "editor", "--password-stdin"); r.code != 2 || !strings.Contains(r.stderr, "too easy to guess") {
			t.Errorf("weak password %q: %+v", weak, r)
		}
	}
	if r := run("a long enough password\n", "users", "add", "erika", "--role", "admin", "--password-stdin"); r.code != 5 {
		t.Errorf("duplicate: %+v", r)
	}
	if r := run("", "users", "add", "max", "--role", "root", "--password-stdin"); r.code != 2 {
		t.Errorf("bad role: %+v", r)
	}
	if r := run("", "users", "add", "max", "--role", "editor"); r.code != 2 || !strings.Contains(r.stderr, "--password-stdin") {
		t.Errorf("no terminal: %+v", r)
	}
	if r := run("", "users", "list", "--format", "json"); !strings.Contains(r.stdout, `"name": "erika"`) || strings.Contains(r.stdout, "argon2") {
		t.Errorf("list: %+v", r)
	}
	if r := run("", "users", "disable", "erika"); r.code != 0 {
		t.Errorf("disable: %+v", r)
	}
	if r := run("", "users", "list"); !strings.Contains(r.stdout, "erika  editor  true") {
		t.Errorf("list after disable: %q", r.stdout)
	}
	r := run("", "tokens", "create", "ci", "--role", "auditor")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "gdpr_") || len(strings.TrimSpace(r.stdout)) != 69 || !strings.Contains(r.stderr, "Hash") {
		t.Fatalf("token: %+v", r)
	}
	if r := run("", "tokens", "list"); !strings.Contains(r.stdout, "ci    auditor") || strings.Contains(r.stdout, "gdpr_") {
		t.Errorf("token list: %q", r.stdout)
	}
	if r := run("", "tokens", "revoke", "ci"); r.code != 0 {
		t.Errorf("revoke: %+v", r)
	}
	if r := run("", "tokens", "revoke", "ci"); r.code != 4 {
		t.Errorf("revoke twice: %+v", r)
	}
}

// syncBuffer is a buffer the serve goroutine writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// serveUntil starts serve, waits until it listens, and stops it.
func serveUntil(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int)
	go func() { done <- cli.Execute(ctx, args, strings.NewReader(""), &out, &errb) }()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), "http://127.0.0.1:") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d: %s %s", code, out.String(), errb.String())
	}
	return out.String()
}

func TestServeStartMessages(t *testing.T) {
	out := serveUntil(t, "serve", "--demo", "--addr", "127.0.0.1:0")
	if !strings.Contains(out, "Demo-Anmeldung: Benutzer demo, Passwort ") || !strings.Contains(out, "allegro:it") {
		t.Errorf("demo start: %s", out)
	}
	// The demo's keys (vault and log) are made for it and go with it.
	_, after, ok := strings.Cut(out, "Demo-Schlüssel (Tresor und Protokoll) in ")
	keys, _, _ := strings.Cut(after, ";")
	if !ok || keys == "" {
		t.Errorf("demo keys: %s", out)
	} else if _, err := os.Stat(keys); err == nil {
		t.Errorf("the demo's keys %s outlive it", keys)
	}
	db := filepath.Join(t.TempDir(), "gdpr.db")
	out = serveUntil(t, "--db", db, "serve", "--addr", "127.0.0.1:0")
	if !strings.Contains(out, "gdpr users add NAME --role admin") {
		t.Errorf("first start without users: %s", out)
	}
	// With a schedule, River starts in the store and stops with it.
	out = serveUntil(t, "--db", db, "serve", "--addr", "127.0.0.1:0", "--sweep-every", "24h")
	if !strings.Contains(out, "Löschläufe laufen alle 24h0m0s (River).") {
		t.Errorf("scheduled sweeps: %s", out)
	}
}

func TestLogsCommands(t *testing.T) {
	// The day of the log lines below: their attack line is kept.
	opts := cli.Options{Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }}
	dir := t.TempDir()
	db := filepath.Join(dir, "gdpr.db")
	key := filepath.Join(dir, "attacks.key")
	in := "Nov 23 07:00:01 host sshd[812]: Failed password for root from 203.0.113.7 port 51234 ssh2\n" +
		`192.0.2.4 - - [23/Nov/2026:07:00:12 +0100] "GET /?u=erika%40example.org HTTP/1.1" 200 512 "-" "Mozilla/5.0 Chrome/124.0.0.0"` + "\n" +
		"Nov 23 07:00:13 mail postfix/smtp[1]: 1A: to=<bob@example.com>, relay=mx[2001:db8::25]:25, dsn=2.0.0, status=sent\n"
	run := func(stdin string, args ...string) run {
		var out, errb bytes.Buffer
		code := cli.Run(context.Background(), opts, append([]string{"--db", db}, args...), strings.NewReader(stdin), &out, &errb)
		return run{code, out.String(), errb.String()}
	}
	r := run(in, "logs", "anonymize", "--attack-key", key, "--stats")
	want := "Nov 23 07:00:01 host sshd[812]: Failed password for root from 0 port 51234 ssh2\n" +
		`0 - - [23/Nov/2026:07:00:12 +0100] "GET /?u=x@x HTTP/1.1" 200 512 "-" "Mozilla/5.0 Chrome/124.0.0.0"` + "\n" +
		"Nov 23 07:00:13 mail postfix/smtp[1]: 1A: to=<x@x>, relay=mx[0]:25, dsn=2.0.0, status=sent\n"
	if r.code != 0 || r.stdout != want {
		t.Fatalf("anonymize: %+v", r)
	}
	if !strings.Contains(r.stderr, "3 Zeilen, 2 IPv4-Adressen, 1 IPv6-Adressen, 2 E-Mail-Adressen ersetzt, 1 Angriffszeilen") {
		t.Errorf("stats: %s", r.stderr)
	}
	if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v %v", fi, err)
	}
	r = run("", "logs", "attacks", "list", "--show", "--attack-key", key, "--format", "json")
	if !strings.Contains(r.stdout, `"detector": "sshd"`) || !strings.Contains(r.stdout, "203.0.113.7") {
		t.Errorf("attacks list: %+v", r)
	}
	if r := run("", "logs", "attacks", "list"); strings.Contains(r.stdout, "203.0.113.7") {
		t.Error("list without --show decrypted")
	}
	r = run("", "logs", "attacks", "export", "--attack-key", key)
	if r.code != 0 || strings.Count(r.stdout, "\n") != 1 || !strings.Contains(r.stdout, `"line":"Nov 23 07:00:01 host sshd[812]: Failed password for root from 203.0.113.7`) {
		t.Errorf("export: %+v", r)
	}
	if r := run("", "logs", "attacks", "purge", "--older-than", "P8D"); r.code != 2 {
		t.Errorf("retention above 7 days accepted: %+v", r)
	}
	if r := run("", "logs", "attacks", "purge", "--older-than", "P0D"); r.code != 0 || !strings.Contains(r.stdout, "1 Angriffszeilen gelöscht") {
		t.Errorf("purge: %+v", r)
	}
	// Files, gzip in and out, truncate mode.
	gzIn := filepath.Join(dir, "in.log.gz")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(in))
	zw.Close()
	os.WriteFile(gzIn, gz.Bytes(), 0o600)
	out := filepath.Join(dir, "out.log.gz")
	if r := run("", "logs", "anonymize", "-i", gzIn, "-o", out, "--no-attacks", "--mode", "truncate"); r.code != 0 {
		t.Fatalf("files: %+v", r)
	}
	f, _ := os.Open(out)
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(zr)
	if !strings.Contains(string(got), "from 203.0.113.0 port") || !strings.Contains(string(got), "relay=mx[2001:db8::]:25") {
		t.Errorf("truncate via files: %s", got)
	}
	if r := run("", "logs", "anonymize", "--mode", "scramble", "--no-attacks"); r.code != 2 {
		t.Errorf("bad mode: %+v", r)
	}
	det := filepath.Join(dir, "det.yaml")
	os.WriteFile(det, []byte("detectors:\n  - name: nginx-limit\n    pattern: 'limiting requests'\n"), 0o600)
	r = run("2026/11/23 [error] limiting requests, client: 203.0.113.9\n", "logs", "anonymize", "--attack-key", key, "--detectors", det)
	if r.code != 0 || r.stdout != "2026/11/23 [error] limiting requests, client: 0\n" {
		t.Fatalf("user detector run: %+v", r)
	}
	if r := run("", "logs", "attacks", "list"); !strings.Contains(r.stdout, "nginx-limit") {
		t.Errorf("user detector not stored: %s", r.stdout)
	}
}

// TestLogsArchive: anonymising an old log keeps its attack lines for seven
// days from their own time: lines older than that are not stored at all
// (and the run says so), younger ones are listed with their own time.
func TestLogsArchive(t *testing.T) {
	opts := cli.Options{Now: func() time.Time { return time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) }}
	dir := t.TempDir()
	db, key := filepath.Join(dir, "gdpr.db"), filepath.Join(dir, "attacks.key")
	in := "Nov 20 07:00:01 host sshd[812]: Failed password for root from 203.0.113.7 port 51234 ssh2\n" +
		"Nov 28 07:00:02 host sshd[812]: Failed password for root from 203.0.113.8 port 51234 ssh2\n" +
		`203.0.113.9 - - [20/Nov/2026:07:00:08 +0100] "GET /wp-login.php HTTP/1.1" 404 153 "-" "zgrab"` + "\n"
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), opts, []string{"--db", db, "--lang", "en", "logs", "anonymize", "--attack-key", key, "--stats"}, strings.NewReader(in), &out, &errb)
	if code != 0 || strings.Contains(out.String(), "203.0.113") {
		t.Fatalf("anonymize: %d %s %s", code, out.String(), errb.String())
	}
	if !strings.Contains(errb.String(), "1 attack lines stored") || !strings.Contains(errb.String(), "2 attack lines were older than the retention period (P7D)") {
		t.Errorf("stats: %s", errb.String())
	}
	out.Reset()
	code = cli.Run(context.Background(), opts, []string{"--db", db, "logs", "attacks", "list", "--show", "--attack-key", key, "--format", "json"}, nil, &out, &errb)
	if code != 0 || strings.Count(out.String(), `"detector"`) != 1 || !strings.Contains(out.String(), "203.0.113.8") {
		t.Fatalf("list: %s", out.String())
	}
	want := time.Date(2026, 11, 28, 7, 0, 2, 0, time.Local).UTC().Format(time.RFC3339)
	if !strings.Contains(out.String(), want) {
		t.Errorf("listed without its own time %s: %s", want, out.String())
	}
}

func TestLogsFollow(t *testing.T) {
	// The day of the attack line below: it is stored.
	opts := cli.Options{Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }}
	dir := t.TempDir()
	log := filepath.Join(dir, "access.log")
	out := filepath.Join(dir, "anon.log")
	os.WriteFile(log, []byte("old 198.51.100.1 before start\n"), 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var errb syncBuffer
	go func() {
		done <- cli.Run(ctx, opts, []string{"--db", filepath.Join(dir, "g.db"), "logs", "follow", log, "-o", out, "--poll", "10ms", "--from-start",
			"--attack-key", filepath.Join(dir, "k")}, strings.NewReader(""), &bytes.Buffer{}, &errb)
	}()
	appendTo := func(s string) {
		f, _ := os.OpenFile(log, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600)
		f.WriteString(s)
		f.Close()
	}
	waitFor := func(want string) {
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if b, _ := os.ReadFile(out); strings.Contains(string(b), want) {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		b, _ := os.ReadFile(out)
		t.Fatalf("no %q in %q (%s)", want, b, errb.String())
	}
	waitFor("old 0 before start\n")
	appendTo("first 203.0.113.7 erika@example.org\n")
	waitFor("first 0 x@x\n")
	// Rotation: renamed away, created anew.
	os.Rename(log, log+".1")
	appendTo("after rotation 2001:db8::5\n")
	waitFor("after rotation 0\n")
	appendTo("Nov 23 07:00:01 host sshd[812]: Failed password for root from 203.0.113.9 port 1 ssh2\n")
	waitFor("from 0 port 1")
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("follow exited %d: %s", code, errb.String())
	}
	b, _ := os.ReadFile(out)
	if strings.Contains(string(b), "198.51.100.1") || strings.Contains(string(b), "203.0.113") {
		t.Errorf("output %q", b)
	}
	var list bytes.Buffer
	cli.Run(context.Background(), opts, []string{"--db", filepath.Join(dir, "g.db"), "logs", "attacks", "list", "--show", "--attack-key", filepath.Join(dir, "k")}, nil, &list, &errb)
	if !strings.Contains(list.String(), "sshd") || !strings.Contains(list.String(), "203.0.113.9") {
		t.Errorf("follow stored no attack line: %s", list.String())
	}
}

// TestServeChecksTheAddressFirst: a taken address is reported before a
// demo is loaded or a sign-in printed that would lead nowhere.
func TestServeChecksTheAddressFirst(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r := gdpr(t, filepath.Join(t.TempDir(), "gdpr.db"), "serve", "--demo", "--addr", ln.Addr().String())
	if r.code != 2 || strings.Contains(r.stdout, "Demo") || !strings.Contains(r.stderr, "--addr "+ln.Addr().String()) {
		t.Errorf("serve on a taken address: %+v", r)
	}
}

// TestVersion: the version line names the Go release it was built with
// (from the build information, not a constant).
func TestVersion(t *testing.T) {
	r := gdpr(t, filepath.Join(t.TempDir(), "gdpr.db"), "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "gdpr ") || !strings.Contains(r.stdout, runtime.Version()) {
		t.Errorf("version: %+v", r)
	}
}

// TestVaultCommands: keys made apart from the store, a person stored,
// found by another spelling, shown, shredded; a key file others may read
// is refused.
func TestVaultCommands(t *testing.T) {
	dir := t.TempDir()
	db, keys := filepath.Join(dir, "gdpr.db"), filepath.Join(dir, "schluessel")
	gdpr(t, db, "import", filepath.Join("..", "demo", "seed000-allegro.txt"))
	if r := gdpr(t, db, "vault", "init", keys); r.code != 0 || !strings.Contains(r.stdout, "Tresor-Schlüssel angelegt") {
		t.Fatalf("init: %+v", r)
	}
	if r := gdpr(t, db, "vault", "init", keys); r.code == 0 {
		t.Fatal("init overwrote existing keys")
	}
	r := gdpr(t, db, "--vault-keys", keys, "subjects", "add", "email=Hans@Müller.de", "name=Hans Müller")
	id := strings.TrimSpace(r.stdout)
	if r.code != 0 || !strings.HasPrefix(id, "s-") {
		t.Fatalf("add: %+v", r)
	}
	if r := gdpr(t, db, "--vault-keys", keys, "subjects", "find", "email", "hans@xn--mller-kva.de"); strings.TrimSpace(r.stdout) != id {
		t.Errorf("find: %+v", r)
	}
	if r := gdpr(t, db, "--vault-keys", keys, "subjects", "show", id); !strings.Contains(r.stdout, "name: Hans Müller") {
		t.Errorf("show: %+v", r)
	}
	if r := gdpr(t, db, "subjects", "show", id); r.code == 0 || !strings.Contains(r.stderr, "keine Schlüssel") {
		t.Errorf("show without keys: %+v", r)
	}
	other := strings.TrimSpace(gdpr(t, db, "--vault-keys", keys, "subjects", "add", "email=erika@example.org", "name=Erika").stdout)
	if r := gdpr(t, db, "--vault-keys", keys, "vault", "rotate"); r.code != 0 || !strings.Contains(r.stdout, "2 Datenschlüssel neu verpackt") || !strings.Contains(r.stdout, "kein Datenschlüssel braucht ihn mehr") {
		t.Errorf("rotate: %+v", r)
	}
	olds, _ := filepath.Glob(filepath.Join(keys, "kek.k*"))
	if len(olds) != 1 {
		t.Fatalf("older KEKs kept: %v", olds)
	}
	// Without the older KEK the people still open: their keys are
	// wrapped by the new one.
	os.Remove(olds[0])
	if r := gdpr(t, db, "--vault-keys", keys, "subjects", "show", other); !strings.Contains(r.stdout, "name: Erika") {
		t.Errorf("show after rotation: %+v", r)
	}
	if r := gdpr(t, db, "--vault-keys", keys, "vault", "rotate", "--index"); r.code != 0 || !strings.Contains(r.stdout, "2 Personen neu indiziert") {
		t.Errorf("rotate --index: %+v", r)
	}
	if olds, _ := filepath.Glob(filepath.Join(keys, "index.key.*")); len(olds) != 0 {
		t.Errorf("the old index key is left: %v", olds)
	}
	if r := gdpr(t, db, "--vault-keys", keys, "subjects", "find", "email", "ERIKA@example.org"); strings.TrimSpace(r.stdout) != other {
		t.Errorf("find after the index rotation: %+v", r)
	}
	if r := gdpr(t, db, "--vault-keys", keys, "subjects", "shred", id); r.code != 0 {
		t.Errorf("shred: %+v", r)
	}
	if r := gdpr(t, db, "--vault-keys", keys, "subjects", "show", id); !strings.Contains(r.stdout, "gelöscht") {
		t.Errorf("show after shred: %+v", r)
	}
	os.Chmod(filepath.Join(keys, "kek"), 0o644)
	if r := gdpr(t, db, "--vault-keys", keys, "subjects", "find", "email", "a@b.de"); r.code == 0 || !strings.Contains(r.stderr, "chmod 600") {
		t.Errorf("a readable key file: %+v", r)
	}
	b, _ := os.ReadFile(db)
	if strings.Contains(string(b), "Hans") {
		t.Error("the store holds the name in plaintext")
	}
	// The register's people, imported without the keys, move into the
	// vault: the entries and their revisions then hold ids.
	os.Chmod(filepath.Join(keys, "kek"), 0o600)
	if r := gdpr(t, db, "--vault-keys", keys, "vault", "seal"); r.code != 0 || !strings.Contains(r.stdout, "im Tresor") {
		t.Errorf("seal: %+v", r)
	}
	if r := gdpr(t, db, "--vault-keys", keys, "vault", "seal"); !strings.Contains(r.stdout, "0 Einträge geschrieben und 0 Versionen geschwärzt") {
		t.Errorf("seal again: %+v", r)
	}
	if r := gdpr(t, db, "activities", "show", "kundenverwaltung"); strings.Contains(r.stdout, "9336991") {
		t.Errorf("without the keys the contact shows: %s", r.stdout)
	}
	if r := gdpr(t, db, "--vault-keys", keys, "activities", "show", "kundenverwaltung"); !strings.Contains(r.stdout, "9336991") {
		t.Errorf("with the keys the contact is missing: %s", r.stdout)
	}
}

// TestBackupCommands: create, list, verify and prune on an injected
// clock.
func TestBackupCommands(t *testing.T) {
	dir := t.TempDir()
	db, backups := filepath.Join(dir, "gdpr.db"), filepath.Join(dir, "sicherungen")
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	run := func(args ...string) run {
		var out, errb bytes.Buffer
		code := cli.Run(context.Background(), cli.Options{Now: func() time.Time { return at }}, append([]string{"--db", db}, args...), strings.NewReader(""), &out, &errb)
		return struct {
			code           int
			stdout, stderr string
		}{code, out.String(), errb.String()}
	}
	gdpr(t, db, "import", filepath.Join("..", "demo", "seed000-allegro.txt"))
	if r := run("backup", "create", "--dir", backups); r.code != 0 || !strings.Contains(r.stdout, "Sicherung geschrieben") {
		t.Fatalf("create: %+v", r)
	}
	at = at.Add(3 * 24 * time.Hour)
	run("backup", "create", "--dir", backups)
	if r := run("backup", "list", "--dir", backups); r.code != 0 || strings.Count(r.stdout, "gdpr-2026") != 2 || !strings.Contains(r.stdout, "MEZ") {
		t.Errorf("list: %+v", r)
	}
	if r := run("backup", "verify", "--dir", backups); r.code != 0 || strings.Count(r.stdout, "lesbar") != 2 {
		t.Errorf("verify: %+v", r)
	}
	at = at.Add(5 * 24 * time.Hour) // the first is 8 days old now
	if r := run("backup", "prune", "--dir", backups); r.code != 0 || !strings.Contains(r.stdout, "gdpr-20260301T100000Z.db") || strings.Contains(r.stdout, "20260304") {
		t.Errorf("prune: %+v", r)
	}
	os.WriteFile(filepath.Join(backups, "gdpr-20260310T100000Z.db"), []byte("kaputt"), 0o600)
	if r := run("backup", "verify", "--dir", backups); r.code != 1 || !strings.Contains(r.stdout, "nicht lesbar") {
		t.Errorf("verify of a damaged backup: %+v", r)
	}
}

// TestAuditCommands: the log verifies, a checkpoint saved outside the
// store catches a rewrite, and one entry's proof checks offline with the
// public key alone.
func TestAuditCommands(t *testing.T) {
	dir := t.TempDir()
	db, keys := filepath.Join(dir, "gdpr.db"), filepath.Join(dir, "schluessel")
	if r := gdpr(t, db, "vault", "init", keys); r.code != 0 || !strings.Contains(r.stdout, "log.pub") {
		t.Fatalf("init: %+v", r)
	}
	if fi, err := os.Stat(filepath.Join(keys, "log.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("log.key: %v %v", fi, err)
	}
	gdpr(t, db, "--vault-keys", keys, "import", filepath.Join("..", "demo", "seed000-allegro.txt"))
	if r := gdpr(t, db, "--vault-keys", keys, "audit", "verify"); r.code != 0 || !strings.Contains(r.stdout, "keine Abweichung") {
		t.Fatalf("verify: %+v", r)
	}
	r := gdpr(t, db, "--vault-keys", keys, "audit", "checkpoint")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "gdpr audit log\n") || !strings.Contains(r.stdout, "— gdpr-audit-log ") {
		t.Fatalf("checkpoint: %+v", r)
	}
	saved := filepath.Join(dir, "checkpoint.txt")
	os.WriteFile(saved, []byte(r.stdout), 0o600)

	// Every PDF ends with the checkpoint; copied out of the PDF's text,
	// it is one the log verifies against.
	pdf := filepath.Join(dir, "verzeichnis.pdf")
	if r := gdpr(t, db, "--vault-keys", keys, "export", "--format", "pdf", "-o", pdf); r.code != 0 {
		t.Fatalf("export: %+v", r)
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext missing in CI")
		}
		t.Log("pdftotext not installed: the PDF's checkpoint is not read back")
	} else {
		out, err := exec.Command("pdftotext", pdf, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		text := string(out)
		i := strings.Index(text, "gdpr audit log\n")
		j := strings.Index(text, "— gdpr-audit-log ")
		if i < 0 || j < i {
			t.Fatalf("no checkpoint in the PDF: %q", text[max(0, len(text)-800):])
		}
		end := j + strings.IndexByte(text[j:], '\n')
		// The note's blank line before the signature is not text.
		cp := strings.Replace(text[i:end+1], "\n— ", "\n\n— ", 1)
		cp = strings.Replace(cp, "\n\n\n— ", "\n\n— ", 1)
		fromPDF := filepath.Join(dir, "aus-dem-pdf.txt")
		os.WriteFile(fromPDF, []byte(cp), 0o600)
		if r := gdpr(t, db, "--vault-keys", keys, "audit", "verify", "--checkpoint", fromPDF); r.code != 0 {
			t.Fatalf("verify against the PDF's checkpoint %q: %+v", cp, r)
		}
	}

	// One revision's proof, checked by an auditor with log.pub only.
	r = gdpr(t, db, "--vault-keys", keys, "audit", "prove", "activity/kundenverwaltung/1")
	if r.code != 0 || !strings.Contains(r.stdout, `"proof"`) {
		t.Fatalf("prove: %+v", r)
	}
	proof := filepath.Join(dir, "proof.json")
	os.WriteFile(proof, []byte(r.stdout), 0o600)
	pub := filepath.Join(dir, "log.pub")
	b, _ := os.ReadFile(filepath.Join(keys, "log.pub"))
	os.WriteFile(pub, b, 0o644)
	if r := gdpr(t, filepath.Join(dir, "none.db"), "audit", "check", proof, "--public-key", pub); r.code != 0 || !strings.Contains(r.stdout, "Nachweis gültig") {
		t.Fatalf("check: %+v", r)
	}
	forged := strings.Replace(r.stdout, "kundenverwaltung", "kundenverwaltunx", 1)
	os.WriteFile(proof, []byte(forged), 0o600)
	if r := gdpr(t, db, "audit", "check", proof, "--public-key", pub); r.code != 1 {
		t.Fatalf("a forged proof: %+v", r)
	}
	if r := gdpr(t, db, "--vault-keys", keys, "audit", "prove", "activity/keine/1"); r.code == 0 || !strings.Contains(r.stderr, "keine/1") {
		t.Fatalf("prove unknown: %+v", r)
	}

	// Someone with the database file rewrites the oldest revision and
	// removes the whole log: the saved checkpoint still tells.
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TRIGGER revisions_no_update`, `UPDATE revisions SET actor = 'someone' WHERE entity = 'activity' AND entity_id = 'kundenverwaltung' AND version = 1`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	r = gdpr(t, db, "--vault-keys", keys, "audit", "verify", "--checkpoint", saved)
	if r.code != 1 || !strings.Contains(r.stdout, "Version 1 der Verarbeitungstätigkeit „kundenverwaltung“: Inhalt geändert") || !strings.Contains(r.stdout, "Trigger") {
		t.Fatalf("verify after the rewrite: %+v", r)
	}
	if r := gdpr(t, db, "--vault-keys", keys, "audit", "verify", "--format", "json"); r.code != 1 || !strings.Contains(r.stdout, `"kind": "changed"`) {
		t.Fatalf("verify json: %+v", r)
	}
	// Without the public key the check says what is missing.
	if r := gdpr(t, db, "audit", "verify"); r.code == 0 || !strings.Contains(r.stderr, "log.pub") {
		t.Fatalf("verify without key: %+v", r)
	}
}
