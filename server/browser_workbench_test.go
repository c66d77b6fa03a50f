package server_test

import (
	"bytes"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"gdpr/app"
	"gdpr/audit"
	"gdpr/internal/textcheck"
	"gdpr/register"
)

// TestBrowserTOMFlow: an editor creates a measure, edits it, files an
// uncategorised measure of the demo under an Art. 32 category from the
// list, links the new measure to an activity with the picker's search,
// and archives a measure after confirming.
func TestBrowserTOMFlow(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := newBrowser(t)
	defer cancel()
	const id = "festplattenverschluesselung-der-notebooks"
	var usedIn, doc, checked, list, edited, uncatBefore, uncatAfter, visible, detail, question, afterArchive string
	err := chromedp.Run(ctx,
		login(srv.URL, "editor-user", srv.pw),
		chromedp.EmulateViewport(1400, 900),
		chromedp.Navigate(srv.URL+"/toms"),
		chromedp.WaitVisible(`#new-tom`),
		chromedp.Text(`#uncategorised h2 .count`, &uncatBefore, chromedp.ByQuery),
		shot(t, "20-toms"),
		chromedp.Click(`#new-tom`),
		chromedp.WaitVisible(`#m-title`),
		chromedp.SendKeys(`#m-title`, "Festplattenverschlüsselung der Notebooks"),
		chromedp.SendKeys(`#m-description`, "Alle Notebooks sind mit BitLocker (XTS-AES 256) verschlüsselt."),
		chromedp.SetValue(`#m-category`, "encryption", chromedp.ByQuery),
		chromedp.SetValue(`#m-legacy`, "zugangskontrolle", chromedp.ByQuery),
		chromedp.SendKeys(`#m-owner`, "IT-Leitung"),
		chromedp.SetValue(`#m-interval`, "P1Y", chromedp.ByQuery),
		shot(t, "21-tom-new"),
		chromedp.EmulateViewport(390, 844),
		shot(t, "21-tom-new-phone"),
		chromedp.EmulateViewport(1400, 900),
		chromedp.Click(`#save`),
		chromedp.WaitVisible(`#tom-`+id),
		chromedp.Text(`#tom-`+id, &list, chromedp.ByQuery),
		chromedp.Click(`#edit-`+id),
		chromedp.WaitVisible(`#m-owner`),
		chromedp.SetValue(`#m-owner`, "Geschäftsführung", chromedp.ByQuery),
		chromedp.SendKeys(`#m-evidence`, "Intune-Bericht vom Quartal"),
		chromedp.Click(`#save`),
		chromedp.WaitVisible(`#tom-`+id),
		chromedp.Text(`#tom-`+id, &edited, chromedp.ByQuery),
		// File the first uncategorised measure of the demo.
		chromedp.SetValue(`#cat-automatische-updates-aktivieren`, "integrity", chromedp.ByQuery),
		chromedp.Submit(`#cat-automatische-updates-aktivieren`),
		chromedp.WaitVisible(`.flash`),
		chromedp.Text(`#uncategorised h2 .count`, &uncatAfter, chromedp.ByQuery),
		// Link the new measure to an activity with the picker.
		chromedp.Navigate(srv.URL+"/activities/kundenverwaltung/edit"),
		chromedp.WaitVisible(`#tom-filter`),
		chromedp.SendKeys(`#tom-filter`, "festplatten"),
		chromedp.Evaluate(`String([...document.querySelectorAll('#tom-picker .pick')].filter(e => !e.hidden).map(e => e.textContent.trim()).join("|"))`, &visible),
		shot(t, "22-tom-picker"),
		chromedp.Click(`#tom-picker label.pick:not([hidden])`, chromedp.ByQuery),
		chromedp.Evaluate(`String(document.querySelector('#tom-picker input[value="`+id+`"]').checked)`, &checked),
		chromedp.Click(`#save`),
		chromedp.WaitVisible(`#edit`),
		chromedp.Text(`main`, &detail, chromedp.ByQuery),
		chromedp.Navigate(srv.URL+"/toms"),
		chromedp.WaitVisible(`#tom-`+id),
		chromedp.Text(`#tom-`+id+` .usedby`, &usedIn, chromedp.ByQuery),
		// A document the measures rely on: created, then renamed.
		chromedp.Navigate(srv.URL+"/toms"),
		chromedp.WaitVisible(`#new-doc`),
		chromedp.Click(`#new-doc`),
		chromedp.WaitVisible(`#d-title`),
		chromedp.SendKeys(`#d-title`, "Richtlinie mobile Geräte"),
		chromedp.SendKeys(`#d-description`, "Verschlüsselung und Sperre aller Notebooks und Smartphones"),
		chromedp.Click(`#save`),
		chromedp.WaitVisible(`#doc-richtlinie-mobile-geraete`),
		chromedp.Click(`#edit-doc-richtlinie-mobile-geraete`),
		chromedp.WaitVisible(`#d-title`),
		chromedp.SetValue(`#d-title`, "Richtlinie für mobile Geräte", chromedp.ByQuery),
		chromedp.Click(`#save`),
		chromedp.WaitVisible(`#doc-richtlinie-mobile-geraete`),
		chromedp.Text(`#doc-richtlinie-mobile-geraete`, &doc, chromedp.ByQuery),
		// Archive, after the question.
		chromedp.Navigate(srv.URL+"/toms"),
		chromedp.WaitVisible(`#tom-standard-gruppenverwaltung`),
		chromedp.Click(`#tom-standard-gruppenverwaltung a[href$="/archive?lang=de"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#question`),
		chromedp.Text(`#question`, &question, chromedp.ByQuery),
		shot(t, "23-tom-archive-confirm"),
		chromedp.Click(`#confirm`),
		chromedp.WaitVisible(`.flash`),
		chromedp.Text(`main`, &afterArchive, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(list, "Festplattenverschlüsselung der Notebooks") || !strings.Contains(list, "IT-Leitung") || !strings.Contains(list, "Zugangskontrolle") {
		t.Errorf("new measure in the list: %q", list)
	}
	if !strings.Contains(edited, "Geschäftsführung") || !strings.Contains(edited, "Intune-Bericht") {
		t.Errorf("edited measure: %q", edited)
	}
	if uncatBefore != "8" || uncatAfter != "7" {
		t.Errorf("uncategorised measures: %s before, %s after filing one", uncatBefore, uncatAfter)
	}
	if visible != "Festplattenverschlüsselung der Notebooks" {
		t.Errorf("the picker's search shows %q", visible)
	}
	if checked != "true" {
		t.Errorf("the picked measure is not ticked: %s", checked)
	}
	if !strings.Contains(detail, "Festplattenverschlüsselung der Notebooks") {
		t.Errorf("the activity does not list the linked measure: %.500s", detail)
	}
	if !strings.Contains(doc, "Richtlinie für mobile Geräte") || !strings.Contains(doc, "Smartphones") {
		t.Errorf("document: %q", doc)
	}
	if usedIn != "Verwendet in: Kundenverwaltung" {
		t.Errorf("the measure's list entry says %q", usedIn)
	}
	if !strings.Contains(question, "Standard-Gruppenverwaltung") {
		t.Errorf("archive question: %q", question)
	}
	if strings.Contains(afterArchive, "Standard-Gruppenverwaltung") || !strings.Contains(afterArchive, "Archiviert.") {
		t.Errorf("after archiving: %.300s", afterArchive)
	}
	// The link is the measure's id, stored once, in the activity.
	_, body := call(t, "GET", srv.URL+"/api/v1/activities/kundenverwaltung", "", srv.tokens["auditor"])
	if !strings.Contains(string(body), `"`+id+`"`) {
		t.Errorf("activity toms: %.600s", body)
	}
	_, body = call(t, "GET", srv.URL+"/api/v1/toms/automatische-updates-aktivieren", "", srv.tokens["auditor"])
	if !strings.Contains(string(body), `"category":"integrity"`) {
		t.Errorf("filed measure: %.300s", body)
	}
}

// workbenchPages are the pages a signed-in editor can open, with the
// demo's entries: the phone and language walks go over all of them.
var workbenchPages = []string{
	"/", "/activities", "/activities?q=kunden&status=draft", "/activities/new", "/activities/kundenverwaltung",
	"/activities/kundenverwaltung/edit", "/activities/kundenverwaltung/archive", "/toms", "/toms/new",
	"/toms/automatische-updates-aktivieren/edit", "/toms/automatische-updates-aktivieren/archive",
	"/documents/new", "/documents/notfallanweisungen-fuer-webserver/edit", "/documents/notfallanweisungen-fuer-webserver/archive",
	"/findings", "/findings?severity=warning&rule=legal-basis-missing", "/systems", "/systems/shop-datenbank", "/systems/new", "/systems/shop-datenbank/edit", "/systems/shop-datenbank/archive",
	"/systems/shop-datenbank/tables/new", "/systems/shop-datenbank/tables/new?table=newsletter_subscribers", "/systems/shop-datenbank/tables/0/edit",
	"/systems/shop-datenbank/tables/1/remove", "/systems?run=run-demo", "/requests", "/requests?show=overdue", "/requests?show=all", "/requests/new",
	"/requests/r-walk", "/requests/r-walk/report", "/history", "/history/activity/kundenverwaltung/1", "/import", "/controller", "/account",
	"/activities/gibt-es-nicht", "/consents",
}

// TestBrowserPhoneNoSideways: at 390 px no page is wider than the
// screen (long German words wrap or hyphenate; stacked tables fit).
func TestBrowserPhoneNoSideways(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := newBrowser(t)
	defer cancel()
	if err := chromedp.Run(ctx, login(srv.URL, "editor-user", srv.pw), chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	for i, p := range workbenchPages {
		var width, wide string
		err := chromedp.Run(ctx,
			chromedp.Navigate(srv.URL+p),
			chromedp.WaitVisible(`main h1`),
			chromedp.Evaluate(`String(document.documentElement.scrollWidth)`, &width),
			// What sticks out, for the message.
			chromedp.Evaluate(`[...document.querySelectorAll("main *")].filter(e => e.getBoundingClientRect().right > 391).slice(0, 3).map(e => e.tagName + "." + e.className + ": " + (e.textContent || "").trim().slice(0, 40)).join(" | ")`, &wide),
			shot(t, fmt.Sprintf("30-phone-%02d", i)),
		)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if width != "390" {
			t.Errorf("%s is %s px wide at 390 px: %s", p, width, wide)
		}
	}
}

// editWorkbook exports the register as XLSX and changes cells: for each
// sheet, the row whose first column is key gets value in the column
// headed header.
func editWorkbook(t *testing.T, srv *fixture, path string, edits ...[4]string) {
	t.Helper()
	resp, body := call(t, "GET", srv.URL+"/api/v1/export?format=xlsx&lang=de", "", srv.tokens["auditor"])
	if resp.StatusCode != 200 {
		t.Fatalf("export: %d", resp.StatusCode)
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range edits {
		sheet, key, header, value := e[0], e[1], e[2], e[3]
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		col := slices.Index(rows[0], header)
		row := slices.IndexFunc(rows, func(r []string) bool { return len(r) > 0 && r[0] == key })
		if col < 0 || row < 0 {
			t.Fatalf("no cell %s/%s/%s", sheet, key, header)
		}
		cell, _ := excelize.CoordinatesToCellName(col+1, row+1)
		if err := f.SetCellStr(sheet, cell, value); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserReviewedImport: a workbook exported, one cell changed in
// Excel, uploaded: the preview shows exactly that change in German, the
// confirmation writes only it, and the history tells it in German. A
// second upload with two changes, one unticked, writes the other only.
func TestBrowserReviewedImport(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := newBrowser(t)
	defer cancel()
	dir := t.TempDir()
	one := filepath.Join(dir, "verzeichnis.xlsx")
	editWorkbook(t, srv, one, [4]string{"Verarbeitungstätigkeiten", "kundenverwaltung", "Zwecke der Verarbeitung", "Verwaltung von Kundendaten\nKundenbetreuung per Telefon"})
	_, before, _ := srv.store.FindRevisions(t.Context(), register.RevisionFilter{})
	var items, preview, counts, revision, history string
	err := chromedp.Run(ctx,
		login(srv.URL, "editor-user", srv.pw),
		chromedp.EmulateViewport(1400, 900),
		chromedp.Navigate(srv.URL+"/import"),
		chromedp.WaitVisible(`#file`),
		chromedp.SetUploadFiles(`#file`, []string{one}, chromedp.ByQuery),
		chromedp.Submit(`#file`),
		chromedp.WaitVisible(`#confirm`),
		chromedp.Evaluate(`String(document.querySelectorAll("ul.preview > li").length)`, &items),
		chromedp.Text(`ul.preview`, &preview, chromedp.ByQuery),
		chromedp.Text(`#counts`, &counts, chromedp.ByQuery),
		shot(t, "40-import-preview"),
		chromedp.EmulateViewport(390, 844),
		shot(t, "40-import-preview-phone"),
		chromedp.EmulateViewport(1400, 900),
		chromedp.Click(`#confirm`),
		chromedp.WaitVisible(`.flash`),
		chromedp.Navigate(srv.URL+"/history?entity=activity&id=kundenverwaltung"),
		chromedp.WaitVisible(`table.history`),
		chromedp.Text(`main`, &history, chromedp.ByQuery),
		shot(t, "41-history"),
		chromedp.Click(`table.history tbody tr:first-child a`, chromedp.ByQuery),
		chromedp.WaitVisible(`#rev-meta`),
		chromedp.Text(`main`, &revision, chromedp.ByQuery),
		shot(t, "42-revision"),
		chromedp.EmulateViewport(390, 844),
		shot(t, "42-revision-phone"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if items != "1" || !strings.Contains(preview, "Kundenverwaltung") || !strings.Contains(preview, "Zwecke der Verarbeitung") ||
		!strings.Contains(preview, "Kundenbetreuung per Telefon") || strings.Contains(preview, "Verwaltung von Kundendaten") {
		t.Errorf("preview (%s entries): %s", items, preview)
	}
	if counts != "Würde anlegen: 0, ändern: 1, unverändert lassen: 40" {
		t.Errorf("counts: %q", counts)
	}
	_, after, _ := srv.store.FindRevisions(t.Context(), register.RevisionFilter{})
	if after != before+1 {
		t.Errorf("the confirmation wrote %d revisions, want 1", after-before)
	}
	a, _ := srv.store.FindActivityByID(t.Context(), "kundenverwaltung")
	if strings.Join(a.Purposes, "|") != "Verwaltung von Kundendaten|Kundenbetreuung per Telefon" {
		t.Errorf("purposes: %q", a.Purposes)
	}
	for _, want := range []string{"Verarbeitungstätigkeit: Kundenverwaltung", "geändert", "editor-user", "Zwecke der Verarbeitung", "Kundenbetreuung per Telefon", "MEZ"} {
		if !strings.Contains(revision, want) {
			t.Errorf("revision page lacks %q: %s", want, revision)
		}
	}
	for _, raw := range []string{"purposes", "update", "[", "{", "user:"} {
		if strings.Contains(revision, raw) || strings.Contains(history, raw) {
			t.Errorf("raw %q on the history pages: %s\n%s", raw, history, revision)
		}
	}

	// Two changes, one of them unticked.
	two := filepath.Join(dir, "zwei.xlsx")
	editWorkbook(t, srv, two,
		[4]string{"Verarbeitungstätigkeiten", "werbemassnahmen-zur-kundengewinnung", "Verantwortliche Fachabteilung", "Marketing"},
		[4]string{"TOM", "kundendatenbank-absichern", "Verantwortlich", "IT-Dienstleister"})
	err = chromedp.Run(ctx,
		chromedp.EmulateViewport(1400, 900),
		chromedp.Navigate(srv.URL+"/import"),
		chromedp.WaitVisible(`#file`),
		chromedp.SetUploadFiles(`#file`, []string{two}, chromedp.ByQuery),
		chromedp.Submit(`#file`),
		chromedp.WaitVisible(`#confirm`),
		chromedp.Evaluate(`String(document.querySelectorAll("ul.preview > li").length)`, &items),
		chromedp.Click(`input[value="measure/kundendatenbank-absichern"]`, chromedp.ByQuery),
		shot(t, "43-import-untick"),
		chromedp.Click(`#confirm`),
		chromedp.WaitVisible(`.flash`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if items != "2" {
		t.Errorf("second preview lists %s entries, want 2", items)
	}
	if a, _ := srv.store.FindActivityByID(t.Context(), "werbemassnahmen-zur-kundengewinnung"); a.Department != "Marketing" {
		t.Errorf("the ticked change was not written: %q", a.Department)
	}
	if m, _ := srv.store.FindMeasureByID(t.Context(), "kundendatenbank-absichern"); m.Owner != "" || m.Version != 1 {
		t.Errorf("the unticked change was written: %q v%d", m.Owner, m.Version)
	}
}

// TestBrowserFindings: the dashboard's warning count opens the findings
// page with exactly those findings; a rule filter narrows them; "Beheben"
// leads to the field on the form; the missing DPO is on the dashboard.
func TestBrowserFindings(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := newBrowser(t)
	defer cancel()
	var filtered, dash, cardNum, count, rules, fixURL, focused string
	var sevs []string
	err := chromedp.Run(ctx,
		login(srv.URL, "editor-user", srv.pw),
		chromedp.EmulateViewport(1400, 900),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(`#card-warnings`),
		chromedp.Text(`main`, &dash, chromedp.ByQuery),
		chromedp.Text(`#card-warnings .num`, &cardNum, chromedp.ByQuery),
		chromedp.Click(`#card-warnings`),
		chromedp.WaitVisible(`#fs-count`),
		chromedp.Text(`#fs-count`, &count, chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll(".findlist > li .badge")].map(e => e.textContent)`, &sevs),
		shot(t, "50-findings"),
		chromedp.EmulateViewport(390, 844),
		shot(t, "50-findings-phone"),
		chromedp.EmulateViewport(1400, 900),
		chromedp.SetValue(`#fs-rule`, "legal-basis-missing", chromedp.ByQuery),
		chromedp.Click(`#fs-filter`),
		// The filtered page marks the rule chosen (the old page had it
		// only set by script).
		chromedp.WaitReady(`#fs-rule option[selected][value="legal-basis-missing"]`),
		chromedp.Location(&filtered),
		chromedp.Evaluate(`[...new Set([...document.querySelectorAll(".findlist > li strong")].map(e => e.textContent))].join("|")`, &rules),
		chromedp.Click(`.findlist a.fix`, chromedp.ByQuery),
		chromedp.WaitVisible(`#f-legal_bases`),
		chromedp.Location(&fixURL),
		chromedp.Evaluate(`document.querySelector(location.hash) ? location.hash : "none"`, &focused),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dash, "Kein DSB benannt") {
		t.Errorf("the dashboard does not say that no DPO is named: %.600s", dash)
	}
	if count != cardNum+" Befunde" {
		t.Errorf("the card says %s warnings, the page %q", cardNum, count)
	}
	for _, s := range sevs {
		if s != "Warnung" {
			t.Errorf("a %q on the page of warnings", s)
		}
	}
	if rules != "Rechtsgrundlage fehlt" {
		t.Errorf("rule filter (%s) shows %q", filtered, rules)
	}
	if !strings.Contains(fixURL, "/edit") || focused != "#f-legal_bases" {
		t.Errorf("Beheben led to %s (%s)", fixURL, focused)
	}
}

// TestBrowserFormErrors: the browser refuses an activity without a name;
// the server, asked anyway, reports every problem of the submit at once,
// each beside its field, the missing name on the name field, and a
// malformed e-mail and phone.
func TestBrowserFormErrors(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := newBrowser(t)
	defer cancel()
	var missing, summary, nameErr, mailErr, phoneErr, kindErr, url string
	err := chromedp.Run(ctx,
		login(srv.URL, "editor-user", srv.pw),
		chromedp.EmulateViewport(1400, 900),
		chromedp.Navigate(srv.URL+"/activities/new"),
		chromedp.WaitVisible(`#f-name`),
		chromedp.Click(`#save`),
		chromedp.Evaluate(`String(document.querySelector("#f-name").validity.valueMissing)`, &missing),
		chromedp.Location(&url),
		// Past the browser's check, as a client without one would post.
		chromedp.Evaluate(`document.querySelector("form.artform").noValidate = true`, nil),
		chromedp.SetValue(`#f-contact_phone`, "bitte anrufen", chromedp.ByQuery),
		chromedp.SetValue(`#f-recipients`, "Steuerbüro | Steuerberater", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("#f-contact_email").type = "text"`, nil),
		chromedp.SetValue(`#f-contact_email`, "info(at)firma.de", chromedp.ByQuery),
		chromedp.Click(`#save`),
		chromedp.WaitVisible(`#errors`),
		chromedp.Text(`#errors`, &summary, chromedp.ByQuery),
		chromedp.Text(`#e-name`, &nameErr, chromedp.ByQuery),
		chromedp.Text(`#e-contact_email`, &mailErr, chromedp.ByQuery),
		chromedp.Text(`#e-contact_phone`, &phoneErr, chromedp.ByQuery),
		chromedp.Text(`#e-recipients`, &kindErr, chromedp.ByQuery),
		shot(t, "60-form-errors"),
		chromedp.EmulateViewport(390, 844),
		shot(t, "60-form-errors-phone"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if missing != "true" || !strings.HasSuffix(url, "/activities/new") {
		t.Errorf("the browser let an activity without a name go (%s, at %s)", missing, url)
	}
	if !strings.Contains(nameErr, "Bezeichnung") || !strings.Contains(mailErr, "E-Mail-Adresse") || !strings.Contains(phoneErr, "Telefonnummer") ||
		!strings.Contains(kindErr, "Art des Empfängers") {
		t.Errorf("field errors: name %q, e-mail %q, phone %q, recipients %q", nameErr, mailErr, phoneErr, kindErr)
	}
	for _, want := range []string{"Bezeichnung der Verarbeitungstätigkeit", "Telefon", "E-Mail", "Kategorien von Empfängern"} {
		if !strings.Contains(summary, want) {
			t.Errorf("the summary lacks %q: %s", want, summary)
		}
	}
}

// TestBrowserPhoneTablesKeepLabels: on a phone, tables stack their cells
// and every cell says what it is.
func TestBrowserPhoneTablesKeepLabels(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := newBrowser(t)
	defer cancel()
	if err := chromedp.Run(ctx, login(srv.URL, "editor-user", srv.pw), chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/", "/activities", "/history", "/history/activity/kundenverwaltung/1"} {
		var unlabelled string
		err := chromedp.Run(ctx,
			chromedp.Navigate(srv.URL+p),
			chromedp.WaitVisible(`main h1`),
			// A stacked body cell without a label of its own (its
			// column heading is hidden on a phone).
			chromedp.Evaluate(`[...document.querySelectorAll("main tbody td")].filter(td => getComputedStyle(td).display === "block" && !td.dataset.label && !td.closest("table.record")).length + ""`, &unlabelled),
		)
		if err != nil {
			t.Fatal(err)
		}
		if unlabelled != "0" {
			t.Errorf("%s: %s stacked cells without a label", p, unlabelled)
		}
	}
}

// TestBrowserKeysAndErasure: an admin sees the vault's keys, finds a
// person by a differently written address, and erases them after a
// question; afterwards no one is found, and the reads are in the audit
// log.
func TestBrowserKeysAndErasure(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := newBrowser(t)
	defer cancel()
	var status, found, question, after, width string
	err := chromedp.Run(ctx,
		login(srv.URL, "admin-user", srv.pw),
		chromedp.EmulateViewport(1400, 900),
		chromedp.Navigate(srv.URL+"/keys"),
		chromedp.WaitVisible(`#key-status`),
		chromedp.Text(`#key-status`, &status, chromedp.ByQuery),
		chromedp.SetValue(`#s-kind`, "email", chromedp.ByQuery),
		chromedp.SendKeys(`#s-value`, "WALK@Example.org"),
		chromedp.Click(`#s-find`),
		chromedp.WaitVisible(`#found`),
		chromedp.Text(`#found`, &found, chromedp.ByQuery),
		shot(t, "70-keys"),
		chromedp.EmulateViewport(390, 844),
		chromedp.Evaluate(`String(document.documentElement.scrollWidth)`, &width),
		shot(t, "70-keys-phone"),
		chromedp.EmulateViewport(1400, 900),
		chromedp.Click(`#shred-s-walk`),
		chromedp.WaitVisible(`#question`),
		chromedp.Text(`#question`, &question, chromedp.ByQuery),
		shot(t, "71-shred-confirm"),
		chromedp.Click(`#confirm`),
		chromedp.WaitVisible(`.flash`),
		chromedp.SendKeys(`#s-value`, "walk@example.org"),
		chromedp.Click(`#s-find`),
		chromedp.WaitVisible(`#found-none`),
		chromedp.Text(`#found-none`, &after, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(status, "Schlüssel-Verschlüsselungsschlüssel") || !strings.Contains(status, "1 Person") {
		t.Errorf("status: %q", status)
	}
	if !strings.Contains(found, "s-walk") || !strings.Contains(found, "E-Mail: walk@example.org") {
		t.Errorf("found: %q", found)
	}
	if width != "390" {
		t.Errorf("the keys page is %s px wide on a phone", width)
	}
	if !strings.Contains(question, "s-walk") || after != "Niemand gefunden." {
		t.Errorf("question %q, after %q", question, after)
	}
	s, err := srv.store.FindSubject(t.Context(), "s-walk")
	if err != nil || !s.Shredded || s.WrappedKey != nil {
		t.Errorf("after the erasure: %+v %v", s, err)
	}
	for _, a := range []string{"subject.lookup", "subject.read", "subject.shred"} {
		es, _, _ := srv.store.FindAudit(t.Context(), audit.Filter{Action: a})
		if len(es) == 0 || !strings.HasPrefix(es[0].Actor, "user:admin-user") {
			t.Errorf("%s not audited: %+v", a, es)
		}
	}

	// A contact person of the register, moved into the vault as gdpr
	// serve does at start: found by e-mail, with the places that name them.
	if _, _, err := srv.app.SealPeople(app.System(t.Context(), "vault")); err != nil {
		t.Fatal(err)
	}
	var person string
	err = chromedp.Run(ctx,
		chromedp.Navigate(srv.URL+"/keys"),
		chromedp.WaitVisible(`#s-value`),
		chromedp.SetValue(`#s-kind`, "email", chromedp.ByQuery),
		chromedp.SendKeys(`#s-value`, "Info@Allegro-IT.de"),
		chromedp.Click(`#s-find`),
		chromedp.WaitVisible(`#found`),
		chromedp.Text(`#found`, &person, chromedp.ByQuery),
		shot(t, "73-keys-person"),
		chromedp.EmulateViewport(390, 844),
		chromedp.Evaluate(`String(document.documentElement.scrollWidth)`, &width),
		shot(t, "73-keys-person-phone"),
		chromedp.EmulateViewport(1400, 900),
	)
	if err != nil {
		t.Fatal(err)
	}
	if width != "390" {
		t.Errorf("the person found is %s px wide on a phone", width)
	}
	if !strings.Contains(person, "Thomas H. Grimm") || !strings.Contains(person, "Ansprechpartner von „Kundenverwaltung“") {
		t.Errorf("the person found: %q", person)
	}
	// Erased there, the person is "[gelöscht]" in the activity and its
	// history.
	var detail, history string
	err = chromedp.Run(ctx,
		chromedp.Click(`#found a.button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#confirm`),
		chromedp.Click(`#confirm`),
		chromedp.WaitVisible(`.flash`),
		chromedp.Navigate(srv.URL+"/activities/kundenverwaltung"),
		chromedp.WaitVisible(`main`),
		chromedp.Text(`main`, &detail, chromedp.ByQuery),
		shot(t, "74-activity-erased-contact"),
		chromedp.Navigate(srv.URL+"/history?kind=activity&id=kundenverwaltung"),
		chromedp.WaitVisible(`main`),
		chromedp.Text(`main`, &history, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(detail, "[gelöscht]") || strings.Contains(detail, "Thomas H. Grimm 02951") || strings.Contains(detail, "9336991") {
		t.Errorf("the activity after the erasure: %q", detail)
	}
	if strings.Contains(history, "9336991") {
		t.Errorf("the history after the erasure: %q", history)
	}

	// The log: checked now, it verifies; after someone rewrote a
	// revision in the database, the check names it.
	var logStatus, ok, problems, lastCheck string
	err = chromedp.Run(ctx,
		chromedp.Navigate(srv.URL+"/keys"),
		chromedp.WaitVisible(`#log-status`),
		chromedp.Text(`#log-status`, &logStatus, chromedp.ByQuery),
		chromedp.Click(`#log-verify`),
		chromedp.WaitVisible(`#log-ok`),
		chromedp.Text(`#log-ok`, &ok, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", srv.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{`DROP TRIGGER revisions_no_update`, `UPDATE revisions SET changes = '[]' WHERE entity = 'activity' AND entity_id = 'kundenverwaltung' AND version = 1`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	err = chromedp.Run(ctx,
		chromedp.Click(`#log-verify`),
		chromedp.WaitVisible(`#log-problems`),
		chromedp.Text(`#log-problems`, &problems, chromedp.ByQuery),
		chromedp.Text(`#log-status`, &lastCheck, chromedp.ByQuery),
		shot(t, "72-keys-log"),
		chromedp.EmulateViewport(390, 844),
		chromedp.Evaluate(`String(document.documentElement.scrollWidth)`, &width),
		shot(t, "72-keys-log-phone"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logStatus, "signiert am") || !strings.Contains(ok, "keine Abweichung") {
		t.Errorf("log status %q, check %q", logStatus, ok)
	}
	if !strings.Contains(problems, "Version 1 der Verarbeitungstätigkeit „kundenverwaltung“: Inhalt geändert") || !strings.Contains(problems, "Trigger") {
		t.Errorf("problems: %q", problems)
	}
	if probs := textcheck.Check(problems + "\n" + logStatus); len(probs) > 0 {
		t.Errorf("the log's findings in German: %v", probs)
	}
	if !strings.Contains(lastCheck, "Abweichungen gefunden") || width != "390" {
		t.Errorf("after the check: %q, %s px", lastCheck, width)
	}
}
