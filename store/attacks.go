package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"

	"gdpr/seal"
)

// AttackEntry is one stored attack line.
type AttackEntry struct {
	ID       string    `json:"id"`
	SeenAt   time.Time `json:"seen_at"`
	Detector string    `json:"detector"`
	Source   string    `json:"source"`
	Line     string    `json:"line,omitempty"` // only when opened with the key
}

// NewAttack is an attack line to store.
type NewAttack struct {
	Detector string
	Line     []byte
}

// AddAttacks seals and stores attack lines in one transaction.
func (s *Store) AddAttacks(ctx context.Context, box *seal.Box, source string, as []NewAttack) error {
	now := s.now()
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, a := range as {
			b := make([]byte, 10)
			rand.Read(b)
			id := fmtTime(now) + "-" + hex.EncodeToString(b)
			sealed, err := box.Seal(a.Line, []byte(id))
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO attacks (id, seen_at, detector, source, sealed) VALUES (?, ?, ?, ?, ?)`),
				id, fmtTime(now), a.Detector, source, base64.StdEncoding.EncodeToString(sealed)); err != nil {
				return fmt.Errorf("store attack: %w", err)
			}
		}
		return nil
	})
}

// FindAttacks lists attack entries, newest first; with a box it opens the
// lines too.
func (s *Store) FindAttacks(ctx context.Context, box *seal.Box, limit int) ([]AttackEntry, error) {
	q := `SELECT id, seen_at, detector, source, sealed FROM attacks ORDER BY id DESC`
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := s.r.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list attacks: %w", err)
	}
	defer rows.Close()
	out := []AttackEntry{}
	for rows.Next() {
		var e AttackEntry
		var seen, sealed string
		if err := rows.Scan(&e.ID, &seen, &e.Detector, &e.Source, &sealed); err != nil {
			return nil, err
		}
		e.SeenAt, _ = parseTime(seen)
		if box != nil {
			raw, err := base64.StdEncoding.DecodeString(sealed)
			if err != nil {
				return nil, fmt.Errorf("attack %s: %w", e.ID, err)
			}
			line, err := box.Open(raw, []byte(e.ID))
			if err != nil {
				return nil, fmt.Errorf("attack %s: %w", e.ID, err)
			}
			e.Line = string(line)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// PurgeAttacks deletes entries seen before the cutoff and returns how many.
// SQLite runs with secure_delete, so the sealed bytes are overwritten too.
func (s *Store) PurgeAttacks(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, s.q(`DELETE FROM attacks WHERE seen_at < ?`), fmtTime(before))
	if err != nil {
		return 0, fmt.Errorf("purge attacks: %w", err)
	}
	return res.RowsAffected()
}
