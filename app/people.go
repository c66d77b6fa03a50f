package app

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/register"
	"gdpr/vault"
)

// The people of the register (an activity's contact person, the DPO, the
// controller's representative) live in the vault when the engine has its
// keys: before an entry is stored, each person's name, telephone and
// e-mail become a subject and the entry keeps only its id; when an entry
// is read, the ids are opened again. So erasing a person (the vault
// destroys their key) erases them from every entry and every revision
// written since, which then say "[gelöscht]". A person whose values did
// not change keeps their subject; changed values make a new one, so that
// the history still shows what was before. Joint controllers are
// organisations and stay as they are. Without keys, entries are stored
// as they come.

// person is one person of an entry: pointers into it.
type person struct {
	name, phone, email, subject *string
}

func (s person) plain() bool {
	return *s.name != "" || s.phone != nil && *s.phone != "" || s.email != nil && *s.email != ""
}

func (s person) clear() {
	*s.name = ""
	if s.phone != nil {
		*s.phone = ""
	}
	if s.email != nil {
		*s.email = ""
	}
}

// record is the person's vault record. A telephone number or e-mail that
// the blind index cannot normalise is kept unindexed.
func (s person) record() Record {
	r := Record{}
	if *s.name != "" {
		r["name"] = *s.name
	}
	for _, f := range []struct {
		v    *string
		kind vault.Kind
		name string
	}{{s.phone, vault.KindPhone, "phone"}, {s.email, vault.KindEmail, "email"}} {
		if f.v == nil || *f.v == "" {
			continue
		}
		if _, err := vault.Normalise(f.kind, *f.v); err == nil {
			r[f.name] = *f.v
		} else {
			r[f.name+"_text"] = *f.v
		}
	}
	return r
}

