package app_test

import (
	"strings"
	"testing"

	"gdpr/app"
	"gdpr/audit"
	"gdpr/connector/conntest"
	"gdpr/register"
	"gdpr/request"
)

// TestFindRequestData: the person of a request is found in a shop
// database on each engine by the e-mail address (typed in another case)
// and the customer number, the orders by their foreign key, a table the
// register does not map but that points to a customer too; another
// customer's rows are not; a system that does not answer is named; the
// vault's other record with the same address is found; one audit entry
// counts, never a value.
func TestFindRequestData(t *testing.T) {
	for _, engine := range conntest.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			dsn, db := conntest.DSN(t, engine)
			for _, q := range []string{
				`CREATE TABLE customers (id INTEGER PRIMARY KEY, email VARCHAR(200) NOT NULL, name VARCHAR(200))`,
				`CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, total VARCHAR(20), FOREIGN KEY (customer_id) REFERENCES customers (id))`,
				`CREATE TABLE tickets (id INTEGER PRIMARY KEY, customer INTEGER, text VARCHAR(200), FOREIGN KEY (customer) REFERENCES customers (id))`,
				`INSERT INTO customers VALUES (1, 'erika.muster@example.org', 'Erika Muster')`,
				`INSERT INTO customers VALUES (2, 'max@example.org', 'Max Muster')`,
				`INSERT INTO customers VALUES (3, 'kunde3@example.org', 'Dritte Kundin')`,
				`INSERT INTO orders VALUES (10, 1, '49.90')`,
				`INSERT INTO orders VALUES (11, 1, '12.00')`,
				`INSERT INTO orders VALUES (12, 2, '99.00')`,
				`INSERT INTO tickets VALUES (20, 1, 'Lieferung verspätet')`,
				`INSERT INTO tickets VALUES (21, 3, 'Rechnung falsch')`,
			} {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(q, err)
				}
			}
			t.Setenv("GDPR_TEST_FIND_DSN", dsn)
			f := newApp(t, app.Config{Vault: vaultKeys(t)})
			ctx := admin()
			reg := &register.Register{Systems: []*register.System{
				{ID: "shop", Name: "Shop", Engine: engine, DSNEnv: "GDPR_TEST_FIND_DSN", Tables: []register.Table{
					{Name: "customers", Activity: "kunden", SubjectKey: []string{"id", "email"}, Columns: map[string]string{"email": "E-Mail-Adresse", "name": "Name"}},
					{Name: "orders", Activity: "bestellungen", SubjectKey: []string{"customer_id"}},
				}},
				{ID: "crm", Name: "CRM", Engine: register.EnginePostgres, DSNEnv: "GDPR_TEST_FIND_UNSET"},
			}}
			reg.Systems[1].Tables = []register.Table{{Name: "contacts", SubjectKey: []string{"email"}}}
			if _, err := f.store.Apply(ctx, reg, register.ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
			other, err := f.app.CreateSubject(ctx, app.Record{"email": "Erika.Muster@example.org", "name": "Erika (Newsletter)"})
			if err != nil {
				t.Fatal(err)
			}
			r, err := f.app.CreateRequest(ctx, app.NewRequest{Kind: request.Access, Channel: request.Email,
				Requester: app.Record{"email": "Erika.Muster@Example.org", "customer_id": "1"}})
			if err != nil {
				t.Fatal(err)
			}
			d, err := f.app.FindRequestData(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			var all []string
			for _, ft := range d.Tables {
				got[ft.Table] = len(ft.Rows)
				for _, row := range ft.Rows {
					all = append(all, strings.Join(row, "|"))
				}
			}
			if got["customers"] != 1 || got["orders"] != 2 || got["tickets"] != 1 || len(got) != 3 {
				t.Errorf("found %v", got)
			}
			joined := strings.Join(all, "\n")
			for _, bad := range []string{"Max Muster", "99.00", "Rechnung falsch", "Dritte"} {
				if strings.Contains(joined, bad) {
					t.Errorf("another customer's %q found", bad)
				}
			}
			if !strings.Contains(joined, "Lieferung verspätet") || !strings.Contains(joined, "49.90") {
				t.Errorf("rows: %s", joined)
			}
			if len(d.Unreachable) != 1 || d.Unreachable[0] != "CRM" {
				t.Errorf("unreachable: %v", d.Unreachable)
			}
			if len(d.Vault) != 2 || d.Vault[1].ID != other {
				t.Errorf("vault: %+v", d.Vault)
			}
			es, _, _ := f.store.FindAudit(ctx, auditFilter("request.search"))
			if len(es) != 1 || !strings.Contains(es[0].Detail, "rows 4") || strings.Contains(es[0].Detail, "@") {
				t.Errorf("audit: %+v", es)
			}
			// An auditor may not look.
			if _, err := f.app.FindRequestData(auditor(), r.ID); err == nil {
				t.Error("an auditor searched")
			}
		})
	}
}

func auditFilter(action string) audit.Filter { return audit.Filter{Action: action} }
