package app

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/vault"
)

// VaultKeys are the keys of the vault: the KEK that wraps the subjects'
// data keys, the KEKs of earlier epochs still needed to unwrap (by id),
// and the blind-index key. None of them is stored in the database.
type VaultKeys struct {
	KEK   vault.KEK
	Older []vault.KEK
	Index *vault.Indexer
	// OlderIndex is the index key before a rotation: lookups ask under
	// both until the re-index is done.
	OlderIndex *vault.Indexer
	// LogKey signs the tamper-evident log's checkpoints (note's private
	// key text; the store takes it); LogVerifier checks them.
	LogKey      string
	LogVerifier note.Verifier
}

// VaultStore is what the vault use cases need of storage.
type VaultStore interface {
	CreateSubject(ctx context.Context, v vault.Stored, idx []vault.IndexEntry) error
	FindSubject(ctx context.Context, id string) (vault.Stored, error)
	UpdateSubject(ctx context.Context, id string, version int, values map[string][]byte, idx []vault.IndexEntry) error
	ShredSubject(ctx context.Context, id string) error
	LookupSubjects(ctx context.Context, keyID string, kind vault.Kind, hash []byte) ([]string, error)
}

// Record is a subject's personal data by field: "email", "phone", "iban",
// "customer_id" are indexed for lookups (normalised by their kind), any
// other field ("name", "address") is only stored.
type Record map[string]string

// indexedFields are the fields found again by lookups, with their kinds.
var indexedFields = map[string]vault.Kind{
	"email": vault.KindEmail, "phone": vault.KindPhone, "iban": vault.KindIBAN,
	"customer_id": vault.KindID, "employee_id": vault.KindID,
}

// Bounds of a record: a person's data, not a document store.
const (
	maxFields     = 32
	maxFieldValue = 4 << 10
)

var fieldName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// Subject is a person's record as a use case returns it.
type Subject struct {
	ID       string `json:"id"`
	Record   Record `json:"record"`
	Shredded bool   `json:"shredded,omitempty"`
	Version  int    `json:"version"`
}

func (a *App) vaultReady() (VaultStore, VaultKeys, error) {
	vs, ok := a.store.(VaultStore)
	if !ok || a.vault.KEK == nil || a.vault.Index == nil {
		return nil, VaultKeys{}, gdpr.Keyed(gdpr.EINVALID, "", "vault.nokeys")
	}
	return vs, a.vault, nil
}

// checkRecord refuses malformed field names, oversized values, and
// indexed values that are not of their kind (a phone field that holds no
// number would never be found).
func checkRecord(r Record) error {
	if len(r) > maxFields {
		return gdpr.Keyed(gdpr.EINVALID, "record", "vault.fields", maxFields)
	}
	for f, v := range r {
		if !fieldName.MatchString(f) {
			return gdpr.Keyed(gdpr.EINVALID, f, "vault.fieldname", f)
		}
		if len(v) > maxFieldValue {
			return gdpr.Keyed(gdpr.EINVALID, f, "vault.value.size", f, maxFieldValue)
		}
		if k, ok := indexedFields[f]; ok && v != "" {
			if _, err := vault.Normalise(k, v); err != nil {
				return gdpr.Keyed(gdpr.EINVALID, f, "vault.value.kind", f, gdpr.Keyed(gdpr.EINVALID, "", "vault.kind."+string(k)))
			}
		}
	}
	return nil
}

// newSubjectID is a subject's id: "s-" and a sortedID.
func newSubjectID(now time.Time) string { return sortedID("s-", now) }

// sortedID is an id that sorts by time (the moment in microseconds, hex)
// with 80 random bits after it, lower-case letters and digits only (it
// stands in URLs and mails). Ids that sort by time keep the vault's and
// the ledger's indexes by subject or sign-up growing at their end; random
// ones dirtied a page of each per new person (a fifth of a sign-up's
// cost).
func sortedID(prefix string, now time.Time) string {
	b := make([]byte, 10)
	rand.Read(b)
	return fmt.Sprintf("%s%012x%s", prefix, now.UnixMicro(), strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)))
}

