package store

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gdpr/audit"
	"gdpr/consent"
)

// insertJob writes a job of the ledger's outbox in the step's
// transaction (migration 20).
func insertJob(ctx context.Context, w *wtx, j consent.Job) error {
	if j.ID == "" {
		j.ID = newEventID(w.at)
	}
	due := w.now
	if !j.Due.IsZero() {
		due = fmtTime(j.Due)
	}
	_, err := w.ExecContext(ctx, w.s.q(`INSERT INTO consent_jobs (id, kind, target, signup, subject, purpose, event, sealed, due_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		j.ID, j.Kind, j.Target, j.Signup, j.Subject, j.Purpose, j.Event, base64.StdEncoding.EncodeToString(j.Sealed), due, w.now)
	return translate(err, "consent job")
}

const jobColumns = `id, kind, target, signup, subject, purpose, event, sealed, due_at, attempts, error`

func scanJob(sc interface{ Scan(...any) error }) (consent.Job, error) {
	var j consent.Job
	var sealed, due string
	if err := sc.Scan(&j.ID, &j.Kind, &j.Target, &j.Signup, &j.Subject, &j.Purpose, &j.Event, &sealed, &due, &j.Attempts, &j.Error); err != nil {
		return j, err
	}
	j.Sealed, _ = base64.StdEncoding.DecodeString(sealed)
	j.Due, _ = parseTime(due)
	return j, nil
}

// ClaimConsentJobs takes up to limit jobs that are due and not taken (of
// one sign-up, or any: ""), each for lease: a server that dies with one
// leaves it to another after the lease. Several servers on one
// PostgreSQL take distinct jobs (the claim is a conditional update).
func (s *Store) ClaimConsentJobs(ctx context.Context, signup string, now time.Time, lease time.Duration, limit int) ([]consent.Job, error) {
	q, args := `SELECT `+jobColumns+` FROM consent_jobs WHERE failed_at = '' AND due_at <= ? AND claimed_until < ?`, []any{fmtTime(now), fmtTime(now)}
	if signup != "" {
		q, args = q+` AND signup = ?`, append(args, signup)
	}
	rows, err := s.readRows(ctx, q+` ORDER BY due_at, id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, translate(err, "consent jobs")
	}
	var due []consent.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			rows.Close()
			return nil, translate(err, "consent jobs")
		}
		due = append(due, j)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err, "consent jobs")
	}
	var out []consent.Job
	for _, j := range due {
		res, err := s.w.ExecContext(ctx, s.q(`UPDATE consent_jobs SET claimed_until = ? WHERE id = ? AND failed_at = '' AND claimed_until < ?`), fmtTime(now.Add(lease)), j.ID, fmtTime(now))
		if err != nil {
			return out, translate(err, "claim consent job")
		}
		if n, _ := res.RowsAffected(); n == 1 {
			out = append(out, j)
		}
	}
	return out, nil
}

// FailConsentJob records a failed attempt: the job is due again at next,
// or, after its last attempt (next zero), given up and kept to be shown.
// The error text is the engine's, without personal data.
func (s *Store) FailConsentJob(ctx context.Context, id, errText string, next, now time.Time) error {
	failed := ""
	if next.IsZero() {
		failed, next = fmtTime(now), now
	}
	_, err := s.w.ExecContext(ctx, s.q(`UPDATE consent_jobs SET attempts = attempts + 1, error = ?, due_at = ?, claimed_until = '', failed_at = ? WHERE id = ?`),
		clip(errText, 500), fmtTime(next), failed, id)
	return translate(err, "consent job")
}

// DropConsentJob removes a job that is done (a webhook called) or can no
// longer be (its person erased), with its audit entry.
func (s *Store) DropConsentJob(ctx context.Context, j consent.Job, action, outcome string) error {
	return s.write(ctx, func(w *wtx) error {
		if _, err := w.ExecContext(ctx, s.q(`DELETE FROM consent_jobs WHERE id = ?`), j.ID); err != nil {
			return translate(err, "consent job")
		}
		_, err := s.insertAuditRow(ctx, w.txn, audit.Entry{Actor: w.actor, Action: action, Target: j.Target, Outcome: outcome,
			Detail: fmt.Sprintf("%s %s %s", j.Kind, j.Purpose, j.Event)}, w.at)
		return err
	})
}

