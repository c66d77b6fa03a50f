// Package app is the use-case layer: what a user can do with the engine,
// once, for every adapter. The JSON API, the web pages and the command
// line decode their input, put the acting principal into the context and
// call an App method; the rules (who may, what is derived, what is
// recorded) live here and in the domain packages, never in a handler.
//
// An App method checks the principal's permission, calls the domain and
// the store, and records attempts that change nothing (denied, failed) in
// the audit log; the store records successful changes in the same
// transaction as the change.
package app

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/connector"
	"gdpr/connector/connectors"
	"gdpr/mail"
	"gdpr/register"
)

// Store is what the use cases need of storage; package store implements
// it for SQLite and PostgreSQL.
type Store interface {
	register.Service
	Ping(ctx context.Context) error

	CreateUser(ctx context.Context, name string, role auth.Role, hash string) error
	FindUser(ctx context.Context, name string) (auth.User, string, error)
	ListUsers(ctx context.Context) ([]auth.User, error)
	CountUsers(ctx context.Context) (int, error)
	SetUserDisabled(ctx context.Context, name string, disabled bool) error
	SetPassword(ctx context.Context, name, hash, keep string) error

	StartSession(ctx context.Context, n auth.NewSession) error
	FindSession(ctx context.Context, idHash string) (auth.Session, error)
	EndSession(ctx context.Context, idHash string) error
	KnownDevice(ctx context.Context, hash, user string) (bool, error)
	DeleteExpired(ctx context.Context, keep time.Duration) (int64, error)
	ReserveAttempt(ctx context.Context, keys []auth.ThrottleKey, p auth.Policy, action string) (auth.Attempt, error)

	CreateToken(ctx context.Context, name string, role auth.Role, hash string) error
	FindToken(ctx context.Context, hash string) (auth.Token, error)
	TouchTokens(ctx context.Context, used map[string]time.Time) error
	ListTokens(ctx context.Context) ([]auth.Token, error)
	RevokeToken(ctx context.Context, name string) error

	Audit(ctx context.Context, e audit.Entry) error
	FindAudit(ctx context.Context, f audit.Filter) ([]audit.Entry, int, error)
}

// Config holds what an App needs.
type Config struct {
	Store Store
	// Now is the one clock of the server, the store and the use cases.
	Now func() time.Time
	Log *slog.Logger
	// HashSlots bounds the password hashes computed at once (argon2id
	// takes 19 MiB each); 0 means the number of CPUs, at least 2.
	HashSlots int
	// ExportSlots bounds the PDF and XLSX exports made at once; 0 means 2.
	ExportSlots int
	// ImportSlots bounds the imports read at once (a document at the
	// importer's bounds costs up to some 300 MiB while it is decoded); 0
	// means 1.
	ImportSlots int
	// Policy is the sign-in throttle; nil means auth.DefaultPolicy.
	Policy auth.Policy
	// Vault holds the vault's keys; without them the subject use cases
	// refuse (vault.nokeys).
	Vault VaultKeys
	// Connect opens a connector to a system's database; nil means
	// connectors.Open.
	Connect func(register.Engine, string) (connector.Conn, error)
	// Sweeps hears what sweeps do (metrics); nil hears nothing.
	Sweeps SweepObserver
	// Mail sends the mails to requesters and the reminders; nil sends
	// none (the steps that need a mail say so).
	Mail mail.Sender
	// RemindTo is the mailbox the deadline reminders go to (the DPO's);
	// RemindDays the days before a request's last day they are sent on
	// (default 7, 3 and 1; and each day it is overdue).
	RemindTo   string
	RemindDays []int
	// Hooks calls the consent ledger's webhooks; nil means a client with
	// a 10 s timeout that follows no redirects.
	Hooks *http.Client
}

// SweepObserver hears what sweeps do, table by table: the rows found due
// (examined), those kept under a hold, each batch with its rows and
// duration. It gets names of systems and tables, never a row.
type SweepObserver interface {
	Examined(system, table string, due, held int64)
	Batch(system, table, action string, rows int64, d time.Duration)
}

type noSweepObserver struct{}

func (noSweepObserver) Examined(string, string, int64, int64)              {}
func (noSweepObserver) Batch(string, string, string, int64, time.Duration) {}

// App is the use-case layer. Its methods are safe for concurrent use.
type App struct {
	store      Store
	now        func() time.Time
	log        *slog.Logger
	policy     auth.Policy
	hashes     chan struct{}
	exports    chan struct{}
	imports    chan struct{}
	lint       lintCache
	tokens     *tokenUse
	vault      VaultKeys
	connect    func(register.Engine, string) (connector.Conn, error)
	sweeps     SweepObserver
	mail       mail.Sender
	portal     limiter
	remindTo   string
	remindDays []int
	// background are the runs started in the background.
	background sync.WaitGroup
	// consentKick wakes the job runner of the ledger's outbox (nil: none
	// runs; the steps do their jobs themselves); hooks calls webhooks.
	consentKick atomic.Pointer[func()]
	hooks       *http.Client
	// groupQ is the group commit of the writes an answer waits for
	// (audit entries of reads, new people; nil when the store cannot).
	groupQ *groupQueue
}

