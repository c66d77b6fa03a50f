// Package auth is the domain of sign-in: roles and what they may do,
// argon2id password hashes, random secrets for sessions, CSRF and API
// tokens (kept only as hashes), and the login throttle. It does no I/O
// beyond reading the system's random source.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
	"golang.org/x/crypto/argon2"

	"gdpr"
)

// Role is what a user or token may do.
type Role string

// Roles.
const (
	Admin   Role = "admin"   // users, tokens, settings, and everything an editor may
	Editor  Role = "editor"  // the DPO: edit everything in the register
	Auditor Role = "auditor" // read and export only
	// App is the company's own applications: the subjects API only
	// (people's data in the vault), nothing of the register.
	App Role = "app"
)

// Roles lists the roles, most powerful first.
var Roles = []Role{Admin, Editor, Auditor, App}

// ParseRole validates a role name. Returns EINVALID.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", gdpr.Keyed(gdpr.EINVALID, "role", "auth.role.unknown", s)
}

// Permission is what a route or command needs.
type Permission int

// Permissions, from least to most.
const (
	Read   Permission = iota // view the register, findings, exports
	Write                    // change the register
	Manage                   // users, tokens, settings
	// Subjects: read and write people's data in the vault. Not above
	// Manage in an order: an auditor has none of it, an app only it.
	Subjects
)

// Allows reports whether the role grants p.
func (r Role) Allows(p Permission) bool {
	switch r {
	case Admin:
		return true
	case Editor:
		return p <= Write || p == Subjects
	case Auditor:
		return p == Read
	case App:
		return p == Subjects
	}
	return false
}

// Argon2id parameters: the OWASP recommendation (19 MiB, 2 passes, 1 lane)
// keeps a sign-in under 100 ms on a small server while making offline
// guessing expensive.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

// MinPassword is the shortest password accepted (NIST SP 800-63B).
const MinPassword = 12

// MaxPassword bounds a password in bytes: argon2 takes any length, but
// an unbounded one costs memory in every form that accepts it.
const MaxPassword = 1024

// MinGuesses is how many guesses a password must take by the zxcvbn
// estimate: 10^9, above zxcvbn's score 3 (10^8, which "Sommer2026!!"
// reaches), out of reach online and days of work offline against an
// argon2id hash.
const MinGuesses = 1e9

// strengthRunes bounds what the strength estimate looks at: its cost grows
// with the square of the length (20 ms at 100 characters), and a longer
// password is at least as strong as its first 64 characters.
const strengthRunes = 64

// germanWords are words of common German passwords that zxcvbn's English
// lists lack (from the lists of most used German passwords published each
// year); they are ranked as a dictionary like the user's own name.
var germanWords = []string{"passwort", "kennwort", "geheim", "hallo", "hallowelt", "welt", "sommer", "winter", "fruehling",
	"frühling", "herbst", "schatz", "schatzi", "liebe", "lieblingsmensch", "fussball", "fußball", "schalke", "dortmund",
	"bayern", "borussia", "hamburg", "berlin", "muenchen", "münchen", "koeln", "köln", "deutschland", "mausi", "hase",
	"schnecke", "engel", "sonne", "blume", "katze", "hund", "ficken", "arsch", "zugang", "anmeldung", "willkommen",
	"datenschutz", "dsgvo", "gdpr", "verzeichnis", "admin", "administrator", "benutzer", "firma", "buero", "büro",
	"montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag", "januar", "februar", "maerz",
	"märz", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "dezember", "qwertz",
	"qwertzuiop", "asdfghjkl", "yxcvbnm"}

// CheckPassword enforces the password rules: at least MinPassword
// characters, at most MaxPassword bytes, and hard to guess by the zxcvbn
// estimate (common passwords, German and English words, names, repeats
// such as twelve spaces, sequences, keyboard rows and dates count as easy;
// so does the account's own name, passed in context). Returns an EINVALID
// *gdpr.Error with a catalogue key.
func CheckPassword(pw string, context ...string) error {
	if utf8.RuneCountInString(pw) < MinPassword {
		return gdpr.Keyed(gdpr.EINVALID, "password", "password.short", MinPassword)
	}
	if len(pw) > MaxPassword || !utf8.ValidString(pw) {
		return gdpr.Keyed(gdpr.EINVALID, "password", "password.long", MaxPassword)
	}
	probe := pw
	if r := []rune(pw); len(r) > strengthRunes {
		probe = string(r[:strengthRunes])
	}
	inputs := append(slices.Clone(germanWords), context...)
	res := zxcvbn.PasswordStrength(probe, inputs)
	if res.Guesses >= MinGuesses {
		return nil
	}
	return gdpr.Keyed(gdpr.EINVALID, "password", "password.weak."+weakness(res))
}

// weakness names the pattern that makes a password easy to guess, as a
// catalogue key of its own (rendered in the message's language).
func weakness(res zxcvbn.Result) string {
	var worst string
	var longest int
	for _, m := range res.Sequence {
		if n := m.J - m.I + 1; n > longest && m.Pattern != "bruteforce" {
			longest, worst = n, m.Pattern
		}
	}
	switch worst {
	case "dictionary", "repeat", "sequence", "spatial", "date", "regex":
		return worst
	}
	return "short"
}

// HashPassword returns the PHC string of an argon2id hash of pw.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches the PHC hash, in constant time
// with respect to the key. The parameters come from the hash, so that hashes
// made with older parameters keep working.
func VerifyPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<22 || t > 100 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is verified against when a user does not exist, so that the
// answer takes as long as for a wrong password (no user enumeration). It
// is made on first use: hashing at start-up cost every command 60 ms.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("not a real password, only for timing")
	return h
})

// VerifyMissing spends the time of one verification and returns false.
func VerifyMissing(pw string) bool {
	VerifyPassword(dummyHash(), pw)
	return false
}

// TokenPrefix marks API tokens, so that secret scanners recognise them.
const TokenPrefix = "gdpr_"

// NewSecret returns a random secret of 32 bytes, hex-encoded, with prefix.
func NewSecret(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + hex.EncodeToString(b), nil
}

// HashSecret returns the SHA-256 of a high-entropy secret (session id, API
// token) as stored: the store never holds a usable secret.
func HashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// User is a person who signs in.
type User struct {
	Name     string    `json:"name"`
	Role     Role      `json:"role"`
	Disabled bool      `json:"disabled"`
	Created  time.Time `json:"created"`
}

// ValidName checks a login name: 1-64 characters of letters, digits, dot,
// hyphen, underscore, @. Returns EINVALID.
func ValidName(name string) error {
	if name == "" || len(name) > 64 {
		return gdpr.Keyed(gdpr.EINVALID, "name", "auth.name.length")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-_@", r)) {
			return gdpr.Keyed(gdpr.EINVALID, "name", "auth.name.char", string(r), name)
		}
	}
	return nil
}

// Token is an API token; the secret itself is shown once and never stored.
type Token struct {
	Name     string     `json:"name"`
	Role     Role       `json:"role"`
	Created  time.Time  `json:"created"`
	Revoked  *time.Time `json:"revoked,omitempty"`
	LastUsed *time.Time `json:"last_used,omitempty"`
}

// Session is a signed-in browser.
type Session struct {
	User    User
	CSRF    string
	Expires time.Time
}

// SessionTTL is how long a session lasts without signing in again.
const SessionTTL = 12 * time.Hour
