package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gdpr"
	"gdpr/audit"
	"gdpr/consent"
	"gdpr/request"
)

// Migration 19: the consent ledger. Its events are append-only in the
// database itself (triggers, as for the revisions and the audit log):
// the engine has no path that changes or deletes one, and a direct SQL
// session cannot either. What changes is kept apart: the state by the
// address's blind index (the "may I mail" index, a projection of the
// events), the links, the forms.
var consentTables = map[dialect]struct{ up, down []string }{
	sqlite:   consentDDL("BLOB", sqliteAppendOnly("consent_events")),
	postgres: consentDDL("BYTEA", postgresAppendOnly("consent_events")),
}

func sqliteAppendOnly(table string) []string {
	return []string{
		`CREATE TRIGGER ` + table + `_no_update BEFORE UPDATE ON ` + table + ` BEGIN SELECT RAISE(ABORT, '` + table + ` are append-only'); END`,
		`CREATE TRIGGER ` + table + `_no_delete BEFORE DELETE ON ` + table + ` BEGIN SELECT RAISE(ABORT, '` + table + ` are append-only'); END`,
	}
}

func postgresAppendOnly(table string) []string {
	return []string{
		`CREATE FUNCTION ` + table + `_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '` + table + ` are append-only'; END $$`,
		`CREATE TRIGGER ` + table + `_no_change BEFORE UPDATE OR DELETE ON ` + table + ` FOR EACH ROW EXECUTE FUNCTION ` + table + `_append_only()`,
		`CREATE TRIGGER ` + table + `_no_truncate BEFORE TRUNCATE ON ` + table + ` FOR EACH STATEMENT EXECUTE FUNCTION ` + table + `_append_only()`,
	}
}

