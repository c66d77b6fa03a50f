package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/locale"
)

// LogStore is what the tamper-evident log's use cases need of storage.
type LogStore interface {
	CheckLog(ctx context.Context, c *audit.Checker) error
	LogHead(ctx context.Context) (audit.Head, error)
	ProveEntry(ctx context.Context, ref string) (audit.Proof, error)
}

// Exported is a checkpoint kept outside the store (a file, a PDF
// export's last page), named by where it came from.
type Exported struct {
	Source, Signed string
}

func (a *App) logStore() (LogStore, error) {
	ls, ok := a.store.(LogStore)
	if !ok {
		return nil, gdpr.Keyed(gdpr.EINVALID, "", "log.unsupported")
	}
	return ls, nil
}

// VerifyLog recomputes the log from its leaves and rows and checks it
// against the store's checkpoints and the exported ones. Anyone who may
// read the register may check it: the result names entries by id, never
// what they say. The check itself is recorded.
func (a *App) VerifyLog(ctx context.Context, exported []Exported) (LogCheck, error) {
	if _, err := auth.Require(ctx, auth.Read); err != nil {
		return LogCheck{}, err
	}
	ls, err := a.logStore()
	if err != nil {
		return LogCheck{}, err
	}
	if a.vault.LogVerifier == nil {
		return LogCheck{}, gdpr.Keyed(gdpr.EINVALID, "public-key", "log.nopublic")
	}
	c := audit.NewChecker(a.vault.LogVerifier)
	for _, e := range exported {
		c.Checkpoint(e.Signed, e.Source, false)
	}
	if err := ls.CheckLog(ctx, c); err != nil {
		return LogCheck{}, err
	}
	res := LogCheck{Result: c.Result()}
	// Changes of the triggers seen while the engine ran are entries of
	// the log itself: shown with every check, though the log verifies.
	if res.SchemaChanges, _, err = a.store.FindAudit(ctx, audit.Filter{Action: audit.LogSchema, Limit: 20}); err != nil {
		return LogCheck{}, err
	}
	outcome, detail := audit.OK, fmt.Sprintf("leaves %d", res.Leaves)
	if !res.OK() {
		outcome, detail = audit.Failed, fmt.Sprintf("leaves %d, problems %d", res.Leaves, res.Count)
	}
	if err := a.auditNow(ctx, audit.Entry{Action: audit.LogVerify, Target: "log", Outcome: outcome, Detail: detail}); err != nil {
		return LogCheck{}, err
	}
	return res, nil
}

// LogCheck is the result of a check with the schema changes the log
// recorded.
type LogCheck struct {
	audit.Result
	SchemaChanges []audit.Entry `json:"schema_changes"`
}

// ProblemText says one finding of a log check in lang, naming the entry
// as a reader knows it (a revision by its kind, id and version; an audit
// entry by its id).
func ProblemText(lang locale.Lang, p audit.Problem) string {
	switch p.Kind {
	case audit.ProblemRoot, audit.ProblemTruncated:
		return locale.T(lang, "log.problem."+p.Kind, p.Source, p.Size, p.From)
	case audit.ProblemUnsigned:
		if p.From == 0 {
			return locale.T(lang, "log.problem.nocheckpoint", p.Size)
		}
		return locale.T(lang, "log.problem.unsigned", p.From, p.Size)
	case audit.ProblemSignature, audit.ProblemCheckpoint:
		return locale.T(lang, "log.problem."+p.Kind, p.Source)
	case audit.ProblemSchema:
		return locale.T(lang, "log.problem.schema")
	case audit.ProblemState:
		return locale.T(lang, "log.problem.state", p.Size)
	case audit.ProblemUnlogged:
		return locale.T(lang, "log.problem.unlogged", RefText(lang, p.Ref))
	}
	return locale.T(lang, "log.problem."+p.Kind, p.Index, RefText(lang, p.Ref))
}

// RefText names a log entry's row for a reader: "Version 3 der
// Verarbeitungstätigkeit „kundenverwaltung“", or the audit entry's id.
func RefText(lang locale.Lang, ref string) string {
	parts := strings.Split(ref, "/")
	if len(parts) >= 3 && locale.Has("value.entity."+parts[0]) {
		if v, err := strconv.Atoi(parts[len(parts)-1]); err == nil {
			return locale.T(lang, "log.ref.revision", v, locale.T(lang, "value.entity."+parts[0]), strings.Join(parts[1:len(parts)-1], "/"))
		}
	}
	return locale.T(lang, "log.ref.audit", ref)
}

// LogHead returns the log's size and its newest signed checkpoint, to be
// copied out of the database (gdpr audit checkpoint, PDF exports).
func (a *App) LogHead(ctx context.Context) (audit.Head, error) {
	if _, err := auth.Require(ctx, auth.Read); err != nil {
		return audit.Head{}, err
	}
	ls, err := a.logStore()
	if err != nil {
		return audit.Head{}, err
	}
	return ls.LogHead(ctx)
}

// ProveEntry returns the inclusion proof of one entry: an audit id, or a
// revision as "entity/id/version". The proof carries the entry's fields,
// so it needs what reading the audit log needs.
func (a *App) ProveEntry(ctx context.Context, ref string) (audit.Proof, error) {
	if _, err := auth.Require(ctx, auth.Manage); err != nil {
		return audit.Proof{}, err
	}
	ls, err := a.logStore()
	if err != nil {
		return audit.Proof{}, err
	}
	p, err := ls.ProveEntry(ctx, ref)
	if err != nil {
		return audit.Proof{}, a.record(ctx, audit.LogProve, ref, err)
	}
	if err := a.auditNow(ctx, audit.Entry{Action: audit.LogProve, Target: ref, Outcome: audit.OK}); err != nil {
		return audit.Proof{}, err
	}
	return p, nil
}

// LogStatus is what the Schlüssel & Protokoll page shows of the log and
// of the keys' and backups' upkeep, each from the log itself.
type LogStatus struct {
	Head audit.Head
	// Signed is the newest checkpoint's content; nil while unsigned.
	Signed *audit.Checkpoint
	// The newest entry of each: key rotation, backup, check (nil: none).
	LastRotation, LastBackup, LastVerify *audit.Entry
}

// LogStatus reports the log's head and the newest rotation, backup and
// check. Admins only (it reads the audit log).
func (a *App) LogStatus(ctx context.Context) (LogStatus, error) {
	if _, err := auth.Require(ctx, auth.Manage); err != nil {
		return LogStatus{}, err
	}
	ls, err := a.logStore()
	if err != nil {
		return LogStatus{}, err
	}
	var st LogStatus
	if st.Head, err = ls.LogHead(ctx); err != nil {
		return LogStatus{}, err
	}
	if st.Head.Checkpoint != "" && a.vault.LogVerifier != nil {
		if cp, err := audit.Open(st.Head.Checkpoint, a.vault.LogVerifier); err == nil {
			st.Signed = &cp
		}
	}
	for _, x := range []struct {
		action string
		into   **audit.Entry
	}{{audit.VaultRewrap, &st.LastRotation}, {audit.BackupCreate, &st.LastBackup}, {audit.LogVerify, &st.LastVerify}} {
		es, _, err := a.store.FindAudit(ctx, audit.Filter{Action: x.action, Limit: 1})
		if err != nil {
			return LogStatus{}, err
		}
		if len(es) > 0 {
			*x.into = &es[0]
		}
	}
	return st, nil
}
