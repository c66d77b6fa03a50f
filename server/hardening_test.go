package server_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gdpr/audit"
	"gdpr/auth"
	"gdpr/httpx"
	"gdpr/server"
)

// TestMetricsMethodsBounded: clients choose the request method; metrics
// and the request log name one of a fixed set, so that made-up methods add
// no label values (2,000 requests with 100 KB methods grew the server by
// 360 MiB before).
func TestMetricsMethodsBounded(t *testing.T) {
	srv := newServer(t)
	for i := range 50 {
		m := strings.Repeat(string(rune('A'+i%26)), 4096) + fmt.Sprint(i)
		req, _ := http.NewRequest(m, srv.URL+"/api/v1/activities", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	_, body := call(t, "GET", srv.URL+"/metrics", "", srv.tokens[auth.Auditor])
	if len(body) > 64<<10 || strings.Contains(string(body), "AAAA") || !strings.Contains(string(body), `method="OTHER"`) {
		t.Fatalf("metrics of %d bytes: %.600s", len(body), body)
	}
	if strings.Contains(srv.logs.String(), "AAAA") {
		t.Fatal("the request log echoes a client's method")
	}
}

// endless is a request body: a well-formed start (prefix), then 'x'
// until size bytes.
type endless struct {
	prefix []byte
	left   int64
}

func (e *endless) Read(p []byte) (int, error) {
	if len(e.prefix) > 0 {
		n := copy(p, e.prefix)
		e.prefix = e.prefix[n:]
		e.left -= int64(n)
		return n, nil
	}
	if e.left <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), e.left)
	for i := range p[:n] {
		p[i] = 'x'
	}
	e.left -= n
	return int(n), nil
}

// countListener counts the bytes the server reads from its connections.
type countListener struct {
	net.Listener
	n *atomic.Int64
}

func (l countListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	return countConn{c, l.n}, err
}

type countConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// TestBodyLimits: a signed-in user streams 32 MiB to form routes; the
// server refuses before parsing (413) and reads no more than the route's
// bound, with a declared length or chunked.
func TestBodyLimits(t *testing.T) {
	srv := newServer(t)
	// A server of its own over the fixture's handler, whose connections
	// count what the server reads.
	var read atomic.Int64
	counted := httptest.NewUnstartedServer(srv.Config.Handler)
	counted.Listener = countListener{counted.Listener, &read}
	counted.Start()
	defer counted.Close()
	c, csrf := signIn(t, srv, "editor-user")
	u, _ := url.Parse(srv.URL)
	cu, _ := url.Parse(counted.URL)
	c.Jar.SetCookies(cu, c.Jar.Cookies(u))
	const size = 32 << 20
	part := "--x\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + csrf + "\r\n--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n"
	for _, tc := range []struct {
		path, ctype, prefix string
		chunked             bool
		limit               int64
	}{
		{"/activities/new", "multipart/form-data; boundary=x", part, false, 1 << 20},
		{"/activities/new", "multipart/form-data; boundary=x", part, true, 1 << 20},
		{"/activities/new", "application/x-www-form-urlencoded", "csrf=" + csrf + "&name=", true, 1 << 20},
		{"/controller", "application/x-www-form-urlencoded", "csrf=" + csrf + "&name=", true, 1 << 20},
		{"/import", "multipart/form-data; boundary=x", part, true, 24 << 20},
		{"/api/v1/activities", "application/json", `{"name":"`, true, 2 << 20},
		{"/login", "application/x-www-form-urlencoded", "name=", true, 1 << 20},
	} {
		read.Store(0)
		req, _ := http.NewRequest("POST", counted.URL+tc.path, &endless{prefix: []byte(tc.prefix), left: size})
		req.Header.Set("Content-Type", tc.ctype)
		req.Header.Set("X-CSRF-Token", csrf)
		if !tc.chunked {
			req.ContentLength = size
		}
		start := time.Now()
		resp, err := c.Do(req)
		if err == nil {
			readAll(resp)
		}
		if err == nil && resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("%s %s (chunked %v): %d, want 413", tc.path, tc.ctype, tc.chunked, resp.StatusCode)
		}
		if got := read.Load(); got > tc.limit {
			t.Errorf("%s %s (chunked %v): the server read %d bytes in %v", tc.path, tc.ctype, tc.chunked, got, time.Since(start))
		}
	}
}

// TestLoginRedirectStaysOnSite: the page after sign-in is a path of this
// site, however the next parameter is written.
func TestLoginRedirectStaysOnSite(t *testing.T) {
	srv := newServer(t)
	for _, next := range []string{"/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "//evil.example", "/\\evil.example",
		"\\\\evil.example", "https://evil.example/", "/%09/evil.example", " /evil.example", "/ /evil.example", "javascript:alert(1)",
		"/\x00/evil.example", "/activities?q=x#frag"} {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Get(srv.URL + "/login?next=" + url.QueryEscape(next))
		if err != nil {
			t.Fatal(err)
		}
		page := readAll(resp)
		csrf := csrfField.FindStringSubmatch(page)[1]
		resp, _ = c.PostForm(srv.URL+"/login", url.Values{"name": {"auditor-user"}, "password": {srv.pw}, "csrf": {csrf}, "next": {next}})
		readAll(resp)
		loc := resp.Header.Get("Location")
		u, err := url.Parse(loc)
		if resp.StatusCode != http.StatusSeeOther || err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") ||
			strings.ContainsAny(loc, "\t\r\n\\ ") {
			t.Errorf("next %q: %d Location %q", next, resp.StatusCode, loc)
		}
		if next == "/activities?q=x#frag" && loc != next {
			t.Errorf("a local path was not kept: %q", loc)
		}
	}
}

