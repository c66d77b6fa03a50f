package app_test

import (
	"database/sql"
	"strconv"
	"strings"
	"testing"
	"time"

	"gdpr/app"
	"gdpr/connector"
	"gdpr/connector/connectors"
	"gdpr/connector/conntest"
	"gdpr/period"
	"gdpr/register"
	"gdpr/retention"
)

// fillLog makes access_log with n rows, all past "30 days" on the
// fixture's day, and an index on the event column.
func fillLog(b *testing.B, db *sql.DB, engine register.Engine, n int) {
	ts := "TIMESTAMP"
	if engine == register.EngineMySQL {
		ts = "DATETIME"
	}
	stmts := []string{`CREATE TABLE access_log (id BIGINT PRIMARY KEY, ip VARCHAR(64), logged_at ` + ts + ` NOT NULL)`}
	switch engine {
	case register.EnginePostgres:
		stmts = append(stmts, `INSERT INTO access_log SELECT i, '192.0.2.' || (i % 250), TIMESTAMP '2026-01-01' + (i % 100000) * INTERVAL '1 minute' FROM generate_series(1, 1000000) i LIMIT `+itoa(n))
	case register.EngineMySQL:
		stmts = append(stmts, `INSERT INTO access_log SELECT seq, CONCAT('192.0.2.', seq % 250), TIMESTAMP '2026-01-01 00:00:00' + INTERVAL (seq % 100000) MINUTE FROM seq_1_to_`+itoa(n))
	default:
		stmts = append(stmts, `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < `+itoa(n)+`)
			INSERT INTO access_log SELECT i, '192.0.2.' || (i % 250), datetime('2026-01-01', '+' || (i % 100000) || ' minutes') FROM s`)
	}
	stmts = append(stmts, `CREATE INDEX access_log_logged_at ON access_log (logged_at)`)
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			b.Fatalf("%.60s: %v", q, err)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// BenchmarkSweep: 1 M rows past their retention, an indexed event column,
// on each engine: a sweep (batches of 5,000, each recorded and
// protocolled) against the baseline of the same batched deletes through
// the connector without the sweep's bookkeeping, in the same run.
// Reported: rows/s deleted by the sweep, x-bare its cost relative to the
// bare deletes.
func BenchmarkSweep(b *testing.B) {
	const rows = 1_000_000
	for _, engine := range conntest.Engines(b) {
		b.Run(string(engine), func(b *testing.B) {
			var sweepD, bareD time.Duration
			for range b.N {
				// The bare deletes: select a page by the condition,
				// delete it, again.
				dsn, db := conntest.DSN(b, engine)
				fillLog(b, db, engine, rows)
				c, err := connectors.Open(engine, dsn)
				if err != nil {
					b.Fatal(err)
				}
				// The same clock as the sweep's below: the fixture's.
				p30 := period.MustParse("P30D")
				cut, _ := retention.DueBefore(retention.Rule{Event: retention.Collected, Period: &p30}, newApp(b, app.Config{}).clock())
				cond := connector.Less("logged_at", cut.Before)
				t0 := time.Now()
				var after []any
				for {
					ks, err := c.Select(b.Context(), "access_log", []string{"id"}, cond, after, 5000)
					if err != nil {
						b.Fatal(err)
					}
					if len(ks) == 0 {
						break
					}
					after = ks[len(ks)-1]
					if _, err := c.Delete(b.Context(), "access_log", []string{"id"}, ks, cond); err != nil {
						b.Fatal(err)
					}
				}
				bareD += time.Since(t0)
				c.Close()

				dsn, db = conntest.DSN(b, engine)
				fillLog(b, db, engine, rows)
				env := "GDPR_BENCH_SWEEP_" + strings.ToUpper(string(engine))
				b.Setenv(env, dsn)
				f := newApp(b, app.Config{})
				r := &register.Register{
					Activities: []*register.Activity{{ID: "web", Name: "Website", Retention: []register.Retention{{Text: "30 Tage", Rule: &retention.Rule{Event: retention.Collected, Period: &p30}}}}},
					Systems: []*register.System{{ID: "log", Name: "Log", Engine: engine, DSNEnv: env, Tables: []register.Table{{Name: "access_log", Activity: "web",
						SubjectKey: []string{"ip"}, Events: map[retention.Event]string{retention.Collected: "logged_at"}}}}},
				}
				if _, err := f.store.Apply(admin(), r, register.ApplyOptions{}); err != nil {
					b.Fatal(err)
				}
				t0 = time.Now()
				res, err := f.app.Sweep(admin(), app.SweepOptions{Batch: 5000})
				if err != nil {
					b.Fatal(err)
				}
				sweepD += time.Since(t0)
				if res.Tables[0].Done != rows {
					b.Fatalf("swept %+v", res.Tables[0])
				}
			}
			b.ReportMetric(float64(rows*b.N)/sweepD.Seconds(), "rows/s")
			b.ReportMetric(float64(sweepD)/float64(bareD), "x-bare")
		})
	}
}
