package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
)

// CreateUser adds a user and records it in the audit log (same
// transaction). Returns ECONFLICT when the name is taken.
func (s *Store) CreateUser(ctx context.Context, name string, role auth.Role, hash string) error {
	return s.write(ctx, func(w *wtx) error {
		_, err := w.ExecContext(ctx, s.q(`INSERT INTO users (name, role, password_hash, disabled, created_at, password_changed_at) VALUES (?, ?, ?, 0, ?, ?)`),
			name, string(role), hash, w.now, w.now)
		if err != nil {
			if gdpr.ErrorCode(translate(err, "")) == gdpr.ECONFLICT {
				return gdpr.Keyed(gdpr.ECONFLICT, "", "conflict.exists.user", name)
			}
			return translate(err, "create user")
		}
		return w.audit(ctx, audit.UserCreate, name, "role "+string(role))
	})
}

// FindUser returns a user and its password hash. Returns ENOTFOUND.
func (s *Store) FindUser(ctx context.Context, name string) (auth.User, string, error) {
	var u auth.User
	var role, hash, created string
	var disabled int
	err := s.r.QueryRowContext(ctx, s.q(`SELECT name, role, password_hash, disabled, created_at FROM users WHERE name = ?`), name).
		Scan(&u.Name, &role, &hash, &disabled, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return u, "", notFound("user", name)
	}
	if err != nil {
		return u, "", translate(err, "find user")
	}
	u.Role, u.Disabled = auth.Role(role), disabled != 0
	u.Created, err = parseTime(created)
	return u, hash, err
}

// ListUsers returns every user by name.
func (s *Store) ListUsers(ctx context.Context) ([]auth.User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, role, disabled, created_at FROM users ORDER BY name`)
	if err != nil {
		return nil, translate(err, "list users")
	}
	defer rows.Close()
	out := []auth.User{}
	for rows.Next() {
		var u auth.User
		var role, created string
		var disabled int
		if err := rows.Scan(&u.Name, &role, &disabled, &created); err != nil {
			return nil, translate(err, "list users")
		}
		u.Role, u.Disabled = auth.Role(role), disabled != 0
		if u.Created, err = parseTime(created); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, translate(rows.Err(), "list users")
}

// CountUsers counts enabled users.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE disabled = 0`).Scan(&n)
	return n, translate(err, "count users")
}

// SetUserDisabled disables (or enables) a user; disabling ends its
// sessions and forgets its devices. Returns ENOTFOUND.
func (s *Store) SetUserDisabled(ctx context.Context, name string, disabled bool) error {
	return s.write(ctx, func(w *wtx) error {
		d := 0
		if disabled {
			d = 1
		}
		res, err := w.ExecContext(ctx, s.q(`UPDATE users SET disabled = ? WHERE name = ?`), d, name)
		if err != nil {
			return translate(err, "disable user")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("user", name)
		}
		if disabled {
			for _, q := range []string{`DELETE FROM sessions WHERE user_name = ?`, `DELETE FROM login_devices WHERE user_name = ?`} {
				if _, err := w.ExecContext(ctx, s.q(q), name); err != nil {
					return translate(err, "end sessions")
				}
			}
		}
		detail := "enabled"
		if disabled {
			detail = "disabled"
		}
		return w.audit(ctx, audit.UserDisable, name, detail)
	})
}

