package app_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gdpr/app"
	"gdpr/audit"
)

// BenchmarkVault: 8 clients on one SQLite store create people and read
// them back through the use cases (sealing, blind index, audit entry each).
// Reported: creates/s, reads/s, errors, and x-audit, the cost of a create
// relative to a bare audit append measured in the same run (the write
// transaction every create needs anyway).
func BenchmarkVault(b *testing.B) {
	f := newApp(b, app.Config{Vault: vaultKeys(b)})
	ctx := editor()
	const clients, per = 8, 250
	run := func(op func(ctx context.Context, i int) error) (time.Duration, int64) {
		var errs atomic.Int64
		var wg sync.WaitGroup
		t0 := time.Now()
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range per {
					if err := op(ctx, c*per+i); err != nil {
						errs.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		return time.Since(t0), errs.Load()
	}
	var base, creates, reads time.Duration
	var failed int64
	for range b.N {
		d, e := run(func(ctx context.Context, i int) error {
			return f.store.Audit(ctx, audit.Entry{Action: audit.SubjectRead, Target: "bench", Outcome: audit.OK})
		})
		base, failed = base+d, failed+e
		ids := make([]string, clients*per)
		d, e = run(func(ctx context.Context, i int) error {
			id, err := f.app.CreateSubject(ctx, app.Record{"email": fmt.Sprintf("person%d-%d@example.org", i, b.N), "name": "Beispiel", "customer_id": fmt.Sprint(i)})
			ids[i] = id
			return err
		})
		creates, failed = creates+d, failed+e
		d, e = run(func(ctx context.Context, i int) error {
			_, err := f.app.GetSubject(ctx, ids[i])
			return err
		})
		reads, failed = reads+d, failed+e
	}
	n := float64(clients * per * b.N)
	b.ReportMetric(n/creates.Seconds(), "creates/s")
	b.ReportMetric(n/reads.Seconds(), "reads/s")
	b.ReportMetric(float64(failed), "errors")
	b.ReportMetric(float64(creates)/float64(base), "x-audit")
}
