package server_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gdpr/audit"
	"gdpr/auth"
)

// sample gives each route of the table a request that the right role can
// make successfully.
var sample = map[string]struct{ path, body string }{
	"GET /api/v1/register":                                   {"/api/v1/register", ""},
	"GET /api/v1/controller":                                 {"/api/v1/controller", ""},
	"PUT /api/v1/controller":                                 {"/api/v1/controller", `{"title":"T","controller":{"name":"allegro:it","email":"info@allegro-it.de"}}`},
	"POST /api/v1/import":                                    {"/api/v1/import?name=x.csv&dry_run=true", "Bezeichnung;Zweck\nA;B\n"},
	"POST /api/v1/revisions/{entity}/{id}/{version}/restore": {"/api/v1/revisions/activity/kundenverwaltung/1/restore", ""},
	"GET /api/v1/activities":                                 {"/api/v1/activities", ""},
	"POST /api/v1/activities":                                {"/api/v1/activities", `{"id":"walk-%d","name":"Walk"}`},
	"GET /api/v1/activities/{id}":                            {"/api/v1/activities/kundenverwaltung", ""},
	"PUT /api/v1/activities/{id}":                            {"/api/v1/activities/kundenverwaltung", `{"name":"Kundenverwaltung"}`},
	"POST /api/v1/activities/{id}/archive":                   {"/api/v1/activities/werbemassnahmen-zur-kundengewinnung/archive", ""},
	"GET /api/v1/toms":                                       {"/api/v1/toms", ""},
	"POST /api/v1/toms":                                      {"/api/v1/toms", `{"id":"walk-%d","title":"Walk"}`},
	"GET /api/v1/toms/{id}":                                  {"/api/v1/toms/kundendatenbank-absichern", ""},
	"PUT /api/v1/toms/{id}":                                  {"/api/v1/toms/kundendatenbank-absichern", `{"title":"Kundendatenbank absichern"}`},
	"POST /api/v1/toms/{id}/archive":                         {"/api/v1/toms/standard-gruppenverwaltung/archive", ""},
	"GET /api/v1/documents":                                  {"/api/v1/documents", ""},
	"POST /api/v1/documents":                                 {"/api/v1/documents", `{"id":"walk-%d","title":"Walk"}`},
	"GET /api/v1/documents/{id}":                             {"/api/v1/documents/notfallanweisungen-fuer-webserver", ""},
	"PUT /api/v1/documents/{id}":                             {"/api/v1/documents/notfallanweisungen-fuer-webserver", `{"title":"Notfallanweisungen für Webserver"}`},
	"POST /api/v1/documents/{id}/archive":                    {"/api/v1/documents/notfallanweisungen-fuer-webserver/archive", ""},
	"GET /api/v1/systems":                                    {"/api/v1/systems", ""},
	"POST /api/v1/systems":                                   {"/api/v1/systems", `{"id":"walk-%d","name":"Walk","engine":"sqlite","dsn_env":"WALK_DSN"}`},
	"GET /api/v1/systems/{id}":                               {"/api/v1/systems/shop-datenbank", ""},
	"PUT /api/v1/systems/{id}":                               {"/api/v1/systems/shop-datenbank", `{"name":"Shop-Datenbank","engine":"sqlite","dsn_env":"GDPR_DEMO_SHOP","tables":[{"name":"customers","activity":"kundenverwaltung","subject_key":["id"]}]}`},
	"POST /api/v1/systems/{id}/archive":                      {"/api/v1/systems/shop-datenbank/archive", ""},
	"GET /api/v1/sweep/protocol":                             {"/api/v1/sweep/protocol?format=csv&from=2026-01-01", ""},
	"GET /api/v1/holds":                                      {"/api/v1/holds", ""},
	"POST /api/v1/holds":                                     {"/api/v1/holds", `{"system":"shop-datenbank","table":"customers","column":"id","value":"%d","reason":"Rechtsstreit"}`},
	"POST /api/v1/holds/{id}/lift":                           {"/api/v1/holds/hold-demo/lift", ""},
	"POST /api/v1/sweep":                                     {"/api/v1/sweep", `{"dry_run":true}`},
	"GET /api/v1/requests":                                   {"/api/v1/requests?open=true&overdue=true", ""},
	"POST /api/v1/requests":                                  {"/api/v1/requests", `{"kind":"access","channel":"email","requester":{"email":"walk%d@example.org"}}`},
	"GET /api/v1/requests/{id}":                              {"/api/v1/requests/r-walk", ""},
	"GET /api/v1/requests/{id}/events":                       {"/api/v1/requests/r-walk/events", ""},
	"GET /api/v1/requests/{id}/requester":                    {"/api/v1/requests/r-walk/requester", ""},
	"GET /api/v1/requests/{id}/portability":                  {"/api/v1/requests/r-walk/portability?format=csv", ""},
	"GET /api/v1/requests/{id}/report":                       {"/api/v1/requests/r-walk/report?format=pdf", ""},
	"GET /api/v1/requests/{id}/redactions":                   {"/api/v1/requests/r-walk/redactions", ""},
	"GET /api/v1/requests/{id}/notices":                      {"/api/v1/requests/r-walk/notices", ""},
	"GET /api/v1/consent/purposes":                           {"/api/v1/consent/purposes", ""},
	"POST /api/v1/consent/purposes":                          {"/api/v1/consent/purposes", `{"id":"walk-%d","name":"Walk","activity":"newsletter-versand"}`},
	"GET /api/v1/consent/purposes/{id}":                      {"/api/v1/consent/purposes/newsletter", ""},
	"PUT /api/v1/consent/purposes/{id}":                      {"/api/v1/consent/purposes/newsletter", `{"name":"Newsletter","activity":"newsletter-versand"}`},
	"GET /api/v1/consent/purposes/{id}/texts":                {"/api/v1/consent/purposes/newsletter/texts", ""},
	"POST /api/v1/consent/purposes/{id}/texts":               {"/api/v1/consent/purposes/newsletter/texts", `{"lang":"de","body":"Ja, Newsletter %d."}`},
	"GET /api/v1/consent/forms":                              {"/api/v1/consent/forms?purpose=newsletter", ""},
	"POST /api/v1/consent/forms":                             {"/api/v1/consent/forms", `{"purpose":"newsletter","origins":["https://shop%d.example"]}`},
	"GET /api/v1/consent/check":                              {"/api/v1/consent/check?email=walk@example.org&purpose=newsletter", ""},
	"POST /api/v1/consent/signups":                           {"/api/v1/consent/signups", `{"purpose":"newsletter","email":"walk%d@example.org","mode":"single"}`},
	"POST /api/v1/consent/imports":                           {"/api/v1/consent/imports?purpose=newsletter&source=walk&name=walk.csv", "email,created_at\nwalk-import%d@example.org,2024-03-01 10:00:00\n"},
	"GET /api/v1/consent/hooks":                              {"/api/v1/consent/hooks", ""},
	"POST /api/v1/consent/hooks":                             {"/api/v1/consent/hooks", `{"url":"https://mailer%d.example/gdpr"}`},
	"DELETE /api/v1/consent/hooks/{id}":                      {"/api/v1/consent/hooks/hook-walk", ""},
	"GET /api/v1/consent/jobs":                               {"/api/v1/consent/jobs?failed=true", ""},
	"POST /api/v1/consent/jobs/{id}/retry":                   {"/api/v1/consent/jobs/job-walk/retry", ""},
	"POST /api/v1/consent/withdrawals":                       {"/api/v1/consent/withdrawals", `{"purpose":"newsletter","email":"walk@example.org"}`},
	"GET /api/v1/templates":                                  {"/api/v1/templates", ""},
	"PUT /api/v1/templates/{kind}/{lang}":                    {"/api/v1/templates/ack/de", `{"subject":"Eingang {{.Request}}","body":"Guten Tag, eingegangen am {{.Received}}.","version":0}`},
	"DELETE /api/v1/templates/{kind}/{lang}":                 {"/api/v1/templates/ack/en", ""},
	"POST /api/v1/requests/{id}/steps":                       {"/api/v1/requests/r-walk/steps", `{"action":"note","note":"Walk %d"}`},
	"GET /api/v1/runs":                                       {"/api/v1/runs?kind=sweep", ""},
	"GET /api/v1/runs/{id}":                                  {"/api/v1/runs/run-demo", ""},
	"POST /api/v1/check/live":                                {"/api/v1/check/live", `{"scan":true}`},
	"GET /api/v1/systems/{id}/schema":                        {"/api/v1/systems/shop-datenbank/schema", ""},
	"POST /api/v1/systems/{id}/scan":                         {"/api/v1/systems/shop-datenbank/scan", `{"sample":50}`},
	"POST /api/v1/retention/parse":                           {"/api/v1/retention/parse", `{"text":"3 Jahre nach Vertragsende"}`},
	"POST /api/v1/retention/due":                             {"/api/v1/retention/due", `{"text":"3 Jahre nach Vertragsende","events":{"contract_end":"2024-01-01"}}`},
	"GET /api/v1/retention/classes":                          {"/api/v1/retention/classes", ""},
	"GET /api/v1/findings":                                   {"/api/v1/findings", ""},
	"GET /api/v1/revisions":                                  {"/api/v1/revisions", ""},
	"GET /api/v1/export":                                     {"/api/v1/export?format=md", ""},
	"POST /api/v1/subjects":                                  {"/api/v1/subjects", `{"record":{"email":"walk%d@example.org","name":"Walk"}}`},
	"GET /api/v1/subjects/{id}":                              {"/api/v1/subjects/s-walk", ""},
	"PUT /api/v1/subjects/{id}":                              {"/api/v1/subjects/s-walk", `{"record":{"name":"Walk"}}`},
	"DELETE /api/v1/subjects/{id}":                           {"/api/v1/subjects/s-walk", ""},
	"GET /api/v1/audit/checkpoint":                           {"/api/v1/audit/checkpoint", ""},
	"POST /api/v1/audit/verify":                              {"/api/v1/audit/verify", `{"checkpoints":[]}`},
	"GET /api/v1/audit/proofs/{ref...}":                      {"/api/v1/audit/proofs/activity/kundenverwaltung/1", ""},
	"POST /api/v1/subjects/lookup":                           {"/api/v1/subjects/lookup", `{"kind":"email","value":"Walk@Example.org"}`},
	"GET /api/v1/report":                                     {"/api/v1/report?format=md", ""},
	"GET /api/v1/me":                                         {"/api/v1/me", ""},
	"GET /api/v1/users":                                      {"/api/v1/users", ""},
	"GET /api/v1/tokens":                                     {"/api/v1/tokens", ""},
	"GET /api/v1/audit":                                      {"/api/v1/audit", ""},
	"GET /api/v1/openapi.json":                               {"/api/v1/openapi.json", ""},
}

