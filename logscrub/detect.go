package logscrub

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// regexDetector is a user-defined detector: a pattern, and the literal
// the pattern starts with (if any) as a cheap test done first.
type regexDetector struct {
	name    string
	keyword []byte
	re      *regexp.Regexp
}

func (d *regexDetector) Name() string { return d.name }

func (d *regexDetector) literal() []byte { return d.keyword }

func (d *regexDetector) Match(line []byte) bool {
	if d.keyword != nil && !bytes.Contains(line, d.keyword) {
		return false
	}
	return d.re.Match(line)
}

func (d *regexDetector) matchAt(line []byte, _ int) bool { return d.re.Match(line) }

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
	// A literal start of the pattern is a keyword: lines without it are
	// skipped by the stream without running the pattern.
	var kw []byte
	if p, _ := re.LiteralPrefix(); p != "" && !strings.ContainsRune(p, '\n') {
		kw = []byte(p)
	}
	return &regexDetector{name: name, keyword: kw, re: re}, nil
}

// keywordDetector is a built-in detector: a keyword, and a test of what
// follows each occurrence of it. The tests are written out instead of
// regular expressions, which cost as much as the rest of the detection
// on a log full of daemon lines; detect_test.go holds the equivalent
// patterns and checks that both agree.
type keywordDetector struct {
	name    string
	keyword []byte
	// after tests the line after an occurrence of the keyword ending at i.
	after func(line []byte, i int) bool
}

func (d *keywordDetector) Name() string { return d.name }

func (d *keywordDetector) literal() []byte { return d.keyword }

func (d *keywordDetector) Match(line []byte) bool {
	i := bytes.Index(line, d.keyword)
	return i >= 0 && d.matchAt(line, i)
}

func (d *keywordDetector) matchAt(line []byte, at int) bool {
	for from := at; ; {
		from += len(d.keyword)
		if d.after(line, from) {
			return true
		}
		i := bytes.Index(line[from:], d.keyword)
		if i < 0 {
			return false
		}
		from += i
	}
}

// hasPrefixAny reports whether b starts with one of ps.
func hasPrefixAny(b []byte, ps ...string) bool {
	for _, p := range ps {
		if len(b) >= len(p) && string(b[:len(p)]) == p {
			return true
		}
	}
	return false
}

// containsAny reports whether b contains one of ps.
func containsAny(b []byte, ps ...string) bool {
	for _, p := range ps {
		if bytes.Contains(b, []byte(p)) {
			return true
		}
	}
	return false
}

// sshdAttack: after "sshd", `(-session)?\[\d+\]: ` and a failure message,
// or PAM's "(sshd:auth): authentication failure" of pam_unix.
func sshdAttack(line []byte, i int) bool {
	rest := line[i:]
	if hasPrefixAny(rest, ":auth): authentication failure") && bytes.HasSuffix(line[:i-4], []byte("pam_unix(")) {
		return true
	}
	rest = bytes.TrimPrefix(rest, []byte("-session"))
	if len(rest) < 2 || rest[0] != '[' || !isDigit(rest[1]) {
		return false
	}
	k := 1
	for k < len(rest) && isDigit(rest[k]) {
		k++
	}
	if !hasPrefixAny(rest[k:], "]: ") {
		return false
	}
	msg := rest[k+3:]
	if len(msg) == 0 {
		return false
	}
	// By the first byte: most sshd lines are no failure and are told so
	// by one comparison.
	switch msg[0] {
	case 'F':
		return hasPrefixAny(msg, "Failed password", "Failed publickey", "Failed keyboard-interactive")
	case 'I':
		return hasPrefixAny(msg, "Invalid user")
	case 'D':
		return hasPrefixAny(msg, "Disconnecting invalid user")
	case 'e':
		return hasPrefixAny(msg, "error: maximum authentication attempts")
	case 'C':
		return hasPrefixAny(msg, "Connection closed by invalid user", "Connection closed by authenticating user")
	case 'b':
		return hasPrefixAny(msg, "banner exchange")
	}
	return false
}

