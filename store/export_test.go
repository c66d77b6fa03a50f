package store

import (
	"database/sql"
	"time"
)

// RawDB exposes the writer pool to the tests (not part of the API).
func RawDB(s *Store) *sql.DB { return s.w }

// testingNow is the monotonic clock in nanoseconds, for benchmark phases.
func TestingNow() int64 { return time.Since(start).Nanoseconds() }

var start = time.Now()
