// Package consent is the ledger of consents (Art. 7 GDPR): the purposes a
// person may consent to, each tied to a processing activity of the
// register; the versions of the texts shown (kept with their hash); and
// the events of each person's consent — given, confirmed (the
// double-opt-in click), withdrawn, expired (a sign-up never confirmed),
// imported — appended, never changed. An event's digest commits to every
// field as stored (the IP addresses and browsers sealed under the
// person's own key), so that the evidence of a consent verifies against
// the tamper-evident log also after the person is erased and the sealed
// fields no longer open. No I/O.
package consent

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gdpr"
	"gdpr/request"
	"gdpr/vault"
)

// Mode is how a sign-up was confirmed: single opt-in (the form only),
// confirmed opt-in (a mail told the person, no click asked), double
// opt-in (the person clicked the link in the mail). Only double opt-in
// proves that the address's owner consented (BGH, 10.02.2011, I ZR
// 164/09); the other two are kept, marked as weak proof.
type Mode string

// Modes.
const (
	SOI Mode = "single"
	COI Mode = "confirmed"
	DOI Mode = "double"
)

// Modes lists the modes.
var Modes = []Mode{SOI, COI, DOI}

// Weak tells a mode whose record does not prove who consented.
func (m Mode) Weak() bool { return m != DOI }

// Kind is what an event records.
type Kind string

// Kinds of events.
const (
	Given     Kind = "given"     // the form was sent: the declaration, not yet proven for DOI
	Confirmed Kind = "confirmed" // the link in the confirmation mail was clicked
	Withdrawn Kind = "withdrawn" // Art. 7(3)
	Expired   Kind = "expired"   // a sign-up not confirmed in time
	Imported  Kind = "imported"  // taken over from another system, with its source
)

// Purpose is what a person may consent to: a newsletter, a kind of
// advertising, tied to an activity of the register (whose legal basis
// must be consent).
type Purpose struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Activity string `json:"activity"`
	// Lists are the lists a sign-up for the purpose may choose among.
	Lists []string `json:"lists,omitempty"`
	// ConfirmWithin is how long a double-opt-in link is valid; an
	// unconfirmed sign-up is expired and its person erased after it.
	ConfirmWithin time.Duration `json:"confirm_within"`
	// Keep is the rule the evidence is kept by after the consent ended,
	// as the DPO writes it (e.g. "3 Jahre nach Ende des Jahres des
	// Widerrufs").
	Keep string `json:"keep,omitempty"`
	// Closed is the day the account the consents belong to was closed
	// (seed 003: "as long as the account exists" is a keep rule on it).
	Closed  *time.Time `json:"closed,omitempty"`
	Created time.Time  `json:"created,omitzero"`
	Version int        `json:"version,omitempty"`
}

// DefaultConfirmWithin is a double-opt-in link's life when the purpose
// sets none.
const DefaultConfirmWithin = 48 * time.Hour

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Validate checks a purpose before it is kept.
func (p *Purpose) Validate() error {
	switch {
	case !idPattern.MatchString(p.ID):
		return gdpr.Keyed(gdpr.EINVALID, "id", "consent.id", p.ID)
	case strings.TrimSpace(p.Name) == "":
		return gdpr.Keyed(gdpr.EINVALID, "name", "error.required")
	case strings.TrimSpace(p.Activity) == "":
		return gdpr.Keyed(gdpr.EINVALID, "activity", "error.required")
	case p.ConfirmWithin < 0 || p.ConfirmWithin > 30*24*time.Hour:
		return gdpr.Keyed(gdpr.EINVALID, "confirm_within", "consent.confirmwithin")
	}
	if p.ConfirmWithin == 0 {
		p.ConfirmWithin = DefaultConfirmWithin
	}
	return nil
}

