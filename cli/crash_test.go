package cli_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gdpr/audit"
	"gdpr/auth"
	"gdpr/cli"
	"gdpr/store"
	"gdpr/sweep"
)

// TestMain lets the test binary be the gdpr command for the crash test:
// with GDPR_TEST_CLI set it runs the arguments as gdpr would, on the
// clock GDPR_TEST_NOW (RFC 3339) names.
func TestMain(m *testing.M) {
	if os.Getenv("GDPR_TEST_CLI") == "1" {
		now, err := time.Parse(time.RFC3339, os.Getenv("GDPR_TEST_NOW"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "GDPR_TEST_NOW:", err)
			os.Exit(2)
		}
		// SIGTERM ends a server as it would end gdpr serve; SIGKILL (the
		// crash test) is never caught.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli.Run(ctx, cli.Options{Now: func() time.Time { return now }}, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// waitBatch waits until the store at db shows a sweep batch begun or
// protocolled since the last call.
var lastSeen int

func waitBatch(t *testing.T, db string, limit time.Duration) {
	t.Helper()
	g, err := sql.Open("sqlite", "file:"+db+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		var pending, done int
		g.QueryRow(`SELECT COUNT(*) FROM sweep_batches`).Scan(&pending)
		g.QueryRow(`SELECT COUNT(*) FROM audit WHERE action = 'sweep.batch'`).Scan(&done)
		if pending > 0 || done > lastSeen {
			lastSeen = done
			return
		}
	}
	t.Log("no batch began in time; killing anyway")
}

// TestSweepSurvivesKill: a sweep of 1 M rows killed with SIGKILL at random
// moments 20 times, then run to its end: no row is left, the protocol's
// rows add up to the rows removed, no batch is protocolled twice, nothing
// is pending.
func TestSweepSurvivesKill(t *testing.T) {
	rows := 1_000_000
	if testing.Short() || raceBuild {
		rows = 100_000
	}
	dir := t.TempDir()
	db, company := filepath.Join(dir, "gdpr.db"), filepath.Join(dir, "company.db")
	c, err := sql.Open("sqlite", company)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE access_log (id INTEGER PRIMARY KEY, ip TEXT, logged_at TEXT NOT NULL)`,
		`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ` + strconv.Itoa(rows) + `)
			INSERT INTO access_log SELECT i, '192.0.2.' || (i % 250), datetime('2026-01-01', '+' || (i % 100000) || ' minutes') FROM s`,
		`CREATE INDEX access_log_logged_at ON access_log (logged_at)`,
	} {
		if _, err := c.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	reg := filepath.Join(dir, "register.yaml")
	os.WriteFile(reg, []byte(`activities:
  - id: web
    name: Website
    retention:
      - text: IP-Adressen nach 30 Tagen
        rule: {event: collected, period: P30D}
systems:
  - id: firma
    name: Firma
    engine: sqlite
    dsn_env: GDPR_TEST_CRASH_DSN
    tables:
      - name: access_log
        activity: web
        subject_key: [ip]
        events: {collected: logged_at}
`), 0o600)
	// One clock for the import, every run (11 minutes after the last: a
	// batch a killed run left is stale for the next, a live run's is not
	// taken) and the checks below.
	clock := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	if r := gdprAt(t, clock.Add(-time.Minute), db, "import", reg); r.code != 0 {
		t.Fatalf("import: %+v", r)
	}
	run := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "--db", db, "sweep", "--batch", "5000")
		cmd.Env = append(os.Environ(), "GDPR_TEST_CLI=1", "GDPR_TEST_NOW="+clock.Format(time.RFC3339), "GDPR_TEST_CRASH_DSN="+company)
		clock = clock.Add(11 * time.Minute)
		return cmd
	}
	r := rand.New(rand.NewPCG(3, 5))
	killed, midBatch := 0, 0
	for range 20 {
		cmd := run()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill once the run is sweeping (a batch of it has begun), at a
		// random moment after: how long a run takes to get there differs
		// tenfold between machines and -race.
		waitBatch(t, db, 30*time.Second)
		time.Sleep(time.Duration(r.IntN(400)) * time.Millisecond)
		if cmd.Process.Kill() == nil {
			killed++
		}
		cmd.Wait()
		// Did the kill hit a batch between its keys and its entry?
		if g, err := sql.Open("sqlite", db); err == nil {
			var n int
			g.QueryRow(`SELECT COUNT(*) FROM sweep_batches`).Scan(&n)
			g.Close()
			if n > 0 {
				midBatch++
			}
		}
	}
	out, err := run().CombinedOutput()
	if err != nil {
		t.Fatalf("the last run: %v\n%s", err, out)
	}
	c, _ = sql.Open("sqlite", company)
	defer c.Close()
	var left int
	c.QueryRow(`SELECT COUNT(*) FROM access_log`).Scan(&left)
	s, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := auth.WithPrincipal(context.Background(), auth.Principal{Actor: "t", Role: auth.Admin})
	sum, seen, twice := 0, map[string]bool{}, 0
	for offset := 0; ; offset += 500 {
		es, _, err := s.FindAudit(ctx, audit.Filter{Action: audit.SweepBatch, Offset: offset, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			d, ok := sweep.ParseDetail(e.Detail)
			if !ok {
				t.Fatalf("entry %q", e.Detail)
			}
			sum += int(d.Rows)
			if seen[d.Keys] {
				twice++
			}
			seen[d.Keys] = true
		}
		if len(es) < 500 {
			break
		}
	}
	pending, err := s.PendingSweepBatches(ctx, "firma", "access_log", clock.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d runs killed, %d of them inside a batch; %d batches protocolled", killed, midBatch, len(seen))
	if midBatch == 0 {
		t.Error("no kill hit a batch: the recovery went untested")
	}
	if left != 0 || sum != rows || twice != 0 || len(pending) != 0 {
		t.Errorf("after %d kills: %d rows left, protocol %d of %d rows, %d batches twice, %d pending\n%s", killed, left, sum, rows, twice, len(pending),
			strings.TrimSpace(string(out)))
	}
}
