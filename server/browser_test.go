package server_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// chromium finds Debian's Chromium. In CI (CI=true) its absence fails the
// test; .ci/run installs it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is missing in CI")
	}
	t.Skip("chromium not installed (apt-get install chromium)")
	return ""
}

// shots is where the browser tests leave their screenshots.
func shots(t *testing.T) string {
	dir := os.Getenv("GDPR_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "gdpr-screenshots")
	}
	os.MkdirAll(dir, 0o755)
	return dir
}

func newBrowser(t *testing.T) (context.Context, context.CancelFunc) {
	// Chromium's helper processes may still write to the profile for a
	// moment after the browser exits, so it is removed best-effort rather
	// than by t.TempDir's strict cleanup.
	profile, err := os.MkdirTemp("", "gdpr-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 1000), chromedp.UserDataDir(profile),
		chromedp.Flag("lang", "de-DE"), chromedp.Flag("accept-lang", "de-DE,de"),
		// Under -race on two busy cores Chromium once took more than the
		// default 20 s to say where it listens; chromedp's give-up path
		// then raced with itself. Wait as long as the test may run.
		chromedp.WSURLReadTimeout(90*time.Second),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	// The protocol bindings predate some of Chromium's newer event values;
	// the decoder's complaints about them go to the test log, not stderr.
	quiet := func(string, ...any) {}
	ctx, cancelC := chromedp.NewContext(actx, chromedp.WithErrorf(quiet), chromedp.WithLogf(quiet))
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	return ctx, func() {
		cancelT()
		cancelC()
		cancelA()
		time.Sleep(100 * time.Millisecond)
		os.RemoveAll(profile)
	}
}

func shot(t *testing.T, name string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var buf []byte
		if err := chromedp.FullScreenshot(&buf, 100).Do(ctx); err != nil {
			return err
		}
		path := filepath.Join(shots(t), name+".png")
		t.Logf("screenshot %s", path)
		return os.WriteFile(path, buf, 0o644)
	})
}

func login(base, user, pw string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Navigate(base + "/login"),
		chromedp.WaitVisible(`#name`),
		chromedp.SendKeys(`#name`, user),
		chromedp.SendKeys(`#password`, pw),
		chromedp.Submit(`#password`),
		// The sign-in page has a main h1 too: wait for what only signed-in
		// pages show, so that no navigation overtakes the form's.
		chromedp.WaitVisible(`a.me`),
	}
}

