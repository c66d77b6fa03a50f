package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"

	"gdpr"
	"gdpr/audit"
	"gdpr/request"
	"gdpr/suppression"
	"gdpr/vault"
)

// AddRedaction keeps a redaction of a request's copy, with its audit
// entry (the table, column and row hash; never a value).
func (s *Store) AddRedaction(ctx context.Context, id string, x *request.Redaction) error {
	return s.write(ctx, func(w *wtx) error {
		x.ID, x.By, x.At = newEventID(w.at), w.actor, w.at
		if _, err := w.ExecContext(ctx, s.q(`INSERT INTO request_redactions (id, request_id, system_id, tbl, col, row_key, ground, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			x.ID, id, x.System, x.Table, x.Column, x.Row, x.Ground, x.By, w.now); err != nil {
			return translate(err, "add redaction")
		}
		return w.audit(ctx, audit.RequestUpdate, id, fmt.Sprintf("redact %s/%s column %q row %q ground %s", x.System, x.Table, x.Column, x.Row, x.Ground))
	})
}

// DropRedaction removes a redaction of a request (ENOTFOUND when it has
// none of that id).
func (s *Store) DropRedaction(ctx context.Context, id, redaction string) error {
	return s.write(ctx, func(w *wtx) error {
		res, err := w.ExecContext(ctx, s.q(`DELETE FROM request_redactions WHERE request_id = ? AND id = ?`), id, redaction)
		if err != nil {
			return translate(err, "drop redaction")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return notFound("redaction", redaction)
		}
		return w.audit(ctx, audit.RequestUpdate, id, "unredact "+redaction)
	})
}

// Redactions lists a request's redactions, oldest first.
func (s *Store) Redactions(ctx context.Context, id string) ([]request.Redaction, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT id, system_id, tbl, col, row_key, ground, actor, at FROM request_redactions WHERE request_id = ? ORDER BY at, id`), id)
	if err != nil {
		return nil, translate(err, "redactions")
	}
	defer rows.Close()
	var out []request.Redaction
	for rows.Next() {
		var x request.Redaction
		var at string
		if err := rows.Scan(&x.ID, &x.System, &x.Table, &x.Column, &x.Row, &x.Ground, &x.By, &at); err != nil {
			return nil, translate(err, "redactions")
		}
		x.At, _ = parseTime(at)
		out = append(out, x)
	}
	return out, translate(rows.Err(), "redactions")
}

// AddSuppressions puts identifiers on the suppression list (an entry there
// already for its scope stays as it is), with one audit entry: kinds,
// scope and reason, never a hash.
func (s *Store) AddSuppressions(ctx context.Context, es []suppression.Entry) error {
	if len(es) == 0 {
		return nil
	}
	return s.write(ctx, func(w *wtx) error {
		for i := range es {
			e := &es[i]
			e.By, e.At = w.actor, w.at
			// A second entry for the same address and scope is the later
			// one: an objection after a new sign-up counts from now (the
			// first entry's day would let the new consent stand).
			if _, err := w.ExecContext(ctx, s.q(`INSERT INTO suppressions (key_id, hash, kind, scope, reason, request_id, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (key_id, hash, scope) DO UPDATE SET reason = excluded.reason, request_id = excluded.request_id, actor = excluded.actor, at = excluded.at`),
				e.KeyID, hex.EncodeToString(e.Hash), string(e.Kind), e.Scope, e.Reason, e.Request, w.actor, w.now); err != nil {
				return translate(err, "add suppression")
			}
			// The consent ledger's states of the address for the
			// purposes of the scope's activity (or all) note it.
			if _, err := w.ExecContext(ctx, s.q(`UPDATE consent_state SET suppressed_at = ? WHERE key_id = ? AND hash = ? AND (? = '' OR purpose IN (SELECT id FROM consent_purposes WHERE activity = ?))`),
				w.now, e.KeyID, e.Hash, e.Scope, e.Scope); err != nil {
				return translate(err, "add suppression")
			}
		}
		e := es[0]
		return w.audit(ctx, audit.Suppress, e.Request, fmt.Sprintf("%d identifiers, scope %q, reason %s", len(es), e.Scope, e.Reason))
	})
}

// Suppressed returns the list's entries of one identifier's hash.
func (s *Store) Suppressed(ctx context.Context, keyID string, hash []byte) ([]suppression.Entry, error) {
	rows, err := s.readRows(ctx, `SELECT kind, scope, reason, request_id, actor, at FROM suppressions WHERE key_id = ? AND hash = ?`, keyID, hex.EncodeToString(hash))
	if err != nil {
		return nil, translate(err, "suppressed")
	}
	defer rows.Close()
	var out []suppression.Entry
	for rows.Next() {
		e := suppression.Entry{KeyID: keyID, Hash: hash}
		var kind, at string
		if err := rows.Scan(&kind, &e.Scope, &e.Reason, &e.Request, &e.By, &at); err != nil {
			return nil, translate(err, "suppressed")
		}
		e.Kind = vault.Kind(kind)
		e.At, _ = parseTime(at)
		out = append(out, e)
	}
	return out, translate(rows.Err(), "suppressed")
}

// SuppressionHashes returns the list's entries under an index key for
// the scopes given (All among them), by hash (hex), for a sweep to match
// rows against.
func (s *Store) SuppressionHashes(ctx context.Context, keyID string, scopes []string) (map[string][]suppression.Entry, error) {
	out := map[string][]suppression.Entry{}
	for _, sc := range scopes {
		rows, err := s.r.QueryContext(ctx, s.q(`SELECT hash, kind, reason FROM suppressions WHERE key_id = ? AND scope = ?`), keyID, sc)
		if err != nil {
			return nil, translate(err, "suppression hashes")
		}
		for rows.Next() {
			var h, kind string
			e := suppression.Entry{KeyID: keyID, Scope: sc}
			if err := rows.Scan(&h, &kind, &e.Reason); err != nil {
				rows.Close()
				return nil, translate(err, "suppression hashes")
			}
			e.Kind = vault.Kind(kind)
			out[h] = append(out[h], e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(err, "suppression hashes")
		}
	}
	return out, nil
}

// EnsureNotices adds the Art. 19 tasks of a request that it lacks (open);
// those it has stay as they are.
func (s *Store) EnsureNotices(ctx context.Context, id string, ns []request.Notice) error {
	if len(ns) == 0 {
		return nil
	}
	return s.write(ctx, func(w *wtx) error {
		added := 0
		for _, n := range ns {
			res, err := w.ExecContext(ctx, s.q(`INSERT INTO request_notices (request_id, recipient, kind, state, changed_at, version) VALUES (?, ?, ?, 'open', ?, 1) ON CONFLICT DO NOTHING`),
				id, n.Recipient, n.Kind, w.now)
			if err != nil {
				return translate(err, "ensure notices")
			}
			if k, _ := res.RowsAffected(); k == 1 {
				added++
			}
		}
		if added == 0 {
			return nil
		}
		return w.audit(ctx, audit.RequestUpdate, id, fmt.Sprintf("art19 notices %d added", added))
	})
}

// Notices lists a request's Art. 19 tasks in the order of the recipients'
// names.
func (s *Store) Notices(ctx context.Context, id string) ([]request.Notice, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT recipient, kind, state, how, mail_id, sent_at, confirmed_at, actor, changed_at, version FROM request_notices WHERE request_id = ? ORDER BY recipient`), id)
	if err != nil {
		return nil, translate(err, "notices")
	}
	defer rows.Close()
	var out []request.Notice
	for rows.Next() {
		var n request.Notice
		var sent, confirmed sql.NullString
		var changed string
		if err := rows.Scan(&n.Recipient, &n.Kind, &n.State, &n.How, &n.MailID, &sent, &confirmed, &n.By, &changed, &n.Version); err != nil {
			return nil, translate(err, "notices")
		}
		n.Changed, _ = parseTime(changed)
		if sent.Valid {
			t, _ := parseTime(sent.String)
			n.SentAt = &t
		}
		if confirmed.Valid {
			t, _ := parseTime(confirmed.String)
			n.Confirmed = &t
		}
		out = append(out, n)
	}
	return out, translate(rows.Err(), "notices")
}

// UpdateNotice writes a task changed from version, with its audit entry;
// ECONFLICT when it was changed meanwhile.
func (s *Store) UpdateNotice(ctx context.Context, id string, n *request.Notice, version int) error {
	return s.write(ctx, func(w *wtx) error {
		res, err := w.ExecContext(ctx, s.q(`UPDATE request_notices SET state = ?, how = ?, mail_id = ?, sent_at = ?, confirmed_at = ?, actor = ?, changed_at = ?, version = version + 1
			WHERE request_id = ? AND recipient = ? AND version = ?`), n.State, n.How, n.MailID, nullTime(n.SentAt), nullTime(n.Confirmed), w.actor, w.now, id, n.Recipient, version)
		if err != nil {
			return translate(err, "update notice")
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return gdpr.Keyed(gdpr.ECONFLICT, "version", "conflict.stale.notice", n.Recipient, version)
		}
		n.By, n.Changed, n.Version = w.actor, w.at, version+1
		return w.audit(ctx, audit.RequestUpdate, id, fmt.Sprintf("art19 notice %q %s", n.Recipient, n.State))
	})
}

// MailTemplates lists the mail templates admins changed.
func (s *Store) MailTemplates(ctx context.Context) ([]request.MailTemplate, error) {
	rows, err := s.readRows(ctx, `SELECT kind, lang, subject, body, actor, changed_at, version FROM mail_templates ORDER BY kind, lang`)
	if err != nil {
		return nil, translate(err, "mail templates")
	}
	defer rows.Close()
	var out []request.MailTemplate
	for rows.Next() {
		t := request.MailTemplate{Custom: true}
		var at string
		if err := rows.Scan(&t.Kind, &t.Lang, &t.Subject, &t.Body, &t.By, &at, &t.Version); err != nil {
			return nil, translate(err, "mail templates")
		}
		t.Changed, _ = parseTime(at)
		out = append(out, t)
	}
	return out, translate(rows.Err(), "mail templates")
}

// SaveMailTemplate keeps an admin's template changed from version (0: the
// built-in one), with its audit entry; ECONFLICT when it was changed
// meanwhile.
func (s *Store) SaveMailTemplate(ctx context.Context, t *request.MailTemplate, version int) error {
	return s.write(ctx, func(w *wtx) error {
		var res sql.Result
		var err error
		if version == 0 {
			res, err = w.ExecContext(ctx, s.q(`INSERT INTO mail_templates (kind, lang, subject, body, actor, changed_at, version) VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT DO NOTHING`),
				t.Kind, t.Lang, t.Subject, t.Body, w.actor, w.now)
		} else {
			res, err = w.ExecContext(ctx, s.q(`UPDATE mail_templates SET subject = ?, body = ?, actor = ?, changed_at = ?, version = version + 1 WHERE kind = ? AND lang = ? AND version = ?`),
				t.Subject, t.Body, w.actor, w.now, t.Kind, t.Lang, version)
		}
		if err != nil {
			return translate(err, "save mail template")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return gdpr.Keyed(gdpr.ECONFLICT, "version", "conflict.stale.template", t.Kind, t.Lang, version)
		}
		t.Custom, t.By, t.Changed, t.Version = true, w.actor, w.at, version+1
		return w.audit(ctx, audit.TemplateUpdate, t.Kind+"/"+t.Lang, fmt.Sprintf("version %d", t.Version))
	})
}

// ResetMailTemplate drops an admin's template at version: the built-in
// one applies again.
func (s *Store) ResetMailTemplate(ctx context.Context, kind, lang string, version int) error {
	return s.write(ctx, func(w *wtx) error {
		res, err := w.ExecContext(ctx, s.q(`DELETE FROM mail_templates WHERE kind = ? AND lang = ? AND version = ?`), kind, lang, version)
		if err != nil {
			return translate(err, "reset mail template")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return gdpr.Keyed(gdpr.ECONFLICT, "version", "conflict.stale.template", kind, lang, version)
		}
		return w.audit(ctx, audit.TemplateUpdate, kind+"/"+lang, "reset to the built-in text")
	})
}