// sealRecord seals the fields of r with the box and makes their index rows.
func sealRecord(box *vault.Box, ix *vault.Indexer, r Record) (map[string][]byte, []vault.IndexEntry, error) {
	values := map[string][]byte{}
	var idx []vault.IndexEntry
	for _, f := range slices.Sorted(maps.Keys(r)) {
		v := r[f]
		if v == "" {
			values[f] = nil // an empty value removes the field
			continue
		}
		values[f] = box.Seal(f, v)
		if k, ok := indexedFields[f]; ok {
			h, err := ix.Hash(k, v)
			if err != nil {
				return nil, nil, err
			}
			idx = append(idx, vault.IndexEntry{KeyID: ix.ID(), Kind: k, Hash: h, Field: f})
		}
	}
	return values, idx, nil
}

// CreateSubject stores a new person with a data key of its own and
// returns its id. The audit entry names the fields, never the values.
func (a *App) CreateSubject(ctx context.Context, r Record) (string, error) {
	if _, err := a.require(ctx, auth.Subjects, audit.SubjectCreate, ""); err != nil {
		return "", err
	}
	return a.newSubject(ctx, r)
}

// newSubject stores a person (the caller checked the permission).
func (a *App) newSubject(ctx context.Context, r Record) (string, error) {
	c, _, err := a.prepareSubject(ctx, r)
	if err != nil {
		return "", err
	}
	if err := a.grouped(ctx, groupReq{create: c}); err != nil {
		return "", a.record(ctx, audit.SubjectCreate, c.Stored.ID, err)
	}
	return c.Stored.ID, nil
}

// prepareSubject makes a new person's stored form — a data key of its
// own, wrapped; the values sealed; the index rows — and its box, for a
// caller that writes it with more in one transaction.
func (a *App) prepareSubject(ctx context.Context, r Record) (*vault.Create, *vault.Box, error) {
	_, keys, err := a.vaultReady()
	if err != nil {
		return nil, nil, err
	}
	if err := checkRecord(r); err != nil {
		return nil, nil, a.record(ctx, audit.SubjectCreate, "", err)
	}
	id := newSubjectID(a.now())
	dek := vault.NewDataKey()
	wrapped, err := keys.KEK.Wrap(dek, id)
	if err != nil {
		return nil, nil, err
	}
	box, err := vault.NewBox(id, dek)
	if err != nil {
		return nil, nil, err
	}
	values, idx, err := sealRecord(box, keys.Index, r)
	if err != nil {
		return nil, nil, a.record(ctx, audit.SubjectCreate, "", gdpr.Keyed(gdpr.EINVALID, "record", "cli.wrap", "record", err))
	}
	for f, v := range values {
		if v == nil {
			delete(values, f)
		}
	}
	p, _ := auth.PrincipalFrom(ctx)
	return &vault.Create{Stored: vault.Stored{ID: id, KEKID: keys.KEK.ID(), WrappedKey: wrapped, Values: values}, Index: idx, Actor: p.Actor}, box, nil
}

// box unwraps a stored subject's data key with the KEK that wrapped it.
func (keys VaultKeys) box(v vault.Stored) (*vault.Box, error) {
	for _, k := range append([]vault.KEK{keys.KEK}, keys.Older...) {
		if k != nil && k.ID() == v.KEKID {
			dek, err := k.Unwrap(v.WrappedKey, v.ID)
			if err != nil {
				return nil, err
			}
			return vault.NewBox(v.ID, dek)
		}
	}
	return nil, gdpr.Keyed(gdpr.EINVALID, "", "vault.kek.missing", v.KEKID)
}

