package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gdpr"
	"gdpr/audit"
	"gdpr/consent"
	"gdpr/vault"
)

// Migration 10: the vault's tables. The wrapped data key lives with the
// subject; erasure sets it to NULL and deletes the values and index rows
// (crypto-shredding: sealed copies elsewhere no longer open). Binary
// columns are BLOB in SQLite and BYTEA in PostgreSQL.
var vaultTables = map[dialect]struct{ up, down []string }{
	sqlite:   vaultDDL("BLOB"),
	postgres: vaultDDL("BYTEA"),
}

func vaultDDL(blob string) struct{ up, down []string } {
	return struct{ up, down []string }{
		up: []string{
			`CREATE TABLE vault_subjects (
				id          TEXT PRIMARY KEY,
				kek_id      TEXT NOT NULL,
				wrapped_key ` + blob + `,
				created_at  TEXT NOT NULL,
				changed_at  TEXT NOT NULL,
				shredded_at TEXT,
				version     INTEGER NOT NULL
			)`,
			`CREATE TABLE vault_values (
				subject_id TEXT NOT NULL REFERENCES vault_subjects (id),
				field      TEXT NOT NULL,
				sealed     ` + blob + ` NOT NULL,
				PRIMARY KEY (subject_id, field)
			)`,
			`CREATE TABLE vault_index (
				key_id     TEXT NOT NULL,
				kind       TEXT NOT NULL,
				hash       ` + blob + ` NOT NULL,
				subject_id TEXT NOT NULL REFERENCES vault_subjects (id),
				field      TEXT NOT NULL,
				PRIMARY KEY (key_id, kind, hash, subject_id, field)
			)`,
			`CREATE INDEX vault_index_subject ON vault_index (subject_id)`,
		},
		down: []string{`DROP TABLE vault_index`, `DROP TABLE vault_values`, `DROP TABLE vault_subjects`},
	}
}

// CreateSubject stores a new subject with its values and index rows, and
// the audit entry (field names only), in one transaction. Returns
// ECONFLICT for a taken id.
func (s *Store) CreateSubject(ctx context.Context, v vault.Stored, idx []vault.IndexEntry) error {
	return s.write(ctx, func(w *wtx) error { return createSubject(ctx, w, v, idx) })
}

func createSubject(ctx context.Context, w *wtx, v vault.Stored, idx []vault.IndexEntry) error {
	if err := insertSubject(ctx, w, v, idx); err != nil {
		return err
	}
	return w.audit(ctx, audit.SubjectCreate, v.ID, fieldList(v.Values))
}

// insertSubject writes a new subject's rows; its caller writes the audit
// entry (a consent step names the person it creates in its own entry: one
// step, one entry — a second entry per sign-up cost a sixth of the
// ledger's throughput).
func insertSubject(ctx context.Context, w *wtx, v vault.Stored, idx []vault.IndexEntry) error {
	if _, err := w.ExecContext(ctx, w.s.q(`INSERT INTO vault_subjects (id, kek_id, wrapped_key, created_at, changed_at, version) VALUES (?, ?, ?, ?, ?, 1)`),
		v.ID, v.KEKID, v.WrappedKey, w.now, w.now); err != nil {
		if gdpr.ErrorCode(translate(err, "")) == gdpr.ECONFLICT {
			return gdpr.Keyed(gdpr.ECONFLICT, "", "conflict.exists.subject", v.ID)
		}
		return translate(err, "create subject")
	}
	return putValues(ctx, w, v.ID, v.Values, idx, true)
}

