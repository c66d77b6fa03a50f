// Package sweep is the domain of deletion sweeps: a batch of rows a sweep
// changes in a company's database, and its entry in the deletion protocol
// (Löschprotokoll, DIN 66398). It does no I/O; app runs the sweeps, store
// keeps the batches while they run.
package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"gdpr/audit"
)

// Batch is a batch of a sweep while it runs: the keys of the rows it is
// about to change.
type Batch struct {
	ID, System, Table, Action string
	// Rule names the retention rule (activity, and data category when
	// the activity has several), for the protocol.
	Rule    string
	Keys    [][]any
	Planned int
	Created time.Time
}

// KeyHash is a hash of a batch's keys: which rows, without naming them.
func KeyHash(keys [][]any) string {
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintln(h, k...)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// Entry is a batch's protocol entry: rule, system and table, action, the
// rows changed of those planned, the keys' hash, and the day the rows
// leave the system's last backup ("" without declared backups). It holds
// no value of a row.
func Entry(b Batch, rows int64, leftBackups string) audit.Entry {
	detail := fmt.Sprintf("%s rows %d of %d rule %s keys sha256:%s", b.Action, rows, b.Planned, b.Rule, KeyHash(b.Keys))
	if leftBackups != "" {
		detail += " backups-clear " + leftBackups
	}
	return audit.Entry{Action: audit.SweepBatch, Target: b.System + "/" + b.Table, Outcome: audit.OK, Detail: detail}
}

// Hold is a legal hold (Löschsperre) on rows of a system's table: those
// whose Column holds the value sealed in the vault under Subject. While
// active (no Until, or Until not passed) a sweep keeps them.
type Hold struct {
	ID      string     `json:"id"`
	System  string     `json:"system"`
	Table   string     `json:"table"`
	Column  string     `json:"column"`
	Subject string     `json:"subject"`
	Reason  string     `json:"reason"`
	Until   *time.Time `json:"until,omitempty"`
	Created time.Time  `json:"created"`
	Actor   string     `json:"actor"`
	Lifted  *time.Time `json:"lifted,omitempty"`
}

// Active reports whether the hold keeps rows on day: not lifted, and its
// end not before day.
func (h Hold) Active(day time.Time) bool {
	return h.Lifted == nil && (h.Until == nil || !h.Until.Before(day))
}
