// Package postgres is the connector to a company's PostgreSQL database.
package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"

	"gdpr/connector"
)

// Open connects to the database at dsn (postgres://…).
func Open(dsn string) (*connector.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(4)
	return connector.New(db, dialect{}), nil
}

type dialect struct{}

func (dialect) Quote(s string) string     { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func (dialect) Placeholder(n int) string  { return "$" + strconv.Itoa(n) }
func (dialect) TimeParam(t time.Time) any { return t }
func (dialect) Truth(e string, k connector.Kind) string {
	if k == connector.KindBool {
		return "COALESCE(" + e + ", FALSE)"
	}
	return "COALESCE(" + e + ", 0) <> 0"
}

// ReadSchema lists the base tables of every schema but the system's; a
// table of the current schema goes by its bare name, others as
// schema.table.
func (dialect) ReadSchema(ctx context.Context, db *sql.DB) (*connector.Schema, error) {
	var current string
	if err := db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&current); err != nil {
		return nil, err
	}
	name := func(schema, table string) string {
		if schema == current {
			return table
		}
		return schema + "." + table
	}
	rows, err := db.QueryContext(ctx, `SELECT c.table_schema, c.table_name, c.column_name, c.data_type, c.udt_name, c.is_nullable
		FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN ('pg_catalog', 'information_schema') AND c.table_schema NOT LIKE 'pg\_toast%'
		ORDER BY c.table_schema, c.table_name, c.ordinal_position`)
	if err != nil {
		return nil, err
	}
	s := &connector.Schema{}
	index := map[string]int{}
	for rows.Next() {
		var schema, table, col, typ, udt, nullable string
		if err := rows.Scan(&schema, &table, &col, &typ, &udt, &nullable); err != nil {
			rows.Close()
			return nil, err
		}
		n := name(schema, table)
		i, ok := index[n]
		if !ok {
			i = len(s.Tables)
			index[n] = i
			bare := table
			sch := schema
			s.Tables = append(s.Tables, connector.Table{Name: n, Schema: sch, Bare: bare})
		}
		if typ == "USER-DEFINED" {
			typ = udt
		}
		s.Tables[i].Columns = append(s.Tables[i].Columns, connector.Column{Name: col, Type: typ, Kind: connector.KindOf(typ), Nullable: nullable == "YES"})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	keys, err := db.QueryContext(ctx, `SELECT n.nspname, cl.relname, con.conname, con.contype, a.attname,
			COALESCE(fn.nspname, ''), COALESCE(fcl.relname, ''), COALESCE(fa.attname, '')
		FROM pg_constraint con
		JOIN pg_class cl ON cl.oid = con.conrelid
		JOIN pg_namespace n ON n.oid = cl.relnamespace
		CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
		JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
		LEFT JOIN pg_class fcl ON fcl.oid = con.confrelid
		LEFT JOIN pg_namespace fn ON fn.oid = fcl.relnamespace
		LEFT JOIN pg_attribute fa ON fa.attrelid = con.confrelid AND fa.attnum = con.confkey[k.ord]
		WHERE con.contype IN ('p', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
		ORDER BY n.nspname, cl.relname, con.conname, k.ord`)
	if err != nil {
		return nil, err
	}
	defer keys.Close()
	lastCon := ""
	for keys.Next() {
		var schema, table, con, typ, col, rschema, rtable, rcol string
		if err := keys.Scan(&schema, &table, &con, &typ, &col, &rschema, &rtable, &rcol); err != nil {
			return nil, err
		}
		i, ok := index[name(schema, table)]
		if !ok {
			continue
		}
		t := &s.Tables[i]
		if typ == "p" {
			t.PrimaryKey = append(t.PrimaryKey, col)
			continue
		}
		id := schema + "." + table + "." + con
		if id != lastCon {
			t.ForeignKeys = append(t.ForeignKeys, connector.ForeignKey{RefTable: name(rschema, rtable)})
			lastCon = id
		}
		fk := &t.ForeignKeys[len(t.ForeignKeys)-1]
		fk.Columns = append(fk.Columns, col)
		fk.RefColumns = append(fk.RefColumns, rcol)
	}
	return s, keys.Err()
}
