// Package store keeps the register in SQLite (the embedded default) or
// PostgreSQL. Both run the same embedded goose migrations and the same
// queries; the only dialect seam is the placeholder syntax. It implements
// register.Service.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // driver "sqlite"

	"golang.org/x/mod/sumdb/note"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/register"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DefaultPath is where the embedded store lives unless --db or GDPR_DB say
// otherwise.
const DefaultPath = "gdpr.db"

type dialect int

const (
	sqlite dialect = iota
	postgres
)

// Store implements register.Service.
type Store struct {
	w, r    *sql.DB // writer and readers; the same pool on PostgreSQL
	dialect dialect
	now     func() time.Time
	dsn     string
	signer  note.Signer // the log key; nil: the log grows unsigned
	stmts   sync.Map    // stmtKey → *sql.Stmt, see prepared
	nstmts  atomic.Int64
	// schemaFP caches the log's trigger fingerprint by SQLite's schema
	// counter.
	schemaFP atomic.Pointer[schemaFP]
	optErr   error // an option that could not be applied
	ckpt     *checkpointer
}

var _ register.Service = (*Store)(nil)

// Option configures Open.
type Option func(*Store)

// WithClock makes the store take "now" from clock (tests).
func WithClock(clock func() time.Time) Option { return func(s *Store) { s.now = clock } }

// IsPostgres reports whether dsn addresses PostgreSQL.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens (and creates or migrates) the store at dsn: a postgres:// URL,
// or a SQLite file path (optionally prefixed "sqlite:"); "" is DefaultPath.
// A new SQLite file is created readable by its owner only: it holds personal
// data.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	if dsn == "" {
		dsn = DefaultPath
	}
	s := &Store{now: time.Now, dsn: dsn}
	for _, o := range opts {
		o(s)
	}
	if s.optErr != nil {
		return nil, s.optErr
	}
	var err error
	if IsPostgres(dsn) {
		s.dialect = postgres
		s.w, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		s.w.SetMaxOpenConns(8)
		s.r = s.w
	} else {
		if err := s.openSQLite(strings.TrimPrefix(dsn, "sqlite:")); err != nil {
			return nil, err
		}
	}
	if err := s.w.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("connect to %s: %w", s.Redacted(), err)
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) openSQLite(path string) error {
	s.dialect = sqlite
	if path == "" || strings.HasPrefix(path, "file:") && strings.Contains(path, "mode=memory") {
		return errors.New("open sqlite: an in-memory database would lose the register; give a file path")
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("create %s: %w", path, err)
		}
		f.Close()
	}
	// WAL lets readers run beside the one writer; busy_timeout makes a
	// second process wait instead of failing; _txlock=immediate takes the
	// write lock at BEGIN so that two writers never deadlock on upgrade.
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(5000)", "foreign_keys(1)", "synchronous(NORMAL)", "secure_delete(ON)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	base := "file:" + path + "?" + q.Encode()
	var err error
	if s.ckpt, err = newCheckpointer(base); err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	wq := url.Values{}
	for k, v := range q {
		wq[k] = v
	}
	wq.Add("_pragma", "wal_autocheckpoint(0)")
	if s.w, err = sql.Open("sqlite", "file:"+path+"?"+wq.Encode()); err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	s.w.SetMaxOpenConns(1)
	q.Add("_pragma", "query_only(1)")
	if s.r, err = sql.Open("sqlite", "file:"+path+"?"+q.Encode()); err != nil {
		s.w.Close()
		return fmt.Errorf("open %s: %w", path, err)
	}
	// Idle readers stay open: database/sql keeps two by default, and a
	// SQLite connection opened anew runs its pragmas and reads the
	// schema again (half the CPU of a vault read under 8 clients).
	s.r.SetMaxOpenConns(4)
	s.r.SetMaxIdleConns(4)
	return nil
}

