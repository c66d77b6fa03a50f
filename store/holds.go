package store

import (
	"context"
	"database/sql"
	"time"

	"gdpr/audit"
	"gdpr/sweep"
)

// CreateHold stores a hold (its value is in the vault) with its audit
// entry.
func (s *Store) CreateHold(ctx context.Context, h sweep.Hold) error {
	var until any
	if h.Until != nil {
		until = fmtTime(*h.Until)
	}
	return s.write(ctx, func(w *wtx) error {
		if _, err := w.ExecContext(ctx, s.q(`INSERT INTO legal_holds (id, system_id, tbl, col, subject_id, reason, until, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			h.ID, h.System, h.Table, h.Column, h.Subject, h.Reason, until, w.now, w.actor); err != nil {
			return translate(err, "create hold")
		}
		return w.audit(ctx, audit.HoldCreate, h.ID, h.System+"/"+h.Table+"."+h.Column+" subject "+h.Subject)
	})
}

// LiftHold marks a hold lifted; lifting a lifted hold changes nothing.
// ENOTFOUND for an unknown one.
func (s *Store) LiftHold(ctx context.Context, id string) (sweep.Hold, error) {
	var h sweep.Hold
	err := s.write(ctx, func(w *wtx) error {
		res, err := w.ExecContext(ctx, s.q(`UPDATE legal_holds SET lifted_at = ? WHERE id = ? AND lifted_at IS NULL`), w.now, id)
		if err != nil {
			return translate(err, "lift hold")
		}
		n, _ := res.RowsAffected()
		hs, err := s.holds(ctx, w, `WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if len(hs) != 1 {
			return notFound("hold", id)
		}
		h = hs[0]
		if n == 0 {
			return nil // lifted before
		}
		return w.audit(ctx, audit.HoldLift, id, "")
	})
	return h, err
}

// FindHolds lists the holds of a system's table ("" for all), lifted ones
// only when asked.
func (s *Store) FindHolds(ctx context.Context, system, table string, lifted bool) ([]sweep.Hold, error) {
	where, args := `WHERE 1 = 1`, []any{}
	if system != "" {
		where, args = where+` AND system_id = ?`, append(args, system)
	}
	if table != "" {
		where, args = where+` AND tbl = ?`, append(args, table)
	}
	if !lifted {
		where += ` AND lifted_at IS NULL`
	}
	return s.holds(ctx, s.r, where, args...)
}

func (s *Store) holds(ctx context.Context, q querier, where string, args ...any) ([]sweep.Hold, error) {
	rows, err := q.QueryContext(ctx, s.q(`SELECT id, system_id, tbl, col, subject_id, reason, until, created_at, created_by, lifted_at FROM legal_holds `+where+` ORDER BY created_at, id`), args...)
	if err != nil {
		return nil, translate(err, "holds")
	}
	defer rows.Close()
	var out []sweep.Hold
	for rows.Next() {
		var h sweep.Hold
		var until, lifted sql.NullString
		var created string
		if err := rows.Scan(&h.ID, &h.System, &h.Table, &h.Column, &h.Subject, &h.Reason, &until, &created, &h.Actor, &lifted); err != nil {
			return nil, translate(err, "holds")
		}
		h.Created, _ = parseTime(created)
		for _, p := range []struct {
			s   sql.NullString
			dst **time.Time
		}{{until, &h.Until}, {lifted, &h.Lifted}} {
			if p.s.Valid {
				if t, err := parseTime(p.s.String); err == nil {
					*p.dst = &t
				}
			}
		}
		out = append(out, h)
	}
	return out, translate(rows.Err(), "holds")
}
