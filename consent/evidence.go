package consent

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"gdpr"
	"gdpr/audit"
)

// EvidenceFormat names the evidence's version.
const EvidenceFormat = "gdpr-consent-evidence/1"

// EvidenceEvent is one event of the timeline: as stored (its digest is in
// the log), the values it sealed as opened (salted; "" once the person's
// key is gone), and the proof that its audit entry is in the log.
type EvidenceEvent struct {
	Event Event       `json:"event"`
	IP    string      `json:"ip_salted,omitempty"`
	UA    string      `json:"ua_salted,omitempty"`
	Addr  string      `json:"address_salted,omitempty"`
	Proof audit.Proof `json:"proof"`
}

// EvidenceMail is a mail of the sign-up as sent.
type EvidenceMail struct {
	Kind      string    `json:"kind"`
	MessageID string    `json:"message_id"`
	At        time.Time `json:"at"`
	Response  string    `json:"response"`
	Hash      string    `json:"sha256"`
	Raw       string    `json:"raw,omitempty"` // "" once the person's key is gone
}

// Evidence is what proves a person's consent to a purpose: the purpose,
// the timeline with its proofs, the texts shown, the mails sent. It is
// handed out as a note signed with the log's key (so that no byte of it
// can change unnoticed), and each event is proven in the log itself.
type Evidence struct {
	Format     string          `json:"format"`
	Controller string          `json:"controller,omitempty"`
	Made       time.Time       `json:"made"`
	Purpose    Purpose         `json:"purpose"`
	Subject    string          `json:"subject"`
	Events     []EvidenceEvent `json:"events"`
	Texts      []Text          `json:"texts"`
	Mails      []EvidenceMail  `json:"mails"`
	State      State           `json:"state"`
}

// SignEvidence writes the evidence as a signed note: one line of JSON,
// then the signature.
func SignEvidence(ev Evidence, s note.Signer) ([]byte, error) {
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	return note.Sign(&note.Note{Text: string(b) + "\n"}, s)
}

// VerifyEvidence checks an evidence file offline with the log's public
// key: the note's signature (no byte changed), then each event — its
// fields give the digest its audit entry names, the entry is in the tree
// of a signed checkpoint, the opened values hash to the event's salted
// hashes — the text each event names with its hash, the mail each
// confirmation names with its hash. It returns the evidence read, and
// every problem found (none: it holds).
func VerifyEvidence(file []byte, v note.Verifier) (Evidence, []error, error) {
	var ev Evidence
	n, err := note.Open(file, note.VerifierList(v))
	if err != nil {
		return ev, nil, gdpr.Keyed(gdpr.EINVALID, "", "evidence.signature")
	}
	// A signature's base64 may end in bits a lenient decoder ignores: a
	// file with such a bit changed would verify although a byte changed.
	// Only the canonical encoding is taken.
	sigs := string(file[strings.LastIndex(string(file), "\n\n")+2:])
	for _, line := range strings.Split(strings.TrimSuffix(sigs, "\n"), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			return ev, nil, gdpr.Keyed(gdpr.EINVALID, "", "evidence.signature")
		}
		b, err := base64.StdEncoding.Strict().DecodeString(f[2])
		if err != nil || base64.StdEncoding.EncodeToString(b) != f[2] {
			return ev, nil, gdpr.Keyed(gdpr.EINVALID, "", "evidence.signature")
		}
	}
	if err := json.Unmarshal([]byte(n.Text), &ev); err != nil {
		return ev, nil, gdpr.Keyed(gdpr.EINVALID, "", "evidence.unreadable")
	}
	if ev.Format != EvidenceFormat {
		return ev, nil, gdpr.Keyed(gdpr.EINVALID, "", "evidence.format", ev.Format)
	}
	var problems []error
	add := func(key string, args ...any) {
		problems = append(problems, gdpr.Keyed(gdpr.EINVALID, "", key, args...))
	}
	if len(ev.Events) == 0 {
		add("evidence.noevents")
	}
	for i, x := range ev.Events {
		e := x.Event
		name := fmt.Sprintf("%d (%s)", i+1, e.ID)
		if e.Subject != ev.Subject || e.Purpose != ev.Purpose.ID {
			add("evidence.other", name)
		}
		if _, err := x.Proof.Check(v); err != nil {
			add("evidence.proof", name)
		}
		r := x.Proof.Audit
		switch {
		case r == nil:
			add("evidence.noentry", name)
		case r.ID != e.AuditID || r.Action != audit.ConsentEvent || r.Target != e.ID || !strings.HasSuffix(r.Detail, " "+e.DigestText()):
			add("evidence.digest", name)
		}
		for _, s := range []struct{ label, opened, hash string }{{"ip", x.IP, e.IPHash}, {"ua", x.UA, e.UAHash}, {"address", x.Addr, e.AddrHash}} {
			if s.opened != "" && SaltedHash(s.opened) != s.hash {
				add("evidence.value."+s.label, name)
			}
		}
		if e.TextHash != "" {
			found := false
			for _, t := range ev.Texts {
				found = found || t.Version == e.TextVersion && t.Purpose == e.Purpose && HashText(t.Body) == e.TextHash && t.Hash == e.TextHash
			}
			if !found {
				add("evidence.text", name, e.TextVersion)
			}
		}
		if e.MailHash != "" {
			found := false
			for _, m := range ev.Mails {
				h := sha256.Sum256([]byte(m.Raw))
				found = found || m.Hash == e.MailHash && (m.Raw == "" || hex.EncodeToString(h[:]) == m.Hash)
			}
			if !found {
				add("evidence.mail", name)
			}
		}
	}
	if len(problems) > 0 {
		return ev, problems, gdpr.Keyed(gdpr.EINVALID, "", "evidence.broken", len(problems))
	}
	return ev, nil, nil
}