// trustLoopback makes the fixture believe X-Forwarded-For from its own
// clients, as behind a reverse proxy on the same host.
func trustLoopback(c *server.Config) {
	c.Proxies = httpx.Proxies{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
}

type client struct {
	t    *testing.T
	srv  *fixture
	c    *http.Client
	addr string // the address the proxy says the browser has
}

func newClient(t *testing.T, srv *fixture, addr string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, srv: srv, c: &http.Client{Jar: jar}, addr: addr}
}

func (b *client) do(req *http.Request) *http.Response {
	b.t.Helper()
	if b.addr != "" {
		req.Header.Set("X-Forwarded-For", b.addr)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp
}

// login signs in with the form and returns the status the server answered
// (200 after the redirect to the dashboard).
func (b *client) login(user, pw string) int {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.srv.URL+"/login", nil)
	page := readAll(b.do(req))
	csrf := csrfField.FindStringSubmatch(page)[1]
	req, _ = http.NewRequest("POST", b.srv.URL+"/login", strings.NewReader(url.Values{"name": {user}, "password": {pw}, "csrf": {csrf}, "next": {"/"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp := b.do(req)
	readAll(resp)
	if resp.StatusCode == 200 && resp.Request.URL.Path != "/" {
		return http.StatusUnauthorized
	}
	return resp.StatusCode
}

// TestThrottlePerUserAndAddress: failures from one address lock out that
// address for that user only: the user signs in from elsewhere, and others
// behind the attacker's address sign in. An attacker spread over many
// addresses slows down new browsers of the user (per-user backoff), never
// the browser that signed in as the user before (its device cookie).
func TestThrottlePerUserAndAddress(t *testing.T) {
	srv := newServer(t, trustLoopback)
	owner := newClient(t, srv, "203.0.113.5")
	if got := owner.login("admin-user", srv.pw); got != 200 {
		t.Fatalf("owner's first sign-in: %d", got)
	}
	attacker := newClient(t, srv, "198.51.100.7")
	for range 5 {
		attacker.login("admin-user", "wrong password!!")
	}
	if got := attacker.login("admin-user", srv.pw); got != http.StatusTooManyRequests {
		t.Errorf("attacker's address after 5 failures: %d, want 429", got)
	}
	if got := newClient(t, srv, "198.51.100.7").login("editor-user", srv.pw); got != 200 {
		t.Errorf("another user behind the attacker's address: %d", got)
	}
	if got := newClient(t, srv, "203.0.113.6").login("admin-user", srv.pw); got != 200 {
		t.Errorf("the user from another address: %d", got)
	}
	// Now spread over many addresses: the per-user key fills.
	for i := range 12 {
		newClient(t, srv, fmt.Sprintf("192.0.2.%d", 10+i)).login("admin-user", "wrong password!!")
	}
	if got := newClient(t, srv, "203.0.113.77").login("admin-user", srv.pw); got != http.StatusTooManyRequests {
		t.Errorf("a new browser during a spread attack: %d, want 429", got)
	}
	if got := owner.login("admin-user", srv.pw); got != 200 {
		t.Errorf("the owner's known browser during the attack: %d", got)
	}
	// Without a trusted proxy, X-Forwarded-For is the client's claim and
	// changes nothing.
	plain := newServer(t)
	for i := range 6 {
		newClient(t, plain, fmt.Sprintf("192.0.2.%d", i)).login("admin-user", "wrong password!!")
	}
	if got := newClient(t, plain, "203.0.113.5").login("admin-user", plain.pw); got != http.StatusTooManyRequests {
		t.Errorf("X-Forwarded-For believed without --trusted-proxy: %d", got)
	}
}

// TestGuessesReservedBeforeHashing: 96 simultaneous guesses for one
// account are counted before any hash, so that 5 are checked and the rest
// refused; the audit log gets those 5 and one entry about the refusals,
// not 91.
func TestGuessesReservedBeforeHashing(t *testing.T) {
	srv := newServer(t)
	b := newClient(t, srv, "")
	req, _ := http.NewRequest("GET", srv.URL+"/login", nil)
	csrf := csrfField.FindStringSubmatch(readAll(b.do(req)))[1]
	var wg sync.WaitGroup
	var refused, failed atomic.Int32
	for range 96 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := b.c.PostForm(srv.URL+"/login", url.Values{"name": {"admin-user"}, "password": {"guess " + fmt.Sprint(rand.Int())}, "csrf": {csrf}})
			if err != nil {
				t.Error(err)
				return
			}
			readAll(resp)
			switch resp.StatusCode {
			case http.StatusTooManyRequests:
				refused.Add(1)
			case http.StatusUnauthorized:
				failed.Add(1)
			default:
				t.Errorf("status %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	if failed.Load() != 5 || refused.Load() != 91 {
		t.Fatalf("%d checked, %d refused; want 5 and 91", failed.Load(), refused.Load())
	}
	entries := srv.auditLog(t, audit.Filter{Action: audit.Login, Limit: 200})
	if len(entries) != 6 {
		t.Fatalf("%d audit entries for 96 attempts: %q", len(entries), entries)
	}
	es, _, _ := srv.store.FindAudit(t.Context(), audit.Filter{Action: audit.Login, Outcome: audit.Denied})
	if len(es) != 1 || !strings.Contains(es[0].Detail, "throttled") {
		t.Fatalf("refusals: %+v", es)
	}
}

// TestLongNamesBounded: a sign-in with a 60 KB name costs an audit entry
// of bounded size, and so do its throttled repetitions.
func TestLongNamesBounded(t *testing.T) {
	srv := newServer(t)
	b := newClient(t, srv, "")
	name := strings.Repeat("m", 60<<10)
	for range 10 {
		b.login(name, "wrong password!!")
	}
	es, total, _ := srv.store.FindAudit(t.Context(), audit.Filter{Action: audit.Login, Limit: 100})
	size := 0
	for _, e := range es {
		size += len(e.Actor) + len(e.Target) + len(e.Detail)
	}
	if total > 7 || size > 7*(audit.MaxActor+audit.MaxTarget+audit.MaxDetail) {
		t.Fatalf("%d entries, %d bytes", total, size)
	}
}

// TestLogoutEndsTheSession: a sign-out without the CSRF token changes
// nothing and asks to confirm; with it, the session ends on the server,
// and its cookie, copied before, opens nothing.
func TestLogoutEndsTheSession(t *testing.T) {
	srv := newServer(t)
	c, csrf := signIn(t, srv, "editor-user")
	u, _ := url.Parse(srv.URL)
	var cookie string
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "gdpr_session" {
			cookie = ck.Value
		}
	}
	stolen := func() int {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/me", nil)
		req.AddCookie(&http.Cookie{Name: "gdpr_session", Value: cookie})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readAll(resp)
		return resp.StatusCode
	}
	resp, page := postForm(t, c, srv.URL+"/logout", url.Values{})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, `id="logout-confirm"`) {
		t.Fatalf("logout without token: %d", resp.StatusCode)
	}
	if code, _ := get(t, c, srv.URL+"/"); code != 200 {
		t.Fatal("the browser was signed out without the token")
	}
	resp, _ = postForm(t, c, srv.URL+"/logout", url.Values{"csrf": {csrf}})
	if resp.Request.URL.Path != "/login" {
		t.Fatalf("logout ended at %s", resp.Request.URL)
	}
	if got := stolen(); got != http.StatusUnauthorized {
		t.Fatalf("the session's cookie still opens the API: %d", got)
	}
}

// TestAccountPassword: weak new passwords are refused with the reason, and
// guessing the current one is throttled like signing in.
func TestAccountPassword(t *testing.T) {
	srv := newServer(t)
	c, csrf := signIn(t, srv, "editor-user")
	for _, weak := range []string{"            ", "password1234", "editor-user1234"} {
		resp, page := postForm(t, c, srv.URL+"/account/password", url.Values{"csrf": {csrf}, "current": {srv.pw}, "new": {weak}, "repeat": {weak}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "zu leicht zu erraten") {
			t.Errorf("weak %q: %d", weak, resp.StatusCode)
		}
	}
	good := "ein langes neues Kennwort mit Sinn"
	for range 5 {
		postForm(t, c, srv.URL+"/account/password", url.Values{"csrf": {csrf}, "current": {"not it, sorry"}, "new": {good}, "repeat": {good}})
	}
	resp, _ := postForm(t, c, srv.URL+"/account/password", url.Values{"csrf": {csrf}, "current": {srv.pw}, "new": {good}, "repeat": {good}})
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("sixth check of the current password: %d, want 429", resp.StatusCode)
	}
	if _, hash, _ := srv.store.FindUser(t.Context(), "editor-user"); auth.VerifyPassword(hash, good) {
		t.Fatal("changed while throttled")
	}
}

// TestImportUploadLimit: an upload over 16 MiB is refused with the
// message of the page, not half read.
func TestImportUploadLimit(t *testing.T) {
	srv := newServer(t)
	c, csrf := signIn(t, srv, "editor-user")
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", csrf)
	fw, _ := mw.CreateFormFile("file", "gross.csv")
	fw.Write(bytes.Repeat([]byte("a;b\n"), 17<<20/4))
	mw.Close()
	resp, err := c.Post(srv.URL+"/import", mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(resp)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(page, "16 MiB") {
		t.Fatalf("%d %.300s", resp.StatusCode, page)
	}
}
