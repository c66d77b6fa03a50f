// Package request is the register of data-subject requests (Art. 15-22
// GDPR): what a person asked for, when it was received, who the person
// is (a vault subject: the request keeps the id, never the name), where
// the request stands and by when it must be answered. Deadlines follow
// Art. 12(3) GDPR as Regulation (EEC, Euratom) No 1182/71 computes them;
// the state machine says which step may follow which. No I/O.
package request

import (
	"slices"
	"strings"
	"time"

	"gdpr"
	"gdpr/holiday"
	"gdpr/retention"
)

// Kind is the right a request invokes.
type Kind string

// Kinds.
const (
	Access        Kind = "access"        // Art. 15
	Copy          Kind = "copy"          // Art. 15(3)
	Rectification Kind = "rectification" // Art. 16
	Erasure       Kind = "erasure"       // Art. 17
	Restriction   Kind = "restriction"   // Art. 18
	Portability   Kind = "portability"   // Art. 20
	Objection     Kind = "objection"     // Art. 21
	Withdrawal    Kind = "withdrawal"    // Art. 7(3)
	Automated     Kind = "automated"     // Art. 22
)

// Kinds lists the rights in the order of the articles.
var Kinds = []Kind{Access, Copy, Rectification, Erasure, Restriction, Portability, Objection, Withdrawal, Automated}

// Article is the provision the right stands in.
func (k Kind) Article() string {
	return map[Kind]string{Access: "Art. 15", Copy: "Art. 15(3)", Rectification: "Art. 16", Erasure: "Art. 17", Restriction: "Art. 18",
		Portability: "Art. 20", Objection: "Art. 21", Withdrawal: "Art. 7(3)", Automated: "Art. 22"}[k]
}

// Channel is how a request came in.
type Channel string

// Channels.
const (
	Portal   Channel = "portal"
	Email    Channel = "email"
	Letter   Channel = "letter"
	Phone    Channel = "phone"
	InPerson Channel = "in_person"
	Other    Channel = "other"
)

// Channels lists the channels.
var Channels = []Channel{Portal, Email, Letter, Phone, InPerson, Other}

// State is where a request stands.
type State string

// States.
const (
	Received   State = "received"
	Verified   State = "verified" // the requester's identity is established
	InProgress State = "in_progress"
	Extended   State = "extended" // the deadline is extended (Art. 12(3)); work goes on
	Answered   State = "answered"
	Rejected   State = "rejected" // Art. 12(5), or identity not established
	Withdrawn  State = "withdrawn"
)

// States lists the states in their usual order.
var States = []State{Received, Verified, InProgress, Extended, Answered, Rejected, Withdrawn}

// next says which state may follow which. The identity comes first: no
// work on the data, no answer, before the person is known (Art. 12(6)).
var next = map[State][]State{
	Received:   {Verified, Extended, Rejected, Withdrawn},
	Verified:   {InProgress, Extended, Answered, Rejected, Withdrawn},
	InProgress: {Extended, Answered, Rejected, Withdrawn},
	Extended:   {Verified, InProgress, Answered, Rejected, Withdrawn},
}

// Closed reports whether the request has ended.
func (s State) Closed() bool { return s == Answered || s == Rejected || s == Withdrawn }

// Identity is how far the requester's identity is established.
type Identity string

// Identity states.
const (
	IdentityPending   Identity = "pending"   // not yet
	IdentityConfirmed Identity = "confirmed" // the requester confirmed the mail's link
	IdentityVerified  Identity = "verified"  // staff established it (with a reason)
	IdentityFailed    Identity = "failed"    // could not be established
)

// Extension is the deadline extended by up to two further months.
type Extension struct {
	Due     time.Time `json:"due"`      // the new last day
	Reasons string    `json:"reasons"`  // why (Art. 12(3): complexity and number of requests)
	ToldAt  time.Time `json:"told_at"`  // when the requester was told
	ToldHow string    `json:"told_how"` // how (mail, letter)
}

// Request is one data-subject request.
type Request struct {
	ID       string    `json:"id"`
	Kind     Kind      `json:"kind"`
	Channel  Channel   `json:"channel"`
	Received time.Time `json:"received"`
	// Requester is the person, a vault subject (the name and address are
	// in the vault).
	Requester    string   `json:"requester"`
	Identity     Identity `json:"identity"`
	IdentityNote string   `json:"identity_note,omitempty"` // how staff established it
	State        State    `json:"state"`
	Assignee     string   `json:"assignee,omitempty"`
	// Due is the last day of the answer's period (Art. 12(3)), in the
	// controller's calendar; Extension, when set, replaces it.
	Due       time.Time  `json:"due"`
	Extension *Extension `json:"extension,omitempty"`
	// Reason is why it was rejected (Art. 12(5) or the identity).
	Reason string `json:"reason,omitempty"`
	// Lang is the language the requester is written to in (de, en).
	Lang     string     `json:"lang"`
	Closed   *time.Time `json:"closed,omitempty"`
	Created  time.Time  `json:"created"`
	Changed  time.Time  `json:"changed"`
	Version  int        `json:"version"`
	Overdue  bool       `json:"overdue,omitempty" schema:"readonly"`
	DaysLeft int        `json:"days_left" schema:"readonly"` // days to the last day (negative: overdue)
}

