package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"gdpr/app"
	"gdpr/connector/sqlite"
	"gdpr/register"
)

// BenchmarkScan: a scan of 50 tables of 100,000 rows each (a company
// database of 5 M rows: customers' e-mail, telephone, IBAN, dates, free
// text, a sparse column), against the baseline of the bare samples: the
// same queries through the connector without discovery, in the same run.
// Reported: seconds a scan, and x-sample, the scan's cost relative to
// the bare samples.
func BenchmarkScan(b *testing.B) {
	const tables, rows = 50, 100_000
	dir := b.TempDir()
	shop := filepath.Join(dir, "company.db")
	db, err := sql.Open("sqlite", shop)
	if err != nil {
		b.Fatal(err)
	}
	for i := range tables {
		for _, q := range []string{
			fmt.Sprintf(`CREATE TABLE t%02d (id INTEGER PRIMARY KEY, kontakt TEXT, tel TEXT, konto TEXT, seit TEXT, notiz TEXT, selten TEXT, menge INTEGER)`, i),
			fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
				INSERT INTO t%02d SELECT i, 'kunde' || i || '@beispiel.de', '0521 ' || (100000 + i), 'DE89370400440532013000',
				'2024-01-' || printf('%%02d', 1 + i %% 28), 'Rückruf unter 0170 ' || (1000000 + i) || ' erbeten',
				CASE WHEN i %% 1000 = 0 THEN 'x' || i ELSE NULL END, i %% 7 FROM n`, rows, i),
		} {
			if _, err := db.Exec(q); err != nil {
				b.Fatal(err)
			}
		}
	}
	db.Close()
	b.Setenv("GDPR_BENCH_COMPANY", shop)
	f := newApp(b, app.Config{})
	ctx := editor()
	if _, err := f.app.CreateSystem(ctx, &register.System{ID: "firma", Name: "Firma", Engine: register.EngineSQLite, DSNEnv: "GDPR_BENCH_COMPANY"}); err != nil {
		b.Fatal(err)
	}
	var scan, bare time.Duration
	var personal int
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		c, err := sqlite.Open(shop)
		if err != nil {
			b.Fatal(err)
		}
		s, err := c.Schema(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		for _, t := range s.Tables {
			for _, col := range t.Columns {
				if _, err := c.Sample(context.Background(), t.Name, col.Name, 100); err != nil {
					b.Fatal(err)
				}
			}
		}
		c.Close()
		bare += time.Since(t0)
		t0 = time.Now()
		res, err := f.app.ScanSystem(ctx, "firma", app.ScanOptions{})
		if err != nil {
			b.Fatal(err)
		}
		scan += time.Since(t0)
		personal = res.Personal
	}
	b.ReportMetric(scan.Seconds()/float64(b.N), "s/scan")
	b.ReportMetric(float64(scan)/float64(bare), "x-sample")
	b.ReportMetric(float64(personal), "personal-columns")
}
