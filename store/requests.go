package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gdpr"
	"gdpr/audit"
	"gdpr/request"
)

const dateLayout = time.DateOnly

func fmtDate(t time.Time) string { return t.Format(dateLayout) }

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return fmtTime(*t)
}

func newEventID(at time.Time) string { return gdpr.TimeID(at) }

// CreateRequest stores a new request with its first event and audit
// entry (its kind and channel, never the person).
func (s *Store) CreateRequest(ctx context.Context, r *request.Request) error {
	return s.write(ctx, func(w *wtx) error {
		r.Created, r.Changed, r.Version = w.at, w.at, 1
		var extDue, extTold any
		if r.Extension != nil {
			extDue, extTold = fmtDate(r.Extension.Due), fmtTime(r.Extension.ToldAt)
		}
		if _, err := w.ExecContext(ctx, s.q(`INSERT INTO requests (id, kind, channel, received_at, requester, identity, identity_note, state, assignee, due,
			ext_due, ext_reasons, ext_told_at, ext_told_how, reason, lang, closed_at, created_at, changed_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`),
			r.ID, string(r.Kind), string(r.Channel), fmtTime(r.Received), r.Requester, string(r.Identity), r.IdentityNote, string(r.State), r.Assignee,
			fmtDate(r.Due), extDue, "", extTold, "", r.Reason, langOf(r.Lang), nullTime(r.Closed), w.now, w.now); err != nil {
			return translate(err, "create request")
		}
		if err := s.requestEvent(ctx, w, r.ID, 1, request.Event{Action: "created", To: r.State}); err != nil {
			return err
		}
		return w.audit(ctx, audit.RequestCreate, r.ID, fmt.Sprintf("kind %s, channel %s, requester %s", r.Kind, r.Channel, r.Requester))
	})
}

// UpdateRequest writes a request changed from version, with the event
// that says what changed; ECONFLICT when it was changed meanwhile.
func (s *Store) UpdateRequest(ctx context.Context, r *request.Request, version int, ev request.Event) error {
	return s.write(ctx, func(w *wtx) error {
		var extDue, extTold any
		reasons, how := "", ""
		if r.Extension != nil {
			extDue, extTold, reasons, how = fmtDate(r.Extension.Due), fmtTime(r.Extension.ToldAt), r.Extension.Reasons, r.Extension.ToldHow
		}
		res, err := w.ExecContext(ctx, s.q(`UPDATE requests SET identity = ?, identity_note = ?, state = ?, assignee = ?, ext_due = ?, ext_reasons = ?, ext_told_at = ?,
			ext_told_how = ?, reason = ?, closed_at = ?, changed_at = ?, version = version + 1 WHERE id = ? AND version = ?`),
			string(r.Identity), r.IdentityNote, string(r.State), r.Assignee, extDue, reasons, extTold, how, r.Reason, nullTime(r.Closed), w.now, r.ID, version)
		if err != nil {
			return translate(err, "update request")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			cur, err := s.findRequest(ctx, w, r.ID)
			if err != nil {
				return err
			}
			return gdpr.Keyed(gdpr.ECONFLICT, "version", "conflict.stale.request", r.ID, version, cur.Version)
		}
		r.Version, r.Changed = version+1, w.at
		if err := s.requestEvent(ctx, w, r.ID, version+1, ev); err != nil {
			return err
		}
		detail := ev.Action
		if ev.To != "" {
			detail += fmt.Sprintf(" %s -> %s", ev.From, ev.To)
		}
		return w.audit(ctx, audit.RequestUpdate, r.ID, detail)
	})
}

