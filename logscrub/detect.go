package logscrub

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// regexDetector matches lines that contain a keyword (a cheap test done
// first) and then a pattern.
type regexDetector struct {
	name    string
	keyword []byte
	re      *regexp.Regexp
}

func (d *regexDetector) Name() string { return d.name }

func (d *regexDetector) Match(line []byte) bool {
	return (d.keyword == nil || bytes.Contains(line, d.keyword)) && d.re.Match(line)
}

// NewRegexDetector makes a user-defined detector from a pattern (Go regexp
// syntax). Returns an error naming the detector for a bad pattern.
func NewRegexDetector(name, pattern string) (Detector, error) {
	if name == "" {
		return nil, fmt.Errorf("a detector needs a name")
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("detector %s: %w", name, err)
	}
	return &regexDetector{name: name, re: re}, nil
}

// BuiltinDetectors are the stateless detectors: failed SSH logins, SASL
// authentication failures and relay denials of postfix and dovecot, and
// requests for paths that only scanners ask for.
func BuiltinDetectors() []Detector {
	return []Detector{
		&regexDetector{"sshd", []byte("sshd"), regexp.MustCompile(`sshd(?:-session)?\[\d+\]: (?:Failed (?:password|publickey|keyboard-interactive)|Invalid user|Disconnecting invalid user|error: maximum authentication attempts|Connection closed by (?:invalid|authenticating) user|banner exchange)|pam_unix\(sshd:auth\): authentication failure`)},
		&regexDetector{"postfix-sasl", []byte("SASL"), regexp.MustCompile(`SASL (?:LOGIN|PLAIN|CRAM-MD5|DIGEST-MD5|NTLM|XOAUTH2) authentication failed`)},
		&regexDetector{"postfix-relay", []byte("reject"), regexp.MustCompile(`NOQUEUE: reject: RCPT from .*(?:Relay access denied|: 55\d )`)},
		&regexDetector{"dovecot-auth", []byte("dovecot"), regexp.MustCompile(`dovecot.*(?:auth failed|Authentication failure|[Pp]assword mismatch|unknown user)`)},
		&regexDetector{"http-scanner", []byte("\" "), regexp.MustCompile(`"(?:GET|POST|HEAD|PUT|DELETE|OPTIONS|PROPFIND|CONNECT) [^"]*(?:/wp-login\.php|/xmlrpc\.php|/\.env|/\.git/|/phpmyadmin|/pma/|/cgi-bin/|/HNAP1|/boaform|/actuator/|/vendor/phpunit|/\.aws/|/etc/passwd|\.\./\.\./|/shell\?|/setup\.cgi)`)},
	}
}

// Sequential is a detector that needs the lines in input order (it keeps
// state across lines). Observe returns the lines that became attacks with
// this one, possibly including earlier ones it held back.
type Sequential interface {
	Name() string
	Observe(line []byte) [][]byte
}

// Burst detects bursts of HTTP 401/403 answers to one client in an access
// log (combined or common format): once Threshold such lines of a client
// fall within Window by the log's own timestamps, they and the following
// ones within the window are attacks.
type Burst struct {
	Threshold int
	Window    time.Duration
	clients   map[string]*burstState
}

type burstState struct {
	times []time.Time
	held  [][]byte
	hot   time.Time // attack mode until
}

// NewBurst returns a burst detector: 10 answers within a minute.
func NewBurst() *Burst { return &Burst{Threshold: 10, Window: time.Minute, clients: map[string]*burstState{}} }

// Name implements Sequential.
func (b *Burst) Name() string { return "http-401-403-burst" }

var (
	accessStatus = regexp.MustCompile(`\] "[^"]*" (40[13]) `)
	accessTime   = regexp.MustCompile(`\[(\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\]`)
)

// Observe implements Sequential.
func (b *Burst) Observe(line []byte) [][]byte {
	if !bytes.Contains(line, []byte("\" 40")) {
		return nil
	}
	m := accessStatus.FindSubmatch(line)
	if m == nil {
		return nil
	}
	tm := accessTime.FindSubmatch(line)
	sp := bytes.IndexByte(line, ' ')
	if tm == nil || sp <= 0 {
		return nil
	}
	t, err := time.Parse("02/Jan/2006:15:04:05 -0700", string(tm[1]))
	if err != nil {
		return nil
	}
	client := string(line[:sp])
	st := b.clients[client]
	if st == nil {
		if len(b.clients) > 100000 {
			b.clients = map[string]*burstState{} // bound memory under a spray
		}
		st = &burstState{}
		b.clients[client] = st
	}
	raw := append([]byte(nil), line...)
	if t.Before(st.hot) {
		st.hot = t.Add(b.Window)
		return [][]byte{raw}
	}
	i := 0
	for i < len(st.times) && t.Sub(st.times[i]) > b.Window {
		i++
	}
	st.times, st.held = append(st.times[i:], t), append(st.held[i:], raw)
	if len(st.times) >= b.Threshold {
		out := st.held
		st.times, st.held, st.hot = nil, nil, t.Add(b.Window)
		return out
	}
	return nil
}

// statusOf is used by tests and tools: the HTTP status of an access line.
func statusOf(line []byte) int {
	m := accessStatus.FindSubmatch(line)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}
