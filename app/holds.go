package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/connector"
	"gdpr/register"
	"gdpr/retention"
	"gdpr/sweep"
)

// HoldStore keeps legal holds.
type HoldStore interface {
	CreateHold(ctx context.Context, h sweep.Hold) error
	LiftHold(ctx context.Context, id string) (sweep.Hold, error)
	FindHolds(ctx context.Context, system, table string, lifted bool) ([]sweep.Hold, error)
}

// holdField is the vault field a hold's value is sealed in.
const holdField = "hold_value"

// NewHold is a hold as it is asked for.
type NewHold struct {
	System, Table, Column string
	// Value is what the column holds in the rows to keep (a customer
	// number, an e-mail address): sealed in the vault, never stored or
	// logged in the clear.
	Value  string
	Reason string
	Until  *register.Date // nil: until lifted
}

// AddHold places a legal hold (Löschsperre) on the rows of a mapped table
// whose column holds the value: sweeps keep them while it is active. The
// value goes to the vault (it names a person); the hold keeps its
// subject's id.
func (a *App) AddHold(ctx context.Context, n NewHold) (sweep.Hold, error) {
	if _, err := a.require(ctx, auth.Write, audit.HoldCreate, n.System); err != nil {
		return sweep.Hold{}, err
	}
	hs, ok := a.store.(HoldStore)
	if !ok {
		return sweep.Hold{}, gdpr.Keyed(gdpr.EINTERNAL, "", "sweep.nostore")
	}
	fail := func(err error) (sweep.Hold, error) {
		return sweep.Hold{}, a.record(ctx, audit.HoldCreate, n.System, err)
	}
	x, err := a.store.FindSystemByID(ctx, n.System)
	if err != nil {
		return fail(err)
	}
	if _, ok := x.Table(n.Table); !ok {
		return fail(gdpr.Keyed(gdpr.EINVALID, "table", "hold.table", n.Table, n.System))
	}
	if !register.ValidIdent(n.Column) {
		return fail(gdpr.Keyed(gdpr.EINVALID, "column", "invalid.ident", n.Column))
	}
	if strings.TrimSpace(n.Value) == "" {
		return fail(gdpr.Keyed(gdpr.EINVALID, "value", "hold.novalue"))
	}
	if strings.TrimSpace(n.Reason) == "" {
		return fail(gdpr.Keyed(gdpr.EINVALID, "reason", "hold.noreason"))
	}
	id, err := a.newSubject(ctx, Record{holdField: strings.TrimSpace(n.Value)})
	if err != nil {
		return sweep.Hold{}, err
	}
	h := sweep.Hold{ID: newHoldID(), System: n.System, Table: n.Table, Column: n.Column, Subject: id, Reason: strings.TrimSpace(n.Reason)}
	if n.Until != nil {
		// The hold keeps the rows through its last day, in Berlin.
		t := retention.Day(n.Until.Year, time.Month(n.Until.Month), n.Until.Day)
		h.Until = &t
	}
	if err := hs.CreateHold(ctx, h); err != nil {
		return sweep.Hold{}, a.record(ctx, audit.HoldCreate, n.System, err)
	}
	return h, nil
}

// LiftHold lifts a hold and erases its value from the vault.
func (a *App) LiftHold(ctx context.Context, id string) error {
	if _, err := a.require(ctx, auth.Write, audit.HoldLift, id); err != nil {
		return err
	}
	hs, ok := a.store.(HoldStore)
	if !ok {
		return gdpr.Keyed(gdpr.EINTERNAL, "", "sweep.nostore")
	}
	h, err := hs.LiftHold(ctx, id)
	if err != nil {
		return a.record(ctx, audit.HoldLift, id, err)
	}
	if vs, _, err := a.vaultReady(); err == nil {
		if err := vs.ShredSubject(context.WithoutCancel(ctx), h.Subject); err != nil {
			a.log.Warn("lifted hold: its value is not erased", "hold", id, "err", err)
		}
	}
	return nil
}

// Holds lists the holds of a system ("" for all), lifted ones when asked.
func (a *App) Holds(ctx context.Context, system string, lifted bool) ([]sweep.Hold, error) {
	if _, err := auth.Require(ctx, auth.Read); err != nil {
		return nil, err
	}
	hs, ok := a.store.(HoldStore)
	if !ok {
		return nil, nil
	}
	return hs.FindHolds(ctx, system, "", lifted)
}

// holdCond is the condition that keeps the rows of a table's active
// holds: NOT (column IN values) for each column held. The values are read
// from the vault (one audit entry). A hold whose value cannot be read (no
// keys, a missing column) keeps the whole table: key names why.
func (a *App) holdCond(ctx context.Context, x *register.System, t *register.Table, ct *connector.Table, day time.Time) (*connector.Cond, string, string) {
	hs, ok := a.store.(HoldStore)
	if !ok {
		return nil, "", ""
	}
	holds, err := hs.FindHolds(ctx, x.ID, t.Name, false)
	if err != nil {
		return nil, "sweep.holds.unreadable", t.Name
	}
	values := map[string][]any{}
	var cols []string
	var subjects []string
	for _, h := range holds {
		if !h.Active(day) {
			continue
		}
		col, ok := ct.Column(h.Column)
		if !ok {
			return nil, "sweep.holds.column", h.Column
		}
		s, err := a.openSubject(ctx, h.Subject)
		if err != nil || s.Shredded {
			return nil, "sweep.holds.unreadable", t.Name
		}
		v := any(s.Record[holdField])
		if col.Kind == connector.KindInteger {
			// A customer number held in an integer column is compared as
			// one.
			if n, err := strconv.ParseInt(s.Record[holdField], 10, 64); err == nil {
				v = n
			}
		}
		if _, seen := values[h.Column]; !seen {
			cols = append(cols, h.Column)
		}
		values[h.Column] = append(values[h.Column], v)
		subjects = append(subjects, h.Subject)
	}
	if len(cols) == 0 {
		return nil, "", ""
	}
	if err := a.auditNow(ctx, audit.Entry{Action: audit.SubjectRead, Target: x.ID + "/" + t.Name, Outcome: audit.OK,
		Detail: "hold values " + strings.Join(subjects, ",")}); err != nil {
		return nil, "sweep.holds.unreadable", t.Name
	}
	var keep []*connector.Cond
	for _, c := range cols {
		keep = append(keep, connector.Not(&connector.Cond{Op: connector.OpIn, Col: c, Vals: values[c]}))
	}
	return connector.And(keep...), "", ""
}

func newHoldID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "hold-" + hex.EncodeToString(b)
}
