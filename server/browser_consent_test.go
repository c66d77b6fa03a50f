package server_test

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"gdpr/consent"
	"gdpr/internal/pdftest"
	"gdpr/vault"
)

var consentConfirmRE = regexp.MustCompile(`http://public\.example/consent/confirm\?t=[A-Za-z0-9_-]+&lang=(de|en)`)

// TestBrowserConsent: a person signs up on a plain HTML form of the
// company's website (another origin, no script) in Chromium; the
// confirmation mail arrives in Mailpit with the one-click unsubscribe
// headers; the link's page changes nothing until its button is pressed;
// then the address may be mailed; the mail client's one-click POST
// (RFC 8058) withdraws the consent and puts the address on the
// suppression list. A form posted from an origin it does not name is
// refused. Then the DPO's pages: the purpose's numbers, a new text
// version with what it changed, the person's timeline (at 390 px too),
// the evidence downloaded as PDF.
func TestBrowserConsent(t *testing.T) {
	srv, mp := portalServer(t)
	withConsent(t, srv)
	site := httptest.NewServer(nil)
	defer site.Close()
	f, err := srv.app.AddForm(sysCtx(), consent.Form{Purpose: "newsletter", Origins: []string{site.URL}, Fields: []string{"email", "name"}, Lang: "de"})
	if err != nil {
		t.Fatal(err)
	}
	page := `<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Newsletter</title></head><body>
<form method="post" action="` + srv.URL + `/consent/signup">
<input type="hidden" name="form" value="` + f.ID + `">
<label>E-Mail <input id="email" name="email" type="email"></label>
<label>Name <input id="name" name="name"></label>
<p>Ja, ich möchte den Newsletter per E-Mail erhalten. Abmelden jederzeit.</p>
<button id="send" type="submit">Anmelden</button></form></body></html>`
	site.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(page))
	})
	b := make([]byte, 4)
	rand.Read(b)
	person := "abo-" + hex.EncodeToString(b) + "@example.org"
	ctx, cancel := newBrowser(t)
	defer cancel()
	var sent, confirmed, phone string
	err = chromedp.Run(ctx,
		chromedp.Navigate(site.URL+"/newsletter"),
		chromedp.WaitVisible(`#send`),
		chromedp.SendKeys(`#email`, person),
		chromedp.SendKeys(`#name`, "Ida Abo"),
		chromedp.Click(`#send`),
		chromedp.WaitVisible(`#consent-sent`),
		chromedp.Text(`#consent-sent`, &sent, chromedp.ByQuery),
		shot(t, "120-consent-sent"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sent, "Bestätigungslink") {
		t.Errorf("after the sign-up: %q", sent)
	}
	if st, _ := srv.app.MayMail(sysCtx(), person, "newsletter"); st.Active || !st.Pending {
		t.Errorf("before the confirmation: %+v", st)
	}
	mails := mp.To(t, person, 1)
	if len(mails) != 1 {
		t.Fatal("no confirmation mail")
	}
	m := mails[0]
	link := consentConfirmRE.FindString(m.Text)
	unsub := m.Headers["List-Unsubscribe"]
	if link == "" || len(unsub) != 1 || len(m.Headers["List-Unsubscribe-Post"]) != 1 || !strings.Contains(m.Text, "Guten Tag Ida Abo,") {
		t.Fatalf("the mail: %s %v", m.Text, m.Headers)
	}
	err = chromedp.Run(ctx,
		chromedp.Navigate(strings.Replace(link, "http://public.example", srv.URL, 1)),
		chromedp.WaitVisible(`#consent-confirm`),
		shot(t, "121-consent-confirm"),
		chromedp.EmulateViewport(390, 844),
		chromedp.Evaluate(`String(document.documentElement.scrollWidth)`, &phone),
		shot(t, "121-consent-confirm-phone"),
		chromedp.EmulateViewport(1400, 900),
	)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := srv.app.MayMail(sysCtx(), person, "newsletter"); st.Active {
		t.Error("the link's page confirmed")
	}
	if phone != "390" {
		t.Errorf("the confirmation page is %s px wide at 390", phone)
	}
	err = chromedp.Run(ctx,
		chromedp.Click(`#consent-confirm`),
		chromedp.WaitVisible(`#consent-done`),
		chromedp.Text(`#consent-done`, &confirmed, chromedp.ByQuery),
		shot(t, "122-consent-confirmed"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := srv.app.MayMail(sysCtx(), person, "newsletter"); !st.Active || st.Weak || !strings.Contains(confirmed, "bestätigt") {
		t.Errorf("after the click: %+v %q", st, confirmed)
	}
	// The mail client's one-click unsubscribe: a POST to the header's URL.
	u := strings.Replace(strings.Trim(unsub[0], "<>"), "http://public.example", srv.URL, 1)
	resp, err := http.Post(u, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(resp); resp.StatusCode != 200 || !strings.Contains(body, "abgemeldet") {
		t.Errorf("one-click: %d %s", resp.StatusCode, body)
	}
	if st, _ := srv.app.MayMail(sysCtx(), person, "newsletter"); st.Active || st.Pending {
		t.Errorf("after the withdrawal: %+v", st)
	}
	if es, _ := srv.app.Suppressed(sysCtx(), vault.KindEmail, person, "newsletter-versand"); len(es) != 1 {
		t.Errorf("not on the suppression list: %+v", es)
	}
	// Another site posting the form: refused, nothing recorded.
	req, _ := http.NewRequest("POST", srv.URL+"/consent/signup", strings.NewReader(url.Values{"form": {f.ID}, "email": {"fremd-" + person}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if readAll(resp); resp.StatusCode != 403 {
		t.Errorf("a foreign origin: %d", resp.StatusCode)
	}
	if st, _ := srv.app.MayMail(sysCtx(), "fremd-"+person, "newsletter"); st.Pending || st.Active {
		t.Errorf("the foreign sign-up was recorded: %+v", st)
	}

	// The DPO's side: the purpose's numbers, a new text version and what
	// it changed, the person's timeline, the evidence as PDF.
	downloads := t.TempDir()
	upload := filepath.Join(t.TempDir(), "mailchimp.csv")
	os.WriteFile(upload, []byte("Email Address,First Name,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,LEID\nalt-"+person+",Alt,2024-03-01 10:00:00,198.51.100.7,2024-03-01 10:05:00,203.0.113.9,123\n"), 0o600)
	var stats, diff, timeline, phoneWide, imported, purposeWide string
	err = chromedp.Run(ctx,
		browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(downloads).WithEventsEnabled(true),
		login(srv.URL, "editor-user", srv.pw),
		chromedp.Navigate(srv.URL+"/consents"),
		chromedp.WaitVisible(`#purposes`),
		chromedp.Text(`#purposes`, &stats, chromedp.ByQuery),
		shot(t, "123-consents"),
		chromedp.Click(`#purposes a[href^="/consents/newsletter"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#text-form`),
		chromedp.SendKeys(`#t-body`, "Ja, ich möchte den Newsletter wöchentlich per E-Mail erhalten. Abmelden jederzeit."),
		chromedp.Click(`#text-save`),
		chromedp.WaitVisible(`p.diff ins`),
		chromedp.Text(`p.diff`, &diff, chromedp.ByQuery),
		shot(t, "124-consent-texts"),
		chromedp.SetUploadFiles(`#i-file`, []string{upload}, chromedp.ByQuery),
		chromedp.SendKeys(`#i-source`, "mailchimp"),
		chromedp.Click(`#import-save`),
		chromedp.WaitVisible(`#import-done`),
		chromedp.Text(`#import-done`, &imported, chromedp.ByQuery),
		shot(t, "126-consent-import"),
		chromedp.EmulateViewport(390, 844),
		chromedp.Evaluate(`String(document.documentElement.scrollWidth)`, &purposeWide),
		shot(t, "126-consent-purpose-phone"),
		chromedp.EmulateViewport(1400, 900),
		chromedp.Navigate(srv.URL+"/consents"),
		chromedp.WaitVisible(`#person-form`),
		chromedp.SendKeys(`#p-email`, person),
		chromedp.Click(`#person-show`),
		chromedp.WaitVisible(`#timeline`),
		chromedp.Text(`#timeline-box`, &timeline, chromedp.ByQuery),
		shot(t, "125-consent-timeline"),
		chromedp.EmulateViewport(390, 844),
		chromedp.Evaluate(`String(document.documentElement.scrollWidth)`, &phoneWide),
		shot(t, "125-consent-timeline-phone"),
		chromedp.EmulateViewport(1400, 900),
		chromedp.Click(`#evidence-pdf`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stats, "Newsletter") || !strings.Contains(stats, "%") {
		t.Errorf("the purposes: %s", stats)
	}
	if !strings.Contains(imported, "Übernommene Einwilligungen: 1 ") {
		t.Errorf("the import: %q", imported)
	}
	if st, _ := srv.app.MayMail(sysCtx(), "alt-"+person, "newsletter"); !st.Active || st.Weak {
		t.Errorf("the imported double opt-in: %+v", st)
	}
	if !strings.Contains(diff, "wöchentlich") {
		t.Errorf("the new version's diff: %q", diff)
	}
	for _, want := range []string{"Anmeldung", "Bestätigung", "Widerruf", "Double-Opt-in", "Fassung 1", "Eintrag Nr."} {
		if !strings.Contains(timeline, want) {
			t.Errorf("the timeline lacks %q: %s", want, timeline)
		}
	}
	if purposeWide != "390" {
		t.Errorf("the purpose's page is %s px wide at 390", purposeWide)
	}
	if phoneWide != "390" {
		t.Errorf("the timeline page is %s px wide at 390", phoneWide)
	}
	var pdf []byte
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && len(pdf) == 0; time.Sleep(200 * time.Millisecond) {
		if fs, _ := filepath.Glob(filepath.Join(downloads, "nachweis-newsletter*.pdf")); len(fs) == 1 {
			pdf, _ = os.ReadFile(fs[0])
		}
	}
	// An admin sees the webhooks and the jobs given up, in German.
	var admin string
	err = chromedp.Run(ctx,
		network.ClearBrowserCookies(),
		login(srv.URL, "admin-user", srv.pw),
		chromedp.Navigate(srv.URL+"/consents"),
		chromedp.WaitVisible(`#failed-jobs`),
		chromedp.Text(`section[aria-labelledby="h-hooks"]`, &admin, chromedp.ByQuery),
		shot(t, "127-consent-hooks"),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"https://mailer.example/gdpr", "Bestätigung", "Webhook-Aufruf", "Der Webhook war nicht erreichbar."} {
		if !strings.Contains(admin, want) {
			t.Errorf("the admin's part lacks %q: %s", want, admin)
		}
	}
	if !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatalf("no evidence PDF downloaded (%d bytes)", len(pdf))
	}
	if text, ok := pdftest.Text(t, pdf); ok {
		for _, want := range []string{"Nachweis der Einwilligung", person, "IP der Anmeldung", "Bestätigungsmail"} {
			if !strings.Contains(text, want) {
				t.Errorf("the downloaded evidence lacks %q", want)
			}
		}
	}
}
