package jobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gdpr/app"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/connector/conntest"
	"gdpr/jobs"
	"gdpr/period"
	"gdpr/register"
	"gdpr/retention"
	"gdpr/run"
	"gdpr/store"
	"gdpr/sweep"
)

// TestScheduledSweep: the sweep and the scan scheduled inside the server
// run by themselves; with two servers on one PostgreSQL every batch is
// worked and protocolled once. Each sweep and scan is a run with its
// progress and result: the rows the sweeps' runs count add up to the rows
// removed, and the scans propose the table the register lacks. On SQLite,
// one server.
func TestScheduledSweep(t *testing.T) {
	for _, engine := range conntest.Engines(t) {
		if engine == register.EngineMySQL {
			continue // the store runs on SQLite or PostgreSQL
		}
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			companyDSN, company := conntest.DSN(t, register.EngineSQLite)
			if _, err := company.Exec(`CREATE TABLE access_log (id INTEGER PRIMARY KEY, ip TEXT, logged_at TEXT NOT NULL)`); err != nil {
				t.Fatal(err)
			}
			if _, err := company.Exec(`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 12000)
				INSERT INTO access_log SELECT i, '192.0.2.' || (i % 250), '2026-01-01 00:00:00' FROM s`); err != nil {
				t.Fatal(err)
			}
			if _, err := company.Exec(`CREATE TABLE kunden (id INTEGER PRIMARY KEY, mail TEXT)`); err != nil {
				t.Fatal(err)
			}
			for i := range 20 {
				company.Exec(`INSERT INTO kunden (mail) VALUES (?)`, fmt.Sprintf("kunde%d@beispiel.de", i))
			}
			t.Setenv("GDPR_TEST_JOBS_COMPANY", companyDSN)
			storeDSN := filepath.Join(t.TempDir(), "gdpr.db")
			servers := 1
			if engine == register.EnginePostgres {
				storeDSN, _ = conntest.DSN(t, register.EnginePostgres)
				servers = 2
			}
			now := func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) }
			var first *store.Store
			var runners []*jobs.Runner
			for i := range servers {
				s, err := store.Open(ctx, storeDSN, store.WithClock(now))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				if i == 0 {
					first = s
					p30 := period.MustParse("P30D")
					r := &register.Register{
						Activities: []*register.Activity{{ID: "web", Name: "Website", Retention: []register.Retention{{Text: "30 Tage", Rule: &retention.Rule{Event: retention.Collected, Period: &p30}}}}},
						Systems: []*register.System{{ID: "firma", Name: "Firma", Engine: register.EngineSQLite, DSNEnv: "GDPR_TEST_JOBS_COMPANY",
							Tables: []register.Table{{Name: "access_log", Activity: "web", SubjectKey: []string{"ip"}, Events: map[retention.Event]string{retention.Collected: "logged_at"}}}}},
					}
					if _, err := s.Apply(app.System(ctx, "test"), r, register.ApplyOptions{}); err != nil {
						t.Fatal(err)
					}
				}
				a := app.New(app.Config{Store: s, Now: now})
				t.Cleanup(a.Close)
				runner, err := jobs.Start(ctx, jobs.Config{DSN: storeDSN, App: a, SweepEvery: 300 * time.Millisecond, ScanEvery: 500 * time.Millisecond})
				if err != nil {
					t.Fatal(err)
				}
				runners = append(runners, runner)
				t.Cleanup(func() { runner.Stop(context.Background()) })
			}
			var left int
			for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
				company.QueryRow(`SELECT COUNT(*) FROM access_log`).Scan(&left)
				if left == 0 {
					break
				}
			}
			if left != 0 {
				t.Fatalf("%d rows left after a minute of scheduled sweeps", left)
			}
			time.Sleep(700 * time.Millisecond) // a run or two more: they must change nothing
			// Stopped, the servers finish what runs: every run has ended.
			for _, r := range runners {
				r.Stop(ctx)
			}
			runs, err := first.FindRuns(ctx, run.Filter{Limit: 200})
			if err != nil {
				t.Fatal(err)
			}
			var sweptByRuns int64
			var sweeps, scans int
			for _, r := range runs {
				if r.State != run.Done || !strings.HasPrefix(r.Actor, "system:jobs") || r.Finished == nil {
					t.Errorf("run %+v", r)
				}
				switch r.Kind {
				case run.Sweep:
					sweeps++
					sweptByRuns += r.Progress.Done
				case run.Scan:
					scans++
					var sum app.ScanSummary
					if err := json.Unmarshal(r.Result, &sum); err != nil || !slices.Contains(sum.Proposals, "kunden") || strings.Contains(string(r.Result), "@") {
						t.Errorf("scan run result %s %v", r.Result, err)
					}
				}
			}
			if sweeps < 2 || scans < 1 || sweptByRuns != 12000 {
				t.Errorf("%d sweep runs removing %d rows, %d scan runs", sweeps, sweptByRuns, scans)
			}
			es, _, err := first.FindAudit(auth.WithPrincipal(ctx, auth.Principal{Actor: "t", Role: auth.Admin}), audit.Filter{Action: audit.SweepBatch, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			sum, seen := 0, map[string]bool{}
			for _, e := range es {
				d, ok := sweep.ParseDetail(e.Detail)
				if !ok {
					t.Fatalf("entry %q", e.Detail)
				}
				sum += int(d.Rows)
				if seen[d.Keys] {
					t.Errorf("batch %s protocolled twice", d.Keys)
				}
				seen[d.Keys] = true
				if !strings.HasPrefix(e.Actor, "system:jobs") {
					t.Errorf("actor %q", e.Actor)
				}
			}
			if sum != 12000 {
				t.Errorf("protocol: %d rows of 12000 (%s)", sum, fmt.Sprint(len(es), " entries"))
			}
		})
	}
}