// Text is one version of a consent text: what the form showed, in one
// language, with the version of the privacy notice it refers to. Its hash
// is over the text as shown.
type Text struct {
	Purpose string    `json:"purpose"`
	Version int       `json:"version"`
	Lang    string    `json:"lang"`
	Body    string    `json:"body"`
	Hash    string    `json:"hash"`
	Notice  string    `json:"notice,omitempty"`
	Created time.Time `json:"created,omitzero"`
	By      string    `json:"by,omitempty"`
}

// HashText is the SHA-256 of a text as shown, hex.
func HashText(body string) string {
	h := sha256.Sum256([]byte(body))
	return hex.EncodeToString(h[:])
}

// maxText bounds a consent text.
const maxText = 20000

// Validate checks a text version before it is kept, and sets its hash.
func (t *Text) Validate() error {
	t.Body = strings.TrimSpace(t.Body)
	switch {
	case t.Body == "":
		return gdpr.Keyed(gdpr.EINVALID, "body", "error.required")
	case len(t.Body) > maxText:
		return gdpr.Keyed(gdpr.EINVALID, "body", "consent.text.size", maxText)
	case t.Lang != "de" && t.Lang != "en":
		return gdpr.Keyed(gdpr.EINVALID, "lang", "request.template.lang", t.Lang)
	}
	t.Hash = HashText(t.Body)
	return nil
}

// Event is one entry of the ledger. Subject is the person (a vault
// subject: the address is sealed there); IP and UA are sealed under the
// person's key (IPSealed, UASealed). The form's URL, the fields and lists
// asked and the sign-up's id are no personal data and stay readable.
type Event struct {
	ID          string    `json:"id"`
	Purpose     string    `json:"purpose"`
	Subject     string    `json:"subject"`
	Kind        Kind      `json:"kind"`
	At          time.Time `json:"at"`
	Mode        Mode      `json:"mode,omitempty"`
	Signup      string    `json:"signup"` // the sign-up's id: its events share it
	TextVersion int       `json:"text_version,omitempty"`
	TextHash    string    `json:"text_hash,omitempty"`
	FormURL     string    `json:"form_url,omitempty"`
	Fields      []string  `json:"fields,omitempty"` // the fields the form asked
	Lists       []string  `json:"lists,omitempty"`
	Source      string    `json:"source,omitempty"` // an import's source, a withdrawal's channel
	MailID      string    `json:"mail_id,omitempty"`
	// MailHash is the SHA-256 of the confirmation mail as sent (on the
	// confirmation: the mail whose link was clicked).
	MailHash string `json:"mail_hash,omitempty"`
	Actor    string `json:"actor"`
	IPSealed []byte `json:"ip_sealed,omitempty"`
	UASealed []byte `json:"ua_sealed,omitempty"`
	// AddrSealed is the address the event was for (a sign-up's, an
	// import's). Each sealed value is "salt\x00value" with a random salt;
	// its SHA-256 (the *Hash fields) is in the digest, so that the
	// evidence, which carries the opened text, binds it to the log,
	// while the database's hash says nothing without the salt.
	AddrSealed []byte `json:"addr_sealed,omitempty"`
	IPHash     string `json:"ip_hash,omitempty"`
	UAHash     string `json:"ua_hash,omitempty"`
	AddrHash   string `json:"addr_hash,omitempty"`
	// AuditID is the audit entry that carries the event's digest: the
	// leaf of the tamper-evident log its evidence proves (not part of
	// the digest: it is made from it).
	AuditID string `json:"audit_id,omitempty"`
	// IP and UA are the opened values, for a page or the evidence
	// (never stored).
	IP string `json:"ip,omitempty"`
	UA string `json:"ua,omitempty"`
}

