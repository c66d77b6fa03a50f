package conntest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	driver "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	_ "modernc.org/sqlite"             // driver "sqlite"

	"gdpr/register"
)

// Engines are the engines a test runs on: SQLite always, PostgreSQL when
// GDPR_TEST_POSTGRES names a server, MariaDB/MySQL when GDPR_TEST_MYSQL
// does. In CI (CI=true) a missing server fails the test.
func Engines(t testing.TB) []register.Engine {
	out := []register.Engine{register.EngineSQLite}
	for _, e := range []struct {
		engine register.Engine
		env    string
	}{{register.EnginePostgres, "GDPR_TEST_POSTGRES"}, {register.EngineMySQL, "GDPR_TEST_MYSQL"}} {
		if os.Getenv(e.env) != "" {
			out = append(out, e.engine)
		} else if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is not set: the %s tests must run in CI", e.env, e.engine)
		} else {
			t.Logf("%s not set: the %s leg does not run", e.env, e.engine)
		}
	}
	return out
}

// DSN makes an empty database of its own on an engine (a file, a schema,
// a database), dropped when the test ends, and returns its DSN and a
// connection to build the fixture with.
func DSN(t testing.TB, e register.Engine) (string, *sql.DB) {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	name := "c_" + hex.EncodeToString(b)
	var dsn, drv string
	switch e {
	case register.EngineSQLite:
		dsn, drv = filepath.Join(t.TempDir(), name+".db"), "sqlite"
	case register.EnginePostgres:
		base := os.Getenv("GDPR_TEST_POSTGRES")
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.Exec("CREATE SCHEMA " + name); err != nil {
			t.Fatalf("PostgreSQL at GDPR_TEST_POSTGRES: %v", err)
		}
		t.Cleanup(func() { admin.Exec("DROP SCHEMA " + name + " CASCADE"); admin.Close() })
		sep := "?"
		if strings.Contains(base, "?") {
			sep = "&"
		}
		dsn, drv = base+sep+"search_path="+name, "pgx"
	case register.EngineMySQL:
		base := os.Getenv("GDPR_TEST_MYSQL")
		admin, err := sql.Open("mysql", base)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
			t.Fatalf("MariaDB at GDPR_TEST_MYSQL: %v", err)
		}
		t.Cleanup(func() { admin.Exec("DROP DATABASE " + name); admin.Close() })
		cfg, err := driver.ParseDSN(base)
		if err != nil {
			t.Fatal(err)
		}
		cfg.DBName = name
		dsn, drv = cfg.FormatDSN(), "mysql"
	}
	db, err := sql.Open(drv, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return dsn, db
}
