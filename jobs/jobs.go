// Package jobs runs the engine's scheduled work inside `gdpr serve`
// through River (riverqueue): the deletion sweeps and the scans of the
// systems, each on its interval. River
// keeps its jobs in the store's own database (riversqlite on SQLite,
// riverpgxv5 on PostgreSQL), so that several servers on one PostgreSQL
// share the work: one of them, the leader, schedules a sweep, one works
// it. The sweep itself is idempotent and its batches are claimed (package
// app), so a sweep that two servers ran at once would still change and
// protocol every row once.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	_ "modernc.org/sqlite" // driver "sqlite"

	"gdpr/app"
	"gdpr/register"
)

// SweepArgs is a scheduled sweep of every system.
type SweepArgs struct{}

// Kind implements river.JobArgs.
func (SweepArgs) Kind() string { return "gdpr_sweep" }

// sweepWorker works a sweep as the system principal "system:jobs".
type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	app *app.App
	log *slog.Logger
}

func (w *sweepWorker) Work(ctx context.Context, job *river.Job[SweepArgs]) error {
	res, err := w.app.Sweep(app.System(ctx, "jobs"), app.SweepOptions{})
	if err != nil {
		return fmt.Errorf("scheduled sweep: %w", err)
	}
	var done int64
	for _, t := range res.Tables {
		done += t.Done
	}
	// Counts and names only: the protocol has the rest.
	w.log.Info("scheduled sweep", "tables", len(res.Tables), "rows", done)
	return nil
}

// ScanArgs is a scheduled scan of every system in use.
type ScanArgs struct{}

// Kind implements river.JobArgs.
func (ScanArgs) Kind() string { return "gdpr_scan" }

// scanWorker scans every system not archived, one after the other, as
// "system:jobs". A system that does not answer fails its own run (the UI
// shows it) and the others are scanned. The scans write nothing to the
// register: their proposals wait on the system's page for the DPO.
type scanWorker struct {
	river.WorkerDefaults[ScanArgs]
	app *app.App
	log *slog.Logger
}

func (w *scanWorker) Work(ctx context.Context, job *river.Job[ScanArgs]) error {
	ctx = app.System(ctx, "jobs")
	systems, _, err := w.app.Systems(ctx, register.Filter{})
	if err != nil {
		return fmt.Errorf("scheduled scan: %w", err)
	}
	var failed, proposals int
	for _, x := range systems {
		if x.Status == register.StatusArchived {
			continue
		}
		res, err := w.app.ScanSystem(ctx, x.ID, app.ScanOptions{})
		if err != nil {
			failed++
			continue
		}
		proposals += len(res.Proposals())
	}
	// Counts only: the runs have the rest.
	w.log.Info("scheduled scan", "systems", len(systems), "failed", failed, "proposals", proposals)
	return nil
}

// RemindArgs is the check for the day's reminders of requests' deadlines.
type RemindArgs struct{}

// Kind implements river.JobArgs.
func (RemindArgs) Kind() string { return "gdpr_remind" }

type remindWorker struct {
	river.WorkerDefaults[RemindArgs]
	app *app.App
	log *slog.Logger
}

func (w *remindWorker) Work(ctx context.Context, job *river.Job[RemindArgs]) error {
	n, err := w.app.RemindRequests(app.System(ctx, "jobs"))
	if err != nil {
		return fmt.Errorf("reminders: %w", err)
	}
	if n > 0 {
		w.log.Info("reminders", "sent", n)
	}
	return nil
}

// Runner is the running job client; Stop it on shutdown.
type Runner struct {
	stop func(context.Context) error
}

// Stop lets running jobs finish (up to ctx) and stops the client.
func (r *Runner) Stop(ctx context.Context) error {
	if r == nil {
		return nil
	}
	return r.stop(ctx)
}

