package mysql_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	driver "github.com/go-sql-driver/mysql"

	"gdpr/connector"
	"gdpr/connector/conntest"
	"gdpr/connector/mysql"
)

// engine opens a database of its own per test on the MySQL or MariaDB
// server that GDPR_TEST_MYSQL names (user@tcp(host:port)/db); in CI
// (CI=true) a missing server fails.
func engine(t *testing.T) conntest.Engine {
	dsn := os.Getenv("GDPR_TEST_MYSQL")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but GDPR_TEST_MYSQL is not set: the MariaDB connector tests must run in CI")
		}
		t.Skip("GDPR_TEST_MYSQL not set")
	}
	return conntest.Engine{Timestamp: "DATETIME", Bool: "BOOLEAN", Quote: func(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }, Open: func(t *testing.T) (connector.Conn, func(string) error) {
		b := make([]byte, 6)
		rand.Read(b)
		name := "c_" + hex.EncodeToString(b)
		admin, err := sql.Open("mysql", dsn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
			t.Fatalf("MariaDB at GDPR_TEST_MYSQL: %v", err)
		}
		t.Cleanup(func() {
			admin.Exec("DROP DATABASE " + name)
			admin.Close()
		})
		cfg, err := driver.ParseDSN(dsn)
		if err != nil {
			t.Fatal(err)
		}
		cfg.DBName = name
		c, err := mysql.Open(cfg.FormatDSN())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c, func(q string) error { _, err := c.Exec(context.Background(), q); return err }
	}}
}

func TestConnector(t *testing.T) { conntest.Run(t, engine(t)) }