// RetryConsentJob makes a given-up job due again (staff, after fixing
// the mailer).
func (s *Store) RetryConsentJob(ctx context.Context, id string, now time.Time) error {
	res, err := s.w.ExecContext(ctx, s.q(`UPDATE consent_jobs SET failed_at = '', attempts = 0, due_at = ?, claimed_until = '' WHERE id = ? AND failed_at <> ''`), fmtTime(now), id)
	if err != nil {
		return translate(err, "consent job")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return notFound("job", id)
	}
	return nil
}

// ConsentJobs lists the jobs waiting or given up (failed true: only
// those), oldest first, up to limit.
func (s *Store) ConsentJobs(ctx context.Context, failed bool, limit int) ([]consent.Job, error) {
	q := `SELECT ` + jobColumns + ` FROM consent_jobs`
	if failed {
		q += ` WHERE failed_at <> ''`
	}
	rows, err := s.readRows(ctx, q+` ORDER BY created_at, id LIMIT ?`, limit)
	if err != nil {
		return nil, translate(err, "consent jobs")
	}
	defer rows.Close()
	var out []consent.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, translate(err, "consent jobs")
		}
		out = append(out, j)
	}
	return out, translate(rows.Err(), "consent jobs")
}

// AddHook keeps a webhook, its secret wrapped, with its audit entry.
func (s *Store) AddHook(ctx context.Context, h *consent.Hook) error {
	return s.write(ctx, func(w *wtx) error {
		h.Created = w.at
		events := make([]string, len(h.Events))
		for i, k := range h.Events {
			events[i] = string(k)
		}
		if _, err := w.ExecContext(ctx, s.q(`INSERT INTO consent_hooks (id, url, events, purposes, kek_id, wrapped, actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			h.ID, h.URL, strings.Join(events, "\n"), strings.Join(h.Purposes, "\n"), h.KEKID, base64.StdEncoding.EncodeToString(h.Wrapped), w.actor, w.now); err != nil {
			return translate(err, "consent hook")
		}
		return w.audit(ctx, audit.ConsentHook, h.ID, "added")
	})
}

// Hooks lists the webhooks (secrets wrapped).
func (s *Store) Hooks(ctx context.Context) ([]consent.Hook, error) {
	rows, err := s.readRows(ctx, `SELECT id, url, events, purposes, kek_id, wrapped, created_at FROM consent_hooks ORDER BY created_at, id`)
	if err != nil {
		return nil, translate(err, "consent hooks")
	}
	defer rows.Close()
	var out []consent.Hook
	for rows.Next() {
		var h consent.Hook
		var events, purposes, wrapped, at string
		if err := rows.Scan(&h.ID, &h.URL, &events, &purposes, &h.KEKID, &wrapped, &at); err != nil {
			return nil, translate(err, "consent hooks")
		}
		for _, e := range strings.Split(events, "\n") {
			if e != "" {
				h.Events = append(h.Events, consent.Kind(e))
			}
		}
		if purposes != "" {
			h.Purposes = strings.Split(purposes, "\n")
		}
		h.Wrapped, _ = base64.StdEncoding.DecodeString(wrapped)
		h.Created, _ = parseTime(at)
		out = append(out, h)
	}
	return out, translate(rows.Err(), "consent hooks")
}

// DeleteHook removes a webhook (its waiting calls stay and fail: they
// name a hook no longer there), with its audit entry.
func (s *Store) DeleteHook(ctx context.Context, id string) error {
	return s.write(ctx, func(w *wtx) error {
		res, err := w.ExecContext(ctx, s.q(`DELETE FROM consent_hooks WHERE id = ?`), id)
		if err != nil {
			return translate(err, "consent hook")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return notFound("hook", id)
		}
		return w.audit(ctx, audit.ConsentHook, id, "deleted")
	})
}

// clip bounds a text to n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