// New returns an App. Close it to record pending token use.
func New(c Config) *App {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.HashSlots <= 0 {
		c.HashSlots = max(2, runtime.NumCPU())
	}
	if c.ExportSlots <= 0 {
		c.ExportSlots = 2
	}
	if c.ImportSlots <= 0 {
		c.ImportSlots = 1
	}
	if c.Policy == nil {
		c.Policy = auth.DefaultPolicy
	}
	a := &App{store: c.Store, now: c.Now, log: c.Log, policy: c.Policy, vault: c.Vault,
		hashes: make(chan struct{}, c.HashSlots), exports: make(chan struct{}, c.ExportSlots), imports: make(chan struct{}, c.ImportSlots)}
	a.connect = c.Connect
	if a.connect == nil {
		a.connect = connectors.Open
	}
	a.sweeps = c.Sweeps
	if a.sweeps == nil {
		a.sweeps = noSweepObserver{}
	}
	a.mail, a.remindTo, a.remindDays = c.Mail, c.RemindTo, c.RemindDays
	if len(a.remindDays) == 0 {
		a.remindDays = []int{7, 3, 1}
	}
	a.hooks = c.Hooks
	if a.hooks == nil {
		a.hooks = &http.Client{Timeout: hookTimeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	a.tokens = newTokenUse(c.Store, c.Now, c.Log)
	if g, ok := c.Store.(GroupCommitter); ok {
		a.groupQ = newGroupQueue(g, a.writeAlone)
	}
	return a
}

// Close records the token use not yet written and stops the audit
// writer.
func (a *App) Close() {
	a.tokens.close()
	if a.groupQ != nil {
		a.groupQ.close()
	}
}

// Now is the App's clock.
func (a *App) Now() time.Time { return a.now() }

// Ping checks that the store answers.
func (a *App) Ping(ctx context.Context) error { return a.store.Ping(ctx) }

// require checks the principal's permission for action; a refusal of a
// known principal is recorded as denied.
func (a *App) require(ctx context.Context, perm auth.Permission, action, target string) (auth.Principal, error) {
	p, err := auth.Require(ctx, perm)
	if gdpr.ErrorCode(err) == gdpr.EFORBIDDEN {
		a.Denied(ctx, action, target, "role "+string(p.Role))
	}
	return p, err
}

// Denied records an attempt an adapter refused before it reached a use
// case (a missing CSRF token, a role the route does not allow). Anonymous
// attempts are not recorded: they carry no actor and would let anyone fill
// the log.
func (a *App) Denied(ctx context.Context, action, target, reason string) {
	if _, ok := auth.PrincipalFrom(ctx); !ok {
		return
	}
	a.audit(ctx, audit.Entry{Action: action, Target: target, Outcome: audit.Denied, Detail: reason})
}

// Failed records an attempt an adapter found invalid before it reached a
// use case (a form with field errors), as the use case would have.
func (a *App) Failed(ctx context.Context, action, target, reason string) {
	if _, ok := auth.PrincipalFrom(ctx); !ok {
		return
	}
	a.audit(ctx, audit.Entry{Action: action, Target: target, Outcome: audit.Failed, Detail: reason})
}

// record writes a failed attempt's audit entry and returns err; a nil err
// passes (the store recorded the change itself).
func (a *App) record(ctx context.Context, action, target string, err error) error {
	if err == nil {
		return nil
	}
	code := gdpr.ErrorCode(err)
	if errors.Is(err, context.Canceled) || code == gdpr.EUNAUTHORIZED {
		return err
	}
	outcome := audit.Failed
	if code == gdpr.EFORBIDDEN {
		outcome = audit.Denied
	}
	a.audit(ctx, audit.Entry{Action: action, Target: target, Outcome: outcome, Detail: code})
	return err
}

func (a *App) audit(ctx context.Context, e audit.Entry) {
	// The attempt failed already; a failing audit write is logged, the
	// user sees the attempt's own error.
	if err := a.store.Audit(context.WithoutCancel(ctx), e); err != nil {
		a.log.Error("audit failed", "action", e.Action, "err", err)
	}
}

// CLI returns ctx carrying the principal of the command line: whoever may
// open the store file (or knows the database URL) may do everything, so
// the role is admin; login names the operating-system user.
func CLI(ctx context.Context, login string) context.Context {
	actor := "cli"
	if login != "" {
		actor = "cli:" + login
	}
	return auth.WithPrincipal(ctx, auth.Principal{Actor: actor, Role: auth.Admin})
}

// System returns ctx carrying the principal of the server's own jobs.
func System(ctx context.Context, job string) context.Context {
	return auth.WithPrincipal(ctx, auth.Principal{Actor: "system:" + job, Role: auth.Admin})
}
