package app_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"gdpr/app"
	"gdpr/connector/conntest"
	"gdpr/period"
	"gdpr/register"
	"gdpr/request"
	"gdpr/retention"
)

// TestEraseRequest: an erasure request on a shop on each engine: the
// customer and a ticket pointing to it go; an invoice of 2014 whose ten
// years under § 147 AO have ended goes, one of 2025 is restricted (its
// Art. 18 column set) until the end of 2035; a newsletter row under a
// legal hold is kept with the hold as ground; a table that holds nothing
// of the person says so; another customer's rows stay; the vault's other
// record is shredded; a second run changes nothing and resumes.
func TestEraseRequest(t *testing.T) {
	for _, engine := range conntest.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			dsn, db := conntest.DSN(t, engine)
			for _, q := range []string{
				`CREATE TABLE customers (id INTEGER PRIMARY KEY, email VARCHAR(200) NOT NULL, name VARCHAR(200), closed_at DATE)`,
				`CREATE TABLE invoices (id INTEGER PRIMARY KEY, customer_id INTEGER, issued_on DATE NOT NULL, amount VARCHAR(20), gesperrt INTEGER)`,
				`CREATE TABLE tickets (id INTEGER PRIMARY KEY, customer INTEGER, text VARCHAR(200), FOREIGN KEY (customer) REFERENCES customers (id))`,
				`CREATE TABLE newsletter (id INTEGER PRIMARY KEY, address VARCHAR(200) NOT NULL)`,
				`CREATE TABLE surveys (id INTEGER PRIMARY KEY, address VARCHAR(200))`,
				`INSERT INTO customers VALUES (1, 'erika@example.org', 'Erika Muster', '2026-01-31')`,
				`INSERT INTO customers VALUES (2, 'max@example.org', 'Max Muster', NULL)`,
				`INSERT INTO invoices VALUES (100, 1, '2014-03-01', '10.00', NULL)`,
				`INSERT INTO invoices VALUES (101, 1, '2025-06-30', '20.00', NULL)`,
				`INSERT INTO invoices VALUES (102, 2, '2014-03-01', '30.00', NULL)`,
				`INSERT INTO tickets VALUES (200, 1, 'Lieferung verspätet')`,
				`INSERT INTO tickets VALUES (201, 2, 'Frage')`,
				`INSERT INTO newsletter VALUES (300, 'erika@example.org')`,
				`INSERT INTO surveys VALUES (400, 'max@example.org')`,
			} {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(q, err)
				}
			}
			t.Setenv("GDPR_TEST_ERASE_DSN", dsn)
			f := newApp(t, app.Config{Vault: vaultKeys(t)})
			ctx := admin()
			p10, p3 := period.MustParse("P10Y"), period.MustParse("P3Y")
			reg := &register.Register{
				Activities: []*register.Activity{
					{ID: "kunden", Name: "Kunden", Retention: []register.Retention{{Text: "3 Jahre nach Vertragsende", Rule: &retention.Rule{Event: retention.ContractEnd, Period: &p3}}}},
					{ID: "buchhaltung", Name: "Buchhaltung", Retention: []register.Retention{{Text: "10 Jahre ab Schluss des Kalenderjahres (§ 147 AO)",
						Rule: &retention.Rule{Event: retention.DocumentDate, Period: &p10, Anchor: retention.AnchorYearEnd}}}},
					{ID: "newsletter", Name: "Newsletter"},
				},
				Systems: []*register.System{{ID: "shop", Name: "Shop", Engine: engine, DSNEnv: "GDPR_TEST_ERASE_DSN", Tables: []register.Table{
					{Name: "customers", Activity: "kunden", SubjectKey: []string{"id", "email"}, Columns: map[string]string{"email": "E-Mail-Adresse", "name": "Name"},
						Events: map[retention.Event]string{retention.ContractEnd: "closed_at"}},
					{Name: "invoices", Activity: "buchhaltung", SubjectKey: []string{"customer_id"}, Restricted: "gesperrt",
						Events: map[retention.Event]string{retention.DocumentDate: "issued_on"}},
					{Name: "newsletter", Activity: "newsletter", SubjectKey: []string{"address"}, Columns: map[string]string{"address": "E-Mail-Adresse"}},
					{Name: "surveys", Activity: "newsletter", SubjectKey: []string{"address"}},
				}}},
			}
			if _, err := f.store.Apply(ctx, reg, register.ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.app.AddHold(ctx, app.NewHold{System: "shop", Table: "newsletter", Column: "address", Value: "erika@example.org", Reason: "Abmahnung anhängig"}); err != nil {
				t.Fatal(err)
			}
			other, _ := f.app.CreateSubject(ctx, app.Record{"email": "erika@example.org", "name": "Erika (Gewinnspiel)"})
			r, err := f.app.CreateRequest(ctx, app.NewRequest{Kind: request.Erasure, Channel: request.Email,
				Requester: app.Record{"email": "erika@example.org", "customer_id": "1"}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.app.EraseRequest(ctx, r.ID); err == nil {
				t.Fatal("erased before the identity was established")
			}
			r, _ = f.app.VerifyIdentity(ctx, r.ID, r.Version, "Kundennummer und Anschrift")
			res, err := f.app.EraseRequest(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, rc := range res.Receipts {
				got[rc.System+"/"+rc.Table] = fmt.Sprintf("%s %d %s %s", rc.Action, rc.Rows, rc.Until, rc.Ground)
				if rc.Also > 0 {
					got[rc.System+"/"+rc.Table] += fmt.Sprintf("; also %d", rc.Also)
				}
			}
			want := map[string]string{
				"shop/tickets":    "erased 1  ",
				"shop/customers":  "erased 1  ",
				"shop/invoices":   "restricted 1 2035-12-31 10 Jahre ab Schluss des Kalenderjahres (§ 147 AO); also 1",
				"shop/newsletter": "kept 1  erase.hold",
				"shop/surveys":    "not_found 0  ",
				"vault/subjects":  "shredded 1  ",
			}
			for k, w := range want {
				if got[k] != w {
					t.Errorf("%s: %q, want %q", k, got[k], w)
				}
			}
			count := func(q string) int {
				var n int
				if err := db.QueryRow(q).Scan(&n); err != nil {
					t.Fatal(q, err)
				}
				return n
			}
			for q, n := range map[string]int{
				`SELECT COUNT(*) FROM customers`:                                        1, // Max stays
				`SELECT COUNT(*) FROM customers WHERE id = 2`:                           1,
				`SELECT COUNT(*) FROM invoices WHERE id = 100`:                          0,
				`SELECT COUNT(*) FROM invoices WHERE id = 101 AND gesperrt IS NOT NULL`: 1,
				`SELECT COUNT(*) FROM invoices WHERE id = 102 AND gesperrt IS NULL`:     1,
				`SELECT COUNT(*) FROM tickets`:                                          1,
				`SELECT COUNT(*) FROM newsletter`:                                       1,
				`SELECT COUNT(*) FROM surveys`:                                          1,
			} {
				if c := count(q); c != n {
					t.Errorf("%s: %d, want %d", q, c, n)
				}
			}
			if s, _ := f.app.GetSubject(ctx, other); !s.Shredded {
				t.Error("the vault's other record is not shredded")
			}
			if s, _ := f.app.GetSubject(ctx, r.Requester); s.Shredded {
				t.Error("the requester's record, the request's proof, is shredded")
			}
			// Again: nothing more is done, every receipt stays one.
			again, err := f.app.EraseRequest(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(again.Receipts) != 0 || again.Resumed != len(res.Receipts) {
				t.Errorf("a second run: %+v", again)
			}
			rcs, _ := f.app.Receipts(ctx, r.ID)
			if len(rcs) != len(res.Receipts) {
				t.Errorf("%d receipts stored of %d", len(rcs), len(res.Receipts))
			}
		})
	}
}

// TestPortability: the rows of tables whose activity rests on consent or
// a contract are portable (JSON and a zip of CSV files); a table under a
// legal duty (Art. 6(1)(c)) is not.
func TestPortability(t *testing.T) {
	dsn, db := conntest.DSN(t, register.EngineSQLite)
	for _, q := range []string{
		`CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, name TEXT)`,
		`CREATE TABLE invoices (id INTEGER PRIMARY KEY, email TEXT, amount TEXT)`,
		`INSERT INTO customers VALUES (1, 'erika@example.org', 'Erika Muster')`,
		`INSERT INTO invoices VALUES (9, 'erika@example.org', '20.00')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("GDPR_TEST_PORT_DSN", dsn)
	f := newApp(t, app.Config{Vault: vaultKeys(t)})
	ctx := admin()
	reg := &register.Register{
		Activities: []*register.Activity{{ID: "kunden", Name: "Kunden", LegalBases: []string{"Art. 6 Abs. 1 lit. b DSGVO"}},
			{ID: "buchhaltung", Name: "Buchhaltung", LegalBases: []string{"Art. 6(1)(c) GDPR, § 147 AO"}}},
		Systems: []*register.System{{ID: "shop", Name: "Shop", Engine: register.EngineSQLite, DSNEnv: "GDPR_TEST_PORT_DSN", Tables: []register.Table{
			{Name: "customers", Activity: "kunden", SubjectKey: []string{"email"}},
			{Name: "invoices", Activity: "buchhaltung", SubjectKey: []string{"email"}}}}},
	}
	if _, err := f.store.Apply(ctx, reg, register.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	r, _ := f.app.CreateRequest(ctx, app.NewRequest{Kind: request.Portability, Channel: request.Email, Requester: app.Record{"email": "erika@example.org"}})
	p, err := f.app.Portability(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Tables) != 1 || p.Tables[0].Table != "customers" || p.Tables[0].Rows[0]["name"] != "Erika Muster" || p.Person["email"] != "erika@example.org" {
		t.Fatalf("portable: %+v", p)
	}
	var js, zb bytes.Buffer
	if err := p.WriteJSON(&js); err != nil || !strings.Contains(js.String(), `"name": "Erika Muster"`) || strings.Contains(js.String(), "20.00") {
		t.Errorf("json: %v %s", err, js.String())
	}
	if err := p.WriteCSV(&zb); err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(zb.Bytes()), int64(zb.Len()))
	if err != nil || len(z.File) != 2 || z.File[1].Name != "01-Shop-customers.csv" {
		t.Fatalf("zip: %v %+v", err, z)
	}
	rc, _ := z.File[1].Open()
	b, _ := io.ReadAll(rc)
	if string(b) != "id,email,name\n1,erika@example.org,Erika Muster\n" {
		t.Errorf("csv: %q", b)
	}
}
