package sqlite_test

import (
	"context"
	"testing"

	"gdpr/connector"
	"gdpr/connector/conntest"
	"gdpr/connector/sqlite"
	"gdpr/register"
)

func engine() conntest.Engine {
	return conntest.Engine{Timestamp: "TIMESTAMP", Bool: "BOOLEAN", Quote: conntest.DoubleQuote, Open: func(t *testing.T) (connector.Conn, func(string) error) {
		dsn, _ := conntest.DSN(t, register.EngineSQLite)
		c, err := sqlite.Open(dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c, func(q string) error { _, err := c.Exec(context.Background(), q); return err }
	}}
}

func TestConnector(t *testing.T) { conntest.Run(t, engine()) }
