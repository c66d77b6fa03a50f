package app

import (
	"context"
	"slices"
	"strings"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/register"
)

// Register returns the whole register (exports, the native format).
func (a *App) Register(ctx context.Context, includeArchived bool) (*register.Register, error) {
	if _, err := auth.Require(ctx, auth.Read); err != nil {
		return nil, err
	}
	r, err := a.store.Register(ctx, includeArchived)
	if err != nil {
		return nil, err
	}
	return r, a.openRegister(ctx, r)
}

// Activities lists activities by the filter, a page at a time.
func (a *App) Activities(ctx context.Context, f register.Filter) ([]*register.Activity, int, error) {
	if _, err := auth.Require(ctx, auth.Read); err != nil {
		return nil, 0, err
	}
	if err := validFilter(f); err != nil {
		return nil, 0, err
	}
	acts, total, err := a.store.FindActivities(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	return acts, total, a.openActivities(ctx, acts...)
}

// Measures lists measures by the filter.
func (a *App) Measures(ctx context.Context, f register.Filter) ([]*register.Measure, int, error) {
	if _, err := auth.Require(ctx, auth.Read); err != nil {
		return nil, 0, err
	}
	if err := validFilter(f); err != nil {
		return nil, 0, err
	}
	return a.store.FindMeasures(ctx, f)
}

func validFilter(f register.Filter) error {
	if f.ThirdCountry != "" && !slices.Contains(register.ThirdCountryValues, f.ThirdCountry) {
		return gdpr.Keyed(gdpr.EINVALID, "third_country", "filter.third_country", f.ThirdCountry)
	}
	if f.Status != nil && !slices.Contains(register.Statuses, *f.Status) {
		return gdpr.Keyed(gdpr.EINVALID, "status", "cli.status", *f.Status)
	}
	return nil
}

// Activity returns one activity. Returns ENOTFOUND.
func (a *App) Activity(ctx context.Context, id string) (*register.Activity, error) {
	if _, err := auth.Require(ctx, auth.Read); err != nil {
		return nil, err
	}
	act, err := a.store.FindActivityByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return act, a.openActivities(ctx, act)
}

// Measure returns one measure. Returns ENOTFOUND.
func (a *App) Measure(ctx context.Context, id string) (*register.Measure, error) {
	if _, err := auth.Require(ctx, auth.Read); err != nil {
		return nil, err
	}
	return a.store.FindMeasureByID(ctx, id)
}

// createAttempts bounds the retries of a create whose id was derived from
// the name, when another create took the same id meanwhile.
const createAttempts = 3

// CreateActivity stores a new activity and returns it as stored. An
// activity without id gets one derived from its name as the importer
// derives it (umlauts transliterated; "-2", "-3" … when taken). Returns
// ECONFLICT for an id given and taken.
func (a *App) CreateActivity(ctx context.Context, act *register.Activity) (*register.Activity, error) {
	c := copyActivity(act) // the derived id is set on a copy, not the caller's value
	if _, err := a.require(ctx, auth.Write, audit.ActivityCreate, c.ID); err != nil {
		return nil, err
	}
	made, err := a.sealPeople(ctx, activitySlots(c), nil, false)
	if err != nil {
		a.unseal(ctx, made)
		return nil, a.record(ctx, audit.ActivityCreate, c.ID, err)
	}
	out, err := create(ctx, a, audit.ActivityCreate, "activity", c, &c.ID, c.Name, a.store.CreateActivity)
	if err != nil {
		a.unseal(ctx, made)
		return nil, err
	}
	return out, a.openActivities(ctx, out)
}

// copyActivity copies what sealing people changes in an activity, so
// that the caller's value (a form to show again) keeps its values.
func copyActivity(act *register.Activity) *register.Activity {
	c := *act
	if act.Contact != nil {
		cc := *act.Contact
		c.Contact = &cc
	}
	return &c
}

// CreateMeasure stores a new measure, with an id derived from its title
// when it has none.
func (a *App) CreateMeasure(ctx context.Context, m *register.Measure) (*register.Measure, error) {
	c := *m
	return create(ctx, a, audit.MeasureCreate, "measure", &c, &c.ID, c.Title, a.store.CreateMeasure)
}

func create[T any](ctx context.Context, a *App, action, entity string, v T, id *string, name string, store func(context.Context, T) (T, error)) (T, error) {
	var zero T
	if _, err := a.require(ctx, auth.Write, action, *id); err != nil {
		return zero, err
	}
	derive := *id == ""
	if derive && strings.TrimSpace(name) == "" {
		field := "title"
		if entity == "activity" || entity == "system" {
			field = "name"
		}
		return zero, a.record(ctx, action, "", gdpr.Keyed(gdpr.EINVALID, field, "invalid.noname."+entity))
	}
	for attempt := 1; ; attempt++ {
		if derive {
			taken, err := a.store.IDs(ctx, entity)
			if err != nil {
				return zero, err
			}
			*id = register.UniqueSlug(name, taken)
		}
		out, err := store(ctx, v)
		if derive && gdpr.ErrorCode(err) == gdpr.ECONFLICT && attempt < createAttempts {
			continue
		}
		return out, a.record(ctx, action, *id, err)
	}
}

// UpdateActivity replaces an activity, if version is the stored one.
// Returns ECONFLICT (nothing written) for another version.
func (a *App) UpdateActivity(ctx context.Context, act *register.Activity, version int) (*register.Activity, error) {
	if _, err := a.require(ctx, auth.Write, audit.ActivityUpdate, act.ID); err != nil {
		return nil, err
	}
	act = copyActivity(act)
	var cur []person
	if stored, err := a.store.FindActivityByID(ctx, act.ID); err == nil {
		cur = activitySlots(stored)
	}
	made, err := a.sealPeople(ctx, activitySlots(act), cur, false)
	if err != nil {
		a.unseal(ctx, made)
		return nil, a.record(ctx, audit.ActivityUpdate, act.ID, err)
	}
	out, err := a.store.UpdateActivity(ctx, act, version)
	if err != nil {
		a.unseal(ctx, made)
		return nil, a.record(ctx, audit.ActivityUpdate, act.ID, err)
	}
	return out, a.openActivities(ctx, out)
}

// UpdateMeasure replaces a measure, if version is the stored one.
func (a *App) UpdateMeasure(ctx context.Context, m *register.Measure, version int) (*register.Measure, error) {
	if _, err := a.require(ctx, auth.Write, audit.MeasureUpdate, m.ID); err != nil {
		return nil, err
	}
	out, err := a.store.UpdateMeasure(ctx, m, version)
	return out, a.record(ctx, audit.MeasureUpdate, m.ID, err)
}

// ArchiveActivity archives an activity (entries are never deleted). With
// version > 0 the stored version must be it.
func (a *App) ArchiveActivity(ctx context.Context, id string, version int) (*register.Activity, error) {
	if _, err := a.require(ctx, auth.Write, audit.ActivityArchive, id); err != nil {
		return nil, err
	}
	if err := a.checkVersion(ctx, "activity", id, version); err != nil {
		return nil, a.record(ctx, audit.ActivityArchive, id, err)
	}
	out, err := a.store.ArchiveActivity(ctx, id)
	if err != nil {
		return nil, a.record(ctx, audit.ActivityArchive, id, err)
	}
	return out, a.openActivities(ctx, out)
}

// ArchiveMeasure archives a measure. With version > 0 the stored version
// must be it.
func (a *App) ArchiveMeasure(ctx context.Context, id string, version int) (*register.Measure, error) {
	if _, err := a.require(ctx, auth.Write, audit.MeasureArchive, id); err != nil {
		return nil, err
	}
	if err := a.checkVersion(ctx, "measure", id, version); err != nil {
		return nil, a.record(ctx, audit.MeasureArchive, id, err)
	}
	out, err := a.store.ArchiveMeasure(ctx, id)
	return out, a.record(ctx, audit.MeasureArchive, id, err)
}

// checkVersion compares a version the caller names (an If-Match on an
// archive) with the stored one. The archive itself reads and writes in one
// transaction, so that it never loses a change; this only refuses to
// archive what the caller has not seen.
func (a *App) checkVersion(ctx context.Context, entity, id string, version int) error {
	if version <= 0 {
		return nil
	}
	var cur int
	switch entity {
	case "activity":
		v, err := a.store.FindActivityByID(ctx, id)
		if err != nil {
			return err
		}
		cur = v.Version
	case "document":
		v, err := a.store.FindDocumentByID(ctx, id)
		if err != nil {
			return err
		}
		cur = v.Version
	case "system":
		v, err := a.store.FindSystemByID(ctx, id)
		if err != nil {
			return err
		}
		cur = v.Version
	default:
		v, err := a.store.FindMeasureByID(ctx, id)
		if err != nil {
			return err
		}
		cur = v.Version
	}
	if cur != version {
		return gdpr.Keyed(gdpr.ECONFLICT, "", "conflict.stale."+entity, id, version, cur)
	}
	return nil
}

// ReviewMeasure records that a measure was reviewed today by the
// principal (in the revision), with an evidence note.
func (a *App) ReviewMeasure(ctx context.Context, id, evidence string) (*register.Measure, error) {
	if _, err := a.require(ctx, auth.Write, audit.MeasureReview, id); err != nil {
		return nil, err
	}
	out, err := a.store.ReviewMeasure(ctx, id, register.DateOf(a.now()), evidence)
	return out, a.record(ctx, audit.MeasureReview, id, err)
}

// Header returns title and controller with their version.
func (a *App) Header(ctx context.Context) (register.Header, error) {
	if _, err := auth.Require(ctx, auth.Read); err != nil {
		return register.Header{}, err
	}
	h, err := a.store.Header(ctx)
	if err != nil {
		return register.Header{}, err
	}
	return h, a.openPeople(ctx, headerSlots(&h))
}

// UpdateHeader replaces title and controller, if version is the stored
// one. Joint controllers, which the form does not edit, are kept when
// keepJoint is set.
func (a *App) UpdateHeader(ctx context.Context, h register.Header, version int, keepJoint bool) (register.Header, error) {
	if _, err := a.require(ctx, auth.Write, audit.ControllerUpdate, "controller"); err != nil {
		return register.Header{}, err
	}
	if h.Controller == nil {
		return register.Header{}, a.record(ctx, audit.ControllerUpdate, "controller", gdpr.Keyed(gdpr.EINVALID, "controller", "invalid.controller"))
	}
	cur, err := a.store.Header(ctx)
	if err != nil {
		return register.Header{}, err
	}
	h.Controller = copyController(h.Controller)
	if keepJoint && cur.Controller != nil {
		h.Controller.JointControllers = cur.Controller.JointControllers
	}
	made, err := a.sealPeople(ctx, headerSlots(&h), headerSlots(&cur), false)
	if err != nil {
		a.unseal(ctx, made)
		return register.Header{}, a.record(ctx, audit.ControllerUpdate, "controller", err)
	}
	out, err := a.store.UpdateHeader(ctx, h, version)
	if err != nil {
		a.unseal(ctx, made)
		return register.Header{}, a.record(ctx, audit.ControllerUpdate, "controller", err)
	}
	return out, a.openPeople(ctx, headerSlots(&out))
}

// copyController copies what sealing people changes in a controller.
func copyController(c *register.Controller) *register.Controller {
	if c == nil {
		return nil
	}
	cc := *c
	if c.DPO != nil {
		d := *c.DPO
		cc.DPO = &d
	}
	return &cc
}

// Revisions lists the change history, newest first.
func (a *App) Revisions(ctx context.Context, f register.RevisionFilter) ([]*register.Revision, int, error) {
	if _, err := auth.Require(ctx, auth.Read); err != nil {
		return nil, 0, err
	}
	revs, total, err := a.store.FindRevisions(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	return revs, total, a.openRevisions(ctx, revs)
}

// RevisionActors lists who has made changes, for the history's filter.
func (a *App) RevisionActors(ctx context.Context) ([]string, error) {
	if _, err := auth.Require(ctx, auth.Read); err != nil {
		return nil, err
	}
	return a.store.RevisionActors(ctx)
}

// Restore makes an earlier revision of an activity or measure current
// again and returns the new revision.
func (a *App) Restore(ctx context.Context, entity, id string, version int) (*register.Revision, error) {
	target := entity + "/" + id
	if _, err := a.require(ctx, auth.Write, audit.RevisionRestore, target); err != nil {
		return nil, err
	}
	if err := a.store.RestoreRevision(ctx, entity, id, version); err != nil {
		return nil, a.record(ctx, audit.RevisionRestore, target, err)
	}
	// A revision written before the people went to the vault brings
	// their values back: they go to the vault again, in one more revision.
	if entity == "activity" {
		if act, err := a.store.FindActivityByID(ctx, id); err == nil && slices.ContainsFunc(activitySlots(act), person.plain) && a.peopleReady() {
			made, err := a.sealPeople(ctx, activitySlots(act), nil, false)
			if err == nil {
				_, err = a.store.UpdateActivity(ctx, act, act.Version)
			}
			if err != nil {
				a.unseal(ctx, made)
				return nil, a.record(ctx, audit.RevisionRestore, target, err)
			}
		}
	}
	items, _, err := a.store.FindRevisions(ctx, register.RevisionFilter{Entity: entity, EntityID: id, Limit: 1})
	if err != nil || len(items) == 0 {
		return nil, err
	}
	return items[0], a.openRevisions(ctx, items[:1])
}

// Systems lists systems by the filter, a page at a time.
func (a *App) Systems(ctx context.Context, f register.Filter) ([]*register.System, int, error) {
	if _, err := auth.Require(ctx, auth.Read); err != nil {
		return nil, 0, err
	}
	if err := validFilter(f); err != nil {
		return nil, 0, err
	}
	return a.store.FindSystems(ctx, f)
}

// System returns one system. Returns ENOTFOUND.
func (a *App) System(ctx context.Context, id string) (*register.System, error) {
	if _, err := auth.Require(ctx, auth.Read); err != nil {
		return nil, err
	}
	return a.store.FindSystemByID(ctx, id)
}

// CreateSystem stores a new system, with an id derived from its name when
// it has none.
func (a *App) CreateSystem(ctx context.Context, x *register.System) (*register.System, error) {
	c := *x
	return create(ctx, a, audit.SystemCreate, "system", &c, &c.ID, c.Name, a.store.CreateSystem)
}

// UpdateSystem replaces a system, if version is the stored one.
func (a *App) UpdateSystem(ctx context.Context, x *register.System, version int) (*register.System, error) {
	if _, err := a.require(ctx, auth.Write, audit.SystemUpdate, x.ID); err != nil {
		return nil, err
	}
	out, err := a.store.UpdateSystem(ctx, x, version)
	return out, a.record(ctx, audit.SystemUpdate, x.ID, err)
}

// ArchiveSystem archives a system. With version > 0 the stored version
// must be it.
func (a *App) ArchiveSystem(ctx context.Context, id string, version int) (*register.System, error) {
	if _, err := a.require(ctx, auth.Write, audit.SystemArchive, id); err != nil {
		return nil, err
	}
	if err := a.checkVersion(ctx, "system", id, version); err != nil {
		return nil, a.record(ctx, audit.SystemArchive, id, err)
	}
	out, err := a.store.ArchiveSystem(ctx, id)
	return out, a.record(ctx, audit.SystemArchive, id, err)
}

// DocumentsBy lists documents by the filter, a page at a time.
func (a *App) DocumentsBy(ctx context.Context, f register.Filter) ([]*register.Document, int, error) {
	if _, err := auth.Require(ctx, auth.Read); err != nil {
		return nil, 0, err
	}
	if err := validFilter(f); err != nil {
		return nil, 0, err
	}
	return a.store.FindDocumentsBy(ctx, f)
}

// Document returns one document. Returns ENOTFOUND.
func (a *App) Document(ctx context.Context, id string) (*register.Document, error) {
	if _, err := auth.Require(ctx, auth.Read); err != nil {
		return nil, err
	}
	return a.store.FindDocumentByID(ctx, id)
}

// CreateDocument stores a new document, with an id derived from its
// title when it has none.
func (a *App) CreateDocument(ctx context.Context, d *register.Document) (*register.Document, error) {
	c := *d
	return create(ctx, a, audit.DocumentCreate, "document", &c, &c.ID, c.Title, a.store.CreateDocument)
}

// UpdateDocument replaces a document, if version is the stored one.
func (a *App) UpdateDocument(ctx context.Context, d *register.Document, version int) (*register.Document, error) {
	if _, err := a.require(ctx, auth.Write, audit.DocumentUpdate, d.ID); err != nil {
		return nil, err
	}
	out, err := a.store.UpdateDocument(ctx, d, version)
	return out, a.record(ctx, audit.DocumentUpdate, d.ID, err)
}

// ArchiveDocument archives a document. With version > 0 the stored
// version must be it.
func (a *App) ArchiveDocument(ctx context.Context, id string, version int) (*register.Document, error) {
	if _, err := a.require(ctx, auth.Write, audit.DocumentArchive, id); err != nil {
		return nil, err
	}
	if err := a.checkVersion(ctx, "document", id, version); err != nil {
		return nil, a.record(ctx, audit.DocumentArchive, id, err)
	}
	out, err := a.store.ArchiveDocument(ctx, id)
	return out, a.record(ctx, audit.DocumentArchive, id, err)
}

// Documents returns the register's documents.
func (a *App) Documents(ctx context.Context) ([]*register.Document, error) {
	if _, err := auth.Require(ctx, auth.Read); err != nil {
		return nil, err
	}
	return a.store.FindDocuments(ctx)
}
