// Package audit is the domain of the audit log: one entry shape, one
// vocabulary of actions and outcomes, and the bounds that keep a client's
// strings from filling the log. The store writes an entry in the same
// transaction as the change it records (a failed audit write fails the
// change); attempts that change nothing (denied, failed, throttled) are
// written on their own. The tamper-evident log of a later issue builds on
// this package.
package audit

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Entry is one line of the audit log: who did what to which target, when,
// and with what outcome. It never holds a password, a secret or a
// subject's personal data.
type Entry struct {
	// ID is the entry's key, given by the store (time first, so that
	// ids order the log); "gdpr audit prove ID" proves one.
	ID      string    `json:"id,omitempty"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
	Target  string    `json:"target"`
	Outcome string    `json:"outcome"`
	Detail  string    `json:"detail,omitempty"`
}

// Filter selects entries, newest first.
type Filter struct {
	Actor, Action, Outcome string
	Offset, Limit          int // Limit 0: 100
}

// Outcomes.
const (
	OK     = "ok"
	Denied = "denied" // not allowed: role, CSRF, throttle
	Failed = "failed" // allowed but not done: invalid input, conflict
)

// Actions: the one vocabulary, "noun.verb". Every adapter (API, web, CLI)
// records the same action for the same use case.
const (
	Login          = "auth.login"
	Logout         = "auth.logout"
	PasswordChange = "auth.password_change"
	UserCreate     = "user.create"
	UserDisable    = "user.disable"
	TokenCreate    = "token.create"
	TokenRevoke    = "token.revoke"

	ActivityCreate   = "activity.create"
	ActivityUpdate   = "activity.update"
	ActivityArchive  = "activity.archive"
	MeasureCreate    = "measure.create"
	MeasureUpdate    = "measure.update"
	MeasureArchive   = "measure.archive"
	MeasureReview    = "measure.review"
	DocumentCreate   = "document.create"
	DocumentUpdate   = "document.update"
	DocumentArchive  = "document.archive"
	SystemCreate     = "system.create"
	SystemUpdate     = "system.update"
	SystemArchive    = "system.archive"
	SystemSchema     = "system.schema"
	SystemScan       = "system.scan"
	SystemCheck      = "system.check"
	SweepBatch       = "sweep.batch"
	RunRead          = "run.read" // a denied look at the runs of sweeps and scans
	HoldCreate       = "hold.create"
	RequestCreate    = "request.create"
	RequestUpdate    = "request.update"
	RequestRead      = "request.read"
	RequestMail      = "request.mail"
	RequestSearch    = "request.search"  // the person's rows looked for in the systems
	RequestErase     = "request.erase"   // an erasure's receipt for one table
	Suppress         = "suppression.add" // identifiers put on the suppression list
	TemplateUpdate   = "template.update" // a mail template changed or reset
	ConsentPurpose   = "consent.purpose" // a purpose created or changed
	ConsentText      = "consent.text"    // a consent text's version added
	ConsentEvent     = "consent.event"   // a ledger event, its digest the detail
	ConsentCheck     = "consent.check"   // a denied "may I mail" question
	ConsentHook      = "consent.hook"    // a webhook added, removed, or called (the mailer told of an event)
	ConsentImport    = "consent.import"  // consents imported from a file (counts, the source)
	HoldLift         = "hold.lift"
	SubjectCreate    = "subject.create"
	SubjectRead      = "subject.read"
	SubjectUpdate    = "subject.update"
	SubjectShred     = "subject.shred"
	SubjectLookup    = "subject.lookup"
	VaultRewrap      = "vault.rewrap"
	VaultReindex     = "vault.reindex"
	BackupCreate     = "backup.create"
	BackupPrune      = "backup.prune"
	ControllerUpdate = "controller.update"
	RegisterImport   = "register.import"
	RegisterExport   = "register.export"
	RevisionRestore  = "revision.restore"
	RevisionRedact   = "revision.redact" // people in the clear replaced by their subjects

	AttacksPurge = "attacks.purge"

	StoreMigrate  = "store.migrate" // the engine migrated its store
	LogSchema     = "log.schema"    // the log's triggers changed outside a migration
	LogVerify     = "log.verify"
	LogCheckpoint = "log.checkpoint"
	LogProve      = "log.prove"
)

// Actions lists the vocabulary (documentation and tests).
var Actions = []string{Login, Logout, PasswordChange, UserCreate, UserDisable, TokenCreate, TokenRevoke,
	ActivityCreate, ActivityUpdate, ActivityArchive, MeasureCreate, MeasureUpdate, MeasureArchive, MeasureReview, DocumentCreate, DocumentUpdate, DocumentArchive, SystemCreate, SystemUpdate, SystemArchive, SystemSchema, SystemScan, SystemCheck, SweepBatch, RunRead, RequestCreate, RequestUpdate, RequestRead, RequestMail, RequestSearch, RequestErase, Suppress, TemplateUpdate, ConsentPurpose, ConsentText, ConsentEvent, ConsentCheck, ConsentHook, ConsentImport, HoldCreate, HoldLift, SubjectCreate, SubjectRead, SubjectUpdate, SubjectShred, SubjectLookup, VaultRewrap, VaultReindex, BackupCreate, BackupPrune,
	ControllerUpdate, RegisterImport, RegisterExport, RevisionRestore, RevisionRedact, AttacksPurge, StoreMigrate, LogSchema, LogVerify, LogCheckpoint, LogProve}

// Field bounds in bytes. Actor and target may come from a client (a login
// name typed into a form, an id in a URL): without bounds 2,000 requests
// with 60 KB names added 125 MB to the log.
const (
	MaxActor  = 96
	MaxAction = 48
	MaxTarget = 200
	MaxDetail = 400
)

// Bounded returns e with every field cut to its bound (at a character
// boundary, marked with "…") and control characters replaced, so that an
// entry is one readable line of bounded size whatever a client sent.
func (e Entry) Bounded() Entry {
	e.Actor = Clip(e.Actor, MaxActor)
	e.Action = Clip(e.Action, MaxAction)
	e.Target = Clip(e.Target, MaxTarget)
	e.Outcome = Clip(e.Outcome, 16)
	e.Detail = Clip(e.Detail, MaxDetail)
	return e
}

// Clip cuts s to at most n bytes of valid UTF-8 without control
// characters; a cut string ends in "…" (within the n bytes).
func Clip(s string, n int) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean && len(s) <= n {
		return s
	}
	const ell = "…"
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			r = '?'
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0:
			r = ' '
		}
		if b.Len()+utf8.RuneLen(r) > n {
			out := b.String()
			cut := max(n-len(ell), 0)
			if cut < len(out) {
				for cut > 0 && !utf8.RuneStart(out[cut]) {
					cut--
				}
				out = out[:cut]
			}
			return out + ell
		}
		b.WriteRune(r)
	}
	return b.String()
}
