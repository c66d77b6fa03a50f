package app

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/period"
)

// DefaultBackupRetention keeps backups a week, as the seeds' hosting
// companies keep their database backups.
var DefaultBackupRetention = period.MustParse("P7D")

// Backuper is what the backup use cases need of storage.
type Backuper interface {
	Backup(ctx context.Context, path string) error
	BackupExt() string
}

// BackupInfo is one backup file.
type BackupInfo struct {
	Name string    `json:"name"`
	At   time.Time `json:"at"`
	Size int64     `json:"size"`
}

// backupPrefix and backupTime name backup files by when they were made,
// so that list and prune read the time from the name, not from a clock of
// the file system.
const (
	backupPrefix = "gdpr-"
	backupTime   = "20060102T150405Z"
)

// CreateBackup writes a consistent backup of the store into dir (made
// 0700) and returns its name. Admins only; recorded in the audit log.
func (a *App) CreateBackup(ctx context.Context, dir string) (string, error) {
	if _, err := a.require(ctx, auth.Manage, audit.BackupCreate, dir); err != nil {
		return "", err
	}
	b, ok := a.store.(Backuper)
	if !ok {
		return "", gdpr.Keyed(gdpr.EINVALID, "", "backup.unsupported")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", gdpr.Keyed(gdpr.EINVALID, "dir", "cli.wrap", dir, err)
	}
	name := backupPrefix + a.now().UTC().Format(backupTime) + b.BackupExt()
	if err := b.Backup(ctx, filepath.Join(dir, name)); err != nil {
		return "", a.record(ctx, audit.BackupCreate, name, err)
	}
	a.audit(ctx, audit.Entry{Action: audit.BackupCreate, Target: name, Outcome: audit.OK})
	return name, nil
}

// ListBackups returns the backups in dir, oldest first.
func (a *App) ListBackups(ctx context.Context, dir string) ([]BackupInfo, error) {
	if _, err := auth.Require(ctx, auth.Manage); err != nil {
		return nil, err
	}
	es, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return nil, gdpr.Keyed(gdpr.EINVALID, "dir", "cli.wrap", dir, err)
	}
	out := []BackupInfo{}
	for _, e := range es {
		stamp, ok := strings.CutPrefix(e.Name(), backupPrefix)
		if !ok || e.IsDir() {
			continue
		}
		at, err := time.Parse(backupTime, strings.TrimSuffix(strings.TrimSuffix(stamp, ".db"), ".pgdump"))
		if err != nil {
			continue // not one of ours
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		out = append(out, BackupInfo{Name: e.Name(), At: at, Size: fi.Size()})
	}
	slices.SortFunc(out, func(x, y BackupInfo) int { return x.At.Compare(y.At) })
	return out, nil
}

// PruneBackups deletes the backups in dir older than keep (by the clock
// of the App) and returns their names. Admins only; recorded.
func (a *App) PruneBackups(ctx context.Context, dir string, keep period.Period) ([]string, error) {
	if _, err := a.require(ctx, auth.Manage, audit.BackupPrune, dir); err != nil {
		return nil, err
	}
	bs, err := a.ListBackups(ctx, dir)
	if err != nil {
		return nil, err
	}
	now := a.now()
	removed := []string{}
	for _, b := range bs {
		if keep.AddTo(b.At).After(now) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, b.Name)); err != nil {
			return removed, gdpr.Keyed(gdpr.EINVALID, "dir", "cli.wrap", b.Name, err)
		}
		removed = append(removed, b.Name)
	}
	a.audit(ctx, audit.Entry{Action: audit.BackupPrune, Target: dir, Outcome: audit.OK, Detail: strings.Join(removed, ",")})
	return removed, nil
}
