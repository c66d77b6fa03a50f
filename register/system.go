package register

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"gdpr"
	"gdpr/period"
	"gdpr/retention"
)

// Engine is the kind of database a system is.
type Engine string

// Engines with a connector.
const (
	EnginePostgres Engine = "postgres"
	EngineMySQL    Engine = "mysql" // MySQL and MariaDB
	EngineSQLite   Engine = "sqlite"
)

// Engines lists the engines in the order forms offer them.
var Engines = []Engine{EnginePostgres, EngineMySQL, EngineSQLite}

// SweepAction is what a sweep does with a row whose retention has ended.
type SweepAction string

// Sweep actions.
const (
	SweepDelete    SweepAction = "delete"    // the row goes
	SweepAnonymise SweepAction = "anonymise" // the personal columns are overwritten
	SweepFlag      SweepAction = "flag"      // a column is set; the application deletes (or restricts)
)

// SweepActions lists the actions.
var SweepActions = []SweepAction{SweepDelete, SweepAnonymise, SweepFlag}

// System is a database of the company that holds personal data: the
// register says which tables hold what, for which activity, and which
// column dates each retention event, so that deletion periods run
// against real rows. How to reach it (the DSN, with its password) is
// never part of the register: only the name of an environment variable
// or a secret file that holds it.
type System struct {
	ID          string `json:"id" yaml:"id" doc:"Stable slug, e.g. shop-db."`
	Name        string `json:"name" yaml:"name"`
	Engine      Engine `json:"engine" yaml:"engine" doc:"postgres, mysql (also MariaDB) or sqlite."`
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	// DSNEnv and DSNFile say where the connection string is: exactly one.
	DSNEnv  string   `json:"dsn_env,omitempty" yaml:"dsn_env,omitempty" doc:"Name of the environment variable that holds the DSN, e.g. SHOP_DSN."`
	DSNFile string   `json:"dsn_file,omitempty" yaml:"dsn_file,omitempty" doc:"Path of a secret file that holds the DSN (mode 0600)."`
	Tables  []Table  `json:"tables,omitempty" yaml:"tables,omitempty" doc:"Tables that hold personal data."`
	Backups []Backup `json:"backups,omitempty" yaml:"backups,omitempty" doc:"Backups of the system and how long each is kept: rows deleted today leave the last backup when the longest has passed."`
	// Ignore are tables a scan proposed that the DPO judged to hold no
	// personal data: scans and the live check do not propose them again.
	Ignore []string `json:"ignore,omitempty" yaml:"ignore,omitempty" doc:"Tables judged to hold no personal data: scans and the live check do not propose them again."`
	// Status is draft (proposed by a scan, not yet swept), empty (in
	// use) or archived.
	Status Status `json:"status,omitempty" yaml:"status,omitempty" doc:"empty (in use), draft or archived."`

	Created *time.Time `json:"created,omitempty" yaml:"-" schema:"readonly"`
	Changed *time.Time `json:"changed,omitempty" yaml:"-" schema:"readonly"`
	Version int        `json:"version,omitempty" yaml:"-" schema:"readonly"`
}

// Table maps one table of a system: its personal columns and their data
// categories, the columns that identify the data subject, the activity
// whose retention applies and the column that dates each of its events.
type Table struct {
	Name string `json:"name" yaml:"name" doc:"Table name as the database spells it, optionally schema.table."`
	// Activity is the id of the processing activity the rows belong to;
	// Retention picks that activity's statement by its data category
	// when it has several.
	Activity  string `json:"activity,omitempty" yaml:"activity,omitempty"`
	Retention string `json:"retention,omitempty" yaml:"retention,omitempty" doc:"Data category of the activity's retention statement that applies, when it has several."`
	// SubjectKey are the columns that identify the person (customers.id,
	// customers.email): requests find a person's rows by them, holds
	// name them.
	SubjectKey []string `json:"subject_key,omitempty" yaml:"subject_key,omitempty" doc:"Columns that identify the data subject, e.g. [id, email]."`
	// Columns maps a column to the data category it holds.
	Columns map[string]string `json:"columns,omitempty" yaml:"columns,omitempty" doc:"Personal columns and their data category, e.g. email: E-Mail-Adresse."`
	// Events maps a retention event to the column that dates it, in this
	// table or, as table.column, in a table this one references.
	Events map[retention.Event]string `json:"events,omitempty" yaml:"events,omitempty" doc:"Retention event to the column that dates it, e.g. contract_end: ended_at."`
	// Action overrides what the rule's action means for this table.
	Action SweepAction `json:"action,omitempty" yaml:"action,omitempty" doc:"delete (default), anonymise or flag."`
	// Anonymise lists the columns an anonymising sweep overwrites (all
	// of Columns when empty); Flag is the column a flagging sweep sets.
	Anonymise []string `json:"anonymise,omitempty" yaml:"anonymise,omitempty"`
	Flag      string   `json:"flag,omitempty" yaml:"flag,omitempty" doc:"Column a flagging sweep sets to the time of the sweep."`
	// Restricted is a column that marks rows restricted (Art. 18 GDPR):
	// a sweep keeps rows where it is set (true or not null).
	Restricted string `json:"restricted,omitempty" yaml:"restricted,omitempty" doc:"Column marking rows restricted under Art. 18 GDPR; such rows are kept."`
	// NotPersonal are columns a scan took for personal data that the DPO
	// judged not to be: scans do not propose them again.
	NotPersonal []string `json:"not_personal,omitempty" yaml:"not_personal,omitempty" doc:"Columns judged to hold no personal data: scans do not propose them again."`
}

