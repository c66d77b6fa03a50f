package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/sweep"
)

// BeginSweepBatch records a batch before its rows are changed.
func (s *Store) BeginSweepBatch(ctx context.Context, b sweep.Batch) error {
	keys, err := json.Marshal(b.Keys)
	if err != nil {
		return fmt.Errorf("sweep batch keys: %w", err)
	}
	_, err = s.w.ExecContext(ctx, s.q(`INSERT INTO sweep_batches (id, system_id, tbl, action, rule, keys, planned, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		b.ID, b.System, b.Table, b.Action, b.Rule, string(keys), b.Planned, fmtTime(b.Created))
	return translate(err, "begin sweep batch")
}

// FinishSweepBatch removes a batch, keys and all, and writes its
// protocol entry, in one transaction: a batch is either pending with its
// keys or protocolled without them. ENOTFOUND when another run finished
// it first (nothing written).
func (s *Store) FinishSweepBatch(ctx context.Context, id string, e audit.Entry) error {
	if e.Actor == "" {
		p, ok := auth.PrincipalFrom(ctx)
		if !ok {
			return gdpr.Keyed(gdpr.EUNAUTHORIZED, "", "store.noprincipal")
		}
		e.Actor = p.Actor
	}
	return s.tx(ctx, func(t *txn) error {
		res, err := t.ExecContext(ctx, s.q(`DELETE FROM sweep_batches WHERE id = ?`), id)
		if err != nil {
			return translate(err, "finish sweep batch")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return notFound("sweepbatch", id)
		}
		return s.insertAudit(ctx, t, e, s.now())
	})
}

// DropSweepBatch removes a batch that changed no row (another run had
// changed them): no protocol entry, for nothing was done.
func (s *Store) DropSweepBatch(ctx context.Context, id string) error {
	_, err := s.w.ExecContext(ctx, s.q(`DELETE FROM sweep_batches WHERE id = ?`), id)
	return translate(err, "drop sweep batch")
}

// PendingSweepBatches lists the batches of a table begun before before
// and not finished: those of a run that died.
func (s *Store) PendingSweepBatches(ctx context.Context, system, table string, before time.Time) ([]sweep.Batch, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT id, action, rule, keys, planned, created_at FROM sweep_batches
		WHERE system_id = ? AND tbl = ? AND created_at < ? ORDER BY created_at, id`), system, table, fmtTime(before))
	if err != nil {
		return nil, translate(err, "pending sweep batches")
	}
	defer rows.Close()
	var out []sweep.Batch
	for rows.Next() {
		b := sweep.Batch{System: system, Table: table}
		var keys, created string
		if err := rows.Scan(&b.ID, &b.Action, &b.Rule, &keys, &b.Planned, &created); err != nil {
			return nil, translate(err, "pending sweep batches")
		}
		raw, err := decodeKeys(keys)
		if err != nil {
			return nil, fmt.Errorf("sweep batch %s keys: %w", b.ID, err)
		}
		b.Keys = raw
		b.Created, _ = parseTime(created)
		out = append(out, b)
	}
	return out, translate(rows.Err(), "pending sweep batches")
}

// decodeKeys reads rows' keys stored as JSON, numbers back as integers
// where they are: key columns are compared with parameters of their own
// type.
func decodeKeys(s string) ([][]any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var raw [][]any
	if err := d.Decode(&raw); err != nil {
		return nil, err
	}
	for _, row := range raw {
		for i, v := range row {
			if n, ok := v.(json.Number); ok {
				if x, err := n.Int64(); err == nil {
					row[i] = x
				} else if f, err := n.Float64(); err == nil {
					row[i] = f
				}
			}
		}
	}
	return raw, nil
}