// GroupCommit writes audit entries and new subjects of many callers in
// one transaction: one commit and one append to the log for all. Each
// entry and each create names its actor; the time is the store's now.
// Any failure fails all (the caller then writes each alone).
func (s *Store) GroupCommit(ctx context.Context, es []audit.Entry, subjects []vault.Create, appends ...consent.Append) error {
	for _, e := range es {
		if e.Actor == "" {
			return gdpr.Keyed(gdpr.EUNAUTHORIZED, "", "store.noprincipal")
		}
	}
	for _, c := range subjects {
		if c.Actor == "" {
			return gdpr.Keyed(gdpr.EUNAUTHORIZED, "", "store.noprincipal")
		}
	}
	for _, c := range appends {
		if c.Actor == "" {
			return gdpr.Keyed(gdpr.EUNAUTHORIZED, "", "store.noprincipal")
		}
	}
	return s.tx(ctx, func(t *txn) error {
		at := s.now().UTC().Truncate(time.Microsecond)
		for _, c := range subjects {
			w := &wtx{txn: t, s: s, actor: c.Actor, at: at, now: fmtTime(at)}
			if err := createSubject(ctx, w, c.Stored, c.Index); err != nil {
				return err
			}
		}
		for _, e := range es {
			if err := s.insertAudit(ctx, t, e, at); err != nil {
				return err
			}
		}
		for _, c := range appends {
			w := &wtx{txn: t, s: s, actor: c.Actor, at: at, now: fmtTime(at)}
			if err := appendConsent(ctx, w, c); err != nil {
				return err
			}
		}
		return nil
	})
}

// putValues stores values and index rows; for a subject that is not
// new (fresh false), each field's old value and index rows go first.
func putValues(ctx context.Context, w *wtx, id string, values map[string][]byte, idx []vault.IndexEntry, fresh bool) error {
	for field, sealed := range values {
		if fresh {
			if _, err := w.ExecContext(ctx, w.s.q(`INSERT INTO vault_values (subject_id, field, sealed) VALUES (?, ?, ?)`), id, field, sealed); err != nil {
				return translate(err, "store value")
			}
			continue
		}
		if _, err := w.ExecContext(ctx, w.s.q(`DELETE FROM vault_values WHERE subject_id = ? AND field = ?`), id, field); err != nil {
			return translate(err, "replace value")
		}
		if _, err := w.ExecContext(ctx, w.s.q(`DELETE FROM vault_index WHERE subject_id = ? AND field = ?`), id, field); err != nil {
			return translate(err, "replace index")
		}
		if sealed == nil {
			continue // the field is removed
		}
		if _, err := w.ExecContext(ctx, w.s.q(`INSERT INTO vault_values (subject_id, field, sealed) VALUES (?, ?, ?)`), id, field, sealed); err != nil {
			return translate(err, "store value")
		}
	}
	for _, x := range idx {
		if _, err := w.ExecContext(ctx, w.s.q(`INSERT INTO vault_index (key_id, kind, hash, subject_id, field) VALUES (?, ?, ?, ?, ?)`),
			x.KeyID, string(x.Kind), x.Hash, id, x.Field); err != nil {
			return translate(err, "store index")
		}
	}
	return nil
}

// fieldList names the fields of a write for its audit entry: names,
// never values.
func fieldList(values map[string][]byte) string {
	var fs []string
	for f := range values {
		fs = append(fs, f)
	}
	slices.Sort(fs)
	return "fields " + strings.Join(fs, ",")
}

// FindSubject returns a subject with its sealed values. Returns ENOTFOUND
// for an unknown id; a shredded subject comes back with Shredded set and
// no key or values.
func (s *Store) FindSubject(ctx context.Context, id string) (vault.Stored, error) {
	v := vault.Stored{ID: id, Values: map[string][]byte{}}
	var shredded sql.NullString
	one, err := s.prepared(ctx, s.r, s.q(`SELECT kek_id, wrapped_key, shredded_at, version FROM vault_subjects WHERE id = ?`))
	if err != nil {
		return v, translate(err, "find subject")
	}
	err = one.QueryRowContext(ctx, id).Scan(&v.KEKID, &v.WrappedKey, &shredded, &v.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return v, notFound("subject", id)
	}
	if err != nil {
		return v, translate(err, "find subject")
	}
	v.Shredded = shredded.Valid
	values, err := s.prepared(ctx, s.r, s.q(`SELECT field, sealed FROM vault_values WHERE subject_id = ?`))
	if err != nil {
		return v, translate(err, "subject values")
	}
	rows, err := values.QueryContext(ctx, id)
	if err != nil {
		return v, translate(err, "subject values")
	}
	defer rows.Close()
	for rows.Next() {
		var f string
		var b []byte
		if err := rows.Scan(&f, &b); err != nil {
			return v, translate(err, "subject values")
		}
		v.Values[f] = b
	}
	return v, translate(rows.Err(), "subject values")
}

