// Package mysql is the connector to a company's MySQL or MariaDB
// database.
package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"gdpr/connector"
)

// Open connects to the database at dsn (user:password@tcp(host:3306)/db,
// optionally with a mysql:// prefix). Times are read as time.Time in UTC.
func Open(dsn string) (*connector.DB, error) {
	cfg, err := driver.ParseDSN(strings.TrimPrefix(dsn, "mysql://"))
	if err != nil {
		return nil, fmt.Errorf("open mysql: %w", err)
	}
	if cfg.DBName == "" {
		return nil, fmt.Errorf("open mysql: the DSN names no database")
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	c, err := driver.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("open mysql: %w", err)
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(4)
	return connector.New(db, dialect{}), nil
}

type dialect struct{}

func (dialect) Quote(s string) string                   { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
func (dialect) Placeholder(int) string                  { return "?" }
func (dialect) TimeParam(t time.Time) any               { return t }
func (dialect) Truth(e string, _ connector.Kind) string { return "COALESCE(" + e + ", 0) <> 0" }

// ReadSchema lists the base tables of the connection's database.
func (dialect) ReadSchema(ctx context.Context, db *sql.DB) (*connector.Schema, error) {
	rows, err := db.QueryContext(ctx, `SELECT c.table_name, c.column_name, c.column_type, c.is_nullable
		FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = DATABASE() AND t.table_type = 'BASE TABLE'
		ORDER BY c.table_name, c.ordinal_position`)
	if err != nil {
		return nil, err
	}
	s := &connector.Schema{}
	index := map[string]int{}
	for rows.Next() {
		var table, col, typ, nullable string
		if err := rows.Scan(&table, &col, &typ, &nullable); err != nil {
			rows.Close()
			return nil, err
		}
		i, ok := index[table]
		if !ok {
			i = len(s.Tables)
			index[table] = i
			s.Tables = append(s.Tables, connector.Table{Name: table, Bare: table})
		}
		s.Tables[i].Columns = append(s.Tables[i].Columns, connector.Column{Name: col, Type: typ, Kind: connector.KindOf(typ), Nullable: nullable == "YES"})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	keys, err := db.QueryContext(ctx, `SELECT table_name, constraint_name, column_name, COALESCE(referenced_table_name, ''), COALESCE(referenced_column_name, '')
		FROM information_schema.key_column_usage
		WHERE table_schema = DATABASE() AND (constraint_name = 'PRIMARY' OR referenced_table_name IS NOT NULL)
		ORDER BY table_name, constraint_name, ordinal_position`)
	if err != nil {
		return nil, err
	}
	defer keys.Close()
	lastCon := ""
	for keys.Next() {
		var table, con, col, rtable, rcol string
		if err := keys.Scan(&table, &con, &col, &rtable, &rcol); err != nil {
			return nil, err
		}
		i, ok := index[table]
		if !ok {
			continue
		}
		t := &s.Tables[i]
		if con == "PRIMARY" {
			t.PrimaryKey = append(t.PrimaryKey, col)
			continue
		}
		if id := table + "." + con; id != lastCon {
			t.ForeignKeys = append(t.ForeignKeys, connector.ForeignKey{RefTable: rtable})
			lastCon = id
		}
		fk := &t.ForeignKeys[len(t.ForeignKeys)-1]
		fk.Columns = append(fk.Columns, col)
		fk.RefColumns = append(fk.RefColumns, rcol)
	}
	return s, keys.Err()
}
