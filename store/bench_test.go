package store_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"gdpr/register"
	"gdpr/store"
)

func bigRegister(n int) *register.Register {
	r := &register.Register{}
	for i := range n {
		r.Activities = append(r.Activities, &register.Activity{ID: fmt.Sprintf("a-%d", i), Name: fmt.Sprintf("Verarbeitung %d", i),
			Purposes: []string{"Zweck"}, DataSubjects: []string{"Kunden"}, DataCategories: []string{"Name", "Anschrift"},
			Recipients: register.Recipients{None: true}, ThirdCountryTransfers: register.Transfers{None: true},
			Retention: []register.Retention{{Text: "10 Jahre"}}})
	}
	return r
}

// BenchmarkApply imports 1000 activities into a fresh SQLite store, then
// re-imports them unchanged; the unchanged pass reads and compares only and
// is reported as a fraction of the first (x-first-import).
func BenchmarkApply(b *testing.B) {
	ctx := as("bench")
	r := bigRegister(1000)
	var first, again int64
	for i := range b.N {
		s, err := store.Open(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("b%d.db", i)))
		if err != nil {
			b.Fatal(err)
		}
		t0 := store.TestingNow()
		if _, err := s.Apply(ctx, r, register.ApplyOptions{}); err != nil {
			b.Fatal(err)
		}
		mid := store.TestingNow()
		sum, err := s.Apply(ctx, r, register.ApplyOptions{})
		if err != nil || sum.Unchanged != 1000 {
			b.Fatal(sum, err)
		}
		first += mid - t0
		again += store.TestingNow() - mid
		s.Close()
	}
	b.ReportMetric(float64(first)/float64(b.N)/1e6, "ms-first-import")
	b.ReportMetric(float64(again)/float64(b.N)/1e6, "ms-unchanged-import")
	b.ReportMetric(float64(again)/float64(first), "x-first-import")
}

// BenchmarkCheck lints a register of 5000 activities.
func BenchmarkCheck(b *testing.B) {
	r := bigRegister(5000)
	today := register.Date{Year: 2026, Month: 11, Day: 23}
	b.ResetTimer()
	for range b.N {
		register.Check(r, today)
	}
}
