package store

import (
	"context"
	"encoding/hex"
	"fmt"

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
			if _, err := w.ExecContext(ctx, s.q(`INSERT INTO suppressions (key_id, hash, kind, scope, reason, request_id, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
				e.KeyID, hex.EncodeToString(e.Hash), string(e.Kind), e.Scope, e.Reason, e.Request, w.actor, w.now); err != nil {
				return translate(err, "add suppression")
			}
		}
		e := es[0]
		return w.audit(ctx, audit.Suppress, e.Request, fmt.Sprintf("%d identifiers, scope %q, reason %s", len(es), e.Scope, e.Reason))
	})
}

// Suppressed returns the list's entries of one identifier's hash.
func (s *Store) Suppressed(ctx context.Context, keyID string, hash []byte) ([]suppression.Entry, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT kind, scope, reason, request_id, actor, at FROM suppressions WHERE key_id = ? AND hash = ?`), keyID, hex.EncodeToString(hash))
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
