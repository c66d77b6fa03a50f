package store

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/s2"

	"gdpr/logscrub"
	"gdpr/seal"
)

// codecS2 marks a batch whose length-prefixed lines are one S2 block.
const codecS2 = "s2"

// batchAD is the associated data a batch is sealed with: its id, and the
// codec for compressed batches, so that neither can be swapped for
// another row's.
func batchAD(id, codec string) []byte {
	if codec == "" {
		return []byte(id)
	}
	return []byte(id + "/" + codec)
}

// AttackEntry is one stored attack line.
type AttackEntry struct {
	ID       string    `json:"id"`
	SeenAt   time.Time `json:"seen_at"`
	Detector string    `json:"detector"`
	Source   string    `json:"source"`
	Line     string    `json:"line,omitempty"` // only when opened with the key
}

// AddAttacks seals the lines together and stores them as one batch: one
// row, one seal, one insert for a chunk's attack lines. Each line remains
// an entry of its own (id "batch/n") for listing, export and purge.
//
// seen is the batch's time, from which its retention runs
// (logscrub.KeepAttacks gives the time of its oldest line); zero means now
// by the store's clock. The lines are compressed before sealing (S2, about
// five times smaller on server logs at over 1 GB/s): the store's page
// writes cost more than the compression.
func (s *Store) AddAttacks(ctx context.Context, box *seal.Box, source string, seen time.Time, as []logscrub.Attack) error {
	if len(as) == 0 {
		return nil
	}
	for _, a := range as {
		if a.Detector == "" || strings.ContainsAny(a.Detector, "\n\r") {
			return fmt.Errorf("store attacks: bad detector name %q", a.Detector)
		}
	}
	if seen.IsZero() {
		seen = s.now()
	}
	at := fmtTime(seen)
	var rnd [10]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return err
	}
	id := at + "-" + hex.EncodeToString(rnd[:])
	size := 0
	dets := make([]string, len(as))
	for i, a := range as {
		size += binary.MaxVarintLen64 + len(a.Line)
		dets[i] = a.Detector
	}
	plain := make([]byte, 0, size)
	for _, a := range as {
		plain = binary.AppendUvarint(plain, uint64(len(a.Line)))
		plain = append(plain, a.Line...)
	}
	packed := s2.Encode(nil, plain)
	clear(plain)
	sealed, err := box.Seal(packed, batchAD(id, codecS2))
	clear(packed)
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, s.q(`INSERT INTO attack_batches (id, seen_at, source, detectors, codec, sealed) VALUES (?, ?, ?, ?, ?, ?)`),
		id, at, source, strings.Join(dets, "\n"), codecS2, sealed)
	if err != nil {
		return fmt.Errorf("store attacks: %w", err)
	}
	return nil
}

// FindAttacks lists attack entries, newest first (limit 0: all); with a
// box it opens the lines too.
func (s *Store) FindAttacks(ctx context.Context, box *seal.Box, limit int) ([]AttackEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, seen_at, source, detectors, codec, sealed FROM attack_batches ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list attacks: %w", err)
	}
	defer rows.Close()
	out := []AttackEntry{}
	for rows.Next() && (limit <= 0 || len(out) < limit) {
		var id, seen, source, dets, codec string
		var sealed []byte
		if err := rows.Scan(&id, &seen, &source, &dets, &codec, &sealed); err != nil {
			return nil, err
		}
		at, _ := parseTime(seen)
		names := strings.Split(dets, "\n")
		var lines []string
		if box != nil {
			if lines, err = openBatch(box, id, codec, sealed, len(names)); err != nil {
				return nil, err
			}
		}
		// Newest first within the batch too.
		for k := len(names) - 1; k >= 0 && (limit <= 0 || len(out) < limit); k-- {
			e := AttackEntry{ID: id + "/" + strconv.Itoa(k+1), SeenAt: at, Detector: names[k], Source: source}
			if lines != nil {
				e.Line = lines[k]
			}
			out = append(out, e)
		}
	}
	return out, rows.Err()
}

// openBatch decrypts a batch, uncompresses it and splits it into its n
// lines.
func openBatch(box *seal.Box, id, codec string, sealed []byte, n int) ([]string, error) {
	plain, err := box.Open(sealed, batchAD(id, codec))
	if err != nil {
		return nil, fmt.Errorf("attack batch %s: %w", id, err)
	}
	switch codec {
	case "":
	case codecS2:
		packed := plain
		if plain, err = s2.Decode(nil, packed); err != nil {
			return nil, fmt.Errorf("attack batch %s: damaged: %w", id, err)
		}
		clear(packed)
		defer clear(plain)
	default:
		return nil, fmt.Errorf("attack batch %s: unknown codec %q", id, codec)
	}
	lines := make([]string, 0, n)
	for len(plain) > 0 {
		l, w := binary.Uvarint(plain)
		if w <= 0 || uint64(len(plain)-w) < l {
			return nil, fmt.Errorf("attack batch %s: damaged", id)
		}
		lines = append(lines, string(plain[w:w+int(l)]))
		plain = plain[w+int(l):]
	}
	if len(lines) != n {
		return nil, fmt.Errorf("attack batch %s: %d lines for %d detectors", id, len(lines), n)
	}
	return lines, nil
}

// PurgeAttacks deletes the entries seen before the cutoff and returns how
// many. A batch's lines share one time, so whole rows go; SQLite runs with
// secure_delete, so the sealed bytes are overwritten too.
func (s *Store) PurgeAttacks(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *txn) error {
		// Ids start with the fixed-width time seen: the primary key does
		// the range scan.
		rows, err := tx.QueryContext(ctx, s.q(`SELECT detectors FROM attack_batches WHERE id < ?`), fmtTime(before))
		if err != nil {
			return err
		}
		for rows.Next() {
			var dets string
			if err := rows.Scan(&dets); err != nil {
				rows.Close()
				return err
			}
			n += int64(strings.Count(dets, "\n") + 1)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`DELETE FROM attack_batches WHERE id < ?`), fmtTime(before))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge attacks: %w", err)
	}
	return n, nil
}

// PurgeExpiredAttacks deletes attack lines seen more than retention ago by
// the store's clock (injected in tests).
func (s *Store) PurgeExpiredAttacks(ctx context.Context, retention time.Duration) (int64, error) {
	return s.PurgeAttacks(ctx, s.now().Add(-retention))
}
