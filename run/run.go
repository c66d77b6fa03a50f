// Package run describes the runs of the engine's long work (sweeps and
// scans of the company's databases): who started it, how far it is, how
// it ended. A run is recorded while it works so that the UI shows its
// progress, and kept afterwards with its result (counts and names, never
// a row's value) so that the DPO sees what the scheduled jobs did.
package run

import (
	"encoding/json"
	"time"
)

// Kind is what a run does.
type Kind string

// Kinds.
const (
	Sweep Kind = "sweep"
	Scan  Kind = "scan"
)

// State is where a run is.
type State string

// States. Aborted is never stored: it is a running run whose process
// stopped reporting (killed, crashed), as Effective tells.
const (
	Running State = "running"
	Done    State = "done"
	Failed  State = "failed"
	Aborted State = "aborted"
)

// Stale is how long a running run may go without reporting before it is
// taken for aborted: a live run reports after every batch, well within.
const Stale = 10 * time.Minute

// Progress is how far a run is.
type Progress struct {
	Tables     int   `json:"tables"`      // tables to work
	TablesDone int   `json:"tables_done"` // tables worked
	Examined   int64 `json:"examined"`    // rows found due (sweep), columns sampled (scan)
	Done       int64 `json:"done"`        // rows changed (sweep), personal columns found (scan)
	Held       int64 `json:"held"`        // rows legal holds kept (sweep)
}

// Run is one run.
type Run struct {
	ID       string     `json:"id"`
	Kind     Kind       `json:"kind"`
	System   string     `json:"system,omitempty"` // "" for every system
	Actor    string     `json:"actor"`
	Started  time.Time  `json:"started"`
	Updated  time.Time  `json:"updated"`
	Finished *time.Time `json:"finished,omitempty"`
	State    State      `json:"state"`
	Progress Progress   `json:"progress"`
	// Result is the run's result as the use case returns it (a sweep's
	// tables, a scan's summary), Error the catalogue key of why it
	// failed and ErrorArgs its arguments (a system's id, a driver's
	// answer; never a row's value).
	Result    json.RawMessage `json:"result,omitempty"`
	Error     string          `json:"error,omitempty"`
	ErrorArgs []string        `json:"error_args,omitempty"`
}

// Effective is the run's state at now: a running run that has not
// reported for Stale is aborted.
func (r Run) Effective(now time.Time) State {
	if r.State == Running && now.Sub(r.Updated) > Stale {
		return Aborted
	}
	return r.State
}

// Filter selects runs, newest first.
type Filter struct {
	Kind   Kind
	System string
	Limit  int // default 20, at most 200
}
