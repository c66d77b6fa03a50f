package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gdpr/audit"
	"gdpr/auth"
	"gdpr/consent"
	"gdpr/store"
	"gdpr/vault"
)

// BenchmarkAuditAppend: 8 clients append audit entries that their answer
// waits for, through the group commit and one transaction each (the
// baseline, measured in the same run). Reported: entries/s of both and
// x-alone, how many times faster the group commit is.
func BenchmarkAuditAppend(b *testing.B) {
	// As in production: every transaction adds its leaves to the log and
	// signs the new tree head.
	k, err := audit.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	s, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "gdpr.db"), store.WithLogKey(k.Private))
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
	// batched: one writer appending batches of 100 (an import, a sweep).
	batch := make([]audit.Entry, 100)
	for i := range batch {
		batch[i] = e
		batch[i].Actor = "user:bench"
	}
	var alone, grouped, batched time.Duration
	for range b.N {
		alone += run(func() error { return s.Audit(ctx, e) })
		grouped += run(func() error { return a.auditNow(ctx, e) })
		t0 := time.Now()
		for range clients * per / len(batch) {
			if err := s.GroupCommit(ctx, batch, nil); err != nil {
				b.Fatal(err)
			}
		}
		batched += time.Since(t0)
	}
	n := float64(clients * per * b.N)
	b.ReportMetric(n/alone.Seconds(), "alone/s")
	b.ReportMetric(n/grouped.Seconds(), "grouped/s")
	b.ReportMetric(n/batched.Seconds(), "batched/s")
	b.ReportMetric(float64(alone)/float64(grouped), "x-alone")
	b.ReportMetric(float64(alone)/float64(batched), "batched-x-alone")
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

// failingGroup fails every group of more than one write; alone, the
// write to target "bad" fails.
type failingGroup struct{ groups atomic.Int64 }

func (f *failingGroup) GroupCommit(_ context.Context, es []audit.Entry, cs []vault.Create, _ ...consent.Append) error {
	f.groups.Add(1)
	if len(es)+len(cs) > 1 {
		return errors.New("one of them spoils it")
	}
	return nil
}

// TestGroupFallsBack: when a group fails, each write is made alone and
// each caller learns its own outcome.
func TestGroupFallsBack(t *testing.T) {
	g := &failingGroup{}
	alone := func(r groupReq) error {
		if r.e.Target == "bad" {
			return errors.New("bad")
		}
		return nil
	}
	q := newGroupQueue(g, alone)
	defer q.close()
	reqs := make([]groupReq, 20)
	for i := range reqs {
		reqs[i] = groupReq{ctx: context.Background(), e: audit.Entry{Target: fmt.Sprint(i)}, err: make(chan error, 1)}
		if i == 7 {
			reqs[i].e.Target = "bad"
		}
	}
	// All queued before the writer can take the first alone.
	for _, r := range reqs {
		q.in <- r
	}
	for i, r := range reqs {
		err := <-r.err
		if (i == 7) != (err != nil) {
			t.Errorf("write %d: %v", i, err)
		}
	}
}