// Digest commits to the event as stored: every field in a fixed order,
// each length-prefixed (no two events share an encoding), the sealed
// values as they are (so that the digest holds after the key is gone).
func (e Event) Digest() [sha256.Size]byte {
	h := sha256.New()
	put := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	put("gdpr-consent-event-v1")
	for _, s := range []string{e.ID, e.Purpose, e.Subject, string(e.Kind), e.At.UTC().Format(time.RFC3339Nano), string(e.Mode), e.Signup,
		strconv.Itoa(e.TextVersion), e.TextHash, e.FormURL, strings.Join(e.Fields, "\x00"), strings.Join(e.Lists, "\x00"), e.Source, e.MailID, e.MailHash, e.Actor,
		base64.StdEncoding.EncodeToString(e.IPSealed), base64.StdEncoding.EncodeToString(e.UASealed), base64.StdEncoding.EncodeToString(e.AddrSealed),
		e.IPHash, e.UAHash, e.AddrHash} {
		put(s)
	}
	var d [sha256.Size]byte
	copy(d[:], h.Sum(nil))
	return d
}

// DigestText is the digest as the audit entry names it.
func (e Event) DigestText() string {
	d := e.Digest()
	return "sha256:" + hex.EncodeToString(d[:])
}

// State is a person's consent to a purpose as the events say it now.
type State struct {
	Purpose   string     `json:"purpose"`
	Subject   string     `json:"subject"`
	Active    bool       `json:"active"` // may be mailed for the purpose
	Mode      Mode       `json:"mode,omitempty"`
	Weak      bool       `json:"weak,omitempty"` // active on a weak proof (SOI, COI, or imported so)
	Pending   bool       `json:"pending,omitempty"`
	Given     *time.Time `json:"given,omitempty"`
	Confirmed *time.Time `json:"confirmed,omitempty"`
	Withdrawn *time.Time `json:"withdrawn,omitempty"`
	// Suppressed: the consent is active, but the address is on the
	// suppression list for the purpose's activity since.
	Suppressed bool `json:"suppressed,omitempty"`
}

// Token is a single-use link of the ledger (only its hash is kept).
type Token struct {
	Hash, UseFor, Signup, Purpose, Subject string
	Expires                                time.Time
}

// Append is one step of the ledger as written in one transaction: a new
// person (a first sign-up), the event, the state it leaves under the
// person's addresses, links to keep, a link spent ("" for none), by an
// actor.
type Append struct {
	Create *vault.Create
	Event  *Event
	// Then are events after Event in the same step (an import's
	// confirmation and withdrawal), each with its own audit entry.
	Then   []*Event
	State  State
	Keys   []StateKey
	Tokens []Token
	Use    string
	Actor  string
	// Mail is the proof of a mail of the sign-up Event names (or of
	// MailSignup, with no event): kept in the same transaction.
	Mail       *request.Mail
	MailSignup string
	// Jobs are handed on with the step (its confirmation mail, its
	// webhooks); Done is a job this step finishes (the mail whose proof
	// it keeps).
	Jobs []Job
	Done string
}

// StateKey names an address in the state index: its blind index under
// an index key.
type StateKey struct {
	KeyID string
	Hash  []byte
}

// Fold reads a person's events for one purpose, oldest first, into the
// state: a double-opt-in sign-up is pending until confirmed; single and
// confirmed opt-in are active on the sign-up (weak); a withdrawal ends
// every consent before it; an expiry ends a pending sign-up; a later
// sign-up starts again.
func Fold(events []Event) State {
	var s State
	imported := false
	for _, e := range events {
		s.Purpose, s.Subject = e.Purpose, e.Subject
		at := e.At
		switch e.Kind {
		case Given, Imported:
			s.Mode, s.Given, s.Confirmed, s.Withdrawn = e.Mode, &at, nil, nil
			s.Pending = e.Mode == DOI && e.Kind == Given
			s.Active = !s.Pending
			imported = e.Kind == Imported
		case Confirmed:
			// A sign-up confirmed; or an imported double opt-in, whose
			// confirmation the file had (active already: it was in use).
			if s.Pending || (imported && s.Active && s.Mode == DOI && s.Confirmed == nil) {
				s.Pending, s.Active, s.Confirmed = false, true, &at
			}
		case Withdrawn:
			s.Active, s.Pending, s.Withdrawn = false, false, &at
		case Expired:
			if s.Pending {
				s.Pending = false
			}
		}
	}
	// Weak: single or confirmed opt-in, or a double opt-in imported
	// without its confirmation.
	s.Weak = s.Active && (s.Mode.Weak() || s.Confirmed == nil)
	return s
}

