package store_test

import (
	"context"
	crand "crypto/rand"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"gdpr"
	"gdpr/audit"
	"gdpr/register"
	"gdpr/store"
)

// logFixture is a store with a signed log of revisions (the seed register,
// some entries changed twice) and audit entries, and the log's verifier.
func logFixture(t *testing.T) (map[string]*store.Store, note.Verifier) {
	t.Helper()
	k, err := audit.GenerateKey(crand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	stores := engines(t, store.WithLogKey(k.Private))
	for _, s := range stores {
		ctx := as("user:erika")
		if _, err := s.Apply(ctx, parseSeed(t, "seed000-allegro.txt"), register.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
		acts, _, err := s.FindActivities(ctx, register.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range acts[:4] {
			a.Description += " (geprüft)"
			if _, err := s.UpdateActivity(ctx, a, a.Version); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 60 {
			if err := s.Audit(ctx, audit.Entry{Action: audit.SubjectRead, Target: fmt.Sprintf("s-%03d", i), Outcome: audit.OK, Detail: "name email"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return stores, k.Verifier
}

func check(t *testing.T, s *store.Store, v note.Verifier, exported ...string) audit.Result {
	t.Helper()
	c := audit.NewChecker(v)
	for i, cp := range exported {
		c.Checkpoint(cp, fmt.Sprintf("export-%d.txt", i), false)
	}
	if err := s.CheckLog(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c.Result()
}

func TestLogVerifies(t *testing.T) {
	stores, v := logFixture(t)
	for name, s := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			head, err := s.LogHead(ctx)
			if err != nil || head.Checkpoint == "" {
				t.Fatalf("head %+v %v", head, err)
			}
			r := check(t, s, v, head.Checkpoint)
			if !r.OK() || r.Leaves != head.Size || r.Rows != head.Size || r.Latest == nil || r.Latest.Size != head.Size {
				t.Fatalf("result %+v", r)
			}
			// The tree grows; the exported checkpoint still holds.
			if err := s.Audit(as("user:erika"), audit.Entry{Action: audit.SubjectRead, Target: "s-x", Outcome: audit.OK}); err != nil {
				t.Fatal(err)
			}
			if r := check(t, s, v, head.Checkpoint); !r.OK() || r.Leaves != head.Size+1 {
				t.Fatalf("after growing %+v", r)
			}
			// A checkpoint of another log, or signed by another key, is
			// reported.
			other, _ := audit.GenerateKey(crand.Reader)
			sg, _ := note.NewSigner(other.Private)
			foreign, _ := audit.Sign(audit.Checkpoint{Size: 1}, sg)
			if r := check(t, s, v, foreign); r.OK() || r.Problems[0].Kind != audit.ProblemCheckpoint {
				t.Fatalf("foreign checkpoint %+v", r)
			}
			// Every entry's proof checks offline against the checkpoint.
			for _, ref := range []string{"activity/kundenverwaltung/1", "activity/kundenverwaltung/2"} {
				p, err := s.ProveEntry(ctx, ref)
				if err != nil {
					t.Fatalf("prove %s: %v", ref, err)
				}
				if _, err := p.Check(v); err != nil {
					t.Fatalf("check %s: %v", ref, err)
				}
				p.Revision.Snapshot += " "
				if _, err := p.Check(v); err == nil {
					t.Fatalf("a changed revision's proof checks")
				}
			}
		})
	}
}

// TestLogTamper: 1,000 random manipulations of the audit rows and the
// revisions, each in a transaction rolled back afterwards, and each must
// be reported by the check, naming the entry.
func TestLogTamper(t *testing.T) {
	stores, v := logFixture(t)
	for name, s := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := store.RawDB(s)
			head, _ := s.LogHead(ctx)
			if r := check(t, s, v); !r.OK() {
				t.Fatalf("untouched log: %v", r.Problems)
			}
			type row struct {
				table, ref string
				key        []any
				cols       []string
				vals       []string
			}
			var rows []row
			q := func(query string, fn func(sc func(...any) error)) {
				rs, err := db.QueryContext(ctx, query)
				if err != nil {
					t.Fatal(err)
				}
				defer rs.Close()
				for rs.Next() {
					fn(rs.Scan)
				}
			}
			auditCols := []string{"id", "at", "actor", "action", "target", "outcome", "detail"}
			q(`SELECT id, at, actor, action, target, outcome, detail FROM audit ORDER BY id`, func(sc func(...any) error) {
				vals := make([]string, 7)
				sc(&vals[0], &vals[1], &vals[2], &vals[3], &vals[4], &vals[5], &vals[6])
				rows = append(rows, row{"audit", vals[0], []any{vals[0]}, auditCols, vals})
			})
			nAudit := len(rows)
			revCols := []string{"entity", "entity_id", "version", "action", "actor", "at", "changes", "snapshot"}
			q(`SELECT entity, entity_id, CAST(version AS TEXT), action, actor, at, changes, snapshot FROM revisions ORDER BY at, entity, entity_id, version`, func(sc func(...any) error) {
				vals := make([]string, 8)
				sc(&vals[0], &vals[1], &vals[2], &vals[3], &vals[4], &vals[5], &vals[6], &vals[7])
				rows = append(rows, row{"revisions", vals[0] + "/" + vals[1] + "/" + vals[2], []any{vals[0], vals[1], vals[2]}, revCols, vals})
			})
			where := func(r row) string {
				if r.table == "audit" {
					return "id = ?"
				}
				return "entity = ? AND entity_id = ? AND version = CAST(? AS INTEGER)"
			}
			refOf := func(r row, vals []string) string {
				if r.table == "audit" {
					return vals[0]
				}
				return vals[0] + "/" + vals[1] + "/" + vals[2]
			}
			has := func(res audit.Result, kind, ref string) bool {
				return slices.ContainsFunc(res.Problems, func(p audit.Problem) bool { return p.Kind == kind && p.Ref == ref })
			}
			rng := rand.New(rand.NewPCG(12, uint64(len(name))))
			kinds := []string{"byte", "delete", "newest", "reorder", "trigger", "tail"}
			counts := map[string]int{}
			for trial := range 1000 {
				kind := kinds[trial%len(kinds)]
				var desc string
				var want func(audit.Result) bool
				tamper := func(exec func(string, ...any) error) error {
					switch kind {
					case "byte":
						r := rows[rng.IntN(len(rows))]
						col := rng.IntN(len(r.cols))
						val := r.vals[col]
						if val == "" || r.cols[col] == "version" {
							// An empty field gains a byte; the version, an
							// integer, changes its value.
							if r.cols[col] == "version" {
								val = fmt.Sprint(1000 + rng.IntN(1000))
							} else {
								val = string(rune('a' + rng.IntN(26)))
							}
						} else {
							var pos []int
							for i := 0; i < len(val); i++ {
								if val[i] < 0x80 {
									pos = append(pos, i)
								}
							}
							if len(pos) == 0 {
								return errRetry
							}
							i := pos[rng.IntN(len(pos))]
							c := byte(0x21 + rng.IntN(94))
							if c == val[i] {
								c = '~' - (val[i]-0x21)%2
								if c == val[i] {
									c = '!'
								}
							}
							val = val[:i] + string(c) + val[i+1:]
						}
						nv := slices.Clone(r.vals)
						nv[col] = val
						desc = fmt.Sprintf("%s %s.%s", r.ref, r.table, r.cols[col])
						if err := exec(`UPDATE `+r.table+` SET `+r.cols[col]+` = ? WHERE `+where(r), append([]any{val}, r.key...)...); err != nil {
							return errRetry
						}
						if nref := refOf(r, nv); nref != r.ref {
							want = func(res audit.Result) bool {
								return has(res, audit.ProblemMissing, r.ref) && has(res, audit.ProblemUnlogged, nref)
							}
						} else {
							want = func(res audit.Result) bool { return has(res, audit.ProblemChanged, r.ref) }
						}
					case "delete":
						r := rows[rng.IntN(len(rows))]
						desc = "delete " + r.ref
						if err := exec(`DELETE FROM `+r.table+` WHERE `+where(r), r.key...); err != nil {
							return err
						}
						want = func(res audit.Result) bool { return has(res, audit.ProblemMissing, r.ref) }
					case "newest":
						// The newest k audit entries, or the newest
						// revisions.
						k := 1 + rng.IntN(5)
						var del []row
						if rng.IntN(2) == 0 {
							del = rows[nAudit-k : nAudit]
						} else {
							del = rows[len(rows)-k:]
						}
						desc = fmt.Sprintf("newest %d of %s", k, del[0].table)
						for _, r := range del {
							if err := exec(`DELETE FROM `+r.table+` WHERE `+where(r), r.key...); err != nil {
								return err
							}
						}
						want = func(res audit.Result) bool {
							for _, r := range del {
								if !has(res, audit.ProblemMissing, r.ref) {
									return false
								}
							}
							return true
						}
					case "reorder":
						// Two rows of one table swap what they say.
						lo, hi := 0, nAudit
						if rng.IntN(2) == 1 {
							lo, hi = nAudit, len(rows)
						}
						a, b := rows[lo+rng.IntN(hi-lo)], rows[lo+rng.IntN(hi-lo)]
						first := 1 // audit: all but the id
						if a.table == "revisions" {
							first = 3
						}
						if slices.Equal(a.vals[first:], b.vals[first:]) {
							return errRetry
						}
						desc = "swap " + a.ref + " " + b.ref
						for _, p := range [][2]row{{a, b}, {b, a}} {
							var set []string
							var args []any
							for i := first; i < len(p[0].cols); i++ {
								set, args = append(set, p[0].cols[i]+" = ?"), append(args, p[1].vals[i])
							}
							if err := exec(`UPDATE `+p[0].table+` SET `+strings.Join(set, ", ")+` WHERE `+where(p[0]), append(args, p[0].key...)...); err != nil {
								return err
							}
						}
						want = func(res audit.Result) bool {
							return has(res, audit.ProblemChanged, a.ref) && has(res, audit.ProblemChanged, b.ref)
						}
					case "trigger":
						desc = "drop and re-create the triggers"
						want = func(res audit.Result) bool {
							return slices.ContainsFunc(res.Problems, func(p audit.Problem) bool { return p.Kind == audit.ProblemSchema })
						}
					case "tail":
						// The newest entries with their leaves: only the
						// checkpoint exported before tells.
						k := 1 + rng.IntN(5)
						desc = fmt.Sprintf("tail %d with leaves", k)
						for _, r := range rows[nAudit-k : nAudit] {
							if err := exec(`DELETE FROM audit WHERE id = ?`, r.key...); err != nil {
								return err
							}
						}
						if err := exec(`DELETE FROM log_leaves WHERE idx >= ?`, head.Size-int64(k)); err != nil {
							return err
						}
						want = func(res audit.Result) bool {
							return slices.ContainsFunc(res.Problems, func(p audit.Problem) bool {
								return p.Kind == audit.ProblemTruncated && p.Source == "export-0.txt"
							})
						}
					}
					return nil
				}
				var res audit.Result
				for {
					c := audit.NewChecker(v)
					c.Checkpoint(head.Checkpoint, "export-0.txt", false)
					err := s.Tamper(ctx, true, tamper, c)
					if err == errRetry || err != nil && kind == "byte" {
						continue
					}
					if err != nil {
						t.Fatalf("trial %d (%s): %v", trial, desc, err)
					}
					res = c.Result()
					break
				}
				counts[kind]++
				if res.OK() || !want(res) {
					t.Errorf("trial %d: %s: not reported as expected: %v", trial, desc, res.Problems)
				}
			}
			if r := check(t, s, v, head.Checkpoint); !r.OK() {
				t.Fatalf("after the trials (rolled back): %v", r.Problems)
			}
			t.Logf("%d trials reported: %v", 1000, counts)
		})
	}
}

var errRetry = fmt.Errorf("retry")

// TestLogTwoServers: two stores on one PostgreSQL database (two gdpr
// serve) write revisions and audit entries at once; the leaves are
// numbered without a gap or a duplicate and the log verifies, signed by
// either.
func TestLogTwoServers(t *testing.T) {
	dsn := os.Getenv("GDPR_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but GDPR_TEST_POSTGRES is not set")
		}
		t.Skip("GDPR_TEST_POSTGRES not set: two servers on one PostgreSQL not tried")
	}
	ctx := context.Background()
	k, _ := audit.GenerateKey(crand.Reader)
	dsn = pgSchema(t, dsn)
	var servers [2]*store.Store
	for i := range servers {
		s, err := store.Open(ctx, dsn, store.WithClock(fixedClock()), store.WithLogKey(k.Private))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		servers[i] = s
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := servers[i%2]
			ctx := as(fmt.Sprintf("user:w%d", i))
			for j := range 15 {
				if _, err := s.CreateActivity(ctx, &register.Activity{ID: fmt.Sprintf("a-%d-%d", i, j), Name: "Tätigkeit"}); err != nil {
					errs <- err
					return
				}
				if err := s.Audit(ctx, audit.Entry{Action: audit.SubjectRead, Target: "s", Outcome: audit.OK}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i, s := range servers {
		if r := check(t, s, k.Verifier); !r.OK() || r.Leaves < 8*15*3 {
			t.Fatalf("server %d: %+v", i, r)
		}
	}
}

// TestRedaction: a revision the engine redacts still verifies (its
// redaction is a leaf); the same change made by hand, with a permit of
// one's own, is reported.
func TestRedaction(t *testing.T) {
	stores, v := logFixture(t)
	for name, s := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := as("user:erika")
			revs, _, err := s.FindRevisions(ctx, register.RevisionFilter{Entity: "activity", EntityID: "kundenverwaltung"})
			if err != nil || len(revs) == 0 {
				t.Fatal(err)
			}
			first := revs[len(revs)-1]
			cj, _ := json.Marshal(first.Changes)
			red := register.Redaction{Entity: "activity", EntityID: "kundenverwaltung", Version: first.Version, Changes: string(cj),
				Snapshot: strings.Replace(string(first.Snapshot), `"name":"Thomas H. Grimm"`, `"subject":"s-test"`, 1)}
			if red.Snapshot == string(first.Snapshot) {
				t.Fatalf("nothing to redact in %s", first.Snapshot)
			}
			if err := s.RedactRevisions(ctx, []register.Redaction{red}); err != nil {
				t.Fatal(err)
			}
			if r := check(t, s, v); !r.OK() {
				t.Fatalf("after the redaction: %v", r.Problems)
			}
			// Twice: a chain of redactions still leads to the content.
			red.Snapshot = strings.Replace(red.Snapshot, `s-test`, `s-test2`, 1)
			if err := s.RedactRevisions(ctx, []register.Redaction{red}); err != nil {
				t.Fatal(err)
			}
			if r := check(t, s, v); !r.OK() {
				t.Fatalf("after the second redaction: %v", r.Problems)
			}
			if err := s.RedactRevisions(ctx, []register.Redaction{{Entity: "activity", EntityID: "gibt-es-nicht", Version: 1}}); gdpr.ErrorCode(err) != gdpr.ENOTFOUND {
				t.Fatalf("a revision that is not there: %v", err)
			}
			// By hand: the permit lets the row change, the log tells.
			db := store.RawDB(s)
			q := func(query string) string {
				if s.Engine() == "postgres" {
					n := 0
					return regexp.MustCompile(`\?`).ReplaceAllStringFunc(query, func(string) string { n++; return fmt.Sprintf("$%d", n) })
				}
				return query
			}
			for _, stmt := range []string{
				`INSERT INTO revision_permits (entity, entity_id, version) VALUES ('activity', 'kundenverwaltung', ?)`,
				`UPDATE revisions SET snapshot = '{}' WHERE entity = 'activity' AND entity_id = 'kundenverwaltung' AND version = ?`,
			} {
				if _, err := db.ExecContext(ctx, q(stmt), first.Version); err != nil {
					t.Fatal(err)
				}
			}
			r := check(t, s, v)
			if r.OK() || !slices.ContainsFunc(r.Problems, func(p audit.Problem) bool {
				return p.Kind == audit.ProblemChanged && p.Ref == "activity/kundenverwaltung/1"
			}) {
				t.Fatalf("a redaction by hand: %+v", r.Problems)
			}
		})
	}
}
