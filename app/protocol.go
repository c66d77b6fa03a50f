package app

import (
	"context"
	"io"
	"slices"
	"time"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/export"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/retention"
	"gdpr/sweep"
	"strings"
)

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
		Period: locale.T(lang, "protocol.period", from.Text(lang), to.Text(lang)), AsOf: locale.T(lang, "report.asof", locale.Time(lang, a.now()))}
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
			d, ok := sweep.ParseDetail(e.Detail)
			if !ok {
				continue
			}
			system, table, _ := strings.Cut(e.Target, "/")
			left := d.LeftBackups
			if day, err := register.ParseDate(left); err == nil {
				left = day.Text(lang)
			}
			found = append(found, export.ProtocolEntry{ID: e.ID, At: locale.Time(lang, e.At), Actor: e.Actor, System: system, Table: table,
				Action: d.Action, Rule: d.Rule, Keys: d.Keys, BackupsClear: left, Rows: d.Rows, Planned: d.Planned})
			p.Rows += d.Rows
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
