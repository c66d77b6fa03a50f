package cli_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gdpr/audit"
	"gdpr/auth"
	"gdpr/cli"
	"gdpr/register"
	"gdpr/store"
)

// gdprAt runs gdpr on a fixed clock: the commands, the store and the use
// cases all take it.
func gdprAt(t *testing.T, at time.Time, db string, args ...string) run {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), cli.Options{Now: func() time.Time { return at }}, append([]string{"--db", db}, args...), strings.NewReader(""), &out, &errb)
	return run{code, out.String(), errb.String()}
}

// shopDay is the day TestSystemsCommands runs on.
var shopDay = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// shopDB makes a company database: customers with e-mail addresses under
// a name that does not say so, visits with IP addresses, products.
func shopDB(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stmts := []string{
		`CREATE TABLE customers (id INTEGER PRIMARY KEY, kontakt TEXT NOT NULL, tel TEXT, created_at TEXT, last_login TEXT)`,
		`CREATE TABLE visits (id INTEGER PRIMARY KEY, ts TEXT, src TEXT)`,
		`CREATE TABLE products (id INTEGER PRIMARY KEY, product_name TEXT, price REAL)`,
	}
	for i := range 30 {
		stmts = append(stmts,
			fmt.Sprintf(`INSERT INTO customers VALUES (%d, 'kunde%d@beispiel.de', '0521 %06d', '2024-01-%02d', '2025-02-%02d 10:00:00')`, i+1, i, 100000+i, i%28+1, i%28+1),
			fmt.Sprintf(`INSERT INTO visits VALUES (%d, '2025-03-01 12:00:00', '192.0.2.%d')`, i+1, i+1),
			fmt.Sprintf(`INSERT INTO products VALUES (%d, 'Stuhl %d', 49.90)`, i+1, i))
	}
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
}

// TestSystemsCommands: a system in the register, its schema read, a scan
// that finds the personal columns (by their values), --write adds them as
// a draft; the DSN comes from the environment; the audit trail records
// the scan without a value.
func TestSystemsCommands(t *testing.T) {
	dir := t.TempDir()
	db, shop := filepath.Join(dir, "gdpr.db"), filepath.Join(dir, "shop.db")
	shopDB(t, shop)
	reg := filepath.Join(dir, "systeme.yaml")
	os.WriteFile(reg, []byte(`systems:
  - id: shop
    name: Shop-Datenbank
    engine: sqlite
    dsn_env: GDPR_TEST_SHOP_DSN
    tables:
      - name: visits
        subject_key: [src]
        columns: {src: IP-Adressen}
        events: {collected: ts}
`), 0o600)
	if r := gdprAt(t, shopDay, db, "import", reg); r.code != 0 {
		t.Fatalf("import: %+v", r)
	}
	if r := gdprAt(t, shopDay, db, "systems", "list"); r.code != 0 || !strings.Contains(r.stdout, "shop") || !strings.Contains(r.stdout, "sqlite") {
		t.Fatalf("list: %+v", r)
	}
	t.Setenv("GDPR_TEST_SHOP_DSN", "")
	if r := gdprAt(t, shopDay, db, "systems", "schema", "shop"); r.code != 2 || !strings.Contains(r.stderr, "GDPR_TEST_SHOP_DSN ist nicht gesetzt") {
		t.Fatalf("schema without the variable: %+v", r)
	}
	t.Setenv("GDPR_TEST_SHOP_DSN", shop)
	r := gdprAt(t, shopDay, db, "systems", "schema", "shop")
	if r.code != 0 || !strings.Contains(r.stdout, "customers") || !strings.Contains(r.stdout, "Schlüssel: id") || !strings.Contains(r.stdout, "kontakt") {
		t.Fatalf("schema: %+v", r)
	}
	r = gdprAt(t, shopDay, db, "systems", "scan", "shop", "--write")
	if r.code != 0 || !strings.Contains(r.stdout, "kontakt") || !strings.Contains(r.stdout, "E-Mail-Adresse (nach Werten)") ||
		!strings.Contains(r.stdout, "IP-Adressen") || strings.Contains(r.stdout, "product_name") || !strings.Contains(r.stdout, "Ins Verzeichnis aufgenommen") {
		t.Fatalf("scan: %+v", r)
	}
	if strings.Contains(r.stdout, "@beispiel.de") {
		t.Error("the scan printed a value")
	}
	r = gdprAt(t, shopDay, db, "systems", "show", "shop", "--format", "json")
	var x register.System
	if err := json.Unmarshal([]byte(r.stdout), &x); err != nil {
		t.Fatal(err, r.stdout)
	}
	cust, ok := x.Table("customers")
	if x.Status != register.StatusDraft || !ok || cust.Columns["kontakt"] != "E-Mail-Adresse" || cust.Columns["tel"] != "Telefonnummer" ||
		cust.SubjectKey[0] != "id" || cust.Events["last_activity"] != "last_login" || cust.Events["collected"] != "created_at" {
		t.Errorf("after --write: %+v", x)
	}
	if _, ok := x.Table("products"); ok {
		t.Error("products were added")
	}
	if v, _ := x.Table("visits"); v.Columns["src"] != "IP-Adressen" {
		t.Errorf("the mapped table was changed: %+v", v)
	}
	s, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	es, _, err := s.FindAudit(auth.WithPrincipal(context.Background(), auth.Principal{Actor: "t", Role: auth.Admin}), audit.Filter{Action: audit.SystemScan})
	if err != nil || len(es) != 1 || !strings.Contains(es[0].Detail, "personal") || strings.Contains(es[0].Detail, "@") {
		t.Errorf("the scan's audit entry: %+v %v", es, err)
	}
}

