package mail_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"gdpr"
	"gdpr/mail"
	"gdpr/mail/mailtest"
)

func address(t *testing.T) string {
	b := make([]byte, 4)
	rand.Read(b)
	return "person-" + hex.EncodeToString(b) + "@example.org"
}

// TestSendToMailpit: a German mail through a real SMTP server (Mailpit)
// arrives with its subject, text and headers; the proof has its
// Message-ID, the server's answer and the raw message.
func TestSendToMailpit(t *testing.T) {
	mp := mailtest.Mailpit(t)
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	s, err := mail.New(mp.Config("datenschutz@beispiel.de"), func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	to := address(t)
	sent, err := s.Send(context.Background(), mail.Message{To: to, Subject: "Ihr Antrag auf Löschung ist eingegangen",
		Text: "Guten Tag,\n\nwir haben Ihren Antrag erhalten. Die Frist endet am 02.12.2026.\n", Headers: map[string]string{"Auto-Submitted": "auto-generated"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sent.Response, "2.") || !strings.Contains(sent.Response, "queued") || sent.MessageID == "" || !sent.At.Equal(at) || !strings.Contains(string(sent.Raw), "Auto-Submitted: auto-generated") {
		t.Errorf("proof: %+v", sent)
	}
	got := mp.To(t, to, 1)
	if len(got) != 1 || got[0].Subject != "Ihr Antrag auf Löschung ist eingegangen" || !strings.Contains(got[0].Text, "Die Frist endet am 02.12.2026.") ||
		!strings.Contains(sent.MessageID, strings.Trim(got[0].MessageID, "<>")) {
		t.Errorf("received: %+v (sent %s)", got, sent.MessageID)
	}
}

func TestConfigRefused(t *testing.T) {
	for _, c := range []struct {
		name string
		c    mail.Config
		key  string
	}{
		{"no host", mail.Config{From: "a@example.org"}, "mail.nohost"},
		{"no sender", mail.Config{Host: "smtp.example.org"}, "mail.nofrom"},
		{"plain to another machine", mail.Config{Host: "smtp.example.org", From: "a@example.org", Security: mail.Plain}, "mail.plain"},
		{"unknown security", mail.Config{Host: "smtp.example.org", From: "a@example.org", Security: "ssl3"}, "mail.security"},
	} {
		_, err := mail.New(c.c, nil)
		if ge, ok := err.(*gdpr.Error); !ok || ge.Key != c.key {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	for _, h := range []string{"127.0.0.1", "localhost", "::1"} {
		if _, err := mail.New(mail.Config{Host: h, From: "a@example.org", Security: mail.Plain}, nil); err != nil {
			t.Errorf("plain to %s: %v", h, err)
		}
	}
	s, _ := mail.New(mail.Config{Host: "127.0.0.1", Port: 1, From: "a@example.org", Security: mail.Plain, Timeout: time.Second}, nil)
	if _, err := s.Send(context.Background(), mail.Message{To: "kein Empfänger", Subject: "x", Text: "x"}); gdpr.ErrorCode(err) != gdpr.EINVALID {
		t.Errorf("bad recipient: %v", err)
	}
	if _, err := s.Send(context.Background(), mail.Message{To: "b@example.org", Subject: "x", Text: "x"}); gdpr.ErrorCode(err) != gdpr.EUNAVAILABLE {
		t.Errorf("no server: %v", err)
	}
}
