package app

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/consent"
	"gdpr/vault"
)

// GroupCommitter is a store that writes several audit entries and new
// subjects in one transaction.
type GroupCommitter interface {
	GroupCommit(ctx context.Context, es []audit.Entry, subjects []vault.Create, appends ...consent.Append) error
}

// commitDelay bounds the wait of a group for callers on their way
// (measured: 2 ms and 4 ms left the writer idle while the whole group
// prepared its next round; 300 µs split the groups again).
const commitDelay = 500 * time.Microsecond

// coming tells the group commit that a caller prepares a write; the
// returned func says it has handed it over (or given up).
func (a *App) coming() func() {
	if a.groupQ == nil {
		return func() {}
	}
	a.groupQ.coming.Add(1)
	var once sync.Once
	return func() { once.Do(func() { a.groupQ.coming.Add(-1) }) }
}

// maxGroup bounds one group commit.
const maxGroup = 256

// groupQueue is the group commit of the writes many clients make at once
// and wait for: the audit entries of reads of people's data, and new
// people in the vault. Each caller hands its write over and waits; one
// writer takes every write waiting and commits them in one transaction
// (one commit, one append to the log, one signed checkpoint). Alone, a
// caller waits for its own commit, as before; with many, they share one.
type groupQueue struct {
	in chan groupReq
	// coming counts the callers on their way to the queue (a sign-up
	// reading what it needs): the writer waits a moment for them, as
	// PostgreSQL's commit_delay does for its siblings. Without it the
	// groups of 8 clients were of 2 or 3, and a sign-up wrote 25 pages of
	// the WAL (strace: 198,521 pwrites for 4,000 sign-ups; with it
	// 134,296).
	coming  atomic.Int64
	done    chan struct{} // closed by close
	stopped chan struct{} // closed when the writer has returned
	once    sync.Once
}

// groupReq is one write: an audit entry or a new subject, with the
// caller's context for writing it alone when the group fails.
type groupReq struct {
	ctx    context.Context
	e      audit.Entry
	create *vault.Create
	// append is a step of the consent ledger (sign-ups come many at
	// once, as reads do).
	append *consent.Append
	// arrived ends the caller's coming (nil: none announced).
	arrived func()
	err     chan error
}

func newGroupQueue(g GroupCommitter, alone func(groupReq) error) *groupQueue {
	q := &groupQueue{in: make(chan groupReq, maxGroup), done: make(chan struct{}), stopped: make(chan struct{})}
	go q.run(g, alone)
	return q
}

func (q *groupQueue) run(g GroupCommitter, alone func(groupReq) error) {
	defer close(q.stopped)
	var t0 time.Time
	for {
		var batch []groupReq
		select {
		case first := <-q.in:
			batch = append(batch, first)
			t0 = time.Now()
		case <-q.done:
			// What is queued still goes in, in one last commit.
			for {
				select {
				case r := <-q.in:
					batch = append(batch, r)
					continue
				default:
				}
				break
			}
			if len(batch) > 0 {
				q.commit(g, alone, batch)
			}
			return
		}
	more:
		for len(batch) < maxGroup {
			select {
			case r := <-q.in:
				batch = append(batch, r)
			default:
				if q.coming.Load() == 0 || time.Since(t0) > commitDelay {
					break more
				}
				select {
				case r := <-q.in:
					batch = append(batch, r)
				case <-time.After(50 * time.Microsecond):
				}
			}
		}
		q.commit(g, alone, batch)
	}
}

func (q *groupQueue) commit(g GroupCommitter, alone func(groupReq) error, batch []groupReq) {
	var es []audit.Entry
	var cs []vault.Create
	var as []consent.Append
	for _, r := range batch {
		switch {
		case r.append != nil:
			as = append(as, *r.append)
		case r.create != nil:
			cs = append(cs, *r.create)
		default:
			es = append(es, r.e)
		}
	}
	err := g.GroupCommit(context.Background(), es, cs, as...)
	if err != nil && len(batch) > 1 {
		// One write spoilt the group (a taken id): each is written
		// alone, so that each caller learns its own outcome.
		for _, r := range batch {
			r.err <- alone(r)
		}
		return
	}
	for _, r := range batch {
		r.err <- err
	}
}

func (q *groupQueue) close() { q.once.Do(func() { close(q.done) }) }

// writeAlone is a write of the group on its own transaction.
func (a *App) writeAlone(r groupReq) error {
	ctx := context.WithoutCancel(r.ctx)
	if r.append != nil {
		cs, err := a.consentStore()
		if err != nil {
			return err
		}
		return cs.AppendConsent(ctx, *r.append)
	}
	if r.create != nil {
		return a.store.(VaultStore).CreateSubject(ctx, r.create.Stored, r.create.Index)
	}
	return a.store.Audit(ctx, r.e)
}

// grouped hands r to the group commit and waits for its outcome; without
// one (a store that cannot, an App closing) r is written alone.
func (a *App) grouped(ctx context.Context, r groupReq) error {
	r.ctx, r.err = ctx, make(chan error, 1)
	if a.groupQ == nil {
		return a.writeAlone(r)
	}
	select {
	case a.groupQ.in <- r:
		if r.arrived != nil {
			r.arrived()
		}
	case <-ctx.Done():
		return ctx.Err()
	case <-a.groupQ.done:
		return a.writeAlone(r) // the App is closing
	}
	select {
	case err := <-r.err:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-a.groupQ.stopped:
		// The writer stopped; it answered what it took. A write it did
		// not take is made alone.
		select {
		case err := <-r.err:
			return err
		default:
			return a.writeAlone(r)
		}
	}
}

// auditNow writes e, with the principal of ctx as actor, before it
// returns: through the group commit where the store has one.
func (a *App) auditNow(ctx context.Context, e audit.Entry) error {
	if e.Actor == "" {
		p, ok := auth.PrincipalFrom(ctx)
		if !ok {
			return gdpr.Keyed(gdpr.EUNAUTHORIZED, "", "store.noprincipal")
		}
		e.Actor = p.Actor
	}
	return a.grouped(ctx, groupReq{e: e})
}
