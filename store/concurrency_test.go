package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"gdpr"
	"gdpr/audit"
	"gdpr/register"
	"gdpr/store"
)

// TestConcurrentCreate: 16 writers create the same id at once. Exactly one
// succeeds; every other one gets a conflict, never an internal error (on
// PostgreSQL the unique violation was passed through as a 500).
func TestConcurrentCreate(t *testing.T) {
	for name, s := range engines(t) {
		t.Run(name, func(t *testing.T) {
			const n = 16
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = s.CreateActivity(as(fmt.Sprintf("w%d", i)), &register.Activity{ID: "same", Name: fmt.Sprintf("Writer %d", i)})
				}()
			}
			wg.Wait()
			ok, conflicts := 0, 0
			for _, err := range errs {
				switch gdpr.ErrorCode(err) {
				case "":
					ok++
				case gdpr.ECONFLICT:
					conflicts++
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}
			if ok != 1 || conflicts != n-1 {
				t.Fatalf("%d created, %d conflicts", ok, conflicts)
			}
			if _, total, _ := s.FindRevisions(context.Background(), register.RevisionFilter{EntityID: "same"}); total != 1 {
				t.Fatalf("%d revisions", total)
			}
		})
	}
}

// TestConcurrentUpdate: 16 writers update one entry at once, each from the
// version it read, several rounds. Every write either succeeds or is a
// conflict; none is lost: the entry's version counts exactly the successful
// writes, each has its revision, and the last one's content is stored.
func TestConcurrentUpdate(t *testing.T) {
	for name, s := range engines(t) {
		t.Run(name, func(t *testing.T) {
			if _, err := s.CreateActivity(as("setup"), &register.Activity{ID: "hot", Name: "Hot"}); err != nil {
				t.Fatal(err)
			}
			const n, rounds = 16, 5
			var mu sync.Mutex
			wins := map[int]string{} // version written -> writer
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ctx := as(fmt.Sprintf("w%d", i))
					for r := range rounds {
						cur, err := s.FindActivityByID(ctx, "hot")
						if err != nil {
							t.Error(err)
							return
						}
						cur.Description = fmt.Sprintf("writer %d round %d", i, r)
						saved, err := s.UpdateActivity(ctx, cur, cur.Version)
						switch gdpr.ErrorCode(err) {
						case "":
							mu.Lock()
							if prev, dup := wins[saved.Version]; dup {
								t.Errorf("version %d written twice (%s and %s)", saved.Version, prev, cur.Description)
							}
							wins[saved.Version] = cur.Description
							mu.Unlock()
						case gdpr.ECONFLICT:
						default:
							t.Errorf("unexpected error: %v", err)
						}
					}
				}()
			}
			wg.Wait()
			final, err := s.FindActivityByID(context.Background(), "hot")
			if err != nil {
				t.Fatal(err)
			}
			if len(wins) == 0 || final.Version != 1+len(wins) || final.Description != wins[final.Version] {
				t.Fatalf("final v%d %q after %d successful writes", final.Version, final.Description, len(wins))
			}
			if _, total, _ := s.FindRevisions(context.Background(), register.RevisionFilter{EntityID: "hot"}); total != 1+len(wins) {
				t.Fatalf("%d revisions for %d writes", total, 1+len(wins))
			}
			if _, total, _ := s.FindAudit(context.Background(), audit.Filter{Action: audit.ActivityUpdate, Limit: 1000}); total != len(wins) {
				t.Fatalf("%d audit entries for %d updates", total, len(wins))
			}
			t.Logf("%s: %d of %d writes succeeded", name, len(wins), n*rounds)
		})
	}
}

