package app_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"gdpr"
	"gdpr/app"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/demo"
	"gdpr/register"
	"gdpr/store"
)

type fixture struct {
	app   *app.App
	store *store.Store
	now   *atomic.Int64 // seconds after the fixed start
	start time.Time
	clock func() time.Time
	path  string // the store's SQLite file
}

func newApp(t testing.TB, c app.Config) *fixture {
	t.Helper()
	return newAppAt(t, filepath.Join(t.TempDir(), "gdpr.db"), c)
}

func newAppAt(t testing.TB, path string, c app.Config) *fixture {
	t.Helper()
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var secs atomic.Int64
	clock := func() time.Time { return start.Add(time.Duration(secs.Load()) * time.Second) }
	// The store signs its log when the keys have a log key, as in
	// production.
	s, err := store.Open(context.Background(), path, store.WithClock(clock), store.WithLogKey(c.Vault.LogKey))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c.Store, c.Now = s, clock
	a := app.New(c)
	t.Cleanup(a.Close)
	return &fixture{app: a, store: s, now: &secs, start: start, clock: clock, path: path}
}

// at sets the one clock of the fixture's store and App to a moment.
func (f *fixture) at(t time.Time) { f.now.Store(int64(t.Sub(f.start) / time.Second)) }

func admin() context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{Actor: "user:root", Role: auth.Admin})
}

func auditor() context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{Actor: "user:paul", Role: auth.Auditor})
}

func editor() context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{Actor: "user:erika", Role: auth.Editor})
}

