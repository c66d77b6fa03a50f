package connector

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gdpr"
)

// Dialect is what an engine's adapter gives the SQL core.
type Dialect interface {
	// Quote quotes one identifier (no dots) by the engine's rules.
	Quote(ident string) string
	// Placeholder is the n-th parameter (from 1).
	Placeholder(n int) string
	// ReadSchema reads the catalogue.
	ReadSchema(ctx context.Context, db *sql.DB) (*Schema, error)
	// Truth is expr as a two-valued truth (NULL is false) for a column of
	// kind bool or integer.
	Truth(expr string, k Kind) string
	// TimeParam is how a moment is passed for a column of kind
	// timestamp: a time.Time where the driver converts it, text where the
	// engine keeps dates as text (SQLite).
	TimeParam(t time.Time) any
}

// DB is the SQL core of the adapters: a Conn on a database/sql pool and
// a dialect.
type DB struct {
	db *sql.DB
	d  Dialect

	mu     sync.Mutex
	schema *Schema // the catalogue as last read
}

// New returns a Conn on db.
func New(db *sql.DB, d Dialect) *DB { return &DB{db: db, d: d} }

// Close closes the pool.
func (c *DB) Close() error { return c.db.Close() }

// Schema reads the catalogue afresh and keeps it for the names of later
// calls.
func (c *DB) Schema(ctx context.Context) (*Schema, error) {
	s, err := c.d.ReadSchema(ctx, c.db)
	if err != nil {
		return nil, fmt.Errorf("read schema: %w", err)
	}
	slices.SortFunc(s.Tables, func(a, b Table) int { return strings.Compare(a.Name, b.Name) })
	c.mu.Lock()
	c.schema = s
	c.mu.Unlock()
	return s, nil
}

// table resolves a name against the catalogue (read once).
func (c *DB) table(ctx context.Context, name string) (*Table, error) {
	c.mu.Lock()
	s := c.schema
	c.mu.Unlock()
	if s == nil {
		var err error
		if s, err = c.Schema(ctx); err != nil {
			return nil, err
		}
	}
	t, ok := s.Table(name)
	if !ok {
		return nil, unknown("table", name)
	}
	return t, nil
}

// tableName is the quoted name of t.
func (c *DB) tableName(t *Table) string {
	if t.Schema == "" {
		return c.d.Quote(t.Bare)
	}
	return c.d.Quote(t.Schema) + "." + c.d.Quote(t.Bare)
}

// builder writes one statement: quoted names of catalogued columns only,
// values as parameters.
type builder struct {
	c    *DB
	t    *Table
	sql  strings.Builder
	args []any
}

func (b *builder) col(name string) (*Column, error) {
	col, ok := b.t.Column(name)
	if !ok {
		return nil, unknown("column", b.t.Name+"."+name)
	}
	return col, nil
}

func (b *builder) param(col *Column, v any) string {
	b.args = append(b.args, b.value(col, v))
	return b.c.d.Placeholder(len(b.args))
}

// value converts a moment for the column: a day for a date column (as
// the day the moment has in its own zone), a moment in UTC for a
// timestamp (naive timestamps are taken as UTC).
func (b *builder) value(col *Column, v any) any {
	t, ok := v.(time.Time)
	if !ok {
		return v
	}
	switch col.Kind {
	case KindDate:
		return t.Format("2006-01-02")
	case KindTimestamp:
		return b.c.d.TimeParam(t.UTC())
	}
	return v
}

