package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
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

// attackRows is how many rows one INSERT carries: fewer statements for a
// burst of attack lines, well below SQLite's parameter limit.
const attackRows = 200

// AddAttacks seals and stores attack lines in one transaction.
func (s *Store) AddAttacks(ctx context.Context, box *seal.Box, source string, as []NewAttack) error {
	now := fmtTime(s.now())
	rnd := make([]byte, 10*len(as))
	if _, err := rand.Read(rnd); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		for start := 0; start < len(as); start += attackRows {
			batch := as[start:min(start+attackRows, len(as))]
			var q strings.Builder
			q.WriteString("INSERT INTO attacks (id, seen_at, detector, source, sealed) VALUES ")
			args := make([]any, 0, 5*len(batch))
			for k, a := range batch {
				id := now + "-" + hex.EncodeToString(rnd[10*(start+k):10*(start+k+1)])
				sealed, err := box.Seal(a.Line, []byte(id))
				if err != nil {
					return err
				}
				if k > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?, ?, ?, ?)")
				args = append(args, id, now, a.Detector, source, base64.StdEncoding.EncodeToString(sealed))
			}
			if _, err := tx.ExecContext(ctx, s.q(q.String()), args...); err != nil {
				return fmt.Errorf("store attacks: %w", err)
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
	// Ids start with the fixed-width time seen: the primary key does the
	// range scan.
	res, err := s.w.ExecContext(ctx, s.q(`DELETE FROM attacks WHERE id < ?`), fmtTime(before))
	if err != nil {
		return 0, fmt.Errorf("purge attacks: %w", err)
	}
	return res.RowsAffected()
}

// PurgeExpiredAttacks deletes attack lines seen more than retention ago by
// the store's clock (injected in tests).
func (s *Store) PurgeExpiredAttacks(ctx context.Context, retention time.Duration) (int64, error) {
	return s.PurgeAttacks(ctx, s.now().Add(-retention))
}