func consentDDL(blob string, triggers []string) struct{ up, down []string } {
	up := []string{
		`CREATE TABLE consent_purposes (
			id             TEXT PRIMARY KEY,
			name           TEXT NOT NULL,
			activity       TEXT NOT NULL,
			lists          TEXT NOT NULL DEFAULT '[]',
			confirm_within INTEGER NOT NULL,
			keep_rule      TEXT NOT NULL DEFAULT '',
			created_at     TEXT NOT NULL,
			changed_at     TEXT NOT NULL,
			version        INTEGER NOT NULL
		)`,
		`CREATE TABLE consent_texts (
			purpose    TEXT NOT NULL,
			version    INTEGER NOT NULL,
			lang       TEXT NOT NULL,
			body       TEXT NOT NULL,
			hash       TEXT NOT NULL,
			notice     TEXT NOT NULL DEFAULT '',
			actor      TEXT NOT NULL,
			created_at TEXT NOT NULL,
			PRIMARY KEY (purpose, lang, version)
		)`,
		`CREATE TABLE consent_events (
			id           TEXT PRIMARY KEY,
			purpose      TEXT NOT NULL,
			subject      TEXT NOT NULL,
			kind         TEXT NOT NULL,
			at           TEXT NOT NULL,
			mode         TEXT NOT NULL DEFAULT '',
			signup       TEXT NOT NULL,
			text_version INTEGER NOT NULL DEFAULT 0,
			text_hash    TEXT NOT NULL DEFAULT '',
			form_url     TEXT NOT NULL DEFAULT '',
			fields       TEXT NOT NULL DEFAULT '',
			lists        TEXT NOT NULL DEFAULT '',
			source       TEXT NOT NULL DEFAULT '',
			mail_id      TEXT NOT NULL DEFAULT '',
			mail_hash    TEXT NOT NULL DEFAULT '',
			actor        TEXT NOT NULL,
			ip_sealed    ` + blob + `,
			ua_sealed    ` + blob + `,
			addr_sealed  ` + blob + `,
			ip_hash      TEXT NOT NULL DEFAULT '',
			ua_hash      TEXT NOT NULL DEFAULT '',
			addr_hash    TEXT NOT NULL DEFAULT '',
			audit_id     TEXT NOT NULL
		)`,
		`CREATE INDEX consent_events_subject ON consent_events (subject, purpose, at)`,
		`CREATE INDEX consent_events_signup ON consent_events (signup)`,
		// The state of an address for a purpose: the projection the
		// "may I mail" question reads, by the blind index.
		`CREATE TABLE consent_state (
			key_id     TEXT NOT NULL,
			hash       ` + blob + ` NOT NULL,
			purpose    TEXT NOT NULL,
			subject    TEXT NOT NULL,
			active     INTEGER NOT NULL,
			weak       INTEGER NOT NULL,
			pending    INTEGER NOT NULL,
			given_at   TEXT NOT NULL DEFAULT '',
			changed_at TEXT NOT NULL,
			PRIMARY KEY (key_id, hash, purpose)
		)`,
		// Single-use links: confirm a sign-up, or withdraw (the
		// unsubscribe link of every mail, valid while the consent is).
		`CREATE TABLE consent_tokens (
			hash       TEXT PRIMARY KEY,
			use_for    TEXT NOT NULL,
			signup     TEXT NOT NULL,
			purpose    TEXT NOT NULL,
			subject    TEXT NOT NULL,
			expires_at TEXT NOT NULL,
			used_at    TEXT
		)`,
		`CREATE INDEX consent_tokens_expiry ON consent_tokens (use_for, expires_at)`,
		// The mails sent, as evidence: the message sealed under the
		// person's key (raw_sealed: erasing the person closes it), its
		// Message-ID, the server's answer and its SHA-256.
		`CREATE TABLE consent_mails (
			id          TEXT PRIMARY KEY,
			signup      TEXT NOT NULL,
			kind        TEXT NOT NULL,
			message_id  TEXT NOT NULL,
			sent_at     TEXT NOT NULL,
			response    TEXT NOT NULL,
			hash        TEXT NOT NULL,
			raw_sealed  ` + blob + `
		)`,
		`CREATE INDEX consent_mails_signup ON consent_mails (signup)`,
		`CREATE TABLE consent_forms (
			id         TEXT PRIMARY KEY,
			purpose    TEXT NOT NULL,
			origins    TEXT NOT NULL,
			mode       TEXT NOT NULL,
			fields     TEXT NOT NULL DEFAULT '',
			lang       TEXT NOT NULL,
			done_url   TEXT NOT NULL DEFAULT '',
			created_at TEXT NOT NULL
		)`,
	}
	return struct{ up, down []string }{
		up:   append(up, triggers...),
		down: []string{`DROP TABLE consent_forms`, `DROP TABLE consent_mails`, `DROP TABLE consent_tokens`, `DROP TABLE consent_state`, `DROP TABLE consent_events`, `DROP TABLE consent_texts`, `DROP TABLE consent_purposes`},
	}
}

// SavePurpose creates a purpose (version 0) or changes it from version,
// with its audit entry; ECONFLICT for a taken id or a stale version.
func (s *Store) SavePurpose(ctx context.Context, p *consent.Purpose, version int) error {
	lists, _ := json.Marshal(consent.NormaliseList(p.Lists))
	return s.write(ctx, func(w *wtx) error {
		var res sql.Result
		var err error
		if version == 0 {
			res, err = w.ExecContext(ctx, s.q(`INSERT INTO consent_purposes (id, name, activity, lists, confirm_within, keep_rule, closed_at, created_at, changed_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`),
				p.ID, p.Name, p.Activity, string(lists), int64(p.ConfirmWithin/time.Second), p.Keep, closedText(p.Closed), w.now, w.now)
			if gdpr.ErrorCode(translate(err, "")) == gdpr.ECONFLICT {
				return gdpr.Keyed(gdpr.ECONFLICT, "id", "conflict.exists.purpose", p.ID)
			}
		} else {
			res, err = w.ExecContext(ctx, s.q(`UPDATE consent_purposes SET name = ?, activity = ?, lists = ?, confirm_within = ?, keep_rule = ?, closed_at = ?, changed_at = ?, version = version + 1 WHERE id = ? AND version = ?`),
				p.Name, p.Activity, string(lists), int64(p.ConfirmWithin/time.Second), p.Keep, closedText(p.Closed), w.now, p.ID, version)
		}
		if err != nil {
			return translate(err, "save purpose")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return gdpr.Keyed(gdpr.ECONFLICT, "version", "conflict.stale.purpose", p.ID, version)
		}
		p.Version = version + 1
		if version != 0 {
			// The activity may have changed: the list covers it anew.
			if _, err := w.ExecContext(ctx, s.q(`UPDATE consent_state SET suppressed_at = `+suppressedOf(s.hexHash(), "?")+` WHERE purpose = ?`), p.Activity, p.ID); err != nil {
				return translate(err, "save purpose")
			}
		}
		return w.audit(ctx, audit.ConsentPurpose, p.ID, fmt.Sprintf("activity %s, version %d", p.Activity, p.Version))
	})
}

