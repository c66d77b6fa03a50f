package jobs_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gdpr/app"
	"gdpr/audit"
	"gdpr/connector/conntest"
	"gdpr/consent"
	"gdpr/jobs"
	"gdpr/mail"
	"gdpr/register"
	"gdpr/store"
	"gdpr/vault"
)

// outbox is a mail server that keeps what it was given.
type outbox struct {
	mu   sync.Mutex
	sent map[string]int // by recipient
}

func (o *outbox) Send(_ context.Context, m mail.Message) (mail.Sent, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent[m.To]++
	id := fmt.Sprintf("<%s-%d@test>", m.To, o.sent[m.To])
	return mail.Sent{MessageID: id, At: time.Now(), Response: "250 ok", Raw: []byte("To: " + m.To + "\r\nSubject: " + m.Subject + "\r\n\r\n" + m.Text)}, nil
}

func (o *outbox) count() (n, twice int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, c := range o.sent {
		n++
		if c > 1 {
			twice++
		}
	}
	return n, twice
}

// TestConsentJobs: inside the server, a sign-up returns before its mail
// is sent; River's runner sends every confirmation mail once and keeps
// its proof, and calls the webhook, signed, again after it failed (the
// backoff on the App's clock). With two servers on one PostgreSQL, still
// once each.
func TestConsentJobs(t *testing.T) {
	for _, engine := range conntest.Engines(t) {
		if engine == register.EngineMySQL {
			continue // the store runs on SQLite or PostgreSQL
		}
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			storeDSN := filepath.Join(t.TempDir(), "gdpr.db")
			servers := 1
			if engine == register.EnginePostgres {
				storeDSN, _ = conntest.DSN(t, register.EnginePostgres)
				servers = 2
			}
			var clock atomic.Int64
			clock.Store(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC).UnixNano())
			now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
			kek, _ := vault.NewLocalKEK(bytes.Repeat([]byte{0x11}, vault.KeySize))
			ix, _ := vault.NewIndexer(bytes.Repeat([]byte{0x22}, vault.KeySize))
			lk, _ := audit.GenerateKey(rand.Reader)
			keys := app.VaultKeys{KEK: kek, Index: ix, LogKey: lk.Private, LogVerifier: lk.Verifier}

			var secret atomic.Value
			var calls, refused atomic.Int64
			var mu sync.Mutex
			got := map[string]int{} // webhook calls by Webhook-Id
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				key, _ := hex.DecodeString(strings.TrimPrefix(secret.Load().(string), "whsec_"))
				if !consent.VerifyHookSignature(key, r.Header.Get("Webhook-Signature"), body, now(), 5*time.Minute) {
					t.Errorf("webhook signature %q does not verify", r.Header.Get("Webhook-Signature"))
				}
				if calls.Add(1) <= 5 {
					refused.Add(1)
					http.Error(w, "busy", http.StatusServiceUnavailable)
					return
				}
				var c struct{ Email, Kind string }
				json.Unmarshal(body, &c)
				if c.Kind != "given" || !strings.HasSuffix(c.Email, "@example.org") {
					t.Errorf("webhook body %s", body)
				}
				mu.Lock()
				got[r.Header.Get("Webhook-Id")]++
				mu.Unlock()
			}))
			defer hook.Close()

			box := &outbox{sent: map[string]int{}}
			var apps []*app.App
			var first *store.Store
			for i := range servers {
				s, err := store.Open(ctx, storeDSN, store.WithClock(now))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				a := app.New(app.Config{Store: s, Now: now, Vault: keys, Mail: box})
				t.Cleanup(a.Close)
				if i == 0 {
					first = s
					sys := app.System(ctx, "test")
					if _, err := s.CreateActivity(sys, &register.Activity{ID: "nl", Name: "Newsletter", LegalBases: []string{"Art. 6 Abs. 1 lit. a DSGVO"}}); err != nil {
						t.Fatal(err)
					}
					if _, err := a.SavePurpose(sys, consent.Purpose{ID: "newsletter", Name: "Newsletter", Activity: "nl"}, 0); err != nil {
						t.Fatal(err)
					}
					if _, err := a.AddConsentText(sys, consent.Text{Purpose: "newsletter", Lang: "de", Body: "Ja, den Newsletter."}); err != nil {
						t.Fatal(err)
					}
					h, err := a.AddHook(sys, consent.Hook{URL: hook.URL + "/gdpr", Events: []consent.Kind{consent.Given}})
					if err != nil {
						t.Fatal(err)
					}
					secret.Store(h.Secret)
				}
				runner, err := jobs.Start(ctx, jobs.Config{DSN: storeDSN, App: a, ConsentEvery: 300 * time.Millisecond})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { runner.Stop(context.Background()) })
				apps = append(apps, a)
			}
			const people = 30
			var wg sync.WaitGroup
			for i := range people {
				wg.Add(1)
				go func() {
					defer wg.Done()
					a := apps[i%len(apps)]
					if _, err := a.SignUp(app.System(ctx, "web"), app.Signup{Purpose: "newsletter", Email: fmt.Sprintf("p%d@example.org", i), Client: fmt.Sprint(i)}, "https://gdpr.example"); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			deadline := time.Now().Add(60 * time.Second)
			for ; time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
				// The refused calls are due again after their backoff.
				clock.Add(int64(time.Minute))
				mu.Lock()
				n := len(got)
				mu.Unlock()
				if sent, _ := box.count(); sent == people && n == people {
					break
				}
			}
			sent, twice := box.count()
			if sent != people || twice != 0 {
				t.Fatalf("%d of %d mails sent, %d twice", sent, people, twice)
			}
			mu.Lock()
			for id, n := range got {
				if n != 1 {
					t.Errorf("webhook call %s accepted %d times", id, n)
				}
			}
			if len(got) != people || refused.Load() != 5 {
				t.Errorf("%d webhook calls accepted, %d refused", len(got), refused.Load())
			}
			mu.Unlock()
			// Every mail's proof is kept and no job is left.
			left, err := first.ConsentJobs(ctx, false, 100)
			if err != nil || len(left) != 0 {
				t.Errorf("jobs left: %v %v", left, err)
			}
		})
	}
}
