package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"gdpr"
)

// BackupExt is the file name extension of a backup of this store: a
// SQLite file, or PostgreSQL's custom dump format.
func (s *Store) BackupExt() string {
	if s.dialect == postgres {
		return ".pgdump"
	}
	return ".db"
}

// Backup writes a consistent copy of the store to path, online: SQLite's
// VACUUM INTO (a compacted copy: no free pages, so nothing deleted lives
// on in it), PostgreSQL through pg_dump. The file is created readable by
// its owner only; path must not exist.
func (s *Store) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return gdpr.Keyed(gdpr.ECONFLICT, "", "backup.exists", path)
	}
	if s.dialect == postgres {
		bin, err := exec.LookPath("pg_dump")
		if err != nil {
			return gdpr.Keyed(gdpr.EINVALID, "", "backup.pgdump")
		}
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		f.Close()
		// The schema of this store only (a search_path in the URL names
		// it), in the custom format pg_restore reads.
		args := []string{"--format=custom", "--no-owner", "--file=" + path}
		if sp := searchPath(s.dsn); sp != "" {
			args = append(args, "--schema="+sp)
		}
		cmd := exec.CommandContext(ctx, bin, append(args, pgDumpDSN(s.dsn))...)
		if out, err := cmd.CombinedOutput(); err != nil {
			os.Remove(path)
			return fmt.Errorf("pg_dump: %w: %s", err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	if _, err := s.w.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		os.Remove(path)
		return fmt.Errorf("backup: %w", err)
	}
	return os.Chmod(path, 0o600)
}

// searchPath returns the search_path a PostgreSQL URL names, if any.
func searchPath(dsn string) string {
	_, q, ok := strings.Cut(dsn, "?")
	if !ok {
		return ""
	}
	for _, kv := range strings.Split(q, "&") {
		if v, ok := strings.CutPrefix(kv, "search_path="); ok {
			return v
		}
	}
	return ""
}

// pgDumpDSN is the URL without the parameters pg_dump does not know.
func pgDumpDSN(dsn string) string {
	base, q, ok := strings.Cut(dsn, "?")
	if !ok {
		return dsn
	}
	var keep []string
	for _, kv := range strings.Split(q, "&") {
		if !strings.HasPrefix(kv, "search_path=") {
			keep = append(keep, kv)
		}
	}
	if len(keep) == 0 {
		return base
	}
	return base + "?" + strings.Join(keep, "&")
}

// VerifyBackup checks that a backup file can be read back: a SQLite copy
// passes its integrity check and holds the store's tables; a PostgreSQL
// dump is listed by pg_restore.
func VerifyBackup(ctx context.Context, path string) error {
	if strings.HasSuffix(path, ".pgdump") {
		bin, err := exec.LookPath("pg_restore")
		if err != nil {
			return gdpr.Keyed(gdpr.EINVALID, "", "backup.pgdump")
		}
		if out, err := exec.CommandContext(ctx, bin, "--list", path).CombinedOutput(); err != nil || !strings.Contains(string(out), "vault_subjects") {
			return gdpr.Keyed(gdpr.EINVALID, "", "backup.damaged", path, strings.TrimSpace(string(out)))
		}
		return nil
	}
	if _, err := os.Stat(path); err != nil {
		return gdpr.Keyed(gdpr.ENOTFOUND, "", "backup.missing", path)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=query_only(1)")
	if err != nil {
		return err
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		if err != nil {
			res = err.Error()
		}
		return gdpr.Keyed(gdpr.EINVALID, "", "backup.damaged", path, res)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('activities', 'revisions', 'audit', 'vault_subjects')").Scan(&n); err != nil || n != 4 {
		return gdpr.Keyed(gdpr.EINVALID, "", "backup.damaged", path, errors.New("tables missing").Error())
	}
	return nil
}
