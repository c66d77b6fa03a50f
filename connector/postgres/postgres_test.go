package postgres_test

import (
	"context"
	"slices"
	"testing"

	"gdpr/connector"
	"gdpr/connector/conntest"
	"gdpr/connector/postgres"
	"gdpr/register"
)

// TestConnector runs the suite in a schema of its own on the PostgreSQL
// that GDPR_TEST_POSTGRES names (in CI a missing server fails).
func TestConnector(t *testing.T) {
	if !slices.Contains(conntest.Engines(t), register.EnginePostgres) {
		t.Skip("GDPR_TEST_POSTGRES not set")
	}
	conntest.Run(t, conntest.Engine{Timestamp: "TIMESTAMP", Bool: "BOOLEAN", Quote: conntest.DoubleQuote, Open: func(t *testing.T) (connector.Conn, func(string) error) {
		dsn, _ := conntest.DSN(t, register.EnginePostgres)
		c, err := postgres.Open(dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c, func(q string) error { _, err := c.Exec(context.Background(), q); return err }
	}})
}
