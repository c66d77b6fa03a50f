package server_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"gdpr/app"
	"gdpr/httpx"
	"gdpr/mail"
	"gdpr/mail/mailtest"
	"gdpr/request"
	"gdpr/server"
)

// portalServer is a server that mails through Mailpit, trusts 127.0.0.1
// as its proxy (so that tests speak for many clients) and links to its
// own address.
func portalServer(t testing.TB) (*fixture, *mailtest.Server) {
	t.Helper()
	mp := mailtest.Mailpit(t)
	var err error
	srv := newServer(t, func(c *server.Config) {
		if c.Mail, err = mail.New(mp.Config("datenschutz@allegro-it.de"), c.Now); err != nil {
			t.Fatal(err)
		}
		c.Proxies, _ = httpx.ParseProxies([]string{"127.0.0.1"})
		c.PublicURL = "http://public.example"
	})
	return srv, mp
}

var portalCSRFField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// portalPost files a request from client with a fresh form (its cookie
// and token).
func portalPost(t *testing.T, srv *fixture, client string, v url.Values) (int, string) {
	t.Helper()
	c := &http.Client{Jar: newJar()}
	req, _ := http.NewRequest("GET", srv.URL+"/privacy", nil)
	req.Header.Set("X-Forwarded-For", client)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(resp)
	m := portalCSRFField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no token on the page: %s", page)
	}
	v.Set("csrf", m[1])
	req, _ = http.NewRequest("POST", srv.URL+"/privacy", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", client)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, readAll(resp)
}

var linkRE = regexp.MustCompile(`http://public\.example/privacy/confirm\?t=([A-Za-z0-9_-]+)&lang=(de|en)`)

