// Package mail sends the engine's mails over SMTP (wneessen/go-mail):
// notices to data subjects and reminders to staff. A mail sent is
// returned with what proves it: its Message-ID, the rendered message and
// the SMTP server's answer. The connection is encrypted unless it goes to
// this machine itself.
package mail

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"gdpr"
)

// Security is how the connection to the SMTP server is protected.
type Security string

// Securities.
const (
	StartTLS Security = "starttls" // STARTTLS, required (the default)
	TLS      Security = "tls"      // TLS from the first byte (port 465)
	Plain    Security = "none"     // no encryption: only to a server on this machine
)

// Config is the SMTP server and the sender.
type Config struct {
	Host     string
	Port     int // default 587 (STARTTLS), 465 (TLS), 25 (none)
	Security Security
	User     string
	Password string
	From     string // the sender's address
	FromName string
	Timeout  time.Duration // default 15 s
}

// Message is one mail.
type Message struct {
	To      string
	Subject string
	Text    string
	// Headers are extra headers (List-Unsubscribe, Auto-Submitted).
	Headers map[string]string
}

// Sent is what proves a mail was handed over.
type Sent struct {
	MessageID string    `json:"message_id"`
	At        time.Time `json:"at"`
	// Response is the SMTP server's answer to the message ("250 2.0.0
	// Ok: queued as …").
	Response string `json:"response"`
	// Raw is the message as it was sent (RFC 5322).
	Raw []byte `json:"-"`
}

// Sender sends mails.
type Sender interface {
	Send(ctx context.Context, m Message) (Sent, error)
}

// SMTP sends through an SMTP server.
type SMTP struct {
	c   Config
	now func() time.Time
}

// loopback reports whether host is this machine.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// New checks the configuration: a sender and a host are needed, and an
// unencrypted connection is refused unless it goes to this machine.
func New(c Config, now func() time.Time) (*SMTP, error) {
	if now == nil {
		now = time.Now
	}
	if c.Security == "" {
		c.Security = StartTLS
	}
	if strings.TrimSpace(c.Host) == "" {
		return nil, gdpr.Keyed(gdpr.EINVALID, "smtp-host", "mail.nohost")
	}
	if strings.TrimSpace(c.From) == "" {
		return nil, gdpr.Keyed(gdpr.EINVALID, "mail-from", "mail.nofrom")
	}
	switch c.Security {
	case StartTLS, TLS:
	case Plain:
		if !loopback(c.Host) {
			return nil, gdpr.Keyed(gdpr.EINVALID, "smtp-tls", "mail.plain", c.Host)
		}
	default:
		return nil, gdpr.Keyed(gdpr.EINVALID, "smtp-tls", "mail.security", string(c.Security))
	}
	if c.Port == 0 {
		c.Port = map[Security]int{StartTLS: 587, TLS: 465, Plain: 25}[c.Security]
	}
	if c.Timeout == 0 {
		c.Timeout = 15 * time.Second
	}
	return &SMTP{c: c, now: now}, nil
}

// Send delivers m to the SMTP server and returns the proof of it.
func (s *SMTP) Send(ctx context.Context, m Message) (Sent, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	var err error
	if s.c.FromName != "" {
		err = msg.FromFormat(s.c.FromName, s.c.From)
	} else {
		err = msg.From(s.c.From)
	}
	if err != nil {
		return Sent{}, gdpr.Keyed(gdpr.EINVALID, "mail-from", "mail.badfrom", s.c.From)
	}
	if err := msg.To(m.To); err != nil {
		return Sent{}, gdpr.Keyed(gdpr.EINVALID, "to", "mail.badto")
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	for k, v := range m.Headers {
		msg.SetGenHeader(gomail.Header(k), v)
	}
	at := s.now()
	msg.SetDateWithValue(at)
	msg.SetMessageID()
	opts := []gomail.Option{gomail.WithPort(s.c.Port), gomail.WithTimeout(s.c.Timeout)}
	switch s.c.Security {
	case StartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLS:
		opts = append(opts, gomail.WithSSL())
	case Plain:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.c.User != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(s.c.User), gomail.WithPassword(s.c.Password))
	}
	client, err := gomail.NewClient(s.c.Host, opts...)
	if err != nil {
		return Sent{}, fmt.Errorf("smtp client: %w", err)
	}
	var raw bytes.Buffer
	if _, err := msg.WriteTo(&raw); err != nil {
		return Sent{}, fmt.Errorf("render mail: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		// The server's words, not the recipient's address.
		return Sent{}, gdpr.Keyed(gdpr.EUNAVAILABLE, "", "mail.send", s.c.Host, err)
	}
	return Sent{MessageID: msg.GetMessageID(), At: at, Response: msg.ServerResponse(), Raw: raw.Bytes()}, nil
}
