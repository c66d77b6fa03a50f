// Package connector reaches the company's own databases (the systems of
// the register): it reads their schema, samples values for discovery,
// counts and selects rows by a condition, and deletes or overwrites rows
// in batches. One interface, Conn, with an adapter per engine
// (connector/postgres, connector/mysql, connector/sqlite) on a shared SQL
// core (this package).
//
// Safety rules every adapter keeps: a table or column is used only when
// the database's own catalogue lists it (so a name from the register can
// never smuggle SQL), and is then quoted by the engine's rules; every
// value travels as a parameter. Samples are bounded in count and length.
// The connector never sees the vault's keys and never logs a value.
package connector

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gdpr"
)

// Kind is a column's type as the connectors compare it.
type Kind string

// Kinds.
const (
	KindText      Kind = "text"
	KindInteger   Kind = "integer"
	KindNumber    Kind = "number"
	KindDate      Kind = "date"      // a calendar day without time
	KindTimestamp Kind = "timestamp" // a moment (with or without zone)
	KindBool      Kind = "bool"
	KindBinary    Kind = "binary"
	KindOther     Kind = "other"
)

// Column is one column of a table.
type Column struct {
	Name     string `json:"name"`
	Type     string `json:"type"` // as the database spells it
	Kind     Kind   `json:"kind"`
	Nullable bool   `json:"nullable"`
}

// ForeignKey is a reference from columns of one table to another's.
type ForeignKey struct {
	Columns    []string `json:"columns"`
	RefTable   string   `json:"ref_table"` // qualified like Table.Name
	RefColumns []string `json:"ref_columns"`
}

// Table is one table: Name is how the register names it (schema.table,
// or the bare name where the engine has one namespace or it is the
// default schema).
type Table struct {
	Name        string       `json:"name"`
	Columns     []Column     `json:"columns"`
	PrimaryKey  []string     `json:"primary_key,omitempty"`
	ForeignKeys []ForeignKey `json:"foreign_keys,omitempty"`
	// Schema and Bare are the parts Name is quoted from.
	Schema string `json:"-"`
	Bare   string `json:"-"`
}

// Column returns the column named name.
func (t *Table) Column(name string) (*Column, bool) {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i], true
		}
	}
	return nil, false
}

// Schema is what a database holds, tables sorted by name.
type Schema struct {
	Tables []Table `json:"tables"`
}

// Table returns the table named name: its qualified name, or its bare
// name when no other schema has one of that name.
func (s *Schema) Table(name string) (*Table, bool) {
	var found *Table
	for i := range s.Tables {
		t := &s.Tables[i]
		if t.Name == name {
			return t, true
		}
		if t.Bare == name && t.Schema != "" {
			if found != nil {
				return nil, false // ambiguous
			}
			found = t
		}
	}
	return found, found != nil
}

// Op is a condition's operator.
type Op string

// Operators.
const (
	OpLess    Op = "<"       // Col < Val
	OpLessEq  Op = "<="      // Col <= Val
	OpEq      Op = "="       // Col = Val
	OpNull    Op = "null"    // Col IS NULL
	OpNotNull Op = "notnull" // Col IS NOT NULL
	OpSet     Op = "set"     // Col is true or, for a non-boolean, not null (an Art. 18 flag)
	OpIn      Op = "in"      // Col IN Vals
	OpKeyIn   Op = "keyin"   // (Cols...) IN Keys: rows named by a key of one or more columns
	// OpLastBefore: the row has related rows in Related (joined by Join:
	// this table's column, the related table's column), and every one of
	// them has Col set and before Val — "the customer's last contract
	// ended before": one contract still running, or one without its end,
	// keeps the customer.
	OpLastBefore Op = "lastbefore"
	OpAnd        Op = "and"
	OpOr         Op = "or"
	OpNot        Op = "not"
)

// Cond is a condition on a table's rows: a comparison of a column, or
// and/or/not of conditions. The zero Cond (nil pointer) selects every
// row.
type Cond struct {
	Op   Op
	Col  string
	Val  any
	Vals []any
	Cols []string // OpKeyIn
	Keys [][]any  // OpKeyIn
	// Related and Join are OpLastBefore's: the related table and the
	// column pairs (this table's, the related one's) that join them.
	Related string
	Join    [][2]string
	Sub     []*Cond
}

// Less is col < v.
func Less(col string, v any) *Cond { return &Cond{Op: OpLess, Col: col, Val: v} }

// And joins conditions; nil ones are left out.
func And(cs ...*Cond) *Cond { return join(OpAnd, cs) }