// NormaliseList keeps the names of fields or lists as a set: trimmed,
// without empties and repeats, sorted.
func NormaliseList(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x = strings.TrimSpace(x); x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

// Form is a sign-up form on one of the company's websites: its id goes
// into the form (it is no secret: the page is public), the origins its
// pages are served from are the only ones whose browsers may post it (the
// endpoint sets no cookie, so there is nothing to forge; the allow-list
// keeps other sites from posting sign-ups in the company's name).
type Form struct {
	ID      string   `json:"id"`
	Purpose string   `json:"purpose"`
	Origins []string `json:"origins"`
	Mode    Mode     `json:"mode"`
	Fields  []string `json:"fields,omitempty"` // the fields it asks (evidence)
	Lang    string   `json:"lang"`
	// Done is where the browser goes after a sign-up ("" for the
	// engine's own page).
	Done    string    `json:"done,omitempty"`
	Created time.Time `json:"created,omitzero"`
}

var originPattern = regexp.MustCompile(`^https?://[a-z0-9.-]+(:[0-9]{1,5})?$`)

// Validate checks a form before it is kept.
func (f *Form) Validate() error {
	if f.Mode == "" {
		f.Mode = DOI
	}
	if f.Lang == "" {
		f.Lang = "de"
	}
	if len(f.Origins) == 0 {
		return gdpr.Keyed(gdpr.EINVALID, "origins", "error.required")
	}
	for i, o := range f.Origins {
		o = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(o)), "/")
		if !originPattern.MatchString(o) {
			return gdpr.Keyed(gdpr.EINVALID, "origins", "consent.origin", o)
		}
		f.Origins[i] = o
	}
	switch {
	case !slices.Contains(Modes, f.Mode):
		return gdpr.Keyed(gdpr.EINVALID, "mode", "consent.mode", string(f.Mode))
	case f.Lang != "de" && f.Lang != "en":
		return gdpr.Keyed(gdpr.EINVALID, "lang", "request.template.lang", f.Lang)
	case f.Done != "" && !strings.HasPrefix(f.Done, "https://") && !strings.HasPrefix(f.Done, "http://"):
		return gdpr.Keyed(gdpr.EINVALID, "done", "consent.formurl")
	}
	f.Fields = NormaliseList(f.Fields)
	return nil
}

// Allows tells whether a browser's Origin may post the form: one of its
// origins; a post without one (a server's, not a browser's) may.
func (f Form) Allows(origin string) bool {
	origin = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(origin)), "/")
	return origin == "" || slices.Contains(f.Origins, origin)
}

// Salted is a value as sealed: a random salt, a zero byte, the value.
// Its hash (SaltedHash) is what the ledger keeps in the clear.
func Salted(salt []byte, value string) string { return hex.EncodeToString(salt) + "\x00" + value }

// SaltedHash is the SHA-256 of a salted value, hex.
func SaltedHash(salted string) string {
	h := sha256.Sum256([]byte(salted))
	return hex.EncodeToString(h[:])
}

// Unsalt is the value of a salted text.
func Unsalt(salted string) string {
	if _, v, ok := strings.Cut(salted, "\x00"); ok {
		return v
	}
	return salted
}

// Stats are a purpose's numbers: sign-ups (double-, single- or
// confirmed-opt-in), their confirmations, withdrawals, expiries and
// imports; the people active and pending now.
type Stats struct {
	Signups, Confirmed, Withdrawn, Expired, Imported int
	// DOI are the sign-ups by double opt-in: the ones to confirm.
	DOI             int
	Active, Pending int
}

// ConfirmRate is the share of double-opt-in sign-ups confirmed, in
// percent (0 without any).
func (s Stats) ConfirmRate() int {
	if s.DOI == 0 {
		return 0
	}
	return min(100, s.Confirmed*100/s.DOI)
}