// SetPassword replaces a user's password hash and ends every session of
// the user except keep (a session id hash, or ""). Returns ENOTFOUND.
func (s *Store) SetPassword(ctx context.Context, name, hash, keep string) error {
	return s.write(ctx, func(w *wtx) error {
		res, err := w.ExecContext(ctx, s.q(`UPDATE users SET password_hash = ?, password_changed_at = ? WHERE name = ?`), hash, w.now, name)
		if err != nil {
			return translate(err, "set password")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("user", name)
		}
		if _, err = w.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE user_name = ? AND id_hash <> ?`), name, keep); err != nil {
			return translate(err, "end sessions")
		}
		if err := s.clearAttempts(ctx, w, []auth.ThrottleKey{{Kind: auth.ThrottleVerify, Key: name}}); err != nil {
			return err
		}
		return w.audit(ctx, audit.PasswordChange, name, "")
	})
}

// StartSession stores a session, remembers the browser's device cookie,
// clears the attempt's throttle keys and records the sign-in, in one
// transaction.
func (s *Store) StartSession(ctx context.Context, n auth.NewSession) error {
	return s.write(ctx, func(w *wtx) error {
		if _, err := w.ExecContext(ctx, s.q(`INSERT INTO sessions (id_hash, user_name, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`),
			n.IDHash, n.User, n.CSRF, w.now, fmtTime(n.Expires)); err != nil {
			return translate(err, "create session")
		}
		if n.Device != "" {
			exp := fmtTime(w.at.Add(auth.DeviceTTL))
			res, err := w.ExecContext(ctx, s.q(`UPDATE login_devices SET expires_at = ? WHERE id_hash = ? AND user_name = ?`), exp, n.Device, n.User)
			if err != nil {
				return translate(err, "renew device")
			}
			if k, _ := res.RowsAffected(); k == 0 {
				if _, err := w.ExecContext(ctx, s.q(`INSERT INTO login_devices (id_hash, user_name, created_at, expires_at) VALUES (?, ?, ?, ?)`),
					n.Device, n.User, w.now, exp); err != nil {
					return translate(err, "remember device")
				}
			}
		}
		if err := s.clearAttempts(ctx, w, n.Clear); err != nil {
			return err
		}
		return w.audit(ctx, audit.Login, "session", "")
	})
}

// CreateSession stores a session without the rest of a sign-in (tests,
// tools). Prefer StartSession.
func (s *Store) CreateSession(ctx context.Context, idHash, user, csrf string, expires time.Time) error {
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO sessions (id_hash, user_name, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`),
		idHash, user, csrf, fmtTime(s.now()), fmtTime(expires))
	return translate(err, "create session")
}

// KnownDevice reports whether hash is a live device cookie of user.
func (s *Store) KnownDevice(ctx context.Context, hash, user string) (bool, error) {
	var n int
	err := s.r.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM login_devices WHERE id_hash = ? AND user_name = ? AND expires_at > ?`),
		hash, user, fmtTime(s.now())).Scan(&n)
	return n > 0, translate(err, "find device")
}

// FindSession returns the live session with that id hash of an enabled
// user. Returns EUNAUTHORIZED when there is none.
func (s *Store) FindSession(ctx context.Context, idHash string) (auth.Session, error) {
	var ses auth.Session
	var role, created, expires string
	err := s.r.QueryRowContext(ctx, s.q(`SELECT u.name, u.role, u.created_at, s.csrf, s.expires_at FROM sessions s JOIN users u ON u.name = s.user_name
		WHERE s.id_hash = ? AND s.expires_at > ? AND u.disabled = 0`), idHash, fmtTime(s.now())).
		Scan(&ses.User.Name, &role, &created, &ses.CSRF, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return ses, gdpr.Keyed(gdpr.EUNAUTHORIZED, "", "auth.signedout")
	}
	if err != nil {
		return ses, translate(err, "find session")
	}
	ses.User.Role = auth.Role(role)
	ses.User.Created, _ = parseTime(created)
	ses.Expires, err = parseTime(expires)
	return ses, err
}

// EndSession ends a session and records the sign-out.
func (s *Store) EndSession(ctx context.Context, idHash string) error {
	return s.write(ctx, func(w *wtx) error {
		if _, err := w.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE id_hash = ?`), idHash); err != nil {
			return translate(err, "end session")
		}
		return w.audit(ctx, audit.Logout, "session", "")
	})
}

