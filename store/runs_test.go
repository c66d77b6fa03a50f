package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gdpr"
	"gdpr/run"
)

// TestRunStore: a run is recorded as it begins, its progress reported,
// its end written with result and error (key and arguments); runs list
// newest first, by kind and system, bounded; on both stores.
func TestRunStore(t *testing.T) {
	for name, s := range engines(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			at := time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC) // the night the clocks go forward
			for i := range 25 {
				r := run.Run{ID: fmt.Sprintf("r%02d", i), Kind: run.Sweep, Actor: "system:jobs", Started: at.Add(time.Duration(i) * time.Minute), State: run.Running,
					Progress: run.Progress{Tables: 3}}
				if i%5 == 0 {
					r.Kind, r.System = run.Scan, "shop"
				}
				if err := s.BeginRun(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.ProgressRun(ctx, "r01", run.Progress{Tables: 3, TablesDone: 1, Examined: 5000, Done: 2000, Held: 7}); err != nil {
				t.Fatal(err)
			}
			r, err := s.FindRun(ctx, "r01")
			if err != nil || r.State != run.Running || r.Progress.Done != 2000 || r.Progress.Held != 7 || !r.Updated.After(r.Started) || r.Finished != nil {
				t.Fatalf("after progress: %+v %v", r, err)
			}
			r.State, r.Result, r.Error, r.ErrorArgs = run.Failed, []byte(`{"tables":[]}`), "system.connect", []string{"shop", "connection refused"}
			if err := s.FinishRun(ctx, r); err != nil {
				t.Fatal(err)
			}
			// A progress after the end changes nothing.
			s.ProgressRun(ctx, "r01", run.Progress{Done: 1})
			r, _ = s.FindRun(ctx, "r01")
			if r.State != run.Failed || r.Finished == nil || string(r.Result) != `{"tables":[]}` || r.Error != "system.connect" ||
				len(r.ErrorArgs) != 2 || r.ErrorArgs[1] != "connection refused" || r.Progress.Done != 2000 {
				t.Errorf("after the end: %+v", r)
			}
			all, err := s.FindRuns(ctx, run.Filter{})
			if err != nil || len(all) != 20 || all[0].ID != "r24" || all[19].ID != "r05" {
				t.Errorf("default list: %d runs, %v", len(all), err)
			}
			scans, _ := s.FindRuns(ctx, run.Filter{Kind: run.Scan, System: "shop", Limit: 3})
			if len(scans) != 3 || scans[0].ID != "r20" || scans[2].ID != "r10" {
				t.Errorf("scans: %+v", scans)
			}
			if big, _ := s.FindRuns(ctx, run.Filter{Limit: 100000}); len(big) != 25 {
				t.Errorf("limit: %d", len(big))
			}
			if _, err := s.FindRun(ctx, "nope"); gdpr.ErrorCode(err) != gdpr.ENOTFOUND {
				t.Errorf("unknown run: %v", err)
			}
			if err := s.BeginRun(ctx, run.Run{ID: "r00", Kind: run.Sweep, Started: at}); gdpr.ErrorCode(err) != gdpr.ECONFLICT {
				t.Errorf("a run id twice: %v", err)
			}
		})
	}
}