func (b *builder) cond(c *Cond) error {
	if c == nil {
		b.sql.WriteString("1 = 1")
		return nil
	}
	switch c.Op {
	case OpAnd, OpOr:
		if len(c.Sub) == 0 {
			return errors.New("connector: empty and/or")
		}
		b.sql.WriteByte('(')
		for i, s := range c.Sub {
			if i > 0 {
				b.sql.WriteString(" " + strings.ToUpper(string(c.Op)) + " ")
			}
			if err := b.cond(s); err != nil {
				return err
			}
		}
		b.sql.WriteByte(')')
		return nil
	case OpLastBefore:
		return b.lastBefore(c)
	case OpKeyIn:
		if len(c.Keys) == 0 {
			b.sql.WriteString("1 = 0")
			return nil
		}
		b.sql.WriteByte('(')
		if err := b.keyIn(c.Cols, c.Keys); err != nil {
			return err
		}
		b.sql.WriteByte(')')
		return nil
	case OpNot:
		if len(c.Sub) != 1 {
			return errors.New("connector: not takes one condition")
		}
		b.sql.WriteString("NOT (")
		if err := b.cond(c.Sub[0]); err != nil {
			return err
		}
		b.sql.WriteByte(')')
		return nil
	}
	col, err := b.col(c.Col)
	if err != nil {
		return err
	}
	q := b.c.d.Quote(col.Name)
	switch c.Op {
	case OpLess, OpLessEq, OpEq:
		if c.Val == nil {
			return fmt.Errorf("connector: %s %s nil", c.Col, c.Op)
		}
		// Two-valued: a row without the value (a pending event) does not
		// meet the comparison, and does meet its NOT; SQL's NULL never
		// reaches an enclosing NOT.
		b.sql.WriteString("(" + q + " IS NOT NULL AND " + q + " " + string(c.Op) + " " + b.param(col, c.Val) + ")")
	case OpNull:
		b.sql.WriteString(q + " IS NULL")
	case OpNotNull:
		b.sql.WriteString(q + " IS NOT NULL")
	case OpSet:
		switch col.Kind {
		case KindBool, KindInteger:
			b.sql.WriteString(b.c.d.Truth(q, col.Kind))
		default:
			b.sql.WriteString(q + " IS NOT NULL")
		}
	case OpIn:
		if len(c.Vals) == 0 {
			b.sql.WriteString("1 = 0")
			return nil
		}
		b.sql.WriteString("(" + q + " IS NOT NULL AND " + q + " IN (")
		for i, v := range c.Vals {
			if i > 0 {
				b.sql.WriteString(", ")
			}
			b.sql.WriteString(b.param(col, v))
		}
		b.sql.WriteString("))")
	default:
		return fmt.Errorf("connector: unknown operator %q", c.Op)
	}
	return nil
}

// lastBefore writes OpLastBefore: EXISTS a related row AND NOT EXISTS a
// related row whose column is NULL or not before the value. The outer
// table's columns are qualified, so that a related column of the same
// name does not shadow them.
func (b *builder) lastBefore(c *Cond) error {
	rt, err := b.c.table(context.Background(), c.Related)
	if err != nil {
		return err
	}
	if len(c.Join) == 0 || c.Val == nil {
		return errors.New("connector: lastbefore needs a join and a value")
	}
	rcol, ok := rt.Column(c.Col)
	if !ok {
		return unknown("column", rt.Name+"."+c.Col)
	}
	outer, inner := b.c.tableName(b.t), b.c.tableName(rt)
	var on []string
	for _, j := range c.Join {
		lc, ok := b.t.Column(j[0])
		if !ok {
			return unknown("column", b.t.Name+"."+j[0])
		}
		rc, ok := rt.Column(j[1])
		if !ok {
			return unknown("column", rt.Name+"."+j[1])
		}
		on = append(on, "r."+b.c.d.Quote(rc.Name)+" = "+outer+"."+b.c.d.Quote(lc.Name))
	}
	join := strings.Join(on, " AND ")
	q := "r." + b.c.d.Quote(rcol.Name)
	b.sql.WriteString("(EXISTS (SELECT 1 FROM " + inner + " r WHERE " + join + ") AND NOT EXISTS (SELECT 1 FROM " + inner + " r WHERE " + join +
		" AND (" + q + " IS NULL OR " + q + " >= " + b.param(rcol, c.Val) + ")))")
	return nil
}

// keyIn writes (k1, k2) IN ((?, ?), …), or k IN (…) for one column.
func (b *builder) keyIn(key []string, keys [][]any) error {
	cols := make([]*Column, len(key))
	quoted := make([]string, len(key))
	for i, k := range key {
		col, err := b.col(k)
		if err != nil {
			return err
		}
		cols[i], quoted[i] = col, b.c.d.Quote(col.Name)
	}
	if len(key) == 1 {
		b.sql.WriteString(quoted[0] + " IN (")
	} else {
		b.sql.WriteString("(" + strings.Join(quoted, ", ") + ") IN (")
	}
	for i, row := range keys {
		if len(row) != len(key) {
			return fmt.Errorf("connector: key of %d values for %d columns", len(row), len(key))
		}
		if i > 0 {
			b.sql.WriteString(", ")
		}
		if len(key) > 1 {
			b.sql.WriteByte('(')
		}
		for j, v := range row {
			if j > 0 {
				b.sql.WriteString(", ")
			}
			b.sql.WriteString(b.param(cols[j], v))
		}
		if len(key) > 1 {
			b.sql.WriteByte(')')
		}
	}
	b.sql.WriteByte(')')
	return nil
}