// TestAuditInTransaction: a change whose audit entry cannot be written is
// not made.
func TestAuditInTransaction(t *testing.T) {
	for name, s := range engines(t) {
		t.Run(name, func(t *testing.T) {
			ctx := as("dpo")
			a, err := s.CreateActivity(ctx, &register.Activity{ID: "x", Name: "X"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := store.RawDB(s).ExecContext(context.Background(), "DROP TABLE audit"); err != nil {
				t.Fatal(err)
			}
			a.Description = "changed"
			if _, err := s.UpdateActivity(ctx, a, a.Version); err == nil {
				t.Fatal("a change without its audit entry succeeded")
			}
			if cur, _ := s.FindActivityByID(context.Background(), "x"); cur.Description != "" || cur.Version != 1 {
				t.Fatalf("the change was made: %+v", cur)
			}
		})
	}
}

// TestSearch: one filter on both engines, case folded by Unicode rules (not
// SQLite's ASCII-only LOWER), wildcards taken literally.
func TestSearch(t *testing.T) {
	for name, s := range engines(t) {
		t.Run(name, func(t *testing.T) {
			ctx := as("dpo")
			for _, a := range []*register.Activity{
				{ID: "uebermittlung", Name: "Übermittlung an Behörden", Department: "Recht", LegalBases: []string{"Art. 6 Abs. 1 lit. c DSGVO"}, ThirdCountryTransfers: register.Transfers{None: true}},
				{ID: "strasse", Name: "Adressen", Purposes: []string{"Zustellung an die STRASSE"}, Department: "Vertrieb"},
				{ID: "rabatt", Name: "Rabatt 100% für Stammkunden", LegalBases: []string{"Art. 6 Abs. 1 lit. a DSGVO"},
					ThirdCountryTransfers: register.Transfers{Items: []register.Transfer{{Country: "US", Safeguard: "DPF"}}}},
				{ID: "unter_strich", Name: "Datei_Export", Description: "ein ÄÖÜ-Test"},
			} {
				if _, err := s.CreateActivity(ctx, a); err != nil {
					t.Fatal(err)
				}
			}
			for _, tc := range []struct {
				f    register.Filter
				want string
			}{
				{register.Filter{Query: "Übermittlung"}, "uebermittlung"},
				{register.Filter{Query: "übermittlung"}, "uebermittlung"},
				{register.Filter{Query: "ÜBERMITTLUNG"}, "uebermittlung"},
				{register.Filter{Query: "straße"}, "strasse"},
				{register.Filter{Query: "äöü"}, "unter_strich"},
				{register.Filter{Query: "%"}, "rabatt"},
				{register.Filter{Query: "_"}, "unter_strich"},
				{register.Filter{Query: `\`}, ""},
				{register.Filter{Query: "stamm"}, "rabatt"},
				{register.Filter{Department: "Recht"}, "uebermittlung"},
				{register.Filter{LegalBasis: "Art. 6 Abs. 1 lit. a DSGVO"}, "rabatt"},
				{register.Filter{LegalBasis: "Art. 6 Abs. 1 lit."}, ""},
				{register.Filter{ThirdCountry: "yes"}, "rabatt"},
				{register.Filter{ThirdCountry: "no"}, "uebermittlung"},
				{register.Filter{ThirdCountry: "unstated"}, "strasse unter_strich"},
			} {
				list, total, err := s.FindActivities(ctx, tc.f)
				var ids []string
				for _, a := range list {
					ids = append(ids, a.ID)
				}
				if err != nil || strings.Join(ids, " ") != tc.want || total != len(ids) {
					t.Errorf("%+v: %v (total %d), want %q (%v)", tc.f, ids, total, tc.want, err)
				}
			}
			f, err := s.Facets(ctx)
			if err != nil || strings.Join(f.Departments, ",") != "Recht,Vertrieb" || len(f.LegalBases) != 2 {
				t.Fatalf("facets %+v %v", f, err)
			}
		})
	}
}

// TestChanges: what changed after a state, on both engines; the state
// moves only with changes of the register.
func TestChanges(t *testing.T) {
	for name, s := range engines(t) {
		t.Run(name, func(t *testing.T) {
			ctx := as("dpo")
			if _, err := s.Apply(ctx, parseSeed(t, "seed000-allegro.txt"), register.ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
			all, err := s.Changes(ctx, -1)
			if err != nil || len(all.Activities) != 4 || len(all.Measures) != 8 || all.Header == nil || all.State < 1 {
				t.Fatalf("everything: %d activities, %d measures, header %v, state %d, %v", len(all.Activities), len(all.Measures), all.Header, all.State, err)
			}
			if d, _ := s.Changes(ctx, all.State); len(d.Activities)+len(d.Measures) != 0 || d.Header != nil || d.State != all.State {
				t.Fatalf("nothing changed: %+v", d)
			}
			// A user's sign-in is no change of the register.
			s.CreateUser(ctx, "erika", "editor", "h")
			a, _ := s.FindActivityByID(ctx, "kundenverwaltung")
			a.Description = "neu"
			s.UpdateActivity(ctx, a, a.Version)
			s.ArchiveActivity(ctx, "werbemassnahmen-zur-kundengewinnung")
			d, err := s.Changes(ctx, all.State)
			if err != nil || d.State != all.State+2 || len(d.Activities) != 2 || d.Activities[0].ID != "kundenverwaltung" || d.Activities[1].Status != register.StatusArchived ||
				d.ActivityPos["kundenverwaltung"] == 0 || len(d.Measures) != 0 {
				t.Fatalf("after two writes: %+v %v", d, err)
			}
		})
	}
}
