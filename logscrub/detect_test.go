package logscrub

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
)

func TestBuiltinDetectors(t *testing.T) {
	cases := []struct {
		line, want string
	}{
		{`Nov 23 07:00:01 host sshd[812]: Failed password for root from 203.0.113.7 port 51234 ssh2`, "sshd"},
		{`Nov 23 07:00:02 host sshd[812]: Invalid user admin from 203.0.113.7 port 51236`, "sshd"},
		{`Nov 23 07:00:03 host sshd[813]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7`, "sshd"},
		{`Nov 23 07:00:04 mail postfix/smtpd[99]: warning: unknown[198.51.100.9]: SASL LOGIN authentication failed: UGFzc3dvcmQ6`, "postfix-sasl"},
		{`Nov 23 07:00:05 mail postfix/smtpd[99]: NOQUEUE: reject: RCPT from unknown[198.51.100.9]: 454 4.7.1 <x@example.com>: Relay access denied; from=<a@b.de> to=<x@example.com>`, "postfix-relay"},
		{`Nov 23 07:00:06 mail dovecot: auth: passwd-file(erika@example.org,198.51.100.9): Password mismatch`, "dovecot-auth"},
		{`Nov 23 07:00:07 mail dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<erika@example.org>, rip=198.51.100.9`, "dovecot-auth"},
		{`203.0.113.7 - - [23/Nov/2026:07:00:08 +0100] "GET /wp-login.php HTTP/1.1" 404 153 "-" "zgrab"`, "http-scanner"},
		{`203.0.113.7 - - [23/Nov/2026:07:00:09 +0100] "GET /.env HTTP/1.1" 404 153 "-" "curl"`, "http-scanner"},
		// Not attacks.
		{`Nov 23 07:00:10 host sshd[814]: Accepted publickey for deploy from 192.0.2.4 port 40000 ssh2`, ""},
		{`Nov 23 07:00:11 mail postfix/smtp[100]: 1A2B3C: to=<bob@example.com>, relay=mx.example.com[192.0.2.5]:25, dsn=2.0.0, status=sent`, ""},
		{`192.0.2.4 - - [23/Nov/2026:07:00:12 +0100] "GET /index.html HTTP/1.1" 200 512 "-" "Mozilla/5.0"`, ""},
	}
	ds := BuiltinDetectors()
	for _, c := range cases {
		got := ""
		for _, d := range ds {
			if d.Match([]byte(c.line)) {
				got = d.Name()
				break
			}
		}
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.line, got, c.want)
		}
	}
}

func TestUserDetector(t *testing.T) {
	d, err := NewRegexDetector("nginx-limit", `limiting requests, excess: \d+`)
	if err != nil || !d.Match([]byte(`2026/11/23 07:00:00 [error] 1#1: *1 limiting requests, excess: 20.5 by zone "one", client: 203.0.113.7`)) {
		t.Fatal(d, err)
	}
	if _, err := NewRegexDetector("bad", `(`); err == nil || !strings.Contains(err.Error(), "detector bad") {
		t.Errorf("bad pattern: %v", err)
	}
}

func access(client string, sec, status int) string {
	return fmt.Sprintf(`%s - - [23/Nov/2026:07:%02d:%02d +0100] "GET /admin HTTP/1.1" %d 153 "-" "curl/8.0"`, client, sec/60, sec%60, status)
}

func TestBurst(t *testing.T) {
	b := NewBurst()
	var got int
	for i := 0; i < 9; i++ {
		got += len(b.Observe([]byte(access("203.0.113.7", i*5, 401))))
		got += len(b.Observe([]byte(access("198.51.100.1", i*5, 403))))
	}
	if got != 0 {
		t.Fatalf("attack before the threshold: %d", got)
	}
	if n := len(b.Observe([]byte(access("203.0.113.7", 50, 401)))); n != 10 {
		t.Fatalf("threshold reached: %d lines, want the 10 of the burst", n)
	}
	if n := len(b.Observe([]byte(access("203.0.113.7", 55, 403)))); n != 1 {
		t.Fatalf("within the window after a burst: %d", n)
	}
	// Slow failures (one a minute) are no burst.
	s := NewBurst()
	for i := 0; i < 30; i++ {
		if len(s.Observe([]byte(access("192.0.2.9", i*61, 401)))) > 0 {
			t.Fatal("slow failures counted as burst")
		}
	}
}

// TestStreamAttacks: attack lines go unredacted to OnAttacks, the output
// gets every line anonymised.
func TestStreamAttacks(t *testing.T) {
	var in strings.Builder
	in.WriteString("Nov 23 07:00:01 host sshd[812]: Failed password for root from 203.0.113.7 port 51234 ssh2\n")
	for i := 0; i < 10; i++ {
		in.WriteString(access("198.51.100.1", i, 401) + "\n")
	}
	in.WriteString(access("192.0.2.4", 30, 200) + "\n")
	sc, _ := New(Options{})
	var attacks []Attack
	st := &Stream{Scrubber: sc, Detectors: BuiltinDetectors(), Sequential: []Sequential{NewBurst()}, ChunkSize: 256, Workers: 2,
		OnAttacks: func(a []Attack) error { attacks = append(attacks, a...); return nil }}
	var out bytes.Buffer
	c, err := st.Run(context.Background(), strings.NewReader(in.String()), &out)
	if err != nil {
		t.Fatal(err)
	}
	if c.AttackLines != 11 || len(attacks) != 11 || attacks[0].Detector != "sshd" || !bytes.Contains(attacks[0].Line, []byte("203.0.113.7")) {
		t.Fatalf("attacks %d %+v", c.AttackLines, attacks)
	}
	if strings.Contains(out.String(), "203.0.113.7") || strings.Contains(out.String(), "198.51.100.1") || strings.Count(out.String(), "\n") != 12 {
		t.Fatalf("output %s", out.String())
	}
}
