package app_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gdpr/app"
	"gdpr/consent"
	"gdpr/mail"
	"gdpr/register"
)

// queued is a mail sender that hands the message on at once, as a queue
// would: the benchmark measures the ledger, not an SMTP server.
type queued struct{ n atomic.Int64 }

func (q *queued) Send(_ context.Context, m mail.Message) (mail.Sent, error) {
	i := q.n.Add(1)
	return mail.Sent{MessageID: fmt.Sprintf("<%d@bench>", i), At: time.Now(), Response: "250 queued", Raw: []byte("Subject: " + m.Subject + "\r\n\r\n" + m.Text)}, nil
}

// BenchmarkConsent: 8 clients sign people up (half by double opt-in) on one
// SQLite store (the event, the person in the vault, the links, the state,
// the confirmation mail queued in the ledger's outbox, as inside the
// server where River's runner sends it), then ask "may I mail?" for them;
// then the runner's work: every queued mail rendered, handed to a mail
// server that answers at once, its proof kept. Reported: sign-ups/s,
// checks/s, mails/s, errors, and x-vault: a sign-up's cost relative to
// creating a person in the vault alone, measured in the same run.
func BenchmarkConsent(b *testing.B) {
	q := &queued{}
	f := newApp(b, app.Config{Vault: vaultKeys(b), Mail: q})
	var kicks atomic.Int64
	f.app.SetConsentKick(func() { kicks.Add(1) })
	ctx := admin()
	reg := &register.Register{Activities: []*register.Activity{{ID: "newsletter", Name: "Newsletter", LegalBases: []string{"Art. 6 Abs. 1 lit. a DSGVO"}}}}
	if _, err := f.store.Apply(ctx, reg, register.ApplyOptions{}); err != nil {
		b.Fatal(err)
	}
	if _, err := f.app.SavePurpose(ctx, consent.Purpose{ID: "newsletter", Name: "Newsletter", Activity: "newsletter"}, 0); err != nil {
		b.Fatal(err)
	}
	if _, err := f.app.AddConsentText(ctx, consent.Text{Purpose: "newsletter", Lang: "de", Body: "Ja, Newsletter."}); err != nil {
		b.Fatal(err)
	}
	const clients, per = 8, 250
	run := func(op func(i int) error) (time.Duration, int64) {
		var errs atomic.Int64
		var wg sync.WaitGroup
		t0 := time.Now()
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range per {
					if err := op(c*per + i); err != nil {
						errs.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		return time.Since(t0), errs.Load()
	}
	var base, signups, checks, mails time.Duration
	var failed int64
	for round := range b.N {
		d, e := run(func(i int) error {
			_, err := f.app.CreateSubject(ctx, app.Record{"email": fmt.Sprintf("base%d-%d@example.org", i, round)})
			return err
		})
		base, failed = base+d, failed+e
		d, e = run(func(i int) error {
			// Every second one by single opt-in: active at once, so that
			// half the checks below go the whole way (state, then the
			// suppression list).
			mode := consent.DOI
			if i%2 == 1 {
				mode = consent.SOI
			}
			_, err := f.app.SignUp(ctx, app.Signup{Purpose: "newsletter", Email: fmt.Sprintf("leser%d-%d@example.org", i, round), IP: "198.51.100.7", UA: "Bench",
				FormURL: "https://shop.example/newsletter", Client: fmt.Sprint(i), Mode: mode}, "https://gdpr.example")
			return err
		})
		signups, failed = signups+d, failed+e
		d, e = run(func(i int) error {
			st, err := f.app.MayMail(ctx, fmt.Sprintf("leser%d-%d@example.org", i, round), "newsletter")
			if err == nil && st.Active != (i%2 == 1) {
				err = fmt.Errorf("check %d: %+v", i, st)
			}
			return err
		})
		checks, failed = checks+d, failed+e
		t0 := time.Now()
		w, err := f.app.WorkConsentJobs(ctx)
		mails += time.Since(t0)
		if err != nil || w.Failed > 0 || w.Mails != clients*per/2 {
			b.Fatalf("runner: %+v %v", w, err)
		}
	}
	if q.n.Load() != int64(clients*per*b.N/2) || kicks.Load() < int64(clients*per*b.N/2) {
		b.Fatalf("%d mails sent, %d wake-ups", q.n.Load(), kicks.Load())
	}
	n := float64(clients * per * b.N)
	b.ReportMetric(n/signups.Seconds(), "signups/s")
	b.ReportMetric(n/checks.Seconds(), "checks/s")
	b.ReportMetric(n/2/mails.Seconds(), "mails/s")
	b.ReportMetric(float64(failed), "errors")
	b.ReportMetric(float64(signups)/float64(base), "x-vault")
}
