package app_test

import (
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"

	"gdpr/app"
	"gdpr/audit"
	"gdpr/connector/conntest"
	"gdpr/period"
	"gdpr/register"
	"gdpr/retention"
	"gdpr/sweep"
)

// sweepRegister: three activities with their rules and the shop system
// that maps customers (anonymised after three years from the end of the
// contract, Art. 18 column), the access log (deleted after 30 days) and
// invoices (deleted ten years after the end of the year).
func sweepRegister(engine register.Engine, env string) *register.Register {
	p3y, p30d, p10y, p7d := period.MustParse("P3Y"), period.MustParse("P30D"), period.MustParse("P10Y"), period.MustParse("P7D")
	return &register.Register{
		Activities: []*register.Activity{
			{ID: "kunden", Name: "Kundenkonten", Retention: []register.Retention{{Text: "3 Jahre nach Vertragsende", Rule: &retention.Rule{Event: retention.ContractEnd, Period: &p3y}}}},
			{ID: "web", Name: "Website", Retention: []register.Retention{{Text: "IP-Adressen nach 30 Tagen", Rule: &retention.Rule{Event: retention.Collected, Period: &p30d}}}},
			{ID: "buchhaltung", Name: "Buchhaltung", Retention: []register.Retention{{Text: "10 Jahre ab Schluss des Kalenderjahres",
				Rule: &retention.Rule{Event: retention.DocumentDate, Anchor: retention.AnchorYearEnd, Period: &p10y}}}},
		},
		Systems: []*register.System{{ID: "shop", Name: "Shop", Engine: engine, DSNEnv: env,
			Tables: []register.Table{
				{Name: "customers", Activity: "kunden", SubjectKey: []string{"id"}, Columns: map[string]string{"email": "E-Mail", "name": "Name"},
					Events: map[retention.Event]string{retention.ContractEnd: "closed_on"}, Action: register.SweepAnonymise, Restricted: "restricted"},
				{Name: "access_log", Activity: "web", SubjectKey: []string{"ip"}, Columns: map[string]string{"ip": "IP-Adresse"},
					Events: map[retention.Event]string{retention.Collected: "logged_at"}},
				{Name: "invoices", Activity: "buchhaltung", SubjectKey: []string{"customer_id"}, Events: map[retention.Event]string{retention.DocumentDate: "issued_on"}},
			},
			Backups: []register.Backup{{Name: "Nacht", Keep: &p7d}}}},
	}
}

// shopRows seeds the rows around each rule's edge; "today" is the
// fixture's 23 November 2026, 11:00 in Berlin.
func shopRows(t *testing.T, db *sql.DB, engine register.Engine) {
	ts, boolean := "TIMESTAMP", "BOOLEAN"
	if engine == register.EngineMySQL {
		ts = "DATETIME"
	}
	stmts := []string{
		`CREATE TABLE customers (id INTEGER PRIMARY KEY, email VARCHAR(200) NOT NULL, name VARCHAR(200), closed_on DATE, restricted ` + boolean + `)`,
		`CREATE TABLE access_log (id INTEGER PRIMARY KEY, ip VARCHAR(64), logged_at ` + ts + `)`,
		`CREATE TABLE invoices (id INTEGER PRIMARY KEY, customer_id INTEGER, issued_on DATE NOT NULL)`,
		// Ends 21 and 22 November 2026: due; 23 and 24: not; no end of
		// contract yet: pending; restricted: kept; a leap day (ends 28
		// February 2023 + …) and a month's end: due.
		`INSERT INTO customers VALUES (1, 'a@example.org', 'A', '2023-11-21', FALSE), (2, 'b@example.org', 'B', '2023-11-22', NULL),
			(3, 'c@example.org', 'C', '2023-11-23', FALSE), (4, 'd@example.org', 'D', '2023-11-24', FALSE), (5, 'e@example.org', 'E', NULL, FALSE),
			(6, 'f@example.org', 'F', '2020-01-01', TRUE), (7, 'g@example.org', 'G', '2020-02-29', FALSE), (8, 'h@example.org', 'H', '2023-08-31', FALSE)`,
		// 21:59 UTC on 23 October is 23:59 in Berlin (summer time): due;
		// 22:30 UTC is already 24 October there: not.
		`INSERT INTO access_log VALUES (1, '192.0.2.1', '2026-10-23 21:59:00'), (2, '192.0.2.2', '2026-10-23 22:30:00'), (3, '192.0.2.3', '2026-10-24 10:00:00'), (4, '192.0.2.4', '2026-09-01 00:00:00')`,
		// Ten years from the end of 2015 end on 31 December 2025: due;
		// from 2016, on 31 December 2026: not.
		`INSERT INTO invoices VALUES (1, 1, '2015-12-31'), (2, 1, '2016-01-01'), (3, 2, '2010-06-30')`,
	}
	for chunk := range 5 {
		var vals []string
		for i := range 500 {
			id := 100 + chunk*500 + i
			vals = append(vals, fmt.Sprintf("(%d, '198.51.100.%d', '2026-09-15 12:00:00')", id, i%250))
		}
		stmts = append(stmts, `INSERT INTO access_log VALUES `+strings.Join(vals, ", "))
	}
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q[:40], err)
		}
	}
}