// requestEvent records the step that made version of the request (its
// versions order the history, also within one second).
func (s *Store) requestEvent(ctx context.Context, w *wtx, id string, version int, ev request.Event) error {
	_, err := w.ExecContext(ctx, s.q(`INSERT INTO request_events (id, request_id, version, at, actor, action, from_state, to_state, note_subject) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		newEventID(w.at), id, version, w.now, w.actor, ev.Action, string(ev.From), string(ev.To), ev.NoteSubject)
	return translate(err, "request event")
}

// FindRequest returns one request.
func (s *Store) FindRequest(ctx context.Context, id string) (*request.Request, error) {
	return s.findRequest(ctx, s.r, id)
}

func (s *Store) findRequest(ctx context.Context, q querier, id string) (*request.Request, error) {
	rs, err := s.requests(ctx, q, `WHERE id = ?`, []any{id}, 1, 0)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, notFound("request", id)
	}
	return rs[0], nil
}

// FindRequests lists requests, the nearest last day first, and counts all
// that match.
func (s *Store) FindRequests(ctx context.Context, f request.Filter) ([]*request.Request, int, error) {
	where, args := `WHERE 1 = 1`, []any{}
	if f.Open {
		where += ` AND state NOT IN ('answered', 'rejected', 'withdrawn')`
	}
	if f.State != "" {
		where, args = where+` AND state = ?`, append(args, string(f.State))
	}
	if f.Kind != "" {
		where, args = where+` AND kind = ?`, append(args, string(f.Kind))
	}
	if !f.DueBefore.IsZero() {
		where, args = where+` AND COALESCE(ext_due, due) < ?`, append(args, fmtDate(f.DueBefore))
	}
	var total int
	if err := s.r.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM requests `+where), args...).Scan(&total); err != nil {
		return nil, 0, translate(err, "requests")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	rs, err := s.requests(ctx, s.r, where, args, min(limit, 1000), max(f.Offset, 0))
	return rs, total, err
}

func (s *Store) requests(ctx context.Context, q querier, where string, args []any, limit, offset int) ([]*request.Request, error) {
	rows, err := q.QueryContext(ctx, s.q(`SELECT id, kind, channel, received_at, requester, identity, identity_note, state, assignee, due, ext_due, ext_reasons,
		ext_told_at, ext_told_how, reason, lang, closed_at, created_at, changed_at, version FROM requests `+where+
		fmt.Sprintf(` ORDER BY COALESCE(ext_due, due), received_at, id LIMIT %d OFFSET %d`, limit, offset)), args...)
	if err != nil {
		return nil, translate(err, "requests")
	}
	defer rows.Close()
	var out []*request.Request
	for rows.Next() {
		r := &request.Request{}
		var kind, channel, identity, state, received, due, created, changed string
		var extDue, extTold, closed sql.NullString
		var reasons, how string
		if err := rows.Scan(&r.ID, &kind, &channel, &received, &r.Requester, &identity, &r.IdentityNote, &state, &r.Assignee, &due, &extDue, &reasons,
			&extTold, &how, &r.Reason, &r.Lang, &closed, &created, &changed, &r.Version); err != nil {
			return nil, translate(err, "requests")
		}
		r.Kind, r.Channel, r.Identity, r.State = request.Kind(kind), request.Channel(channel), request.Identity(identity), request.State(state)
		r.Received, _ = parseTime(received)
		r.Due, _ = time.Parse(dateLayout, due)
		r.Created, _ = parseTime(created)
		r.Changed, _ = parseTime(changed)
		if extDue.Valid {
			e := &request.Extension{Reasons: reasons, ToldHow: how}
			e.Due, _ = time.Parse(dateLayout, extDue.String)
			if extTold.Valid {
				e.ToldAt, _ = parseTime(extTold.String)
			}
			r.Extension = e
		}
		if closed.Valid {
			if t, err := parseTime(closed.String); err == nil {
				r.Closed = &t
			}
		}
		out = append(out, r)
	}
	return out, translate(rows.Err(), "requests")
}

// RequestEvents lists a request's history, oldest first.
func (s *Store) RequestEvents(ctx context.Context, id string) ([]request.Event, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT id, at, actor, action, from_state, to_state, note_subject FROM request_events WHERE request_id = ? ORDER BY version`), id)
	if err != nil {
		return nil, translate(err, "request events")
	}
	defer rows.Close()
	var out []request.Event
	for rows.Next() {
		var e request.Event
		var at, from, to string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &from, &to, &e.NoteSubject); err != nil {
			return nil, translate(err, "request events")
		}
		e.At, _ = parseTime(at)
		e.From, e.To = request.State(from), request.State(to)
		out = append(out, e)
	}
	return out, translate(rows.Err(), "request events")
}

func langOf(l string) string {
	if l == "en" {
		return "en"
	}
	return "de"
}

// AddRequestMail records the proof of a mail about a request, with its
// audit entry (the kind and the Message-ID, never the address).
func (s *Store) AddRequestMail(ctx context.Context, id string, m request.Mail) error {
	return s.write(ctx, func(w *wtx) error {
		if _, err := w.ExecContext(ctx, s.q(`INSERT INTO request_mails (id, request_id, kind, message_id, sent_at, response, raw_subject) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			newEventID(m.At), id, m.Kind, m.MessageID, fmtTime(m.At), m.Response, m.RawSubject); err != nil {
			return translate(err, "request mail")
		}
		return w.audit(ctx, audit.RequestMail, id, m.Kind+" "+m.MessageID)
	})
}