// Ignored reports whether the DPO judged the table to hold no personal
// data.
func (s *System) Ignored(table string) bool { return slices.Contains(s.Ignore, table) }

// Sweep is what a sweep does with the table's rows: its Action, delete
// when none is given.
func (t *Table) Sweep() SweepAction {
	if t.Action == "" {
		return SweepDelete
	}
	return t.Action
}

// Backup is one backup of a system with its rotation (seed 003: a daily
// backup of the server kept 7 days, a daily one of the account database
// kept 2 weeks).
type Backup struct {
	Name  string         `json:"name" yaml:"name"`
	Every *period.Period `json:"every,omitempty" yaml:"every,omitempty" doc:"How often it is made (ISO 8601, e.g. P1D)."`
	Keep  *period.Period `json:"keep" yaml:"keep" doc:"How long each copy is kept (ISO 8601, e.g. P7D, P2W)."`
}

// Normalize trims table names, as a form may send them.
func (s *System) Normalize() {
	for i := range s.Tables {
		t := &s.Tables[i]
		t.Name = strings.TrimSpace(t.Name)
	}
}

// LeftBackups is the day by which rows deleted on day have left the last
// backup of the system: day plus the longest retention of its backups
// (the copy made just before the deletion lives that long). Without
// declared backups it is day itself and ok is false.
func (s *System) LeftBackups(day time.Time) (time.Time, bool) {
	last, ok := day, false
	for _, b := range s.Backups {
		if b.Keep == nil {
			continue
		}
		if t := b.Keep.AddTo(day); t.After(last) {
			last = t
		}
		ok = true
	}
	return last, ok
}

// Table returns the table named name.
func (s *System) Table(name string) (*Table, bool) {
	for i := range s.Tables {
		if s.Tables[i].Name == name {
			return &s.Tables[i], true
		}
	}
	return nil, false
}

// envName is what a shell takes as a variable name.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ValidIdent reports whether s can name a table or column: not empty, at
// most 128 characters, no control characters. The connectors quote every
// identifier by their engine's rules; this only keeps out what no
// database accepts and what would garble a message. A table may be
// schema.table.
func ValidIdent(s string) bool {
	if s == "" || len(s) > 128 || strings.TrimSpace(s) != s {
		return false
	}
	return !strings.ContainsFunc(s, unicode.IsControl)
}

// Validate checks a system's structure. Returns the first problem.
func (s *System) Validate() error {
	if ps := s.Problems(); len(ps) > 0 {
		return ps[0]
	}
	return nil
}