// Config is what Start needs.
type Config struct {
	// DSN is the store's: a SQLite path or a postgres:// URL.
	DSN string
	App *app.App
	Log *slog.Logger
	// SweepEvery is the interval of the scheduled sweep (0: none),
	// ScanEvery that of the scheduled scans, RemindEvery that of the
	// check for the requests' reminders (sent once a day).
	SweepEvery, ScanEvery, RemindEvery time.Duration
}

// unique keeps one job of a kind at a time: a run that takes longer than
// its interval is not joined by the next (on another server) while it is
// queued or running.
var unique = &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}

// Start migrates River's tables in the store's database and starts the
// client with the scheduled sweep.
func Start(ctx context.Context, c Config) (*Runner, error) {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &sweepWorker{app: c.App, log: c.Log})
	cfg := &river.Config{
		Logger:  c.Log,
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 1}},
		Workers: workers,
	}
	river.AddWorker(workers, &scanWorker{app: c.App, log: c.Log})
	if c.SweepEvery > 0 {
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(c.SweepEvery),
			func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, unique },
			&river.PeriodicJobOpts{ID: "gdpr-sweep"}))
	}
	river.AddWorker(workers, &remindWorker{app: c.App, log: c.Log})
	if c.RemindEvery > 0 {
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(c.RemindEvery),
			func() (river.JobArgs, *river.InsertOpts) { return RemindArgs{}, unique },
			&river.PeriodicJobOpts{ID: "gdpr-remind", RunOnStart: true}))
	}
	if c.ScanEvery > 0 {
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(c.ScanEvery),
			func() (river.JobArgs, *river.InsertOpts) { return ScanArgs{}, unique },
			&river.PeriodicJobOpts{ID: "gdpr-scan"}))
	}
	if strings.HasPrefix(c.DSN, "postgres://") || strings.HasPrefix(c.DSN, "postgresql://") {
		pool, err := pgxpool.New(ctx, c.DSN)
		if err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		driver := riverpgxv5.New(pool)
		if err := migratePG(ctx, pool, driver); err != nil {
			pool.Close()
			return nil, err
		}
		client, err := river.NewClient(driver, cfg)
		if err != nil {
			pool.Close()
			return nil, fmt.Errorf("jobs: %w", err)
		}
		if err := client.Start(ctx); err != nil {
			pool.Close()
			return nil, fmt.Errorf("jobs: %w", err)
		}
		return &Runner{stop: func(ctx context.Context) error { err := client.Stop(ctx); pool.Close(); return err }}, nil
	}
	// SQLite: River's own connection, one at a time (its driver's advice),
	// waiting for the store's writer instead of failing.
	path := strings.TrimPrefix(c.DSN, "sqlite:")
	if !strings.HasPrefix(path, "file:") {
		path = "file:" + path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	db, err := sql.Open("sqlite", path+sep+"_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	db.SetMaxOpenConns(1)
	driver := riversqlite.New(db)
	if err := migrate[*sql.Tx](ctx, driver); err != nil {
		db.Close()
		return nil, err
	}
	client, err := river.NewClient(driver, cfg)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := client.Start(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return &Runner{stop: func(ctx context.Context) error { err := client.Stop(ctx); db.Close(); return err }}, nil
}

// riverLock is the advisory lock under which servers starting at once on
// one PostgreSQL migrate River's tables one after the other (without it
// the second failed: its CREATE TABLE met the first's).
const riverLock = 0x67647072_72697672 // "gdprrivr"

func migratePG(ctx context.Context, pool *pgxpool.Pool, driver riverdriver.Driver[pgx.Tx]) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(riverLock)); err != nil {
		return fmt.Errorf("jobs: lock River's migrations: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(riverLock))
	return migrate[pgx.Tx](ctx, driver)
}

func migrate[TTx any](ctx context.Context, driver riverdriver.Driver[TTx]) error {
	m, err := rivermigrate.New[TTx](driver, nil)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate River's tables: %w", err)
	}
	return nil
}
