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
	Action   string          `json:"action"` // create, update, archive, restore
	Actor    string          `json:"actor"`
	At       time.Time       `json:"at"`
	Changes  []Change        `json:"changes"`
	Snapshot json.RawMessage `json:"snapshot"`
}

// Redaction is a revision's new content: the same change and snapshot
// with the people written in the clear replaced by their subjects.
type Redaction struct {
	Entity, EntityID  string
	Version           int
	Changes, Snapshot string
}

// Revision actions.
const (
	ActionCreate  = "create"
	ActionUpdate  = "update"
	ActionArchive = "archive"
	ActionRestore = "restore"
)

// Filter selects entries of one kind. Zero fields do not filter. Archived
// entries are left out unless asked for by Status or IncludeArchived. The
// store applies every field, so that a page of results and its total are
// exact; web, API and CLI share it.
type Filter struct {
	Status *Status
	// Query is matched, case-folded (Unicode, ß as ss) and literally (no
	// wildcards), against SearchText: name, id, purposes and description
	// of an activity; title, id, description and group of a measure.
	Query string
	// Department, LegalBasis: exact values of an activity.
	Department, LegalBasis string
	// ThirdCountry: "yes" (transfers listed), "no" (explicitly none) or
	// "unstated".
	ThirdCountry    string
	IncludeArchived bool
	Offset, Limit   int // Limit 0 means no limit
}

// ThirdCountryValues are the values Filter.ThirdCountry accepts.
var ThirdCountryValues = []string{"yes", "no", "unstated"}

// RevisionFilter selects revisions, newest first. Zero fields do not
// filter.
type RevisionFilter struct {
	// Entity is the kind of entry ("activity", "measure", "controller",
	// "document"), EntityID its id.
	Entity, EntityID string
	// Actor is who made the change, as recorded ("user:erika").
	Actor string
	// From and To bound the time of the change: From <= at < To.
	From, To      time.Time
	Offset, Limit int
}

// PlanItem is what an import does to one entry.
type PlanItem struct {
	Entity  string   `json:"entity"`
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Action  string   `json:"action"` // create, update or unchanged
	Changes []Change `json:"changes,omitempty"`
}

// PlanUnchanged is the PlanItem action of an entry an import leaves alone.
const PlanUnchanged = "unchanged"

// ApplySummary counts what an import did (or, planned, would do). Items
// lists each entry when details were asked for. State is the register's
// state after it (see Service.State).
type ApplySummary struct {
	Created   int        `json:"created"`
	Updated   int        `json:"updated"`
	Unchanged int        `json:"unchanged"`
	Items     []PlanItem `json:"items,omitempty"`
	State     int64      `json:"state"`
}

// ApplyOptions control Apply and Plan.
type ApplyOptions struct {
	// Details asks for one PlanItem per entry, with the field changes of
	// the changed ones.
	Details bool
	// IfState, when not zero, makes Apply fail with ECONFLICT when the
	// register changed since that state (a preview the user confirmed).
	IfState int64
}

// Header is the register's title and controller.
type Header struct {
	Title      string      `json:"title,omitempty"`
	Controller *Controller `json:"controller,omitempty"`
	// Version counts the changes of the header; writes must name it.
	Version int `json:"version,omitempty" schema:"readonly"`
}

// Delta is what changed in the register after a state, up to State:
// every entry written since, archived ones included (an archive is a
// change), in register order, with its position.
type Delta struct {
	State      int64
	Header     *Header // nil when unchanged
	Activities []*Activity
	Measures   []*Measure
	// ActivityPos and MeasurePos are the register positions of the
	// entries in Activities and Measures, by id.
	ActivityPos, MeasurePos map[string]int
	Documents               bool // documents changed
	Systems                 bool // systems changed
}

// Facets are the values the activity list can be filtered by: those in
// use by activities in force, sorted.
type Facets struct {
	Departments []string `json:"departments"`
	LegalBases  []string `json:"legal_bases"`
}

