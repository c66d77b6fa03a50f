package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gdpr/internal/textcheck"
)

// TestGermanThroughout walks every page a DPO opens, the answers to
// forms that fail (validation, conflict, a broken upload), the error
// pages and the sign-in, in German: none may show an English word, a raw
// catalogue key or an internal name.
func TestGermanThroughout(t *testing.T) {
	srv := newServer(t)
	withConsent(t, srv)
	c, csrf := signIn(t, srv, "editor-user")
	check := func(what, page string) {
		t.Helper()
		if probs := textcheck.Check(textcheck.PageText(page)); len(probs) > 0 {
			t.Errorf("%s: %s", what, strings.Join(probs, "; "))
		}
	}
	pages := append(append([]string{}, workbenchPages...), "/findings?entity=measure", "/history?entity=measure&from=2026-11-01&to=2026-11-30",
		"/nothing-here", "/history/activity/kundenverwaltung/99", "/toms/gibt-es-nicht/edit")
	for _, p := range pages {
		resp, err := c.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		check(p, readAll(resp))
	}
	// Forms that fail.
	_, page := postForm(t, c, srv.URL+"/activities/new", url.Values{"csrf": {csrf}, "contact_email": {"kein-at"}, "introduced": {"31.02.2024"}, "recipients": {"Bank | irgendwas"}})
	check("invalid new activity", page)
	_, page = postForm(t, c, srv.URL+"/activities/kundenverwaltung/edit", url.Values{"csrf": {csrf}, "name": {"Kundenverwaltung"}, "version": {"99"}})
	check("conflict", page)
	_, page = postForm(t, c, srv.URL+"/toms/new", url.Values{"csrf": {csrf}, "last_reviewed": {"gestern"}})
	check("invalid new measure", page)
	_, page = postForm(t, c, srv.URL+"/activities/kundenverwaltung/edit", url.Values{"name": {"ohne Token"}})
	check("form without CSRF token", page)
	_, page = postForm(t, c, srv.URL+"/systems/new", url.Values{"csrf": {csrf}, "name": {"CRM"}, "engine": {"oracle"}, "dsn_env": {"CRM DSN"}, "backup_name0": {"Sicherung"}, "backup_keep0": {"sieben Tage"}})
	check("invalid new system", page)
	_, page = postForm(t, c, srv.URL+"/systems/shop-datenbank/tables/0/edit", url.Values{"csrf": {csrf}, "name": {"access_log"}, "action": {"flag"}, "version": {"1"},
		"col0": {"ip\x01"}, "cat0": {"IP"}, "event_collected": {"a..b"}})
	check("invalid table mapping", page)
	_, page = postForm(t, c, srv.URL+"/systems/shop-datenbank/scan", url.Values{"csrf": {csrf}, "write": {"1"}, "ref0": {"products\t"}, "d0": {"accept"}})
	check("refused scan decision", page)
	_, page = postForm(t, c, srv.URL+"/requests/new", url.Values{"csrf": {csrf}, "kind": {"erasure"}, "channel": {"letter"}, "received": {"gestern"}})
	check("invalid new request", page)
	_, page = postForm(t, c, srv.URL+"/requests/new", url.Values{"csrf": {csrf}, "kind": {"erasure"}, "channel": {"letter"}})
	check("request without a person", page)
	_, page = postForm(t, c, srv.URL+"/requests/r-walk/step", url.Values{"csrf": {csrf}, "step": {"extend"}, "version": {"1"}})
	check("extension without reasons", page)
	_, page = postForm(t, c, srv.URL+"/requests/r-walk/step", url.Values{"csrf": {csrf}, "step": {"reject"}, "version": {"99"}, "reason": {"x"}})
	check("stale step", page)
	_, page = upload(t, c, srv.URL+"/import", csrf, "kaputt.csv", "Bezeichnung;Zweck;Datum der Einführung\nA;B;31.02.2024\n")
	check("broken upload", page)
	_, page = upload(t, c, srv.URL+"/import", csrf, "liste.csv", "Bezeichnung;Zwecke der Verarbeitung;Kategorien von Empfängern\nNewsletter;Versand;Versanddienstleister (Auftragsverarbeiter)\nKundenverwaltung;Verwaltung von Kundendaten\n")
	check("import preview", page)
	_, page = upload(t, c, srv.URL+"/import", csrf, "leer.bin", "\x00\x01\x02")
	check("unreadable upload", page)
	// The admins' keys page, and a search on it.
	adm, admCSRF := signIn(t, srv, "admin-user")
	resp, _ := adm.Get(srv.URL + "/keys")
	check("keys page", readAll(resp))
	_, page = postForm(t, adm, srv.URL+"/keys/search", url.Values{"csrf": {admCSRF}, "kind": {"email"}, "value": {"walk@example.org"}})
	check("keys search", page)
	_, page = postForm(t, adm, srv.URL+"/keys/search", url.Values{"csrf": {admCSRF}, "kind": {"phone"}, "value": {"kein Telefon"}})
	check("keys search, bad value", page)
	resp, _ = adm.Get(srv.URL + "/keys/subjects/s-walk/shred")
	check("shred question", readAll(resp))
	resp, _ = adm.Get(srv.URL + "/templates")
	check("mail templates", readAll(resp))
	resp, _ = adm.Get(srv.URL + "/templates/art19/de")
	check("a mail template", readAll(resp))
	_, page = postForm(t, adm, srv.URL+"/templates/confirm/de", url.Values{"csrf": {admCSRF}, "version": {"0"}, "subject": {"Bitte bestätigen"}, "body": {"Ohne Link, bis {{.Until}}"}})
	check("a template refused", page)
	_, page = postForm(t, c, srv.URL+"/requests/r-walk/step", url.Values{"csrf": {csrf}, "step": {"restrict"}, "version": {"1"}})
	check("a restriction of an access request", page)
	// The consent ledger's pages and their failing forms.
	for _, p := range []string{"/consents", "/consents/newsletter"} {
		resp, _ = c.Get(srv.URL + p)
		check(p, readAll(resp))
	}
	_, page = postForm(t, c, srv.URL+"/consents", url.Values{"csrf": {csrf}, "id": {"Großbuchstaben"}, "name": {"X"}, "activity": {"newsletter-versand"}, "keep": {"irgendwann"}})
	check("invalid purpose", page)
	_, page = postForm(t, c, srv.URL+"/consents", url.Values{"csrf": {csrf}, "id": {"neu"}, "name": {"X"}, "activity": {"newsletter-versand"}, "keep": {"10 Jahre nach Rechnungsdatum"}})
	check("a keep rule on an unknown event", page)
	_, page = postForm(t, c, srv.URL+"/consents/newsletter/texts", url.Values{"csrf": {csrf}, "text_lang": {"de"}, "body": {" "}})
	check("empty consent text", page)
	_, page = postForm(t, c, srv.URL+"/consents/person", url.Values{"csrf": {csrf}, "email": {"niemand@example.org"}, "purpose": {"newsletter"}})
	check("unknown person", page)
	_, page = postForm(t, c, srv.URL+"/consents/person", url.Values{"csrf": {csrf}, "email": {"walk@example.org"}, "purpose": {"newsletter"}})
	check("a timeline", page)
	_, page = upload(t, c, srv.URL+"/consents/newsletter/import", csrf, "alt.csv", "email;Zeitpunkt der Anmeldung\nx@example.org;gestern\n")
	check("a bad consent import", page)
	resp, _ = adm.Get(srv.URL + "/consents")
	check("consents as admin", readAll(resp))
	_, page = postForm(t, adm, srv.URL+"/consents/hooks", url.Values{"csrf": {admCSRF}, "url": {"ftp://mailer.example"}})
	check("a refused webhook", page)
	resp, _ = adm.Get(srv.URL + "/templates/consent_confirm.newsletter/de")
	check("a purpose's confirmation mail", readAll(resp))
	// Another role, and no session.
	a, _ := signIn(t, srv, "auditor-user")
	resp, _ = a.Get(srv.URL + "/toms/new")
	check("forbidden page", readAll(resp))
	resp, _ = http.Get(srv.URL + "/login")
	check("sign-in", readAll(resp))
	resp, _ = http.Get(srv.URL + "/privacy")
	check("self-service page", readAll(resp))
	resp, _ = http.Get(srv.URL + "/privacy/confirm?t=erfunden")
	check("confirmation page", readAll(resp))
	for _, p := range []string{"/consent/sent", "/consent/confirm?t=erfunden", "/consent/unsubscribe?t=erfunden"} {
		resp, _ = http.Get(srv.URL + p)
		check(p, readAll(resp))
	}
	resp, _ = http.PostForm(srv.URL+"/consent/unsubscribe", url.Values{"t": {"erfunden"}})
	check("unsubscribe with a made-up link", readAll(resp))
	resp, _ = http.PostForm(srv.URL+"/consent/signup", url.Values{"form": {"f-gibt-es-nicht"}, "email": {"x@example.org"}})
	check("sign-up to an unknown form", readAll(resp))
	resp, _ = http.PostForm(srv.URL+"/privacy", url.Values{"kind": {"access"}, "email": {"x@example.org"}})
	check("self-service page without its token", readAll(resp))
	resp, _ = http.PostForm(srv.URL+"/login", url.Values{"name": {"editor-user"}, "password": {"falsch"}})
	check("failed sign-in", readAll(resp))
}

// TestEnglishPagesNoRawNames: the English pages show no raw catalogue key
// or internal name either.
func TestEnglishPagesNoRawNames(t *testing.T) {
	srv := newServer(t)
	c, _ := signIn(t, srv, "editor-user")
	for _, p := range workbenchPages {
		sep := "?"
		if strings.Contains(p, "?") {
			sep = "&"
		}
		resp, err := c.Get(srv.URL + p + sep + "lang=en")
		if err != nil {
			t.Fatal(err)
		}
		var probs []string
		for _, pr := range textcheck.Check(textcheck.PageText(readAll(resp))) {
			if !strings.HasPrefix(pr, "English word") {
				probs = append(probs, pr)
			}
		}
		if len(probs) > 0 {
			t.Errorf("%s (English): %s", p, strings.Join(probs, "; "))
		}
	}
}