// DeleteExpired removes sessions past their end, device cookies past
// theirs, and throttle counters whose last failure is older than keep
// (with it the client addresses they name).
func (s *Store) DeleteExpired(ctx context.Context, keep time.Duration) (int64, error) {
	now := s.now()
	var total int64
	for _, q := range []struct {
		sql string
		arg string
	}{
		{`DELETE FROM sessions WHERE expires_at <= ?`, fmtTime(now)},
		{`DELETE FROM login_devices WHERE expires_at <= ?`, fmtTime(now)},
		{`DELETE FROM login_throttle WHERE last_failure <= ?`, fmtTime(now.Add(-keep))},
	} {
		res, err := s.w.ExecContext(ctx, s.q(q.sql), q.arg)
		if err != nil {
			return total, translate(err, "purge")
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}

// CreateToken stores an API token by the hash of its secret. Returns
// ECONFLICT when the name is taken.
func (s *Store) CreateToken(ctx context.Context, name string, role auth.Role, hash string) error {
	return s.write(ctx, func(w *wtx) error {
		_, err := w.ExecContext(ctx, s.q(`INSERT INTO api_tokens (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)`), name, string(role), hash, w.now)
		if err != nil {
			if gdpr.ErrorCode(translate(err, "")) == gdpr.ECONFLICT {
				return gdpr.Keyed(gdpr.ECONFLICT, "", "conflict.exists.token", name)
			}
			return translate(err, "create token")
		}
		return w.audit(ctx, audit.TokenCreate, name, "role "+string(role))
	})
}

// FindToken returns the unrevoked token with that secret hash. It writes
// nothing: the time of use is recorded off the request path (TouchTokens).
// Returns EUNAUTHORIZED.
func (s *Store) FindToken(ctx context.Context, hash string) (auth.Token, error) {
	var t auth.Token
	var role, created string
	var used sql.NullString
	err := s.r.QueryRowContext(ctx, s.q(`SELECT name, role, created_at, last_used_at FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL`), hash).
		Scan(&t.Name, &role, &created, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return t, gdpr.Keyed(gdpr.EUNAUTHORIZED, "", "auth.token")
	}
	if err != nil {
		return t, translate(err, "find token")
	}
	t.Role = auth.Role(role)
	t.Created, _ = parseTime(created)
	if used.Valid {
		u, _ := parseTime(used.String)
		t.LastUsed = &u
	}
	return t, nil
}

// TouchTokens records when tokens were last used, a batch at a time.
func (s *Store) TouchTokens(ctx context.Context, used map[string]time.Time) error {
	if len(used) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *txn) error {
		stmt, err := tx.PrepareContext(ctx, s.q(`UPDATE api_tokens SET last_used_at = ? WHERE name = ? AND (last_used_at IS NULL OR last_used_at < ?)`))
		if err != nil {
			return translate(err, "note token use")
		}
		defer stmt.Close()
		for name, at := range used {
			if _, err := stmt.ExecContext(ctx, fmtTime(at), name, fmtTime(at)); err != nil {
				return translate(err, "note token use")
			}
		}
		return nil
	})
}