// TestLintCachedByState: the register-wide lint is computed once per state
// of the register (and day), and again after a write.
func TestLintCachedByState(t *testing.T) {
	f := newApp(t, app.Config{})
	ctx := editor()
	r, _ := demo.Register()
	if _, err := f.store.Apply(ctx, r, register.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	l1, err := f.app.Lint(ctx)
	if err != nil || len(l1.Findings) == 0 || l1.Activities != 4 {
		t.Fatalf("lint %+v %v", l1, err)
	}
	if l2, _ := f.app.Lint(ctx); l2 != l1 {
		t.Fatal("not cached")
	}
	a, _ := f.app.Activity(ctx, "kundenverwaltung")
	a.DataSubjects = nil // Art. 30(1)(c): an error
	if _, err := f.app.UpdateActivity(ctx, a, a.Version); err != nil {
		t.Fatal(err)
	}
	l3, _ := f.app.Lint(ctx)
	if l3 == l1 || l3.State == l1.State || l3.ByActivity["kundenverwaltung"].Errors != l1.ByActivity["kundenverwaltung"].Errors+1 {
		t.Fatalf("after a write: %+v", l3.ByActivity["kundenverwaltung"])
	}
	// A new day: reviews fall due, the lint is made again.
	f.now.Add(400 * 24 * 3600)
	if l4, _ := f.app.Lint(ctx); l4 == l3 {
		t.Fatal("cached across days")
	}
	// One activity's lint equals its part of the register's.
	fs, err := f.app.ActivityFindings(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	var want []register.Finding
	for _, x := range l3.Findings {
		if x.Entity == "activity" && x.EntityID == a.ID {
			want = append(want, x)
		}
	}
	if len(fs[a.ID]) != len(want) {
		t.Fatalf("%d findings alone, %d in the register", len(fs[a.ID]), len(want))
	}
}

// TestCreateDerivesID: an activity without id gets one from its name, the
// next free one when taken; the caller's value is left alone.
func TestCreateDerivesID(t *testing.T) {
	f := newApp(t, app.Config{})
	ctx := editor()
	in := &register.Activity{Name: "Bewerbungen über das Portal"}
	for _, want := range []string{"bewerbungen-ueber-das-portal", "bewerbungen-ueber-das-portal-2"} {
		a, err := f.app.CreateActivity(ctx, in)
		if err != nil || a.ID != want {
			t.Fatalf("created %v %v, want %s", a, err, want)
		}
	}
	if in.ID != "" {
		t.Fatal("the caller's value was changed")
	}
	if _, err := f.app.CreateActivity(ctx, &register.Activity{}); gdpr.ErrorCode(err) != gdpr.EINVALID {
		t.Fatalf("without name: %v", err)
	}
	auditor := auth.WithPrincipal(context.Background(), auth.Principal{Actor: "user:max", Role: auth.Auditor})
	if _, err := f.app.CreateActivity(auditor, &register.Activity{Name: "x"}); gdpr.ErrorCode(err) != gdpr.EFORBIDDEN {
		t.Fatalf("auditor: %v", err)
	}
	es, _, _ := f.store.FindAudit(ctx, audit.Filter{Actor: "user:max"})
	if len(es) != 1 || es[0].Outcome != audit.Denied || es[0].Action != audit.ActivityCreate {
		t.Fatalf("the refusal is not recorded: %+v", es)
	}
}

// TestHashSlotsBounded: while every hashing slot is taken, a sign-in waits
// and gives up without hashing (no memory for another argon2 run).
func TestHashSlotsBounded(t *testing.T) {
	f := newApp(t, app.Config{HashSlots: 1})
	ctx := app.System(context.Background(), "test")
	if err := f.app.AddUser(ctx, "erika", auth.Editor, "a long test password"); err != nil {
		t.Fatal(err)
	}
	release := app.TakeHashSlots(f.app)
	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := f.app.Login(short, app.LoginRequest{Name: "erika", Password: "a long test password", Addr: "203.0.113.5"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("login while the slots are taken: %v", err)
	}
	release()
	res, err := f.app.Login(context.Background(), app.LoginRequest{Name: "erika", Password: "a long test password", Addr: "203.0.113.5"})
	if err != nil || res.SessionID == "" || res.Device == "" {
		t.Fatalf("login after: %+v %v", res, err)
	}
}

// TestImportSlots: one import is read at a time; another waits for the
// slot and is refused (ETHROTTLED, "import.busy") when it waits too long.
func TestImportSlots(t *testing.T) {
	f := newApp(t, app.Config{})
	doc := []app.File{{Name: "r.yaml", Data: []byte("title: T\nactivities:\n  - id: a\n    name: A\n")}}
	release := app.TakeImportSlots(f.app)
	defer app.SetSlotWait(10 * time.Millisecond)()
	_, _, err := f.app.Import(editor(), doc, app.ImportOptions{DryRun: true})
	var ge *gdpr.Error
	if !errors.As(err, &ge) || ge.Code != gdpr.ETHROTTLED || ge.Key != "import.busy" {
		t.Fatalf("import while the slot is taken: %v", err)
	}
	release()
	if _, sum, err := f.app.Import(editor(), doc, app.ImportOptions{}); err != nil || sum.Created == 0 {
		t.Fatalf("import after: %+v %v", sum, err)
	}
}

// TestTokenUseRecordedOffThePath: a token's use is written by a goroutine,
// at most once a minute per token.
func TestTokenUseRecordedOffThePath(t *testing.T) {
	f := newApp(t, app.Config{})
	ctx := app.System(context.Background(), "test")
	secret, err := f.app.CreateToken(ctx, "ci", auth.Auditor)
	if err != nil {
		t.Fatal(err)
	}
	for range 100 {
		if _, err := f.app.IdentifyToken(context.Background(), secret); err != nil {
			t.Fatal(err)
		}
	}
	f.app.Close() // writes what is pending
	toks, _ := f.store.ListTokens(ctx)
	if toks[0].LastUsed == nil || !toks[0].LastUsed.Equal(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("last use %v", toks[0].LastUsed)
	}
	writes := app.TokenWrites(f.app)
	if writes != 1 {
		t.Fatalf("%d writes for 100 uses within a minute", writes)
	}
}

// TestLintIncremental: the lint updated by what changed equals the lint
// of the whole register, after every kind of change.
func TestLintIncremental(t *testing.T) {
	f := newApp(t, app.Config{})
	ctx := editor()
	r, _ := demo.Register()
	if _, err := f.store.Apply(ctx, r, register.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	check := func(step string) {
		t.Helper()
		l, err := f.app.Lint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		reg, _ := f.store.Register(ctx, false)
		want := register.Check(reg, register.DateOf(f.app.Now()))
		if !reflect.DeepEqual(l.Findings, want) && !(len(l.Findings) == 0 && len(want) == 0) {
			t.Fatalf("%s: %d findings incrementally, %d from the whole register\n%+v\n%+v", step, len(l.Findings), len(want), l.Findings, want)
		}
		if l.Activities != len(reg.Activities) || l.Measures != len(reg.TOMs) {
			t.Fatalf("%s: counts %d/%d, register %d/%d", step, l.Activities, l.Measures, len(reg.Activities), len(reg.TOMs))
		}
	}
	check("start")
	a, _ := f.app.Activity(ctx, "kundenverwaltung")
	a.LegalBases = []string{"Art. 6 Abs. 1 lit. b DSGVO"}
	a.TOMs = []string{"gibt-es-nicht"}
	f.app.UpdateActivity(ctx, a, a.Version)
	check("update")
	f.app.CreateActivity(ctx, &register.Activity{Name: "Neu am Ende"})
	check("create")
	f.app.ArchiveActivity(ctx, "werbemassnahmen-zur-kundengewinnung", 0)
	check("archive activity")
	ms, _, _ := f.app.Measures(ctx, register.Filter{})
	f.app.ArchiveMeasure(ctx, ms[0].ID, 0)
	check("archive measure")
	f.app.CreateMeasure(ctx, &register.Measure{ID: "gibt-es-nicht", Title: "Jetzt gibt es sie"})
	check("a referenced measure appears")
	f.app.ReviewMeasure(ctx, ms[1].ID, "Prüfung")
	check("review")
	h, _ := f.app.Header(ctx)
	c := *h.Controller
	c.DPO = nil
	f.app.UpdateHeader(ctx, register.Header{Title: h.Title, Controller: &c}, h.Version, false)
	check("controller")
	f.app.Restore(ctx, "activity", "kundenverwaltung", 1)
	check("restore")
	f.now.Add(800 * 24 * 3600) // reviews fall due
	check("two years later")
}

// TestLintSharedStore: two servers on one store: a change made through
// one is in the other's next lint.
func TestLintSharedStore(t *testing.T) {
	f := newApp(t, app.Config{})
	other := app.New(app.Config{Store: f.store, Now: f.app.Now})
	defer other.Close()
	ctx := editor()
	r, _ := demo.Register()
	f.store.Apply(ctx, r, register.ApplyOptions{})
	before, _ := other.Lint(ctx)
	a, _ := f.app.Activity(ctx, "kundenverwaltung")
	a.DataSubjects = nil
	if _, err := f.app.UpdateActivity(ctx, a, a.Version); err != nil {
		t.Fatal(err)
	}
	after, _ := other.Lint(ctx)
	if after.ByActivity["kundenverwaltung"].Errors != before.ByActivity["kundenverwaltung"].Errors+1 {
		t.Fatalf("the other server did not see the change: %+v -> %+v", before.ByActivity["kundenverwaltung"], after.ByActivity["kundenverwaltung"])
	}
}