// saslAttack: after "SASL ", a mechanism and " authentication failed".
func saslAttack(line []byte, i int) bool {
	rest := line[i:]
	for _, m := range []string{"LOGIN", "PLAIN", "CRAM-MD5", "DIGEST-MD5", "NTLM", "XOAUTH2"} {
		if hasPrefixAny(rest, m) {
			return hasPrefixAny(rest[len(m):], " authentication failed")
		}
	}
	return false
}

// relayAttack: after "NOQUEUE: reject: RCPT from ", "Relay access denied"
// or a permanent 55x rejection (`: 55\d `) somewhere.
func relayAttack(line []byte, i int) bool {
	rest := line[i:]
	if bytes.Contains(rest, []byte("Relay access denied")) {
		return true
	}
	for {
		i := bytes.Index(rest, []byte(": 55"))
		if i < 0 {
			return false
		}
		rest = rest[i+4:]
		if len(rest) >= 2 && isDigit(rest[0]) && rest[1] == ' ' {
			return true
		}
	}
}

// dovecotAttack: after "dovecot", a failed authentication somewhere.
func dovecotAttack(line []byte, i int) bool {
	return containsAny(line[i:], "auth failed", "Authentication failure", "Password mismatch", "password mismatch", "unknown user")
}

// BuiltinDetectors are the stateless detectors: failed SSH logins, SASL
// authentication failures and relay denials of postfix and dovecot, and
// requests for paths that only scanners ask for.
func BuiltinDetectors() []Detector {
	return []Detector{
		&keywordDetector{name: "sshd", keyword: []byte("sshd"), after: sshdAttack},
		&keywordDetector{name: "postfix-sasl", keyword: []byte("SASL "), after: saslAttack},
		&keywordDetector{name: "postfix-relay", keyword: []byte("NOQUEUE: reject: RCPT from "), after: relayAttack},
		&keywordDetector{name: "dovecot-auth", keyword: []byte("dovecot"), after: dovecotAttack},
		scannerPaths{},
	}
}

// Sequential is a detector that needs the lines in input order (it keeps
// state across lines).
type Sequential interface {
	Name() string
	// Wants reports whether Observe must see the line. It runs in the
	// workers, so it must be safe for concurrent use; it keeps the ordered
	// part small.
	Wants(line []byte) bool
	// Observe sees the wanted lines in input order and returns copies of
	// the lines that became attacks with this one, possibly earlier ones
	// it held back. A taken line (one a stateless detector reported
	// already) counts, but is not returned again.
	Observe(line []byte, taken bool) [][]byte
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
	held  [][]byte  // nil for a taken line
	hot   time.Time // attack mode until
}

// NewBurst returns a burst detector: 10 answers within a minute.
func NewBurst() *Burst {
	return &Burst{Threshold: 10, Window: time.Minute, clients: map[string]*burstState{}}
}

// Name implements Sequential.
func (b *Burst) Name() string { return "http-401-403-burst" }

// requestEnd is what ends the request field of an access log line and
// starts its status.
var requestEnd = []byte(`] "`)

func (b *Burst) literal() []byte { return requestEnd }

// Wants implements Sequential: the line has a request in quotes after the
// time in brackets, answered with 401 or 403 (`\] "[^"]*" 40[13] `).
func (b *Burst) Wants(line []byte) bool {
	i := bytes.Index(line, requestEnd)
	return i >= 0 && b.wantsAt(line, i)
}

// wantsAt is Wants for a line whose first requestEnd is at at.
func (b *Burst) wantsAt(line []byte, at int) bool {
	for i := at; ; {
		i += len(requestEnd)
		q := bytes.IndexByte(line[i:], '"')
		if q < 0 {
			return false
		}
		st := line[i+q:]
		if len(st) >= 6 && st[1] == ' ' && st[2] == '4' && st[3] == '0' && (st[4] == '1' || st[4] == '3') && st[5] == ' ' {
			return true
		}
		k := bytes.Index(line[i:], requestEnd)
		if k < 0 {
			return false
		}
		i += k
	}
}

