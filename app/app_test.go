package app_test

import (
	"context"
	"errors"
	"path/filepath"
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
}

func newApp(t *testing.T, c app.Config) *fixture {
	t.Helper()
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var secs atomic.Int64
	clock := func() time.Time { return start.Add(time.Duration(secs.Load()) * time.Second) }
	s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "gdpr.db"), store.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c.Store, c.Now = s, clock
	a := app.New(c)
	t.Cleanup(a.Close)
	return &fixture{app: a, store: s, now: &secs}
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
	start := time.Now()
	_, err := f.app.Login(short, app.LoginRequest{Name: "erika", Password: "a long test password", Addr: "203.0.113.5"})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Fatalf("login while the slots are taken: %v after %v", err, time.Since(start))
	}
	release()
	res, err := f.app.Login(context.Background(), app.LoginRequest{Name: "erika", Password: "a long test password", Addr: "203.0.113.5"})
	if err != nil || res.SessionID == "" || res.Device == "" {
		t.Fatalf("login after: %+v %v", res, err)
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