func (s *Store) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	d := goose.DialectSQLite3
	if s.dialect == postgres {
		d = goose.DialectPostgres
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true), goose.WithGoMigrations(s.goMigrations()...)}
	if s.dialect == postgres {
		// Several servers starting at once on one PostgreSQL (after an
		// upgrade) migrate one after the other, under an advisory lock;
		// the others find nothing left to do.
		l, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return fmt.Errorf("migrations: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(l))
	}
	p, err := goose.NewProvider(d, s.w, sub, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", s.Redacted(), err)
	}
	if len(res) == 0 {
		return nil
	}
	// A migration may change the triggers the log's fingerprint covers:
	// its entry says that this engine did it, with the fingerprint taken
	// afresh.
	s.schemaFP.Store(nil)
	var vs []string
	for _, r := range res {
		vs = append(vs, fmt.Sprint(r.Source.Version))
	}
	return s.tx(ctx, func(t *txn) error {
		t.migrated = true
		return s.insertAudit(ctx, t, audit.Entry{Actor: "system", Action: audit.StoreMigrate, Target: "store", Outcome: audit.OK, Detail: strings.Join(vs, " ")}, s.now())
	})
}

// Close releases the database handles.
func (s *Store) Close() error {
	s.ckpt.close()
	s.stmts.Range(func(_, st any) bool { st.(*sql.Stmt).Close(); return true })
	var err error
	if s.r != nil && s.r != s.w {
		err = s.r.Close()
	}
	if s.w != nil {
		err = errors.Join(err, s.w.Close())
	}
	return err
}

// Ping checks that the database answers (health checks).
func (s *Store) Ping(ctx context.Context) error { return s.r.PingContext(ctx) }

// Redacted returns the DSN without its password, for messages.
func (s *Store) Redacted() string {
	if u, err := url.Parse(s.dsn); err == nil && u.User != nil {
		return u.Redacted()
	}
	return s.dsn
}

// Engine names the engine ("sqlite" or "postgres").
func (s *Store) Engine() string {
	if s.dialect == postgres {
		return "postgres"
	}
	return "sqlite"
}

// q rewrites ? placeholders for PostgreSQL ($1, $2, ...). Queries are ours
// and hold no literal question marks.
func (s *Store) q(query string) string {
	if s.dialect != postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// tx runs fn in one write transaction, rolled back on error. What fn
// wrote to the audit log and the revisions joins the tamper-evident log
// before the commit.
func (s *Store) tx(ctx context.Context, fn func(t *txn) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return translate(err, "begin")
	}
	t := &txn{Tx: tx, s: s}
	if err := fn(t); err != nil {
		tx.Rollback()
		return err
	}
	if err := s.appendLog(ctx, t); err != nil {
		tx.Rollback()
		return err
	}
	err = translate(tx.Commit(), "commit")
	s.ckpt.committed()
	if len(t.missed) > 0 {
		s.prepareMissed(context.WithoutCancel(ctx), t.missed)
	}
	return err
}

// wtx is a write transaction on behalf of a principal: what it writes is
// attributed to the actor, at one time for all of it.
type wtx struct {
	*txn
	s     *Store
	actor string
	at    time.Time
	now   string // at, formatted
	// seq is the register state this transaction writes (0 until the
	// first change of the register takes it; see next).
	seq   int64
	pos   map[string]int
	stmts map[string]*sql.Stmt // prepared for the transaction
}

// next takes the next register state for this transaction's changes, on
// its first change of the register: the row stays locked until commit
// (PostgreSQL), so that states are committed in their order.
func (w *wtx) next(ctx context.Context) (int64, error) {
	if w.seq != 0 {
		return w.seq, nil
	}
	if _, err := w.ExecContext(ctx, "UPDATE register_state SET seq = seq + 1 WHERE id = 1"); err != nil {
		return 0, translate(err, "register state")
	}
	if err := w.QueryRowContext(ctx, "SELECT seq FROM register_state WHERE id = 1").Scan(&w.seq); err != nil {
		return 0, translate(err, "register state")
	}
	return w.seq, nil
}

