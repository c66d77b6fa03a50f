package app

import (
	"context"
	"sync"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
)

// AuditBatcher is a store that appends several audit entries in one
// transaction.
type AuditBatcher interface {
	AuditBatch(ctx context.Context, es []audit.Entry) error
}

// maxAuditBatch bounds one group commit.
const maxAuditBatch = 256

// auditQueue is the group commit of the audit entries that must be
// written before an answer goes out (reads of people's data): each caller
// hands its entry over and waits; one writer takes every entry waiting and
// commits them in one transaction. Alone, a caller waits for its own
// commit, as before; with many, they share one.
type auditQueue struct {
	in      chan auditReq
	done    chan struct{} // closed by close
	stopped chan struct{} // closed when the writer has returned
	once    sync.Once
}

type auditReq struct {
	e   audit.Entry
	err chan error
}

func newAuditQueue(b AuditBatcher) *auditQueue {
	q := &auditQueue{in: make(chan auditReq, maxAuditBatch), done: make(chan struct{}), stopped: make(chan struct{})}
	go q.run(b)
	return q
}

func (q *auditQueue) run(b AuditBatcher) {
	defer close(q.stopped)
	for {
		var batch []auditReq
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
				q.commit(b, batch)
			}
			return
		}
	more:
		for len(batch) < maxAuditBatch {
			select {
			case r := <-q.in:
				batch = append(batch, r)
			default:
				break more
			}
		}
		q.commit(b, batch)
	}
}

func (q *auditQueue) commit(b AuditBatcher, batch []auditReq) {
	es := make([]audit.Entry, len(batch))
	for i, r := range batch {
		es[i] = r.e
	}
	err := b.AuditBatch(context.Background(), es)
	for _, r := range batch {
		r.err <- err
	}
}

func (q *auditQueue) close() { q.once.Do(func() { close(q.done) }) }

// auditNow writes e, with the principal of ctx as actor, before it
// returns: through the group commit where the store has one.
func (a *App) auditNow(ctx context.Context, e audit.Entry) error {
	if a.auditQ == nil {
		return a.store.Audit(ctx, e)
	}
	if e.Actor == "" {
		p, ok := auth.PrincipalFrom(ctx)
		if !ok {
			return gdpr.Keyed(gdpr.EUNAUTHORIZED, "", "store.noprincipal")
		}
		e.Actor = p.Actor
	}
	r := auditReq{e: e, err: make(chan error, 1)}
	select {
	case a.auditQ.in <- r:
	case <-ctx.Done():
		return ctx.Err()
	case <-a.auditQ.done:
		return a.store.Audit(ctx, e) // the App is closing: write it alone
	}
	select {
	case err := <-r.err:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-a.auditQ.stopped:
		// The writer stopped; it answered what it took. An entry it did
		// not take is written alone.
		select {
		case err := <-r.err:
			return err
		default:
			return a.store.Audit(ctx, e)
		}
	}
}
