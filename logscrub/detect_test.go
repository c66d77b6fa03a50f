package logscrub

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"
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
		got += len(b.Observe([]byte(access("203.0.113.7", i*5, 401)), false))
		got += len(b.Observe([]byte(access("198.51.100.1", i*5, 403)), false))
	}
	if got != 0 {
		t.Fatalf("attack before the threshold: %d", got)
	}
	if n := len(b.Observe([]byte(access("203.0.113.7", 50, 401)), false)); n != 10 {
		t.Fatalf("threshold reached: %d lines, want the 10 of the burst", n)
	}
	if n := len(b.Observe([]byte(access("203.0.113.7", 55, 403)), false)); n != 1 {
		t.Fatalf("within the window after a burst: %d", n)
	}
	// Slow failures (one a minute) are no burst.
	s := NewBurst()
	for i := 0; i < 30; i++ {
		if len(s.Observe([]byte(access("192.0.2.9", i*61, 401)), false)) > 0 {
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

// TestBurstWants: the hand-written pre-check accepts exactly the lines the
// pattern `\] "[^"]*" 40[13] ` matches.
func TestBurstWants(t *testing.T) {
	re := regexp.MustCompile(`\] "[^"]*" 40[13] `)
	lines := []string{
		access("203.0.113.7", 1, 401), access("203.0.113.7", 1, 403), access("203.0.113.7", 1, 404), access("203.0.113.7", 1, 200),
		`x [t] "GET /" 401`, `x [t] "GET /" 401 `, `x [t] "" 403 1`, `x [t] "GET /a" 4013 `, `x [t] "GET /a"  401 `,
		`x ] "a" 200 ] "b" 401 0`, `x ] "a`, `] "`, `x ] "a" 40`, `Nov 23 host sshd[1]: x`, `x ] "a] "b" 403 1`,
	}
	r := rand.New(rand.NewPCG(5, 6))
	const alphabet = `] "4013 ab`
	for range 20000 {
		var b strings.Builder
		for range r.IntN(30) {
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		lines = append(lines, b.String())
	}
	b := NewBurst()
	for _, l := range lines {
		if got, want := b.Wants([]byte(l)), re.MatchString(l); got != want {
			t.Fatalf("%q: Wants %v, pattern %v", l, got, want)
		}
	}
}

// TestBurstTakenCountsOnce: a line a stateless detector took counts for the
// burst but is not reported a second time.
func TestBurstTakenCountsOnce(t *testing.T) {
	b := NewBurst()
	var got int
	for i := range 10 {
		got += len(b.Observe([]byte(access("203.0.113.7", i, 403)), i%2 == 0))
	}
	if got != 5 {
		t.Fatalf("burst reported %d lines, want the 5 not taken", got)
	}
}

func TestScannerPaths(t *testing.T) {
	cases := map[string]bool{
		`1.2.3.4 - - [t] "GET /wp-login.php HTTP/1.1" 404 0`:          true,
		`1.2.3.4 - - [t] "POST /blog/xmlrpc.php HTTP/1.1" 404 0`:      true,
		`1.2.3.4 - - [t] "GET /a/../../etc HTTP/1.1" 400 0`:           true,
		`1.2.3.4 - - [t] "GET ../../etc/hosts HTTP/1.1" 400 0`:        true,
		`1.2.3.4 - - [t] "GET /.env"`:                                 true,
		`1.2.3.4 - - [t] "GET /cgi-bin/luci HTTP/1.1" 404 0`:          true,
		`1.2.3.4 - - [t] "GET /shell?cd+/tmp HTTP/1.1" 404 0`:         true,
		`1.2.3.4 - - [t] "GET /a/../b HTTP/1.1" 200 0`:                false,
		`1.2.3.4 - - [t] "GET /index.html HTTP/1.1" 200 0 "/.env"`:    false,
		`1.2.3.4 - - [t] "GET /wp-login.ph HTTP/1.1" 404 0`:           false,
		`1.2.3.4 - - [t] "BREW /.env HTTP/1.1" 404 0`:                 false,
		`Nov 23 host sshd[1]: Failed password for /wp-login.php from`: false,
		`1.2.3.4 - - [t] "GET /.git/config HTTP/1.1" 404 0`:           true,
		`1.2.3.4 - - [t] "GET /.gitignore HTTP/1.1" 200 0`:            false,
		`1.2.3.4 - - [t] "GET /environment HTTP/1.1" 200 0`:           false,
	}
	for line, want := range cases {
		if got := (scannerPaths{}).Match([]byte(line)); got != want {
			t.Errorf("%s: %v, want %v", line, got, want)
		}
	}
}

// TestStreamFindsWhatDetectorsFind: skipping lines without a detector's
// literal changes nothing: the stream reports the lines that asking every
// detector about every line reports, for any chunk size.
func TestStreamFindsWhatDetectorsFind(t *testing.T) {
	user, err := NewRegexDetector("limit", `limiting requests, excess: \d+`)
	if err != nil {
		t.Fatal(err)
	}
	noLiteral, err := NewRegexDetector("teapot", `(?i)" 418 `)
	if err != nil {
		t.Fatal(err)
	}
	dets := append(BuiltinDetectors(), user, noLiteral)
	samples := []string{
		`Nov 23 07:00:01 host sshd[812]: Failed password for root from 203.0.113.7 port 51234 ssh2`,
		`Nov 23 07:00:10 host sshd[814]: Accepted publickey for deploy from 192.0.2.4 port 40000 ssh2`,
		`Nov 23 07:00:04 mail postfix/smtpd[99]: warning: unknown[198.51.100.9]: SASL LOGIN authentication failed: UGFzc3dvcmQ6`,
		`Nov 23 07:00:05 mail postfix/smtpd[99]: NOQUEUE: reject: RCPT from unknown[198.51.100.9]: 454 4.7.1 <x@example.com>: Relay access denied; from=<a@b.de>`,
		`Nov 23 07:00:06 mail dovecot: auth: passwd-file(erika@example.org,198.51.100.9): Password mismatch`,
		`Nov 23 07:00:11 mail dovecot: imap-login: Login: user=<erika@example.org>, rip=198.51.100.9`,
		`203.0.113.7 - - [23/Nov/2026:07:00:08 +0100] "GET /wp-login.php HTTP/1.1" 404 153 "-" "zgrab"`,
		`192.0.2.4 - - [23/Nov/2026:07:00:12 +0100] "GET /index.html HTTP/1.1" 418 512 "-" "Mozilla/5.0"`,
		`2026/11/23 07:00:00 [error] 1#1: *1 limiting requests, excess: 20.5 by zone "one", client: 203.0.113.7`,
		`sshd`, `SASL`, `dovecot`, ``,
	}
	r := rand.New(rand.NewPCG(7, 8))
	var in strings.Builder
	var want []Attack
	for range 3000 {
		l := samples[r.IntN(len(samples))]
		in.WriteString(l + "\n")
		for _, d := range dets {
			if d.Match([]byte(l)) {
				want = append(want, Attack{Detector: d.Name(), Line: []byte(l)})
				break
			}
		}
	}
	sc, _ := New(Options{})
	for _, chunk := range []int{400, 4096, 1 << 20} { // longer than every line
		var got []Attack
		st := &Stream{Scrubber: sc, Detectors: dets, ChunkSize: chunk, Workers: 2,
			OnAttacks: func(a []Attack) error { got = append(got, a...); return nil }}
		if _, err := st.Run(context.Background(), strings.NewReader(in.String()), io.Discard); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("chunk %d: %d attacks, want %d", chunk, len(got), len(want))
		}
		for i := range got {
			if got[i].Detector != want[i].Detector || !bytes.Equal(got[i].Line, want[i].Line) {
				t.Fatalf("chunk %d: attack %d is %s %q, want %s %q", chunk, i, got[i].Detector, got[i].Line, want[i].Detector, want[i].Line)
			}
		}
	}
}

func TestLiteralIndex(t *testing.T) {
	for _, c := range []struct {
		data, lit  string
		from, want int
	}{
		{"abc sshd x", "sshd", 0, 4}, {"abc sshd x", "sshd", 5, 10}, {"sshd", "sshd", 0, 0}, {"sshsshd", "sshd", 0, 3},
		{"ssh", "sshd", 0, 3}, {"NOQUEUE: reject", "NOQUEUE: reject", 0, 0}, {"xx NOQUEUE: rejec", "NOQUEUE: reject", 0, 17},
	} {
		l := newLiteral([]byte(c.lit))
		if got := l.index([]byte(c.data), c.from); got != c.want {
			t.Errorf("index(%q, %q, %d) = %d, want %d", c.data, c.lit, c.from, got, c.want)
		}
	}
}

// detectorPatterns are the built-in detectors as regular expressions: the
// specification the written-out tests must agree with.
var detectorPatterns = map[string]*regexp.Regexp{
	"sshd":          regexp.MustCompile(`sshd(?:-session)?\[\d+\]: (?:Failed (?:password|publickey|keyboard-interactive)|Invalid user|Disconnecting invalid user|error: maximum authentication attempts|Connection closed by (?:invalid|authenticating) user|banner exchange)|pam_unix\(sshd:auth\): authentication failure`),
	"postfix-sasl":  regexp.MustCompile(`SASL (?:LOGIN|PLAIN|CRAM-MD5|DIGEST-MD5|NTLM|XOAUTH2) authentication failed`),
	"postfix-relay": regexp.MustCompile(`NOQUEUE: reject: RCPT from .*(?:Relay access denied|: 55\d )`),
	"dovecot-auth":  regexp.MustCompile(`dovecot.*(?:auth failed|Authentication failure|[Pp]assword mismatch|unknown user)`),
}

// TestDetectorsMatchPatterns: each built-in detector accepts exactly the
// lines its pattern matches, on lines pieced together from the patterns'
// parts, near misses and noise.
func TestDetectorsMatchPatterns(t *testing.T) {
	parts := []string{"sshd", "sshd-session", "[812]", "[]", "[x]", ": ", "]: ", "Failed password", "Failed publickey", "Failed keyboard-interactive",
		"Failed none", "Invalid user", "invalid user", "Disconnecting invalid user", "error: maximum authentication attempts",
		"Connection closed by invalid user", "Connection closed by authenticating user", "Connection closed by user", "banner exchange",
		"pam_unix(", "pam_unix(sshd:auth): authentication failure", "sshd:auth): authentication failure", "(sshd:auth): authentication failure",
		"SASL ", "SASL", "LOGIN", "PLAIN", "CRAM-MD5", "DIGEST-MD5", "NTLM", "XOAUTH2", "GSSAPI", " authentication failed", "authentication failed",
		"NOQUEUE: reject: RCPT from ", "NOQUEUE: reject: ", "RCPT from ", "Relay access denied", ": 554 ", ": 55", ": 550", "5 ", " ",
		"dovecot", "dovecot: ", "auth failed", "Authentication failure", "Password mismatch", "password mismatch", "unknown user", "x", "1", "\xff"}
	r := rand.New(rand.NewPCG(9, 10))
	dets := map[string]Detector{}
	for _, d := range BuiltinDetectors() {
		dets[d.Name()] = d
	}
	// Slots put the parts where the patterns want them, with near misses.
	slots := [][]string{
		{"", "Nov 23 07:00:01 host ", "x pam_unix(", "mail postfix/smtpd[9]: ", "mail "},
		{"sshd", "sshd-session", "ssh", "sshd-sessio", "SASL ", "SASL", "NOQUEUE: reject: RCPT from ", "NOQUEUE: reject: ", "dovecot", "dovecot: "},
		{"", "[812]", "[]", "[x]", "[8", "(sshd:auth)", ":auth)", "LOGIN", "PLAIN", "CRAM-MD5", "XOAUTH2", "GSSAPI", "unknown[1.2.3.4]"},
		{"", ": ", "]: ", " ", ": 554 ", ": 55x ", ": 450 "},
		{"", "Failed password", "Failed publickey", "Failed keyboard-interactive", "Failed none", "Invalid user", "Disconnecting invalid user",
			"error: maximum authentication attempts", "Connection closed by invalid user", "Connection closed by authenticating user",
			"Connection closed by user", "banner exchange", "authentication failure", " authentication failed", "authentication failed",
			"Relay access denied", "Relay access refused", "auth failed", "Authentication failure", "Password mismatch", "password mismatch", "unknown user", "Accepted publickey"},
		{"", " for root", " 5 ", "\xff"},
	}
	for n := 0; n < 200000; n++ {
		var b strings.Builder
		if n%2 == 0 {
			for _, slot := range slots {
				b.WriteString(slot[r.IntN(len(slot))])
			}
		} else {
			for range 1 + r.IntN(7) {
				b.WriteString(parts[r.IntN(len(parts))])
			}
		}
		line := []byte(b.String())
		for name, re := range detectorPatterns {
			if got, want := dets[name].Match(line), re.Match(line); got != want {
				t.Fatalf("%s on %q: %v, pattern says %v", name, line, got, want)
			}
		}
	}
}

func TestAccessTime(t *testing.T) {
	want := time.Date(2026, 11, 23, 7, 0, 1, 0, time.FixedZone("", 3600))
	for line, ok := range map[string]bool{
		`1.2.3.4 - - [23/Nov/2026:07:00:01 +0100] "GET / HTTP/1.1" 401 0`:    true,
		`[x] 1.2.3.4 - - [23/Nov/2026:07:00:01 +0100] "GET /" 401 0`:         true,
		`1.2.3.4 - - [23/Nov/2026:07:00:01 +0100 "GET /" 401 0`:              false,
		`1.2.3.4 - - [23/Xyz/2026:07:00:01 +0100] "GET /" 401 0`:             false,
		`1.2.3.4 - - [23/Nov/2026:07:00:01 +0100]`:                           true,
		`1.2.3.4 - - [2026-11-23T07:00:01+01:00] "GET / HTTP/1.1" 401 0`:     false,
		`1.2.3.4 - - [23/Nov/2026:07:00:01 +0100][ "GET / HTTP/1.1" 401 0 [`: true,
	} {
		got, found := accessTime([]byte(line))
		if found != ok || ok && !got.Equal(want) {
			t.Errorf("%s: %v %v", line, got, found)
		}
	}
}
