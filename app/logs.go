package app

import (
	"context"
	"io"
	"sync"
	"time"

	"gdpr"
	"gdpr/logscrub"
	"gdpr/period"
	"gdpr/seal"
)

// MaxAttackRetention is seed 001's promise: attack lines are kept seven
// days at most.
var MaxAttackRetention = period.MustParse("P7D")

// AttackRetention reads a retention period for attack lines and refuses
// more than seven days.
func AttackRetention(s string, now time.Time) (time.Duration, error) {
	p, err := period.Parse(s)
	if err != nil {
		return 0, gdpr.Keyed(gdpr.EINVALID, "attack-retention", "cli.wrap", "--attack-retention", err)
	}
	d := p.AddTo(now).Sub(now)
	if limit := MaxAttackRetention.AddTo(now).Sub(now); d > limit {
		return 0, gdpr.Keyed(gdpr.EINVALID, "attack-retention", "logs.retention.max", p, MaxAttackRetention)
	}
	return d, nil
}

// AttackStore keeps attack lines sealed; package store implements it.
type AttackStore interface {
	AddAttacks(ctx context.Context, box *seal.Box, source string, seen time.Time, as []logscrub.Attack) error
	PurgeExpiredAttacks(ctx context.Context, retention time.Duration) (int64, error)
}

// Attacks is where a log run keeps its attack lines.
type Attacks struct {
	Store  AttackStore
	Box    *seal.Box
	Source string        // the log's name, shown when listing
	Retain time.Duration // retention, at most seven days
	Now    func() time.Time
	Local  *time.Location // zone of log times without one
}

// Add stores attack lines as logscrub.KeepAttacks prepares them: each
// batch with the time of its oldest line, lines older than the retention
// not at all. It returns how many lines were too old to keep.
func (k *Attacks) Add(ctx context.Context, as []logscrub.Attack) (int, error) {
	local := k.Local
	if local == nil {
		local = time.Local
	}
	batches, expired := logscrub.KeepAttacks(as, k.Now(), k.Retain, local)
	for _, b := range batches {
		if err := k.Store.AddAttacks(ctx, k.Box, k.Source, b.Seen, b.Lines); err != nil {
			return expired, err
		}
	}
	return expired, nil
}

// Purge removes attack lines past the retention.
func (k *Attacks) Purge(ctx context.Context) error {
	_, err := k.Store.PurgeExpiredAttacks(ctx, k.Retain)
	return err
}

// LogResult is what a run did.
type LogResult struct {
	logscrub.Counts
	// Expired counts attack lines that were older than the retention
	// already and so were not stored.
	Expired int
}

// AnonymizeLog runs st over in to out. With attacks, the attack lines go
// to the attack store, written by a goroutine of their own so that the
// output never waits for the database; what queued up while a batch was
// written goes into one row. Expired lines are purged first.
func AnonymizeLog(ctx context.Context, st *logscrub.Stream, attacks *Attacks, in io.Reader, out io.Writer) (LogResult, error) {
	var res LogResult
	if attacks == nil {
		c, err := st.Run(ctx, in, out)
		res.Counts = c
		return res, err
	}
	if err := attacks.Purge(ctx); err != nil {
		return res, err
	}
	batches := make(chan []logscrub.Attack, 64)
	storeErr := make(chan error, 1)
	expired := 0
	go func() {
		var first error
		for b := range batches {
			b = gatherAttacks(batches, b)
			if first == nil {
				var n int
				n, first = attacks.Add(ctx, b)
				expired += n // read after storeErr is received
			}
		}
		storeErr <- first
	}()
	st.OnAttacks = func(as []logscrub.Attack) error {
		batches <- as
		return nil
	}
	var once sync.Once
	var serr error
	wait := func() error {
		once.Do(func() {
			close(batches)
			serr = <-storeErr
		})
		return serr
	}
	defer wait()
	c, err := st.Run(ctx, in, out)
	if werr := wait(); err == nil {
		err = werr
	}
	res.Counts, res.Expired = c, expired
	res.AttackLines -= int64(expired)
	return res, err
}

// gatherAttacks appends to b the batches waiting in ch, up to about
// 64 000 lines.
func gatherAttacks(ch <-chan []logscrub.Attack, b []logscrub.Attack) []logscrub.Attack {
	for len(b) < 64000 {
		select {
		case more, ok := <-ch:
			if !ok {
				return b
			}
			b = append(b, more...)
		default:
			return b
		}
	}
	return b
}