// GetSubject returns a person's record, opened. The read is recorded
// (who, which subject, which fields) before the data is returned: a read
// whose audit entry cannot be written returns nothing.
func (a *App) GetSubject(ctx context.Context, id string) (Subject, error) {
	if _, err := a.require(ctx, auth.Subjects, audit.SubjectRead, id); err != nil {
		return Subject{}, err
	}
	out, err := a.openSubject(ctx, id)
	if err != nil {
		return Subject{}, a.record(ctx, audit.SubjectRead, id, err)
	}
	fields := slices.Sorted(maps.Keys(out.Record))
	if err := a.auditNow(ctx, audit.Entry{Action: audit.SubjectRead, Target: id, Outcome: audit.OK, Detail: "fields " + strings.Join(fields, ",")}); err != nil {
		return Subject{}, err
	}
	return out, nil
}

// openSubject reads and opens a person's record (the caller checked the
// permission and records the read).
func (a *App) openSubject(ctx context.Context, id string) (Subject, error) {
	vs, keys, err := a.vaultReady()
	if err != nil {
		return Subject{}, err
	}
	v, err := vs.FindSubject(ctx, id)
	if err != nil {
		return Subject{}, err
	}
	out := Subject{ID: id, Record: Record{}, Shredded: v.Shredded, Version: v.Version}
	if !v.Shredded {
		box, err := keys.box(v)
		if err != nil {
			return Subject{}, err
		}
		for f, sealed := range v.Values {
			if out.Record[f], err = box.Open(f, sealed); err != nil {
				return Subject{}, err
			}
		}
	}
	return out, nil
}

// UpdateSubject changes the given fields of a person (an empty value
// removes a field), if version is the stored one. Returns ECONFLICT for
// another version or an erased person.
func (a *App) UpdateSubject(ctx context.Context, id string, version int, r Record) error {
	if _, err := a.require(ctx, auth.Subjects, audit.SubjectUpdate, id); err != nil {
		return err
	}
	vs, keys, err := a.vaultReady()
	if err != nil {
		return err
	}
	if err := checkRecord(r); err != nil {
		return a.record(ctx, audit.SubjectUpdate, id, err)
	}
	v, err := vs.FindSubject(ctx, id)
	if err != nil {
		return a.record(ctx, audit.SubjectUpdate, id, err)
	}
	if v.Shredded {
		return a.record(ctx, audit.SubjectUpdate, id, gdpr.Keyed(gdpr.ECONFLICT, "", "conflict.shredded", id))
	}
	box, err := keys.box(v)
	if err != nil {
		return a.record(ctx, audit.SubjectUpdate, id, err)
	}
	values, idx, err := sealRecord(box, keys.Index, r)
	if err != nil {
		return a.record(ctx, audit.SubjectUpdate, id, err)
	}
	return a.record(ctx, audit.SubjectUpdate, id, vs.UpdateSubject(ctx, id, version, values, idx))
}

// ShredSubject erases a person: the data key is destroyed, so that every
// sealed copy of the values (free pages, the WAL, backups) can no longer
// be opened; the id stays so that references say "[gelöscht]".
func (a *App) ShredSubject(ctx context.Context, id string) error {
	if _, err := a.require(ctx, auth.Subjects, audit.SubjectShred, id); err != nil {
		return err
	}
	vs, _, err := a.vaultReady()
	if err != nil {
		return err
	}
	return a.record(ctx, audit.SubjectShred, id, vs.ShredSubject(ctx, id))
}