// Or joins conditions; nil ones are left out.
func Or(cs ...*Cond) *Cond { return join(OpOr, cs) }

// Not negates c.
func Not(c *Cond) *Cond { return &Cond{Op: OpNot, Sub: []*Cond{c}} }

func join(op Op, cs []*Cond) *Cond {
	cs = slices.DeleteFunc(slices.Clone(cs), func(c *Cond) bool { return c == nil })
	switch len(cs) {
	case 0:
		return nil
	case 1:
		return cs[0]
	}
	return &Cond{Op: op, Sub: cs}
}

// Columns lists the columns c names.
func (c *Cond) Columns() []string {
	var out []string
	var walk func(*Cond)
	walk = func(c *Cond) {
		if c == nil {
			return
		}
		for _, col := range append([]string{c.Col}, c.Cols...) {
			if col != "" && !slices.Contains(out, col) {
				out = append(out, col)
			}
		}
		for _, s := range c.Sub {
			walk(s)
		}
	}
	walk(c)
	return out
}

// Conn is an open connection to one system.
type Conn interface {
	// Schema reads the catalogue: tables, columns, keys.
	Schema(ctx context.Context) (*Schema, error)
	// Sample returns up to n values of a column that are not null, as
	// text, each cut to MaxSample bytes.
	Sample(ctx context.Context, table, column string, n int) ([]string, error)
	// Count counts the rows that meet where.
	Count(ctx context.Context, table string, where *Cond) (int64, error)
	// Min returns the smallest value of a column among the rows that meet
	// where (nil when there are none): the oldest date of a table.
	Min(ctx context.Context, table, column string, where *Cond) (any, error)
	// Select returns up to limit rows that meet where, ordered by key,
	// after the key values after (nil: from the start): the values of the
	// key columns, then of cols.
	Select(ctx context.Context, table string, key []string, where *Cond, after []any, limit int, cols ...string) ([][]any, error)
	// CountKeys counts the rows whose key columns hold one of keys.
	CountKeys(ctx context.Context, table string, key []string, keys [][]any) (int64, error)
	// Delete deletes the rows whose key columns hold one of keys (a row
	// of values each) and still meet where, in one transaction; returns
	// how many went.
	Delete(ctx context.Context, table string, key []string, keys [][]any, where *Cond) (int64, error)
	// Update sets columns of the rows whose keys are in keys and that
	// still meet where, in one transaction.
	Update(ctx context.Context, table string, key []string, keys [][]any, where *Cond, set map[string]any) (int64, error)
	Close() error
}

// MaxSample bounds a sampled value.
const MaxSample = 256

// MaxSampleRows bounds a sample.
const MaxSampleRows = 1000

// MaxBatch bounds the keys of one Delete or Update.
const MaxBatch = 5000

// Text renders a value read from a database as text: what Sample gives
// and a discovery classifier reads.
func Text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []byte:
		return string(x)
	case string:
		return x
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format("2006-01-02")
		}
		return x.Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}

// cut shortens s to at most n bytes on a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n]
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// unknown is the error for a table or column the catalogue does not list.
func unknown(what, name string) error {
	return gdpr.Keyed(gdpr.ENOTFOUND, what, "connector.unknown."+what, name)
}

// KindOf maps a database type name to a Kind (the three engines' spellings).
func KindOf(typ string) Kind {
	t := strings.ToLower(strings.TrimSpace(typ))
	if i := strings.IndexByte(t, '('); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	switch {
	case t == "date":
		return KindDate
	case strings.HasPrefix(t, "timestamp"), t == "datetime", strings.HasPrefix(t, "datetime"):
		return KindTimestamp
	case t == "boolean", t == "bool", t == "tinyint" && strings.Contains(strings.ToLower(typ), "(1)"):
		return KindBool
	case strings.Contains(t, "int"), t == "serial", t == "bigserial", t == "smallserial":
		return KindInteger
	case strings.Contains(t, "char"), strings.Contains(t, "text"), strings.Contains(t, "clob"), t == "uuid", t == "citext",
		t == "inet", t == "cidr", t == "json", t == "jsonb", t == "enum", t == "set", t == "xml", t == "name":
		return KindText
	case t == "numeric", t == "decimal", t == "real", strings.HasPrefix(t, "double"), t == "float", t == "money":
		return KindNumber
	case strings.Contains(t, "blob"), t == "bytea", strings.Contains(t, "binary"):
		return KindBinary
	case t == "":
		return KindText // SQLite without a declared type
	}
	return KindOther
}