// Purposes lists the purposes by id.
func (s *Store) Purposes(ctx context.Context) ([]consent.Purpose, error) {
	rows, err := s.readRows(ctx, `SELECT id, name, activity, lists, confirm_within, keep_rule, closed_at, created_at, version FROM consent_purposes ORDER BY id`)
	if err != nil {
		return nil, translate(err, "purposes")
	}
	defer rows.Close()
	var out []consent.Purpose
	for rows.Next() {
		var p consent.Purpose
		var lists, closed, created string
		var within int64
		if err := rows.Scan(&p.ID, &p.Name, &p.Activity, &lists, &within, &p.Keep, &closed, &created, &p.Version); err != nil {
			return nil, translate(err, "purposes")
		}
		p.Closed = closedTime(closed)
		json.Unmarshal([]byte(lists), &p.Lists)
		p.ConfirmWithin = time.Duration(within) * time.Second
		p.Created, _ = parseTime(created)
		out = append(out, p)
	}
	return out, translate(rows.Err(), "purposes")
}

// FindPurpose returns one purpose.
func (s *Store) FindPurpose(ctx context.Context, id string) (consent.Purpose, error) {
	var p consent.Purpose
	var lists, closed, created string
	var within int64
	err := s.readRow(ctx, `SELECT id, name, activity, lists, confirm_within, keep_rule, closed_at, created_at, version FROM consent_purposes WHERE id = ?`, id).
		Scan(&p.ID, &p.Name, &p.Activity, &lists, &within, &p.Keep, &closed, &created, &p.Version)
	p.Closed = closedTime(closed)
	if errors.Is(err, sql.ErrNoRows) {
		return p, notFound("purpose", id)
	}
	if err != nil {
		return p, translate(err, "purpose")
	}
	json.Unmarshal([]byte(lists), &p.Lists)
	p.ConfirmWithin = time.Duration(within) * time.Second
	p.Created, _ = parseTime(created)
	return p, nil
}

