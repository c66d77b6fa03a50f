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

// ConsentArgs is a run of the consent ledger's jobs (its outbox: the
// confirmation mails, the webhooks' calls). A step of the ledger wakes
// it; the periodic one picks up what a server left when it died.
type ConsentArgs struct{}

// Kind implements river.JobArgs.
func (ConsentArgs) Kind() string { return "gdpr_consent" }

type consentWorker struct {
	river.WorkerDefaults[ConsentArgs]
	app *app.App
	log *slog.Logger
}

func (w *consentWorker) Work(ctx context.Context, job *river.Job[ConsentArgs]) error {
	res, err := w.app.WorkConsentJobs(ctx)
	if err != nil {
		return fmt.Errorf("consent jobs: %w", err)
	}
	if res.Failed+res.Dropped > 0 {
		// Counts only: the jobs' page has the rest.
		w.log.Warn("consent jobs", "mails", res.Mails, "hooks", res.Hooks, "failed", res.Failed, "dropped", res.Dropped)
	}
	return nil
}

// woken is a run a step asked for. Not unique: River's uniqueness
// counts a running job, so a wake-up while one runs (which may have
// claimed its last batch already) would be lost until the periodic run;
// the kicker spaces them instead (at most five a second a server).
var woken = &river.InsertOpts{Queue: consentQueue}

// periodic is the periodic run, one at a time.
var periodic = &river.InsertOpts{Queue: consentQueue, UniqueOpts: unique.UniqueOpts}

// consentQueue is the ledger's own queue: a sign-up's mail does not wait
// for a sweep.
const consentQueue = "consent"

// consentEvery is the periodic run of the ledger's jobs (retries are due
// by their backoff; a wake-up is lost when a server dies).
const consentEvery = 30 * time.Second

// kickSpacing is the least time between two wake-ups' inserts.
const kickSpacing = 200 * time.Millisecond

// kicker turns the ledger's wake-ups into River jobs, at most one insert
// in flight: a thousand sign-ups a second are a few inserts, not a
// thousand (each would be a write on the store's database).
func kicker(ctx context.Context, insert func(context.Context) error, log *slog.Logger) func() {
	wake := make(chan struct{}, 1)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-wake:
				if err := insert(ctx); err != nil && ctx.Err() == nil {
					log.Warn("consent jobs: wake-up not queued; the periodic run does them", "err", err)
				}
				// The wake-ups of the next moment are one.
				select {
				case <-ctx.Done():
					return
				case <-time.After(kickSpacing):
				}
			}
		}
	}()
	return func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
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
	// ConsentEvery is the interval of the periodic run of the consent
	// ledger's jobs (0: 30 s); the steps wake it besides.
	ConsentEvery time.Duration
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
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 1}, consentQueue: {MaxWorkers: 1}},
		Workers: workers,
		// The ledger's wake-ups make many short jobs: an hour is enough
		// to look at them.
		CompletedJobRetentionPeriod: time.Hour,
	}
	river.AddWorker(workers, &consentWorker{app: c.App, log: c.Log})
	if c.ConsentEvery <= 0 {
		c.ConsentEvery = consentEvery
	}
	cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(c.ConsentEvery),
		func() (river.JobArgs, *river.InsertOpts) { return ConsentArgs{}, periodic },
		&river.PeriodicJobOpts{ID: "gdpr-consent", RunOnStart: true}))
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
		stop := wake(ctx, c, func(ctx context.Context) error { _, err := client.Insert(ctx, ConsentArgs{}, woken); return err })
		return &Runner{stop: func(ctx context.Context) error { stop(); err := client.Stop(ctx); pool.Close(); return err }}, nil
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
	stop := wake(ctx, c, func(ctx context.Context) error { _, err := client.Insert(ctx, ConsentArgs{}, woken); return err })
	return &Runner{stop: func(ctx context.Context) error { stop(); err := client.Stop(ctx); db.Close(); return err }}, nil
}

// wake gives the App the ledger's wake-up until the returned stop.
func wake(ctx context.Context, c Config, insert func(context.Context) error) (stop func()) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c.App.SetConsentKick(kicker(ctx, insert, c.Log))
	return func() { c.App.SetConsentKick(nil); cancel() }
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
