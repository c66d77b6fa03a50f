// Package mailtest reaches the Mailpit server the tests send to (.ci/run
// starts it: SMTP on GDPR_TEST_SMTP, its API on GDPR_TEST_MAILPIT) and
// reads the messages it received.
package mailtest

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"gdpr/mail"
)

// Server is the Mailpit server.
type Server struct {
	SMTPHost string
	SMTPPort int
	API      string
}

// Mailpit returns the server, or fails under CI=true and ends the test
// (logged) elsewhere when it is not configured.
func Mailpit(t testing.TB) *Server {
	t.Helper()
	smtpAddr, api := os.Getenv("GDPR_TEST_SMTP"), os.Getenv("GDPR_TEST_MAILPIT")
	if smtpAddr == "" || api == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but GDPR_TEST_SMTP or GDPR_TEST_MAILPIT is not set: the mail tests must run in CI")
		}
		t.Skip("GDPR_TEST_SMTP/GDPR_TEST_MAILPIT not set: no Mailpit to send to")
	}
	host, port, err := net.SplitHostPort(smtpAddr)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	return &Server{SMTPHost: host, SMTPPort: p, API: api}
}

// Config is a sender configuration for the server (no encryption: it
// runs on this machine).
func (s *Server) Config(from string) mail.Config {
	return mail.Config{Host: s.SMTPHost, Port: s.SMTPPort, Security: mail.Plain, From: from, FromName: "gdpr Test"}
}

// Message is a message as Mailpit stores it.
type Message struct {
	ID        string `json:"ID"`
	MessageID string `json:"MessageID"`
	Subject   string `json:"Subject"`
	To        []struct {
		Address string `json:"Address"`
	} `json:"To"`
	Text    string              `json:"Text"`
	Headers map[string][]string `json:"-"`
}

// To returns the messages to an address, newest first, with their text
// and headers; it waits up to 10 s for at least want of them.
func (s *Server) To(t testing.TB, address string, want int) []Message {
	t.Helper()
	var out []Message
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var list struct {
			Messages []Message `json:"messages"`
		}
		s.get(t, "/api/v1/search?query="+url.QueryEscape("to:"+address), &list)
		out = list.Messages
		if len(out) >= want || time.Now().After(deadline) {
			break
		}
	}
	for i := range out {
		var full Message
		s.get(t, "/api/v1/message/"+out[i].ID, &full)
		out[i].Text = full.Text
		var h map[string][]string
		s.get(t, "/api/v1/message/"+out[i].ID+"/headers", &h)
		out[i].Headers = h
	}
	return out
}

func (s *Server) get(t testing.TB, path string, v any) {
	t.Helper()
	resp, err := http.Get(s.API + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("mailpit %s: %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
