package app

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gdpr/audit"
	"gdpr/auth"
	"gdpr/store"
)

// BenchmarkAuditAppend: 8 clients append audit entries that their answer
// waits for, through the group commit and one transaction each (the
// baseline, measured in the same run). Reported: entries/s of both and
// x-alone, how many times faster the group commit is.
func BenchmarkAuditAppend(b *testing.B) {
	s, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "gdpr.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	a := New(Config{Store: s})
	defer a.Close()
	ctx := auth.WithPrincipal(context.Background(), auth.Principal{Actor: "user:bench", Role: auth.Admin})
	const clients, per = 8, 500
	run := func(write func() error) time.Duration {
		var wg sync.WaitGroup
		t0 := time.Now()
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range per {
					if err := write(); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		return time.Since(t0)
	}
	e := audit.Entry{Action: audit.SubjectRead, Target: "s-bench", Outcome: audit.OK}
	var alone, grouped time.Duration
	for range b.N {
		alone += run(func() error { return s.Audit(ctx, e) })
		grouped += run(func() error { return a.auditNow(ctx, e) })
	}
	n := float64(clients * per * b.N)
	b.ReportMetric(n/alone.Seconds(), "alone/s")
	b.ReportMetric(n/grouped.Seconds(), "grouped/s")
	b.ReportMetric(float64(alone)/float64(grouped), "x-alone")
}

// TestAuditQueueCloses: entries handed over while the App closes are
// written, none is lost, and no caller hangs.
func TestAuditQueueCloses(t *testing.T) {
	s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "gdpr.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a := New(Config{Store: s})
	ctx := auth.WithPrincipal(context.Background(), auth.Principal{Actor: "user:t", Role: auth.Admin})
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.auditNow(ctx, audit.Entry{Action: audit.SubjectRead, Target: "s", Outcome: audit.OK}); err != nil {
				t.Error(err)
			}
		}()
		if i == 100 {
			a.Close()
		}
	}
	wg.Wait()
	_, total, _ := s.FindAudit(ctx, audit.Filter{Action: audit.SubjectRead})
	if total != 200 {
		t.Errorf("%d of 200 entries written", total)
	}
}
