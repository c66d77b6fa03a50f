package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
)

// insertAudit appends a bounded entry; the id begins with the time, so
// that the primary key orders the log.
// Its leaf joins the transaction's.
func (s *Store) insertAudit(ctx context.Context, t *txn, e audit.Entry, at time.Time) error {
	_, err := s.insertAuditRow(ctx, t, e, at)
	return err
}

// insertAuditRow is insertAudit returning the row written (its id names
// the leaf an evidence proves).
func (s *Store) insertAuditRow(ctx context.Context, t *txn, e audit.Entry, at time.Time) (audit.Row, error) {
	r := auditRow(e, at)
	_, err := t.ExecContext(ctx, s.q(`INSERT INTO audit (id, at, actor, action, target, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		r.ID, r.At, r.Actor, r.Action, r.Target, r.Outcome, r.Detail)
	if err != nil {
		return r, translate(err, "audit")
	}
	t.leaf(r.Leaf())
	return r, nil
}

// auditRow is the row of a bounded entry, with a new id.
func auditRow(e audit.Entry, at time.Time) audit.Row {
	e = e.Bounded()
	b := make([]byte, 8)
	rand.Read(b)
	return audit.Row{ID: fmtTime(at) + "-" + hex.EncodeToString(b), At: fmtTime(at), Actor: e.Actor, Action: e.Action,
		Target: e.Target, Outcome: e.Outcome, Detail: e.Detail}
}

// audit records the successful change this transaction makes.
func (w *wtx) audit(ctx context.Context, action, target, detail string) error {
	return w.auditOutcome(ctx, action, target, audit.OK, detail)
}

func (w *wtx) auditOutcome(ctx context.Context, action, target, outcome, detail string) error {
	return w.s.insertAudit(ctx, w.txn, audit.Entry{Actor: w.actor, Action: action, Target: target, Outcome: outcome, Detail: detail}, w.at)
}

// Audit appends an entry on its own: for attempts that change nothing
// (denied, failed) and for reads that must be recorded. The actor is the
// context's principal unless e names one; the time is the store's now.
func (s *Store) Audit(ctx context.Context, e audit.Entry) error {
	if e.Actor == "" {
		p, ok := auth.PrincipalFrom(ctx)
		if !ok {
			return gdpr.Keyed(gdpr.EUNAUTHORIZED, "", "store.noprincipal")
		}
		e.Actor = p.Actor
	}
	return s.tx(ctx, func(t *txn) error { return s.insertAudit(ctx, t, e, s.now()) })
}

// FindAudit returns audit entries, newest first, and their total.
func (s *Store) FindAudit(ctx context.Context, f audit.Filter) ([]audit.Entry, int, error) {
	var where []string
	var args []any
	for col, v := range map[string]string{"actor": f.Actor, "action": f.Action, "outcome": f.Outcome} {
		if v != "" {
			where, args = append(where, col+" = ?"), append(args, v)
		}
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.r.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM audit`+cond), args...).Scan(&total); err != nil {
		return nil, 0, translate(err, "count audit")
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	rows, err := s.r.QueryContext(ctx, s.q(fmt.Sprintf(`SELECT id, at, actor, action, target, outcome, detail FROM audit%s ORDER BY id DESC LIMIT %d OFFSET %d`, cond, f.Limit, max(f.Offset, 0))), args...)
	if err != nil {
		return nil, 0, translate(err, "list audit")
	}
	defer rows.Close()
	out := []audit.Entry{}
	for rows.Next() {
		var e audit.Entry
		var at string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &e.Outcome, &e.Detail); err != nil {
			return nil, 0, translate(err, "list audit")
		}
		e.At, _ = parseTime(at)
		out = append(out, e)
	}
	return out, total, translate(rows.Err(), "list audit")
}
