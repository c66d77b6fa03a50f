package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"gdpr/connector"
	"gdpr/connector/conntest"
	"gdpr/connector/postgres"
)

// engine opens a schema of its own per test on the PostgreSQL that
// GDPR_TEST_POSTGRES names; in CI (CI=true) a missing server fails.
func engine(t *testing.T) conntest.Engine {
	dsn := os.Getenv("GDPR_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but GDPR_TEST_POSTGRES is not set: the PostgreSQL connector tests must run in CI")
		}
		t.Skip("GDPR_TEST_POSTGRES not set")
	}
	return conntest.Engine{Timestamp: "TIMESTAMP", Bool: "BOOLEAN", Quote: conntest.DoubleQuote, Open: func(t *testing.T) (connector.Conn, func(string) error) {
		b := make([]byte, 6)
		rand.Read(b)
		schema := "c_" + hex.EncodeToString(b)
		admin, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			admin.Exec("DROP SCHEMA " + schema + " CASCADE")
			admin.Close()
		})
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		c, err := postgres.Open(dsn + sep + "search_path=" + schema)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c, func(q string) error { _, err := c.Exec(context.Background(), q); return err }
	}}
}

func TestConnector(t *testing.T) { conntest.Run(t, engine(t)) }