// ListTokens returns every token (never a secret) by name.
func (s *Store) ListTokens(ctx context.Context) ([]auth.Token, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, role, created_at, revoked_at, last_used_at FROM api_tokens ORDER BY name`)
	if err != nil {
		return nil, translate(err, "list tokens")
	}
	defer rows.Close()
	out := []auth.Token{}
	for rows.Next() {
		var t auth.Token
		var role, created string
		var revoked, used sql.NullString
		if err := rows.Scan(&t.Name, &role, &created, &revoked, &used); err != nil {
			return nil, translate(err, "list tokens")
		}
		t.Role = auth.Role(role)
		t.Created, _ = parseTime(created)
		if revoked.Valid {
			r, _ := parseTime(revoked.String)
			t.Revoked = &r
		}
		if used.Valid {
			u, _ := parseTime(used.String)
			t.LastUsed = &u
		}
		out = append(out, t)
	}
	return out, translate(rows.Err(), "list tokens")
}

// RevokeToken revokes a token. Returns ENOTFOUND for an unknown or already
// revoked one.
func (s *Store) RevokeToken(ctx context.Context, name string) error {
	return s.write(ctx, func(w *wtx) error {
		res, err := w.ExecContext(ctx, s.q(`UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL`), w.now, name)
		if err != nil {
			return translate(err, "revoke token")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return gdpr.Keyed(gdpr.ENOTFOUND, "", "notfound.token", name)
		}
		return w.audit(ctx, audit.TokenRevoke, name, "")
	})
}

// ReserveAttempt counts an attempt under keys before its password is
// checked, unless one of the keys refuses it now (policy). A refused
// attempt is counted apart, and the audit log gets one entry a minute per
// key about them (with how many), not one per request. The principal of
// ctx (the name as typed) is the audit entry's actor. All in one
// transaction, with the keys' rows locked on PostgreSQL: concurrent
// attempts are counted one after the other, so that no more than the
// policy allows reach the hash.
func (s *Store) ReserveAttempt(ctx context.Context, keys []auth.ThrottleKey, policy auth.Policy, action string) (auth.Attempt, error) {
	var out auth.Attempt
	err := s.write(ctx, func(w *wtx) error {
		counters, err := s.lockCounters(ctx, w, keys)
		if err != nil {
			return err
		}
		for _, k := range keys {
			c, until := policy[k.Kind].Next(counters[k.String()].Counter, w.at)
			counters[k.String()] = stateOf(counters[k.String()], c)
			if until.After(out.Until) {
				out.Until = until
			}
		}
		if !out.Allowed() {
			for _, k := range keys {
				st := counters[k.String()]
				if _, until := policy[k.Kind].Next(st.Counter, w.at); until.IsZero() {
					continue
				}
				st.refused++
				if st.auditedAt.IsZero() || w.at.Sub(st.auditedAt) >= time.Minute {
					if err := w.auditOutcome(ctx, action, "session", audit.Denied, fmt.Sprintf("throttled (%s): %d attempts refused", k.Kind, st.refused)); err != nil {
						return err
					}
					st.refused, st.auditedAt = 0, w.at
				}
				if _, err := w.ExecContext(ctx, s.q(`UPDATE login_throttle SET refused = ?, audited_at = ? WHERE key = ?`), st.refused, fmtAuditTime(st.auditedAt), k.String()); err != nil {
					return translate(err, "throttle")
				}
			}
			return nil
		}
		for _, k := range keys {
			c := counters[k.String()].Counter
			c.Failures++
			c.LastFailure = w.at
			if _, err := w.ExecContext(ctx, s.q(`UPDATE login_throttle SET failures = ?, last_failure = ? WHERE key = ?`), c.Failures, w.now, k.String()); err != nil {
				return translate(err, "throttle")
			}
		}
		return nil
	})
	return out, err
}

type counterState struct {
	auth.Counter
	refused   int
	auditedAt time.Time
}

func stateOf(st counterState, c auth.Counter) counterState { st.Counter = c; return st }

func fmtAuditTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmtTime(t)
}

// lockCounters makes sure a row exists for each key and reads them, locked
// for this transaction (SQLite's write transaction locks the file; on
// PostgreSQL FOR UPDATE, in key order so that two attempts never wait for
// each other).
func (s *Store) lockCounters(ctx context.Context, w *wtx, keys []auth.ThrottleKey) (map[string]counterState, error) {
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k.String()
		if _, err := w.ExecContext(ctx, s.q(`INSERT INTO login_throttle (key, failures, last_failure) VALUES (?, 0, ?) ON CONFLICT (key) DO NOTHING`), k.String(), w.now); err != nil {
			return nil, translate(err, "throttle")
		}
	}
	q := `SELECT key, failures, last_failure, refused, audited_at FROM login_throttle WHERE key IN (` + placeholders(len(keys)) + `) ORDER BY key`
	if s.dialect == postgres {
		q += " FOR UPDATE"
	}
	rows, err := w.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, translate(err, "throttle")
	}
	defer rows.Close()
	out := map[string]counterState{}
	for rows.Next() {
		var key, last, audited string
		var st counterState
		if err := rows.Scan(&key, &st.Failures, &last, &st.refused, &audited); err != nil {
			return nil, translate(err, "throttle")
		}
		st.LastFailure, _ = parseTime(last)
		if audited != "" {
			st.auditedAt, _ = parseTime(audited)
		}
		out[key] = st
	}
	return out, translate(rows.Err(), "throttle")
}

// ClearAttempts forgets the failures counted under keys (a success).
func (s *Store) ClearAttempts(ctx context.Context, keys []auth.ThrottleKey) error {
	return s.tx(ctx, func(tx *txn) error { return s.clearAttempts(ctx, tx, keys) })
}

func (s *Store) clearAttempts(ctx context.Context, q querier, keys []auth.ThrottleKey) error {
	for _, k := range keys {
		if _, err := q.ExecContext(ctx, s.q(`DELETE FROM login_throttle WHERE key = ?`), k.String()); err != nil {
			return translate(err, "throttle")
		}
	}
	return nil
}