func (c *DB) builder(ctx context.Context, table string) (*builder, error) {
	t, err := c.table(ctx, table)
	if err != nil {
		return nil, err
	}
	return &builder{c: c, t: t}, nil
}

// Sample implements Conn.
func (c *DB) Sample(ctx context.Context, table, column string, n int) ([]string, error) {
	b, err := c.builder(ctx, table)
	if err != nil {
		return nil, err
	}
	col, err := b.col(column)
	if err != nil {
		return nil, err
	}
	n = min(max(n, 0), MaxSampleRows)
	q := c.d.Quote(col.Name)
	rows, err := c.db.QueryContext(ctx, "SELECT "+q+" FROM "+c.tableName(b.t)+" WHERE "+q+" IS NOT NULL LIMIT "+strconv.Itoa(n))
	if err != nil {
		return nil, fmt.Errorf("sample %s.%s: %w", table, column, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("sample %s.%s: %w", table, column, err)
		}
		out = append(out, cut(Text(v), MaxSample))
	}
	return out, rows.Err()
}

// Count implements Conn.
func (c *DB) Count(ctx context.Context, table string, where *Cond) (int64, error) {
	b, err := c.builder(ctx, table)
	if err != nil {
		return 0, err
	}
	b.sql.WriteString("SELECT COUNT(*) FROM " + c.tableName(b.t) + " WHERE ")
	if err := b.cond(where); err != nil {
		return 0, err
	}
	var n int64
	if err := c.db.QueryRowContext(ctx, b.sql.String(), b.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", table, err)
	}
	return n, nil
}

// Min implements Conn.
func (c *DB) Min(ctx context.Context, table, column string, where *Cond) (any, error) {
	b, err := c.builder(ctx, table)
	if err != nil {
		return nil, err
	}
	col, err := b.col(column)
	if err != nil {
		return nil, err
	}
	b.sql.WriteString("SELECT MIN(" + c.d.Quote(col.Name) + ") FROM " + c.tableName(b.t) + " WHERE ")
	if err := b.cond(where); err != nil {
		return nil, err
	}
	var v any
	if err := c.db.QueryRowContext(ctx, b.sql.String(), b.args...).Scan(&v); err != nil {
		return nil, fmt.Errorf("min %s.%s: %w", table, column, err)
	}
	if bs, ok := v.([]byte); ok {
		v = string(bs)
	}
	return v, nil
}

// Select implements Conn.
func (c *DB) Select(ctx context.Context, table string, key []string, where *Cond, after []any, limit int, cols ...string) ([][]any, error) {
	if len(key) == 0 {
		return nil, gdpr.Keyed(gdpr.EINVALID, "key", "connector.nokey", table)
	}
	b, err := c.builder(ctx, table)
	if err != nil {
		return nil, err
	}
	all := append(slices.Clone(key), cols...)
	quoted := make([]string, len(all))
	keyCols := make([]*Column, len(key))
	for i, name := range all {
		col, err := b.col(name)
		if err != nil {
			return nil, err
		}
		quoted[i] = c.d.Quote(col.Name)
		if i < len(key) {
			keyCols[i] = col
		}
	}
	b.sql.WriteString("SELECT " + strings.Join(quoted, ", ") + " FROM " + c.tableName(b.t) + " WHERE ")
	if err := b.cond(where); err != nil {
		return nil, err
	}
	if after != nil {
		if len(after) != len(key) {
			return nil, fmt.Errorf("connector: after has %d values for %d key columns", len(after), len(key))
		}
		// Keyset paging: (k1, k2) > (?, ?), written out so that every
		// engine uses the key's index.
		b.sql.WriteString(" AND (")
		for i := range key {
			if i > 0 {
				b.sql.WriteString(" OR ")
			}
			b.sql.WriteByte('(')
			for j := 0; j < i; j++ {
				b.sql.WriteString(quoted[j] + " = " + b.param(keyCols[j], after[j]) + " AND ")
			}
			b.sql.WriteString(quoted[i] + " > " + b.param(keyCols[i], after[i]) + ")")
		}
		b.sql.WriteByte(')')
	}
	b.sql.WriteString(" ORDER BY " + strings.Join(quoted[:len(key)], ", ") + " LIMIT " + strconv.Itoa(max(limit, 1)))
	rows, err := c.db.QueryContext(ctx, b.sql.String(), b.args...)
	if err != nil {
		return nil, fmt.Errorf("select %s: %w", table, err)
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(all))
		ptrs := make([]any, len(all))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("select %s: %w", table, err)
		}
		for i, v := range vals {
			if bs, ok := v.([]byte); ok {
				vals[i] = string(bs)
			}
		}
		out = append(out, vals)
	}
	return out, rows.Err()
}

