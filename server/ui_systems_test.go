package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"gdpr/auth"
	"gdpr/register"
)

// TestUISystemForms: the mapping editor without a browser: a system made
// on its form (a bad variable name refused at its field, nothing
// written), a table mapped from the database's own columns, a stale form
// refused with 409, a mapping removed; the register then holds exactly
// what the forms said.
func TestUISystemForms(t *testing.T) {
	srv := newServer(t)
	c, csrf := signIn(t, srv, "editor-user")
	sys := func(id string) register.System {
		t.Helper()
		_, body := call(t, "GET", srv.URL+"/api/v1/systems/"+id, "", srv.tokens[auth.Auditor])
		var x register.System
		if err := json.Unmarshal(body, &x); err != nil {
			t.Fatal(err, string(body))
		}
		return x
	}
	form := func(v url.Values) url.Values { v.Set("csrf", csrf); return v }
	resp, page := postForm(t, c, srv.URL+"/systems/new", form(url.Values{"name": {"CRM"}, "engine": {"postgres"}, "dsn_env": {"CRM DSN"},
		"backup_name0": {"Nachtsicherung"}, "backup_every0": {"P1D"}, "backup_keep0": {"P2W"}}))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="e-dsn_env"`) || !strings.Contains(page, "kein Name einer Umgebungsvariablen") ||
		!strings.Contains(page, `value="Nachtsicherung"`) {
		t.Fatalf("bad variable: %d %s", resp.StatusCode, page)
	}
	if r, _ := call(t, "GET", srv.URL+"/api/v1/systems/crm", "", srv.tokens[auth.Auditor]); r.StatusCode != http.StatusNotFound {
		t.Fatalf("a refused form wrote the system: %d", r.StatusCode)
	}
	resp, _ = postForm(t, c, srv.URL+"/systems/new", form(url.Values{"name": {"CRM"}, "engine": {"postgres"}, "dsn_env": {"CRM_DSN"}, "status": {"draft"},
		"backup_name0": {"Nachtsicherung"}, "backup_every0": {"P1D"}, "backup_keep0": {"P2W"}, "backup_name1": {""}, "backup_keep1": {"P7D"}}))
	if resp.Request.URL.Path != "/systems/crm" {
		t.Fatalf("after create at %s", resp.Request.URL)
	}
	if x := sys("crm"); x.DSNEnv != "CRM_DSN" || x.Status != register.StatusDraft || len(x.Backups) != 1 || x.Backups[0].Keep.String() != "P14D" && x.Backups[0].Keep.String() != "P2W" {
		t.Errorf("the new system: %+v", x)
	}
	// The table form lists the database's columns (the demo shop answers).
	_, page = get(t, c, srv.URL+"/systems/shop-datenbank/tables/new?table=newsletter_subscribers")
	for _, want := range []string{`>address</code>`, `>subscribed_at</code>`, `list="db-tables"`, `<option value="newsletter_subscribers">`, "Vertragsende"} {
		if !strings.Contains(page, want) {
			t.Errorf("the table form lacks %s", want)
		}
	}
	before := sys("shop-datenbank")
	// The rows as the page numbers them: find the row of each column.
	row := func(page, col string) string {
		i := strings.Index(page, `value="`+col+`"><input type="hidden" name="indb`)
		if i < 0 {
			t.Fatalf("no row for %s", col)
		}
		j := strings.LastIndex(page[:i], `name="col`)
		return page[j+len(`name="col`) : i-2]
	}
	v := url.Values{"name": {"newsletter_subscribers"}, "activity": {"kundenverwaltung"}, "version": {"1"}, "action": {"delete"},
		"event_signup": {"subscribed_at"}}
	v.Set("version", strings.TrimSpace(strings.Split(strings.Split(page, `name="version" value="`)[1], `"`)[0]))
	for _, col := range []string{"id", "address", "confirmed_from", "subscribed_at"} {
		n := row(page, col)
		v.Set("col"+n, col)
		v.Set("indb"+n, "1")
		switch col {
		case "id":
			v.Set("key"+n, "on")
		case "address":
			v.Set("cat"+n, "E-Mail-Adresse")
			v.Set("key"+n, "on")
		case "confirmed_from":
			v.Set("cat"+n, "IP-Adresse")
		}
	}
	resp, _ = postForm(t, c, srv.URL+"/systems/shop-datenbank/tables/new", form(v))
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/systems/shop-datenbank" {
		t.Fatalf("map the table: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	x := sys("shop-datenbank")
	nl, ok := x.Table("newsletter_subscribers")
	if !ok || nl.Columns["address"] != "E-Mail-Adresse" || nl.Columns["confirmed_from"] != "IP-Adresse" || len(nl.Columns) != 2 ||
		strings.Join(nl.SubjectKey, ",") != "id,address" || nl.Events["signup"] != "subscribed_at" || nl.Action != "" || nl.Activity != "kundenverwaltung" {
		t.Errorf("the mapped table: %+v", nl)
	}
	if len(x.Tables) != len(before.Tables)+1 || x.Version != before.Version+1 {
		t.Errorf("tables %d -> %d, version %d -> %d", len(before.Tables), len(x.Tables), before.Version, x.Version)
	}
	// The same form again, on the version it was read at: a conflict.
	resp, page = postForm(t, c, srv.URL+"/systems/shop-datenbank/tables/0/edit", form(url.Values{"name": {"access_log"}, "version": {v.Get("version")}}))
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, `id="conflict"`) {
		t.Errorf("stale form: %d", resp.StatusCode)
	}
	// A flagging table without a flag column is refused at its field.
	resp, page = postForm(t, c, srv.URL+"/systems/shop-datenbank/tables/0/edit", form(url.Values{"name": {"access_log"}, "action": {"flag"},
		"version": {itoa(x.Version)}, "col0": {"ip"}, "cat0": {"IP-Adressen"}}))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="e-flag"`) {
		t.Errorf("flag without column: %d", resp.StatusCode)
	}
	if y := sys("shop-datenbank"); y.Version != x.Version {
		t.Error("a refused table form wrote")
	}
	// Remove the mapping again: the system's history keeps it.
	i := len(x.Tables) - 1
	resp, _ = postForm(t, c, srv.URL+"/systems/shop-datenbank/tables/"+itoa(i)+"/remove", form(url.Values{"version": {itoa(x.Version)}}))
	if resp.Request.URL.Query().Get("done") != "saved" {
		t.Errorf("remove ended at %s", resp.Request.URL)
	}
	if y := sys("shop-datenbank"); len(y.Tables) != len(before.Tables) {
		t.Errorf("after removing: %d tables", len(y.Tables))
	}
	if r, _ := get(t, c, srv.URL+"/systems/shop-datenbank/tables/99/edit"); r != http.StatusNotFound {
		t.Errorf("table 99: %d", r)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
