package logscrub

import (
	"bytes"
	"fmt"
	"regexp"
	"time"
)

// regexDetector matches lines that contain a keyword (a cheap test done
// first) and then a pattern.
type regexDetector struct {
	name    string
	keyword []byte
	re      *regexp.Regexp
	// any, when set, must also occur (one of them) before the pattern runs:
	// most lines of a daemon are no attacks.
	any [][]byte
}

func (d *regexDetector) Name() string { return d.name }

func (d *regexDetector) Match(line []byte) bool {
	if d.keyword != nil && !bytes.Contains(line, d.keyword) {
		return false
	}
	if d.any != nil {
		found := false
		for _, a := range d.any {
			if bytes.Contains(line, a) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return d.re.Match(line)
}

func bytesList(xs ...string) [][]byte {
	out := make([][]byte, len(xs))
	for i, x := range xs {
		out[i] = []byte(x)
	}
	return out
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
		&regexDetector{name: "sshd", keyword: []byte("sshd"), any: bytesList("Failed ", "nvalid user", "authentication failure", "maximum authentication", "Connection closed by", "banner exchange"), re: regexp.MustCompile(`sshd(?:-session)?\[\d+\]: (?:Failed (?:password|publickey|keyboard-interactive)|Invalid user|Disconnecting invalid user|error: maximum authentication attempts|Connection closed by (?:invalid|authenticating) user|banner exchange)|pam_unix\(sshd:auth\): authentication failure`)},
		&regexDetector{name: "postfix-sasl", keyword: []byte("SASL"), re: regexp.MustCompile(`SASL (?:LOGIN|PLAIN|CRAM-MD5|DIGEST-MD5|NTLM|XOAUTH2) authentication failed`)},
		&regexDetector{name: "postfix-relay", keyword: []byte("NOQUEUE: reject"), re: regexp.MustCompile(`NOQUEUE: reject: RCPT from .*(?:Relay access denied|: 55\d )`)},
		&regexDetector{name: "dovecot-auth", keyword: []byte("dovecot"), any: bytesList("auth failed", "uthentication failure", "assword mismatch", "unknown user"), re: regexp.MustCompile(`dovecot.*(?:auth failed|Authentication failure|[Pp]assword mismatch|unknown user)`)},
		scannerPaths{},
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
func NewBurst() *Burst {
	return &Burst{Threshold: 10, Window: time.Minute, clients: map[string]*burstState{}}
}

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

// scannerMarkers are paths that only vulnerability scanners request.
var scannerMarkers = [][]byte{[]byte("/wp-login.php"), []byte("/xmlrpc.php"), []byte("/.env"), []byte("/.git/"), []byte("/phpmyadmin"),
	[]byte("/pma/"), []byte("/cgi-bin/"), []byte("/HNAP1"), []byte("/boaform"), []byte("/actuator/"), []byte("/vendor/phpunit"),
	[]byte("/.aws/"), []byte("/etc/passwd"), []byte("../../"), []byte("/shell?"), []byte("/setup.cgi")}

var httpMethods = [][]byte{[]byte("GET "), []byte("POST "), []byte("HEAD "), []byte("PUT "), []byte("DELETE "), []byte("OPTIONS "), []byte("PROPFIND "), []byte("CONNECT ")}

// scannerPaths detects requests for scanner paths in access logs. It looks
// at the request's path only, which keeps it cheap on every access line.
type scannerPaths struct{}

func (scannerPaths) Name() string { return "http-scanner" }

func (scannerPaths) Match(line []byte) bool {
	q := bytes.IndexByte(line, '"')
	if q < 0 {
		return false
	}
	req := line[q+1:]
	for _, m := range httpMethods {
		if bytes.HasPrefix(req, m) {
			path := req[len(m):]
			if e := bytes.IndexAny(path, " \""); e >= 0 {
				path = path[:e]
			}
			for _, mk := range scannerMarkers {
				if bytes.Contains(path, mk) {
					return true
				}
			}
			return false
		}
	}
	return false
}