// TestPortal: a request filed on the self-service page is registered
// (channel portal, identity pending) and its link mailed, to the public
// URL, never to the Host the client sent; a GET of the link changes
// nothing, the POST confirms once; a known and an unknown address get
// the same answer; too many from one address are refused; a form
// without its token is refused.
func TestPortal(t *testing.T) {
	srv, mp := portalServer(t)
	b := make([]byte, 4)
	rand.Read(b)
	tag := hex.EncodeToString(b)
	person := "erika-" + tag + "@example.org"
	code, page := portalPost(t, srv, "198.51.100.7", url.Values{"kind": {"erasure"}, "email": {person}, "name": {"Erika Muster"}, "message": {"Bitte alles löschen."}})
	if code != 200 || !strings.Contains(page, `id="portal-sent"`) {
		t.Fatalf("submit: %d %s", code, page)
	}
	got := mp.To(t, person, 1)
	if len(got) != 1 {
		t.Fatalf("no mail to %s", person)
	}
	m := linkRE.FindStringSubmatch(got[0].Text)
	if m == nil || !strings.Contains(got[0].Text, "Löschung") || !strings.Contains(got[0].Text, "Guten Tag Erika Muster,") {
		t.Fatalf("mail: %s", got[0].Text)
	}
	token := m[1]
	rs, _, err := srv.app.Requests(sysCtx(), appFilterAll())
	if err != nil {
		t.Fatal(err)
	}
	var r *request.Request
	for _, x := range rs {
		if x.Channel == request.Portal && x.Kind == request.Erasure {
			r = x
		}
	}
	if r == nil || r.Identity != request.IdentityPending || r.State != request.Received {
		t.Fatalf("the registered request: %+v", r)
	}
	// The link's page changes nothing (a mail scanner may follow links).
	c := &http.Client{Jar: newJar()}
	resp, _ := c.Get(srv.URL + "/privacy/confirm?t=" + token)
	confirmPage := readAll(resp)
	if x, _ := srv.app.Request(sysCtx(), r.ID); x.Identity != request.IdentityPending {
		t.Error("the GET confirmed")
	}
	csrf := portalCSRFField.FindStringSubmatch(confirmPage)[1]
	post := func(tok string) (int, string) {
		resp, err := c.PostForm(srv.URL+"/privacy/confirm", url.Values{"csrf": {csrf}, "t": {tok}})
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, readAll(resp)
	}
	if code, page := post(token); code != 200 || !strings.Contains(page, "Antrag ist bestätigt") {
		t.Fatalf("confirm: %d %s", code, page)
	}
	if x, _ := srv.app.Request(sysCtx(), r.ID); x.Identity != request.IdentityConfirmed || x.State != request.Verified {
		t.Errorf("after the confirmation: %+v", x)
	}
	if code, page := post(token); code != 404 || !strings.Contains(page, "abgelaufen, schon benutzt oder unbekannt") {
		t.Errorf("the link twice: %d", code)
	}
	if code, _ := post("erfunden"); code != 404 {
		t.Errorf("an unknown link: %d", code)
	}
	// A known address (in the vault) and an unknown one: the same page.
	strip := func(s string) string { return portalCSRFField.ReplaceAllString(s, "") }
	_, known := portalPost(t, srv, "198.51.100.8", url.Values{"kind": {"access"}, "email": {"walk@example.org"}})
	_, unknown := portalPost(t, srv, "198.51.100.9", url.Values{"kind": {"access"}, "email": {"niemand-" + tag + "@example.org"}})
	if strip(known) != strip(unknown) {
		t.Error("the page differs for a known and an unknown address")
	}
	// Five an hour for one address, then refused, whoever asks.
	other := "max-" + tag + "@example.org"
	for i := range 6 {
		code, _ := portalPost(t, srv, fmt.Sprintf("203.0.113.%d", i+1), url.Values{"kind": {"access"}, "email": {other}})
		if want := map[bool]int{true: 200, false: 429}[i < 5]; code != want {
			t.Errorf("request %d for one address: %d, want %d", i+1, code, want)
		}
	}
	// Without the form's token: refused, nothing registered.
	resp, _ = http.PostForm(srv.URL+"/privacy", url.Values{"kind": {"access"}, "email": {"csrf-" + tag + "@example.org"}})
	if readAll(resp); resp.StatusCode != 403 {
		t.Errorf("without the token: %d", resp.StatusCode)
	}
	// A bad address is said at its field.
	if code, page := portalPost(t, srv, "198.51.100.10", url.Values{"kind": {"access"}, "email": {"keine-adresse"}}); code != 422 || !strings.Contains(page, "gültige E-Mail-Adresse") {
		t.Errorf("bad address: %d", code)
	}
}

// TestPortalParallel: 200 people file at once, each from an address of
// its own: every one is answered, registered and mailed.
func TestPortalParallel(t *testing.T) {
	srv, mp := portalServer(t)
	b := make([]byte, 4)
	rand.Read(b)
	tag := hex.EncodeToString(b)
	var wg sync.WaitGroup
	codes := make([]int, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _ = portalPost(t, srv, fmt.Sprintf("10.%d.%d.1", i/250, i%250), url.Values{"kind": {"access"}, "email": {fmt.Sprintf("p%d-%s@example.org", i, tag)}})
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Errorf("request %d: %d", i, c)
		}
	}
	rs, total, _ := srv.app.Requests(sysCtx(), appFilterAll())
	n := 0
	for _, r := range rs {
		if r.Channel == request.Portal {
			n++
		}
	}
	if n != 200 {
		t.Errorf("%d portal requests registered (of %d)", n, total)
	}
	if got := mp.To(t, fmt.Sprintf("p199-%s@example.org", tag), 1); len(got) != 1 {
		t.Error("the last one got no mail")
	}
}

func newJar() http.CookieJar {
	j, _ := cookiejar.New(nil)
	return j
}

func sysCtx() context.Context { return app.System(context.Background(), "test") }

func appFilterAll() app.RequestFilter { return app.RequestFilter{Filter: request.Filter{Limit: 1000}} }