// LastDay is the day by which the request must be answered.
func (r *Request) LastDay() time.Time {
	if r.Extension != nil {
		return r.Extension.Due
	}
	return r.Due
}

// Period is the time limits of a request: Art. 12(3) one month, extended
// by two further months at most, as 1182/71 counts them in the
// controller's calendar.
type Period struct {
	Calendar holiday.Calendar
}

// Berlin is the zone in which a day begins and ends for the controllers
// (the retention engine's).
var Berlin = retention.Berlin

// civil is the date of t in Berlin, as the package counts days.
func civil(t time.Time) time.Time { return holiday.Day(t.In(Berlin).Date()) }

// months is the last day of a period of n months from the day of the
// event (Art. 3(2)(c) 1182/71): the same date n months on, or the last
// day of that month when it has no such date; then (Art. 3(4)) the next
// working day when that day is a Saturday, Sunday or holiday.
func (p Period) months(received time.Time, n int) time.Time {
	d := civil(received)
	y, m := d.Year(), d.Month()+time.Month(n)
	last := holiday.Day(y, m+1, 0) // day 0 of the month after: the last of this one
	end := holiday.Day(y, m, d.Day())
	if end.After(last) {
		end = last
	}
	return p.Calendar.OnWorkingDay(end)
}

// Due is the last day of the one-month period from receipt.
func (p Period) Due(received time.Time) time.Time { return p.months(received, 1) }

// ExtendedDue is the last day of the period extended by two further
// months: three months from receipt, by the same rule.
func (p Period) ExtendedDue(received time.Time) time.Time { return p.months(received, 3) }

// Overdue reports whether the period ended before now (the last day has
// passed in Berlin).
func Overdue(lastDay, now time.Time) bool { return civil(now).After(lastDay) }

// DaysLeft is the number of days from now's day to the last day
// (0 on the last day, negative after it).
func DaysLeft(lastDay, now time.Time) int {
	return int(lastDay.Sub(civil(now)).Hours() / 24)
}