// protocolled sums the rows of the sweep's protocol entries per table and
// says whether a batch's keys came twice.
func protocolled(t *testing.T, f *fixture) (map[string]int, bool) {
	es, _, err := f.store.FindAudit(admin(), audit.Filter{Action: audit.SweepBatch})
	if err != nil {
		t.Fatal(err)
	}
	sum, seen, twice := map[string]int{}, map[string]bool{}, false
	for _, e := range es {
		d, ok := sweep.ParseDetail(e.Detail)
		if !ok {
			t.Fatalf("entry %q", e.Detail)
		}
		sum[e.Target] += int(d.Rows)
		twice = twice || seen[d.Keys]
		seen[d.Keys] = true
	}
	return sum, twice
}

// TestSweep: on SQLite, PostgreSQL and MariaDB, exactly the rows past
// their retention are deleted or anonymised — the day before, on and
// after each end, month and year ends, a leap day, summer time, a pending
// event, an Art. 18 restriction, a legal hold and one that has ended — in batches whose protocol entries add up
// to the rows; a second run changes nothing; a batch a dead run began is
// found, finished and protocolled once.
func TestSweep(t *testing.T) {
	for _, engine := range conntest.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			dsn, db := conntest.DSN(t, engine)
			shopRows(t, db, engine)
			env := "GDPR_TEST_SWEEP_" + strings.ToUpper(string(engine))
			t.Setenv(env, dsn)
			f := newApp(t, app.Config{Vault: vaultKeys(t)})
			if _, err := f.store.Apply(admin(), sweepRegister(engine, env), register.ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
			// Customer 7 (due) is under a legal hold; the hold on an IP
			// address ended the day before.
			if _, err := f.app.AddHold(editor(), app.NewHold{System: "shop", Table: "customers", Column: "id", Value: "7", Reason: "Rechtsstreit"}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.app.AddHold(editor(), app.NewHold{System: "shop", Table: "access_log", Column: "ip", Value: "192.0.2.1", Reason: "Ermittlung",
				Until: &register.Date{Year: 2026, Month: 11, Day: 22}}); err != nil {
				t.Fatal(err)
			}
			count := func(q string) int {
				var n int
				if err := db.QueryRow(q).Scan(&n); err != nil {
					t.Fatal(q, err)
				}
				return n
			}
			dry, err := f.app.Sweep(admin(), app.SweepOptions{DryRun: true})
			if err != nil {
				t.Fatal(err)
			}
			due := map[string]int64{}
			for _, st := range dry.Tables {
				due[st.Table] = st.Due
				if st.Table == "customers" && st.Held != 1 {
					t.Errorf("held customers: %d, want 1", st.Held)
				}
			}
			if due["customers"] != 3 || due["access_log"] != 2502 || due["invoices"] != 2 {
				t.Fatalf("due: %v (%+v)", due, dry.Tables)
			}
			if count(`SELECT COUNT(*) FROM access_log`) != 2504 {
				t.Fatal("the dry run changed rows")
			}
			heard := map[string][]int64{}
			res, err := f.app.Sweep(admin(), app.SweepOptions{Batch: 1000, Progress: func(st app.SweepTable) { heard[st.Table] = append(heard[st.Table], st.Done) }})
			if err != nil {
				t.Fatal(err)
			}
			if p := heard["access_log"]; len(p) != 3 || p[2] != 2502 {
				t.Errorf("progress of access_log: %v", p)
			}
			for _, st := range res.Tables {
				if st.Done != due[st.Table] || st.Skipped != "" || st.LeftBackups != "2026-11-30" {
					t.Errorf("%s: %+v", st.Table, st)
				}
				if st.Table == "access_log" && st.Batches != 3 {
					t.Errorf("access_log in %d batches", st.Batches)
				}
			}
			if n := count(`SELECT COUNT(*) FROM access_log WHERE id IN (2, 3)`); n != 2 || count(`SELECT COUNT(*) FROM access_log`) != 2 {
				t.Errorf("access_log after the sweep: %d of the two kept", n)
			}
			if count(`SELECT COUNT(*) FROM invoices`) != 1 || count(`SELECT COUNT(*) FROM invoices WHERE id = 2`) != 1 {
				t.Error("invoices after the sweep")
			}
			if n := count(`SELECT COUNT(*) FROM customers WHERE email = '[gelöscht]' AND name IS NULL AND id IN (1, 2, 8)`); n != 3 ||
				count(`SELECT COUNT(*) FROM customers WHERE email LIKE '%@example.org'`) != 5 || count(`SELECT COUNT(*) FROM customers WHERE id = 7 AND name = 'G'`) != 1 {
				t.Errorf("customers anonymised: %d of 1, 2, 8; 7 held", n)
			}
			sum, twice := protocolled(t, f)
			if sum["shop/customers"] != 3 || sum["shop/access_log"] != 2502 || sum["shop/invoices"] != 2 || twice {
				t.Errorf("protocol %v, a batch twice: %v", sum, twice)
			}
			again, err := f.app.Sweep(admin(), app.SweepOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range again.Tables {
				if st.Done != 0 || st.Due != 0 {
					t.Errorf("a second run: %+v", st)
				}
			}
			// A run dies after its batch's rows are gone and before its
			// entry: the batch stays pending, the next run finishes it.
			for i := range 10 {
				db.Exec(fmt.Sprintf(`INSERT INTO access_log VALUES (%d, '203.0.113.%d', '2026-09-01 08:00:00')`, 5000+i, i))
			}
			var keys [][]any
			for i := range 10 {
				keys = append(keys, []any{int64(5000 + i)})
			}
			ss := any(f.store).(app.SweepStore)
			if err := ss.BeginSweepBatch(admin(), sweep.Batch{ID: "sb-dead", System: "shop", Table: "access_log", Action: "delete", Rule: "web",
				Keys: keys, Planned: 10, Created: f.clock()}); err != nil {
				t.Fatal(err)
			}
			db.Exec(`DELETE FROM access_log WHERE id >= 5000 AND id < 5007`) // the dead run's delete, of 7 (3 not yet)
			// Within ten minutes the batch may be a live run's: left alone.
			if r, _ := f.app.Sweep(admin(), app.SweepOptions{}); recovered(r, "access_log") != 0 {
				t.Error("a fresh pending batch was taken over")
			}
			f.now.Add(11 * 60)
			r, err := f.app.Sweep(admin(), app.SweepOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if recovered(r, "access_log") != 10 || count(`SELECT COUNT(*) FROM access_log WHERE id >= 5000`) != 0 {
				t.Errorf("recovered %d", recovered(r, "access_log"))
			}
			sum, twice = protocolled(t, f)
			if sum["shop/access_log"] != 2512 || twice {
				t.Errorf("protocol after the recovery %v (twice %v)", sum, twice)
			}
			// The Löschprotokoll of November: every batch, oldest first,
			// adding up; as CSV and as PDF; no value of a row.
			p, err := f.app.SweepProtocol(auditor(), register.Date{Year: 2026, Month: 11, Day: 1}, register.Date{Year: 2026, Month: 11, Day: 30}, "de")
			if err != nil || p.Rows != 2517 || len(p.Entries) < 6 || p.Entries[0].BackupsClear != "30.11.2026" {
				t.Fatalf("protocol: %d rows, %d entries %v (%+v)", p.Rows, len(p.Entries), err, p.Entries)
			}
			for i := 1; i < len(p.Entries); i++ {
				if p.Entries[i].ID < p.Entries[i-1].ID {
					t.Error("the protocol is not in time order")
				}
			}
			var csvOut, pdfOut strings.Builder
			if err := f.app.WriteSweepProtocol(auditor(), &csvOut, "csv", register.Date{Year: 2026, Month: 11, Day: 1}, register.Date{Year: 2026, Month: 11, Day: 30}, "de"); err != nil {
				t.Fatal(err)
			}
			if lines := strings.Count(csvOut.String(), "\n"); lines != len(p.Entries)+1 || strings.Contains(csvOut.String(), "192.0.2.") || !strings.Contains(csvOut.String(), "Zeile löschen") {
				t.Errorf("CSV: %d lines\n%s", lines, csvOut.String())
			}
			if err := f.app.WriteSweepProtocol(auditor(), &pdfOut, "pdf", register.Date{Year: 2026, Month: 11, Day: 1}, register.Date{Year: 2026, Month: 11, Day: 30}, "de"); err != nil || !strings.HasPrefix(pdfOut.String(), "%PDF-") {
				t.Errorf("PDF: %v", err)
			}
			if p, _ := f.app.SweepProtocol(auditor(), register.Date{Year: 2026, Month: 10, Day: 1}, register.Date{Year: 2026, Month: 10, Day: 31}, "de"); len(p.Entries) != 0 {
				t.Errorf("October's protocol: %d entries", len(p.Entries))
			}
		})
	}
}

func recovered(r *app.SweepResult, table string) int64 {
	if r == nil {
		return -1
	}
	for _, st := range r.Tables {
		if st.Table == table {
			return st.Recovered
		}
	}
	return -1
}

// TestSweepRefusals: a sweep needs the admin role (a dry run the
// editor's); a draft system is not swept.
func TestSweepRefusals(t *testing.T) {
	f := newApp(t, app.Config{})
	if _, err := f.app.Sweep(editor(), app.SweepOptions{}); err == nil {
		t.Error("an editor swept")
	}
	if _, err := f.app.Sweep(auditor(), app.SweepOptions{DryRun: true}); err == nil {
		t.Error("an auditor previewed a sweep")
	}
	dsn, db := conntest.DSN(t, register.EngineSQLite)
	shopRows(t, db, register.EngineSQLite)
	t.Setenv("GDPR_TEST_SWEEP_DRAFT", dsn)
	r := sweepRegister(register.EngineSQLite, "GDPR_TEST_SWEEP_DRAFT")
	r.Systems[0].Status = register.StatusDraft
	if _, err := f.store.Apply(admin(), r, register.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err := f.app.Sweep(admin(), app.SweepOptions{})
	if err != nil || len(res.Tables) != 3 || res.Tables[0].Skipped != "sweep.draft" {
		t.Fatalf("a draft swept: %+v %v", res, err)
	}
	var n int
	db.QueryRow(`SELECT COUNT(*) FROM access_log`).Scan(&n)
	if n != 2504 {
		t.Errorf("%d rows left of a draft's table", n)
	}
}

// TestHolds: a hold's value is sealed in the vault (not in the store's
// file or its audit trail), listed without it, and erased when lifted.
func TestHolds(t *testing.T) {
	dir := t.TempDir()
	f := newAppAt(t, dir+"/gdpr.db", app.Config{Vault: vaultKeys(t)})
	if _, err := f.store.Apply(admin(), sweepRegister(register.EngineSQLite, "GDPR_TEST_HOLDS"), register.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.AddHold(editor(), app.NewHold{System: "shop", Table: "nosuch", Column: "id", Value: "1", Reason: "x"}); err == nil {
		t.Error("a hold on an unmapped table")
	}
	if _, err := f.app.AddHold(editor(), app.NewHold{System: "shop", Table: "customers", Column: "email", Value: "streit@example.org"}); err == nil {
		t.Error("a hold without reason")
	}
	if _, err := f.app.AddHold(auditor(), app.NewHold{System: "shop", Table: "customers", Column: "email", Value: "streit@example.org", Reason: "Klage"}); err == nil {
		t.Error("an auditor placed a hold")
	}
	h, err := f.app.AddHold(editor(), app.NewHold{System: "shop", Table: "customers", Column: "email", Value: "streit@example.org", Reason: "Klage vor dem LG Paderborn"})
	if err != nil {
		t.Fatal(err)
	}
	hs, _ := f.app.Holds(auditor(), "shop", false)
	if len(hs) != 1 || hs[0].Reason != "Klage vor dem LG Paderborn" || hs[0].Subject == "" {
		t.Fatalf("holds: %+v", hs)
	}
	for _, p := range []string{dir + "/gdpr.db", dir + "/gdpr.db-wal"} {
		if b, _ := os.ReadFile(p); strings.Contains(string(b), "streit@example.org") {
			t.Errorf("%s holds the value in the clear", p)
		}
	}
	if err := f.app.LiftHold(editor(), h.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.app.LiftHold(editor(), h.ID); err != nil {
		t.Errorf("lifting a lifted hold: %v", err)
	}
	if err := f.app.LiftHold(editor(), "hold-nosuch"); err == nil {
		t.Error("an unknown hold lifted")
	}
	if hs, _ := f.app.Holds(auditor(), "shop", false); len(hs) != 0 {
		t.Errorf("after lifting: %+v", hs)
	}
	if s, err := f.app.GetSubject(admin(), h.Subject); err != nil || !s.Shredded {
		t.Errorf("the lifted hold's value: %+v %v", s, err)
	}
	es, _, _ := f.store.FindAudit(admin(), audit.Filter{Action: audit.HoldCreate, Outcome: audit.OK})
	if len(es) != 1 || strings.Contains(es[0].Detail, "streit") {
		t.Errorf("audit: %+v", es)
	}
}

// TestSweepRelatedEvent: an event dated in another table
// ("vertraege.ende"): a customer is due three years after the end of
// their last contract; a contract still running, or none at all, keeps
// them. On SQLite, PostgreSQL and MariaDB.
func TestSweepRelatedEvent(t *testing.T) {
	for _, engine := range conntest.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			dsn, db := conntest.DSN(t, engine)
			for _, q := range []string{
				`CREATE TABLE kunden (id INTEGER PRIMARY KEY, name VARCHAR(100))`,
				`CREATE TABLE vertraege (id INTEGER PRIMARY KEY, kunde_id INTEGER NOT NULL REFERENCES kunden (id), ende DATE)`,
				`INSERT INTO kunden VALUES (1, 'A'), (2, 'B'), (3, 'C'), (4, 'D')`,
				`INSERT INTO vertraege VALUES (1, 1, '2023-01-10'), (2, 1, '2023-05-01'), (3, 2, '2023-01-10'), (4, 2, NULL), (5, 4, '2024-01-01')`,
			} {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(q, err)
				}
			}
			env := "GDPR_TEST_RELATED_" + strings.ToUpper(string(engine))
			t.Setenv(env, dsn)
			f := newApp(t, app.Config{})
			p3y := period.MustParse("P3Y")
			r := &register.Register{
				Activities: []*register.Activity{{ID: "kunden", Name: "Kunden", Retention: []register.Retention{{Text: "3 Jahre nach Vertragsende", Rule: &retention.Rule{Event: retention.ContractEnd, Period: &p3y}}}}},
				Systems: []*register.System{{ID: "crm", Name: "CRM", Engine: engine, DSNEnv: env, Tables: []register.Table{{Name: "kunden", Activity: "kunden",
					SubjectKey: []string{"id"}, Columns: map[string]string{"name": "Name"}, Events: map[retention.Event]string{retention.ContractEnd: "vertraege.ende"},
					Action: register.SweepAnonymise}}}},
			}
			if _, err := f.store.Apply(admin(), r, register.ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
			res, err := f.app.Sweep(admin(), app.SweepOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Tables) != 1 || res.Tables[0].Done != 1 || res.Tables[0].Skipped != "" {
				t.Fatalf("swept %+v", res.Tables)
			}
			var all, first int
			db.QueryRow(`SELECT COUNT(*) FROM kunden WHERE name IS NULL`).Scan(&all)
			db.QueryRow(`SELECT COUNT(*) FROM kunden WHERE name IS NULL AND id = 1`).Scan(&first)
			if all != 1 || first != 1 {
				t.Errorf("anonymised %d customers (customer 1: %d), want customer 1 only", all, first)
			}
		})
	}
}