// TestRouteWalk walks every API route: 401 without credentials, 403 with a
// role that may not, 2xx with one that may.
func TestRouteWalk(t *testing.T) {
	srv := newServer(t)
	withConsent(t, srv)
	n := 0
	for _, rt := range apiTable(srv) {
		key := rt.Method + " " + rt.Path
		smp, ok := sample[key]
		if !ok {
			t.Errorf("%s: no sample request in the walk", key)
			continue
		}
		body := func() string {
			n++
			if strings.Contains(smp.body, "%d") {
				return strings.Replace(smp.body, "%d", strconv.Itoa(n), 1)
			}
			return smp.body
		}
		if resp, _ := call(t, rt.Method, srv.URL+smp.path, body(), ""); resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s without credentials: %d", key, resp.StatusCode)
		}
		if resp, _ := call(t, rt.Method, srv.URL+smp.path, body(), "gdpr_0000"); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s with a wrong token: %d", key, resp.StatusCode)
		}
		for _, role := range auth.Roles {
			var hdr []string
			if rt.Method == "PUT" || strings.HasSuffix(rt.Path, "/steps") {
				// A replace or a step names the version it was made from.
				resp, _ := call(t, "GET", srv.URL+strings.TrimSuffix(smp.path, "/steps"), "", srv.tokens[auth.Admin])
				hdr = []string{"If-Match", resp.Header.Get("ETag")}
			}
			resp, b := call(t, rt.Method, srv.URL+smp.path, body(), srv.tokens[role], hdr...)
			switch {
			case role.Allows(rt.Perm) && (resp.StatusCode < 200 || resp.StatusCode > 299):
				t.Errorf("%s as %s: %d %s", key, role, resp.StatusCode, b)
			case !role.Allows(rt.Perm) && resp.StatusCode != http.StatusForbidden:
				t.Errorf("%s as %s: %d, want 403", key, role, resp.StatusCode)
			}
		}
	}
	if len(sample) != len(apiTable(srv)) {
		t.Errorf("%d samples for %d routes", len(sample), len(apiTable(srv)))
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// signIn signs in through the login form and returns a client with the
// session cookie and the page's CSRF token.
func signIn(t *testing.T, srv *fixture, user string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(srv.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(resp)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("login page without csrf: %s", page)
	}
	resp, err = c.PostForm(srv.URL+"/login", url.Values{"name": {user}, "password": {srv.pw}, "csrf": {m[1]}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	page = readAll(resp)
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/" {
		t.Fatalf("sign-in ended at %s with %d: %.300s", resp.Request.URL, resp.StatusCode, page)
	}
	m = csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("page without csrf token")
	}
	return c, m[1]
}

func readAll(resp *http.Response) string {
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

func TestSessionAndCSRF(t *testing.T) {
	srv := newServer(t)
	c, csrf := signIn(t, srv, "editor-user")
	resp, err := c.Get(srv.URL + "/api/v1/me")
	if body := readAll(resp); err != nil || !strings.Contains(body, `"actor":"user:editor-user"`) {
		t.Fatalf("me: %s %v", body, err)
	}
	post := func(withCSRF bool) int {
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/activities", strings.NewReader(`{"id":"csrf-test","name":"X"}`))
		if withCSRF {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post(false); got != http.StatusForbidden {
		t.Errorf("write without CSRF token: %d", got)
	}
	if got := post(true); got != http.StatusCreated {
		t.Errorf("write with CSRF token: %d", got)
	}
	// Sign out: the session ends, the page sends us to sign in again.
	resp, _ = c.PostForm(srv.URL+"/logout", url.Values{"csrf": {csrf}})
	readAll(resp)
	if resp.Request.URL.Path != "/login" {
		t.Errorf("after logout at %s", resp.Request.URL)
	}
	resp, _ = c.Get(srv.URL + "/api/v1/me")
	if readAll(resp); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("after logout: %d", resp.StatusCode)
	}
	got := strings.Join(srv.auditLog(t, audit.Filter{Actor: "user:editor-user"}), ",")
	if !strings.Contains(got, "user:editor-user auth.logout session ok") || !strings.Contains(got, "user:editor-user auth.login session ok") ||
		!strings.Contains(got, "user:editor-user activity.create - denied") {
		t.Errorf("audit: %s", got)
	}
}

func TestLoginFailuresAndThrottle(t *testing.T) {
	srv := newServer(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, _ := c.Get(srv.URL + "/login")
	csrf := csrfField.FindStringSubmatch(readAll(resp))[1]
	try := func(user, pw string) int {
		resp, _ := c.PostForm(srv.URL+"/login", url.Values{"name": {user}, "password": {pw}, "csrf": {csrf}})
		readAll(resp)
		return resp.StatusCode
	}
	if got := try("nobody", "whatever password"); got != http.StatusUnauthorized {
		t.Errorf("unknown user: %d", got)
	}
	for range 5 {
		try("admin-user", "wrong password!!")
	}
	if got := try("admin-user", srv.pw); got != http.StatusTooManyRequests {
		t.Errorf("sixth attempt with the right password: %d, want 429", got)
	}
	resp, _ = c.PostForm(srv.URL+"/login", url.Values{"name": {"admin-user"}, "password": {srv.pw}, "csrf": {"forged"}})
	if readAll(resp); resp.StatusCode != http.StatusForbidden {
		t.Errorf("forged login csrf: %d", resp.StatusCode)
	}
	failed := srv.auditLog(t, audit.Filter{Action: audit.Login, Outcome: audit.Failed})
	if len(failed) != 6 || failed[0] != "login:admin-user auth.login session failed" || failed[5] != "login:nobody auth.login session failed" {
		t.Errorf("failed sign-ins in the audit: %q", failed)
	}
}

func TestPages(t *testing.T) {
	srv := newServer(t)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, _ := noRedirect.Get(srv.URL + "/")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2F" {
		t.Fatalf("anonymous /: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	c, _ := signIn(t, srv, "auditor-user")
	resp, _ = c.Get(srv.URL + "/")
	page := readAll(resp)
	if !strings.Contains(page, `<html lang="de">`) || !strings.Contains(page, "Werbemaßnahmen zur Kundengewinnung") ||
		!strings.Contains(page, `<span class="num">50</span> Warnungen`) || !strings.Contains(page, `href="/api/v1/export?format=pdf&amp;lang=de"`) {
		t.Fatalf("page: %s", page)
	}
	// Every link and button of the dashboard leads somewhere that works.
	links := regexp.MustCompile(`href="(/[^"#]*)`).FindAllStringSubmatch(page, -1)
	if len(links) < 20 {
		t.Fatalf("only %d links", len(links))
	}
	for _, l := range links {
		u := strings.ReplaceAll(l[1], "&amp;", "&")
		if resp, err := c.Get(srv.URL + u); err != nil || resp.StatusCode != 200 {
			t.Errorf("dashboard link %s: %v %v", u, resp.StatusCode, err)
		} else {
			readAll(resp)
		}
	}
	// The one script is a static file; none is written into a page.
	if strings.Count(page, "<script") != strings.Count(page, `<script src="/static/app.js" defer></script>`) || strings.Contains(page, "style=") {
		t.Error("inline script or style on the page (CSP forbids it)")
	}
	resp, _ = c.Get(srv.URL + "/?lang=en")
	if !strings.Contains(readAll(resp), "Record of processing activities") {
		t.Error("no English page")
	}
	// The switch is remembered; without one, German comes first whatever
	// the browser asks for.
	resp, _ = c.Get(srv.URL + "/activities")
	if !strings.Contains(readAll(resp), `<html lang="en">`) {
		t.Error("the language switch is not remembered")
	}
	c2, _ := signIn(t, srv, "editor-user")
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	req.Header.Set("Accept-Language", "en-US,en;q=0.9")
	resp, _ = c2.Do(req)
	if !strings.Contains(readAll(resp), `<html lang="de">`) {
		t.Error("not German first for an English browser")
	}
	// Every page and asset carries the security headers.
	for _, p := range []string{"/", "/login", "/static/app.css", "/healthz", "/api/v1/nothing"} {
		resp, _ := c.Get(srv.URL + p)
		readAll(resp)
		h := resp.Header
		if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") || strings.Contains(h.Get("Content-Security-Policy"), "unsafe-inline") ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: headers %v", p, h)
		}
	}
	resp, _ = noRedirect.Get(srv.URL + "/healthz")
	if resp.StatusCode != 200 {
		t.Errorf("healthz needs no sign-in: %d", resp.StatusCode)
	}
}
