package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	sqlitedrv "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"gdpr"
)

// This file is the one place where driver errors become the engine's
// codes: by SQLSTATE (PostgreSQL) and result code (SQLite), never by the
// text of a message, which changes with versions and locales.

// SQLSTATEs of PostgreSQL that are not bugs.
const (
	pgUniqueViolation      = "23505"
	pgForeignKeyViolation  = "23503"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
	pgLockNotAvailable     = "55P03"
	pgQueryCanceled        = "57014"
)

// translate wraps err with what was being done and gives it a code:
// ECONFLICT for unique violations (the entry exists already) and for
// concurrent transactions that lost (serialization failure, deadlock, a
// busy SQLite file: the caller may retry); everything else stays internal.
// Errors that carry a code already pass unchanged, and so does a cancelled
// context.
func translate(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	var ge *gdpr.Error
	if errors.As(err, &ge) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	what := fmt.Sprintf(format, args...)
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case pgUniqueViolation:
			return &codedError{gdpr.ECONFLICT, what + ": exists already", "store.exists", err}
		case pgSerializationFailure, pgDeadlockDetected, pgLockNotAvailable:
			return &codedError{gdpr.ECONFLICT, what + ": changed by someone else at the same time; try again", "store.race", err}
		case pgForeignKeyViolation:
			return &codedError{gdpr.EINVALID, what + ": refers to an entry that does not exist", "store.dangling", err}
		case pgQueryCanceled:
			return fmt.Errorf("%s: %w", what, context.Canceled)
		}
	}
	var se *sqlitedrv.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &codedError{gdpr.ECONFLICT, what + ": exists already", "store.exists", err}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &codedError{gdpr.EINVALID, what + ": refers to an entry that does not exist", "store.dangling", err}
		}
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return &codedError{gdpr.ECONFLICT, what + ": the store is busy; try again", "store.busy", err}
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// codedError is a driver error with the engine's code and a message that
// is safe to show; the driver's own error stays reachable for logs.
type codedError struct {
	code, msg string
	key       string // the message in the catalogue, for the user's language
	err       error
}

func (e *codedError) Error() string               { return e.msg }
func (e *codedError) ErrorCode() string           { return e.code }
func (e *codedError) MessageKey() (string, []any) { return e.key, nil }
func (e *codedError) Unwrap() error               { return e.err }
