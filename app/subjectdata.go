package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gdpr/audit"
	"gdpr/auth"
	"gdpr/connector"
	"gdpr/register"
	"gdpr/sweep"
	"gdpr/vault"
)

// maxFoundRows bounds the rows read of one table for one person: a person
// has a handful of rows in a table, a table holding more for one key is
// shown cut (More) and said so.
const maxFoundRows = 1000

// FoundTable is what a table holds of a person.
type FoundTable struct {
	System     string `json:"system"`
	SystemName string `json:"system_name"`
	Table      string `json:"table"`
	// Activity is the processing activity the register maps the table to
	// ("" for a table found by a foreign key that the register does not
	// map).
	Activity string `json:"activity,omitempty"`
	// By says how the rows were found: the subject key column, or the
	// foreign key (table.column) that points to a row found.
	By      string     `json:"by"`
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
	// Key are the primary key columns and the found rows' keys.
	Key  []string `json:"key,omitempty"`
	Keys [][]any  `json:"-"`
	// RowIDs name the rows (a hash of each key) for redactions.
	RowIDs []string `json:"row_ids,omitempty"`
	// Redacted counts the cells withheld (Art. 15(4)).
	Redacted int  `json:"redacted,omitempty"`
	More     bool `json:"more,omitempty"`
}

// SubjectData is what the engine holds of a request's person: the rows
// in the company's systems and the vault's records.
type SubjectData struct {
	Request string       `json:"request"`
	Tables  []FoundTable `json:"tables"`
	// Vault are the person's records in the vault: the requester's and
	// those found by the same e-mail address or phone number.
	Vault []Subject `json:"vault"`
	// Unreachable are the systems that did not answer (their data is
	// not in the answer: said, not hidden).
	Unreachable []string `json:"unreachable,omitempty"`
	// Searched are the mapped tables looked into (system id, table).
	Searched [][2]string `json:"searched,omitempty"`
}

// identifierKind says which of the person's identifiers a subject-key
// column holds: by its data category in the register, else by its name.
func identifierKind(t *register.Table, col string) string {
	probe := strings.ToLower(col + " " + t.Columns[col])
	switch {
	case strings.Contains(probe, "mail"):
		return "email"
	case strings.Contains(probe, "phone") || strings.Contains(probe, "tel"):
		return "phone"
	case strings.Contains(probe, "iban"):
		return "iban"
	}
	return "customer_id"
}

// FindRequestData finds the person of a request in every mapped system
// (by the tables' subject keys: the e-mail address, phone, customer
// number the person gave; then the rows of tables whose foreign keys point
// to a row found) and in the vault. It reads personal data: the caller
// needs access to people, and one audit entry says which systems and how
// many rows, never a value.
func (a *App) FindRequestData(ctx context.Context, id string) (*SubjectData, error) {
	if _, err := a.require(ctx, auth.Subjects, audit.RequestSearch, id); err != nil {
		return nil, err
	}
	r, err := a.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	who, err := a.GetSubject(ctx, r.Requester)
	if err != nil {
		return nil, err
	}
	out := &SubjectData{Request: id, Vault: []Subject{who}}
	systems, _, err := a.store.FindSystems(ctx, register.Filter{})
	if err != nil {
		return nil, err
	}
	rows := 0
	for _, x := range systems {
		found, searched, err := a.findInSystem(ctx, x, who.Record)
		out.Searched = append(out.Searched, searched...)
		if err != nil {
			out.Unreachable = append(out.Unreachable, x.Name)
			continue
		}
		for _, f := range found {
			rows += len(f.Rows)
		}
		out.Tables = append(out.Tables, found...)
	}
	// Other records of the vault with the same address or number.
	for _, k := range []struct {
		field string
		kind  vault.Kind
	}{{"email", vault.KindEmail}, {"phone", vault.KindPhone}} {
		v := who.Record[k.field]
		if v == "" {
			continue
		}
		ids, err := a.LookupSubjects(ctx, k.kind, v)
		if err != nil {
			return nil, err
		}
		for _, sid := range ids {
			if slices.ContainsFunc(out.Vault, func(s Subject) bool { return s.ID == sid }) {
				continue
			}
			s, err := a.GetSubject(ctx, sid)
			if err != nil {
				return nil, err
			}
			out.Vault = append(out.Vault, s)
		}
	}
	a.audit(ctx, audit.Entry{Action: audit.RequestSearch, Target: id, Outcome: audit.OK,
		Detail: fmt.Sprintf("systems %d, tables %d, rows %d, unreachable %d, vault records %d", len(systems), len(out.Tables), rows, len(out.Unreachable), len(out.Vault))})
	return out, nil
}

