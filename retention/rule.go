// Package retention makes deletion periods (Löschfristen) executable: a rule
// model after DIN 66398 / ISO/IEC 27555, date arithmetic after §§ 187, 188
// BGB and § 147(4) AO, a parser for German and English retention statements
// that never guesses silently, and the deletion-class matrix. It does no
// I/O; the CLI, the API, the lint and later the sweeps call it.
package retention

import (
	"fmt"
	"slices"
	"strings"

	"gdpr/period"
)

// Event is the start event (Startzeitpunkt) a period runs from.
type Event string

// The start-event vocabulary. Every event is documented in Events.
const (
	Collected           Event = "collected"
	Created             Event = "created"
	ContractEnd         Event = "contract_end"
	LastInvoice         Event = "last_invoice"
	DocumentDate        Event = "document_date"
	InquiryClosed       Event = "inquiry_closed"
	RequestClosed       Event = "request_closed"
	RelationshipEnd     Event = "relationship_end"
	MembershipEnd       Event = "membership_end"
	ConsentWithdrawn    Event = "consent_withdrawn"
	LastActivity        Event = "last_activity"
	TreatmentEnd        Event = "treatment_end"
	Appointment         Event = "appointment"
	ApplicationRejected Event = "application_rejected"
	Decision            Event = "decision"
	Signup              Event = "signup"
	AccountClosed       Event = "account_closed"
	ObjectionReceived   Event = "objection_received"
)

// Events documents the vocabulary, in this order in help texts.
var Events = []struct {
	Event Event
	Doc   string
}{
	{Collected, "the data was collected or stored (Erhebung, Speicherung)"},
	{Created, "a record or copy was created (Erstellung, e.g. a backup)"},
	{ContractEnd, "the contract ended (Vertragsende, Kündigung wirksam)"},
	{LastInvoice, "the last invoice arising from the contract was issued"},
	{DocumentDate, "a document was issued: invoice, Beleg, business letter (§ 147 AO, § 257 HGB)"},
	{InquiryClosed, "an inquiry (Anfrage) was closed"},
	{RequestClosed, "a data-subject request was answered and closed (Art. 12, 15-22 GDPR)"},
	{RelationshipEnd, "the business relationship ended"},
	{MembershipEnd, "a membership ended"},
	{ConsentWithdrawn, "consent was withdrawn (Art. 7(3) GDPR)"},
	{LastActivity, "the last activity of the data subject (login, order, use)"},
	{TreatmentEnd, "a (medical) treatment ended"},
	{Appointment, "an appointment took place"},
	{ApplicationRejected, "a job application was rejected (Zugang der Absage)"},
	{Decision, "a decision or notice was issued (Bescheid)"},
	{Signup, "the data subject signed up or registered"},
	{AccountClosed, "a user account was closed or deleted (seed 003: as long as the account exists)"},
	{ObjectionReceived, "an objection was received (Art. 21 GDPR)"},
}

// ValidEvent reports whether e is in the vocabulary.
func ValidEvent(e Event) bool {
	return slices.ContainsFunc(Events, func(x struct {
		Event Event
		Doc   string
	}) bool {
		return x.Event == e
	})
}

// Anchor says from which day the period counts.
type Anchor string

// Anchors. The empty anchor is the event day itself.
const (
	AnchorDay      Anchor = ""
	AnchorMonthEnd Anchor = "month_end" // end of the event's calendar month
	AnchorYearEnd  Anchor = "year_end"  // end of the event's calendar year (§ 147(4) AO, § 257(5) HGB)
)

// Action is what happens at the end of retention.
type Action string

// Actions.
const (
	Delete             Action = "delete"
	Anonymise          Action = "anonymise"
	RestrictThenDelete Action = "restrict_then_delete"
	Suppress           Action = "suppress" // keep on a suppression list only (e.g. advertising objection)
)

// Combinator joins alternative rules.
type Combinator string

// Combinators.
const (
	First Combinator = "first" // whichever comes first
	Last  Combinator = "last"  // whichever comes last
)

// Rule is one deletion rule. A leaf has an event (may be empty when the
// statement names none), an anchor and a period; a combined rule has a
// combinator and branches instead.
type Rule struct {
	Event     Event          `json:"event,omitempty" yaml:"event,omitempty"`
	Anchor    Anchor         `json:"anchor,omitempty" yaml:"anchor,omitempty"`
	Period    *period.Period `json:"period,omitempty" yaml:"period,omitempty"`
	Action    Action         `json:"action,omitempty" yaml:"action,omitempty"`
	Condition string         `json:"condition,omitempty" yaml:"condition,omitempty"`
	LegalRef  string         `json:"legal_ref,omitempty" yaml:"legal_ref,omitempty"`
	Combine   Combinator     `json:"combine,omitempty" yaml:"combine,omitempty"`
	Branches  []Rule         `json:"branches,omitempty" yaml:"branches,omitempty"`
}

// Validate checks a rule written by hand (native format). A leaf needs a
// period; events, anchors, actions and combinators must be known.
func (r Rule) Validate() error {
	if r.Combine != "" {
		if r.Combine != First && r.Combine != Last {
			return fmt.Errorf("combine: want first or last, got %q", r.Combine)
		}
		if len(r.Branches) < 2 {
			return fmt.Errorf("combine %s needs at least two branches", r.Combine)
		}
		for i, b := range r.Branches {
			if err := b.Validate(); err != nil {
				return fmt.Errorf("branches[%d]: %w", i, err)
			}
		}
		return nil
	}
	if len(r.Branches) > 0 {
		return fmt.Errorf("branches without combine")
	}
	if r.Period == nil {
		return fmt.Errorf("period missing (use P0D for deletion on the event day)")
	}
	if r.Event != "" && !ValidEvent(r.Event) {
		return fmt.Errorf("event: unknown start event %q", r.Event)
	}
	switch r.Anchor {
	case AnchorDay, AnchorMonthEnd, AnchorYearEnd:
	default:
		return fmt.Errorf("anchor: want month_end or year_end, got %q", r.Anchor)
	}
	switch r.Action {
	case "", Delete, Anonymise, RestrictThenDelete, Suppress:
	default:
		return fmt.Errorf("action: want delete, anonymise, restrict_then_delete or suppress, got %q", r.Action)
	}
	return nil
}

// String renders a rule compactly: "P30D from collected", "first(P10Y from
// ?, P2Y from contract_end)".
func (r Rule) String() string {
	if r.Combine != "" {
		parts := make([]string, len(r.Branches))
		for i, b := range r.Branches {
			parts[i] = b.String()
		}
		return string(r.Combine) + "(" + strings.Join(parts, ", ") + ")"
	}
	p := "?"
	if r.Period != nil {
		p = r.Period.String()
	}
	ev := string(r.Event)
	if ev == "" {
		ev = "?"
	}
	s := p + " from " + ev
	switch r.Anchor {
	case AnchorYearEnd:
		s += " (end of year)"
	case AnchorMonthEnd:
		s += " (end of month)"
	}
	if r.Action != "" && r.Action != Delete {
		s += ", " + string(r.Action)
	}
	if r.Condition != "" {
		s += " if " + r.Condition
	}
	return s
}

// Leaves returns the leaf rules.
func (r Rule) Leaves() []Rule {
	if r.Combine == "" {
		return []Rule{r}
	}
	var out []Rule
	for _, b := range r.Branches {
		out = append(out, b.Leaves()...)
	}
	return out
}
