package app_test

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"gdpr/app"
	"gdpr/connector"
	"gdpr/connector/connectors"
	"gdpr/connector/conntest"
	"gdpr/register"
	"gdpr/request"
)

// fillCustomers makes customers with n rows (an indexed e-mail column)
// and orders with two rows a customer pointing to them.
func fillCustomers(b *testing.B, db *sql.DB, engine register.Engine, n int) {
	stmts := []string{`CREATE TABLE customers (id BIGINT PRIMARY KEY, email VARCHAR(100) NOT NULL, name VARCHAR(100))`,
		`CREATE TABLE orders (id BIGINT PRIMARY KEY, customer_id BIGINT NOT NULL, total VARCHAR(20), FOREIGN KEY (customer_id) REFERENCES customers (id))`}
	switch engine {
	case register.EnginePostgres:
		stmts = append(stmts, `INSERT INTO customers SELECT i, 'kunde' || i || '@example.org', 'Kunde ' || i FROM generate_series(1, `+strconv.Itoa(n)+`) i`,
			`INSERT INTO orders SELECT i, (i + 1) / 2, '9.99' FROM generate_series(1, `+strconv.Itoa(2*n)+`) i`)
	case register.EngineMySQL:
		stmts = append(stmts, `INSERT INTO customers SELECT seq, CONCAT('kunde', seq, '@example.org'), CONCAT('Kunde ', seq) FROM seq_1_to_`+strconv.Itoa(n),
			`INSERT INTO orders SELECT seq, (seq + 1) DIV 2, '9.99' FROM seq_1_to_`+strconv.Itoa(2*n))
	default:
		stmts = append(stmts, `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < `+strconv.Itoa(n)+`)
			INSERT INTO customers SELECT i, 'kunde' || i || '@example.org', 'Kunde ' || i FROM s`,
			`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < `+strconv.Itoa(2*n)+`)
			INSERT INTO orders SELECT i, (i + 1) / 2, '9.99' FROM s`)
	}
	stmts = append(stmts, `CREATE INDEX customers_email ON customers (email)`, `CREATE INDEX orders_customer ON orders (customer_id)`)
	// The statistics a database in use has (autovacuum, InnoDB's own):
	// without them a planner fresh from a bulk load may scan.
	if engine == register.EngineMySQL {
		stmts = append(stmts, `ANALYZE TABLE customers, orders`)
	} else {
		stmts = append(stmts, `ANALYZE`)
	}
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			b.Fatalf("%.60s: %v", q, err)
		}
	}
}

// BenchmarkAccess: a person present in three databases of 1 M customers
// each (SQLite, PostgreSQL, MariaDB; GDPR_BENCH_ROWS scales them), found
// for an access request: the whole search (connect, catalogue, the rows by
// the indexed address, the orders by their key, the vault) against the
// baseline of the bare indexed lookups of the same rows through connections
// already open, in the same run. Reported: p95-ms and p50-ms of the search,
// p95-bare-ms, x-bare.
func BenchmarkAccess(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("GDPR_BENCH_ROWS")); err == nil && v > 0 {
		n = v
	}
	engines := conntest.Engines(b)
	f := newApp(b, app.Config{Vault: vaultKeys(b)})
	ctx := admin()
	reg := &register.Register{Activities: []*register.Activity{{ID: "kunden", Name: "Kunden", LegalBases: []string{"Art. 6(1)(b)"}}}}
	var conns []connector.Conn
	for _, e := range engines {
		dsn, db := conntest.DSN(b, e)
		fillCustomers(b, db, e, n)
		env := "GDPR_BENCH_ACCESS_" + string(e)
		b.Setenv(env, dsn)
		reg.Systems = append(reg.Systems, &register.System{ID: string(e), Name: string(e), Engine: e, DSNEnv: env, Tables: []register.Table{
			{Name: "customers", Activity: "kunden", SubjectKey: []string{"email"}, Columns: map[string]string{"email": "E-Mail-Adresse"}},
			{Name: "orders", Activity: "kunden", SubjectKey: []string{"customer_id"}}}})
		c, err := connectors.Open(e, dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	if _, err := f.store.Apply(ctx, reg, register.ApplyOptions{}); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var search, bare []time.Duration
	for range b.N {
		for range 20 {
			k := 1 + r.IntN(n)
			email := fmt.Sprintf("kunde%d@example.org", k)
			req, err := f.app.CreateRequest(ctx, app.NewRequest{Kind: request.Access, Channel: request.Email, Requester: app.Record{"email": email}})
			if err != nil {
				b.Fatal(err)
			}
			t0 := time.Now()
			d, err := f.app.FindRequestData(ctx, req.ID)
			if err != nil {
				b.Fatal(err)
			}
			search = append(search, time.Since(t0))
			if rows := countRows(d); rows != 3*len(engines) {
				b.Fatalf("found %d rows for %s", rows, email)
			}
			t0 = time.Now()
			for _, c := range conns {
				ks, err := c.Select(ctx, "customers", []string{"id"}, &connector.Cond{Op: connector.OpIn, Col: "email", Vals: []any{email}}, nil, 1000, "email", "name")
				if err != nil || len(ks) != 1 {
					b.Fatal(err, ks)
				}
				if _, err := c.Select(ctx, "orders", []string{"id"}, &connector.Cond{Op: connector.OpKeyIn, Cols: []string{"customer_id"}, Keys: [][]any{{ks[0][0]}}}, nil, 1000, "total"); err != nil {
					b.Fatal(err)
				}
			}
			bare = append(bare, time.Since(t0))
		}
	}
	pct := func(ds []time.Duration, p float64) float64 {
		s := slices.Clone(ds)
		slices.Sort(s)
		return float64(s[int(p*float64(len(s)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(search, 0.95), "p95-ms")
	b.ReportMetric(pct(search, 0.50), "p50-ms")
	b.ReportMetric(pct(bare, 0.95), "p95-bare-ms")
	b.ReportMetric(pct(search, 0.5)/pct(bare, 0.5), "x-bare")
}

func countRows(d *app.SubjectData) int {
	n := 0
	for _, t := range d.Tables {
		n += len(t.Rows)
	}
	return n
}
