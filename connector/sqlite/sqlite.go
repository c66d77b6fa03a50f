// Package sqlite is the connector to a company's SQLite database.
package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "modernc.org/sqlite" // driver "sqlite"

	"gdpr/connector"
)

// Open opens the SQLite file at dsn (a path, or a file: URI). A busy
// timeout lets the sweep wait for the application's writer instead of
// failing; foreign keys are enforced, as the schema declares them.
func Open(dsn string) (*connector.DB, error) {
	path := strings.TrimPrefix(dsn, "sqlite:")
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	if !strings.HasPrefix(path, "file:") {
		path = "file:" + path
	}
	db, err := sql.Open("sqlite", path+sep+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	db.SetMaxOpenConns(2)
	return connector.New(db, dialect{}), nil
}

type dialect struct{}

func (dialect) Quote(s string) string                   { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func (dialect) Placeholder(int) string                  { return "?" }
func (dialect) Truth(e string, _ connector.Kind) string { return "COALESCE(" + e + ", 0) <> 0" }

// TimeParam: SQLite keeps moments as text; ISO 8601 in UTC with a space,
// as its own datetime() writes them, compares in time order with text
// of that form and with bare dates.
func (dialect) TimeParam(t time.Time) any { return t.UTC().Format("2006-01-02 15:04:05") }

func (d dialect) ReadSchema(ctx context.Context, db *sql.DB) (*connector.Schema, error) {
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	s := &connector.Schema{}
	pks := map[string][]string{}
	for _, n := range names {
		t := connector.Table{Name: n, Bare: n}
		cols, err := db.QueryContext(ctx, `SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid`, n)
		if err != nil {
			return nil, err
		}
		var pk []struct {
			pos  int
			name string
		}
		for cols.Next() {
			var name, typ string
			var notNull, pos int
			if err := cols.Scan(&name, &typ, &notNull, &pos); err != nil {
				cols.Close()
				return nil, err
			}
			t.Columns = append(t.Columns, connector.Column{Name: name, Type: typ, Kind: connector.KindOf(typ), Nullable: notNull == 0})
			if pos > 0 {
				pk = append(pk, struct {
					pos  int
					name string
				}{pos, name})
			}
		}
		cols.Close()
		for i := 1; i <= len(pk); i++ {
			for _, p := range pk {
				if p.pos == i {
					t.PrimaryKey = append(t.PrimaryKey, p.name)
				}
			}
		}
		pks[n] = t.PrimaryKey
		s.Tables = append(s.Tables, t)
	}
	for i := range s.Tables {
		t := &s.Tables[i]
		fks, err := db.QueryContext(ctx, `SELECT id, "table", "from", "to" FROM pragma_foreign_key_list(?) ORDER BY id, seq`, t.Bare)
		if err != nil {
			return nil, err
		}
		last := -1
		for fks.Next() {
			var id int
			var ref, from string
			var to sql.NullString
			if err := fks.Scan(&id, &ref, &from, &to); err != nil {
				fks.Close()
				return nil, err
			}
			if id != last {
				t.ForeignKeys = append(t.ForeignKeys, connector.ForeignKey{RefTable: ref})
				last = id
			}
			fk := &t.ForeignKeys[len(t.ForeignKeys)-1]
			fk.Columns = append(fk.Columns, from)
			if to.Valid {
				fk.RefColumns = append(fk.RefColumns, to.String)
			}
		}
		fks.Close()
		for j := range t.ForeignKeys {
			// REFERENCES t without columns means t's primary key.
			if fk := &t.ForeignKeys[j]; len(fk.RefColumns) == 0 {
				fk.RefColumns = pks[fk.RefTable]
			}
		}
	}
	return s, nil
}
