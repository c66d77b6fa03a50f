// Package sweep is the domain of deletion sweeps: a batch of rows a sweep
// changes in a company's database, and its entry in the deletion protocol
// (Löschprotokoll, DIN 66398). It does no I/O; app runs the sweeps, store
// keeps the batches while they run.
package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
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

// Detail is a protocol entry's detail as Entry writes it.
type Detail struct {
	Action, Rule, Keys, LeftBackups string
	Rows, Planned                   int64
}

var detailRe = regexp.MustCompile(`^(\S+) rows (\d+) of (\d+) rule (\S+) keys sha256:([0-9a-f]+)(?: backups-clear (\S+))?$`)

// ParseDetail reads what Entry wrote; ok is false for another text.
func ParseDetail(s string) (Detail, bool) {
	m := detailRe.FindStringSubmatch(s)
	if m == nil {
		return Detail{}, false
	}
	rows, _ := strconv.ParseInt(m[2], 10, 64)
	planned, _ := strconv.ParseInt(m[3], 10, 64)
	return Detail{Action: m[1], Rows: rows, Planned: planned, Rule: m[4], Keys: m[5], LeftBackups: m[6]}, true
}
