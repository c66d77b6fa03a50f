package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"gdpr/register"
)

// TestBrowserSweep: the admin previews the sweep (what is due per table,
// keys masked), starts it, the page follows its run until it ends and
// says what it did; the run is in the list of runs; the protocol is a
// link away.
func TestBrowserSweep(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := newBrowser(t)
	defer cancel()
	var preview, done, runs string
	err := chromedp.Run(ctx,
		login(srv.URL, "admin-user", srv.pw),
		chromedp.Navigate(srv.URL+"/systems"),
		chromedp.WaitVisible(`#sweep-preview`),
		chromedp.Click(`#sweep-preview`),
		chromedp.WaitVisible(`#sweep-result`),
		chromedp.Text(`#sweep`, &preview, chromedp.ByQuery),
		shot(t, "86-sweep-preview"),
		chromedp.EmulateViewport(390, 844),
		shot(t, "87-sweep-preview-phone"),
		chromedp.EmulateViewport(1400, 900),
		chromedp.Click(`#sweep-run`),
		chromedp.WaitVisible(`#sweep-protocol`),
		chromedp.Text(`#sweep`, &done, chromedp.ByQuery),
		chromedp.Text(`#runs-list`, &runs, chromedp.ByQuery),
		shot(t, "88-sweep-done"),
	)
	if err != nil {
		t.Fatal(err)
	}
	// The demo's access log: 50 days of it, "nach 30 Tagen"; customers'
	// rule names no start event.
	for _, want := range []string{"Der Löschlauf würde", "access_log", "IP-Adressen nach 30 Tagen", "Zeile löschen", "übersprungen", "z. B."} {
		if !strings.Contains(preview, want) {
			t.Errorf("preview lacks %q: %s", want, preview)
		}
	}
	if strings.Contains(preview, "203.0.113.") {
		t.Error("the preview shows a key unmasked")
	}
	if !strings.Contains(done, "Der Löschlauf hat") || !strings.Contains(done, "Löschprotokoll") || !strings.Contains(done, "ist fertig") {
		t.Errorf("after the sweep: %s", done)
	}
	if !strings.Contains(runs, "Löschlauf") || !strings.Contains(runs, "user:admin-user") || !strings.Contains(runs, "fertig") || !strings.Contains(runs, "2 von 2 Tabellen") {
		t.Errorf("the runs: %s", runs)
	}
	_, body := call(t, "GET", srv.URL+"/api/v1/sweep/protocol?format=csv&from=2026-01-01", "", srv.tokens["auditor"])
	if !strings.Contains(string(body), "shop-datenbank,access_log") {
		t.Errorf("protocol: %s", body)
	}
	_, body = call(t, "GET", srv.URL+"/metrics", "", srv.tokens["auditor"])
	for _, want := range []string{`gdpr_sweep_rows_total{action="delete",system="shop-datenbank",table="access_log"}`, `gdpr_sweep_rows_examined_total{system="shop-datenbank",table="access_log"}`,
		`gdpr_sweep_batch_duration_seconds_count{system="shop-datenbank",table="access_log"}`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(string(body), "203.0.113.") {
		t.Error("/metrics shows a row's value")
	}
}

// TestBrowserSystemScan: the DPO's view of a system: its mapping, a scan
// of the real database that shows what the register lacks (no value
// shown), and the tables found taken over as a draft, which the lint then
// asks to assign.
func TestBrowserSystemScan(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := newBrowser(t)
	defer cancel()
	var list, live, detail, result, phone, after, holds string
	err := chromedp.Run(ctx,
		login(srv.URL, "editor-user", srv.pw),
		chromedp.Click(`nav.main a[href^="/systems"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#systems`),
		chromedp.Text(`main`, &list, chromedp.ByQuery),
		chromedp.Click(`#live-scan`),
		chromedp.Click(`#live-check`),
		chromedp.WaitVisible(`#live-findings`),
		chromedp.Text(`#live-findings`, &live, chromedp.ByQuery),
		shot(t, "84-live-check"),
		chromedp.Navigate(srv.URL+"/systems"),
		chromedp.WaitVisible(`#systems`),
		chromedp.Click(`#systems a[href^="/systems/shop-datenbank"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#table-0`),
		chromedp.Text(`main`, &detail, chromedp.ByQuery),
		shot(t, "80-system"),
		chromedp.Click(`#scan`),
		chromedp.WaitVisible(`#scan-result`),
		chromedp.Text(`#h-scan + p + form + p + table, #scan-result`, &result, chromedp.ByQuery),
		shot(t, "81-scan"),
		chromedp.EmulateViewport(390, 844),
		chromedp.Evaluate(`String(document.documentElement.scrollWidth)`, &phone),
		shot(t, "82-scan-phone"),
		chromedp.EmulateViewport(1400, 900),
		// A hold first: customer 3 stays, whatever the sweeps say.
		chromedp.SetValue(`#h-table`, "customers"),
		chromedp.SendKeys(`#h-column`, "id"),
		chromedp.SendKeys(`#h-value`, "3"),
		chromedp.SendKeys(`#h-reason`, "Rechtsstreit vor dem Amtsgericht"),
		chromedp.Click(`#hold-add`),
		chromedp.WaitVisible(`p.flash`),
		chromedp.Text(`#holds`, &holds, chromedp.ByQuery),
		shot(t, "85-hold"),
		chromedp.Click(`#scan`),
		chromedp.WaitVisible(`#scan-result`),
		chromedp.Click(`#scan-write`),
		chromedp.WaitVisible(`p.flash`),
		chromedp.Text(`main`, &after, chromedp.ByQuery),
		shot(t, "83-scan-written"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(holds, "Rechtsstreit vor dem Amtsgericht") || !strings.Contains(holds, "bis zur Aufhebung") || strings.Contains(holds, "Aufheben") == false {
		t.Errorf("holds: %s", holds)
	}
	if !strings.Contains(list, "Shop-Datenbank") || !strings.Contains(list, "SQLite") {
		t.Errorf("list: %.300s", list)
	}
	// The demo's access log spans 50 days; its rule keeps 30: the older
	// part is past its retention. The newsletter table is not mapped.
	for _, want := range []string{"Zeilen über die Löschfrist hinaus", "access_log", "newsletter_subscribers", "keine Verarbeitungstätigkeit angibt"} {
		if !strings.Contains(live, want) {
			t.Errorf("the live check lacks %q: %s", want, live)
		}
	}
	for _, want := range []string{"access_log", "Betrieb der Website", "IP-Adressen nach 30 Tagen", "Erhebung", "logged_at", "GDPR_DEMO_SHOP", "Tägliche Sicherung"} {
		if !strings.Contains(detail, want) {
			t.Errorf("the system's page lacks %q: %.600s", want, detail)
		}
	}
	for _, want := range []string{"newsletter_subscribers", "address", "E-Mail-Adresse", "nach Werten", "nicht zugeordnet", "customers", "phone"} {
		if !strings.Contains(result, want) {
			t.Errorf("the scan lacks %q: %s", want, result)
		}
	}
	if strings.Contains(result, "@example") || strings.Contains(result, "203.0.113") {
		t.Error("the scan shows a value")
	}
	if phone != "390" {
		t.Errorf("the scan is %s px wide at 390", phone)
	}
	if !strings.Contains(after, "als Entwurf im Verzeichnis") || !strings.Contains(after, "newsletter_subscribers") || !strings.Contains(after, "gehört zu keiner Verarbeitungstätigkeit") {
		t.Errorf("after taking the tables over: %.800s", after)
	}
	_, body := call(t, "GET", srv.URL+"/api/v1/systems/shop-datenbank", "", srv.tokens["auditor"])
	var x register.System
	json.Unmarshal(body, &x)
	nl, ok := x.Table("newsletter_subscribers")
	if x.Status != register.StatusDraft || !ok || nl.Columns["address"] != "E-Mail-Adresse" || nl.Columns["confirmed_from"] != "IP-Adresse" || nl.Events["signup"] != "subscribed_at" {
		t.Errorf("the system after the scan: %+v", x)
	}
}

// TestBrowserMapping: the DPO maps a table of the database on the table
// form (its columns come from the database), changes what a sweep does to
// another table, and adds a backup on the system's form; the system's
// page shows each change and the register holds it.
func TestBrowserMapping(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := newBrowser(t)
	defer cancel()
	var page, phone string
	err := chromedp.Run(ctx,
		login(srv.URL, "editor-user", srv.pw),
		chromedp.Navigate(srv.URL+"/systems/shop-datenbank"),
		chromedp.WaitVisible(`#table-new`),
		chromedp.Click(`#table-new`),
		chromedp.WaitVisible(`#pick-table`),
		chromedp.SetValue(`#pick-table`, "newsletter_subscribers"),
		chromedp.Click(`#pick-load`),
		chromedp.WaitVisible(`input[name^="cat"][data-col="address"]`),
		chromedp.SetValue(`#f-activity`, "betrieb-der-website-und-des-onlineshops"),
		chromedp.SendKeys(`input[name^="cat"][data-col="address"]`, "E-Mail-Adresse"),
		chromedp.Click(`input[name^="key"][data-col="address"]`),
		chromedp.SendKeys(`input[name^="cat"][data-col="confirmed_from"]`, "IP-Adresse"),
		chromedp.Click(`details summary`),
		chromedp.SendKeys(`#f-event_collected`, "subscribed_at"),
		shot(t, "89-table-form"),
		chromedp.EmulateViewport(390, 844),
		chromedp.Evaluate(`String(document.documentElement.scrollWidth)`, &phone),
		shot(t, "90-table-form-phone"),
		chromedp.EmulateViewport(1400, 900),
		chromedp.Click(`#save`),
		chromedp.WaitVisible(`p.flash`),
		// The access log is to be anonymised from now on.
		chromedp.Click(`#table-edit-0`),
		chromedp.WaitVisible(`#f-action`),
		chromedp.SetValue(`#f-action`, "anonymise"),
		chromedp.Click(`#save`),
		chromedp.WaitVisible(`p.flash`),
		// A second backup, kept a month.
		chromedp.Click(`#system-edit`),
		chromedp.WaitVisible(`#backups`),
		chromedp.SendKeys(`input[name="backup_name1"]`, "Monatliche Sicherung der Datenbank"),
		chromedp.SetValue(`select[name="backup_every1"]`, "P1M"),
		chromedp.SetValue(`select[name="backup_keep1"]`, "P30D"),
		shot(t, "91-system-form"),
		chromedp.Click(`#save`),
		chromedp.WaitVisible(`p.flash`),
		chromedp.Text(`main`, &page, chromedp.ByQuery),
		shot(t, "92-system-mapped"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if phone != "390" {
		t.Errorf("the table form is %s px wide at 390", phone)
	}
	for _, want := range []string{"newsletter_subscribers", "confirmed_from", "IP-Adresse", "subscribed_at", "personenbezogene Spalten überschreiben", "Monatliche Sicherung der Datenbank", "aufbewahrt 30 Tage"} {
		if !strings.Contains(page, want) {
			t.Errorf("the system's page lacks %q: %.1500s", want, page)
		}
	}
	_, body := call(t, "GET", srv.URL+"/api/v1/systems/shop-datenbank", "", srv.tokens["auditor"])
	var x register.System
	json.Unmarshal(body, &x)
	nl, ok := x.Table("newsletter_subscribers")
	al, _ := x.Table("access_log")
	if !ok || nl.Columns["address"] != "E-Mail-Adresse" || nl.Columns["confirmed_from"] != "IP-Adresse" || len(nl.SubjectKey) != 1 || nl.SubjectKey[0] != "address" ||
		nl.Events["collected"] != "subscribed_at" || nl.Activity != "betrieb-der-website-und-des-onlineshops" || al.Action != register.SweepAnonymise ||
		len(x.Backups) != 2 || x.Backups[1].Keep.String() != "P30D" || x.Backups[1].Every.String() != "P1M" || al.Columns["ip"] != "IP-Adressen" {
		t.Errorf("the register after the forms: %s", body)
	}
}
