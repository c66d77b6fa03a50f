package store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/importer"
	"gdpr/logscrub"
	"gdpr/period"
	"gdpr/register"
	"gdpr/seal"
	"gdpr/store"
)

// engines returns a fresh store per engine: always SQLite in t.TempDir(),
// and PostgreSQL when GDPR_TEST_POSTGRES names a server. In CI (CI=true) a
// missing PostgreSQL fails the test instead of skipping it.
func engines(t *testing.T, opts ...store.Option) map[string]*store.Store {
	t.Helper()
	ctx := context.Background()
	clock := fixedClock()
	out := map[string]*store.Store{}
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "gdpr.db"), append([]store.Option{store.WithClock(clock)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	out["sqlite"] = s

	dsn := os.Getenv("GDPR_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but GDPR_TEST_POSTGRES is not set: the PostgreSQL store tests must run in CI")
		}
		t.Log("GDPR_TEST_POSTGRES not set: PostgreSQL leg not run")
		return out
	}
	out["postgres"] = openPostgres(t, dsn, clock, opts...)
	return out
}

// openPostgres opens a store in a schema of its own, dropped afterwards, so
// that tests run in parallel and leave nothing behind.
func openPostgres(t *testing.T, dsn string, clock func() time.Time, opts ...store.Option) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), pgSchema(t, dsn), append([]store.Option{store.WithClock(clock)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// pgSchema makes a schema of its own on the server at dsn, dropped after
// the test, and returns the dsn that works in it.
func pgSchema(t *testing.T, dsn string) string {
	t.Helper()
	ctx := context.Background()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("PostgreSQL at GDPR_TEST_POSTGRES: %v", err)
	}
	t.Cleanup(func() {
		admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}

// fixedClock starts on a fixed day and moves a second per call, safe for
// concurrent writers.
// fixedStart is where the stores' test clock starts: tests that date
// something the store compares with its clock date it from here.
var fixedStart = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func fixedClock() func() time.Time {
	start := fixedStart
	var n atomic.Int64
	return func() time.Time { return start.Add(time.Duration(n.Add(1)) * time.Second) }
}

func parseSeed(t *testing.T, name string) *register.Register {
	t.Helper()
	b, err := os.ReadFile(seedFile(name))
	if err != nil {
		t.Fatal(err)
	}
	res, err := importer.Parse(name, b)
	if err != nil {
		t.Fatal(err)
	}
	return res.Register
}

// as returns a context in which actor writes (a principal, as the
// adapters put it there).
func as(actor string) context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{Actor: actor, Role: auth.Admin})
}

func TestStore(t *testing.T) {
	for name, s := range engines(t) {
		t.Run(name, func(t *testing.T) {
			for _, tc := range storeCases {
				t.Run(tc.name, func(t *testing.T) { tc.run(t, s) })
			}
		})
	}
}

func summary(sum register.ApplySummary) [3]int {
	return [3]int{sum.Created, sum.Updated, sum.Unchanged}
}

// storeCases run in order against one store per engine; later cases build
// on the state earlier ones leave.
var storeCases = []struct {
	name string
	run  func(t *testing.T, s *store.Store)
}{
	{"import seed 000 creates everything with revisions", func(t *testing.T, s *store.Store) {
		ctx := as("test")
		sum, err := s.Apply(ctx, parseSeed(t, "seed000-allegro.txt"), register.ApplyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := summary(sum), [3]int{1 + 4 + 8, 0, 0}; got != want {
			t.Fatalf("summary = %v, want %v", got, want)
		}
		r, err := s.Register(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if r.Controller == nil || r.Controller.Name != "allegro:it" || len(r.Activities) != 4 || len(r.TOMs) != 8 {
			t.Fatalf("register = %+v", r)
		}
		if r.Activities[0].ID != "betrieb-der-website-und-des-onlineshops" || r.Activities[3].ID != "werbemassnahmen-zur-kundengewinnung" {
			t.Errorf("order not kept: %s ... %s", r.Activities[0].ID, r.Activities[3].ID)
		}
		if r.Activities[0].Created == nil || r.Activities[0].Changed == nil || r.Activities[0].Version != 1 {
			t.Error("created/changed/version not set")
		}
		revs, total, err := s.FindRevisions(ctx, register.RevisionFilter{Entity: "activity", EntityID: "kundenverwaltung"})
		if err != nil || total != 1 || revs[0].Action != register.ActionCreate || revs[0].Actor != "test" || revs[0].Version != 1 {
			t.Fatalf("revisions = %+v, %d, %v", revs, total, err)
		}
		es, _, _ := s.FindAudit(ctx, audit.Filter{Action: audit.RegisterImport})
		if len(es) != 1 || es[0].Actor != "test" || es[0].Outcome != audit.OK || !strings.Contains(es[0].Detail, "created 13") {
			t.Fatalf("audit = %+v", es)
		}
	}},
	{"importing the same file again changes nothing", func(t *testing.T, s *store.Store) {
		ctx := as("test")
		_, before, _ := s.FindRevisions(ctx, register.RevisionFilter{})
		state, _ := s.State(ctx)
		sum, err := s.Apply(ctx, parseSeed(t, "seed000-allegro.txt"), register.ApplyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := summary(sum), [3]int{0, 0, 13}; got != want {
			t.Fatalf("summary = %v, want %v", got, want)
		}
		_, after, _ := s.FindRevisions(ctx, register.RevisionFilter{})
		if after != before {
			t.Fatalf("revisions %d -> %d on an unchanged import", before, after)
		}
		if st, _ := s.State(ctx); st != state {
			t.Fatalf("state %d -> %d on an unchanged import", state, st)
		}
	}},
	{"an edited file updates the entry and records what changed", func(t *testing.T, s *store.Store) {
		ctx := as("editor")
		r := parseSeed(t, "seed000-allegro.txt")
		r.Activities[1].Retention[0].Text = "8 Jahre ab Schluss des Kalenderjahres"
		state, _ := s.State(ctx)
		plan, err := s.Plan(ctx, r, register.ApplyOptions{Details: true})
		if err != nil || summary(plan) != [3]int{0, 1, 12} || len(plan.Items) != 13 {
			t.Fatalf("plan = %+v, %v", plan, err)
		}
		var changed *register.PlanItem
		for i, it := range plan.Items {
			if it.Action == register.ActionUpdate {
				changed = &plan.Items[i]
			}
		}
		if changed == nil || changed.ID != "kundenverwaltung" || len(changed.Changes) != 1 || changed.Changes[0].Field != "retention" {
			t.Fatalf("plan item = %+v", changed)
		}
		sum, err := s.Apply(ctx, r, register.ApplyOptions{IfState: plan.State})
		if err != nil || summary(sum) != [3]int{0, 1, 12} {
			t.Fatalf("summary = %+v, %v", sum, err)
		}
		if st, _ := s.State(ctx); st == state || st != sum.State {
			t.Fatalf("state %d -> %d, summary says %d", state, st, sum.State)
		}
		revs, _, err := s.FindRevisions(ctx, register.RevisionFilter{Entity: "activity", EntityID: "kundenverwaltung"})
		if err != nil || len(revs) != 2 {
			t.Fatalf("revisions = %v, %v", revs, err)
		}
		rv := revs[0]
		if rv.Version != 2 || rv.Actor != "editor" || len(rv.Changes) != 1 || rv.Changes[0].Field != "retention" ||
			!strings.Contains(string(rv.Changes[0].Old), "10 Jahre") || !strings.Contains(string(rv.Changes[0].New), "8 Jahre") {
			t.Fatalf("revision = %+v", rv)
		}
		// The preview's state is gone: confirming it now is refused.
		if _, err := s.Apply(ctx, parseSeed(t, "seed000-allegro.txt"), register.ApplyOptions{IfState: plan.State}); gdpr.ErrorCode(err) != gdpr.ECONFLICT {
			t.Fatalf("stale preview applied: %v", err)
		}
	}},
	{"the history filters by who and when", func(t *testing.T, s *store.Store) {
		ctx := as("test")
		all, total, err := s.FindRevisions(ctx, register.RevisionFilter{})
		if err != nil || total < 2 {
			t.Fatalf("revisions = %d, %v", total, err)
		}
		actors, err := s.RevisionActors(ctx)
		if err != nil || strings.Join(actors, ",") != "editor,test" {
			t.Fatalf("actors = %v, %v", actors, err)
		}
		revs, n, _ := s.FindRevisions(ctx, register.RevisionFilter{Actor: "editor"})
		if n != 1 || revs[0].EntityID != "kundenverwaltung" || revs[0].Version != 2 {
			t.Fatalf("by actor: %d %+v", n, revs)
		}
		// The edit is the newest revision: a range starting at it holds
		// it alone, one ending at it holds everything else.
		at := all[0].At
		if _, n, _ := s.FindRevisions(ctx, register.RevisionFilter{From: at}); n != 1 {
			t.Errorf("from the edit: %d", n)
		}
		if _, n, _ := s.FindRevisions(ctx, register.RevisionFilter{To: at}); n != total-1 {
			t.Errorf("up to the edit: %d of %d", n, total)
		}
		if _, n, _ := s.FindRevisions(ctx, register.RevisionFilter{From: at.Add(time.Hour)}); n != 0 {
			t.Errorf("after everything: %d", n)
		}
	}},
	{"a failing import writes nothing", func(t *testing.T, s *store.Store) {
		ctx := as("test")
		before, _ := s.Register(ctx, true)
		r := parseSeed(t, "seed002-toms.txt")
		r.TOMs[3].Category = "bogus" // fails validation after the first entries
		if _, err := s.Apply(ctx, r, register.ApplyOptions{}); gdpr.ErrorCode(err) != gdpr.EINVALID {
			t.Fatalf("err = %v, want invalid", err)
		}
		after, _ := s.Register(ctx, true)
		if len(after.TOMs) != len(before.TOMs) {
			t.Fatalf("measures %d -> %d after a failed import", len(before.TOMs), len(after.TOMs))
		}
	}},
	{"a write without principal is refused", func(t *testing.T, s *store.Store) {
		_, err := s.CreateActivity(context.Background(), &register.Activity{ID: "x", Name: "x"})
		if gdpr.ErrorCode(err) != gdpr.EUNAUTHORIZED {
			t.Fatalf("err = %v", err)
		}
	}},
	{"create, conflict, stale update, update, archive an activity", func(t *testing.T, s *store.Store) {
		ctx := as("api")
		a := &register.Activity{ID: "bewerbungen", Name: "Bewerbungsverfahren", Purposes: []string{"Auswahl von Bewerbern"}}
		got, err := s.CreateActivity(ctx, a)
		if err != nil || got.Version != 1 || got.Status != register.StatusDraft || got.Created == nil {
			t.Fatalf("create: %+v %v", got, err)
		}
		if a.Status != "" || a.Version != 0 {
			t.Error("the store changed the caller's value")
		}
		if _, err := s.CreateActivity(ctx, a); gdpr.ErrorCode(err) != gdpr.ECONFLICT {
			t.Fatalf("second create: %v, want conflict", err)
		}
		got, err = s.FindActivityByID(ctx, "bewerbungen")
		if err != nil || got.Status != register.StatusDraft || got.Role != register.RoleController || got.Version != 1 {
			t.Fatalf("got %+v, %v", got, err)
		}
		got.LegalBases = []string{"§ 26 BDSG"}
		upd, err := s.UpdateActivity(ctx, got, 1)
		if err != nil || upd.Version != 2 || upd.LegalBases[0] != "§ 26 BDSG" {
			t.Fatalf("update: %+v %v", upd, err)
		}
		// A write made from version 1 again is stale: refused, nothing
		// changes.
		got.LegalBases = []string{"Art. 6 Abs. 1 lit. f DSGVO"}
		if _, err := s.UpdateActivity(ctx, got, 1); gdpr.ErrorCode(err) != gdpr.ECONFLICT || !strings.Contains(err.Error(), "current one is 2") {
			t.Fatalf("stale update: %v", err)
		}
		if cur, _ := s.FindActivityByID(ctx, "bewerbungen"); cur.LegalBases[0] != "§ 26 BDSG" || cur.Version != 2 {
			t.Fatalf("stale update overwrote: %+v", cur)
		}
		if _, err := s.UpdateActivity(ctx, &register.Activity{ID: "nope", Name: "x"}, 1); gdpr.ErrorCode(err) != gdpr.ENOTFOUND {
			t.Fatalf("update unknown: %v", err)
		}
		if _, err := s.ArchiveActivity(ctx, "bewerbungen"); err != nil {
			t.Fatal(err)
		}
		list, total, err := s.FindActivities(ctx, register.Filter{})
		if err != nil || total != 4 || len(list) != 4 {
			t.Fatalf("active list: %d %d %v", len(list), total, err)
		}
		archived := register.StatusArchived
		list, total, _ = s.FindActivities(ctx, register.Filter{Status: &archived})
		if total != 1 || list[0].ID != "bewerbungen" {
			t.Fatalf("archived list = %v", list)
		}
		revs, _, _ := s.FindRevisions(ctx, register.RevisionFilter{EntityID: "bewerbungen"})
		if len(revs) != 3 || revs[0].Action != register.ActionArchive || revs[2].Action != register.ActionCreate {
			t.Fatalf("revisions = %+v", revs)
		}
		es, _, _ := s.FindAudit(ctx, audit.Filter{Actor: "api"})
		var actions []string
		for _, e := range es {
			actions = append(actions, e.Action)
		}
		if strings.Join(actions, " ") != "activity.archive activity.update activity.create" {
			t.Fatalf("audit actions = %v", actions)
		}
	}},
	{"filter by query and paginate", func(t *testing.T, s *store.Store) {
		ctx := as("test")
		list, total, err := s.FindActivities(ctx, register.Filter{Query: "KUNDEN"})
		if err != nil || total != 3 || len(list) != 3 {
			t.Fatalf("query: %d %d %v", len(list), total, err)
		}
		list, total, _ = s.FindActivities(ctx, register.Filter{Limit: 2, Offset: 2})
		if total != 4 || len(list) != 2 || list[0].ID != "zahlungsabwicklung-bei-kunden-ueber-externe" {
			t.Fatalf("page: %d %v", total, list)
		}
	}},
	{"measures and documents of seed 002, reviewed", func(t *testing.T, s *store.Store) {
		ctx := as("test")
		if _, err := s.Apply(ctx, parseSeed(t, "seed002-toms.txt"), register.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
		r, _ := s.Register(ctx, false)
		if len(r.TOMs) != 8+23 || len(r.Documents) != 5 || r.Controller.Name != "allegro:it" {
			t.Fatalf("toms %d documents %d controller %v", len(r.TOMs), len(r.Documents), r.Controller)
		}
		m, err := s.FindMeasureByID(ctx, "die-integritaet-unserer-mitarbeiter-steht")
		if err != nil || m.Category != register.CatIntegrity {
			t.Fatalf("measure %+v %v", m, err)
		}
		day := register.DateOf(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
		rm, err := s.ReviewMeasure(ctx, m.ID, day, "Schulung 2026")
		if err != nil || rm.LastReviewed == nil || *rm.LastReviewed != day || rm.Evidence != "Schulung 2026" || rm.Version != m.Version+1 {
			t.Fatalf("reviewed %+v %v", rm, err)
		}
		if _, err := s.ArchiveMeasure(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		if _, total, _ := s.FindMeasures(ctx, register.Filter{}); total != 30 {
			t.Fatalf("active measures = %d", total)
		}
		docs, err := s.FindDocuments(ctx)
		if err != nil || len(docs) != 5 {
			t.Fatalf("documents %d %v", len(docs), err)
		}
	}},
	{"header with version", func(t *testing.T, s *store.Store) {
		ctx := as("dpo")
		h, err := s.Header(ctx)
		if err != nil || h.Version < 1 || h.Controller.Name != "allegro:it" {
			t.Fatalf("header %+v %v", h, err)
		}
		c := *h.Controller
		c.Email = "datenschutz@allegro-it.de"
		nh, err := s.UpdateHeader(ctx, register.Header{Title: "Neu", Controller: &c}, h.Version)
		if err != nil || nh.Version != h.Version+1 || nh.Title != "Neu" || nh.Controller.Email != c.Email {
			t.Fatalf("updated %+v %v", nh, err)
		}
		if _, err := s.UpdateHeader(ctx, register.Header{Title: "Alt", Controller: &c}, h.Version); gdpr.ErrorCode(err) != gdpr.ECONFLICT {
			t.Fatalf("stale header update: %v", err)
		}
	}},
	{"documents are written, versioned, archived and restored", func(t *testing.T, s *store.Store) {
		ctx := as("editor")
		d, err := s.CreateDocument(ctx, &register.Document{ID: "richtlinie", Title: "Richtlinie"})
		if err != nil || d.Version != 1 {
			t.Fatalf("create: %+v %v", d, err)
		}
		if _, err := s.CreateDocument(ctx, &register.Document{ID: "richtlinie", Title: "Noch eine"}); gdpr.ErrorCode(err) != gdpr.ECONFLICT {
			t.Fatalf("a taken id: %v", err)
		}
		d2, err := s.UpdateDocument(ctx, &register.Document{ID: "richtlinie", Title: "Richtlinie für mobile Geräte"}, 1)
		if err != nil || d2.Version != 2 {
			t.Fatalf("update: %+v %v", d2, err)
		}
		if _, err := s.UpdateDocument(ctx, &register.Document{ID: "richtlinie", Title: "Veraltet"}, 1); gdpr.ErrorCode(err) != gdpr.ECONFLICT {
			t.Fatalf("a stale update: %v", err)
		}
		if _, err := s.ArchiveDocument(ctx, "richtlinie"); err != nil {
			t.Fatal(err)
		}
		if ds, _ := s.FindDocuments(ctx); slices.ContainsFunc(ds, func(x *register.Document) bool { return x.ID == "richtlinie" }) {
			t.Fatal("an archived document is listed")
		}
		if err := s.RestoreRevision(ctx, "document", "richtlinie", 2); err != nil {
			t.Fatal(err)
		}
		got, _ := s.FindDocumentByID(ctx, "richtlinie")
		if got.Status != "" || got.Title != "Richtlinie für mobile Geräte" || got.Version != 4 {
			t.Fatalf("restored: %+v", got)
		}
		revs, _, _ := s.FindRevisions(ctx, register.RevisionFilter{Entity: "document", EntityID: "richtlinie"})
		if len(revs) != 4 || revs[0].Action != register.ActionRestore {
			t.Fatalf("revisions: %d, newest %+v", len(revs), revs[0])
		}
	}},
	{"systems are written, versioned, applied, archived and restored", func(t *testing.T, s *store.Store) {
		ctx := as("editor")
		keep := period.MustParse("P7D")
		x := &register.System{ID: "shop", Name: "Shop", Engine: register.EngineMySQL, DSNEnv: "SHOP_DSN",
			Tables:  []register.Table{{Name: "customers", Activity: "kunden", SubjectKey: []string{"id"}, Columns: map[string]string{"email": "E-Mail"}}},
			Backups: []register.Backup{{Name: "Nacht", Keep: &keep}}}
		got, err := s.CreateSystem(ctx, x)
		if err != nil || got.Version != 1 || got.Tables[0].Columns["email"] != "E-Mail" {
			t.Fatalf("create: %+v %v", got, err)
		}
		if _, err := s.CreateSystem(ctx, x); gdpr.ErrorCode(err) != gdpr.ECONFLICT {
			t.Fatalf("a taken id: %v", err)
		}
		if _, err := s.CreateSystem(ctx, &register.System{ID: "kaputt", Name: "Kaputt", Engine: "oracle", DSNEnv: "X"}); gdpr.ErrorCode(err) != gdpr.EINVALID {
			t.Fatalf("an invalid system: %v", err)
		}
		y := *got
		y.Tables = append(slices.Clone(y.Tables), register.Table{Name: "orders", SubjectKey: []string{"customer_id"}})
		if got, err = s.UpdateSystem(ctx, &y, 1); err != nil || got.Version != 2 || len(got.Tables) != 2 {
			t.Fatalf("update: %+v %v", got, err)
		}
		if _, err := s.UpdateSystem(ctx, &y, 1); gdpr.ErrorCode(err) != gdpr.ECONFLICT {
			t.Fatalf("a stale update: %v", err)
		}
		// The native format's systems: section goes through Apply.
		sum, err := s.Apply(ctx, &register.Register{Systems: []*register.System{{ID: "crm", Name: "CRM", Engine: register.EnginePostgres, DSNFile: "/run/secrets/crm"}}}, register.ApplyOptions{})
		if err != nil || sum.Created != 1 {
			t.Fatalf("apply: %+v %v", sum, err)
		}
		r, _ := s.Register(ctx, false)
		if len(r.Systems) != 2 {
			t.Fatalf("the register's systems: %+v", r.Systems)
		}
		if _, err := s.ArchiveSystem(ctx, "shop"); err != nil {
			t.Fatal(err)
		}
		if xs, _, _ := s.FindSystems(ctx, register.Filter{}); len(xs) != 1 || xs[0].ID != "crm" {
			t.Fatalf("after archiving: %+v", xs)
		}
		if err := s.RestoreRevision(ctx, "system", "shop", 1); err != nil {
			t.Fatal(err)
		}
		got, _ = s.FindSystemByID(ctx, "shop")
		if got.Status != "" || len(got.Tables) != 1 || got.Version != 4 {
			t.Fatalf("restored: %+v", got)
		}
		if d, err := s.Changes(ctx, 0); err != nil || !d.Systems {
			t.Fatalf("changes: %+v %v", d, err)
		}
	}},
}

func TestOpenRejectsMemory(t *testing.T) {
	if _, err := store.Open(context.Background(), "file::memory:?mode=memory"); err == nil {
		t.Fatal("in-memory store accepted")
	}
}

func TestSQLiteFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, want 0600", fi.Mode().Perm())
	}
}

func seedFile(name string) string {
	if _, err := os.Stat(filepath.Join("..", "demo", name)); err == nil {
		return filepath.Join("..", "demo", name)
	}
	return filepath.Join("..", "importer", "testdata", name)
}

// TestRevisionsAreImmutable: the database itself refuses to change or
// delete a revision.
func TestRevisionsAreImmutable(t *testing.T) {
	for name, s := range engines(t) {
		t.Run(name, func(t *testing.T) {
			ctx := as("test")
			if _, err := s.Apply(ctx, parseSeed(t, "seed000-allegro.txt"), register.ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
			db := store.RawDB(s)
			for _, q := range []string{"UPDATE revisions SET actor = 'mallory'", "DELETE FROM revisions"} {
				_, err := db.ExecContext(ctx, q)
				if err == nil || !strings.Contains(err.Error(), "revisions are immutable") {
					t.Errorf("%s: err = %v", q, err)
				}
			}
			if _, total, _ := s.FindRevisions(ctx, register.RevisionFilter{}); total != 13 {
				t.Errorf("revisions = %d", total)
			}
		})
	}
}

func TestAuthStore(t *testing.T) {
	for name, s := range engines(t) {
		t.Run(name, func(t *testing.T) {
			ctx := as("cli:root")
			if err := s.CreateUser(ctx, "erika", auth.Editor, "hash1"); err != nil {
				t.Fatal(err)
			}
			if err := s.CreateUser(ctx, "erika", auth.Admin, "x"); gdpr.ErrorCode(err) != gdpr.ECONFLICT {
				t.Fatalf("duplicate user: %v", err)
			}
			u, hash, err := s.FindUser(ctx, "erika")
			if err != nil || u.Role != auth.Editor || hash != "hash1" || u.Disabled {
				t.Fatalf("user %+v %q %v", u, hash, err)
			}
			if _, _, err := s.FindUser(ctx, "nobody"); gdpr.ErrorCode(err) != gdpr.ENOTFOUND {
				t.Fatal(err)
			}
			exp := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
			uctx := as("user:erika")
			if err := s.StartSession(uctx, auth.NewSession{IDHash: "s1", User: "erika", CSRF: "csrf1", Expires: exp, Device: "d1"}); err != nil {
				t.Fatal(err)
			}
			s.StartSession(uctx, auth.NewSession{IDHash: "s2", User: "erika", CSRF: "csrf2", Expires: exp})
			ses, err := s.FindSession(ctx, "s1")
			if err != nil || ses.User.Name != "erika" || ses.CSRF != "csrf1" || !ses.Expires.Equal(exp) {
				t.Fatalf("session %+v %v", ses, err)
			}
			if ok, _ := s.KnownDevice(ctx, "d1", "erika"); !ok {
				t.Fatal("device not remembered")
			}
			if ok, _ := s.KnownDevice(ctx, "d1", "mallory"); ok {
				t.Fatal("device known for another user")
			}
			if err := s.SetPassword(uctx, "erika", "hash2", "s1"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.FindSession(ctx, "s2"); gdpr.ErrorCode(err) != gdpr.EUNAUTHORIZED {
				t.Fatal("other session survived a password change")
			}
			if err := s.EndSession(uctx, "s1"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.FindSession(ctx, "s1"); gdpr.ErrorCode(err) != gdpr.EUNAUTHORIZED {
				t.Fatal("session survived its end")
			}
			if err := s.SetUserDisabled(ctx, "erika", true); err != nil {
				t.Fatal(err)
			}
			if ok, _ := s.KnownDevice(ctx, "d1", "erika"); ok {
				t.Fatal("device of a disabled user")
			}
			if n, _ := s.CountUsers(ctx); n != 0 {
				t.Fatalf("enabled users = %d", n)
			}
			if err := s.CreateToken(ctx, "ci", auth.Auditor, "th"); err != nil {
				t.Fatal(err)
			}
			tok, err := s.FindToken(ctx, "th")
			if err != nil || tok.Role != auth.Auditor || tok.LastUsed != nil {
				t.Fatalf("token %+v %v", tok, err)
			}
			used := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
			if err := s.TouchTokens(ctx, map[string]time.Time{"ci": used}); err != nil {
				t.Fatal(err)
			}
			if tok, _ := s.FindToken(ctx, "th"); tok.LastUsed == nil || !tok.LastUsed.Equal(used) {
				t.Fatalf("last use %v", tok.LastUsed)
			}
			if err := s.RevokeToken(ctx, "ci"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.FindToken(ctx, "th"); gdpr.ErrorCode(err) != gdpr.EUNAUTHORIZED {
				t.Fatal("revoked token accepted")
			}
			if err := s.RevokeToken(ctx, "ci"); gdpr.ErrorCode(err) != gdpr.ENOTFOUND {
				t.Fatal("revoked twice")
			}
			toks, _ := s.ListTokens(ctx)
			if len(toks) != 1 || toks[0].Revoked == nil {
				t.Fatalf("tokens %+v", toks)
			}
			es, total, err := s.FindAudit(ctx, audit.Filter{})
			var actions []string
			for _, e := range es {
				actions = append(actions, e.Actor+" "+e.Action)
			}
			// The first entry is the store's creation (its migrations).
			want := "cli:root token.revoke, cli:root token.create, cli:root user.disable, user:erika auth.logout, user:erika auth.password_change, user:erika auth.login, user:erika auth.login, cli:root user.create, system store.migrate"
			if err != nil || total != 9 || strings.Join(actions, ", ") != want {
				t.Fatalf("audit %v %d %v", actions, total, err)
			}
			long := strings.Repeat("x", 60<<10)
			if err := s.Audit(ctx, audit.Entry{Actor: long, Action: audit.Login, Target: long, Outcome: audit.Failed, Detail: long}); err != nil {
				t.Fatal(err)
			}
			if es, _, _ := s.FindAudit(ctx, audit.Filter{Limit: 1}); len(es[0].Actor)+len(es[0].Target)+len(es[0].Detail) > 1000 {
				t.Fatalf("an audit entry of %d bytes", len(es[0].Actor)+len(es[0].Target)+len(es[0].Detail))
			}
		})
	}
}

func TestPlanAndRestore(t *testing.T) {
	for name, s := range engines(t) {
		t.Run(name, func(t *testing.T) {
			ctx := as("editor")
			r := parseSeed(t, "seed000-allegro.txt")
			plan, err := s.Plan(ctx, r, register.ApplyOptions{})
			if err != nil || plan.Created != 13 {
				t.Fatalf("plan %+v %v", plan, err)
			}
			if _, total, _ := s.FindActivities(ctx, register.Filter{}); total != 0 {
				t.Fatal("a plan wrote")
			}
			s.Apply(ctx, r, register.ApplyOptions{})
			a, _ := s.FindActivityByID(ctx, "kundenverwaltung")
			a.Purposes = []string{"geändert"}
			if _, err := s.UpdateActivity(ctx, a, a.Version); err != nil {
				t.Fatal(err)
			}
			if err := s.RestoreRevision(ctx, "activity", "kundenverwaltung", 1); err != nil {
				t.Fatal(err)
			}
			a, _ = s.FindActivityByID(ctx, "kundenverwaltung")
			revs, _, _ := s.FindRevisions(ctx, register.RevisionFilter{EntityID: "kundenverwaltung"})
			if a.Purposes[0] != "Verwaltung von Kundendaten" || len(revs) != 3 || revs[0].Action != register.ActionRestore || a.Version != 3 {
				t.Fatalf("restored %v v%d, revisions %d %s", a.Purposes, a.Version, len(revs), revs[0].Action)
			}
			if err := s.RestoreRevision(ctx, "activity", "kundenverwaltung", 9); gdpr.ErrorCode(err) != gdpr.ENOTFOUND {
				t.Fatal(err)
			}
		})
	}
}

// newBox seals with a new key.
func newBox(t *testing.T) *seal.Box {
	t.Helper()
	key, err := seal.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	box, err := seal.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return box
}

func TestAttackStore(t *testing.T) {
	for name, s := range engines(t) {
		t.Run(name, func(t *testing.T) {
			ctx, box := context.Background(), newBox(t)
			line := "sshd[1]: Failed password for root from 203.0.113.7"
			if err := s.AddAttacks(ctx, box, "auth.log", time.Time{}, []logscrub.Attack{{Detector: "sshd", Line: []byte(line)}}); err != nil {
				t.Fatal(err)
			}
			// A second batch of three lines, one of them empty.
			batch := []logscrub.Attack{
				{Detector: "postfix-sasl", Line: []byte("warning: unknown[198.51.100.4]: SASL LOGIN authentication failed")},
				{Detector: "http-scanner", Line: nil},
				{Detector: "http-scanner", Line: []byte(`192.0.2.9 - - "GET /.env HTTP/1.1" 404 0`)},
			}
			if err := s.AddAttacks(ctx, box, "mail.log", time.Time{}, batch); err != nil {
				t.Fatal(err)
			}
			if err := s.AddAttacks(ctx, box, "x", time.Time{}, []logscrub.Attack{{Detector: "sshd"}, {Detector: "bad\nname"}}); err == nil {
				t.Fatal("a detector name with a newline was stored")
			}
			rows, _ := store.RawDB(s).QueryContext(ctx, "SELECT sealed FROM attack_batches")
			for rows.Next() {
				var sealed []byte
				rows.Scan(&sealed)
				if bytes.Contains(sealed, []byte("203.0.113.7")) || bytes.Contains(sealed, []byte("SASL")) || len(sealed) < 28 {
					t.Fatal("stored in the clear")
				}
			}
			rows.Close()
			es, err := s.FindAttacks(ctx, box, 0)
			if err != nil || len(es) != 4 {
				t.Fatalf("%+v %v", es, err)
			}
			last := es[len(es)-1]
			if last.Line != line || last.Detector != "sshd" || last.Source != "auth.log" {
				t.Fatalf("oldest entry %+v", last)
			}
			if es[0].Line != string(batch[2].Line) || es[1].Line != "" || es[2].Detector != "postfix-sasl" || es[0].Source != "mail.log" || es[0].ID == es[1].ID {
				t.Fatalf("batch entries newest first: %+v", es[:3])
			}
			if es, _ := s.FindAttacks(ctx, nil, 2); len(es) != 2 || es[0].Line != "" || es[1].Detector != "http-scanner" {
				t.Fatalf("without the key, limit 2: %+v", es)
			}
			obox := newBox(t)
			if _, err := s.FindAttacks(ctx, obox, 10); err == nil {
				t.Error("opened with another key")
			}
			if n, _ := s.PurgeAttacks(ctx, last.SeenAt); n != 0 {
				t.Error("purged an entry that is not older")
			}
			if n, _ := s.PurgeAttacks(ctx, es[0].SeenAt.Add(time.Second)); n != 4 {
				t.Errorf("purged %d entries, want 4", n)
			}
			if es, _ := s.FindAttacks(ctx, nil, 0); len(es) != 0 {
				t.Errorf("left %d", len(es))
			}
		})
	}
}

// TestAttackCodecs: batches are stored compressed (a batch of repeated
// lines takes a fraction of its size), rows of the earlier uncompressed
// form still open, and a row whose codec was changed does not.
func TestAttackCodecs(t *testing.T) {
	for name, s := range engines(t) {
		t.Run(name, func(t *testing.T) {
			ctx, box := context.Background(), newBox(t)
			line := "Nov 23 07:00:01 host sshd[812]: Failed password for invalid user admin from 203.0.113.7 port 51234 ssh2"
			batch := make([]logscrub.Attack, 200)
			for i := range batch {
				batch[i] = logscrub.Attack{Detector: "sshd", Line: []byte(line)}
			}
			if err := s.AddAttacks(ctx, box, "auth.log", time.Time{}, batch); err != nil {
				t.Fatal(err)
			}
			db := store.RawDB(s)
			var codec string
			var size int
			if err := db.QueryRowContext(ctx, "SELECT codec, LENGTH(sealed) FROM attack_batches").Scan(&codec, &size); err != nil {
				t.Fatal(err)
			}
			if codec != "s2" || size > 200*len(line)/5 {
				t.Fatalf("codec %q, %d sealed bytes for %d bytes of lines", codec, size, 200*len(line))
			}
			// A row as migration 5 wrote it: the length-prefixed lines
			// sealed as they are, the id as associated data.
			id := "2026-11-01T00:00:00.000000000Z-00000000000000000000"
			plain := append(binary.AppendUvarint(nil, uint64(len(line))), line...)
			sealed, _ := box.Seal(plain, []byte(id))
			ins := "INSERT INTO attack_batches (id, seen_at, source, detectors, sealed) VALUES ($1, $2, $3, $4, $5)"
			if name == "sqlite" {
				ins = strings.NewReplacer("$1", "?", "$2", "?", "$3", "?", "$4", "?", "$5", "?").Replace(ins)
			}
			if _, err := db.ExecContext(ctx, ins, id, "2026-11-01T00:00:00Z", "old.log", "sshd", sealed); err != nil {
				t.Fatal(err)
			}
			es, err := s.FindAttacks(ctx, box, 0)
			if err != nil || len(es) != 201 || es[200].Line != line || es[200].Source != "old.log" || es[0].Line != line {
				t.Fatalf("%d entries, %v", len(es), err)
			}
			if _, err := db.ExecContext(ctx, "UPDATE attack_batches SET codec = 's2' WHERE source = 'old.log'"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.FindAttacks(ctx, box, 0); err == nil {
				t.Fatal("opened a batch whose codec was changed")
			}
		})
	}
}

// TestAttackPurgeSevenDays: with an injected clock, an attack line is kept
// six days and gone after eight.
func TestAttackPurgeSevenDays(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "a.db"), store.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, box := context.Background(), newBox(t)
	s.AddAttacks(ctx, box, "auth.log", time.Time{}, []logscrub.Attack{{Detector: "sshd", Line: []byte("x")}})
	week := 7 * 24 * time.Hour
	now = now.Add(6 * 24 * time.Hour)
	if n, _ := s.PurgeExpiredAttacks(ctx, week); n != 0 {
		t.Fatal("purged after six days")
	}
	now = now.Add(2 * 24 * time.Hour)
	if n, _ := s.PurgeExpiredAttacks(ctx, week); n != 1 {
		t.Fatal("kept after eight days")
	}
	// A batch whose lines were written five days ago (its given time) is
	// listed with that time and gone three days later, not seven.
	written := now.Add(-5 * 24 * time.Hour)
	if err := s.AddAttacks(ctx, box, "old.log", written, []logscrub.Attack{{Detector: "sshd", Line: []byte("y")}}); err != nil {
		t.Fatal(err)
	}
	if es, _ := s.FindAttacks(ctx, nil, 0); len(es) != 1 || !es[0].SeenAt.Equal(written) {
		t.Fatalf("listed %+v, want the time %v", es, written)
	}
	now = now.Add(24 * time.Hour)
	if n, _ := s.PurgeExpiredAttacks(ctx, week); n != 0 {
		t.Fatal("purged six days after its lines")
	}
	now = now.Add(2 * 24 * time.Hour)
	if n, _ := s.PurgeExpiredAttacks(ctx, week); n != 1 {
		t.Fatal("kept eight days after its lines")
	}
}