// Reminders are the days, before the last day, on which the assignee is
// reminded: daysBefore days before it each (those already passed at
// now are left out), in order.
func Reminders(lastDay time.Time, daysBefore []int, now time.Time) []time.Time {
	var out []time.Time
	for _, n := range daysBefore {
		if d := lastDay.AddDate(0, 0, -n); !d.Before(civil(now)) {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return slices.Compact(out)
}

// Transition checks that the request may go to state to, with what that
// step needs; it changes nothing.
func (r *Request) Transition(to State) error {
	if r.State == to {
		return gdpr.Keyed(gdpr.ECONFLICT, "state", "request.same", stateName(to))
	}
	// No work on the data and no answer for a person not known
	// (Art. 12(6)): said first, as it is what to do next.
	known := r.Identity == IdentityConfirmed || r.Identity == IdentityVerified
	if !known && (to == Verified || to == InProgress || to == Answered) && !r.State.Closed() {
		return gdpr.Keyed(gdpr.EINVALID, "identity", "request.identity.unknown")
	}
	if !slices.Contains(next[r.State], to) {
		return gdpr.Keyed(gdpr.ECONFLICT, "state", "request.step", stateName(r.State), stateName(to))
	}
	return nil
}

// stateName is a state as a message argument, in the reader's language.
func stateName(s State) error { return gdpr.Keyed("", "", "value.request.state."+string(s)) }

// Extend checks an extension told to the requester at toldAt and returns
// it: reasons are required, and the requester must be told within the
// first month (Art. 12(3)); a request extended once is not extended
// again (two further months are the most).
func (p Period) Extend(r *Request, reasons string, toldAt time.Time, toldHow string) (*Extension, error) {
	if r.State.Closed() {
		return nil, gdpr.Keyed(gdpr.ECONFLICT, "state", "request.closed", stateName(r.State))
	}
	if r.Extension != nil {
		return nil, gdpr.Keyed(gdpr.ECONFLICT, "extension", "request.extended.twice")
	}
	if strings.TrimSpace(reasons) == "" {
		return nil, gdpr.Keyed(gdpr.EINVALID, "reasons", "request.extend.noreason")
	}
	if civil(toldAt).After(r.Due) {
		return nil, gdpr.Keyed(gdpr.EINVALID, "told_at", "request.extend.late", r.Due.Format(time.DateOnly))
	}
	if civil(toldAt).Before(civil(r.Received)) {
		return nil, gdpr.Keyed(gdpr.EINVALID, "told_at", "request.extend.early")
	}
	return &Extension{Due: p.ExtendedDue(r.Received), Reasons: strings.TrimSpace(reasons), ToldAt: toldAt, ToldHow: strings.TrimSpace(toldHow)}, nil
}

// Reject checks a rejection: a reason is required (Art. 12(4), (5)).
func (r *Request) Reject(reason string) error {
	if err := r.Transition(Rejected); err != nil {
		return err
	}
	if strings.TrimSpace(reason) == "" {
		return gdpr.Keyed(gdpr.EINVALID, "reason", "request.reject.noreason")
	}
	return nil
}

// Validate checks a new request's fields.
func (r *Request) Validate() error {
	if !slices.Contains(Kinds, r.Kind) {
		return gdpr.Keyed(gdpr.EINVALID, "kind", "request.kind", string(r.Kind))
	}
	if !slices.Contains(Channels, r.Channel) {
		return gdpr.Keyed(gdpr.EINVALID, "channel", "request.channel", string(r.Channel))
	}
	if r.Received.IsZero() {
		return gdpr.Keyed(gdpr.EINVALID, "received", "request.noreceived")
	}
	return nil
}

// Event is one step in a request's history.
type Event struct {
	ID     string    `json:"id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"` // created, state, identity, extend, assign, note
	From   State     `json:"from,omitempty"`
	To     State     `json:"to,omitempty"`
	// NoteSubject is the vault subject that holds a note's text (a note
	// may name people).
	NoteSubject string `json:"note_subject,omitempty"`
	// Note is the note's text, opened for the page that shows it.
	Note string `json:"note,omitempty"`
}

// Filter selects requests, the nearest last day first.
type Filter struct {
	Open      bool  // not answered, rejected or withdrawn
	State     State // one state
	Kind      Kind
	DueBefore time.Time // last day before this day (overdue: today)
	Limit     int       // default 100, at most 1000
	Offset    int
}

// Mail kinds.
const (
	MailAck       = "ack"       // the request is received, with its last day
	MailExtension = "extension" // the deadline is extended, with reasons (Art. 12(3))
	MailRejection = "rejection" // rejected, with the reason and the right to complain (Art. 12(4))
	MailReminder  = "reminder"  // to staff: the last day is near or passed
	MailConfirm   = "confirm"   // the self-service page's link to confirm the request
	MailAnswer    = "answer"    // the link to the released answer
)

// Mail is the proof of a mail about a request.
type Mail struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	MessageID string    `json:"message_id"`
	At        time.Time `json:"at"`
	Response  string    `json:"response"` // the SMTP server's answer
	// Hash is the SHA-256 of the message as sent (kept for the consent
	// ledger's mails, whose evidence carries the message).
	Hash string `json:"hash,omitempty"`
	// Sealed is the message as sent, sealed under the person's own key
	// (the consent ledger's mails).
	Sealed []byte `json:"-"`
	// RawSubject is the vault subject that holds the message as sent.
	RawSubject string `json:"raw_subject,omitempty"`
}

// ToldByMail is the extension's "told how" when the engine sent the
// notice itself.
const ToldByMail = "mail"

// Receipt actions: what an erasure did to a table's rows of the person.
const (
	ReceiptErased     = "erased"
	ReceiptAnonymised = "anonymised"
	ReceiptFlagged    = "flagged"    // the application deletes (the data map says so)
	ReceiptRestricted = "restricted" // kept under a duty or a hold, marked (Art. 18)
	ReceiptKept       = "kept"       // kept under a duty or a hold; the table has no restriction column
	ReceiptNotFound   = "not_found"
	ReceiptShredded   = "shredded"   // the vault's records
	ReceiptRectified  = "rectified"  // corrected (Art. 16); the ground names the columns
	ReceiptSuppressed = "suppressed" // the person's identifiers on the suppression list
	ReceiptUntouched  = "untouched"  // outside what an objection or withdrawal reaches
)

// Receipt is what an erasure did to one table (or the vault).
type Receipt struct {
	System string `json:"system"`
	Table  string `json:"table"`
	Action string `json:"action"`
	Rows   int64  `json:"rows"`
	// Also counts the rows of a restricted or kept table that went (as
	// the data map says) beside those kept.
	Also   int64     `json:"also,omitempty"`
	Until  string    `json:"until,omitempty"`  // the last day rows kept will be kept
	Ground string    `json:"ground,omitempty"` // why they are kept (Art. 17(3)(b), (e))
	Keys   string    `json:"keys,omitempty"`   // hash of the rows' keys
	At     time.Time `json:"at"`
	// Pending: the change began and its end is not recorded (a run that
	// died); RowKeys are then the keys of the rows it changes.
	Pending bool    `json:"pending,omitempty"`
	RowKeys [][]any `json:"-"`
}