// Service is the register's storage contract; package store implements it
// for SQLite and PostgreSQL.
//
// Every write takes the acting principal from the context (auth.Principal;
// EUNAUTHORIZED without one) and records, in the same transaction, a
// revision of each changed entry and one audit entry: a write whose audit
// entry fails is not made. Every method that takes an id returns ENOTFOUND
// for an unknown one; writes return EINVALID for entries failing Validate.
// Updates name the version they were made from and return ECONFLICT with
// nothing written when the stored entry has another (optimistic
// concurrency: a stale write never overwrites a newer one).
type Service interface {
	// Register returns the whole register in register order, without
	// archived entries unless includeArchived.
	Register(ctx context.Context, includeArchived bool) (*Register, error)
	// State is a number that changes with every write to the register
	// (entries and header): caches of derived data are keyed by it.
	State(ctx context.Context) (int64, error)
	// Changes returns what changed after state since (-1: everything), as
	// of one snapshot.
	Changes(ctx context.Context, since int64) (Delta, error)
	// Apply merges r into the store in one transaction: new entries are
	// created, changed ones updated, equal ones left alone (no revision).
	// Title and controller are replaced only when r has them.
	Apply(ctx context.Context, r *Register, o ApplyOptions) (ApplySummary, error)
	// Plan reports what Apply would do, writing nothing.
	Plan(ctx context.Context, r *Register, o ApplyOptions) (ApplySummary, error)

	// Header returns title and controller with their version.
	Header(ctx context.Context) (Header, error)
	// UpdateHeader replaces title and controller; version is the one read.
	UpdateHeader(ctx context.Context, h Header, version int) (Header, error)

	FindActivities(ctx context.Context, f Filter) ([]*Activity, int, error)
	// Facets returns the departments and legal bases in use.
	Facets(ctx context.Context) (Facets, error)
	FindActivityByID(ctx context.Context, id string) (*Activity, error)
	// CreateActivity stores a new activity and returns it as stored.
	// Returns ECONFLICT when the id is taken.
	CreateActivity(ctx context.Context, a *Activity) (*Activity, error)
	// UpdateActivity replaces the activity with a.ID if its stored version
	// is version, and returns it as stored.
	UpdateActivity(ctx context.Context, a *Activity, version int) (*Activity, error)
	// ArchiveActivity archives the current version.
	ArchiveActivity(ctx context.Context, id string) (*Activity, error)

	FindMeasures(ctx context.Context, f Filter) ([]*Measure, int, error)
	FindMeasureByID(ctx context.Context, id string) (*Measure, error)
	CreateMeasure(ctx context.Context, m *Measure) (*Measure, error)
	UpdateMeasure(ctx context.Context, m *Measure, version int) (*Measure, error)
	ArchiveMeasure(ctx context.Context, id string) (*Measure, error)
	// ReviewMeasure records a review (day, evidence note) on the current
	// version of a measure, read and written in one transaction.
	ReviewMeasure(ctx context.Context, id string, day Date, evidence string) (*Measure, error)

	// FindDocuments returns the documents in force in register order.
	FindDocuments(ctx context.Context) ([]*Document, error)
	// FindDocumentsBy lists documents by the filter (status, query,
	// paging).
	FindDocumentsBy(ctx context.Context, f Filter) ([]*Document, int, error)
	FindDocumentByID(ctx context.Context, id string) (*Document, error)
	CreateDocument(ctx context.Context, d *Document) (*Document, error)
	UpdateDocument(ctx context.Context, d *Document, version int) (*Document, error)
	ArchiveDocument(ctx context.Context, id string) (*Document, error)

	// FindSystems lists systems by the filter (status, query, paging).
	FindSystems(ctx context.Context, f Filter) ([]*System, int, error)
	FindSystemByID(ctx context.Context, id string) (*System, error)
	CreateSystem(ctx context.Context, x *System) (*System, error)
	UpdateSystem(ctx context.Context, x *System, version int) (*System, error)
	ArchiveSystem(ctx context.Context, id string) (*System, error)

	// IDs returns the ids of every entry of a kind ("activity",
	// "measure"), archived ones included.
	IDs(ctx context.Context, entity string) (map[string]bool, error)

	FindRevisions(ctx context.Context, f RevisionFilter) ([]*Revision, int, error)
	// RevisionActors lists everyone who has made a change, sorted, for
	// the history's filter.
	RevisionActors(ctx context.Context) ([]string, error)
	// RestoreRevision makes a revision of an activity or measure current
	// again (as a new revision).
	RestoreRevision(ctx context.Context, entity, id string, version int) error
}
