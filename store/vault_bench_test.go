package store

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"gdpr/app"
	"gdpr/auth"
	"gdpr/vault"
)

// BenchmarkRewrap: a KEK rotation over N people (GDPR_BENCH_SUBJECTS,
// default 100,000; the target is 1,000,000 in under 60 s) in one
// SQLite store. Reported: keys/s, the seconds 1 M would take at that rate,
// and x-crypto, the cost relative to unwrapping and wrapping the same
// keys without the store, measured in the same run.
func BenchmarkRewrap(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("GDPR_BENCH_SUBJECTS")); err == nil && v > 0 {
		n = v
	}
	ctx := auth.WithPrincipal(context.Background(), auth.Principal{Actor: "bench", Role: auth.Admin})
	oldKEK, _ := vault.NewLocalKEK(bytes.Repeat([]byte{1}, vault.KeySize))
	ix, _ := vault.NewIndexer(bytes.Repeat([]byte{2}, vault.KeySize))
	var total, crypto time.Duration
	for i := range b.N {
		b.StopTimer()
		s, err := Open(ctx, filepath.Join(b.TempDir(), "gdpr.db"))
		if err != nil {
			b.Fatal(err)
		}
		// The people, inserted directly: the setup is not what is measured.
		tx, _ := s.w.BeginTx(ctx, nil)
		st, _ := tx.PrepareContext(ctx, `INSERT INTO vault_subjects (id, kek_id, wrapped_key, created_at, changed_at, version) VALUES (?, ?, ?, '', '', 1)`)
		wrapped := make([][]byte, n)
		for j := range n {
			id := fmt.Sprintf("s-%08d", j)
			wrapped[j], _ = oldKEK.Wrap(vault.NewDataKey(), id)
			if _, err := st.ExecContext(ctx, id, oldKEK.ID(), wrapped[j]); err != nil {
				b.Fatal(err)
			}
		}
		st.Close()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		newKEK, _ := vault.NewLocalKEK(bytes.Repeat([]byte{byte(3 + i)}, vault.KeySize))
		t0 := time.Now()
		for j := range n {
			dek, _ := oldKEK.Unwrap(wrapped[j], fmt.Sprintf("s-%08d", j))
			newKEK.Wrap(dek, fmt.Sprintf("s-%08d", j))
		}
		crypto += time.Since(t0)
		a := app.New(app.Config{Store: s, Vault: app.VaultKeys{KEK: newKEK, Older: []vault.KEK{oldKEK}, Index: ix}})
		b.StartTimer()
		t1 := time.Now()
		done, err := a.RewrapKeys(ctx, nil)
		total += time.Since(t1)
		b.StopTimer()
		if err != nil || done != n {
			b.Fatalf("rewrapped %d of %d: %v", done, n, err)
		}
		a.Close()
		s.Close()
	}
	rate := float64(n*b.N) / total.Seconds()
	b.ReportMetric(rate, "keys/s")
	b.ReportMetric(1e6/rate, "s-per-1M")
	b.ReportMetric(float64(total)/float64(crypto), "x-crypto")
}
