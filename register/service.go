package register

import (
	"context"
	"encoding/json"
	"time"
)

// Revision is one immutable entry of an entry's history: who changed what,
// when, and the entry as it was afterwards.
type Revision struct {
	Entity   string          `json:"entity"` // controller, activity, measure, document
	EntityID string          `json:"entity_id"`
	Version  int             `json:"version"`
	Action   string          `json:"action"` // create, update, archive
	Actor    string          `json:"actor"`
	At       time.Time       `json:"at"`
	Changes  []Change        `json:"changes"`
	Snapshot json.RawMessage `json:"snapshot"`
}

// Revision actions.
const (
	ActionCreate  = "create"
	ActionUpdate  = "update"
	ActionArchive = "archive"
	ActionRestore = "restore"
)

// Filter selects entries of one kind. Nil/zero fields do not filter.
// Archived entries are left out unless asked for by Status or
// IncludeArchived.
type Filter struct {
	Status          *Status
	Query           string // case-insensitive substring of the name
	IncludeArchived bool
	Offset, Limit   int // Limit 0 means no limit
}

// RevisionFilter selects revisions, newest first.
type RevisionFilter struct {
	Entity, EntityID string
	Offset, Limit    int
}

// ApplySummary counts what an import did.
type ApplySummary struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// Service is the register's storage contract; package store implements it
// for SQLite and PostgreSQL. Every write records a revision attributed to
// the actor; every method that takes an id returns ENOTFOUND for an
// unknown one, and writes return EINVALID for entries failing Validate.
type Service interface {
	// Register returns the whole register in register order, without
	// archived entries unless includeArchived.
	Register(ctx context.Context, includeArchived bool) (*Register, error)
	// Apply merges r into the store in one transaction: new entries are
	// created, changed ones updated, equal ones left alone (no revision).
	// Title and controller are replaced only when r has them.
	Apply(ctx context.Context, actor string, r *Register) (ApplySummary, error)

	FindActivities(ctx context.Context, f Filter) ([]*Activity, int, error)
	FindActivityByID(ctx context.Context, id string) (*Activity, error)
	// CreateActivity returns ECONFLICT when the id is taken.
	CreateActivity(ctx context.Context, actor string, a *Activity) error
	// UpdateActivity replaces the activity with a.ID.
	UpdateActivity(ctx context.Context, actor string, a *Activity) error
	ArchiveActivity(ctx context.Context, actor, id string) error

	FindMeasures(ctx context.Context, f Filter) ([]*Measure, int, error)
	FindMeasureByID(ctx context.Context, id string) (*Measure, error)
	CreateMeasure(ctx context.Context, actor string, m *Measure) error
	UpdateMeasure(ctx context.Context, actor string, m *Measure) error
	ArchiveMeasure(ctx context.Context, actor, id string) error

	FindRevisions(ctx context.Context, f RevisionFilter) ([]*Revision, int, error)
	// RestoreRevision makes a revision of an activity or measure current
	// again (as a new revision).
	RestoreRevision(ctx context.Context, actor, entity, id string, version int) error
	// Plan reports what Apply would do, writing nothing.
	Plan(ctx context.Context, actor string, r *Register) (ApplySummary, error)
}
