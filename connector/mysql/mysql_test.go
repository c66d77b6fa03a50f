package mysql_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"gdpr/connector"
	"gdpr/connector/conntest"
	"gdpr/connector/mysql"
	"gdpr/register"
)

// TestConnector runs the suite in a database of its own on the MariaDB
// or MySQL server that GDPR_TEST_MYSQL names (in CI a missing server
// fails).
func TestConnector(t *testing.T) {
	if !slices.Contains(conntest.Engines(t), register.EngineMySQL) {
		t.Skip("GDPR_TEST_MYSQL not set")
	}
	quote := func(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
	conntest.Run(t, conntest.Engine{Timestamp: "DATETIME", Bool: "BOOLEAN", Quote: quote, Open: func(t *testing.T) (connector.Conn, func(string) error) {
		dsn, _ := conntest.DSN(t, register.EngineMySQL)
		c, err := mysql.Open(dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c, func(q string) error { _, err := c.Exec(context.Background(), q); return err }
	}})
}