// UpdateSubject replaces the given fields (a nil value removes one) and
// their index rows, if the stored version is version. Returns ENOTFOUND,
// ECONFLICT for another version or a shredded subject.
func (s *Store) UpdateSubject(ctx context.Context, id string, version int, values map[string][]byte, idx []vault.IndexEntry) error {
	return s.write(ctx, func(w *wtx) error {
		res, err := w.ExecContext(ctx, s.q(`UPDATE vault_subjects SET version = version + 1, changed_at = ? WHERE id = ? AND version = ? AND shredded_at IS NULL`),
			w.now, id, version)
		if err != nil {
			return translate(err, "update subject")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			var cur int
			var shredded sql.NullString
			err := w.QueryRowContext(ctx, s.q(`SELECT version, shredded_at FROM vault_subjects WHERE id = ?`), id).Scan(&cur, &shredded)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				return notFound("subject", id)
			case err != nil:
				return translate(err, "update subject")
			case shredded.Valid:
				return gdpr.Keyed(gdpr.ECONFLICT, "", "conflict.shredded", id)
			}
			return gdpr.Keyed(gdpr.ECONFLICT, "", "conflict.stale.subject", id, version, cur)
		}
		if err := putValues(ctx, w, id, values, idx, false); err != nil {
			return err
		}
		return w.audit(ctx, audit.SubjectUpdate, id, fieldList(values))
	})
}

// ShredSubject erases a subject: its wrapped data key, values and index
// rows go, in one transaction with the audit entry; the id stays, marked
// shredded, so that references to it say "[gelöscht]". Returns ENOTFOUND.
// Shredding twice is no error (the second changes nothing).
func (s *Store) ShredSubject(ctx context.Context, id string) error {
	err := s.write(ctx, func(w *wtx) error {
		res, err := w.ExecContext(ctx, s.q(`UPDATE vault_subjects SET wrapped_key = NULL, shredded_at = COALESCE(shredded_at, ?), changed_at = ?, version = version + 1 WHERE id = ?`),
			w.now, w.now, id)
		if err != nil {
			return translate(err, "shred subject")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return notFound("subject", id)
		}
		// The consent ledger's projections by the person's address go
		// with the key (an erased person is no one to mail; their events
		// stay and still verify): the state by blind index, the links,
		// the jobs whose payload no longer opens.
		for _, q := range []string{`DELETE FROM vault_index WHERE subject_id = ?`, `DELETE FROM vault_values WHERE subject_id = ?`,
			`DELETE FROM consent_state WHERE subject = ?`, `DELETE FROM consent_tokens WHERE subject = ?`, `DELETE FROM consent_jobs WHERE subject = ?`} {
			if _, err := w.ExecContext(ctx, s.q(q), id); err != nil {
				return translate(err, "shred subject")
			}
		}
		return w.audit(ctx, audit.SubjectShred, id, "")
	})
	if err == nil {
		// The WAL's older frames hold the wrapped key (see checkpointer).
		s.ckpt.truncate(context.WithoutCancel(ctx))
	}
	return err
}

// LookupSubjects returns the ids of the subjects whose field of a kind
// has the blind index hash under the index key keyID, sorted.
func (s *Store) LookupSubjects(ctx context.Context, keyID string, kind vault.Kind, hash []byte) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT DISTINCT subject_id FROM vault_index WHERE key_id = ? AND kind = ? AND hash = ? ORDER BY subject_id`),
		keyID, string(kind), hash)
	if err != nil {
		return nil, translate(err, "lookup subject")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err, "lookup subject")
		}
		out = append(out, id)
	}
	return out, translate(rows.Err(), "lookup subject")
}

// SubjectsToRewrap returns up to limit subjects whose data key is wrapped
// by another KEK than current, in id order after the id after (a
// rotation pages through them; "" starts at the beginning). Shredded
// subjects have no key and are not returned.
func (s *Store) SubjectsToRewrap(ctx context.Context, current, after string, limit int) ([]vault.Stored, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT id, kek_id, wrapped_key FROM vault_subjects
		WHERE kek_id <> ? AND wrapped_key IS NOT NULL AND id > ? ORDER BY id LIMIT ?`), current, after, limit)
	if err != nil {
		return nil, translate(err, "subjects to rewrap")
	}
	defer rows.Close()
	var out []vault.Stored
	for rows.Next() {
		var v vault.Stored
		if err := rows.Scan(&v.ID, &v.KEKID, &v.WrappedKey); err != nil {
			return nil, translate(err, "subjects to rewrap")
		}
		out = append(out, v)
	}
	return out, translate(rows.Err(), "subjects to rewrap")
}

