// Package conntest is the one test suite every connector passes: the
// same shop schema and the same checks on SQLite, PostgreSQL and
// MySQL/MariaDB.
package conntest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gdpr"
	"gdpr/connector"
	"gdpr/period"
	"gdpr/retention"
)

// Engine is one database to run the suite against.
type Engine struct {
	// Open returns a connector to an empty database of its own and a
	// function that runs a statement on it (the fixture's DDL and rows).
	Open func(t *testing.T) (connector.Conn, func(query string) error)
	// Timestamp and Bool are the engine's spellings of those types.
	Timestamp, Bool string
	// Quote quotes a name for the fixture's DDL.
	Quote func(string) string
}

// Shop creates the fixture: customers, orders (referencing customers),
// order items (a composite key), and a table whose name and column need
// quoting.
func Shop(t *testing.T, e Engine) (connector.Conn, func(string) error) {
	t.Helper()
	c, exec := e.Open(t)
	must := func(q string) {
		t.Helper()
		if err := exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	must(`CREATE TABLE customers (id INTEGER PRIMARY KEY, email VARCHAR(300) NOT NULL, name VARCHAR(200), closed_at DATE, last_login ` + e.Timestamp + `, restricted ` + e.Bool + `)`)
	must(`CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id), placed_on DATE NOT NULL)`)
	must(`CREATE TABLE order_items (order_id INTEGER NOT NULL REFERENCES orders (id), line INTEGER NOT NULL, article VARCHAR(100), PRIMARY KEY (order_id, line))`)
	odd := e.Quote(`Kunden "Alt"`)
	must(`CREATE TABLE ` + odd + ` (` + e.Quote("e-mail") + ` VARCHAR(200), ` + e.Quote(`x"y`) + ` INTEGER)`)
	long := strings.Repeat("ä", 300)
	for _, q := range []string{
		`INSERT INTO customers VALUES (1, 'anna@example.org', 'Anna', '2023-12-31', '2024-01-05 10:00:00', FALSE)`,
		`INSERT INTO customers VALUES (2, 'bernd@example.org', 'Bernd', '2024-01-01', '2024-01-05 22:30:00', NULL)`,
		`INSERT INTO customers VALUES (3, 'carla@example.org', NULL, NULL, NULL, TRUE)`,
		`INSERT INTO customers VALUES (4, '` + long + `', 'Dora', '2022-06-30', '2023-01-01 00:00:00', FALSE)`,
		`INSERT INTO customers VALUES (5, 'emil@example.org', 'Emil', '2021-03-01', NULL, TRUE)`,
		`INSERT INTO orders VALUES (10, 1, '2023-05-01'), (11, 2, '2023-06-01'), (12, 2, '2024-02-01')`,
		`INSERT INTO order_items VALUES (10, 1, 'Buch'), (10, 2, 'Stift'), (11, 1, 'Lampe'), (12, 1, 'Tisch'), (12, 2, 'Stuhl')`,
		`INSERT INTO ` + odd + ` VALUES ('alt@example.org', 1)`,
	} {
		must(q)
	}
	return c, exec
}

// DoubleQuote is the SQL standard's quoting (PostgreSQL, SQLite).
func DoubleQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Run runs the suite.
func Run(t *testing.T, e Engine) {
	ctx := context.Background()
	t.Run("schema", func(t *testing.T) {
		c, _ := Shop(t, e)
		s, err := c.Schema(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, tb := range s.Tables {
			names = append(names, tb.Name)
		}
		for _, want := range []string{"customers", "orders", "order_items", `Kunden "Alt"`} {
			if !slices.Contains(names, want) {
				t.Errorf("schema lacks %q: %q", want, names)
			}
		}
		cust, _ := s.Table("customers")
		if cust == nil || !slices.Equal(cust.PrimaryKey, []string{"id"}) {
			t.Fatalf("customers: %+v", cust)
		}
		kinds := map[string]connector.Kind{"id": connector.KindInteger, "email": connector.KindText, "closed_at": connector.KindDate,
			"last_login": connector.KindTimestamp}
		for col, k := range kinds {
			if c, ok := cust.Column(col); !ok || c.Kind != k {
				t.Errorf("customers.%s: %+v, want kind %s", col, c, k)
			}
		}
		if c, _ := cust.Column("email"); c.Nullable {
			t.Error("customers.email is NOT NULL")
		}
		if c, _ := cust.Column("restricted"); c.Kind != connector.KindBool && c.Kind != connector.KindInteger {
			t.Errorf("customers.restricted: %+v", c)
		}
		orders, _ := s.Table("orders")
		if orders == nil || len(orders.ForeignKeys) != 1 || orders.ForeignKeys[0].RefTable != "customers" ||
			!slices.Equal(orders.ForeignKeys[0].Columns, []string{"customer_id"}) || !slices.Equal(orders.ForeignKeys[0].RefColumns, []string{"id"}) {
			t.Errorf("orders' foreign key: %+v", orders)
		}
		items, _ := s.Table("order_items")
		if items == nil || !slices.Equal(items.PrimaryKey, []string{"order_id", "line"}) || len(items.ForeignKeys) != 1 {
			t.Errorf("order_items: %+v", items)
		}
	})
	t.Run("sample", func(t *testing.T) {
		c, exec := Shop(t, e)
		got, err := c.Sample(ctx, "customers", "name", 3)
		if err != nil || len(got) != 3 {
			t.Fatalf("three names: %q %v", got, err)
		}
		all, _ := c.Sample(ctx, "customers", "name", 100)
		if len(all) != 4 || slices.Contains(all, "") {
			t.Errorf("the names that are not null: %q", all)
		}
		emails, _ := c.Sample(ctx, "customers", "email", 100)
		for _, v := range emails {
			if len(v) > connector.MaxSample || !utf8Valid(v) {
				t.Errorf("a sample of %d bytes (valid UTF-8: %v)", len(v), utf8Valid(v))
			}
		}
		q, err := c.Sample(ctx, `Kunden "Alt"`, "e-mail", 5)
		if err != nil || len(q) != 1 || q[0] != "alt@example.org" {
			t.Errorf("a name that needs quoting: %q %v", q, err)
		}
		for _, bad := range []struct{ table, col string }{
			{"customers; DROP TABLE orders", "name"}, {"customers", "name FROM customers; DROP TABLE orders; --"},
			{"nosuch", "x"}, {"customers", "nosuch"},
		} {
			if _, err := c.Sample(ctx, bad.table, bad.col, 1); gdpr.ErrorCode(err) != gdpr.ENOTFOUND {
				t.Errorf("%q.%q: %v, want not found", bad.table, bad.col, err)
			}
		}
		if err := exec(`SELECT COUNT(*) FROM orders`); err != nil {
			t.Errorf("orders after the attempts: %v", err)
		}
	})
	t.Run("count", func(t *testing.T) {
		c, _ := Shop(t, e)
		day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		berlin, _ := time.LoadLocation("Europe/Berlin")
		for _, tc := range []struct {
			name  string
			where *connector.Cond
			want  int64
		}{
			{"all", nil, 5},
			{"closed before 2024", connector.Less("closed_at", day), 3},
			{"closed on or before 2024-01-01", &connector.Cond{Op: connector.OpLessEq, Col: "closed_at", Val: day}, 4},
			{"a day in Berlin is that day", connector.Less("closed_at", time.Date(2024, 1, 1, 0, 0, 0, 0, berlin)), 3},
			{"restricted", &connector.Cond{Op: connector.OpSet, Col: "restricted"}, 2},
			{"not restricted (NULL is not)", connector.Not(&connector.Cond{Op: connector.OpSet, Col: "restricted"}), 3},
			{"logged in before 2024-01-05 23:00 Berlin", connector.Less("last_login", time.Date(2024, 1, 5, 23, 0, 0, 0, berlin)), 2},
			{"logged in before 2024-01-05 23:31 UTC", connector.Less("last_login", time.Date(2024, 1, 5, 23, 31, 0, 0, time.UTC)), 3},
			// Two-valued: a row without the date is not before any day,
			// so it is "not before" every day (NULL never leaks into NOT).
			{"no date is not before", connector.Not(connector.Less("last_login", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))), 2},
			{"or", connector.Or(connector.Less("closed_at", day), &connector.Cond{Op: connector.OpSet, Col: "restricted"}), 4},
			{"and", connector.And(connector.Less("closed_at", day), connector.Not(&connector.Cond{Op: connector.OpSet, Col: "restricted"})), 2},
			{"in", &connector.Cond{Op: connector.OpIn, Col: "id", Vals: []any{1, 3, 99}}, 2},
			{"in nothing", &connector.Cond{Op: connector.OpIn, Col: "id"}, 0},
			{"null", &connector.Cond{Op: connector.OpNull, Col: "closed_at"}, 1},
		} {
			n, err := c.Count(ctx, "customers", tc.where)
			if err != nil || n != tc.want {
				t.Errorf("%s: %d %v, want %d", tc.name, n, err, tc.want)
			}
		}
		oldest, err := c.Min(ctx, "customers", "closed_at", nil)
		if err != nil || !strings.HasPrefix(connector.Text(oldest), "2021-03-01") {
			t.Errorf("oldest: %v %v", oldest, err)
		}
		if v, err := c.Min(ctx, "customers", "closed_at", &connector.Cond{Op: connector.OpIn, Col: "id"}); err != nil || v != nil {
			t.Errorf("oldest of none: %v %v", v, err)
		}
	})
	t.Run("due by a retention rule", func(t *testing.T) {
		c, _ := Shop(t, e)
		// Closed on 2023-12-31 / 2024-01-01 / 2022-06-30 / 2021-03-01:
		// three years after the end of contract, on 1 January 2027 the
		// first of those ends on 31 December 2026 and is due, the
		// second ends on 1 January 2027 and is not.
		p3y := period.MustParse("P3Y")
		cut, err := retention.DueBefore(retention.Rule{Event: retention.ContractEnd, Period: &p3y}, time.Date(2027, 1, 1, 8, 0, 0, 0, retention.Berlin))
		if err != nil {
			t.Fatal(err)
		}
		n, err := c.Count(ctx, "customers", connector.Less("closed_at", cut.Before))
		if err != nil || n != 3 {
			t.Errorf("due customers: %d %v, want 3", n, err)
		}
		// Restricted customers stay (Art. 18): Emil (2021) is.
		n, _ = c.Count(ctx, "customers", connector.And(connector.Less("closed_at", cut.Before), connector.Not(&connector.Cond{Op: connector.OpSet, Col: "restricted"})))
		if n != 2 {
			t.Errorf("due and not restricted: %d, want 2", n)
		}
		// Ten years from the end of the year the order was placed: on
		// 1 January 2034 the orders of 2023 are due, that of 2024 not.
		p10y := period.MustParse("P10Y")
		cut, _ = retention.DueBefore(retention.Rule{Event: retention.DocumentDate, Anchor: retention.AnchorYearEnd, Period: &p10y}, time.Date(2034, 1, 1, 0, 30, 0, 0, retention.Berlin))
		if n, err := c.Count(ctx, "orders", connector.Less("placed_on", cut.Before)); err != nil || n != 2 {
			t.Errorf("due orders: %d %v, want 2", n, err)
		}
		// Timestamps: a login on 5 January 2024 at 22:30 UTC is 23:30 in
		// Berlin, the same day; 30 days later, on 5 February, it is due
		// from 5 February on (its end is 4 February).
		p30 := period.MustParse("P30D")
		for _, tc := range []struct {
			day  time.Time
			want int64
		}{{time.Date(2024, 2, 3, 12, 0, 0, 0, retention.Berlin), 1}, {time.Date(2024, 2, 5, 0, 0, 1, 0, retention.Berlin), 3}} {
			cut, _ := retention.DueBefore(retention.Rule{Event: retention.LastActivity, Period: &p30}, tc.day)
			if n, err := c.Count(ctx, "customers", connector.Less("last_login", cut.Before)); err != nil || n != tc.want {
				t.Errorf("logins due on %s: %d %v, want %d", tc.day.Format("2006-01-02"), n, err, tc.want)
			}
		}
	})
	t.Run("last related row before", func(t *testing.T) {
		c, _ := Shop(t, e)
		// Customers whose last order was placed before 2024: Anna (one
		// order, May 2023). Bernd's second order is of February 2024;
		// the others have none.
		last := func(day time.Time) *connector.Cond {
			return &connector.Cond{Op: connector.OpLastBefore, Related: "orders", Join: [][2]string{{"id", "customer_id"}}, Col: "placed_on", Val: day}
		}
		rows, err := c.Select(ctx, "customers", []string{"id"}, last(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)), nil, 10)
		if err != nil || len(rows) != 1 || connector.Text(rows[0][0]) != "1" {
			t.Errorf("last order before 2024: %v %v", rows, err)
		}
		if n, err := c.Count(ctx, "customers", last(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))); err != nil || n != 2 {
			t.Errorf("last order before March 2024: %d %v, want 2", n, err)
		}
		if _, err := c.Count(ctx, "customers", &connector.Cond{Op: connector.OpLastBefore, Related: "nosuch", Join: [][2]string{{"id", "x"}}, Col: "y", Val: time.Now()}); gdpr.ErrorCode(err) != gdpr.ENOTFOUND {
			t.Errorf("an unknown related table: %v", err)
		}
	})
	t.Run("select in pages", func(t *testing.T) {
		c, _ := Shop(t, e)
		var got []string
		var after []any
		for {
			rows, err := c.Select(ctx, "order_items", []string{"order_id", "line"}, nil, after, 2, "article")
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) == 0 {
				break
			}
			for _, r := range rows {
				got = append(got, fmt.Sprintf("%v/%v %v", r[0], r[1], r[2]))
			}
			after = rows[len(rows)-1][:2]
		}
		want := []string{"10/1 Buch", "10/2 Stift", "11/1 Lampe", "12/1 Tisch", "12/2 Stuhl"}
		if !slices.Equal(got, want) {
			t.Errorf("pages: %q, want %q", got, want)
		}
		rows, err := c.Select(ctx, "customers", []string{"id"}, connector.Less("closed_at", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)), nil, 10)
		if err != nil || len(rows) != 3 {
			t.Errorf("due customers: %v %v", rows, err)
		}
	})
	t.Run("delete and update", func(t *testing.T) {
		c, _ := Shop(t, e)
		due := connector.Less("placed_on", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
		// Items of due orders go first (they reference the orders).
		n, err := c.Delete(ctx, "order_items", []string{"order_id", "line"}, [][]any{{10, 1}, {10, 2}, {11, 1}}, nil)
		if err != nil || n != 3 {
			t.Fatalf("items: %d %v", n, err)
		}
		// Order 12 is not due any more (or never was): named, but kept.
		n, err = c.Delete(ctx, "orders", []string{"id"}, [][]any{{10}, {11}, {12}}, due)
		if err != nil || n != 2 {
			t.Fatalf("orders: %d %v", n, err)
		}
		if left, _ := c.Count(ctx, "orders", nil); left != 1 {
			t.Errorf("%d orders left", left)
		}
		// A customer who still has an order stays (foreign key).
		if _, err := c.Delete(ctx, "customers", []string{"id"}, [][]any{{2}}, nil); err == nil {
			t.Error("a referenced customer was deleted")
		}
		n, err = c.Update(ctx, "customers", []string{"id"}, [][]any{{1}, {4}, {5}}, connector.Not(&connector.Cond{Op: connector.OpSet, Col: "restricted"}),
			map[string]any{"name": nil, "email": "[gelöscht]"})
		if err != nil || n != 2 {
			t.Fatalf("anonymised %d %v", n, err)
		}
		names, _ := c.Sample(ctx, "customers", "name", 10)
		if slices.Contains(names, "Anna") || slices.Contains(names, "Dora") || !slices.Contains(names, "Emil") {
			t.Errorf("names after anonymising: %q", names)
		}
		if _, err := c.Delete(ctx, "customers", []string{"id"}, make([][]any, connector.MaxBatch+1), nil); err == nil {
			t.Error("a batch beyond the bound")
		}
		if _, err := c.Delete(ctx, "customers", nil, [][]any{{1}}, nil); err == nil {
			t.Error("a delete without key")
		}
		var nf *gdpr.Error
		if _, err := c.Update(ctx, "customers", []string{"id"}, [][]any{{1}}, nil, map[string]any{"nosuch": 1}); !errors.As(err, &nf) || nf.Code != gdpr.ENOTFOUND {
			t.Errorf("an unknown column to set: %v", err)
		}
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }
