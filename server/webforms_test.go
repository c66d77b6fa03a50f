package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gdpr/audit"
)

// TestWorkbenchFormsGuarded: every form of the workbench writes only for
// an editor with the session's CSRF token. Without a session it leads to
// the sign-in, an auditor gets 403, a post without the token 403 (and an
// audit entry), an oversized body 413; nothing is written by any of them.
func TestWorkbenchFormsGuarded(t *testing.T) {
	srv := newServer(t)
	editor, csrf := signIn(t, srv, "editor-user")
	auditor, acsrf := signIn(t, srv, "auditor-user")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	forms := []struct {
		path   string
		values url.Values
	}{
		{"/toms/new", url.Values{"title": {"Neue Maßnahme"}}},
		{"/toms/kundendatenbank-absichern/edit", url.Values{"title": {"Geändert"}, "version": {"1"}}},
		{"/toms/automatische-updates-aktivieren/category", url.Values{"category": {"integrity"}, "version": {"1"}}},
		{"/toms/standard-gruppenverwaltung/archive", url.Values{"version": {"1"}}},
		{"/documents/new", url.Values{"title": {"Neues Dokument"}}},
		{"/documents/notfallanweisungen-fuer-webserver/edit", url.Values{"title": {"Geändert"}, "version": {"1"}}},
		{"/documents/notfallanweisungen-fuer-webserver/archive", url.Values{"version": {"1"}}},
		{"/activities/kundenverwaltung/archive", url.Values{"version": {"1"}}},
		{"/keys/search", url.Values{"kind": {"email"}, "value": {"walk@example.org"}}},
		{"/keys/subjects/s-walk/shred", url.Values{}},
		{"/systems/new", url.Values{"name": {"CRM"}, "engine": {"postgres"}, "dsn_env": {"CRM_DSN"}}},
		{"/systems/shop-datenbank/edit", url.Values{"name": {"Shop"}, "engine": {"sqlite"}, "dsn_env": {"GDPR_DEMO_SHOP"}, "version": {"1"}}},
		{"/systems/shop-datenbank/archive", url.Values{"version": {"1"}}},
		{"/systems/shop-datenbank/tables/new", url.Values{"name": {"orders"}, "version": {"1"}}},
		{"/systems/shop-datenbank/tables/0/edit", url.Values{"name": {"access_log"}, "version": {"1"}}},
		{"/systems/shop-datenbank/tables/0/remove", url.Values{"version": {"1"}}},
		{"/systems/shop-datenbank/scan", url.Values{"write": {"1"}, "ref0": {"newsletter_subscribers\t"}, "d0": {"reject"}}},
		{"/requests/new", url.Values{"kind": {"access"}, "channel": {"email"}, "email": {"walk@example.org"}}},
		{"/requests/r-walk/step", url.Values{"step": {"answer"}, "version": {"1"}}},
	}
	state, _ := srv.store.State(t.Context())
	for _, f := range forms {
		// No session.
		resp, err := noRedirect.PostForm(srv.URL+f.path, withCSRF(f.values, csrf))
		if err != nil {
			t.Fatal(err)
		}
		readAll(resp)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("%s without a session: %d %s", f.path, resp.StatusCode, resp.Header.Get("Location"))
		}
		// An auditor, with a valid token.
		resp, _ = postForm(t, auditor, srv.URL+f.path, withCSRF(f.values, acsrf))
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s as auditor: %d", f.path, resp.StatusCode)
		}
		// An editor without the token.
		resp, _ = postForm(t, editor, srv.URL+f.path, f.values)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s without CSRF: %d", f.path, resp.StatusCode)
		}
		// Too large.
		big := withCSRF(f.values, csrf)
		big.Set("description", strings.Repeat("x", 2<<20))
		resp, _ = postForm(t, editor, srv.URL+f.path, big)
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("%s with 2 MiB: %d", f.path, resp.StatusCode)
		}
	}
	if now, _ := srv.store.State(t.Context()); now != state {
		t.Errorf("a refused form wrote: state %d -> %d", state, now)
	}
	if s, _ := srv.store.FindSubject(t.Context(), "s-walk"); s.Shredded {
		t.Error("a refused form erased a person")
	}
	es, _, _ := srv.store.FindAudit(t.Context(), audit.Filter{Outcome: audit.Denied})
	if len(es) < len(forms) {
		t.Errorf("%d denied attempts audited for %d forms posted without a token", len(es), len(forms))
	}
}

func withCSRF(v url.Values, csrf string) url.Values {
	out := url.Values{"csrf": {csrf}}
	for k, x := range v {
		out[k] = x
	}
	return out
}