// RewrapSubjects stores data keys wrapped anew, in one transaction with
// one audit entry for the batch. A subject whose key changed meanwhile
// (shredded, or rewrapped by another run) is left as it is: the UPDATE
// names the KEK the key was read under. It returns how many were
// rewrapped.
func (s *Store) RewrapSubjects(ctx context.Context, batch []vault.Rewrap) (int, error) {
	n := 0
	err := s.write(ctx, func(w *wtx) error {
		n = 0
		st, err := w.PrepareContext(ctx, s.q(`UPDATE vault_subjects SET kek_id = ?, wrapped_key = ? WHERE id = ? AND kek_id = ? AND wrapped_key IS NOT NULL`))
		if err != nil {
			return translate(err, "rewrap")
		}
		defer st.Close()
		for _, r := range batch {
			res, err := st.ExecContext(ctx, r.To, r.Wrapped, r.ID, r.From)
			if err != nil {
				return translate(err, "rewrap")
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		return w.audit(ctx, audit.VaultRewrap, "vault", fmt.Sprintf("%d data keys", n))
	})
	return n, err
}

// KEKsInUse counts the subjects' data keys per KEK id.
func (s *Store) KEKsInUse(ctx context.Context) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT kek_id, COUNT(*) FROM vault_subjects WHERE wrapped_key IS NOT NULL GROUP BY kek_id`)
	if err != nil {
		return nil, translate(err, "keks in use")
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, translate(err, "keks in use")
		}
		out[id] = n
	}
	return out, translate(rows.Err(), "keks in use")
}

// SubjectsToReindex returns up to limit subjects, after the id after, that
// have an index row under another index key than current: a re-index
// pages through them.
func (s *Store) SubjectsToReindex(ctx context.Context, current, after string, limit int) ([]vault.Stored, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT s.id, s.kek_id, s.wrapped_key FROM vault_subjects s
		WHERE s.id > ? AND s.wrapped_key IS NOT NULL AND EXISTS (SELECT 1 FROM vault_index x WHERE x.subject_id = s.id AND x.key_id <> ?)
		ORDER BY s.id LIMIT ?`), after, current, limit)
	if err != nil {
		return nil, translate(err, "subjects to reindex")
	}
	var out []vault.Stored
	for rows.Next() {
		var v vault.Stored
		if err := rows.Scan(&v.ID, &v.KEKID, &v.WrappedKey); err != nil {
			rows.Close()
			return nil, translate(err, "subjects to reindex")
		}
		out = append(out, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err, "subjects to reindex")
	}
	// The values of the indexed fields, to hash them anew.
	for i := range out {
		full, err := s.FindSubject(ctx, out[i].ID)
		if err != nil {
			return nil, err
		}
		out[i].Values = full.Values
	}
	return out, nil
}

// Reindex replaces the index rows of each subject in batch by those
// given (made with the current index key), in one transaction with one
// audit entry. It returns how many subjects were re-indexed.
func (s *Store) Reindex(ctx context.Context, batch map[string][]vault.IndexEntry) (int, error) {
	err := s.write(ctx, func(w *wtx) error {
		for id, idx := range batch {
			if _, err := w.ExecContext(ctx, s.q(`DELETE FROM vault_index WHERE subject_id = ?`), id); err != nil {
				return translate(err, "reindex")
			}
			if err := putValues(ctx, w, id, nil, idx, false); err != nil {
				return err
			}
		}
		return w.audit(ctx, audit.VaultReindex, "vault", fmt.Sprintf("%d subjects", len(batch)))
	})
	if err != nil {
		return 0, err
	}
	return len(batch), nil
}

// SubjectCounts returns how many subjects there are and how many of them
// are shredded.
func (s *Store) SubjectCounts(ctx context.Context) (total, shredded int, err error) {
	err = s.r.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(shredded_at) FROM vault_subjects`).Scan(&total, &shredded)
	return total, shredded, translate(err, "subject counts")
}
