package consent

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

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
func VerifyEvidence(file []byte, v note.Verifier) (Evidence, []string, error) {
	var ev Evidence
	n, err := note.Open(file, note.VerifierList(v))
	if err != nil {
		return ev, nil, fmt.Errorf("the evidence's signature does not hold: %w", err)
	}
	// A signature's base64 may end in bits a lenient decoder ignores: a
	// file with such a bit changed would verify although a byte changed.
	// Only the canonical encoding is taken.
	sigs := string(file[strings.LastIndex(string(file), "\n\n")+2:])
	for _, line := range strings.Split(strings.TrimSuffix(sigs, "\n"), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			return ev, nil, errors.New("the evidence's signature lines are malformed")
		}
		b, err := base64.StdEncoding.Strict().DecodeString(f[2])
		if err != nil || base64.StdEncoding.EncodeToString(b) != f[2] {
			return ev, nil, errors.New("the evidence's signature is not in its canonical form")
		}
	}
	if err := json.Unmarshal([]byte(n.Text), &ev); err != nil {
		return ev, nil, fmt.Errorf("the evidence is not readable: %w", err)
	}
	if ev.Format != EvidenceFormat {
		return ev, nil, fmt.Errorf("unknown evidence format %q", ev.Format)
	}
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if len(ev.Events) == 0 {
		add("no events")
	}
	for i, x := range ev.Events {
		e := x.Event
		name := fmt.Sprintf("event %d (%s %s)", i+1, e.Kind, e.ID)
		if e.Subject != ev.Subject || e.Purpose != ev.Purpose.ID {
			add("%s: of another person or purpose", name)
		}
		if _, err := x.Proof.Check(v); err != nil {
			add("%s: %v", name, err)
		}
		r := x.Proof.Audit
		switch {
		case r == nil:
			add("%s: the proof names no audit entry", name)
		case r.ID != e.AuditID || r.Action != audit.ConsentEvent || r.Target != e.ID || !strings.HasSuffix(r.Detail, " "+e.DigestText()):
			add("%s: its fields do not give the digest the log holds", name)
		}
		for _, s := range []struct{ label, opened, hash string }{{"IP", x.IP, e.IPHash}, {"browser", x.UA, e.UAHash}, {"address", x.Addr, e.AddrHash}} {
			if s.opened != "" && SaltedHash(s.opened) != s.hash {
				add("%s: the %s shown is not the one recorded", name, s.label)
			}
		}
		if e.TextHash != "" {
			found := false
			for _, t := range ev.Texts {
				found = found || t.Version == e.TextVersion && t.Purpose == e.Purpose && HashText(t.Body) == e.TextHash && t.Hash == e.TextHash
			}
			if !found {
				add("%s: the text version %d it names is not in the evidence as it was", name, e.TextVersion)
			}
		}
		if e.MailHash != "" {
			found := false
			for _, m := range ev.Mails {
				h := sha256.Sum256([]byte(m.Raw))
				found = found || m.Hash == e.MailHash && (m.Raw == "" || hex.EncodeToString(h[:]) == m.Hash)
			}
			if !found {
				add("%s: the confirmation mail it names is not in the evidence as sent", name)
			}
		}
	}
	if len(problems) > 0 {
		return ev, problems, errors.New("the evidence does not hold")
	}
	return ev, nil, nil
}
