package app

import (
	"context"
	"slices"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/locale"
	"gdpr/request"
)

// RedactionStore keeps what staff withhold from a request's copy.
type RedactionStore interface {
	AddRedaction(ctx context.Context, id string, x *request.Redaction) error
	DropRedaction(ctx context.Context, id, redaction string) error
	Redactions(ctx context.Context, id string) ([]request.Redaction, error)
}

func (a *App) redactionStore() (RedactionStore, error) {
	rs, ok := a.store.(RedactionStore)
	if !ok {
		return nil, gdpr.Keyed(gdpr.EINTERNAL, "", "request.nostore")
	}
	return rs, nil
}

// Redact withholds part of a request's copy before release (Art. 15(4)
// GDPR): a column, a row, a cell or a table, on a ground. The request's
// version moves on, so that a release of a draft not seen since is
// refused (409).
func (a *App) Redact(ctx context.Context, id string, version int, x request.Redaction) (*request.Request, error) {
	if _, err := a.require(ctx, auth.Subjects, audit.RequestUpdate, id); err != nil {
		return nil, err
	}
	rs, err := a.redactionStore()
	if err != nil {
		return nil, err
	}
	if err := x.Validate(); err != nil {
		return nil, a.record(ctx, audit.RequestUpdate, id, err)
	}
	r, err := a.change(ctx, id, version, func(r *request.Request, _ request.Period) (request.Event, error) {
		if r.State.Closed() {
			return request.Event{}, gdpr.Keyed(gdpr.ECONFLICT, "state", "request.closed", gdpr.Keyed("", "", "value.request.state."+string(r.State)))
		}
		return request.Event{Action: "redact"}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := rs.AddRedaction(ctx, id, &x); err != nil {
		return nil, err
	}
	return r, nil
}

// Unredact takes a redaction back.
func (a *App) Unredact(ctx context.Context, id string, version int, redaction string) (*request.Request, error) {
	if _, err := a.require(ctx, auth.Subjects, audit.RequestUpdate, id); err != nil {
		return nil, err
	}
	rs, err := a.redactionStore()
	if err != nil {
		return nil, err
	}
	have, err := rs.Redactions(ctx, id)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(have, func(x request.Redaction) bool { return x.ID == redaction }) {
		return nil, a.record(ctx, audit.RequestUpdate, id, gdpr.Keyed(gdpr.ENOTFOUND, "redaction", "notfound.redaction", redaction))
	}
	r, err := a.change(ctx, id, version, func(r *request.Request, _ request.Period) (request.Event, error) {
		if r.State.Closed() {
			return request.Event{}, gdpr.Keyed(gdpr.ECONFLICT, "state", "request.closed", gdpr.Keyed("", "", "value.request.state."+string(r.State)))
		}
		return request.Event{Action: "unredact"}, nil
	})
	if err != nil {
		return nil, err
	}
	return r, rs.DropRedaction(ctx, id, redaction)
}

// Redactions lists a request's redactions.
func (a *App) Redactions(ctx context.Context, id string) ([]request.Redaction, error) {
	if _, err := a.require(ctx, auth.Read, audit.RequestRead, id); err != nil {
		return nil, err
	}
	rs, err := a.redactionStore()
	if err != nil {
		return nil, err
	}
	return rs.Redactions(ctx, id)
}

// redact applies a request's redactions to the data found: each cell a
// redaction covers is replaced by the marker in the request's language.
// It returns the redactions that cover nothing found: a row changed or
// gone since staff chose it, or a table no longer found; a release stops
// on those rather than show what staff meant to withhold.
func (a *App) redact(ctx context.Context, r *request.Request, d *SubjectData) ([]request.Redaction, error) {
	rs, ok := a.store.(RedactionStore)
	if !ok {
		return nil, nil
	}
	xs, err := rs.Redactions(ctx, r.ID)
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	marker := locale.T(langOf(r.Lang), "report.redacted")
	used := make([]bool, len(xs))
	for ti := range d.Tables {
		ft := &d.Tables[ti]
		for ri, row := range ft.Rows {
			rowID := ""
			if ri < len(ft.RowIDs) {
				rowID = ft.RowIDs[ri]
			}
			for ci := range row {
				col := ""
				if ci < len(ft.Columns) {
					col = ft.Columns[ci]
				}
				hit := false
				for xi, x := range xs {
					if x.Covers(ft.System, ft.Table, col, rowID) {
						used[xi], hit = true, true
					}
				}
				if hit {
					row[ci] = marker
					ft.Redacted++
				}
			}
		}
	}
	var unused []request.Redaction
	for i, x := range xs {
		if !used[i] {
			unused = append(unused, x)
		}
	}
	return unused, nil
}

// langOf is the catalogue's language of a request's language.
func langOf(s string) locale.Lang {
	if s == "en" {
		return locale.EN
	}
	return locale.DE
}
