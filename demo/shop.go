package demo

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	_ "modernc.org/sqlite" // driver "sqlite"
)

// ShopEnv is the variable the demo's system (systems.yaml) takes its
// database from.
const ShopEnv = "GDPR_DEMO_SHOP"

// ShopDB writes allegro:it's shop database as systems.yaml maps it, to a
// new SQLite file at path: customers (some with a closed account) and an
// access log of the last 50 days before now, and newsletter subscribers
// the map does not name, so that a scan finds personal columns mapped and
// unmapped, and the register's deletion periods have rows to judge. The
// people are invented.
func ShopDB(ctx context.Context, path string, now time.Time) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range []string{
		`CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT, street TEXT, city TEXT, phone TEXT, created_at TEXT NOT NULL, closed_at TEXT)`,
		`CREATE TABLE access_log (id INTEGER PRIMARY KEY, logged_at TEXT NOT NULL, ip TEXT NOT NULL, path TEXT NOT NULL, status INTEGER NOT NULL)`,
		`CREATE INDEX access_log_logged_at ON access_log (logged_at)`,
		`CREATE TABLE products (id INTEGER PRIMARY KEY, product_name TEXT NOT NULL, price REAL NOT NULL)`,
		// Not in systems.yaml: what a scan is for.
		`CREATE TABLE newsletter_subscribers (id INTEGER PRIMARY KEY, address TEXT NOT NULL, subscribed_at TEXT NOT NULL, confirmed_from TEXT)`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("demo shop: %w", err)
		}
	}
	first := []string{"Anna", "Bernd", "Carla", "Dieter", "Elif", "Frank", "Greta", "Hans", "Ilse", "Jonas"}
	last := []string{"Müller", "Schmidt", "Yilmaz", "Weber", "Nowak", "Becker", "Hoffmann"}
	cities := []string{"33098 Paderborn", "59929 Brilon", "34431 Marsberg", "33602 Bielefeld"}
	day := func(d int) string { return now.AddDate(0, 0, -d).UTC().Format("2006-01-02") }
	for i := range 40 {
		f, l := first[i%len(first)], last[i%len(last)]
		closed := any(nil)
		if i%4 == 0 {
			closed = day(30 + 90*i) // some long ago, some lately
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, i+1,
			fmt.Sprintf("%s.%s%d@example.org", lower(f), lower(l), i), f+" "+l, fmt.Sprintf("Hauptstraße %d", i+1), cities[i%len(cities)],
			fmt.Sprintf("02961 %06d", 900000+i), day(400+30*i), closed); err != nil {
			return fmt.Errorf("demo shop: %w", err)
		}
	}
	for i := range 600 {
		at := now.Add(-time.Duration(i) * 2 * time.Hour).UTC().Format("2006-01-02 15:04:05")
		if _, err := tx.ExecContext(ctx, `INSERT INTO access_log (logged_at, ip, path, status) VALUES (?, ?, ?, ?)`, at,
			fmt.Sprintf("203.0.113.%d", 1+i%250), []string{"/", "/shop", "/warenkorb", "/kontakt"}[i%4], 200); err != nil {
			return fmt.Errorf("demo shop: %w", err)
		}
	}
	for i := range 25 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO newsletter_subscribers VALUES (?, ?, ?, ?)`, i+1,
			fmt.Sprintf("leser%d@example.net", i), day(10*i), fmt.Sprintf("198.51.100.%d", 1+i)); err != nil {
			return fmt.Errorf("demo shop: %w", err)
		}
	}
	for i, p := range []string{"Notebook-Service", "Netzwerkkabel", "Drucker", "Wartungsvertrag"} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO products VALUES (?, ?, ?)`, i+1, p, 19.9+float64(i)*10); err != nil {
			return fmt.Errorf("demo shop: %w", err)
		}
	}
	return tx.Commit()
}

func lower(s string) string {
	out := []rune{}
	for _, r := range s {
		switch r {
		case 'Ä', 'ä':
			out = append(out, 'a', 'e')
		case 'Ö', 'ö':
			out = append(out, 'o', 'e')
		case 'Ü', 'ü':
			out = append(out, 'u', 'e')
		case 'ß':
			out = append(out, 's', 's')
		default:
			if r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
			out = append(out, r)
		}
	}
	return string(out)
}