// AddText keeps a new version of a purpose's text in a language (its
// number the next one), with its audit entry (the hash, not the text).
func (s *Store) AddText(ctx context.Context, t *consent.Text) error {
	return s.write(ctx, func(w *wtx) error {
		var last sql.NullInt64
		if err := w.QueryRowContext(ctx, s.q(`SELECT MAX(version) FROM consent_texts WHERE purpose = ? AND lang = ?`), t.Purpose, t.Lang).Scan(&last); err != nil {
			return translate(err, "text version")
		}
		t.Version, t.Created, t.By = int(last.Int64)+1, w.at, w.actor
		if _, err := w.ExecContext(ctx, s.q(`INSERT INTO consent_texts (purpose, version, lang, body, hash, notice, actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			t.Purpose, t.Version, t.Lang, t.Body, t.Hash, t.Notice, w.actor, w.now); err != nil {
			return translate(err, "add text")
		}
		return w.audit(ctx, audit.ConsentText, t.Purpose, fmt.Sprintf("%s version %d sha256:%s", t.Lang, t.Version, t.Hash))
	})
}

// Texts lists a purpose's text versions, newest first.
func (s *Store) Texts(ctx context.Context, purpose string) ([]consent.Text, error) {
	rows, err := s.readRows(ctx, `SELECT purpose, version, lang, body, hash, notice, actor, created_at FROM consent_texts WHERE purpose = ? ORDER BY version DESC, lang`, purpose)
	if err != nil {
		return nil, translate(err, "texts")
	}
	defer rows.Close()
	var out []consent.Text
	for rows.Next() {
		var t consent.Text
		var at string
		if err := rows.Scan(&t.Purpose, &t.Version, &t.Lang, &t.Body, &t.Hash, &t.Notice, &t.By, &at); err != nil {
			return nil, translate(err, "texts")
		}
		t.Created, _ = parseTime(at)
		out = append(out, t)
	}
	return out, translate(rows.Err(), "texts")
}

// AppendConsent writes what one step of the ledger does, in one
// transaction: a new subject (a first sign-up), the event with its audit
// entry (whose detail is the event's digest: the leaf the evidence
// proves), the state of the person's addresses for the purpose, links to
// keep, and a link spent (use: its hash, "" for none; ENOTFOUND when it
// is used, expired or unknown, and nothing is written).
func (s *Store) AppendConsent(ctx context.Context, a consent.Append) error {
	return s.write(ctx, func(w *wtx) error { return appendConsent(ctx, w, a) })
}

func appendConsent(ctx context.Context, w *wtx, a consent.Append) error {
	s, e, state := w.s, a.Event, a.State
	if a.Use != "" {
		res, err := w.ExecContext(ctx, s.q(`UPDATE consent_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ?`), w.now, a.Use, w.now)
		if err != nil {
			return translate(err, "use consent token")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return gdpr.Keyed(gdpr.ENOTFOUND, "", "request.link")
		}
	}
	created := ""
	if a.Create != nil {
		// The step's event entry records the person it creates (below).
		if err := insertSubject(ctx, w, a.Create.Stored, a.Create.Index); err != nil {
			return err
		}
		if a.Event == nil {
			if err := w.audit(ctx, audit.SubjectCreate, a.Create.Stored.ID, fieldList(a.Create.Stored.Values)); err != nil {
				return err
			}
		} else {
			created = fmt.Sprintf("new subject %s (%s)", a.Create.Stored.ID, fieldList(a.Create.Stored.Values))
		}
	}
	for _, j := range a.Jobs {
		if err := insertJob(ctx, w, j); err != nil {
			return err
		}
	}
	if a.Done != "" {
		if _, err := w.ExecContext(ctx, s.q(`DELETE FROM consent_jobs WHERE id = ?`), a.Done); err != nil {
			return translate(err, "consent job")
		}
	}
	if m := a.Mail; m != nil {
		if _, err := w.ExecContext(ctx, s.q(`INSERT INTO consent_mails (id, signup, kind, message_id, sent_at, response, hash, raw_sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			newEventID(m.At), a.MailSignup, m.Kind, m.MessageID, fmtTime(m.At), m.Response, m.Hash, nullBytes(m.Sealed)); err != nil {
			return translate(err, "consent mail")
		}
	}
	if e == nil {
		return nil
	}
	for i, e := range append([]*consent.Event{e}, a.Then...) {
		note := ""
		if i == 0 {
			note = created
		}
		if err := insertEvent(ctx, w, e, note); err != nil {
			return err
		}
	}
	given := ""
	if state.Given != nil {
		// A state folded before the store dated its event (a sign-up's)
		// has the event's time now.
		g := *state.Given
		if g.IsZero() {
			g = e.At
		}
		given = fmtTime(g)
	}
	for _, k := range a.Keys {
		if _, err := w.ExecContext(ctx, s.q(`INSERT INTO consent_state (key_id, hash, purpose, subject, active, weak, pending, given_at, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (key_id, hash, purpose) DO UPDATE SET subject = excluded.subject, active = excluded.active, weak = excluded.weak, pending = excluded.pending, given_at = excluded.given_at, changed_at = excluded.changed_at`),
			k.KeyID, k.Hash, e.Purpose, e.Subject, boolInt(state.Active), boolInt(state.Weak), boolInt(state.Pending), given, w.now); err != nil {
			return translate(err, "consent state")
		}
	}
	for _, t := range a.Tokens {
		if _, err := w.ExecContext(ctx, s.q(`INSERT INTO consent_tokens (hash, use_for, signup, purpose, subject, expires_at) VALUES (?, ?, ?, ?, ?, ?)`),
			t.Hash, t.UseFor, t.Signup, t.Purpose, t.Subject, fmtTime(t.Expires)); err != nil {
			return translate(err, "consent token")
		}
	}
	return nil
}

func nullBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ConsentToken returns a link by its hash, if it is of its use, not used
// and not expired at now.
func (s *Store) FindConsentToken(ctx context.Context, hash, useFor string, now time.Time) (consent.Token, error) {
	t := consent.Token{Hash: hash, UseFor: useFor}
	var expires string
	err := s.readRow(ctx, `SELECT signup, purpose, subject, expires_at FROM consent_tokens WHERE hash = ? AND use_for = ? AND used_at IS NULL AND expires_at > ?`,
		hash, useFor, fmtTime(now)).Scan(&t.Signup, &t.Purpose, &t.Subject, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return t, gdpr.Keyed(gdpr.ENOTFOUND, "", "request.link")
	}
	t.Expires, _ = parseTime(expires)
	return t, translate(err, "consent token")
}

// ConsentEvents lists the events of a person (for one purpose, or all:
// ""), oldest first.
func (s *Store) ConsentEvents(ctx context.Context, subject, purpose string) ([]consent.Event, error) {
	q, args := `SELECT id, purpose, subject, kind, at, mode, signup, text_version, text_hash, form_url, fields, lists, source, mail_id, mail_hash, actor, ip_sealed, ua_sealed, addr_sealed, ip_hash, ua_hash, addr_hash, audit_id FROM consent_events WHERE subject = ?`, []any{subject}
	if purpose != "" {
		q, args = q+` AND purpose = ?`, append(args, purpose)
	}
	rows, err := s.readRows(ctx, q+` ORDER BY at, id`, args...)
	if err != nil {
		return nil, translate(err, "consent events")
	}
	defer rows.Close()
	var out []consent.Event
	for rows.Next() {
		var e consent.Event
		var kind, at, mode, fields, lists, auditID string
		if err := rows.Scan(&e.ID, &e.Purpose, &e.Subject, &kind, &at, &mode, &e.Signup, &e.TextVersion, &e.TextHash, &e.FormURL, &fields, &lists, &e.Source, &e.MailID, &e.MailHash, &e.Actor,
			&e.IPSealed, &e.UASealed, &e.AddrSealed, &e.IPHash, &e.UAHash, &e.AddrHash, &auditID); err != nil {
			return nil, translate(err, "consent events")
		}
		e.Kind, e.Mode, e.AuditID = consent.Kind(kind), consent.Mode(mode), auditID
		e.At, _ = time.Parse(time.RFC3339Nano, at)
		if fields != "" {
			e.Fields = strings.Split(fields, "\n")
		}
		if lists != "" {
			e.Lists = strings.Split(lists, "\n")
		}
		out = append(out, e)
	}
	return out, translate(rows.Err(), "consent events")
}

// ConsentState returns the state of an address for a purpose by its blind
// index (ok false when the address never signed up for it).
func (s *Store) ConsentState(ctx context.Context, keyID string, hash []byte, purpose string) (consent.State, bool, error) {
	st := consent.State{Purpose: purpose}
	var active, weak, pending int
	var given, suppressed string
	err := s.readRow(ctx, `SELECT subject, active, weak, pending, given_at, suppressed_at FROM consent_state WHERE key_id = ? AND hash = ? AND purpose = ?`, keyID, hash, purpose).
		Scan(&st.Subject, &active, &weak, &pending, &given, &suppressed)
	if errors.Is(err, sql.ErrNoRows) {
		return st, false, nil
	}
	st.Active, st.Weak, st.Pending = active == 1, weak == 1, pending == 1
	// On the suppression list since after the consent was last given:
	// not to be mailed (an objection, a withdrawal by another channel).
	if suppressed != "" && suppressed > given && st.Active {
		st.Active, st.Weak, st.Suppressed = false, false, true
	}
	if t, err := parseTime(given); err == nil {
		st.Given = &t
	}
	return st, err == nil, translate(err, "consent state")
}

// ConsentMails lists the mails of a sign-up, oldest first.
func (s *Store) ConsentMails(ctx context.Context, signup string) ([]request.Mail, error) {
	rows, err := s.readRows(ctx, `SELECT id, kind, message_id, sent_at, response, hash, raw_sealed FROM consent_mails WHERE signup = ? ORDER BY sent_at, id`, signup)
	if err != nil {
		return nil, translate(err, "consent mails")
	}
	defer rows.Close()
	var out []request.Mail
	for rows.Next() {
		var m request.Mail
		var at string
		if err := rows.Scan(&m.ID, &m.Kind, &m.MessageID, &at, &m.Response, &m.Hash, &m.Sealed); err != nil {
			return nil, translate(err, "consent mails")
		}
		m.At, _ = parseTime(at)
		out = append(out, m)
	}
	return out, translate(rows.Err(), "consent mails")
}

// AddForm keeps a sign-up form, with its audit entry.
func (s *Store) AddForm(ctx context.Context, f *consent.Form) error {
	return s.write(ctx, func(w *wtx) error {
		f.Created = w.at
		if _, err := w.ExecContext(ctx, s.q(`INSERT INTO consent_forms (id, purpose, origins, mode, fields, lang, done_url, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			f.ID, f.Purpose, strings.Join(f.Origins, "\n"), string(f.Mode), strings.Join(f.Fields, "\n"), f.Lang, f.Done, w.now); err != nil {
			return translate(err, "add form")
		}
		return w.audit(ctx, audit.ConsentPurpose, f.Purpose, fmt.Sprintf("form %s, origins %s, mode %s", f.ID, strings.Join(f.Origins, " "), f.Mode))
	})
}

// Forms lists the forms (of a purpose, or all: "").
func (s *Store) Forms(ctx context.Context, purpose string) ([]consent.Form, error) {
	q, args := `SELECT id, purpose, origins, mode, fields, lang, done_url, created_at FROM consent_forms`, []any{}
	if purpose != "" {
		q, args = q+` WHERE purpose = ?`, append(args, purpose)
	}
	rows, err := s.readRows(ctx, q+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, translate(err, "forms")
	}
	defer rows.Close()
	var out []consent.Form
	for rows.Next() {
		var f consent.Form
		var origins, mode, fields, at string
		if err := rows.Scan(&f.ID, &f.Purpose, &origins, &mode, &fields, &f.Lang, &f.Done, &at); err != nil {
			return nil, translate(err, "forms")
		}
		f.Origins, f.Mode = strings.Split(origins, "\n"), consent.Mode(mode)
		if fields != "" {
			f.Fields = strings.Split(fields, "\n")
		}
		f.Created, _ = parseTime(at)
		out = append(out, f)
	}
	return out, translate(rows.Err(), "forms")
}

// FindForm returns a form by its id.
func (s *Store) FindForm(ctx context.Context, id string) (consent.Form, error) {
	var f consent.Form
	var origins, mode, fields, at string
	err := s.readRow(ctx, `SELECT id, purpose, origins, mode, fields, lang, done_url, created_at FROM consent_forms WHERE id = ?`, id).
		Scan(&f.ID, &f.Purpose, &origins, &mode, &fields, &f.Lang, &f.Done, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return f, notFound("form", id)
	}
	if err != nil {
		return f, translate(err, "form")
	}
	f.Origins, f.Mode = strings.Split(origins, "\n"), consent.Mode(mode)
	if fields != "" {
		f.Fields = strings.Split(fields, "\n")
	}
	f.Created, _ = parseTime(at)
	return f, nil
}

// ExpiredSignups returns up to limit confirmation links that ran out
// unused before now and whose sign-up has no expiry event yet.
func (s *Store) ExpiredSignups(ctx context.Context, now time.Time, limit int) ([]consent.Token, error) {
	rows, err := s.readRows(ctx, `SELECT hash, signup, purpose, subject, expires_at FROM consent_tokens t
		WHERE use_for = 'confirm' AND used_at IS NULL AND expires_at <= ?
		AND NOT EXISTS (SELECT 1 FROM consent_events e WHERE e.signup = t.signup AND e.kind = 'expired')
		ORDER BY expires_at LIMIT ?`, fmtTime(now), limit)
	if err != nil {
		return nil, translate(err, "expired sign-ups")
	}
	defer rows.Close()
	var out []consent.Token
	for rows.Next() {
		t := consent.Token{UseFor: "confirm"}
		var at string
		if err := rows.Scan(&t.Hash, &t.Signup, &t.Purpose, &t.Subject, &at); err != nil {
			return nil, translate(err, "expired sign-ups")
		}
		t.Expires, _ = parseTime(at)
		out = append(out, t)
	}
	return out, translate(rows.Err(), "expired sign-ups")
}

// ConsentStats counts a purpose's events by kind and its people whose
// consent is active now (by the state under the current index key).
func (s *Store) ConsentStats(ctx context.Context, keyID string) (map[string]consent.Stats, error) {
	out := map[string]consent.Stats{}
	// An import's confirmations are not the ledger's: they stay out of
	// the confirmation rate.
	rows, err := s.readRows(ctx, `SELECT purpose, kind, mode, CASE WHEN source LIKE 'import %' THEN 1 ELSE 0 END, COUNT(*) FROM consent_events GROUP BY 1, 2, 3, 4`)
	if err != nil {
		return nil, translate(err, "consent stats")
	}
	for rows.Next() {
		var p, k, mode string
		var imp, n int
		if err := rows.Scan(&p, &k, &mode, &imp, &n); err != nil {
			rows.Close()
			return nil, translate(err, "consent stats")
		}
		st := out[p]
		switch consent.Kind(k) {
		case consent.Given:
			st.Signups += n
			if consent.Mode(mode) == consent.DOI {
				st.DOI += n
			}
		case consent.Confirmed:
			if imp == 0 {
				st.Confirmed += n
			}
		case consent.Withdrawn:
			st.Withdrawn += n
		case consent.Expired:
			st.Expired += n
		case consent.Imported:
			st.Imported += n
		}
		out[p] = st
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err, "consent stats")
	}
	rows, err = s.readRows(ctx, `SELECT purpose, SUM(active), SUM(pending) FROM consent_state WHERE key_id = ? GROUP BY purpose`, keyID)
	if err != nil {
		return nil, translate(err, "consent stats")
	}
	defer rows.Close()
	for rows.Next() {
		var p string
		var active, pending int
		if err := rows.Scan(&p, &active, &pending); err != nil {
			return nil, translate(err, "consent stats")
		}
		st := out[p]
		st.Active, st.Pending = active, pending
		out[p] = st
	}
	return out, translate(rows.Err(), "consent stats")
}

// insertEvent appends one event with its audit entry (the event's digest
// in the tamper-evident log).
func insertEvent(ctx context.Context, w *wtx, e *consent.Event, note string) error {
	s := w.s
	if e.ID == "" {
		e.ID = newEventID(w.at)
	}
	if e.At.IsZero() {
		e.At = w.at
	}
	e.Actor = w.actor
	// The digest stays the detail's end: the evidence's check reads it
	// there.
	detail := fmt.Sprintf("%s %s %s", e.Kind, e.Purpose, e.DigestText())
	if note != "" {
		detail = fmt.Sprintf("%s %s %s %s", e.Kind, e.Purpose, note, e.DigestText())
	}
	row, err := w.s.insertAuditRow(ctx, w.txn, audit.Entry{Actor: w.actor, Action: audit.ConsentEvent, Target: e.ID, Outcome: audit.OK, Detail: detail}, w.at)
	if err != nil {
		return err
	}
	if _, err := w.ExecContext(ctx, s.q(`INSERT INTO consent_events (id, purpose, subject, kind, at, mode, signup, text_version, text_hash, form_url, fields, lists, source, mail_id, mail_hash, actor, ip_sealed, ua_sealed, addr_sealed, ip_hash, ua_hash, addr_hash, audit_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		e.ID, e.Purpose, e.Subject, string(e.Kind), e.At.UTC().Format(time.RFC3339Nano), string(e.Mode), e.Signup, e.TextVersion, e.TextHash, e.FormURL,
		strings.Join(e.Fields, "\n"), strings.Join(e.Lists, "\n"), e.Source, e.MailID, e.MailHash, e.Actor, nullBytes(e.IPSealed), nullBytes(e.UASealed), nullBytes(e.AddrSealed), e.IPHash, e.UAHash, e.AddrHash, row.ID); err != nil {
		return translate(err, "consent event")
	}
	return nil
}

func closedText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return fmtTime(*t)
}

func closedTime(s string) *time.Time {
	t, err := parseTime(s)
	if err != nil {
		return nil
	}
	return &t
}

// EvidenceCandidates are the people of a purpose whose evidence may have
// run out: with a withdrawal (or all, once the account is closed), their
// key not yet shredded; after the subject id after, up to limit, by id.
func (s *Store) EvidenceCandidates(ctx context.Context, purpose string, closed bool, after string, limit int) ([]string, error) {
	q := `SELECT DISTINCT e.subject FROM consent_events e JOIN vault_subjects v ON v.id = e.subject
		WHERE e.purpose = ? AND v.shredded_at IS NULL AND e.subject > ?`
	if !closed {
		q += ` AND e.kind = 'withdrawn'`
	}
	rows, err := s.readRows(ctx, q+` ORDER BY e.subject LIMIT ?`, purpose, after, limit)
	if err != nil {
		return nil, translate(err, "evidence candidates")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err, "evidence candidates")
		}
		out = append(out, id)
	}
	return out, translate(rows.Err(), "evidence candidates")
}

// Migration 21: the state of an address for a purpose carries when the
// suppression list last covered it (suppressed_at), so that "may I mail"
// is one indexed row: two queries (the state, then the list) held the
// check under 40,000 a second. Filled from the list as it is.
var suppressedState = map[dialect]struct{ up, down []string }{
	sqlite:   suppressedDDL("lower(hex(consent_state.hash))"),
	postgres: suppressedDDL("encode(consent_state.hash, 'hex')"),
}

func suppressedDDL(hexHash string) struct{ up, down []string } {
	return struct{ up, down []string }{
		up: []string{`ALTER TABLE consent_state ADD COLUMN suppressed_at TEXT NOT NULL DEFAULT ''`,
			`UPDATE consent_state SET suppressed_at = ` + suppressedOf(hexHash, "(SELECT activity FROM consent_purposes p WHERE p.id = consent_state.purpose)")},
		down: []string{`ALTER TABLE consent_state DROP COLUMN suppressed_at`},
	}
}

// suppressedOf is the latest entry of the list covering a state row's
// address for an activity (” for none).
func suppressedOf(hexHash, activity string) string {
	return `COALESCE((SELECT MAX(x.at) FROM suppressions x WHERE x.key_id = consent_state.key_id AND x.hash = ` + hexHash + ` AND (x.scope = '' OR x.scope = ` + activity + `)), '')`
}

// hexHash is the state's blind index as the suppression list writes it.
func (s *Store) hexHash() string {
	if s.dialect == postgres {
		return "encode(consent_state.hash, 'hex')"
	}
	return "lower(hex(consent_state.hash))"
}