// write runs fn in one write transaction on behalf of the context's
// principal (EUNAUTHORIZED without one). The audit entry of the change is
// written by fn within the same transaction, so that a change and its
// audit entry are committed together or not at all.
func (s *Store) write(ctx context.Context, fn func(w *wtx) error) error {
	p, ok := auth.PrincipalFrom(ctx)
	if !ok {
		return gdpr.Keyed(gdpr.EUNAUTHORIZED, "", "store.noprincipal")
	}
	return s.tx(ctx, func(t *txn) error {
		at := s.now().UTC().Truncate(time.Microsecond)
		w := &wtx{txn: t, s: s, actor: p.Actor, at: at, now: fmtTime(at)}
		defer func() {
			for _, st := range w.stmts {
				st.Close()
			}
		}()
		return fn(w)
	})
}

const timeLayout = "2006-01-02T15:04:05.000000Z"

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) { return time.Parse(timeLayout, s) }

func notFound(kind, id string) error {
	return gdpr.Keyed(gdpr.ENOTFOUND, "", "notfound."+kind, id)
}

// prepared returns query prepared on db, once per store: parsing a
// statement cost SQLite more than running it on the vault's and the
// log's hot paths (a quarter of the CPU of a create). database/sql
// prepares it again on each connection that runs it, once.
func (s *Store) prepared(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	key := stmtKey{db, query}
	if st, ok := s.stmts.Load(key); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(key, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	s.nstmts.Add(1)
	return st, nil
}

// readRows runs a read on the pool through its prepared statement
// (query in '?' placeholders): the consent ledger's and the check's
// reads are small and many, and parsing them cost SQLite more than
// running them. A statement that does not prepare runs as it is.
func (s *Store) readRows(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	query = s.q(query)
	if st, err := s.prepared(ctx, s.r, query); err == nil {
		return st.QueryContext(ctx, args...)
	}
	return s.r.QueryContext(ctx, query, args...)
}

// readRow is readRows for one row.
func (s *Store) readRow(ctx context.Context, query string, args ...any) *sql.Row {
	query = s.q(query)
	if st, err := s.prepared(ctx, s.r, query); err == nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.r.QueryRowContext(ctx, query, args...)
}

type stmtKey struct {
	db    *sql.DB
	query string
}

// The transaction's statements go through the store's prepared ones
// (queries given already in the engine's placeholders). Statements
// built with varying text beyond the cache's bound run unprepared.
func (t *txn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, ok := t.cached(query)
	if !ok {
		return t.Tx.ExecContext(ctx, query, args...)
	}
	return t.StmtContext(ctx, st).ExecContext(ctx, args...)
}

func (t *txn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, ok := t.cached(query)
	if !ok {
		return t.Tx.QueryContext(ctx, query, args...)
	}
	return t.StmtContext(ctx, st).QueryContext(ctx, args...)
}

func (t *txn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, ok := t.cached(query)
	if !ok {
		return t.Tx.QueryRowContext(ctx, query, args...)
	}
	return t.StmtContext(ctx, st).QueryRowContext(ctx, args...)
}

// maxStmts bounds the prepared statements a store keeps.
const maxStmts = 256

// cached returns the writer's prepared statement for query when the
// cache has it. One it lacks runs unprepared and is prepared after the
// transaction: preparing on the pool inside it would wait for the one
// connection the transaction holds (SQLite's writer).
func (t *txn) cached(query string) (*sql.Stmt, bool) {
	if st, ok := t.s.stmts.Load(stmtKey{t.s.w, query}); ok {
		return st.(*sql.Stmt), true
	}
	if t.s.nstmts.Load() < maxStmts {
		t.missed = append(t.missed, query)
	}
	return nil, false
}

// prepareMissed prepares, after a transaction, the statements it ran
// unprepared. A statement that does not prepare stays unprepared.
func (s *Store) prepareMissed(ctx context.Context, qs []string) {
	for _, q := range qs {
		if s.nstmts.Load() >= maxStmts {
			return
		}
		s.prepared(ctx, s.w, q)
	}
}