// RequestMails lists the mails about a request, oldest first.
func (s *Store) RequestMails(ctx context.Context, id string) ([]request.Mail, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT id, kind, message_id, sent_at, response, raw_subject FROM request_mails WHERE request_id = ? ORDER BY sent_at, id`), id)
	if err != nil {
		return nil, translate(err, "request mails")
	}
	defer rows.Close()
	var out []request.Mail
	for rows.Next() {
		var m request.Mail
		var at string
		if err := rows.Scan(&m.ID, &m.Kind, &m.MessageID, &at, &m.Response, &m.RawSubject); err != nil {
			return nil, translate(err, "request mails")
		}
		m.At, _ = parseTime(at)
		out = append(out, m)
	}
	return out, translate(rows.Err(), "request mails")
}

// CreateRequestToken keeps a single-use link's hash for a request.
func (s *Store) CreateRequestToken(ctx context.Context, hash, id, purpose string, expires time.Time) error {
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO request_tokens (hash, request_id, purpose, expires_at) VALUES (?, ?, ?, ?)`), hash, id, purpose, fmtTime(expires))
	return translate(err, "request token")
}

// UseRequestToken spends a link: the request it is for, if it is of the
// purpose, not used and not expired at now; ENOTFOUND otherwise (one
// answer for all three, so that a link says nothing of others).
func (s *Store) UseRequestToken(ctx context.Context, hash, purpose string, now time.Time) (string, error) {
	var id string
	err := s.tx(ctx, func(t *txn) error {
		res, err := t.ExecContext(ctx, s.q(`UPDATE request_tokens SET used_at = ? WHERE hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?`),
			fmtTime(now), hash, purpose, fmtTime(now))
		if err != nil {
			return translate(err, "use request token")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return gdpr.Keyed(gdpr.ENOTFOUND, "", "request.link")
		}
		return translate(t.QueryRowContext(ctx, s.q(`SELECT request_id FROM request_tokens WHERE hash = ?`), hash).Scan(&id), "use request token")
	})
	return id, err
}

