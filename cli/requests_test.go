package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRequestsCommands: a request registered with its deadline in the
// controller's Land, its identity established (with a reason), worked,
// extended in time, answered; the steps the law forbids refused; the
// requester's data only in the vault; all on one fixed clock.
func TestRequestsCommands(t *testing.T) {
	dir := t.TempDir()
	db, keys := filepath.Join(dir, "gdpr.db"), filepath.Join(dir, "schluessel")
	day := time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)
	reg := filepath.Join(dir, "register.yaml")
	os.WriteFile(reg, []byte("controller:\n  name: Beispiel GmbH\n  state: NW\n  holidays: [2026-06-08]\n"), 0o600)
	if r := gdprAt(t, day, db, "import", reg); r.code != 0 {
		t.Fatalf("import: %+v", r)
	}
	if r := gdprAt(t, day, db, "vault", "init", keys); r.code != 0 {
		t.Fatalf("vault init: %+v", r)
	}
	now := day
	g := func(args ...string) run {
		return gdprAt(t, now, db, append([]string{"--vault-keys", keys}, args...)...)
	}
	// Received 4 May 2026: 4 June is Corpus Christi in NRW, so Friday 5 June.
	r := g("requests", "add", "--kind", "erasure", "--email", "erika.muster@example.org", "--name", "Erika Muster", "--received", "2026-05-04", "--note", "Bitte löschen Sie mein Konto.")
	if r.code != 0 || !strings.Contains(r.stdout, "05.06.2026") {
		t.Fatalf("add: %+v", r)
	}
	id := strings.Fields(r.stdout)[1]
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"requests", "start", id}, 3, "Identität"},                                  // identity first
		{[]string{"requests", "answer", id}, 3, "Identität"},                                 // no answer to an unknown person
		{[]string{"requests", "verify", id, " "}, 2, "Wie wurde die Identität festgestellt"}, // how, logged
		{[]string{"requests", "extend", id, "", "--told-at", "2026-05-05"}, 2, "Gründe"},
		{[]string{"requests", "extend", id, "Umfang", "--told-at", "2026-05-07"}, 2, "in der Zukunft"},
		{[]string{"requests", "reject", id, ""}, 2, "Grund"},
		{[]string{"requests", "add", "--kind", "forget", "--email", "x@example.org"}, 2, "unbekannte Art"},
		{[]string{"requests", "add", "--kind", "access"}, 2, "Wer stellt den Antrag"},
		{[]string{"requests", "deadline", "2026-05-04", "--state", "XX"}, 2, "unbekanntes Bundesland"},
	} {
		r := g(c.args...)
		if r.code == 0 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: %+v", c.args, r)
		}
	}
	// A month on, 8 June 2026: told on 6 June is too late.
	now = time.Date(2026, 6, 8, 9, 0, 0, 0, time.UTC)
	if r := g("requests", "extend", id, "Umfang", "--told-at", "2026-06-06"); r.code == 0 || !strings.Contains(r.stderr, "bis zum 2026-06-05") {
		t.Errorf("extension told too late: %+v", r)
	}
	for _, args := range [][]string{
		{"requests", "verify", id, "Kundennummer und Anschrift stimmen überein"},
		{"requests", "start", id},
		{"requests", "assign", id, "dsb"},
		{"requests", "extend", id, "drei Systeme, viele Anträge", "--told-at", "2026-06-05"},
		{"requests", "note", id, "Rückruf von Frau Muster am 12.06."},
	} {
		if r := g(args...); r.code != 0 {
			t.Fatalf("%v: %+v", args, r)
		}
	}
	r = g("requests", "show", id, "--format", "json")
	var out struct {
		Request struct {
			State, Identity, IdentityNote string `json:"-"`
			St                            string `json:"state"`
			Due                           string `json:"due"`
			Assignee                      string `json:"assignee"`
			Extension                     struct {
				Due string `json:"due"`
			} `json:"extension"`
			DaysLeft int `json:"days_left"`
		} `json:"request"`
		Requester struct {
			Record map[string]string `json:"record"`
		} `json:"requester"`
		Events []struct {
			Action, Note, To string
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err, r.stdout)
	}
	// Extended: three months from 4 May, 4 August (a Tuesday).
	if out.Request.St != "extended" || !strings.HasPrefix(out.Request.Extension.Due, "2026-08-04") || out.Request.Assignee != "dsb" ||
		out.Requester.Record["email"] != "erika.muster@example.org" || len(out.Events) != 7 || out.Events[1].Note != "Bitte löschen Sie mein Konto." ||
		out.Events[6].Note != "Rückruf von Frau Muster am 12.06." || out.Request.DaysLeft != 57 {
		t.Errorf("show: %s", r.stdout)
	}
	if r := g("requests", "extend", id, "noch einmal"); r.code == 0 || !strings.Contains(r.stderr, "schon verlängert") {
		t.Errorf("extended twice: %+v", r)
	}
	if r := g("requests", "answer", id); r.code != 0 || !strings.Contains(r.stdout, "beantwortet") {
		t.Errorf("answer: %+v", r)
	}
	if r := g("requests", "list", "--open"); !strings.Contains(r.stdout, "Keine Anträge") {
		t.Errorf("open after the answer: %s", r.stdout)
	}
	// A second request, left alone past its last day.
	g("requests", "add", "--kind", "access", "--email", "max@example.org", "--received", "2026-03-02")
	if r := g("requests", "list", "--overdue"); r.code != 0 || !strings.Contains(r.stdout, "Auskunft") || !strings.Contains(r.stdout, "überfällig") {
		t.Errorf("overdue: %+v", r)
	}
	// The local holiday of the register: 8 June is a Monday.
	if r := g("requests", "deadline", "2026-05-08"); strings.TrimSpace(r.stdout) != "2026-06-09" {
		t.Errorf("deadline with the local holiday: %+v", r)
	}
	if r := g("requests", "deadline", "2026-05-04", "--state", "HH"); strings.TrimSpace(r.stdout) != "2026-06-04" {
		t.Errorf("deadline in Hamburg: %+v", r)
	}
	// The person's data is in the vault, not in the store's tables.
	b, _ := os.ReadFile(db)
	wal, _ := os.ReadFile(db + "-wal")
	for _, v := range []string{"erika.muster@example.org", "Erika Muster", "Frau Muster", "mein Konto"} {
		if strings.Contains(string(b), v) || strings.Contains(string(wal), v) {
			t.Errorf("%q in the store's file", v)
		}
	}
}
