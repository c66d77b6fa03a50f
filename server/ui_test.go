package server_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"gdpr/app"
	"gdpr/audit"
	"gdpr/auth"
)

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, readAll(resp)
}

func postForm(t *testing.T, c *http.Client, u string, v url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	return resp, readAll(resp)
}

func TestUIFilters(t *testing.T) {
	srv := newServer(t)
	c, _ := signIn(t, srv, "auditor-user")
	for q, want := range map[string]int{"q=kunden": 3, "third_country=no": 4, "third_country=yes": 0, "status=draft": 4, "status=approved": 0, "q=zahlung&status=draft": 1} {
		_, page := get(t, c, srv.URL+"/activities?"+q)
		if got := strings.Count(page, `"><a href="/activities/`); got != want {
			t.Errorf("%s: %d rows, want %d", q, got, want)
		}
	}
}

func TestUIActivityForm(t *testing.T) {
	srv := newServer(t)
	c, csrf := signIn(t, srv, "editor-user")
	resp, page := postForm(t, c, srv.URL+"/activities/new", url.Values{"csrf": {csrf}, "name": {""}, "introduced": {"31.02.2024"},
		"recipients_none": {"on"}, "recipients": {"Steuerberater"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="e-introduced"`) || !strings.Contains(page, `id="e-recipients"`) ||
		!strings.Contains(page, `aria-invalid="true"`) {
		t.Fatalf("invalid form: %d %s", resp.StatusCode, page)
	}
	resp, _ = postForm(t, c, srv.URL+"/activities/new", url.Values{"csrf": {csrf}, "name": {"Videoüberwachung"}, "purposes": {"Schutz vor Einbruch"},
		"recipients": {"Polizei | authority"}, "retention": {"72 Stunden nach Aufzeichnung"}, "status": {"draft"}, "role": {"controller"}})
	if resp.Request.URL.Path != "/activities/videoueberwachung" {
		t.Fatalf("after create at %s", resp.Request.URL)
	}
	// The same name again gets the next free id, as the importer gives
	// it; an id given and taken is a conflict.
	resp, _ = postForm(t, c, srv.URL+"/activities/new", url.Values{"csrf": {csrf}, "name": {"Videoüberwachung"}})
	if resp.Request.URL.Path != "/activities/videoueberwachung-2" {
		t.Errorf("same name: at %s", resp.Request.URL)
	}
	resp, page = postForm(t, c, srv.URL+"/activities/new", url.Values{"csrf": {csrf}, "name": {"Kamera"}, "id": {"videoueberwachung"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, `id="e-id"`) {
		t.Errorf("duplicate id: %d", resp.StatusCode)
	}
	resp, _ = postForm(t, c, srv.URL+"/activities/videoueberwachung/edit", url.Values{"name": {"X"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("form without CSRF token: %d", resp.StatusCode)
	}
	resp, _ = postForm(t, c, srv.URL+"/activities/videoueberwachung/archive", url.Values{"csrf": {csrf}})
	if resp.Request.URL.Query().Get("done") != "archived" {
		t.Errorf("archive ended at %s", resp.Request.URL)
	}
	got := strings.Join(srv.auditLog(t, audit.Filter{Actor: "user:editor-user"}), ",")
	if !strings.Contains(got, "user:editor-user activity.archive videoueberwachung ok") || !strings.Contains(got, "user:editor-user activity.update videoueberwachung denied") ||
		!strings.Contains(got, "user:editor-user activity.create videoueberwachung failed") || !strings.Contains(got, "user:editor-user activity.create videoueberwachung ok") ||
		!strings.Contains(got, "user:editor-user activity.create - failed") {
		t.Errorf("audit of form posts: %s", got)
	}
	a, err := srv.store.FindActivityByID(t.Context(), "videoueberwachung")
	if err != nil || a.Status != "archived" || a.Recipients.Items[0].Kind != "authority" {
		t.Errorf("stored: %+v %v", a, err)
	}
	auditor, acsrf := signIn(t, srv, "auditor-user")
	resp, _ = postForm(t, auditor, srv.URL+"/activities/new", url.Values{"csrf": {acsrf}, "name": {"Y"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("auditor create: %d", resp.StatusCode)
	}
}

func TestUIReviewAndRestore(t *testing.T) {
	srv := newServer(t)
	c, csrf := signIn(t, srv, "editor-user")
	resp, _ := postForm(t, c, srv.URL+"/toms/kundendatenbank-absichern/review", url.Values{"csrf": {csrf}, "evidence": {"Prüfprotokoll 2026-11"}})
	if resp.Request.URL.Query().Get("done") != "reviewed" {
		t.Fatalf("review ended at %s", resp.Request.URL)
	}
	m, _ := srv.store.FindMeasureByID(t.Context(), "kundendatenbank-absichern")
	if m.LastReviewed == nil || m.LastReviewed.String() != "2026-11-23" || m.Evidence != "Prüfprotokoll 2026-11" {
		t.Errorf("measure %+v", m)
	}
	_, page := get(t, c, srv.URL+"/toms")
	if !strings.Contains(page, "nächste Prüfung 23.11.2027") {
		t.Error("no next-review badge")
	}
	call(t, "PUT", srv.URL+"/api/v1/activities/kundenverwaltung", `{"name":"Kundenverwaltung","purposes":["geändert"]}`, srv.tokens[auth.Editor], "If-Match", `"1"`)
	_, page = get(t, c, srv.URL+"/history/activity/kundenverwaltung/2")
	if !strings.Contains(page, "geändert") || strings.Contains(page, "Diesen Stand wiederherstellen") {
		t.Fatalf("newest revision page: %s", page)
	}
	if _, page = get(t, c, srv.URL+"/history/activity/kundenverwaltung/1"); !strings.Contains(page, "Diesen Stand wiederherstellen") {
		t.Fatalf("older revision without restore: %s", page)
	}
	resp, _ = postForm(t, c, srv.URL+"/history/activity/kundenverwaltung/1/restore", url.Values{"csrf": {csrf}})
	if resp.Request.URL.Query().Get("done") != "restored" {
		t.Fatalf("restore ended at %s", resp.Request.URL)
	}
	a, _ := srv.store.FindActivityByID(t.Context(), "kundenverwaltung")
	if a.Purposes[0] != "Verwaltung von Kundendaten" {
		t.Errorf("not restored: %v", a.Purposes)
	}
}

func upload(t *testing.T, c *http.Client, u, csrf, name, content string) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", csrf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(content))
	mw.Close()
	resp, err := c.Post(u, mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	return resp, readAll(resp)
}

var hidden = regexp.MustCompile(`name="(data|file|state)" value="([^"]*)"`)

func TestUIImport(t *testing.T) {
	srv := newServer(t)
	c, csrf := signIn(t, srv, "editor-user")
	csv := "Bezeichnung;Zwecke der Verarbeitung;Fristen für die Löschung\nNewsletter;Versand;bis zum Widerruf\n"
	resp, page := upload(t, c, srv.URL+"/import", csrf, "liste.csv", csv)
	if resp.StatusCode != 200 || !strings.Contains(page, "Würde anlegen: 1, ändern: 0, unverändert lassen: 0") {
		t.Fatalf("preview: %d %s", resp.StatusCode, page)
	}
	if _, err := srv.store.FindActivityByID(t.Context(), "newsletter"); err == nil {
		t.Fatal("the preview wrote")
	}
	v := url.Values{"csrf": {csrf}, "confirm": {"1"}}
	for _, m := range hidden.FindAllStringSubmatch(page, -1) {
		v.Set(m[1], m[2])
	}
	resp, _ = postForm(t, c, srv.URL+"/import", v)
	if resp.Request.URL.Query().Get("done") != "imported" {
		t.Fatalf("confirm ended at %s", resp.Request.URL)
	}
	if _, err := srv.store.FindActivityByID(t.Context(), "newsletter"); err != nil {
		t.Fatal("not imported")
	}
	resp, page = upload(t, c, srv.URL+"/import", csrf, "kaputt.csv", "Bezeichnung;Zweck;Datum der Einführung\nA;B;31.02.2024\n")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "kaputt.csv:2: Feld „Datum der Einführung“: ungültiges Datum „31.02.2024“") {
		t.Errorf("bad file: %d %s", resp.StatusCode, page)
	}
}

func TestUIPassword(t *testing.T) {
	srv := newServer(t)
	c, csrf := signIn(t, srv, "editor-user")
	resp, _ := postForm(t, c, srv.URL+"/account/password", url.Values{"csrf": {csrf}, "current": {"wrong"}, "new": {"a new long password"}, "repeat": {"a new long password"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("wrong current: %d", resp.StatusCode)
	}
	resp, _ = postForm(t, c, srv.URL+"/account/password", url.Values{"csrf": {csrf}, "current": {srv.pw}, "new": {"a new long password"}, "repeat": {"a new long password"}})
	if resp.Request.URL.Query().Get("done") != "password" {
		t.Fatalf("change ended at %s", resp.Request.URL)
	}
	_, hash, _ := srv.store.FindUser(t.Context(), "editor-user")
	if !auth.VerifyPassword(hash, "a new long password") {
		t.Error("password not changed")
	}
	if code, _ := get(t, c, srv.URL+"/"); code != 200 {
		t.Error("the changing session ended")
	}
}

func TestUIController(t *testing.T) {
	srv := newServer(t)
	c, csrf := signIn(t, srv, "editor-user")
	if code, page := get(t, c, srv.URL+"/controller"); code != 200 || !strings.Contains(page, `value="allegro:it"`) {
		t.Fatalf("controller page: %d", code)
	}
	resp, page := postForm(t, c, srv.URL+"/controller", url.Values{"csrf": {csrf}, "name": {""}, "version": {"1"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="e-name"`) {
		t.Errorf("empty name: %d", resp.StatusCode)
	}
	resp, _ = postForm(t, c, srv.URL+"/controller", url.Values{"csrf": {csrf}, "name": {"allegro:it"}, "address": {"Rüthener Straße 7\r\n33142 Büren"},
		"dpo_name": {"Dr. Datenschutz"}, "dpo_email": {"dsb@example.org"}, "title": {"Verzeichnis 2026"}, "version": {"1"}})
	if resp.Request.URL.Query().Get("done") != "saved" {
		t.Fatalf("save ended at %s", resp.Request.URL)
	}
	// The same form sent again (from version 1) would overwrite what was
	// just saved: refused with the conflict, nothing changes.
	resp, page = postForm(t, c, srv.URL+"/controller", url.Values{"csrf": {csrf}, "name": {"allegro:it"}, "title": {"Alt"}, "version": {"1"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, `id="conflict"`) {
		t.Errorf("stale controller form: %d", resp.StatusCode)
	}
	reg, _ := srv.app.Register(app.System(t.Context(), "test"), false)
	if reg.Controller.DPO == nil || reg.Controller.DPO.Name != "Dr. Datenschutz" || reg.Title != "Verzeichnis 2026" || reg.Controller.Address != "Rüthener Straße 7\n33142 Büren" {
		t.Errorf("controller %+v title %q", reg.Controller, reg.Title)
	}
	// The store keeps the DPO in the vault: an id, no name.
	if raw, _ := srv.store.Register(t.Context(), false); raw.Controller.DPO == nil || raw.Controller.DPO.Name != "" || raw.Controller.DPO.Subject == "" {
		t.Errorf("the DPO as stored: %+v", raw.Controller.DPO)
	}
	fs := 0
	_, body := call(t, "GET", srv.URL+"/api/v1/findings", "", srv.tokens[auth.Auditor])
	if strings.Contains(string(body), "controller-dpo-missing") {
		fs++
	}
	if fs != 0 {
		t.Error("the DPO finding is still there")
	}
}

// TestUILanguageSwitchKeepsQuery: switching the language keeps the
// filter and page of a list.
func TestUILanguageSwitchKeepsQuery(t *testing.T) {
	srv := newServer(t)
	c, _ := signIn(t, srv, "editor-user")
	resp, _ := c.Get(srv.URL + "/activities?q=kunden&status=draft&offset=0")
	page := readAll(resp)
	if !strings.Contains(page, `id="lang-switch"`) || !strings.Contains(page, `href="/activities?lang=en&amp;offset=0&amp;q=kunden&amp;status=draft"`) {
		i := strings.Index(page, "lang-switch")
		t.Errorf("switch: %s", page[max(0, i-200):i])
	}
}
