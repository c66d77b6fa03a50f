package app_test

import (
	"fmt"
	"testing"

	"gdpr"
	"gdpr/app"
	"gdpr/connector/conntest"
	"gdpr/register"
	"gdpr/request"
	"gdpr/vault"
)

// TestRestrictRequest runs rectification (Art. 16), restriction (Art. 18)
// and objection (Art. 21) on each engine: the objection marks the rows of
// the newsletter (direct marketing on a legitimate interest) restricted
// and leaves the contract's customer table alone, puts the address on the
// suppression list, and a sweep later restricts the newsletter row the
// person got again under another spelling of the address — not another
// person's; the rectification corrects a name without a value in its
// receipt; the restriction marks every table with a column and says which
// tables have none.
func TestRestrictRequest(t *testing.T) {
	for _, engine := range conntest.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			dsn, db := conntest.DSN(t, engine)
			for _, q := range []string{
				`CREATE TABLE customers (id INTEGER PRIMARY KEY, email VARCHAR(200) NOT NULL, name VARCHAR(200), gesperrt INTEGER)`,
				`CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, total VARCHAR(20))`,
				`CREATE TABLE newsletter (id INTEGER PRIMARY KEY, address VARCHAR(200) NOT NULL, blocked_at VARCHAR(40))`,
				`INSERT INTO customers VALUES (1, 'erika@example.org', 'Erika Muster', NULL)`,
				`INSERT INTO customers VALUES (2, 'max@example.org', 'Max Muster', NULL)`,
				`INSERT INTO orders VALUES (10, 1, '49.90')`,
				`INSERT INTO newsletter VALUES (30, 'erika@example.org', NULL)`,
				`INSERT INTO newsletter VALUES (31, 'max@example.org', NULL)`,
			} {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(q, err)
				}
			}
			t.Setenv("GDPR_TEST_RESTRICT_DSN", dsn)
			f := newApp(t, app.Config{Vault: vaultKeys(t)})
			ctx := admin()
			reg := &register.Register{
				Activities: []*register.Activity{
					{ID: "kunden", Name: "Kunden", LegalBases: []string{"Art. 6 Abs. 1 lit. b DSGVO"}},
					{ID: "werbung", Name: "Newsletter", Purposes: []string{"Direktwerbung"}, LegalBases: []string{"Art. 6 Abs. 1 lit. f DSGVO"}},
				},
				Systems: []*register.System{{ID: "shop", Name: "Shop", Engine: engine, DSNEnv: "GDPR_TEST_RESTRICT_DSN", Tables: []register.Table{
					{Name: "customers", Activity: "kunden", SubjectKey: []string{"id", "email"}, Restricted: "gesperrt", Columns: map[string]string{"email": "E-Mail-Adresse"}},
					{Name: "orders", Activity: "kunden", SubjectKey: []string{"customer_id"}},
					{Name: "newsletter", Activity: "werbung", SubjectKey: []string{"address"}, Restricted: "blocked_at", Columns: map[string]string{"address": "E-Mail-Adresse"}},
				}}},
			}
			if _, err := f.store.Apply(ctx, reg, register.ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
			newReq := func(kind request.Kind) *request.Request {
				t.Helper()
				r, err := f.app.CreateRequest(ctx, app.NewRequest{Kind: kind, Channel: request.Email, Requester: app.Record{"email": "erika@example.org", "customer_id": "1"}})
				if err != nil {
					t.Fatal(err)
				}
				r, err = f.app.VerifyIdentity(ctx, r.ID, r.Version, "Kundennummer und Anschrift")
				if err != nil {
					t.Fatal(err)
				}
				return r
			}
			receipts := func(res *app.EraseResult) map[string]string {
				got := map[string]string{}
				for _, rc := range res.Receipts {
					got[rc.System+"/"+rc.Table] = fmt.Sprintf("%s %d %s", rc.Action, rc.Rows, rc.Ground)
				}
				return got
			}
			count := func(q string) (n int) {
				t.Helper()
				if err := db.QueryRow(q).Scan(&n); err != nil {
					t.Fatal(q, err)
				}
				return n
			}

			// Objection: the newsletter only.
			obj := newReq(request.Objection)
			if _, err := f.app.RectifyRequest(ctx, obj.ID, []app.Rectification{{System: "shop", Table: "customers", Set: map[string]string{"name": "x"}}}); gdpr.ErrorCode(err) != gdpr.EINVALID {
				t.Errorf("a rectification of an objection: %v", err)
			}
			res, err := f.app.RestrictRequest(ctx, obj.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{
				"shop/customers":     "untouched 1 restrict.outside",
				"shop/orders":        "untouched 1 restrict.outside",
				"shop/newsletter":    "restricted 1 ",
				"vault/suppressions": "suppressed 2 ",
			}
			if got := receipts(res); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("objection receipts\n got %v\nwant %v", got, want)
			}
			if n := count(`SELECT COUNT(*) FROM newsletter WHERE blocked_at IS NOT NULL`); n != 1 || count(`SELECT COUNT(*) FROM customers WHERE gesperrt IS NOT NULL`) != 0 {
				t.Errorf("after the objection: %d newsletter rows restricted", n)
			}
			if es, err := f.app.Suppressed(ctx, vault.KindEmail, " Erika@Example.ORG", "werbung"); err != nil || len(es) != 1 || es[0].Reason != "objection" {
				t.Errorf("suppressed: %v %+v", err, es)
			}
			if es, _ := f.app.Suppressed(ctx, vault.KindEmail, "max@example.org", ""); len(es) != 0 {
				t.Errorf("another person suppressed: %+v", es)
			}
			// The person signs up again under another spelling (one the
			// request's search does not find); a sweep keeps the objection
			// true.
			if _, err := db.Exec(`INSERT INTO newsletter VALUES (32, ' Erika@example.org', NULL)`); err != nil {
				t.Fatal(err)
			}
			sw, err := f.app.Sweep(ctx, app.SweepOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var suppressed int64
			for _, st := range sw.Tables {
				suppressed += st.Suppressed
			}
			if suppressed != 1 || count(`SELECT COUNT(*) FROM newsletter WHERE blocked_at IS NOT NULL`) != 2 || count(`SELECT COUNT(*) FROM newsletter WHERE id = 31 AND blocked_at IS NULL`) != 1 {
				t.Errorf("the sweep restricted %d rows", suppressed)
			}

			// Rectification.
			rect := newReq(request.Rectification)
			for _, bad := range [][]app.Rectification{
				nil,
				{{System: "shop", Table: "customers", Set: map[string]string{"id": "7"}}},
				{{System: "shop", Table: "customers", Set: map[string]string{"nickname": "E"}}},
				{{System: "shop", Table: "lager", Set: map[string]string{"name": "E"}}},
			} {
				if _, err := f.app.RectifyRequest(ctx, rect.ID, bad); gdpr.ErrorCode(err) != gdpr.EINVALID {
					t.Errorf("rectify %+v: %v", bad, err)
				}
			}
			res, err = f.app.RectifyRequest(ctx, rect.ID, []app.Rectification{{System: "shop", Table: "customers", Set: map[string]string{"name": "Erika Musterfrau"}}})
			if err != nil {
				t.Fatal(err)
			}
			if got := receipts(res); got["shop/customers"] != "rectified 1 name" {
				t.Errorf("rectification receipts %v", got)
			}
			if count(`SELECT COUNT(*) FROM customers WHERE name = 'Erika Musterfrau'`) != 1 || count(`SELECT COUNT(*) FROM customers WHERE name = 'Max Muster'`) != 1 {
				t.Error("the name is not corrected, or another's is")
			}

			// Restriction: every table.
			rs := newReq(request.Restriction)
			res, err = f.app.RestrictRequest(ctx, rs.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			want = map[string]string{
				"shop/customers":     "restricted 1 ",
				"shop/orders":        "kept 1 restrict.nocolumn",
				"shop/newsletter":    "restricted 1 ",
				"vault/suppressions": "suppressed 2 ",
			}
			if got := receipts(res); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("restriction receipts\n got %v\nwant %v", got, want)
			}
			if count(`SELECT COUNT(*) FROM customers WHERE gesperrt IS NOT NULL`) != 1 {
				t.Error("the customer is not restricted")
			}
			// Run again: nothing is done twice.
			if res, err = f.app.RestrictRequest(ctx, rs.ID, ""); err != nil || len(res.Receipts) != 0 || res.Resumed != 4 {
				t.Errorf("again: %v %+v", err, res)
			}
		})
	}
}