// TestBrowserEditorFlow: sign in, create an activity, see the lint finding
// it causes, fix it, see the revision, export the PDF, switch language.
func TestBrowserEditorFlow(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := newBrowser(t)
	defer cancel()
	downloads := t.TempDir()
	var text, findings, history, revision, english string
	err := chromedp.Run(ctx,
		browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(downloads).WithEventsEnabled(true),
		login(srv.URL, "editor-user", srv.pw),
		shot(t, "01-dashboard"),
		chromedp.Text(`main`, &text, chromedp.ByQuery),
		chromedp.Click(`a.button[href^="/activities/new"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#f-name`),
		chromedp.SendKeys(`#f-name`, "Bewerbermanagement"),
		chromedp.SendKeys(`#f-purposes`, "Auswahl von Bewerberinnen und Bewerbern"),
		chromedp.SendKeys(`#f-data_subjects`, "Bewerber"),
		chromedp.SendKeys(`#f-data_categories`, "Lebenslauf\nZeugnisse"),
		chromedp.Click(`#f-recipients_none`),
		chromedp.Click(`#f-transfers_none`),
		chromedp.SendKeys(`#f-retention`, "6 Monate nach Zugang der Absage"),
		shot(t, "02-new-activity-form"),
		chromedp.Click(`#save`),
		chromedp.WaitVisible(`#edit`),
		chromedp.Text(`section[aria-labelledby="h-find"]`, &findings, chromedp.ByQuery),
		shot(t, "03-activity-with-finding"),
		chromedp.Click(`#edit`),
		chromedp.WaitVisible(`#f-legal_bases`),
		chromedp.SendKeys(`#f-legal_bases`, "§ 26 BDSG"),
		chromedp.Click(`#save`),
		chromedp.WaitVisible(`#edit`),
		chromedp.Navigate(srv.URL+"/history?entity=activity&id=bewerbermanagement"),
		chromedp.WaitVisible(`table`),
		chromedp.Text(`main`, &history, chromedp.ByQuery),
		chromedp.Click(`main tbody tr:first-child a`, chromedp.ByQuery),
		chromedp.WaitVisible(`table.diff`),
		chromedp.Text(`main`, &revision, chromedp.ByQuery),
		shot(t, "04-revision"),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(`.exports`),
		chromedp.Click(`.exports a[href*="format=pdf"]`, chromedp.ByQuery),
		chromedp.Sleep(1500*time.Millisecond),
		chromedp.Click(`#lang-switch`),
		chromedp.WaitVisible(`main h1`),
		chromedp.Text(`main h1`, &english, chromedp.ByQuery),
		shot(t, "05-english"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "Verzeichnis von Verarbeitungstätigkeiten") {
		t.Errorf("dashboard: %.300s", text)
	}
	if !strings.Contains(findings, "Keine Rechtsgrundlage") {
		t.Errorf("the new activity shows no legal-basis finding: %s", findings)
	}
	if !strings.Contains(history, "geändert") || !strings.Contains(history, "angelegt") || !strings.Contains(history, "editor-user") {
		t.Errorf("history: %s", history)
	}
	if !strings.Contains(revision, "Rechtsgrundlage") || !strings.Contains(revision, "§ 26 BDSG") {
		t.Errorf("revision: %s", revision)
	}
	if english != "Record of processing activities" {
		t.Errorf("after the language switch: %q", english)
	}
	// The fix removed the finding.
	_, body := call(t, "GET", srv.URL+"/api/v1/findings", "", srv.tokens["auditor"])
	if strings.Contains(string(body), `"code":"legal-basis-missing","severity":"warning","entity":"activity","entity_id":"bewerbermanagement"`) {
		t.Error("the finding is still there after the fix")
	}
	pdfs, _ := filepath.Glob(filepath.Join(downloads, "*.pdf"))
	deadline := time.Now().Add(10 * time.Second)
	for len(pdfs) == 0 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		pdfs, _ = filepath.Glob(filepath.Join(downloads, "*.pdf"))
	}
	if len(pdfs) != 1 {
		t.Fatalf("PDF export not downloaded: %v", pdfs)
	}
	b, _ := os.ReadFile(pdfs[0])
	if !strings.HasPrefix(string(b), "%PDF-") {
		t.Error("download is no PDF")
	}
}