// LookupSubjects finds the people whose indexed field of a kind has the
// value (as normalised: "Hans@Müller.de" finds "hans@xn--mller-kva.de").
// The lookup is recorded with the kind, never the value.
func (a *App) LookupSubjects(ctx context.Context, kind vault.Kind, value string) ([]string, error) {
	if _, err := a.require(ctx, auth.Subjects, audit.SubjectLookup, string(kind)); err != nil {
		return nil, err
	}
	vs, keys, err := a.vaultReady()
	if err != nil {
		return nil, err
	}
	if !slices.Contains(vault.Kinds, kind) {
		return nil, a.record(ctx, audit.SubjectLookup, string(kind), gdpr.Keyed(gdpr.EINVALID, "kind", "vault.kind.unknown", string(kind)))
	}
	h, err := keys.Index.Hash(kind, value)
	if err != nil {
		return nil, a.record(ctx, audit.SubjectLookup, string(kind), gdpr.Keyed(gdpr.EINVALID, "value", "vault.value.kind", string(kind), gdpr.Keyed(gdpr.EINVALID, "", "vault.kind."+string(kind))))
	}
	ids, err := vs.LookupSubjects(ctx, keys.Index.ID(), kind, h)
	if err != nil {
		return nil, err
	}
	if keys.OlderIndex != nil {
		// A re-index under way: people not yet re-indexed are found by
		// the older key.
		oh, err := keys.OlderIndex.Hash(kind, value)
		if err != nil {
			return nil, err
		}
		more, err := vs.LookupSubjects(ctx, keys.OlderIndex.ID(), kind, oh)
		if err != nil {
			return nil, err
		}
		ids = append(ids, more...)
		slices.Sort(ids)
		ids = slices.Compact(ids)
	}
	if ids == nil {
		ids = []string{}
	}
	if err := a.auditNow(ctx, audit.Entry{Action: audit.SubjectLookup, Target: string(kind), Outcome: audit.OK, Detail: "found " + strings.Join(ids, ",")}); err != nil {
		return nil, err
	}
	return ids, nil
}

// VaultRotator is what a KEK rotation needs of storage.
type VaultRotator interface {
	SubjectsToRewrap(ctx context.Context, current, after string, limit int) ([]vault.Stored, error)
	RewrapSubjects(ctx context.Context, batch []vault.Rewrap) (int, error)
	KEKsInUse(ctx context.Context) (map[string]int, error)
}

// rewrapBatch is how many data keys one transaction rewraps: small enough
// that a writer waiting behind the rotation waits milliseconds.
const rewrapBatch = 2000

// RewrapKeys wraps every data key not wrapped by the current KEK anew
// with it, a batch per transaction, without touching a value: a KEK
// rotation. It is resumable: a run that stops leaves the rest under their
// older KEK, which still unwraps them, and the next run goes on. progress
// is called after each batch with the number done so far. Admins only.
func (a *App) RewrapKeys(ctx context.Context, progress func(done int)) (int, error) {
	if _, err := a.require(ctx, auth.Manage, audit.VaultRewrap, "vault"); err != nil {
		return 0, err
	}
	_, keys, err := a.vaultReady()
	if err != nil {
		return 0, err
	}
	vr, ok := a.store.(VaultRotator)
	if !ok {
		return 0, gdpr.Keyed(gdpr.EINVALID, "", "vault.nokeys")
	}
	done, after := 0, ""
	cur := keys.KEK.ID()
	for {
		page, err := vr.SubjectsToRewrap(ctx, cur, after, rewrapBatch)
		if err != nil {
			return done, err
		}
		if len(page) == 0 {
			return done, nil
		}
		batch := make([]vault.Rewrap, 0, len(page))
		for _, v := range page {
			after = v.ID
			var old vault.KEK
			for _, k := range keys.Older {
				if k.ID() == v.KEKID {
					old = k
				}
			}
			if old == nil {
				return done, gdpr.Keyed(gdpr.EINVALID, "", "vault.kek.missing", v.KEKID)
			}
			dek, err := old.Unwrap(v.WrappedKey, v.ID)
			if err != nil {
				return done, err
			}
			w, err := keys.KEK.Wrap(dek, v.ID)
			if err != nil {
				return done, err
			}
			batch = append(batch, vault.Rewrap{ID: v.ID, From: v.KEKID, To: cur, Wrapped: w})
		}
		n, err := vr.RewrapSubjects(ctx, batch)
		done += n
		if err != nil {
			return done, err
		}
		if progress != nil {
			progress(done)
		}
	}
}

// KEKsInUse counts the data keys per KEK id (for the status and to tell
// when an older KEK is no longer needed).
func (a *App) KEKsInUse(ctx context.Context) (map[string]int, error) {
	if _, err := auth.Require(ctx, auth.Manage); err != nil {
		return nil, err
	}
	vr, ok := a.store.(VaultRotator)
	if !ok {
		return nil, gdpr.Keyed(gdpr.EINVALID, "", "vault.nokeys")
	}
	return vr.KEKsInUse(ctx)
}

