package app

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"

	"gdpr/audit"
	"gdpr/auth"
)

// consentOrContract tells a legal basis of Art. 6(1)(a) or (b) GDPR (or
// Art. 9(2)(a)) in the spellings registers use: the data Art. 20 makes
// portable.
var consentOrContract = regexp.MustCompile(`(?i)6\s*(\(1\)|abs\.?\s*1)\s*(\(|lit\.?\s*|buchst\.?\s*)?[ab]\b|9\s*(\(2\)|abs\.?\s*2)\s*(\(|lit\.?\s*)?a\b|einwilligung|consent|vertrag|contract`)

// PortableTable is one table's rows of the person, by column.
type PortableTable struct {
	System  string              `json:"system"`
	Table   string              `json:"table"`
	Columns []string            `json:"columns"`
	Rows    []map[string]string `json:"rows"`
}

// Portable is the data a person gets under Art. 20: the rows of the
// tables whose activity rests on consent or a contract, and what the
// person gave the vault.
type Portable struct {
	Request string            `json:"request"`
	Person  map[string]string `json:"person"`
	Tables  []PortableTable   `json:"tables"`
	// Stale counts redactions that cover nothing found any more.
	Stale int `json:"-"`
}

// Portability gathers the person's portable data (a search of the
// systems, recorded).
func (a *App) Portability(ctx context.Context, id string) (*Portable, error) {
	if _, err := a.require(ctx, auth.Subjects, audit.RequestSearch, id); err != nil {
		return nil, err
	}
	d, err := a.FindRequestData(ctx, id)
	if err != nil {
		return nil, err
	}
	r, err := a.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	stale, err := a.redact(ctx, r, d)
	if err != nil {
		return nil, err
	}
	acts, err := a.activitiesByID(ctx)
	if err != nil {
		return nil, err
	}
	out := &Portable{Request: id, Person: map[string]string{}, Stale: len(stale)}
	if len(d.Vault) > 0 {
		for k, v := range d.Vault[0].Record {
			out.Person[k] = v
		}
	}
	for _, ft := range d.Tables {
		act := acts[ft.Activity]
		if act == nil || !consentOrContract.MatchString(strings.Join(act.LegalBases, " ")) {
			continue
		}
		pt := PortableTable{System: ft.SystemName, Table: ft.Table, Columns: ft.Columns}
		for _, row := range ft.Rows {
			m := map[string]string{}
			for i, c := range ft.Columns {
				if i < len(row) {
					m[c] = row[i]
				}
			}
			pt.Rows = append(pt.Rows, m)
		}
		out.Tables = append(out.Tables, pt)
	}
	return out, nil
}

// WriteJSON writes the portable data as one JSON document.
func (p *Portable) WriteJSON(w io.Writer) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(p)
}

// WriteCSV writes the portable data as a zip of CSV files, one a table
// (columns in the table's order) and person.csv.
func (p *Portable) WriteCSV(w io.Writer) error {
	z := zip.NewWriter(w)
	write := func(name string, header []string, rows [][]string) error {
		f, err := z.Create(name)
		if err != nil {
			return err
		}
		c := csv.NewWriter(f)
		if err := c.Write(header); err != nil {
			return err
		}
		if err := c.WriteAll(rows); err != nil {
			return err
		}
		return c.Error()
	}
	var prow [][]string
	for _, k := range slices.Sorted(maps.Keys(p.Person)) {
		prow = append(prow, []string{k, p.Person[k]})
	}
	if err := write("person.csv", []string{"field", "value"}, prow); err != nil {
		return err
	}
	for i, t := range p.Tables {
		cols := t.Columns
		var rows [][]string
		for _, r := range t.Rows {
			row := make([]string, len(cols))
			for j, c := range cols {
				row[j] = r[c]
			}
			rows = append(rows, row)
		}
		if err := write(fmt.Sprintf("%02d-%s.csv", i+1, safeName(t.System+"-"+t.Table)), cols, rows); err != nil {
			return err
		}
	}
	return z.Close()
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func safeName(s string) string { return strings.Trim(unsafeName.ReplaceAllString(s, "_"), "_") }