// fill sets the person from an opened record.
func (s person) fill(sub Subject) {
	if sub.Shredded {
		*s.name = register.Erased
		return
	}
	*s.name = sub.Record["name"]
	if s.phone != nil {
		*s.phone = cmpOr(sub.Record["phone"], sub.Record["phone_text"])
	}
	if s.email != nil {
		*s.email = cmpOr(sub.Record["email"], sub.Record["email_text"])
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func activitySlots(a *register.Activity) []person {
	if a == nil || a.Contact == nil {
		return nil
	}
	c := a.Contact
	return []person{{&c.Name, &c.Phone, &c.Email, &c.Subject}}
}

func controllerSlots(c *register.Controller) []person {
	if c == nil {
		return nil
	}
	out := []person{{name: &c.Representative, subject: &c.RepresentativeSubject}}
	if c.DPO != nil {
		out = append(out, person{&c.DPO.Name, &c.DPO.Phone, &c.DPO.Email, &c.DPO.Subject})
	}
	return out
}

func headerSlots(h *register.Header) []person {
	if h == nil {
		return nil
	}
	return controllerSlots(h.Controller)
}

// peopleReady reports whether people go to the vault: the engine has
// its keys and a store with a vault.
func (a *App) peopleReady() bool {
	_, _, err := a.vaultReady()
	return err == nil
}

// sealPeople puts the people of an entry into the vault, reusing the
// subject of the same person in the stored entry (cur) when the values
// did not change. With dry, no subject is made: a changed person keeps
// the values (a preview shows the change). Returns the subjects made, to
// be erased again if the entry is not stored.
func (a *App) sealPeople(ctx context.Context, slots, cur []person, dry bool) ([]string, error) {
	return a.sealWith(ctx, slots, cur, dry, nil)
}

// sealWith is sealPeople; with a cache (record → subject), the same
// person gets the same subject across entries (a migration).
func (a *App) sealWith(ctx context.Context, slots, cur []person, dry bool, cache map[string]string) ([]string, error) {
	if !a.peopleReady() {
		// Without the keys the stored people cannot be read: a write
		// would store their values in the clear again, or lose them.
		for i, c := range cur {
			if *c.subject == "" || c.plain() {
				continue
			}
			if i >= len(slots) || slots[i].plain() || *slots[i].subject != *c.subject {
				return nil, gdpr.Keyed(gdpr.EINVALID, "vault-keys", "people.nokeys")
			}
		}
		return nil, nil
	}
	var made []string
	for i, s := range slots {
		if !s.plain() {
			if *s.subject != "" {
				// An id handed back as it was read: it must be one.
				if _, err := a.openSubject(ctx, *s.subject); err != nil {
					return made, gdpr.Keyed(gdpr.EINVALID, "subject", "people.subject", *s.subject)
				}
			}
			continue
		}
		// An erased person read and sent back (a form, the API) stays the
		// erased subject; the marker never becomes a person of its own.
		if *s.name == register.Erased && (s.phone == nil || *s.phone == "") && (s.email == nil || *s.email == "") {
			s.clear()
			*s.subject = ""
			if i < len(cur) && !cur[i].plain() {
				*s.subject = *cur[i].subject
			}
			continue
		}
		rec := s.record()
		if i < len(cur) && *cur[i].subject != "" && !cur[i].plain() {
			if sub, err := a.openSubject(ctx, *cur[i].subject); err == nil && !sub.Shredded && sameRecord(sub.Record, rec) {
				*s.subject = *cur[i].subject
				s.clear()
				continue
			}
		}
		if dry {
			*s.subject = ""
			continue
		}
		key := recordKey(rec)
		id, ok := cache[key]
		if !ok {
			var err error
			if id, err = a.newSubject(ctx, rec); err != nil {
				return made, err
			}
			made = append(made, id)
			if cache != nil {
				cache[key] = id
			}
		}
		*s.subject = id
		s.clear()
	}
	return made, nil
}

func recordKey(r Record) string {
	b, _ := json.Marshal(r) // maps marshal in key order
	return string(b)
}

func sameRecord(stored, rec Record) bool {
	for _, f := range []string{"name", "phone", "phone_text", "email", "email_text"} {
		if stored[f] != rec[f] {
			return false
		}
	}
	return true
}

// unseal erases the subjects made for an entry that was not stored.
func (a *App) unseal(ctx context.Context, made []string) {
	vs, _, err := a.vaultReady()
	if err != nil {
		return
	}
	for _, id := range made {
		if err := vs.ShredSubject(context.WithoutCancel(ctx), id); err != nil {
			a.log.Error("erase a subject made for an entry not stored", "subject", id, "err", err)
		}
	}
}

// openPeople fills the people of the given slots from the vault and
// records the read (one entry for all, with the ids). Without keys the
// slots keep their ids and no values.
func (a *App) openPeople(ctx context.Context, slots []person) error {
	if !a.peopleReady() {
		return nil
	}
	opened := map[string]Subject{}
	var ids []string
	for _, s := range slots {
		id := *s.subject
		if id == "" || s.plain() {
			continue
		}
		sub, ok := opened[id]
		if !ok {
			var err error
			if sub, err = a.openSubject(ctx, id); err != nil {
				if gdpr.ErrorCode(err) != gdpr.ENOTFOUND {
					return err
				}
				sub = Subject{ID: id, Shredded: true}
			}
			opened[id] = sub
			ids = append(ids, id)
		}
		s.fill(sub)
	}
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	return a.auditNow(ctx, audit.Entry{Action: audit.SubjectRead, Target: "register", Outcome: audit.OK, Detail: "people " + strings.Join(ids, ",")})
}

// openActivities opens the people of activities.
func (a *App) openActivities(ctx context.Context, acts ...*register.Activity) error {
	var slots []person
	for _, act := range acts {
		slots = append(slots, activitySlots(act)...)
	}
	return a.openPeople(ctx, slots)
}

// openRegister opens the people of a whole register.
func (a *App) openRegister(ctx context.Context, r *register.Register) error {
	return a.openPeople(ctx, registerSlots(r))
}

func registerSlots(r *register.Register) []person {
	if r == nil {
		return nil
	}
	slots := controllerSlots(r.Controller)
	for _, act := range r.Activities {
		slots = append(slots, activitySlots(act)...)
	}
	return slots
}

// lockedPeople reports whether slots hold people of the vault that this
// engine cannot open (it has no keys).
func (a *App) lockedPeople(slots []person) bool {
	return !a.peopleReady() && slices.ContainsFunc(slots, func(p person) bool { return *p.subject != "" && !p.plain() })
}

// openRevisions opens the people in revisions: their snapshots and the
// changes of the fields that hold people.
func (a *App) openRevisions(ctx context.Context, revs []*register.Revision) error {
	if !a.peopleReady() {
		return nil
	}
	type fix struct {
		raw    *json.RawMessage
		v      any
		person []person
	}
	var fixes []fix
	add := func(raw *json.RawMessage, entity, field string) {
		if len(*raw) == 0 || string(*raw) == "null" {
			return
		}
		switch {
		case entity == "activity" && field == "":
			var v register.Activity
			if json.Unmarshal(*raw, &v) == nil {
				fixes = append(fixes, fix{raw, &v, activitySlots(&v)})
			}
		case entity == "activity" && field == "contact":
			var v register.Contact
			if json.Unmarshal(*raw, &v) == nil {
				fixes = append(fixes, fix{raw, &v, []person{{&v.Name, &v.Phone, &v.Email, &v.Subject}}})
			}
		case entity == "controller" && field == "":
			var v register.Header
			if json.Unmarshal(*raw, &v) == nil {
				fixes = append(fixes, fix{raw, &v, headerSlots(&v)})
			}
		case entity == "controller" && field == "controller":
			var v register.Controller
			if json.Unmarshal(*raw, &v) == nil {
				fixes = append(fixes, fix{raw, &v, controllerSlots(&v)})
			}
		}
	}
	for _, rv := range revs {
		add(&rv.Snapshot, rv.Entity, "")
		for i := range rv.Changes {
			add(&rv.Changes[i].Old, rv.Entity, rv.Changes[i].Field)
			add(&rv.Changes[i].New, rv.Entity, rv.Changes[i].Field)
		}
	}
	var slots []person
	for _, f := range fixes {
		slots = append(slots, f.person...)
	}
	if err := a.openPeople(ctx, slots); err != nil {
		return err
	}
	for _, f := range fixes {
		b, err := json.Marshal(f.v)
		if err != nil {
			return fmt.Errorf("revision people: %w", err)
		}
		*f.raw = b
	}
	return nil
}

// PeopleRefs says for each subject id where the register names it: the
// activities (by id) and the controller's DPO or representative. Admins
// (the Schlüssel & Protokoll page).
func (a *App) PeopleRefs(ctx context.Context, ids []string) (map[string][]PersonRef, error) {
	if _, err := auth.Require(ctx, auth.Manage); err != nil {
		return nil, err
	}
	r, err := a.store.Register(ctx, true)
	if err != nil {
		return nil, err
	}
	out := map[string][]PersonRef{}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	if c := r.Controller; c != nil {
		if want[c.RepresentativeSubject] {
			out[c.RepresentativeSubject] = append(out[c.RepresentativeSubject], PersonRef{Entity: "controller", Role: "representative"})
		}
		if c.DPO != nil && want[c.DPO.Subject] {
			out[c.DPO.Subject] = append(out[c.DPO.Subject], PersonRef{Entity: "controller", Role: "dpo"})
		}
	}
	for _, act := range r.Activities {
		if act.Contact != nil && want[act.Contact.Subject] {
			out[act.Contact.Subject] = append(out[act.Contact.Subject], PersonRef{Entity: "activity", ID: act.ID, Name: act.Name, Role: "contact"})
		}
	}
	return out, nil
}

// PersonRef is a place in the register that names a person.
type PersonRef struct {
	Entity, ID, Name string
	Role             string // contact, dpo, representative
}

// SealPeople moves the people of the entries stored before the vault
// (or while the engine ran without its keys) into the vault: each entry
// with a person in the clear is written again with the person's subject,
// as a revision, and every revision that held them is redacted (see
// sealHistory). Returns how many entries were written and how many
// revisions redacted.
func (a *App) SealPeople(ctx context.Context) (entries, revisions int, err error) {
	if _, err := auth.Require(ctx, auth.Manage); err != nil {
		return 0, 0, err
	}
	if !a.peopleReady() {
		return 0, 0, gdpr.Keyed(gdpr.EINVALID, "vault-keys", "vault.nokeys")
	}
	n := 0
	cache := map[string]string{}
	// write stores an entry with its people sealed. A conflict means
	// another writer (a second gdpr serve starting on the same database)
	// changed the entry meanwhile: its subjects go again, and the next
	// run sees the entry as it is now.
	write := func(slots []person, store func() error) error {
		made, err := a.sealWith(ctx, slots, nil, false, cache)
		if err == nil {
			err = store()
		}
		if err == nil {
			n++
			return nil
		}
		a.unseal(ctx, made)
		for k, id := range cache {
			if slices.Contains(made, id) {
				delete(cache, k)
			}
		}
		if gdpr.ErrorCode(err) == gdpr.ECONFLICT {
			return nil
		}
		return err
	}
	h, err := a.store.Header(ctx)
	if err != nil {
		return 0, 0, err
	}
	if slices.ContainsFunc(headerSlots(&h), person.plain) {
		if err := write(headerSlots(&h), func() error { _, err := a.store.UpdateHeader(ctx, h, h.Version); return err }); err != nil {
			return n, 0, err
		}
	}
	r, err := a.store.Register(ctx, true)
	if err != nil {
		return n, 0, err
	}
	for _, act := range r.Activities {
		if !slices.ContainsFunc(activitySlots(act), person.plain) {
			continue
		}
		if err := write(activitySlots(act), func() error { _, err := a.store.UpdateActivity(ctx, act, act.Version); return err }); err != nil {
			return n, 0, err
		}
	}
	m, err := a.sealHistory(ctx, cache)
	return n, m, err
}

// Redactor is a store that can replace the people in revisions.
type Redactor interface {
	RedactRevisions(ctx context.Context, rs []register.Redaction) error
}

// sealHistory replaces the people written in the clear in revisions (in
// their snapshots and changes) by subjects, the same person by the same
// subject, a batch of revisions per transaction; each redaction is a leaf
// of the log. Returns how many revisions were redacted.
func (a *App) sealHistory(ctx context.Context, cache map[string]string) (int, error) {
	rd, ok := a.store.(Redactor)
	if !ok {
		return 0, nil
	}
	const page = 200
	n := 0
	for _, entity := range []string{"activity", "controller"} {
		for off := 0; ; off += page {
			revs, _, err := a.store.FindRevisions(ctx, register.RevisionFilter{Entity: entity, Limit: page, Offset: off})
			if err != nil {
				return n, err
			}
			var batch []register.Redaction
			for _, rv := range revs {
				r, changed, err := a.sealRevision(ctx, rv, cache)
				if err != nil {
					return n, err
				}
				if changed {
					batch = append(batch, r)
				}
			}
			if len(batch) > 0 {
				if err := rd.RedactRevisions(ctx, batch); err != nil {
					return n, err
				}
				n += len(batch)
			}
			if len(revs) < page {
				break
			}
		}
	}
	return n, nil
}

// sealRevision seals the people of one revision's snapshot and changes.
func (a *App) sealRevision(ctx context.Context, rv *register.Revision, cache map[string]string) (register.Redaction, bool, error) {
	changed := false
	edit := func(raw json.RawMessage, field string) (json.RawMessage, error) {
		out, ch, err := a.sealJSON(ctx, raw, rv.Entity, field, cache)
		changed = changed || ch
		return out, err
	}
	snap, err := edit(rv.Snapshot, "")
	if err != nil {
		return register.Redaction{}, false, err
	}
	changes := slices.Clone(rv.Changes)
	for i := range changes {
		if changes[i].Old, err = edit(changes[i].Old, changes[i].Field); err != nil {
			return register.Redaction{}, false, err
		}
		if changes[i].New, err = edit(changes[i].New, changes[i].Field); err != nil {
			return register.Redaction{}, false, err
		}
	}
	if !changed {
		return register.Redaction{}, false, nil
	}
	cj, err := json.Marshal(changes)
	if err != nil {
		return register.Redaction{}, false, err
	}
	return register.Redaction{Entity: rv.Entity, EntityID: rv.EntityID, Version: rv.Version, Changes: string(cj), Snapshot: string(snap)}, true, nil
}

// sealJSON seals the people in one JSON value of a revision: a snapshot
// (field "") or a change of the field that holds people. Only the people
// are touched; every other field keeps its bytes (fields a later version
// of the types dropped stay).
func (a *App) sealJSON(ctx context.Context, raw json.RawMessage, entity, field string, cache map[string]string) (json.RawMessage, bool, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return raw, false, nil
	}
	var path []string // the objects from raw down to the one with people
	switch {
	case entity == "activity" && field == "":
		path = []string{"contact"}
	case entity == "activity" && field == "contact":
		path = []string{}
	case entity == "controller" && field == "":
		path = []string{"controller"}
	case entity == "controller" && field == "controller":
		path = []string{}
	default:
		return raw, false, nil
	}
	// The object that holds the people: an activity's contact, or the
	// controller with its representative and DPO.
	var inner json.RawMessage = raw
	var outer map[string]json.RawMessage
	if len(path) == 1 {
		if err := json.Unmarshal(raw, &outer); err != nil {
			return raw, false, nil // not an object: nothing to seal
		}
		if inner = outer[path[0]]; len(inner) == 0 || string(inner) == "null" {
			return raw, false, nil
		}
	}
	var sealed json.RawMessage
	var changed bool
	var err error
	if entity == "activity" {
		sealed, changed, err = a.sealContactJSON(ctx, inner, cache)
	} else {
		sealed, changed, err = a.sealControllerJSON(ctx, inner, cache)
	}
	if err != nil || !changed {
		return raw, false, err
	}
	if len(path) == 0 {
		return sealed, true, nil
	}
	outer[path[0]] = sealed
	b, err := json.Marshal(outer)
	return b, true, err
}

func (a *App) sealContactJSON(ctx context.Context, raw json.RawMessage, cache map[string]string) (json.RawMessage, bool, error) {
	var c register.Contact
	if err := json.Unmarshal(raw, &c); err != nil {
		return raw, false, nil
	}
	p := []person{{&c.Name, &c.Phone, &c.Email, &c.Subject}}
	if !p[0].plain() {
		return raw, false, nil
	}
	if _, err := a.sealWith(ctx, p, nil, false, cache); err != nil {
		return raw, false, err
	}
	b, err := json.Marshal(c)
	return b, true, err
}

func (a *App) sealControllerJSON(ctx context.Context, raw json.RawMessage, cache map[string]string) (json.RawMessage, bool, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return raw, false, nil
	}
	changed := false
	if dpo := m["dpo"]; len(dpo) > 0 && string(dpo) != "null" {
		s, ch, err := a.sealContactJSON(ctx, dpo, cache)
		if err != nil {
			return raw, false, err
		}
		m["dpo"], changed = s, ch
	}
	var rep string
	if json.Unmarshal(m["representative"], &rep) == nil && rep != "" {
		var subject string
		p := []person{{name: &rep, subject: &subject}}
		if _, err := a.sealWith(ctx, p, nil, false, cache); err != nil {
			return raw, false, err
		}
		delete(m, "representative")
		m["representative_subject"], _ = json.Marshal(subject)
		changed = true
	}
	if !changed {
		return raw, false, nil
	}
	b, err := json.Marshal(m)
	return b, true, err
}
