package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gdpr/app"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/consent"
	"gdpr/demo"
	"gdpr/register"
	"gdpr/request"
	"gdpr/run"
	"gdpr/server"
	"gdpr/store"
	"gdpr/sweep"
	"gdpr/vault"
)

// fixture is a server over a SQLite store with the demo register, a user
// and an API token per role.
type fixture struct {
	*httptest.Server
	store  *store.Store
	app    *app.App
	tokens map[auth.Role]string
	pw     string
	logs   *syncBuffer
	dbPath string // the store's SQLite file
}

// syncBuffer is a log the server writes while a test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// auditLog returns the newest audit entries, as "actor action target
// outcome".
func (f *fixture) auditLog(t *testing.T, filter audit.Filter) []string {
	t.Helper()
	es, _, err := f.store.FindAudit(t.Context(), filter)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		target := e.Target
		if target == "" {
			target = "-"
		}
		out = append(out, e.Actor+" "+e.Action+" "+target+" "+e.Outcome)
	}
	return out
}

func newServer(t testing.TB, opts ...func(*server.Config)) *fixture {
	t.Helper()
	ctx := context.Background()
	// One clock for the server and the store, on a fixed day and running
	// as time passes (so that entries keep their order): a session the
	// server opens until "now" plus its lifetime must be open by the
	// store's "now" too. (With the store on the real clock, the sessions
	// of these tests expired a week after the fixed day.)
	start := time.Now()
	now := func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC).Add(time.Since(start)) }
	keys := testVaultKeys(t)
	dbPath := filepath.Join(t.TempDir(), "gdpr.db")
	s, err := store.Open(ctx, dbPath, store.WithClock(now), store.WithLogKey(keys.LogKey))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	r, err := demo.Register()
	if err != nil {
		t.Fatal(err)
	}
	sys := app.System(ctx, "test")
	if _, err := s.Apply(sys, r, register.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	// The demo's system: its shop database, where its variable says.
	shop := filepath.Join(t.TempDir(), "shop.db")
	if err := demo.ShopDB(ctx, shop, now()); err != nil {
		t.Fatal(err)
	}
	t.Setenv(demo.ShopEnv, shop)
	// A hold to lift (its value is no matter here).
	if err := s.CreateHold(sys, sweep.Hold{ID: "hold-demo", System: "shop-datenbank", Table: "customers", Column: "id", Subject: "s-none", Reason: "Test"}); err != nil {
		t.Fatal(err)
	}
	// A finished run to show.
	demoRun := run.Run{ID: "run-demo", Kind: run.Scan, System: "shop-datenbank", Actor: "system:test", Started: now(), State: run.Running}
	if err := s.BeginRun(ctx, demoRun); err != nil {
		t.Fatal(err)
	}
	demoRun.State, demoRun.Result = run.Done, []byte(`{"tables":4}`)
	if err := s.FinishRun(ctx, demoRun); err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: s, tokens: map[auth.Role]string{}, pw: "a long test password", dbPath: dbPath}
	hash, _ := auth.HashPassword(f.pw)
	for _, role := range auth.Roles {
		if err := s.CreateUser(sys, string(role)+"-user", role, hash); err != nil {
			t.Fatal(err)
		}
		secret, _ := auth.NewSecret(auth.TokenPrefix)
		if err := s.CreateToken(sys, string(role)+"-token", role, auth.HashSecret(secret)); err != nil {
			t.Fatal(err)
		}
		f.tokens[role] = secret
	}
	var logs syncBuffer
	cfg := server.Config{Store: s, Log: slog.New(slog.NewTextHandler(&logs, nil)), Now: now, Vault: keys}
	for _, o := range opts {
		o(&cfg)
	}
	h := server.New(cfg)
	f.app = h.App
	// One person in the vault under a known id, for the route walk.
	if cfg.Vault.KEK != nil {
		dek := vault.NewDataKey()
		wrapped, _ := cfg.Vault.KEK.Wrap(dek, "s-walk")
		box, _ := vault.NewBox("s-walk", dek)
		hash, _ := cfg.Vault.Index.Hash(vault.KindEmail, "walk@example.org")
		if err := s.CreateSubject(sys, vault.Stored{ID: "s-walk", KEKID: cfg.Vault.KEK.ID(), WrappedKey: wrapped, Values: map[string][]byte{"email": box.Seal("email", "walk@example.org")}},
			[]vault.IndexEntry{{KeyID: cfg.Vault.Index.ID(), Kind: vault.KindEmail, Hash: hash, Field: "email"}}); err != nil {
			t.Fatal(err)
		}
		// A request of that person, its identity established.
		if err := s.CreateRequest(sys, &request.Request{ID: "r-walk", Kind: request.Access, Channel: request.Email, Received: now(), Requester: "s-walk",
			Identity: request.IdentityVerified, State: request.Verified, Due: time.Date(2026, 12, 23, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
	}
	f.Server = httptest.NewServer(h)
	f.logs = &logs
	t.Cleanup(func() {
		f.Server.Close()
		h.Close()
		// The engine's own log must not carry personal data of the register.
		for _, pii := range []string{"info@allegro-it.de", "Thomas H. Grimm", "02951"} {
			if strings.Contains(logs.String(), pii) {
				t.Errorf("log contains %q", pii)
			}
		}
	})
	return f
}

// testVaultKeys are fixed keys for the tests' vault.
func testVaultKeys(t testing.TB) app.VaultKeys {
	t.Helper()
	kek, err := vault.NewLocalKEK(bytes.Repeat([]byte{0x31}, vault.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := vault.NewIndexer(bytes.Repeat([]byte{0x32}, vault.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	k, err := audit.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return app.VaultKeys{KEK: kek, Index: ix, LogKey: k.Private, LogVerifier: k.Verifier}
}

// call sends a request, with an API token when token is not "", and the
// headers given as name, value pairs.
func call(t *testing.T, method, url, body, token string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestAPI(t *testing.T) {
	srv := newServer(t)
	u := srv.URL
	editor := srv.tokens[auth.Editor]
	type step struct {
		method, path, body string
		status             int
		want               []string
		ifMatch            string
	}
	steps := []step{
		{"GET", "/healthz", "", 200, []string{`"status":"ok"`}, ""},
		{"GET", "/api/v1/activities", "", 200, []string{`"total":4`, `"id":"kundenverwaltung"`, `"created":"2026-`}, ""},
		{"GET", "/api/v1/activities?limit=1&offset=1", "", 200, []string{`"total":4`, `"limit":1`, `"offset":1`, `"id":"kundenverwaltung"`}, ""},
		{"GET", "/api/v1/activities?q=werbe", "", 200, []string{`"total":1`}, ""},
		{"GET", "/api/v1/activities?limit=0", "", 400, []string{`"code":"invalid"`}, ""},
		{"GET", "/api/v1/activities?status=done", "", 400, []string{`"field":"status"`}, ""},
		{"GET", "/api/v1/activities/kundenverwaltung", "", 200, []string{`"recipients":"none"`, `"introduced":"2018-03-19"`}, ""},
		{"GET", "/api/v1/activities/nope", "", 404, []string{`"code":"not_found"`}, ""},
		{"POST", "/api/v1/activities", `{"id":"bewerbungen","name":"Bewerbungsverfahren","purposes":["Auswahl"]}`, 201, []string{`"status":"draft"`, `"role":"controller"`}, ""},
		{"POST", "/api/v1/activities", `{"id":"bewerbungen","name":"Doppelt"}`, 409, []string{`"code":"conflict"`}, ""},
		{"POST", "/api/v1/activities", `{"id":"Bad Id","name":"X"}`, 400, []string{`"field":"id"`}, ""},
		{"POST", "/api/v1/activities", `{"id":"x","name":"X","purpose":"typo"}`, 400, []string{`unknown field`}, ""},
		{"POST", "/api/v1/activities", `{"id":"x"`, 400, []string{`Ungültiger JSON-Inhalt`}, ""},
		{"POST", "/api/v1/activities", `{"name":"Über Bewerbungen"}`, 201, []string{`"id":"ueber-bewerbungen"`, `"version":1`}, ""},
		{"POST", "/api/v1/activities", `{"name":"Über Bewerbungen"}`, 201, []string{`"id":"ueber-bewerbungen-2"`}, ""},
		{"POST", "/api/v1/activities", `{"purposes":["ohne Namen"]}`, 400, []string{`"field":"name"`}, ""},
		{"PUT", "/api/v1/activities/bewerbungen", `{"name":"Bewerbungsverfahren","legal_bases":["§ 26 BDSG"],"recipients":"none"}`, 428, []string{`"code":"precondition_required"`}, ""},
		{"PUT", "/api/v1/activities/bewerbungen", `{"name":"Bewerbungsverfahren","legal_bases":["§ 26 BDSG"],"recipients":"none"}`, 200, []string{`"legal_bases":["§ 26 BDSG"]`, `"recipients":"none"`, `"version":2`}, `"1"`},
		{"PUT", "/api/v1/activities/bewerbungen", `{"name":"Stale","recipients":"none"}`, 409, []string{`"code":"conflict"`, `"current":{"id":"bewerbungen"`, `"version":2`, `§ 26 BDSG`}, `"1"`},
		{"PUT", "/api/v1/activities/bewerbungen", `{"name":"Stale","version":1}`, 409, []string{`"code":"conflict"`}, ""},
		{"PUT", "/api/v1/activities/bewerbungen", `{"name":"X"}`, 400, []string{`"field":"If-Match"`}, `*`},
		{"PUT", "/api/v1/activities/bewerbungen", `{"id":"other","name":"X"}`, 400, []string{`weicht von der im Pfad`}, `"2"`},
		{"PUT", "/api/v1/activities/nope", `{"name":"X"}`, 404, nil, `"1"`},
		{"POST", "/api/v1/activities/bewerbungen/archive", "", 200, []string{`"status":"archived"`}, ""},
		{"GET", "/api/v1/activities", "", 200, []string{`"total":6`}, ""},
		{"GET", "/api/v1/activities?archived=true", "", 200, []string{`"total":7`}, ""},
		{"GET", "/api/v1/revisions?entity=activity&id=bewerbungen", "", 200, []string{`"total":3`, `"action":"archive"`, `"actor":"token:editor-token"`, `"field":"legal_bases"`}, ""},
		{"GET", "/api/v1/toms?limit=500", "", 200, []string{`"total":31`}, ""},
		{"POST", "/api/v1/toms", `{"id":"mfa","title":"Zwei-Faktor-Anmeldung","category":"confidentiality","review_interval":"P1Y","last_reviewed":"01.10.2026"}`, 201, []string{`"last_reviewed":"2026-10-01"`, `"review_interval":"P1Y"`}, ""},
		{"POST", "/api/v1/toms", `{"id":"x","title":"X","category":"magic"}`, 400, []string{`"field":"category"`}, ""},
		{"GET", "/api/v1/toms/mfa", "", 200, []string{`"category":"confidentiality"`}, ""},
		{"PUT", "/api/v1/toms/mfa", `{"title":"Zwei-Faktor-Anmeldung für alle Admins","category":"confidentiality"}`, 200, []string{`für alle Admins`}, `"1"`},
		{"POST", "/api/v1/toms/mfa/archive", "", 200, []string{`"status":"archived"`}, ""},
		{"GET", "/api/v1/findings?lang=en", "", 200, []string{`"code":"recipients-none-but-external"`, `"message":"\"No disclosure\" is stated`, `"counts":{`}, ""},
		{"GET", "/api/v1/findings", "", 200, []string{`"message":"„Keine Weitergabe“ angegeben`}, ""},
		{"GET", "/api/v1/register", "", 200, []string{`"controller":{"name":"allegro:it"`}, ""},
		{"GET", "/api/v1/export?format=docx", "", 400, []string{`"field":"format"`}, ""},
		{"GET", "/api/v1/nothing", "", 404, []string{`"code":"not_found"`}, ""},
		{"POST", "/api/v1/import?name=liste.csv&dry_run=true", "Bezeichnung;Zweck\nNewsletter;Versand\n", 200, []string{`"dry_run":true`, `"created":1`, `"format":"csv"`}, ""},
		{"GET", "/api/v1/activities/newsletter", "", 404, nil, ""},
		{"POST", "/api/v1/import?name=liste.csv", "Bezeichnung;Zweck\nNewsletter;Versand\n", 200, []string{`"dry_run":false`, `"created":1`}, ""},
		{"GET", "/api/v1/activities/newsletter", "", 200, nil, ""},
		{"POST", "/api/v1/import?name=kaputt.csv", "Bezeichnung;Zweck;Datum der Einführung\nA;B;gestern\n", 400, []string{`kaputt.csv:2: Feld „Datum der Einführung“`}, ""},
		{"PUT", "/api/v1/controller", `{"controller":{"name":"allegro:it","dpo":{"name":"Dr. D. Schutz"}}}`, 428, nil, ""},
		{"PUT", "/api/v1/controller", `{"controller":{"name":"allegro:it","dpo":{"name":"Dr. D. Schutz"}}}`, 200, []string{`"dpo":{"name":"Dr. D. Schutz","subject":"s-`, `"version":2`}, `"1"`},
		{"PUT", "/api/v1/controller", `{"controller":{"name":"allegro:it"}}`, 409, []string{`"current":{"controller":{"name":"allegro:it","dpo"`}, `"1"`},
		{"PUT", "/api/v1/controller", `{"controller":{"name":""}}`, 400, []string{`controller.name`}, `"2"`},
		{"PUT", "/api/v1/activities/newsletter", `{"name":"Newsletter","purposes":["anders"]}`, 200, nil, `"1"`},
		{"POST", "/api/v1/revisions/activity/newsletter/1/restore", "", 200, []string{`"action":"restore"`, `"version":3`}, ""},
		{"POST", "/api/v1/revisions/activity/newsletter/9/restore", "", 404, nil, ""},
		{"DELETE", "/api/v1/activities/kundenverwaltung", "", 404, []string{`Diesen API-Pfad gibt es nicht`}, ""},
		{"POST", "/api/v1/retention/parse?lang=de", `{"text":"10 Jahre (gesetzliche Aufbewahrungspflicht)","topic":"Newsletter"}`, 200, []string{`"code":"no-start-event"`, `"code":"no-statutory-duty"`, `"confidence":0.5`}, ""},
		{"POST", "/api/v1/retention/parse", `{"text":""}`, 400, []string{`"field":"text"`}, ""},
		{"POST", "/api/v1/retention/due", `{"text":"IP-Adressen nach 30 Tagen","events":{"collected":"2024-03-15"}}`, 200, []string{`"end":"2024-04-14"`, `"rule":"30 Tage nach Erhebung"`}, ""},
		{"POST", "/api/v1/retention/due?lang=en", `{"text":"2 Jahre nach Vertragsende"}`, 200, []string{`"pending":["contract_end"]`, `"rule":"2 years after end of contract"`}, ""},
		{"POST", "/api/v1/retention/due", `{"text":"30 Tage nach Erhebung oder 7 Tage nach Kontolöschung, je nachdem was zuerst eintritt","events":{"collected":"2024-01-01"}}`, 200, []string{`"end":"2024-01-31"`, `"latest":true`, `"pending":["account_closed"]`}, ""},
		{"POST", "/api/v1/retention/due", `{"text":"solange erforderlich"}`, 400, []string{`keine ausführbare Regel (Löschfrist unbestimmt)`}, ""},
		{"POST", "/api/v1/retention/due", `{"text":"3 Tage nach Erhebung","events":{"birthday":"2024-01-01"}}`, 400, []string{`"field":"events.birthday"`}, ""},
		{"POST", "/api/v1/retention/due", `{"text":"3 Tage nach Erhebung","events":{"collected":"gestern"}}`, 400, []string{`invalid date`}, ""},
		{"GET", "/api/v1/retention/classes", "", 200, []string{`"id":"L1"`, `"entries":["betrieb-der-website-und-des-onlineshops"]`}, ""},
	}
	for _, s := range steps {
		var hdr []string
		if s.ifMatch != "" {
			hdr = []string{"If-Match", s.ifMatch}
		}
		resp, body := call(t, s.method, u+s.path, s.body, editor, hdr...)
		if resp.StatusCode != s.status {
			t.Errorf("%s %s: status %d, want %d: %s", s.method, s.path, resp.StatusCode, s.status, body)
			continue
		}
		for _, w := range s.want {
			if !strings.Contains(string(body), w) {
				t.Errorf("%s %s: body lacks %s: %.300s", s.method, s.path, w, body)
			}
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s %s: security headers missing", s.method, s.path)
		}
	}
}

func TestExportsOverHTTP(t *testing.T) {
	srv := newServer(t)
	for format, prefix := range map[string]string{"pdf": "%PDF-", "xlsx": "PK\x03\x04", "md": "# Verzeichnis", "html": "<!DOCTYPE html>", "csv": "\ufeffKennung;", "json": "{", "yaml": "title:"} {
		resp, body := call(t, "GET", srv.URL+"/api/v1/export?format="+format, "", srv.tokens[auth.Auditor])
		if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte(prefix)) {
			t.Errorf("%s: %d %.40q", format, resp.StatusCode, body)
		}
		if !strings.Contains(resp.Header.Get("Content-Disposition"), "verzeichnis-2026-11-23."+format) {
			t.Errorf("%s: disposition %q", format, resp.Header.Get("Content-Disposition"))
		}
	}
}

func TestMetrics(t *testing.T) {
	srv := newServer(t)
	if resp, _ := call(t, "GET", srv.URL+"/metrics", "", ""); resp.StatusCode != 401 {
		t.Errorf("metrics without token: %d", resp.StatusCode)
	}
	call(t, "GET", srv.URL+"/api/v1/activities/kundenverwaltung", "", srv.tokens[auth.Auditor])
	resp, body := call(t, "GET", srv.URL+"/metrics", "", srv.tokens[auth.Auditor])
	text := string(body)
	if resp.StatusCode != 200 || !strings.Contains(text, `gdpr_http_requests_total{method="GET",route="GET /api/v1/activities/{id}",status="200"} 1`) ||
		!strings.Contains(text, "go_goroutines") {
		t.Fatalf("metrics: %d %.2000s", resp.StatusCode, text)
	}
	if strings.Contains(text, "kundenverwaltung") {
		t.Error("metrics carry a URL")
	}
}

func TestWritesAreAudited(t *testing.T) {
	srv := newServer(t)
	call(t, "POST", srv.URL+"/api/v1/activities", `{"id":"audited","name":"A"}`, srv.tokens[auth.Editor])
	call(t, "POST", srv.URL+"/api/v1/activities/audited/archive", "", srv.tokens[auth.Auditor])
	call(t, "PUT", srv.URL+"/api/v1/activities/nope", `{"name":"X"}`, srv.tokens[auth.Editor], "If-Match", `"1"`)
	call(t, "PUT", srv.URL+"/api/v1/activities/audited", `{"name":"B"}`, srv.tokens[auth.Editor], "If-Match", `"7"`)
	got := srv.auditLog(t, audit.Filter{Limit: 4})
	// One vocabulary for API, pages and command line; a refused or failed
	// attempt is recorded under the action it tried.
	want := []string{
		"token:editor-token activity.update audited failed",
		"token:editor-token activity.update nope failed",
		"token:auditor-token activity.archive audited denied",
		"token:editor-token activity.create audited ok",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit:\n%s", strings.Join(got, "\n"))
	}
	for _, e := range got {
		if action := strings.Fields(e)[1]; !slices.Contains(audit.Actions, action) {
			t.Errorf("action %q is not in the vocabulary", action)
		}
	}
}

// withConsent gives a fixture a newsletter resting on consent, with a
// purpose, a text and a form of the ledger, and the walk's person signed
// up for it (single opt-in: no mail).
func withConsent(t *testing.T, f *fixture) {
	t.Helper()
	sys := app.System(context.Background(), "test")
	s := f.store
	if _, err := s.CreateActivity(sys, &register.Activity{ID: "newsletter-versand", Name: "Newsletter-Versand", Purposes: []string{"Newsletter"},
		LegalBases: []string{"Art. 6 Abs. 1 lit. a DSGVO"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SavePurpose(sys, &consent.Purpose{ID: "newsletter", Name: "Newsletter", Activity: "newsletter-versand", ConfirmWithin: 48 * time.Hour}, 0); err != nil {
		t.Fatal(err)
	}
	walkText := &consent.Text{Purpose: "newsletter", Lang: "de", Body: "Ja, ich möchte den Newsletter per E-Mail erhalten. Abmelden jederzeit."}
	walkText.Validate()
	if err := s.AddText(sys, walkText); err != nil {
		t.Fatal(err)
	}
	if err := s.AddForm(sys, &consent.Form{ID: "f-walk", Purpose: "newsletter", Origins: []string{"https://shop.example"}, Mode: consent.DOI, Lang: "de"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.SignUp(sys, app.Signup{Purpose: "newsletter", Email: "walk@example.org", Mode: consent.SOI, Client: "fixture"}, "http://public.example"); err != nil {
		t.Fatal(err)
	}
	// A webhook and a job given up, for the routes that remove or retry.
	if err := s.AddHook(sys, &consent.Hook{ID: "hook-walk", URL: "https://mailer.example/gdpr", Events: []consent.Kind{consent.Confirmed}, KEKID: "none"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendConsent(sys, consent.Append{Jobs: []consent.Job{{ID: "job-walk", Kind: consent.JobHook, Target: "hook-gone", Signup: "u-walk", Subject: "s-walk", Purpose: "newsletter"}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.FailConsentJob(sys, "job-walk", "unavailable consent.hook.unreachable", time.Time{}, f.app.Now()); err != nil {
		t.Fatal(err)
	}
}
