package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"gdpr"
	"gdpr/auth"
)

func isUnique(err error) bool {
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "unique") || strings.Contains(s, "duplicate key")
}

// CreateUser adds a user. Returns ECONFLICT when the name is taken.
func (s *Store) CreateUser(ctx context.Context, name string, role auth.Role, hash string) error {
	now := fmtTime(s.now())
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO users (name, role, password_hash, disabled, created_at, password_changed_at) VALUES (?, ?, ?, 0, ?, ?)`),
		name, string(role), hash, now, now)
	if err != nil {
		if isUnique(err) {
			return gdpr.Errorf(gdpr.ECONFLICT, "user %q exists already", name)
		}
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

// FindUser returns a user and its password hash. Returns ENOTFOUND.
func (s *Store) FindUser(ctx context.Context, name string) (auth.User, string, error) {
	var u auth.User
	var role, hash, created string
	var disabled int
	err := s.r.QueryRowContext(ctx, s.q(`SELECT name, role, password_hash, disabled, created_at FROM users WHERE name = ?`), name).
		Scan(&u.Name, &role, &hash, &disabled, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return u, "", gdpr.Errorf(gdpr.ENOTFOUND, "user %q not found", name)
	}
	if err != nil {
		return u, "", fmt.Errorf("find user: %w", err)
	}
	u.Role, u.Disabled = auth.Role(role), disabled != 0
	u.Created, err = parseTime(created)
	return u, hash, err
}

// ListUsers returns every user by name.
func (s *Store) ListUsers(ctx context.Context) ([]auth.User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, role, disabled, created_at FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	out := []auth.User{}
	for rows.Next() {
		var u auth.User
		var role, created string
		var disabled int
		if err := rows.Scan(&u.Name, &role, &disabled, &created); err != nil {
			return nil, err
		}
		u.Role, u.Disabled = auth.Role(role), disabled != 0
		if u.Created, err = parseTime(created); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CountUsers counts enabled users.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE disabled = 0`).Scan(&n)
	return n, err
}

func (s *Store) execOne(ctx context.Context, notFoundMsg, query string, args ...any) error {
	res, err := s.w.ExecContext(ctx, s.q(query), args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return gdpr.Errorf(gdpr.ENOTFOUND, "%s", notFoundMsg)
	}
	return nil
}

