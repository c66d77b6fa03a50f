package store

import (
	"context"
	"fmt"

	"gdpr/audit"
	"gdpr/request"
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