// Problems returns every structural problem of the system, each an
// EINVALID *gdpr.Error naming its field.
func (s *System) Problems() []*gdpr.Error {
	var out []*gdpr.Error
	add := func(field, key string, args ...any) {
		out = append(out, gdpr.Keyed(gdpr.EINVALID, field, key, args...))
	}
	if strings.TrimSpace(s.Name) == "" {
		add("name", "invalid.noname.system")
	}
	if !ValidID(s.ID) {
		add("id", "invalid.id", s.ID)
	}
	if !slices.Contains(Engines, s.Engine) {
		add("engine", "invalid.engine", s.Engine, joinAny(Engines))
	}
	switch {
	case s.DSNEnv == "" && s.DSNFile == "":
		add("dsn_env", "invalid.dsn.none", s.ID)
	case s.DSNEnv != "" && s.DSNFile != "":
		add("dsn_file", "invalid.dsn.both", s.ID)
	case s.DSNEnv != "" && !envName.MatchString(s.DSNEnv):
		add("dsn_env", "invalid.dsn.env", s.DSNEnv)
	case s.DSNFile != "" && strings.ContainsFunc(s.DSNFile, unicode.IsControl):
		add("dsn_file", "invalid.dsn.file")
	}
	if s.Status != "" && s.Status != StatusDraft && s.Status != StatusArchived {
		add("status", "invalid.status", s.Status, joinAny([]Status{StatusDraft, StatusArchived}))
	}
	seen := map[string]bool{}
	for i, t := range s.Tables {
		f := func(name string) string { return fmt.Sprintf("tables[%d].%s", i, name) }
		if !ValidIdent(t.Name) {
			add(f("name"), "invalid.ident", t.Name)
			continue
		}
		if seen[t.Name] {
			add(f("name"), "invalid.table.twice", t.Name)
		}
		seen[t.Name] = true
		if t.Activity != "" && !ValidID(t.Activity) {
			add(f("activity"), "invalid.id", t.Activity)
		}
		for _, c := range t.SubjectKey {
			if !ValidIdent(c) {
				add(f("subject_key"), "invalid.ident", c)
			}
		}
		for _, c := range slices.Sorted(maps.Keys(t.Columns)) {
			if !ValidIdent(c) {
				add(f("columns"), "invalid.ident", c)
			}
		}
		for _, e := range slices.Sorted(maps.Keys(t.Events)) {
			if !retention.ValidEvent(e) {
				add(f("events"), "invalid.event", string(e))
			}
			if c := t.Events[e]; !validColumnRef(c) {
				add(f("events"), "invalid.ident", c)
			}
		}
		if t.Action != "" && !slices.Contains(SweepActions, t.Action) {
			add(f("action"), "invalid.sweepaction", t.Action, joinAny(SweepActions))
		}
		for _, c := range t.Anonymise {
			if !ValidIdent(c) {
				add(f("anonymise"), "invalid.ident", c)
			}
		}
		if t.Action == SweepFlag && t.Flag == "" {
			add(f("flag"), "invalid.flag.none", t.Name)
		}
		if t.Flag != "" && !ValidIdent(t.Flag) {
			add(f("flag"), "invalid.ident", t.Flag)
		}
		if t.Action == SweepAnonymise && len(t.Anonymise) == 0 && len(t.Columns) == 0 {
			add(f("anonymise"), "invalid.anonymise.none", t.Name)
		}
		if t.Restricted != "" && !ValidIdent(t.Restricted) {
			add(f("restricted"), "invalid.ident", t.Restricted)
		}
		for _, c := range t.NotPersonal {
			if !ValidIdent(c) {
				add(f("not_personal"), "invalid.ident", c)
			}
		}
	}
	for i, t := range s.Ignore {
		if !ValidIdent(t) {
			add(fmt.Sprintf("ignore[%d]", i), "invalid.ident", t)
		} else if seen[t] {
			add(fmt.Sprintf("ignore[%d]", i), "invalid.table.ignored", t)
		}
	}
	for i, b := range s.Backups {
		if strings.TrimSpace(b.Name) == "" {
			add(fmt.Sprintf("backups[%d].name", i), "invalid.backup.noname")
		}
		if b.Keep == nil || b.Keep.IsZero() {
			add(fmt.Sprintf("backups[%d].keep", i), "invalid.backup.nokeep", b.Name)
		}
	}
	return out
}

// validColumnRef is a column, or table.column in a referenced table.
func validColumnRef(c string) bool {
	if !ValidIdent(c) {
		return false
	}
	for _, part := range strings.Split(c, ".") {
		if part == "" {
			return false
		}
	}
	return true
}

// TableRule is the retention rule that applies to a table's rows: the
// activity's statement picked by Retention (its data category) or its
// only statement, as one executable rule. key names the problem for the
// message catalogue when there is none ("table.rule.none": no statement,
// "table.rule.which": several and none picked, "table.rule.nocategory":
// the picked category is not there, or a retention.DueError's key).
func (t *Table) TableRule(a *Activity) (rule retention.Rule, key string, arg any) {
	var picked []Retention
	switch {
	case t.Retention != "":
		for _, r := range a.Retention {
			if FoldWords(r.DataCategory) == FoldWords(t.Retention) {
				picked = append(picked, r)
			}
		}
		if len(picked) == 0 {
			return rule, "table.rule.nocategory", t.Retention
		}
	case len(a.Retention) == 0:
		return rule, "table.rule.none", a.ID
	default:
		picked = a.Retention
	}
	if len(picked) > 1 {
		return rule, "table.rule.which", len(picked)
	}
	res := picked[0].Rules(a)
	// Due with no events says whether the statement is one executable
	// rule with start events (pending events are no error).
	if _, err := retention.Due(res, nil, nil, time.Time{}); err != nil {
		var de *retention.DueError
		if errors.As(err, &de) {
			return rule, de.Key, de.Arg
		}
		return rule, "table.rule.none", a.ID
	}
	return res.Rules[0], "", nil
}

// RuleEvents lists the start events a rule needs, in rule order.
func RuleEvents(r retention.Rule) []retention.Event {
	var out []retention.Event
	var walk func(retention.Rule)
	walk = func(r retention.Rule) {
		if r.Combine == "" {
			if r.Event != "" && !slices.Contains(out, r.Event) {
				out = append(out, r.Event)
			}
			return
		}
		for _, b := range r.Branches {
			walk(b)
		}
	}
	walk(r)
	return out
}

// Statement is the retention statement of the activity that applies to
// the table, as written ("" when none is picked: none, or several and no
// Retention to pick one).
func (t *Table) Statement(a *Activity) string {
	for _, r := range a.Retention {
		if t.Retention != "" && FoldWords(r.DataCategory) == FoldWords(t.Retention) || t.Retention == "" && len(a.Retention) == 1 {
			return r.Text
		}
	}
	return ""
}