// VaultReindexer is what a re-index needs of storage.
type VaultReindexer interface {
	SubjectsToReindex(ctx context.Context, current, after string, limit int) ([]vault.Stored, error)
	Reindex(ctx context.Context, batch map[string][]vault.IndexEntry) (int, error)
}

// Reindex makes every person's blind index anew with the current index
// key (after a rotation of that key), a batch per transaction; resumable
// like RewrapKeys. Lookups find people under either key meanwhile
// (VaultKeys.OlderIndex). Admins only.
func (a *App) Reindex(ctx context.Context) (int, error) {
	if _, err := a.require(ctx, auth.Manage, audit.VaultReindex, "vault"); err != nil {
		return 0, err
	}
	_, keys, err := a.vaultReady()
	if err != nil {
		return 0, err
	}
	vr, ok := a.store.(VaultReindexer)
	if !ok {
		return 0, gdpr.Keyed(gdpr.EINVALID, "", "vault.nokeys")
	}
	done, after := 0, ""
	for {
		page, err := vr.SubjectsToReindex(ctx, keys.Index.ID(), after, rewrapBatch)
		if err != nil || len(page) == 0 {
			return done, err
		}
		batch := map[string][]vault.IndexEntry{}
		for _, v := range page {
			after = v.ID
			box, err := keys.box(v)
			if err != nil {
				return done, err
			}
			idx := []vault.IndexEntry{}
			for f, sealed := range v.Values {
				k, ok := indexedFields[f]
				if !ok {
					continue
				}
				val, err := box.Open(f, sealed)
				if err != nil {
					return done, err
				}
				h, err := keys.Index.Hash(k, val)
				if err != nil {
					continue // a value stored before it was checked; not findable, as before
				}
				idx = append(idx, vault.IndexEntry{KeyID: keys.Index.ID(), Kind: k, Hash: h, Field: f})
			}
			batch[v.ID] = idx
		}
		n, err := vr.Reindex(ctx, batch)
		done += n
		if err != nil {
			return done, err
		}
	}
}

// VaultStatus is what the keys page shows: which keys are in use, for how
// many people, and whether a re-index is under way.
type VaultStatus struct {
	Configured      bool
	KEK             string
	Older           []KEKUse
	Index           string
	OlderIndex      string // set while a re-index runs
	Subjects        int
	Shredded        int
	CurrentKEKCount int
}

// KEKUse is an older KEK and how many data keys it still wraps.
type KEKUse struct {
	ID    string
	Count int
}

// VaultStatus reports the vault's keys and counts. Admins only.
func (a *App) VaultStatus(ctx context.Context) (VaultStatus, error) {
	if _, err := auth.Require(ctx, auth.Manage); err != nil {
		return VaultStatus{}, err
	}
	var st VaultStatus
	vr, ok := a.store.(interface {
		VaultRotator
		SubjectCounts(ctx context.Context) (int, int, error)
	})
	if !ok {
		return st, nil
	}
	var err error
	if st.Subjects, st.Shredded, err = vr.SubjectCounts(ctx); err != nil {
		return st, err
	}
	if a.vault.KEK == nil || a.vault.Index == nil {
		return st, nil
	}
	st.Configured, st.KEK, st.Index = true, a.vault.KEK.ID(), a.vault.Index.ID()
	if a.vault.OlderIndex != nil {
		st.OlderIndex = a.vault.OlderIndex.ID()
	}
	use, err := vr.KEKsInUse(ctx)
	if err != nil {
		return st, err
	}
	st.CurrentKEKCount = use[st.KEK]
	for id, n := range use {
		if id != st.KEK {
			st.Older = append(st.Older, KEKUse{id, n})
		}
	}
	slices.SortFunc(st.Older, func(x, y KEKUse) int { return strings.Compare(x.ID, y.ID) })
	return st, nil
}
