package register_test

import (
	"slices"
	"testing"
	"time"

	"gdpr"
	"gdpr/period"
	"gdpr/register"
	"gdpr/retention"
)

func shopSystem() *register.System {
	p7d, p2w, p1d := period.MustParse("P7D"), period.MustParse("P2W"), period.MustParse("P1D")
	return &register.System{ID: "shop-db", Name: "Shop", Engine: register.EnginePostgres, DSNEnv: "SHOP_DSN",
		Tables: []register.Table{
			{Name: "customers", Activity: "kunden", SubjectKey: []string{"id", "email"}, Columns: map[string]string{"email": "E-Mail"},
				Events: map[retention.Event]string{retention.ContractEnd: "ended_at"}},
		},
		Backups: []register.Backup{{Name: "Server", Every: &p1d, Keep: &p7d}, {Name: "Konto", Every: &p1d, Keep: &p2w}}}
}

// TestSystemProblems: each structural mistake is refused with its field,
// the connection string is never a field of the register.
func TestSystemProblems(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(s *register.System)
		field string
		key   string
	}{
		{"valid", func(s *register.System) {}, "", ""},
		{"no name", func(s *register.System) { s.Name = " " }, "name", "invalid.noname.system"},
		{"bad id", func(s *register.System) { s.ID = "Shop DB" }, "id", "invalid.id"},
		{"engine", func(s *register.System) { s.Engine = "oracle" }, "engine", "invalid.engine"},
		{"no dsn source", func(s *register.System) { s.DSNEnv = "" }, "dsn_env", "invalid.dsn.none"},
		{"both dsn sources", func(s *register.System) { s.DSNFile = "/etc/gdpr/shop.dsn" }, "dsn_file", "invalid.dsn.both"},
		{"env name", func(s *register.System) { s.DSNEnv = "postgres://user:pw@host/db" }, "dsn_env", "invalid.dsn.env"},
		{"file only", func(s *register.System) { s.DSNEnv, s.DSNFile = "", "/run/secrets/shop" }, "", ""},
		{"table name", func(s *register.System) { s.Tables[0].Name = "" }, "tables[0].name", "invalid.ident"},
		{"table name control", func(s *register.System) { s.Tables[0].Name = "cust\x00omers" }, "tables[0].name", "invalid.ident"},
		{"table twice", func(s *register.System) { s.Tables = append(s.Tables, s.Tables[0]) }, "tables[1].name", "invalid.table.twice"},
		{"unknown event", func(s *register.System) { s.Tables[0].Events["birthday"] = "born_on" }, "tables[0].events", "invalid.event"},
		{"event column", func(s *register.System) { s.Tables[0].Events[retention.ContractEnd] = "contracts." }, "tables[0].events", "invalid.ident"},
		{"action", func(s *register.System) { s.Tables[0].Action = "burn" }, "tables[0].action", "invalid.sweepaction"},
		{"flag without column", func(s *register.System) { s.Tables[0].Action = register.SweepFlag }, "tables[0].flag", "invalid.flag.none"},
		{"anonymise nothing", func(s *register.System) {
			s.Tables[0].Action, s.Tables[0].Columns = register.SweepAnonymise, nil
		}, "tables[0].anonymise", "invalid.anonymise.none"},
		{"backup without keep", func(s *register.System) { s.Backups[0].Keep = nil }, "backups[0].keep", "invalid.backup.nokeep"},
		{"status", func(s *register.System) { s.Status = register.StatusApproved }, "status", "invalid.status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := shopSystem()
			tc.edit(s)
			err := s.Validate()
			if tc.key == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			e, ok := err.(*gdpr.Error)
			if !ok || e.Field != tc.field || e.Key != tc.key {
				t.Fatalf("got %#v, want field %s key %s", err, tc.field, tc.key)
			}
		})
	}
}

// TestCheckSystem: the lint says what keeps a table's rows from being
// swept, per table, with the table's name.
func TestCheckSystem(t *testing.T) {
	p3y, p10y := period.MustParse("P3Y"), period.MustParse("P10Y")
	acts := map[string]*register.Activity{
		"kunden": {ID: "kunden", Name: "Kunden", Retention: []register.Retention{{Text: "3 Jahre nach Vertragsende",
			Rule: &retention.Rule{Event: retention.ContractEnd, Period: &p3y}}}},
		"buchhaltung": {ID: "buchhaltung", Name: "Buchhaltung", Retention: []register.Retention{
			{Text: "10 Jahre", DataCategory: "Rechnungen", Rule: &retention.Rule{Event: retention.DocumentDate, Anchor: retention.AnchorYearEnd, Period: &p10y}},
			{Text: "3 Jahre nach Vertragsende", DataCategory: "Verträge", Rule: &retention.Rule{Event: retention.ContractEnd, Period: &p3y}}}},
		"ohne": {ID: "ohne", Name: "Ohne Frist"},
	}
	codes := func(s *register.System) []string {
		var out []string
		for _, f := range register.CheckSystem(s, acts) {
			out = append(out, f.Code+" "+f.Field)
		}
		slices.Sort(out)
		return out
	}
	if got := codes(shopSystem()); len(got) != 0 {
		t.Errorf("a mapped table: %v", got)
	}
	s := shopSystem()
	s.Backups = nil
	s.Tables = []register.Table{
		{Name: "visits"},
		{Name: "orders", Activity: "weg", SubjectKey: []string{"customer_id"}},
		{Name: "invoices", Activity: "buchhaltung", SubjectKey: []string{"customer_id"}},
		{Name: "invoices2", Activity: "buchhaltung", Retention: "rechnungen", SubjectKey: []string{"customer_id"}},
		{Name: "contracts", Activity: "buchhaltung", Retention: "Verträge", SubjectKey: []string{"customer_id"},
			Events: map[retention.Event]string{retention.ContractEnd: "ended_at"}},
		{Name: "notes", Activity: "ohne", SubjectKey: []string{"id"}},
	}
	want := []string{
		"system-backups-missing backups",
		"system-table-activity-unknown tables[1].activity",
		"system-table-event-unmapped tables[3].events",
		"system-table-no-activity tables[0].activity",
		"system-table-no-rule tables[2].retention",
		"system-table-no-rule tables[5].retention",
		"system-table-no-subject-key tables[0].subject_key",
	}
	if got := codes(s); !slices.Equal(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	s.Tables = nil
	if got := codes(s); !slices.Contains(got, "system-no-tables tables") {
		t.Errorf("no tables: %v", got)
	}
}

// TestLeftBackups: rows deleted on a day have left the last backup when
// the longest-kept backup has passed; no backups, no date.
func TestLeftBackups(t *testing.T) {
	day := time.Date(2026, 12, 28, 0, 0, 0, 0, retention.Berlin)
	s := shopSystem()
	got, ok := s.LeftBackups(day)
	if want := time.Date(2027, 1, 11, 0, 0, 0, 0, retention.Berlin); !ok || !got.Equal(want) {
		t.Errorf("left backups %v %v, want %v", got, ok, want)
	}
	s.Backups = nil
	if _, ok := s.LeftBackups(day); ok {
		t.Error("a date without declared backups")
	}
}
