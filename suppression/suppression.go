// Package suppression is the list of people the company must leave alone
// for a purpose: who objected to a processing (Art. 21 GDPR) or withdrew a
// consent (Art. 7(3)), or had the processing restricted (Art. 18). A person
// is named by the blind index of an identifier (the vault's HMAC of the
// normalised e-mail address, telephone number or customer number), never
// by the value: the list can be kept after the person is erased, so that
// an import or a new sign-up does not bring the person back unasked.
// Requests fill it; the sweeps and the consent ledger ask it. No I/O.
package suppression

import (
	"time"

	"gdpr/vault"
)

// Reasons.
const (
	Objection   = "objection"   // Art. 21
	Withdrawal  = "withdrawal"  // Art. 7(3)
	Restriction = "restriction" // Art. 18
)

// All is the scope of an entry for every activity the reason reaches: an
// objection every activity resting on Art. 6(1)(e) or (f) or serving
// direct marketing, a restriction every activity.
const All = ""

// Entry is one identifier of a person on the list for a scope (an
// activity's id, or All).
type Entry struct {
	KeyID   string     `json:"key_id"`
	Hash    []byte     `json:"-"`
	Kind    vault.Kind `json:"kind"`
	Scope   string     `json:"scope,omitempty"`
	Reason  string     `json:"reason"`
	Request string     `json:"request,omitempty"`
	By      string     `json:"by"`
	At      time.Time  `json:"at"`
}

// Covers tells whether an entry of a scope reaches an activity.
func Covers(scope, activity string) bool { return scope == All || scope == activity }