// TestBrowserAuditorCannotEdit: an auditor sees no edit controls and the
// edit pages refuse.
func TestBrowserAuditorCannotEdit(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := newBrowser(t)
	defer cancel()
	var edits, newPage string
	err := chromedp.Run(ctx,
		login(srv.URL, "auditor-user", srv.pw),
		chromedp.Navigate(srv.URL+"/activities/kundenverwaltung"),
		chromedp.WaitVisible(`main h1`),
		chromedp.Evaluate(`String(document.querySelectorAll('#edit, form[action$="/archive"], a[href^="/activities/new"]').length)`, &edits),
		shot(t, "06-auditor-activity"),
		chromedp.Navigate(srv.URL+"/activities/new"),
		chromedp.WaitVisible(`.alert`),
		chromedp.Text(`.alert`, &newPage, chromedp.ByQuery),
		chromedp.Navigate(srv.URL+"/toms"),
		chromedp.WaitVisible(`main h1`),
		shot(t, "07-auditor-toms"),
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(srv.URL+"/activities/kundenverwaltung"),
		chromedp.WaitVisible(`main h1`),
		shot(t, "08-phone-activity"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if edits != "0" {
		t.Errorf("%s edit controls for an auditor", edits)
	}
	if !strings.Contains(newPage, "Ihre Rolle erlaubt diese Seite nicht") {
		t.Errorf("new-activity page for an auditor: %q", newPage)
	}
}

// TestBrowserEditConflict: an editor opens an activity's form; meanwhile
// someone else saves the activity. Saving the form then shows the
// conflict, keeps what was typed and links to the current version; the
// other change is not overwritten.
func TestBrowserEditConflict(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := newBrowser(t)
	defer cancel()
	editor := srv.tokens["editor"]
	var alert, typed string
	err := chromedp.Run(ctx,
		login(srv.URL, "editor-user", srv.pw),
		chromedp.Navigate(srv.URL+"/activities/kundenverwaltung/edit"),
		chromedp.WaitVisible(`#f-name`),
		chromedp.ActionFunc(func(context.Context) error {
			// The other editor, through the API, from the version read.
			resp, body := call(t, "GET", srv.URL+"/api/v1/activities/kundenverwaltung", "", editor)
			if resp.StatusCode != 200 {
				return fmt.Errorf("GET: %s", body)
			}
			changed := strings.Replace(string(body), `"name":"`, `"name":"Geändert: `, 1)
			resp, body = call(t, "PUT", srv.URL+"/api/v1/activities/kundenverwaltung", changed, editor, "If-Match", resp.Header.Get("ETag"), "Content-Type", "application/json")
			if resp.StatusCode != 200 {
				return fmt.Errorf("PUT: %d %s", resp.StatusCode, body)
			}
			return nil
		}),
		chromedp.SetValue(`#f-name`, "Kundenverwaltung (im Formular geändert)", chromedp.ByQuery),
		chromedp.Click(`#save`),
		chromedp.WaitVisible(`#conflict`),
		chromedp.Text(`#conflict`, &alert, chromedp.ByQuery),
		chromedp.Value(`#f-name`, &typed, chromedp.ByQuery),
		shot(t, "09-edit-conflict"),
		chromedp.EmulateViewport(390, 844),
		shot(t, "10-edit-conflict-phone"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(alert, "wurde inzwischen von jemand anderem geändert") || !strings.Contains(alert, "Aktuellen Stand ansehen") || typed != "Kundenverwaltung (im Formular geändert)" {
		t.Errorf("conflict %q, form keeps %q", alert, typed)
	}
	_, body := call(t, "GET", srv.URL+"/api/v1/activities/kundenverwaltung", "", editor)
	if !strings.Contains(string(body), `"name":"Geändert: `) {
		t.Errorf("the other change was overwritten: %.200s", body)
	}
}

// TestBrowserLogoutConfirm: a sign-out sent without the form's CSRF token
// (from another site) ends nothing and asks to confirm; confirming signs
// out, and the session is gone.
func TestBrowserLogoutConfirm(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := newBrowser(t)
	defer cancel()
	var confirm, after string
	err := chromedp.Run(ctx,
		login(srv.URL, "editor-user", srv.pw),
		chromedp.EmulateViewport(1400, 900),
		// A form as another site would post it: no CSRF field.
		chromedp.Evaluate(`(() => { const f = document.createElement("form"); f.method = "post"; f.action = "/logout"; document.body.appendChild(f); f.submit(); })()`, nil),
		chromedp.WaitVisible(`#logout-confirm`),
		chromedp.Text(`main`, &confirm, chromedp.ByQuery),
		shot(t, "11-logout-confirm"),
		chromedp.EmulateViewport(390, 844),
		shot(t, "12-logout-confirm-phone"),
		// Still signed in: the dashboard opens.
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(`.exports`),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.Evaluate(`(() => { const f = document.createElement("form"); f.method = "post"; f.action = "/logout"; document.body.appendChild(f); f.submit(); })()`, nil),
		chromedp.WaitVisible(`#logout-confirm`),
		chromedp.Click(`#logout-confirm`),
		chromedp.WaitVisible(`input[name="password"]`),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(`input[name="password"]`),
		chromedp.Location(&after),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(confirm, "Abmelden") {
		t.Errorf("confirm page: %s", confirm)
	}
	if !strings.Contains(after, "/login") {
		t.Errorf("after confirming, / led to %s, not the sign-in", after)
	}
}
