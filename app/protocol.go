package app

import (
	"context"
	"io"
	"regexp"
	"slices"
	"strconv"
	"time"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/export"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/retention"
	"strings"
)

// batchDetail reads a sweep.batch entry's detail (see sweep.Entry).
var batchDetail = regexp.MustCompile(`^(\S+) rows (\d+) of (\d+) rule (\S+) keys sha256:([0-9a-f]+)(?: backups-clear (\S+))?$`)

// SweepProtocol is the deletion protocol of the days from to to
// (inclusive, Europe/Berlin): the sweep batches of the audit log in time
// order. It holds no personal data; every role that reads may read it.
func (a *App) SweepProtocol(ctx context.Context, from, to register.Date, lang locale.Lang) (*export.Protocol, error) {
	if _, err := auth.Require(ctx, auth.Read); err != nil {
		return nil, err
	}
	start := retention.Day(from.Year, time.Month(from.Month), from.Day)
	end := retention.Day(to.Year, time.Month(to.Month), to.Day).AddDate(0, 0, 1)
	p := &export.Protocol{Title: locale.T(lang, "protocol.title"), Lang: lang,
		Period: locale.T(lang, "protocol.period", dateText(from, lang), dateText(to, lang)), AsOf: locale.T(lang, "report.asof", locale.Time(lang, a.now()))}
	if h, err := a.store.Header(ctx); err == nil && h.Controller != nil {
		p.Controller = h.Controller.Name
	}
	// Newest first, a page at a time, until before the period.
	const page = 500
	var found []export.ProtocolEntry
	for offset := 0; ; offset += page {
		es, _, err := a.store.FindAudit(ctx, audit.Filter{Action: audit.SweepBatch, Offset: offset, Limit: page})
		if err != nil {
			return nil, err
		}
		done := len(es) < page
		for _, e := range es {
			if !e.At.Before(end) {
				continue
			}
			if e.At.Before(start) {
				done = true
				break
			}
			m := batchDetail.FindStringSubmatch(e.Detail)
			if m == nil {
				continue
			}
			rows, _ := strconv.ParseInt(m[2], 10, 64)
			planned, _ := strconv.ParseInt(m[3], 10, 64)
			system, table, _ := strings.Cut(e.Target, "/")
			left := m[6]
			if d, err := time.Parse("2006-01-02", left); err == nil {
				left = dateText(register.DateOf(d), lang)
			}
			found = append(found, export.ProtocolEntry{ID: e.ID, At: locale.Time(lang, e.At), Actor: e.Actor, System: system, Table: table,
				Action: m[1], Rule: m[4], Keys: m[5], BackupsClear: left, Rows: rows, Planned: planned})
			p.Rows += rows
		}
		if done {
			break
		}
	}
	// Oldest first, as a protocol reads.
	for i := len(found) - 1; i >= 0; i-- {
		p.Entries = append(p.Entries, found[i])
	}
	return p, nil
}

func dateText(d register.Date, l locale.Lang) string {
	if l == locale.DE {
		return d.German()
	}
	return d.String()
}

// WriteSweepProtocol writes the protocol of the period as PDF (ending
// with the log's signed checkpoint) or CSV.
func (a *App) WriteSweepProtocol(ctx context.Context, w io.Writer, f export.Format, from, to register.Date, lang locale.Lang) error {
	if !slices.Contains(export.ProtocolFormats, f) {
		return gdpr.Keyed(gdpr.EINVALID, "format", "protocol.format", string(f))
	}
	if to.Before(from) {
		return gdpr.Keyed(gdpr.EINVALID, "to", "protocol.range")
	}
	p, err := a.SweepProtocol(ctx, from, to, lang)
	if err != nil {
		return err
	}
	if f == export.PDF {
		release, err := slot(ctx, a.exports, "export.busy")
		if err != nil {
			return err
		}
		defer release()
	}
	return export.WriteProtocol(w, f, p, export.Options{Lang: lang, Now: a.now(), Checkpoint: a.checkpoint(ctx, f)})
}
