// Package connectors opens the connector for an engine of the register.
package connectors

import (
	"fmt"

	"gdpr/connector"
	"gdpr/connector/mysql"
	"gdpr/connector/postgres"
	"gdpr/connector/sqlite"
	"gdpr/register"
)

// Open connects to a system's database.
func Open(engine register.Engine, dsn string) (connector.Conn, error) {
	switch engine {
	case register.EnginePostgres:
		return postgres.Open(dsn)
	case register.EngineMySQL:
		return mysql.Open(dsn)
	case register.EngineSQLite:
		return sqlite.Open(dsn)
	}
	return nil, fmt.Errorf("no connector for engine %q", engine)
}
