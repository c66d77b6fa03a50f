package server_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"gdpr/app"
	"gdpr/connector/conntest"
	"gdpr/demo"
	"gdpr/internal/pdftest"
	"gdpr/mail"
	"gdpr/mail/mailtest"
	"gdpr/period"
	"gdpr/register"
	"gdpr/request"
	"gdpr/retention"
	"gdpr/server"
)

// TestBrowserRequests: staff register an erasure request received by
// letter, are stopped from working on it before the identity is
// established, establish it (with how), start, extend it in time with
// reasons, add a note and answer it; the list and the dashboard show the
// deadlines; the person's data is on the page only from the vault.
func TestBrowserRequests(t *testing.T) {
	mp := mailtest.Mailpit(t)
	b := make([]byte, 4)
	rand.Read(b)
	person := "erika-" + hex.EncodeToString(b) + "@example.org"
	var err error
	srv := newServer(t, func(c *server.Config) {
		// The mails on the server's clock.
		if c.Mail, err = mail.New(mp.Config("datenschutz@allegro-it.de"), c.Now); err != nil {
			t.Fatal(err)
		}
	})
	ctx, cancel := newBrowser(t)
	defer cancel()
	var list, refused, page, phone, done, dash string
	step := func(id string) chromedp.Action { return chromedp.Click(id) }
	// at waits for the request's page at a version: each step makes one.
	at := func(v string) chromedp.Action {
		return chromedp.WaitVisible(`#request-facts[data-version="` + v + `"]`)
	}
	err = chromedp.Run(ctx,
		login(srv.URL, "editor-user", srv.pw),
		chromedp.Click(`nav.main a[href^="/requests"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#request-new`),
		chromedp.Click(`#request-new`),
		chromedp.WaitVisible(`#f-kind`),
		chromedp.SetValue(`#f-kind`, "erasure"),
		chromedp.SetValue(`#f-channel`, "letter"),
		chromedp.SetValue(`#f-received`, "2026-11-02T10:00"),
		chromedp.SendKeys(`#f-email`, person),
		chromedp.SendKeys(`#f-name`, "Erika Muster"),
		chromedp.SendKeys(`#f-note`, "Bitte löschen Sie alle meine Daten."),
		shot(t, "94-request-form"),
		chromedp.Click(`#save`),
		chromedp.WaitVisible(`#request-facts`),
		// Answering before the identity is established is refused.
		step(`#do-answer`),
		chromedp.WaitVisible(`#step-error`),
		chromedp.Text(`#step-error`, &refused, chromedp.ByQuery),
		chromedp.SendKeys(`#verify-note`, "Unterschrift und Anschrift stimmen mit dem Kundenkonto überein"),
		step(`#do-verify`),
		at("3"),
		step(`#do-start`),
		at("4"),
		chromedp.SendKeys(`#extend-reasons`, "Daten in drei Systemen, Rückfragen beim Versanddienstleister"),
		// told_how is "mail": gdpr tells the person now.
		step(`#do-extend`),
		at("5"),
		chromedp.SendKeys(`#note-text`, "Rückruf von Frau Muster: Newsletter ebenfalls abmelden."),
		step(`#do-note`),
		at("6"),
		chromedp.Text(`main`, &page, chromedp.ByQuery),
		shot(t, "95-request"),
		chromedp.EmulateViewport(390, 844),
		chromedp.Evaluate(`String(document.documentElement.scrollWidth)`, &phone),
		shot(t, "96-request-phone"),
		chromedp.EmulateViewport(1400, 900),
		step(`#do-answer`),
		at("7"),
		chromedp.Text(`main`, &done, chromedp.ByQuery),
		chromedp.Navigate(srv.URL+"/requests?show=all"),
		chromedp.WaitVisible(`#requests`),
		chromedp.Text(`#requests`, &list, chromedp.ByQuery),
		shot(t, "93-requests"),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(`#card-requests`),
		chromedp.Text(`#card-requests`, &dash, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(refused, "Identität der antragstellenden Person ist nicht festgestellt") {
		t.Errorf("answer before the identity: %q", refused)
	}
	// Received 2 November 2026: one month to 2 December; extended, three
	// months to 2 February 2027.
	for _, want := range []string{"Löschung", "Art. 17", "Frist verlängert", "02.02.2027", "Daten in drei Systemen", "Erika Muster", person, "Eingangsbestätigung", "Verlängerung mitgeteilt", "queued",
		"von Ihnen festgestellt: Unterschrift und Anschrift", "Bitte löschen Sie alle meine Daten.", "Newsletter ebenfalls abmelden", "user:editor-user", "Brief"} {
		if !strings.Contains(page, want) {
			t.Errorf("the request's page lacks %q: %.2000s", want, page)
		}
	}
	if phone != "390" {
		t.Errorf("the request's page is %s px wide at 390", phone)
	}
	if !strings.Contains(done, "beantwortet") || strings.Contains(done, "Nächste Schritte") {
		t.Errorf("after the answer: %.800s", done)
	}
	if !strings.Contains(list, "Löschung") || !strings.Contains(list, "02.02.2027") || !strings.Contains(list, "beantwortet") {
		t.Errorf("the list: %s", list)
	}
	if !strings.Contains(dash, "offene Anträge") {
		t.Errorf("dashboard: %s", dash)
	}
	// The person got the receipt and the extension notice.
	got := mp.To(t, person, 2)
	if len(got) != 2 || !strings.Contains(got[1].Text, "spätestens bis zum 02.12.2026") || !strings.Contains(got[0].Text, "bis zum 02.02.2027") {
		t.Errorf("mails: %+v", got)
	}
}

var answerRE = regexp.MustCompile(`http://public\.example/privacy/answer\?t=[A-Za-z0-9_-]+&lang=(de|en)`)

// TestBrowserPortal: a person files an erasure request on the
// self-service page without an account, confirms it through the link in
// the mail Mailpit received, and staff then find it confirmed and its
// deadline running; the page is as narrow as a phone.
func TestBrowserPortal(t *testing.T) {
	srv, mp := portalServer(t)
	// A customer of the demo shop asks: the database holds the address.
	// (The fixture's hold, whose value is no one's, is lifted: a hold
	// that cannot be read keeps the whole table.)
	person := demoCustomerEmail(t, srv)
	srv.store.LiftHold(sysCtx(), "hold-demo")
	// The newsletter vendor's and the billing databases on the other two
	// engines: the person's newsletter row goes, an invoice of 2025 under
	// § 147 AO is restricted, one of 2014 goes; their activities name
	// recipients to tell under Art. 19.
	others := map[register.Engine]*sql.DB{}
	p10 := period.MustParse("P10Y")
	reg := &register.Register{Activities: []*register.Activity{
		{ID: "newsletter-versand", Name: "Newsletter", LegalBases: []string{"Art. 6(1)(a)"},
			Recipients: register.Recipients{Items: []register.Recipient{{Name: "Versanddienstleister", Kind: register.RecipientProcessor}}}},
		{ID: "rechnungen", Name: "Rechnungen", Retention: []register.Retention{{Text: "10 Jahre ab Schluss des Kalenderjahres (§ 147 AO)",
			Rule: &retention.Rule{Event: retention.DocumentDate, Period: &p10, Anchor: retention.AnchorYearEnd}}},
			Recipients: register.Recipients{Items: []register.Recipient{{Name: "Steuerberater", Kind: register.RecipientExternal}, {Name: "Buchhaltung", Kind: register.RecipientInternal}}}},
	}}
	for _, e := range conntest.Engines(t) {
		if e == register.EngineSQLite {
			continue // the demo shop is SQLite
		}
		dsn, db := conntest.DSN(t, e)
		others[e] = db
		for _, q := range []string{
			`CREATE TABLE abonnenten (id INTEGER PRIMARY KEY, adresse VARCHAR(200) NOT NULL)`,
			`CREATE TABLE rechnungen (id INTEGER PRIMARY KEY, mail VARCHAR(200) NOT NULL, datum DATE NOT NULL, gesperrt INTEGER)`,
			`INSERT INTO abonnenten VALUES (1, '` + person + `')`, `INSERT INTO abonnenten VALUES (2, 'andere@example.org')`,
			`INSERT INTO rechnungen VALUES (1, '` + person + `', '2014-03-01', NULL)`, `INSERT INTO rechnungen VALUES (2, '` + person + `', '2025-03-01', NULL)`,
		} {
			if _, err := db.Exec(q); err != nil {
				t.Fatal(q, err)
			}
		}
		env := "GDPR_TEST_E2E_" + strings.ToUpper(string(e))
		t.Setenv(env, dsn)
		reg.Systems = append(reg.Systems, &register.System{ID: "db-" + string(e), Name: "DB " + string(e), Engine: e, DSNEnv: env, Tables: []register.Table{
			{Name: "abonnenten", Activity: "newsletter-versand", SubjectKey: []string{"adresse"}, Columns: map[string]string{"adresse": "E-Mail-Adresse"}},
			{Name: "rechnungen", Activity: "rechnungen", SubjectKey: []string{"mail"}, Restricted: "gesperrt", Events: map[retention.Event]string{retention.DocumentDate: "datum"}},
		}})
	}
	if _, err := srv.store.Apply(sysCtx(), reg, register.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := newBrowser(t)
	defer cancel()
	var sent, phone, confirmed, staff, receipts string
	err := chromedp.Run(ctx,
		chromedp.Navigate(srv.URL+"/privacy"),
		chromedp.WaitVisible(`#portal-submit`),
		chromedp.Click(`input[name="kind"][value="erasure"]`),
		chromedp.SendKeys(`#p-email`, person),
		chromedp.SendKeys(`#p-name`, "Erika Muster"),
		chromedp.SendKeys(`#p-message`, "Ich bin keine Kundin mehr."),
		shot(t, "97-privacy"),
		chromedp.EmulateViewport(390, 844),
		chromedp.Evaluate(`String(document.documentElement.scrollWidth)`, &phone),
		shot(t, "98-privacy-phone"),
		chromedp.EmulateViewport(1400, 900),
		chromedp.Click(`#portal-submit`),
		chromedp.WaitVisible(`#portal-sent`),
		chromedp.Text(`#portal-sent`, &sent, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	got := mp.To(t, person, 1) // newest first: earlier runs wrote to the demo's address too
	if len(got) == 0 {
		t.Fatal("no mail")
	}
	m := linkRE.FindString(got[0].Text)
	if m == "" {
		t.Fatalf("no link in %s", got[0].Text)
	}
	link := strings.Replace(m, "http://public.example", srv.URL, 1)
	err = chromedp.Run(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(`#portal-confirm`),
		chromedp.Click(`#portal-confirm`),
		chromedp.WaitVisible(`#portal-confirmed`),
		chromedp.Text(`#portal-confirmed`, &confirmed, chromedp.ByQuery),
		shot(t, "99-privacy-confirmed"),
		login(srv.URL, "editor-user", srv.pw),
		chromedp.Navigate(srv.URL+"/requests"),
		chromedp.WaitVisible(`#requests`),
		chromedp.Click(`//table[@id="requests"]//a[text()="Löschung"]`, chromedp.BySearch),
		chromedp.WaitVisible(`#request-facts`),
		chromedp.Text(`main`, &staff, chromedp.ByQuery),
		// Staff erase: the customer's row is kept under the legal duty
		// the register names (no rule to end it), with a receipt.
		chromedp.Click(`#do-erase`),
		chromedp.WaitVisible(`#receipt-list`),
		chromedp.Text(`#receipts`, &receipts, chromedp.ByQuery),
		shot(t, "102-erasure-receipts"),
		// The answer goes out: a link to the receipts.
		chromedp.Click(`#do-release`),
		chromedp.WaitVisible(`p.flash`),
	)
	if err != nil {
		t.Fatal(err)
	}
	var answer string
	var mails []mailtest.Message
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if mails = mp.To(t, person, 1); len(mails) > 0 && answerRE.MatchString(mails[0].Text) {
			break
		}
	}
	al := answerRE.FindString(mails[0].Text)
	if al == "" {
		t.Fatalf("no answer link: %s", mails[0].Text)
	}
	err = chromedp.Run(ctx,
		chromedp.Navigate(strings.Replace(al, "http://public.example", srv.URL, 1)),
		chromedp.WaitVisible(`#portal-fetch`),
		chromedp.Click(`#portal-fetch`),
		chromedp.WaitVisible(`#answer-receipts`),
		chromedp.Text(`main`, &answer, chromedp.ByQuery),
		shot(t, "103-privacy-answer"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(answer, "shop-datenbank/customers: aufbewahrt") {
		t.Errorf("the answer: %s", answer)
	}
	if x, _, _ := srv.app.Requests(sysCtx(), app.RequestFilter{Filter: request.Filter{State: request.Answered}}); len(x) != 1 {
		t.Errorf("%d answered requests", len(x))
	}
	wants := []string{"shop-datenbank/customers", "aufbewahrt", "gesetzliche Aufbewahrungspflicht", "vault/subjects"}
	for e := range others {
		wants = append(wants, "db-"+string(e)+"/abonnenten", "db-"+string(e)+"/rechnungen", "31.12.2035")
	}
	if len(others) > 0 {
		wants = append(wants, "Versanddienstleister", "Steuerberater")
	}
	for _, want := range wants {
		if !strings.Contains(receipts, want) {
			t.Errorf("the receipts lack %q: %s", want, receipts)
		}
	}
	if strings.Contains(receipts, "Buchhaltung") {
		t.Error("an internal recipient in the Art. 19 list")
	}
	for e, db := range others {
		var subs, inv2014, restricted, other int
		db.QueryRow(`SELECT COUNT(*) FROM abonnenten WHERE adresse = '` + person + `'`).Scan(&subs)
		db.QueryRow(`SELECT COUNT(*) FROM abonnenten WHERE id = 2`).Scan(&other)
		db.QueryRow(`SELECT COUNT(*) FROM rechnungen WHERE id = 1`).Scan(&inv2014)
		db.QueryRow(`SELECT COUNT(*) FROM rechnungen WHERE id = 2 AND gesperrt IS NOT NULL`).Scan(&restricted)
		if subs != 0 || other != 1 || inv2014 != 0 || restricted != 1 {
			t.Errorf("%s after the erasure: subscriber %d, other %d, invoice 2014 %d, 2025 restricted %d", e, subs, other, inv2014, restricted)
		}
	}
	if phone != "390" {
		t.Errorf("the page is %s px wide at 390", phone)
	}
	if !strings.Contains(sent, "E-Mail geschickt") || !strings.Contains(confirmed, "Antrag ist bestätigt") {
		t.Errorf("sent %q, confirmed %q", sent, confirmed)
	}
	for _, want := range []string{"Löschung", "Selbstauskunftsseite", "per E-Mail bestätigt", "Identität festgestellt", person, "Ich bin keine Kundin mehr.", "Bestätigungslink", "Daten jetzt löschen"} {
		if !strings.Contains(staff, want) {
			t.Errorf("staff's page lacks %q: %.1500s", want, staff)
		}
	}
}

// TestBrowserAccessReport: staff compile the answer to an access request
// of a demo shop customer: the activities that hold the data with their
// purposes, categories, recipients and retention from the register, the
// authority of the controller's Land, the rows of the shop database, and
// what to check before release. They redact a column of a third party
// (Art. 15(4)), release, and the person fetches the answer through the
// mailed link: the page and its PDF show the register's words and the
// copy with the column withheld.
func TestBrowserAccessReport(t *testing.T) {
	srv, mp := portalServer(t)
	ctx, cancel := newBrowser(t)
	defer cancel()
	// A customer of the demo shop, by the address its database holds.
	hd, _ := srv.store.Header(t.Context())
	hd.Controller.State = "NW"
	if _, err := srv.store.UpdateHeader(sysCtx(), hd, hd.Version); err != nil {
		t.Fatal(err)
	}
	person := demoCustomerEmail(t, srv)
	r, err := srv.app.CreateRequest(sysCtx(), app.NewRequest{Kind: request.Access, Channel: request.Email, Lang: "de",
		Requester: app.Record{"email": person, "name": "Kundin Eins"}})
	if err != nil {
		t.Fatal(err)
	}
	if r, err = srv.app.VerifyIdentity(sysCtx(), r.ID, r.Version, "Rückruf unter der Kundennummer"); err != nil {
		t.Fatal(err)
	}
	var page, phone, redacted, street string
	err = chromedp.Run(ctx,
		login(srv.URL, "editor-user", srv.pw),
		chromedp.Navigate(srv.URL+"/requests/"+r.ID),
		chromedp.WaitVisible(`#open-report`),
		chromedp.Click(`#open-report`),
		chromedp.WaitVisible(`#copy`),
		chromedp.Text(`main`, &page, chromedp.ByQuery),
		shot(t, "100-access-report"),
		chromedp.EmulateViewport(390, 844),
		chromedp.Evaluate(`String(document.documentElement.scrollWidth)`, &phone),
		shot(t, "101-access-report-phone"),
		chromedp.EmulateViewport(1400, 900),
		// The street column of the customers table: withheld.
		chromedp.Evaluate(`(() => { const f = [...document.querySelectorAll('form[id^="redact-"]')].find(f => f.querySelector('input[name="table"]').value === 'customers');
			f.closest('details').open = true; f.querySelector('select[name="column"]').value = 'street'; return f.id })()`, nil),
		chromedp.Evaluate(`[...document.querySelectorAll('form[id^="redact-"]')].find(f => f.querySelector('input[name="table"]').value === 'customers').requestSubmit()`, nil),
		chromedp.WaitVisible(`ul.redactions`),
		chromedp.Text(`#copy`, &redacted, chromedp.ByQuery),
		chromedp.Text(`#redactions`, &street, chromedp.ByQuery),
		shot(t, "104-access-redacted"),
		chromedp.Navigate(srv.URL+"/requests/"+r.ID),
		chromedp.WaitVisible(`#do-release`),
		chromedp.Click(`#do-release`),
		chromedp.WaitVisible(`p.flash`),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Kundenverwaltung", "Zwecke (lit. a)", "Speicherdauer (lit. d)", "Landesbeauftragte für Datenschutz und Informationsfreiheit Nordrhein-Westfalen",
		"Shop-Datenbank: customers", "Herkunft der Daten", "Art. 15 Abs. 4", "E-Mail-Adressen", "Als PDF"} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %q: %.3000s", want, page)
		}
	}
	if phone != "390" {
		t.Errorf("the report is %s px wide at 390", phone)
	}
	if !strings.Contains(redacted, "[geschwärzt]") || !strings.Contains(street, "street") || !strings.Contains(street, "Rechte Dritter") {
		t.Errorf("after the redaction: %.1500s / %s", redacted, street)
	}
	// The street as the database holds it: not in the answer.
	db, err := sql.Open("sqlite", os.Getenv(demo.ShopEnv))
	if err != nil {
		t.Fatal(err)
	}
	var streetValue string
	db.QueryRow(`SELECT street FROM customers WHERE email = ?`, person).Scan(&streetValue)
	db.Close()
	if streetValue == "" {
		t.Fatal("the demo customer has no street")
	}
	var mails []mailtest.Message
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if mails = mp.To(t, person, 1); len(mails) > 0 && answerRE.MatchString(mails[0].Text) {
			break
		}
	}
	if len(mails) == 0 || !answerRE.MatchString(mails[0].Text) {
		t.Fatal("no answer mail")
	}
	al := answerRE.FindString(mails[0].Text)
	var answer, pdfURL string
	err = chromedp.Run(ctx,
		chromedp.Navigate(strings.Replace(al, "http://public.example", srv.URL, 1)),
		chromedp.WaitVisible(`#portal-fetch`),
		chromedp.Click(`#portal-fetch`),
		chromedp.WaitVisible(`#answer-pdf`),
		chromedp.Text(`main`, &answer, chromedp.ByQuery),
		chromedp.AttributeValue(`#answer-pdf`, "href", &pdfURL, nil),
		shot(t, "105-privacy-access-answer"),
		chromedp.EmulateViewport(390, 844),
		chromedp.Evaluate(`String(document.documentElement.scrollWidth)`, &phone),
		shot(t, "106-privacy-access-answer-phone"),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Kundenverwaltung", "Zwecke (lit. a)", "[geschwärzt]", person, "Antwort als PDF speichern"} {
		if !strings.Contains(answer, want) {
			t.Errorf("the answer lacks %q: %.2000s", want, answer)
		}
	}
	if strings.Contains(answer, streetValue) {
		t.Errorf("the redacted street %q is in the answer", streetValue)
	}
	if phone != "390" {
		t.Errorf("the answer is %s px wide at 390", phone)
	}
	b64, ok := strings.CutPrefix(pdfURL, "data:application/pdf;base64,")
	if !ok {
		t.Fatalf("the PDF link: %.80s", pdfURL)
	}
	pdf, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	text, ok := pdftest.Text(t, pdf)
	if !ok {
		return
	}
	for _, want := range []string{"Auskunft nach Art. 15 DSGVO", "Kundenverwaltung", "Zwecke (lit. a)", "Beschwerderecht (lit. f)", "Nordrhein-Westfalen", "Kopie der Daten", "[geschwärzt]", person} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q: %.3000s", want, text)
		}
	}
	if strings.Contains(text, streetValue) {
		t.Errorf("the redacted street %q is in the PDF", streetValue)
	}
}

// demoCustomerEmail is the address of the first customer of the demo
// shop database.
func demoCustomerEmail(t *testing.T, srv *fixture) string {
	t.Helper()
	d, err := srv.app.SystemSchema(sysCtx(), "shop-datenbank")
	if err != nil || d == nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", os.Getenv(demo.ShopEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var email string
	if err := db.QueryRow(`SELECT email FROM customers ORDER BY id LIMIT 1`).Scan(&email); err != nil {
		t.Fatal(err)
	}
	return email
}

// TestBrowserObjection: staff carry out an objection to the newsletter
// and a rectification of a name from the request's page: the newsletter
// row is restricted, the contract's table untouched, the address on the
// suppression list; the name corrected in the database; the receipts
// and the Art. 19 tasks shown. The mailing service is told by a mail
// gdpr sends (Mailpit receives it, naming the person and what was done),
// and its confirmation recorded.
func TestBrowserObjection(t *testing.T) {
	srv, mp := portalServer(t)
	dsn, db := conntest.DSN(t, register.EngineSQLite)
	for _, q := range []string{
		`CREATE TABLE kunden (id INTEGER PRIMARY KEY, mail TEXT NOT NULL, name TEXT, gesperrt INTEGER)`,
		`CREATE TABLE verteiler (id INTEGER PRIMARY KEY, mail TEXT NOT NULL, gesperrt_am TEXT)`,
		`INSERT INTO kunden VALUES (1, 'erika@example.org', 'Erika Muster', NULL)`,
		`INSERT INTO verteiler VALUES (1, 'erika@example.org', NULL)`,
		`INSERT INTO verteiler VALUES (2, 'max@example.org', NULL)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	t.Setenv("GDPR_TEST_OBJECTION_DSN", dsn)
	reg := &register.Register{
		Activities: []*register.Activity{
			{ID: "vertrieb", Name: "Vertrieb", LegalBases: []string{"Art. 6 Abs. 1 lit. b DSGVO"}},
			{ID: "werbepost", Name: "Werbe-Newsletter", Purposes: []string{"Direktwerbung"}, LegalBases: []string{"Art. 6 Abs. 1 lit. f DSGVO"},
				Recipients: register.Recipients{Items: []register.Recipient{{Name: "Versanddienstleister", Kind: register.RecipientProcessor}}}},
		},
		Systems: []*register.System{{ID: "crm", Name: "CRM", Engine: register.EngineSQLite, DSNEnv: "GDPR_TEST_OBJECTION_DSN", Tables: []register.Table{
			{Name: "kunden", Activity: "vertrieb", SubjectKey: []string{"mail"}, Restricted: "gesperrt", Columns: map[string]string{"mail": "E-Mail-Adresse", "name": "Name"}},
			{Name: "verteiler", Activity: "werbepost", SubjectKey: []string{"mail"}, Restricted: "gesperrt_am", Columns: map[string]string{"mail": "E-Mail-Adresse"}},
		}}},
	}
	if _, err := srv.store.Apply(sysCtx(), reg, register.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	newReq := func(kind request.Kind) *request.Request {
		r, err := srv.app.CreateRequest(sysCtx(), app.NewRequest{Kind: kind, Channel: request.Letter, Requester: app.Record{"email": "erika@example.org", "name": "Erika Muster"}})
		if err != nil {
			t.Fatal(err)
		}
		if r, err = srv.app.VerifyIdentity(sysCtx(), r.ID, r.Version, "Unterschrift stimmt mit dem Kundenkonto überein"); err != nil {
			t.Fatal(err)
		}
		return r
	}
	obj, rect := newReq(request.Objection), newReq(request.Rectification)
	b := make([]byte, 4)
	rand.Read(b)
	versand := "versand-" + hex.EncodeToString(b) + "@example.net"
	ctx, cancel := newBrowser(t)
	defer cancel()
	var objReceipts, rectReceipts, phone, told, confirmed string
	err := chromedp.Run(ctx,
		login(srv.URL, "editor-user", srv.pw),
		chromedp.Navigate(srv.URL+"/requests/"+obj.ID),
		chromedp.WaitVisible(`#do-restrict`),
		shot(t, "107-objection"),
		chromedp.Click(`#do-restrict`),
		chromedp.WaitVisible(`#receipt-list`),
		chromedp.Text(`#receipts`, &objReceipts, chromedp.ByQuery),
		shot(t, "108-objection-receipts"),
		chromedp.SetValue(`#notice-0 select[name="notice_state"]`, "mail", chromedp.ByQuery),
		chromedp.SendKeys(`#notice-0 input[name="to"]`, versand, chromedp.ByQuery),
		chromedp.Click(`#notice-0 button`, chromedp.ByQuery),
		chromedp.WaitVisible(`//table[@id="art19"]//td[contains(@class, "notice-state") and contains(., "mitgeteilt")]`, chromedp.BySearch),
		chromedp.Text(`#art19`, &told, chromedp.ByQuery),
		chromedp.SetValue(`#notice-0 select[name="notice_state"]`, "confirmed", chromedp.ByQuery),
		chromedp.Click(`#notice-0 button`, chromedp.ByQuery),
		chromedp.WaitVisible(`//table[@id="art19"]//td[contains(@class, "notice-state") and contains(., "bestätigt")]`, chromedp.BySearch),
		chromedp.Text(`#art19`, &confirmed, chromedp.ByQuery),
		shot(t, "110-art19-confirmed"),
		chromedp.Navigate(srv.URL+"/requests/"+rect.ID),
		chromedp.WaitVisible(`#do-rectify`),
		chromedp.SetValue(`select[name="table0"]`, "crm/kunden", chromedp.ByQuery),
		chromedp.SendKeys(`input[name="column0"]`, "name", chromedp.ByQuery),
		chromedp.SendKeys(`input[name="value0"]`, "Erika Musterfrau", chromedp.ByQuery),
		chromedp.EmulateViewport(390, 844),
		chromedp.Evaluate(`String(document.documentElement.scrollWidth)`, &phone),
		shot(t, "109-rectify-phone"),
		chromedp.EmulateViewport(1400, 900),
		chromedp.Click(`#do-rectify`),
		chromedp.WaitVisible(`#receipt-list`),
		chromedp.Text(`#receipts`, &rectReceipts, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"crm/verteiler", "eingeschränkt (Art. 18)", "crm/kunden", "nicht betroffen", "vault/suppressions", "auf die Sperrliste gesetzt", "Versanddienstleister"} {
		if !strings.Contains(objReceipts, want) {
			t.Errorf("the objection's receipts lack %q: %s", want, objReceipts)
		}
	}
	if !strings.Contains(rectReceipts, "berichtigt (Art. 16)") || strings.Contains(rectReceipts, "Musterfrau") {
		t.Errorf("the rectification's receipts: %s", rectReceipts)
	}
	var restricted, other int
	var name string
	db.QueryRow(`SELECT COUNT(*) FROM verteiler WHERE id = 1 AND gesperrt_am IS NOT NULL`).Scan(&restricted)
	db.QueryRow(`SELECT COUNT(*) FROM verteiler WHERE id = 2 AND gesperrt_am IS NULL`).Scan(&other)
	db.QueryRow(`SELECT name FROM kunden WHERE id = 1`).Scan(&name)
	if restricted != 1 || other != 1 || name != "Erika Musterfrau" {
		t.Errorf("in the database: restricted %d, other untouched %d, name %q", restricted, other, name)
	}
	if es, err := srv.app.Suppressed(sysCtx(), "email", "erika@example.org", "werbepost"); err != nil || len(es) != 1 {
		t.Errorf("suppression: %v %+v", err, es)
	}
	if phone != "390" {
		t.Errorf("the page is %s px wide at 390", phone)
	}
	if !strings.Contains(told, "mitgeteilt") || !strings.Contains(told, "per Mail von gdpr") || !strings.Contains(confirmed, "bestätigt") {
		t.Errorf("the Art. 19 task: told %q, confirmed %q", told, confirmed)
	}
	got := mp.To(t, versand, 1)
	if len(got) != 1 || !strings.Contains(got[0].Subject, "Mitteilung nach Art. 19 DSGVO") || !strings.Contains(got[0].Text, "erika@example.org") ||
		!strings.Contains(got[0].Text, "crm/verteiler: eingeschränkt (Art. 18)") || !strings.Contains(got[0].Text, "Versanddienstleister") || strings.Contains(got[0].Text, "crm/kunden") {
		t.Errorf("the Art. 19 mail: %+v", got)
	}
}

// TestBrowserTemplates: an admin opens the mail templates from the
// requests' page, changes the German receipt: a field the mail does not
// have is refused at its field, the text saved shows in the preview, and
// the next receipt mailed to a person carries it; back to the built-in
// text, the next one does not.
func TestBrowserTemplates(t *testing.T) {
	srv, mp := portalServer(t)
	ctx, cancel := newBrowser(t)
	defer cancel()
	b := make([]byte, 4)
	rand.Read(b)
	person := "vorlage-" + hex.EncodeToString(b) + "@example.org"
	phrase := "Unser Kundenservice meldet sich binnen zwei Werktagen."
	var refused, invalid, preview, phone string
	err := chromedp.Run(ctx,
		login(srv.URL, "admin-user", srv.pw),
		chromedp.Navigate(srv.URL+"/requests"),
		chromedp.WaitVisible(`#templates-link`),
		chromedp.Click(`#templates-link`),
		chromedp.WaitVisible(`#templates`),
		shot(t, "111-templates"),
		chromedp.Click(`//table[@id="templates"]//a[@href="/templates/ack/de?lang=de"]`, chromedp.BySearch),
		chromedp.WaitVisible(`#template-form`),
		chromedp.Evaluate(`document.querySelector('#t-body').value += "\n{{.Kundennummer}}"`, nil),
		chromedp.Click(`#template-save`),
		chromedp.WaitVisible(`#template-error`),
		chromedp.Text(`#template-error`, &refused, chromedp.ByQuery),
		chromedp.AttributeValue(`#t-body`, "aria-invalid", &invalid, nil),
		chromedp.Evaluate(`document.querySelector('#t-body').value = document.querySelector('#t-body').value.replace("{{.Kundennummer}}", `+"`"+phrase+"`"+`)`, nil),
		chromedp.Click(`#template-save`),
		chromedp.WaitVisible(`#template-preview`),
		chromedp.Text(`#template-preview`, &preview, chromedp.ByQuery),
		shot(t, "112-template-saved"),
		chromedp.EmulateViewport(390, 844),
		chromedp.Evaluate(`String(document.documentElement.scrollWidth)`, &phone),
		shot(t, "113-template-phone"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(refused, "Kundennummer") || invalid != "true" {
		t.Errorf("the unknown field: %q (aria-invalid %q)", refused, invalid)
	}
	if !strings.Contains(preview, phrase) || !strings.Contains(preview, "«LastDay»") {
		t.Errorf("the preview: %s", preview)
	}
	if phone != "390" {
		t.Errorf("the page is %s px wide at 390", phone)
	}
	if _, err := srv.app.CreateRequest(sysCtx(), app.NewRequest{Kind: request.Access, Channel: request.Email, Acknowledge: true, Requester: app.Record{"email": person}}); err != nil {
		t.Fatal(err)
	}
	got := mp.To(t, person, 1)
	if len(got) != 1 || !strings.Contains(got[0].Text, phrase) || !strings.Contains(got[0].Text, "spätestens bis zum") {
		t.Fatalf("the receipt with the admin's text: %+v", got)
	}
	err = chromedp.Run(ctx,
		chromedp.EmulateViewport(1400, 900),
		chromedp.Navigate(srv.URL+"/templates/ack/de"),
		chromedp.WaitVisible(`#template-reset`),
		chromedp.Click(`#template-reset`),
		// The page before the reset has a preview too: wait for the one
		// after it (no reset button on a built-in text).
		chromedp.WaitNotPresent(`#template-reset`),
		chromedp.WaitVisible(`#template-preview`),
		chromedp.Text(`#template-preview`, &preview, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(preview, phrase) {
		t.Errorf("after the reset: %s", preview)
	}
	srv.app.CreateRequest(sysCtx(), app.NewRequest{Kind: request.Copy, Channel: request.Email, Acknowledge: true, Requester: app.Record{"email": person}})
	if got := mp.To(t, person, 2); len(got) != 2 || strings.Contains(got[0].Text, phrase) {
		t.Errorf("the receipt after the reset: %+v", got)
	}
}
