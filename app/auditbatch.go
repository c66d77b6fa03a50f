package app

import (
	"context"
	"sync"

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

// maxGroup bounds one group commit.
const maxGroup = 256

// groupQueue is the group commit of the writes many clients make at once
// and wait for: the audit entries of reads of people's data, and new
// people in the vault. Each caller hands its write over and waits; one
// writer takes every write waiting and commits them in one transaction
// (one commit, one append to the log, one signed checkpoint). Alone, a
// caller waits for its own commit, as before; with many, they share one.
type groupQueue struct {
	in      chan groupReq
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
	err    chan error
}

func newGroupQueue(g GroupCommitter, alone func(groupReq) error) *groupQueue {
	q := &groupQueue{in: make(chan groupReq, maxGroup), done: make(chan struct{}), stopped: make(chan struct{})}
	go q.run(g, alone)
	return q
}

func (q *groupQueue) run(g GroupCommitter, alone func(groupReq) error) {
	defer close(q.stopped)
	for {
		var batch []groupReq
		select {
		case first := <-q.in:
			batch = append(batch, first)
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
				// No wait for callers on their way (as PostgreSQL's
				// commit_delay would): measured, a wait of 0.5–4 ms made
				// the groups larger (3.4 → 6 of 8 clients) and the
				// sign-ups fewer (1,470 → 1,160–1,360 a second): the
				// writer idled while they came.
				break more
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