// accessTime finds the time of an access log line: the first
// "[02/Jan/2006:15:04:05 -0700]".
func accessTime(line []byte) (time.Time, bool) {
	const layout = "02/Jan/2006:15:04:05 -0700"
	for i := 0; ; i++ {
		k := bytes.IndexByte(line[i:], '[')
		if k < 0 {
			return time.Time{}, false
		}
		i += k
		if e := i + 1 + len(layout); e < len(line) && line[e] == ']' {
			if t, err := time.Parse(layout, string(line[i+1:e])); err == nil {
				return t, true
			}
		}
	}
}

// Observe implements Sequential.
func (b *Burst) Observe(line []byte, taken bool) [][]byte {
	if !b.Wants(line) {
		return nil
	}
	t, ok := accessTime(line)
	sp := bytes.IndexByte(line, ' ')
	if !ok || sp <= 0 {
		return nil
	}
	st := b.clients[string(line[:sp])]
	if st == nil {
		if len(b.clients) > 100000 {
			b.clients = map[string]*burstState{} // bound memory under a spray
		}
		st = &burstState{}
		b.clients[string(line[:sp])] = st
	}
	var raw []byte
	if !taken {
		raw = append([]byte(nil), line...)
	}
	if t.Before(st.hot) {
		st.hot = t.Add(b.Window)
		if taken {
			return nil
		}
		return [][]byte{raw}
	}
	i := 0
	for i < len(st.times) && t.Sub(st.times[i]) > b.Window {
		i++
	}
	st.times, st.held = append(st.times[i:], t), append(st.held[i:], raw)
	if len(st.times) < b.Threshold {
		return nil
	}
	var out [][]byte
	for _, l := range st.held {
		if l != nil {
			out = append(out, l)
		}
	}
	st.times, st.held, st.hot = nil, nil, t.Add(b.Window)
	return out
}

// scannerMarkers are paths that only vulnerability scanners request.
var scannerMarkers = []string{"/wp-login.php", "/xmlrpc.php", "/.env", "/.git/", "/phpmyadmin", "/pma/", "/cgi-bin/", "/HNAP1",
	"/boaform", "/actuator/", "/vendor/phpunit", "/.aws/", "/etc/passwd", "../../", "/shell?", "/setup.cgi"}

// markerAt files each marker under the byte after its first '/': at each
// '/' of a path only the markers that can start there are compared.
var markerAt [256][]marker

type marker struct {
	s     string
	slash int // offset of the first '/' in s
}

func init() {
	for _, m := range scannerMarkers {
		k := strings.IndexByte(m, '/')
		markerAt[m[k+1]] = append(markerAt[m[k+1]], marker{m, k})
	}
}

// requestPath returns what follows the method and its space in a request
// ("GET /x HTTP/1.1" gives "/x HTTP/1.1"), if it starts with a method.
func requestPath(req []byte) ([]byte, bool) {
	sp := bytes.IndexByte(req[:min(len(req), len("PROPFIND "))], ' ')
	if sp < 0 {
		return nil, false
	}
	switch string(req[:sp]) {
	case "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PROPFIND", "CONNECT":
		return req[sp+1:], true
	}
	return nil, false
}

// scannerPaths detects requests for scanner paths in access logs. It looks
// at the request's path only, and there only at its slashes, which keeps
// it cheap on every access line.
type scannerPaths struct{}

func (scannerPaths) Name() string { return "http-scanner" }

func (scannerPaths) Match(line []byte) bool {
	q := bytes.IndexByte(line, '"')
	if q < 0 {
		return false
	}
	path, ok := requestPath(line[q+1:])
	if !ok {
		return false
	}
	for i := 0; i < len(path)-1; i++ {
		switch path[i] {
		case ' ', '"':
			return false
		case '/':
			// A marker holds no space or quote: found from here, it
			// lies within the path.
			for _, mk := range markerAt[path[i+1]] {
				if st := i - mk.slash; st >= 0 && len(path)-st >= len(mk.s) && string(path[st:st+len(mk.s)]) == mk.s {
					return true
				}
			}
		}
	}
	return false
}
