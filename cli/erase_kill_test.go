package cli_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestEraseSurvivesKill: an erasure over 70 tables killed with SIGKILL at
// random moments 20 times, then run to its end, leaves the same rows and
// the same receipts as one run never killed on a copy of the same data.
func TestEraseSurvivesKill(t *testing.T) {
	const tables, legal, rows = 60, 10, 400
	setup := func(dir string) {
		t.Helper()
		c, err := sql.Open("sqlite", filepath.Join(dir, "company.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var reg strings.Builder
		reg.WriteString("controller:\n  name: Beispiel GmbH\n  state: NW\nactivities:\n  - id: kunden\n    name: Kunden\n" +
			"  - id: buchhaltung\n    name: Buchhaltung\n    retention:\n      - text: 10 Jahre ab Schluss des Kalenderjahres (§ 147 AO)\n" +
			"        rule: {event: document_date, period: P10Y, anchor: year_end}\nsystems:\n  - id: firma\n    name: Firma\n    engine: sqlite\n    dsn_env: GDPR_TEST_KILL_DSN\n    tables:\n")
		for i := range tables + legal {
			name := fmt.Sprintf("t%02d", i)
			stmts := []string{fmt.Sprintf(`CREATE TABLE %s (id INTEGER PRIMARY KEY, email TEXT, issued_on TEXT, gesperrt INTEGER)`, name),
				fmt.Sprintf(`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %d)
					INSERT INTO %s SELECT i, CASE WHEN i %% 10 = 0 THEN 'andere@example.org' ELSE 'erika@example.org' END,
					CASE WHEN i %% 2 = 0 THEN '2014-05-01' ELSE '2025-05-01' END, NULL FROM s`, rows, name)}
			for _, q := range stmts {
				if _, err := c.Exec(q); err != nil {
					t.Fatal(q, err)
				}
			}
			if i < tables {
				fmt.Fprintf(&reg, "      - {name: %s, activity: kunden, subject_key: [email], columns: {email: E-Mail-Adresse}}\n", name)
			} else {
				fmt.Fprintf(&reg, "      - {name: %s, activity: buchhaltung, subject_key: [email], restricted: gesperrt, events: {document_date: issued_on}}\n", name)
			}
		}
		os.WriteFile(filepath.Join(dir, "register.yaml"), []byte(reg.String()), 0o600)
	}
	dir, ref := t.TempDir(), t.TempDir()
	setup(dir)
	keys := filepath.Join(dir, "schluessel")
	db := filepath.Join(dir, "gdpr.db")
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	t.Setenv("GDPR_TEST_KILL_DSN", filepath.Join(dir, "company.db"))
	g := func(db string, args ...string) run {
		return gdprAt(t, now, db, append([]string{"--vault-keys", keys}, args...)...)
	}
	if r := gdprAt(t, now, db, "import", filepath.Join(dir, "register.yaml")); r.code != 0 {
		t.Fatalf("import: %+v", r)
	}
	gdprAt(t, now, db, "vault", "init", keys)
	r := g(db, "requests", "add", "--kind", "erasure", "--email", "erika@example.org", "--received", "2026-11-20")
	id := strings.Fields(r.stdout)[1]
	if r := g(db, "requests", "verify", id, "Kundennummer und Anschrift"); r.code != 0 {
		t.Fatalf("verify: %+v", r)
	}
	// The reference: the same store and data, copied before any erasure.
	for _, f := range []string{"gdpr.db", "gdpr.db-wal", "company.db"} {
		if b, err := os.ReadFile(filepath.Join(dir, f)); err == nil {
			os.WriteFile(filepath.Join(ref, f), b, 0o600)
		}
	}
	erase := func(db, company string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "--db", db, "--vault-keys", keys, "requests", "erase", id)
		cmd.Env = append(os.Environ(), "GDPR_TEST_CLI=1", "GDPR_TEST_NOW="+now.Format(time.RFC3339), "GDPR_TEST_KILL_DSN="+company)
		return cmd
	}
	rnd := rand.New(rand.NewPCG(7, 11))
	// How far each killed run got: receipts done and pending.
	progress := func() (done, pending int) {
		s, err := sql.Open("sqlite", "file:"+db+"?mode=ro&_pragma=busy_timeout(5000)")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		s.QueryRow(`SELECT COUNT(*) FROM request_receipts WHERE state = 'done'`).Scan(&done)
		s.QueryRow(`SELECT COUNT(*) FROM request_receipts WHERE state = 'pending'`).Scan(&pending)
		return done, pending
	}
	midway, pendingSeen := 0, 0
	for range 20 {
		cmd := erase(db, filepath.Join(dir, "company.db"))
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill once the run has written a receipt beyond what earlier
		// runs left, at a random moment after: how long a run takes to get
		// there differs between machines and -race.
		before, _ := progress()
		exited := make(chan struct{})
		go func() { cmd.Process.Wait(); close(exited) }()
	wait:
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(3 * time.Millisecond) {
			select {
			case <-exited:
				break wait
			default:
			}
			if d, p := progress(); d+p > before {
				break
			}
		}
		time.Sleep(time.Duration(rnd.IntN(200)) * time.Millisecond)
		cmd.Process.Kill()
		<-exited
		d, p := progress()
		if d > 0 && d < tables+legal+1 {
			midway++
		}
		if p > 0 {
			pendingSeen++
		}
	}
	t.Logf("20 kills: %d left the erasure half done, %d a change pending", midway, pendingSeen)
	if midway+pendingSeen == 0 {
		t.Error("no kill landed inside the erasure: the resumption went untested")
	}
	if out, err := erase(db, filepath.Join(dir, "company.db")).CombinedOutput(); err != nil {
		t.Fatalf("the last run: %v %s", err, out)
	}
	if out, err := erase(filepath.Join(ref, "gdpr.db"), filepath.Join(ref, "company.db")).CombinedOutput(); err != nil {
		t.Fatalf("the reference run: %v %s", err, out)
	}
	receipts := func(db string) []string {
		r := g(db, "requests", "show", id, "--format", "json")
		var out struct {
			Receipts []struct {
				System, Table, Action, Until string
				Rows                         int
				Pending                      bool
			} `json:"receipts"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatal(err, r.stdout)
		}
		var s []string
		for _, rc := range out.Receipts {
			s = append(s, fmt.Sprintf("%s/%s %s %d %s pending=%v", rc.System, rc.Table, rc.Action, rc.Rows, rc.Until, rc.Pending))
		}
		slices.Sort(s)
		return s
	}
	got, want := receipts(db), receipts(filepath.Join(ref, "gdpr.db"))
	if len(want) != tables+legal+1 || !slices.Equal(got, want) {
		t.Errorf("receipts after 20 kills differ from the reference:\n got %v\nwant %v", got, want)
	}
	counts := func(path string) []int {
		c, _ := sql.Open("sqlite", path)
		defer c.Close()
		var out []int
		for i := range tables + legal {
			var n int
			c.QueryRow(fmt.Sprintf(`SELECT COUNT(*) FROM t%02d WHERE gesperrt IS NULL`, i)).Scan(&n)
			var m int
			c.QueryRow(fmt.Sprintf(`SELECT COUNT(*) FROM t%02d`, i)).Scan(&m)
			out = append(out, n, m)
		}
		return out
	}
	if a, b := counts(filepath.Join(dir, "company.db")), counts(filepath.Join(ref, "company.db")); !slices.Equal(a, b) {
		t.Errorf("rows differ from the reference: %v vs %v", a, b)
	}
}