// CountKeys implements Conn.
func (c *DB) CountKeys(ctx context.Context, table string, key []string, keys [][]any) (int64, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	if len(keys) > MaxBatch {
		return 0, fmt.Errorf("connector: %d keys in one batch (at most %d)", len(keys), MaxBatch)
	}
	b, err := c.builder(ctx, table)
	if err != nil {
		return 0, err
	}
	b.sql.WriteString("SELECT COUNT(*) FROM " + c.tableName(b.t) + " WHERE ")
	if err := b.keyIn(key, keys); err != nil {
		return 0, err
	}
	var n int64
	if err := c.db.QueryRowContext(ctx, b.sql.String(), b.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count keys %s: %w", table, err)
	}
	return n, nil
}

// Delete implements Conn.
func (c *DB) Delete(ctx context.Context, table string, key []string, keys [][]any, where *Cond) (int64, error) {
	return c.write(ctx, table, key, keys, where, nil)
}

// Update implements Conn.
func (c *DB) Update(ctx context.Context, table string, key []string, keys [][]any, where *Cond, set map[string]any) (int64, error) {
	if len(set) == 0 {
		return 0, gdpr.Keyed(gdpr.EINVALID, "set", "connector.noset", table)
	}
	return c.write(ctx, table, key, keys, where, set)
}

func (c *DB) write(ctx context.Context, table string, key []string, keys [][]any, where *Cond, set map[string]any) (int64, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	if len(key) == 0 {
		return 0, gdpr.Keyed(gdpr.EINVALID, "key", "connector.nokey", table)
	}
	if len(keys) > MaxBatch {
		return 0, fmt.Errorf("connector: %d keys in one batch (at most %d)", len(keys), MaxBatch)
	}
	b, err := c.builder(ctx, table)
	if err != nil {
		return 0, err
	}
	if set == nil {
		b.sql.WriteString("DELETE FROM " + c.tableName(b.t) + " WHERE ")
	} else {
		b.sql.WriteString("UPDATE " + c.tableName(b.t) + " SET ")
		for i, name := range slices.Sorted(maps.Keys(set)) {
			col, err := b.col(name)
			if err != nil {
				return 0, err
			}
			if i > 0 {
				b.sql.WriteString(", ")
			}
			if set[name] == nil {
				b.sql.WriteString(c.d.Quote(col.Name) + " = NULL")
				continue
			}
			b.sql.WriteString(c.d.Quote(col.Name) + " = " + b.param(col, set[name]))
		}
		b.sql.WriteString(" WHERE ")
	}
	if err := b.keyIn(key, keys); err != nil {
		return 0, err
	}
	// The condition again: a row that changed since it was selected
	// (a new order, a restriction set) stays.
	b.sql.WriteString(" AND ")
	if err := b.cond(where); err != nil {
		return 0, err
	}
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, b.sql.String(), b.args...)
	if err != nil {
		return 0, fmt.Errorf("write %s: %w", table, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	return n, tx.Commit()
}

// Exec runs a statement on the system (tests build their fixtures with
// it; the engine itself never runs SQL it did not write).
func (c *DB) Exec(ctx context.Context, query string) (sql.Result, error) {
	return c.db.ExecContext(ctx, query)
}