// findInSystem reads one system: each mapped table with a subject key by
// the person's identifiers, then one step along the foreign keys that
// point to a table found.
func (a *App) findInSystem(ctx context.Context, x *register.System, rec Record) ([]FoundTable, [][2]string, error) {
	if x.Status == register.StatusArchived || len(x.Tables) == 0 {
		return nil, nil, nil
	}
	dsn, err := dsnOf(x)
	if err != nil {
		return nil, nil, err
	}
	c, err := a.connect(x.Engine, dsn)
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	s, err := c.Schema(ctx)
	if err != nil {
		return nil, nil, err
	}
	var out []FoundTable
	var searched [][2]string
	for i := range x.Tables {
		t := &x.Tables[i]
		ct, ok := s.Table(t.Name)
		if !ok || len(t.SubjectKey) == 0 {
			continue
		}
		var conds []*connector.Cond
		var by []string
		for _, col := range t.SubjectKey {
			v := strings.TrimSpace(rec[identifierKind(t, col)])
			if _, ok := ct.Column(col); !ok || v == "" {
				continue
			}
			vals := []any{v}
			if l := strings.ToLower(v); l != v {
				vals = append(vals, l) // addresses are stored as typed or lowered
			}
			conds = append(conds, &connector.Cond{Op: connector.OpIn, Col: col, Vals: vals})
			by = append(by, col)
		}
		if len(conds) == 0 {
			continue
		}
		searched = append(searched, [2]string{x.ID, t.Name})
		f, err := readFound(ctx, c, ct, connector.Or(conds...))
		if err != nil {
			return nil, nil, err
		}
		if len(f.Rows) == 0 {
			continue
		}
		f.System, f.SystemName, f.Activity, f.By = x.ID, x.Name, t.Activity, strings.Join(by, ", ")
		out = append(out, f)
	}
	// One step along the foreign keys: orders of a customer found.
	for _, f := range slices.Clone(out) {
		if len(f.Key) == 0 || len(f.Keys) == 0 {
			continue
		}
		for _, other := range s.Tables {
			for _, fk := range other.ForeignKeys {
				if fk.RefTable != f.Table || !slices.Equal(fk.RefColumns, f.Key) || slices.ContainsFunc(out, func(o FoundTable) bool { return o.Table == other.Name }) {
					continue
				}
				ot := other
				g, err := readFound(ctx, c, &ot, &connector.Cond{Op: connector.OpKeyIn, Cols: fk.Columns, Keys: f.Keys})
				if err != nil {
					return nil, nil, err
				}
				if len(g.Rows) == 0 {
					continue
				}
				g.System, g.SystemName, g.By = x.ID, x.Name, other.Name+"."+strings.Join(fk.Columns, ",")+" → "+f.Table
				if mt, ok := x.Table(other.Name); ok {
					g.Activity = mt.Activity
				}
				out = append(out, g)
			}
		}
	}
	return out, searched, nil
}

// readFound reads the rows of a table that meet where, every column, as
// text.
func readFound(ctx context.Context, c connector.Conn, ct *connector.Table, where *connector.Cond) (FoundTable, error) {
	f := FoundTable{Table: ct.Name, Key: ct.PrimaryKey}
	for _, col := range ct.Columns {
		f.Columns = append(f.Columns, col.Name)
	}
	key := ct.PrimaryKey
	if len(key) == 0 {
		key = f.Columns[:1] // an order, not an identity
	}
	rows, err := c.Select(ctx, ct.Name, key, where, nil, maxFoundRows+1, f.Columns...)
	if err != nil {
		return f, err
	}
	if len(rows) > maxFoundRows {
		rows, f.More = rows[:maxFoundRows], true
	}
	for _, row := range rows {
		if len(ct.PrimaryKey) > 0 {
			f.Keys = append(f.Keys, row[:len(key)])
		}
		var texts []string
		for _, v := range row[len(key):] {
			texts = append(texts, connector.Text(v))
		}
		f.Rows = append(f.Rows, texts)
		// A row's name for a redaction: its key's hash, or without a key
		// its values' (a row changed since no longer matches, and the
		// release says so rather than show it).
		id := row[:len(key)]
		if len(ct.PrimaryKey) == 0 {
			id = row[len(key):]
		}
		f.RowIDs = append(f.RowIDs, sweep.KeyHash([][]any{id}))
	}
	return f, nil
}