// AddReceipt records what an erasure did to a table, with its audit
// entry; ECONFLICT when the table has one for the request already.
func (s *Store) AddReceipt(ctx context.Context, id string, rc request.Receipt) error {
	return s.write(ctx, func(w *wtx) error {
		if _, err := w.ExecContext(ctx, s.q(`INSERT INTO request_receipts (request_id, system_id, tbl, action, rows_count, also_rows, until, ground, keys_hash, done_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			id, rc.System, rc.Table, rc.Action, rc.Rows, rc.Also, rc.Until, rc.Ground, rc.Keys, w.now); err != nil {
			return translate(err, "request receipt")
		}
		return w.audit(ctx, audit.RequestErase, id, fmt.Sprintf("%s/%s %s rows %d also %d until %s keys %s", rc.System, rc.Table, rc.Action, rc.Rows, rc.Also, rc.Until, rc.Keys))
	})
}

// BeginReceipt records a receipt as pending, with the keys of the rows
// about to change, before they do.
func (s *Store) BeginReceipt(ctx context.Context, id string, rc request.Receipt) error {
	keys, err := json.Marshal(rc.RowKeys)
	if err != nil {
		return fmt.Errorf("receipt keys: %w", err)
	}
	_, err = s.w.ExecContext(ctx, s.q(`INSERT INTO request_receipts (request_id, system_id, tbl, action, rows_count, until, ground, keys_hash, state, row_keys, done_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`), id, rc.System, rc.Table, rc.Action, rc.Rows, rc.Until, rc.Ground, rc.Keys, string(keys), fmtTime(rc.At))
	return translate(err, "begin receipt")
}

// FinishReceipt turns a pending receipt into a done one (its keys gone)
// with its audit entry, in one transaction.
func (s *Store) FinishReceipt(ctx context.Context, id string, rc request.Receipt) error {
	return s.write(ctx, func(w *wtx) error {
		res, err := w.ExecContext(ctx, s.q(`UPDATE request_receipts SET action = ?, rows_count = ?, also_rows = ?, until = ?, ground = ?, keys_hash = ?, state = 'done', row_keys = NULL, done_at = ?
			WHERE request_id = ? AND system_id = ? AND tbl = ? AND state = 'pending'`), rc.Action, rc.Rows, rc.Also, rc.Until, rc.Ground, rc.Keys, w.now, id, rc.System, rc.Table)
		if err != nil {
			return translate(err, "finish receipt")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return gdpr.Keyed(gdpr.ENOTFOUND, "", "notfound.receipt", rc.System+"/"+rc.Table)
		}
		return w.audit(ctx, audit.RequestErase, id, fmt.Sprintf("%s/%s %s rows %d also %d until %s keys %s", rc.System, rc.Table, rc.Action, rc.Rows, rc.Also, rc.Until, rc.Keys))
	})
}

// DropReceipt removes a pending receipt whose change did not happen.
func (s *Store) DropReceipt(ctx context.Context, id, system, table string) error {
	_, err := s.w.ExecContext(ctx, s.q(`DELETE FROM request_receipts WHERE request_id = ? AND system_id = ? AND tbl = ? AND state = 'pending'`), id, system, table)
	return translate(err, "drop receipt")
}

// Receipts lists an erasure's receipts, in the order they were made;
// pending ones with their rows' keys.
func (s *Store) Receipts(ctx context.Context, id string) ([]request.Receipt, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT system_id, tbl, action, rows_count, also_rows, until, ground, keys_hash, state, row_keys, done_at FROM request_receipts WHERE request_id = ? ORDER BY done_at, system_id, tbl`), id)
	if err != nil {
		return nil, translate(err, "request receipts")
	}
	defer rows.Close()
	var out []request.Receipt
	for rows.Next() {
		var rc request.Receipt
		var at, state string
		var keys sql.NullString
		if err := rows.Scan(&rc.System, &rc.Table, &rc.Action, &rc.Rows, &rc.Also, &rc.Until, &rc.Ground, &rc.Keys, &state, &keys, &at); err != nil {
			return nil, translate(err, "request receipts")
		}
		rc.At, _ = parseTime(at)
		if state == "pending" {
			rc.Pending = true
			raw, err := decodeKeys(keys.String)
			if err != nil {
				return nil, fmt.Errorf("receipt keys: %w", err)
			}
			rc.RowKeys = raw
		}
		out = append(out, rc)
	}
	return out, translate(rows.Err(), "request receipts")
}

// SaveAnswer keeps a request's released answer (sealed by the caller).
func (s *Store) SaveAnswer(ctx context.Context, id, kind string, sealed []byte, at time.Time) error {
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO request_answers (request_id, kind, sealed, released_at) VALUES (?, ?, ?, ?)`), id, kind, base64.StdEncoding.EncodeToString(sealed), fmtTime(at))
	return translate(err, "save answer")
}

// FindAnswer returns a request's released answer, sealed.
func (s *Store) FindAnswer(ctx context.Context, id string) (string, []byte, error) {
	var kind, text string
	err := s.r.QueryRowContext(ctx, s.q(`SELECT kind, sealed FROM request_answers WHERE request_id = ?`), id).Scan(&kind, &text)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, notFound("answer", id)
	}
	if err != nil {
		return "", nil, translate(err, "find answer")
	}
	sealed, err := base64.StdEncoding.DecodeString(text)
	return kind, sealed, err
}