// TestCheckLive: the register against the database: rows past their
// retention counted with the oldest date, a mapped column the database
// lacks, a table with personal data no activity declares, a system whose
// variable is unset.
func TestCheckLive(t *testing.T) {
	dir := t.TempDir()
	db, shop := filepath.Join(dir, "gdpr.db"), filepath.Join(dir, "shop.db")
	shopDB(t, shop) // customers created 2024-01-01..28, last login 2025-02-01..28; visits on 2025-03-01
	// A table no one mapped, with e-mail addresses under a neutral name.
	if sdb, err := sql.Open("sqlite", shop); err == nil {
		sdb.Exec(`CREATE TABLE leads (id INTEGER PRIMARY KEY, wert TEXT)`)
		for i := range 20 {
			sdb.Exec(`INSERT INTO leads (wert) VALUES (?)`, fmt.Sprintf("interessent%d@beispiel.de", i))
		}
		sdb.Close()
	}
	reg := filepath.Join(dir, "register.yaml")
	os.WriteFile(reg, []byte(`activities:
  - id: webseite
    name: Betrieb der Website
    retention:
      - text: IP-Adressen nach 30 Tagen
        rule: {event: collected, period: P30D}
  - id: kunden
    name: Kundenkonten
    data_categories: [E-Mail-Adressen der Kunden, Bankverbindung]
    retention:
      - text: 1 Jahr nach dem letzten Login
        rule: {event: last_activity, period: P1Y}
systems:
  - id: shop
    name: Shop-Datenbank
    engine: sqlite
    dsn_env: GDPR_TEST_SHOP_DSN
    tables:
      - name: visits
        activity: webseite
        subject_key: [src]
        columns: {src: IP-Adressen, browser: Browser}
        events: {collected: ts}
      - name: customers
        activity: kunden
        subject_key: [id]
        columns: {kontakt: E-Mail-Adresse}
        events: {last_activity: last_login}
  - id: crm
    name: CRM
    engine: postgres
    dsn_env: GDPR_TEST_CRM_DSN_UNSET
`), 0o600)
	if r := gdprAt(t, time.Date(2026, 1, 15, 8, 0, 0, 0, time.UTC), db, "import", reg); r.code != 0 {
		t.Fatalf("import: %+v", r)
	}
	t.Setenv("GDPR_TEST_SHOP_DSN", shop)
	t.Setenv("GDPR_TEST_CRM_DSN_UNSET", "")
	check := func(day time.Time) (run, map[string]bool) {
		r := gdprAt(t, day, db, "check", "--live", "--scan", "--format", "json")
		var out struct {
			Findings []struct {
				Code string   `json:"code"`
				Args []string `json:"args"`
			} `json:"findings"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatal(err, r.stdout, r.stderr)
		}
		got := map[string]bool{}
		for _, f := range out.Findings {
			if strings.HasPrefix(f.Code, "live-") {
				got[f.Code+" "+strings.Join(f.Args, "|")] = true
			}
		}
		return r, got
	}
	// On 15 January 2026 the visits of 1 March 2025 are past 30 days;
	// the last logins of February 2025 are not past a year.
	r, got := check(time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC))
	for _, want := range []string{
		"live-rows-overdue visits|30|2025-03-01",
		"live-column-missing visits|browser",
		"live-unreachable CRM|GDPR_TEST_CRM_DSN_UNSET",
		"live-unmapped-personal leads|wert",
		"live-category-not-found Bankverbindung",
	} {
		if !got[want] {
			t.Errorf("no finding %q in %v", want, got)
		}
	}
	for k := range got {
		if strings.HasPrefix(k, "live-rows-overdue customers") || strings.HasPrefix(k, "live-unmapped-personal") && k != "live-unmapped-personal leads|wert" ||
			k == "live-category-not-found E-Mail-Adressen der Kunden" {
			t.Errorf("on 15 January: %s", k)
		}
	}
	if r.code != 1 {
		t.Errorf("exit %d with errors (unreachable, missing column)", r.code)
	}
	// On 15 February 2026: a login of 14 February 2025 ended its year on
	// 14 February and is due, one of the 15th is not: 14 days of the
	// month and the two rows of 1 and 2 February again, 16 rows.
	_, got = check(time.Date(2026, 2, 15, 9, 0, 0, 0, time.UTC))
	if !got["live-rows-overdue customers|16|2025-02-01"] {
		t.Errorf("customers on 15 February: %v", got)
	}
	// The sweep of 15 February: a dry run first, then the deletion; the
	// unreachable CRM is skipped, the shop swept.
	sweep := func(args ...string) run {
		return gdprAt(t, time.Date(2026, 2, 15, 9, 0, 0, 0, time.UTC), db, append([]string{"sweep"}, args...)...)
	}
	if r := sweep("--dry-run"); r.code != 0 || !strings.Contains(r.stdout, "Probelauf") || !strings.Contains(r.stdout, "nicht erreichbar") {
		t.Fatalf("dry run: %+v", r)
	}
	r = sweep("--format", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"table": "customers"`) {
		t.Fatalf("sweep: %+v", r)
	}
	var res struct {
		Tables []struct {
			Table string `json:"table"`
			Done  int    `json:"done"`
		} `json:"tables"`
	}
	json.Unmarshal([]byte(r.stdout), &res)
	done := map[string]int{}
	for _, tb := range res.Tables {
		done[tb.Table] = tb.Done
	}
	if done["customers"] != 16 || done["visits"] != 30 {
		t.Errorf("swept %v", done)
	}
	sdb, _ := sql.Open("sqlite", shop)
	defer sdb.Close()
	var left int
	sdb.QueryRow(`SELECT COUNT(*) FROM customers`).Scan(&left)
	if left != 14 {
		t.Errorf("%d customers left, want 14", left)
	}
	// The protocol of the year: CSV on standard output, PDF to a file,
	// read back with pdftotext where it is installed.
	if r := sweep("protocol", "--from", "2026-01-01"); r.code != 0 || !strings.Contains(r.stdout, "shop,customers") || !strings.Contains(r.stdout, ",16,16,") {
		t.Errorf("protocol CSV: %+v", r)
	}
	pdf := filepath.Join(dir, "loeschprotokoll.pdf")
	if r := sweep("protocol", "--format", "pdf", "-o", pdf); r.code != 0 {
		t.Fatalf("protocol PDF: %+v", r)
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext missing in CI")
		}
		t.Log("pdftotext not installed: the protocol PDF is not read back")
		return
	}
	text, err := exec.Command("pdftotext", "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Löschprotokoll", "Zeitraum: 01.01.2026 bis 15.02.2026", "shop / customers", "Zeile löschen: 16 von 16 Zeilen, Regel kunden", "2 Löschstapel, 46 Zeilen"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("the PDF lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(string(text), "@beispiel.de") {
		t.Error("the protocol names a person")
	}
}

func TestProgressBar(t *testing.T) {
	for _, tc := range []struct {
		done, total int64
		want        string
	}{{0, 10, "[....................]"}, {5, 10, "[##########..........]"}, {10, 10, "[####################]"}, {3, 0, ""}} {
		if got := cli.ProgressBar(tc.done, tc.total); got != tc.want {
			t.Errorf("%d/%d: %q", tc.done, tc.total, got)
		}
	}
}

// TestScanDecisions: the DPO accepts one proposed table and one proposed
// column of a mapped table and rejects another table; the accepted land
// in the mapping (a draft), the rejected is remembered and proposed by no
// later scan or live check; a decision on what was not proposed changes
// nothing.
func TestScanDecisions(t *testing.T) {
	dir := t.TempDir()
	db, shop := filepath.Join(dir, "gdpr.db"), filepath.Join(dir, "shop.db")
	shopDB(t, shop)
	sdb, err := sql.Open("sqlite", shop)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`ALTER TABLE visits ADD COLUMN agent TEXT`, `UPDATE visits SET agent = 'support' || id || '@beispiel.de'`,
		`CREATE TABLE testdaten (id INTEGER PRIMARY KEY, adresse TEXT)`,
		`INSERT INTO testdaten (adresse) SELECT 'test' || id || '@example.org' FROM visits`} {
		if _, err := sdb.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	sdb.Close()
	reg := filepath.Join(dir, "systeme.yaml")
	os.WriteFile(reg, []byte(`systems:
  - id: shop
    name: Shop-Datenbank
    engine: sqlite
    dsn_env: GDPR_TEST_SHOP_DSN
    tables:
      - name: visits
        subject_key: [src]
        columns: {src: IP-Adressen}
        events: {collected: ts}
`), 0o600)
	if r := gdprAt(t, shopDay, db, "import", reg); r.code != 0 {
		t.Fatalf("import: %+v", r)
	}
	t.Setenv("GDPR_TEST_SHOP_DSN", shop)
	show := func() register.System {
		r := gdprAt(t, shopDay, db, "systems", "show", "shop", "--format", "json")
		var x register.System
		if err := json.Unmarshal([]byte(r.stdout), &x); err != nil {
			t.Fatal(err, r.stdout)
		}
		return x
	}
	before := show()
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"reject without write", []string{"--reject", "testdaten"}, 2, "brauchen --write"},
		{"not proposed", []string{"--write", "--accept", "products"}, 2, "„products“ hat der Scan nicht vorgeschlagen"},
		{"mapped column", []string{"--write", "--accept", "visits.src"}, 2, "„visits.src“ hat der Scan nicht vorgeschlagen"},
		{"twice", []string{"--write", "--accept", "customers", "--reject", "customers"}, 2, "zweimal"},
	} {
		r := gdprAt(t, shopDay, db, append([]string{"systems", "scan", "shop"}, c.args...)...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%s: %+v", c.name, r)
		}
	}
	if x := show(); x.Version != before.Version {
		t.Fatalf("a refused decision wrote version %d", x.Version)
	}
	r := gdprAt(t, shopDay, db, "systems", "scan", "shop", "--write", "--accept", "customers", "--accept", "visits.agent", "--reject", "testdaten")
	if r.code != 0 || !strings.Contains(r.stdout, "Ins Verzeichnis aufgenommen") || !strings.Contains(r.stdout, "visits.agent") ||
		!strings.Contains(r.stdout, "nicht mehr vorgeschlagen: testdaten") {
		t.Fatalf("decisions: %+v", r)
	}
	x := show()
	v, _ := x.Table("visits")
	if _, ok := x.Table("customers"); !ok || x.Status != register.StatusDraft || v.Columns["agent"] != "E-Mail-Adresse" ||
		!x.Ignored("testdaten") || len(x.Tables) != 2 {
		t.Errorf("after the decisions: %+v", x)
	}
	// The next scan proposes nothing of it again.
	r = gdprAt(t, shopDay, db, "systems", "scan", "shop", "--format", "json")
	var res struct {
		NewTables int `json:"new_tables"`
		Unmapped  int `json:"Unmapped"`
		Tables    []struct {
			Name    string `json:"name"`
			Ignored bool   `json:"ignored"`
		} `json:"tables"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err, r.stdout)
	}
	if res.NewTables != 0 || res.Unmapped != 0 {
		t.Errorf("after the decisions the scan proposes again: %+v", res)
	}
	for _, tb := range res.Tables {
		if tb.Ignored != (tb.Name == "testdaten") {
			t.Errorf("table %s ignored=%v", tb.Name, tb.Ignored)
		}
	}
	r = gdprAt(t, shopDay, db, "check", "--live", "--scan")
	if strings.Contains(r.stdout, "testdaten") {
		t.Errorf("the live check reports the rejected table: %s", r.stdout)
	}
	// The rejected column of a mapped table: once more with a new column.
	sdb, _ = sql.Open("sqlite", shop)
	sdb.Exec(`ALTER TABLE visits ADD COLUMN ref TEXT`)
	sdb.Exec(`UPDATE visits SET ref = 'kunde' || id || '@beispiel.de'`)
	sdb.Close()
	if r := gdprAt(t, shopDay, db, "systems", "scan", "shop", "--write", "--reject", "visits.ref"); r.code != 0 {
		t.Fatalf("reject a column: %+v", r)
	}
	x = show()
	if v, _ := x.Table("visits"); len(v.NotPersonal) != 1 || v.NotPersonal[0] != "ref" {
		t.Errorf("not_personal: %+v", v)
	}
	// Each scan that ran is a run (those whose decisions were refused
	// ended failed); a flag refused before any scan is none.
	r = gdprAt(t, shopDay, db, "runs", "--kind", "scan", "--format", "json")
	var runs []struct {
		Kind, State, System, Actor string
	}
	if err := json.Unmarshal([]byte(r.stdout), &runs); err != nil {
		t.Fatal(err, r.stdout)
	}
	// (All on one fixed clock: their order among themselves is not
	// defined.)
	done := 0
	for _, r := range runs {
		if r.State == "done" && r.System == "shop" && r.Kind == "scan" {
			done++
		}
	}
	if len(runs) < 3 || done < 2 {
		t.Errorf("runs: %+v", runs)
	}
	if r := gdprAt(t, shopDay, db, "runs"); r.code != 0 || !strings.Contains(r.stdout, "fertig") || !strings.Contains(r.stdout, "Spalten gelesen") || !strings.Contains(r.stdout, "AUSGELÖST VON") {
		t.Errorf("runs: %+v", r)
	}
	if r := gdprAt(t, shopDay, db, "runs", "--kind", "backup"); r.code != 2 {
		t.Errorf("runs --kind backup: %+v", r)
	}
	if r := gdprAt(t, shopDay, db, "systems", "scan", "shop"); !strings.Contains(r.stdout, "übergangen") || !strings.Contains(r.stdout, ", 0 davon nicht im Verzeichnis") && !strings.Contains(r.stdout, "davon 0 nicht im Verzeichnis") {
		t.Errorf("scan after rejecting a column: %s", r.stdout)
	}
}