// SetUserDisabled disables (or enables) a user; disabling ends its
// sessions. Returns ENOTFOUND.
func (s *Store) SetUserDisabled(ctx context.Context, name string, disabled bool) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		d := 0
		if disabled {
			d = 1
		}
		res, err := tx.ExecContext(ctx, s.q(`UPDATE users SET disabled = ? WHERE name = ?`), d, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return gdpr.Errorf(gdpr.ENOTFOUND, "user %q not found", name)
		}
		if disabled {
			_, err = tx.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE user_name = ?`), name)
		}
		return err
	})
}

// SetPassword replaces a user's password hash and ends every session of
// the user except keep (a session id hash, or ""). Returns ENOTFOUND.
func (s *Store) SetPassword(ctx context.Context, name, hash, keep string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE users SET password_hash = ?, password_changed_at = ? WHERE name = ?`), hash, fmtTime(s.now()), name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return gdpr.Errorf(gdpr.ENOTFOUND, "user %q not found", name)
		}
		_, err = tx.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE user_name = ? AND id_hash <> ?`), name, keep)
		return err
	})
}

// CreateSession stores a session by the hash of its id.
func (s *Store) CreateSession(ctx context.Context, idHash, user, csrf string, expires time.Time) error {
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO sessions (id_hash, user_name, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`),
		idHash, user, csrf, fmtTime(s.now()), fmtTime(expires))
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
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
		return ses, gdpr.Errorf(gdpr.EUNAUTHORIZED, "not signed in")
	}
	if err != nil {
		return ses, fmt.Errorf("find session: %w", err)
	}
	ses.User.Role = auth.Role(role)
	ses.User.Created, _ = parseTime(created)
	ses.Expires, err = parseTime(expires)
	return ses, err
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	_, err := s.w.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE id_hash = ?`), idHash)
	return err
}

// DeleteExpiredSessions removes sessions past their end.
func (s *Store) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res, err := s.w.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE expires_at <= ?`), fmtTime(s.now()))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// CreateToken stores an API token by the hash of its secret. Returns
// ECONFLICT when the name is taken.
func (s *Store) CreateToken(ctx context.Context, name string, role auth.Role, hash string) error {
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO api_tokens (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)`), name, string(role), hash, fmtTime(s.now()))
	if err != nil {
		if isUnique(err) {
			return gdpr.Errorf(gdpr.ECONFLICT, "token %q exists already", name)
		}
		return fmt.Errorf("create token: %w", err)
	}
	return nil
}

// FindToken returns the unrevoked token with that secret hash and notes its
// use. Returns EUNAUTHORIZED.
func (s *Store) FindToken(ctx context.Context, hash string) (auth.Token, error) {
	var t auth.Token
	var role, created string
	err := s.r.QueryRowContext(ctx, s.q(`SELECT name, role, created_at FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL`), hash).Scan(&t.Name, &role, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return t, gdpr.Errorf(gdpr.EUNAUTHORIZED, "invalid or revoked token")
	}
	if err != nil {
		return t, fmt.Errorf("find token: %w", err)
	}
	t.Role = auth.Role(role)
	t.Created, _ = parseTime(created)
	now := s.now()
	t.LastUsed = &now
	if _, err := s.w.ExecContext(ctx, s.q(`UPDATE api_tokens SET last_used_at = ? WHERE name = ?`), fmtTime(now), t.Name); err != nil {
		return t, fmt.Errorf("note token use: %w", err)
	}
	return t, nil
}

// ListTokens returns every token (never a secret) by name.
func (s *Store) ListTokens(ctx context.Context) ([]auth.Token, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, role, created_at, revoked_at, last_used_at FROM api_tokens ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	out := []auth.Token{}
	for rows.Next() {
		var t auth.Token
		var role, created string
		var revoked, used sql.NullString
		if err := rows.Scan(&t.Name, &role, &created, &revoked, &used); err != nil {
			return nil, err
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
	return out, rows.Err()
}

// RevokeToken revokes a token. Returns ENOTFOUND for an unknown or already
// revoked one.
func (s *Store) RevokeToken(ctx context.Context, name string) error {
	return s.execOne(ctx, fmt.Sprintf("token %q not found or revoked already", name),
		`UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL`, fmtTime(s.now()), name)
}

// Audit appends an entry to the audit log; the time is the store's now.
func (s *Store) Audit(ctx context.Context, e auth.AuditEntry) error {
	b := make([]byte, 8)
	rand.Read(b)
	now := s.now()
	id := fmtTime(now) + "-" + hex.EncodeToString(b)
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO audit (id, at, actor, action, target, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		id, fmtTime(now), e.Actor, e.Action, e.Target, e.Outcome, e.Detail)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// FindAudit returns audit entries, newest first, and their total.
func (s *Store) FindAudit(ctx context.Context, limit, offset int) ([]auth.AuditEntry, int, error) {
	var total int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit`).Scan(&total); err != nil {
		return nil, 0, err
	}
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.r.QueryContext(ctx, fmt.Sprintf(`SELECT at, actor, action, target, outcome, detail FROM audit ORDER BY id DESC LIMIT %d OFFSET %d`, limit, max(offset, 0)))
	if err != nil {
		return nil, 0, fmt.Errorf("list audit: %w", err)
	}
	defer rows.Close()
	out := []auth.AuditEntry{}
	for rows.Next() {
		var e auth.AuditEntry
		var at string
		if err := rows.Scan(&at, &e.Actor, &e.Action, &e.Target, &e.Outcome, &e.Detail); err != nil {
			return nil, 0, err
		}
		e.At, _ = parseTime(at)
		out = append(out, e)
	}
	return out, total, rows.Err()
}
