package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/locale"
	"gdpr/run"
)

// RunStore is what recording runs needs of the store.
type RunStore interface {
	BeginRun(ctx context.Context, r run.Run) error
	ProgressRun(ctx context.Context, id string, p run.Progress) error
	FinishRun(ctx context.Context, r run.Run) error
	FindRun(ctx context.Context, id string) (run.Run, error)
	FindRuns(ctx context.Context, f run.Filter) ([]run.Run, error)
}

// progressEvery is how often a run reports its progress to the store at
// most: often enough for a page that refreshes, seldom enough to cost
// nothing next to the batches.
const progressEvery = time.Second

// tracker records one run: begun, its progress, its end. A store that
// cannot record runs gets a tracker that records nothing.
type tracker struct {
	a    *App
	rs   RunStore
	mu   sync.Mutex
	r    run.Run
	last time.Time
}

// beginRun records a run of kind on system ("" for every system) started
// by the caller.
func (a *App) beginRun(ctx context.Context, kind run.Kind, system string, tables int) (*tracker, error) {
	t := &tracker{a: a}
	rs, ok := a.store.(RunStore)
	if !ok {
		return t, nil
	}
	p, _ := auth.PrincipalFrom(ctx)
	t.rs = rs
	t.r = run.Run{ID: newBatchID(), Kind: kind, System: system, Actor: p.Actor, Started: a.now(), State: run.Running,
		Progress: run.Progress{Tables: tables}}
	t.r.Updated = t.r.Started
	if err := rs.BeginRun(ctx, t.r); err != nil {
		return nil, err
	}
	t.last = time.Now()
	return t, nil
}

// progress reports p, at most every progressEvery (wall time: the App's
// clock is fixed in tests).
func (t *tracker) progress(ctx context.Context, p run.Progress) {
	if t == nil || t.rs == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	p.Tables = max(p.Tables, t.r.Progress.Tables)
	t.r.Progress = p
	if time.Since(t.last) < progressEvery {
		return
	}
	t.last = time.Now()
	// A progress that cannot be written costs the run nothing: its end
	// is written, or the run is taken for aborted.
	_ = t.rs.ProgressRun(ctx, t.r.ID, p)
}

// finish records the run's end: done with its result, or failed with the
// error's catalogue key (never its text, which may quote a database).
func (t *tracker) finish(ctx context.Context, p run.Progress, result any, err error) {
	if t == nil || t.rs == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	p.Tables = max(p.Tables, t.r.Progress.Tables)
	t.r.Progress, t.r.State = p, run.Done
	if result != nil {
		t.r.Result, _ = json.Marshal(result)
	}
	if err != nil {
		t.r.State = run.Failed
		var ge *gdpr.Error
		switch {
		case errors.As(err, &ge) && ge.Key != "":
			t.r.Error = ge.Key
			for _, a := range ge.Args {
				t.r.ErrorArgs = append(t.r.ErrorArgs, fmt.Sprint(a))
			}
		default:
			// No message of its own: the generic one (the log has the
			// cause), never the error's text.
			t.r.Error = "error.internal"
		}
	}
	// Written even when the caller's context ended (a cancelled request):
	// the run did end.
	_ = t.rs.FinishRun(context.WithoutCancel(ctx), t.r)
}

// WaitBackground waits for the runs started in the background (a sweep
// started from a page) to end, or for ctx.
func (a *App) WaitBackground(ctx context.Context) error {
	done := make(chan struct{})
	go func() { a.background.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Runs lists the runs of sweeps and scans, newest first; a run that
// stopped reporting is shown aborted.
func (a *App) Runs(ctx context.Context, f run.Filter) ([]run.Run, error) {
	if _, err := a.require(ctx, auth.Read, audit.RunRead, ""); err != nil {
		return nil, err
	}
	rs, ok := a.store.(RunStore)
	if !ok {
		return nil, nil
	}
	out, err := rs.FindRuns(ctx, f)
	now := a.now()
	for i := range out {
		out[i].State = out[i].Effective(now)
	}
	return out, err
}

// Run returns one run.
func (a *App) Run(ctx context.Context, id string) (run.Run, error) {
	if _, err := a.require(ctx, auth.Read, audit.RunRead, id); err != nil {
		return run.Run{}, err
	}
	rs, ok := a.store.(RunStore)
	if !ok {
		return run.Run{}, gdpr.Keyed(gdpr.ENOTFOUND, "", "notfound.run", id)
	}
	r, err := rs.FindRun(ctx, id)
	r.State = r.Effective(a.now())
	return r, err
}

// sweepProgress is a sweep's progress from its tables so far and the
// table under way.
func sweepProgress(res *SweepResult, current *SweepTable) run.Progress {
	var p run.Progress
	if res == nil {
		return p
	}
	for _, t := range res.Tables {
		p.Examined += t.Due
		p.Done += t.Done
		p.Held += t.Held
	}
	p.TablesDone = len(res.Tables)
	if current != nil {
		p.Examined += current.Due
		p.Done += current.Done
		p.Held += current.Held
	}
	return p
}

// RunError is a run's error in lang ("" when it has none).
func RunError(r run.Run, lang locale.Lang) string {
	if r.Error == "" {
		return ""
	}
	args := make([]any, len(r.ErrorArgs))
	for i, a := range r.ErrorArgs {
		args[i] = a
	}
	return locale.T(lang, r.Error, args...)
}
