package app

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/connector"
	"gdpr/discovery"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/retention"
	"gdpr/run"
)

// dsnOf reads where a system's connection string is: its environment
// variable or its secret file (which others may not read). Errors name
// the variable or the file, never what they hold.
func dsnOf(x *register.System) (string, error) {
	if x.DSNEnv != "" {
		v := strings.TrimSpace(os.Getenv(x.DSNEnv))
		if v == "" {
			return "", gdpr.Keyed(gdpr.EINVALID, "dsn_env", "system.dsn.unset", x.DSNEnv, x.ID)
		}
		return v, nil
	}
	st, err := os.Stat(x.DSNFile)
	if err != nil {
		return "", gdpr.Keyed(gdpr.EINVALID, "dsn_file", "system.dsn.file", x.DSNFile, x.ID)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return "", gdpr.Keyed(gdpr.EINVALID, "dsn_file", "system.dsn.mode", x.DSNFile, fmt.Sprintf("%04o", st.Mode().Perm()))
	}
	b, err := os.ReadFile(x.DSNFile)
	if err != nil || strings.TrimSpace(string(b)) == "" {
		return "", gdpr.Keyed(gdpr.EINVALID, "dsn_file", "system.dsn.file", x.DSNFile, x.ID)
	}
	return strings.TrimSpace(string(b)), nil
}

// openSystem reads a system from the register and connects to it.
func (a *App) openSystem(ctx context.Context, id string) (*register.System, connector.Conn, error) {
	x, err := a.store.FindSystemByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	dsn, err := dsnOf(x)
	if err != nil {
		return nil, nil, err
	}
	c, err := a.connect(x.Engine, dsn)
	if err != nil {
		return nil, nil, gdpr.Keyed(gdpr.EUNAVAILABLE, "", "system.connect", x.ID, err)
	}
	return x, c, nil
}

// SystemSchema connects to a system and reads its catalogue (tables,
// columns, keys): no personal data, but the connection is recorded.
func (a *App) SystemSchema(ctx context.Context, id string) (*connector.Schema, error) {
	if _, err := a.require(ctx, auth.Write, audit.SystemSchema, id); err != nil {
		return nil, err
	}
	_, c, err := a.openSystem(ctx, id)
	if err != nil {
		return nil, a.record(ctx, audit.SystemSchema, id, err)
	}
	defer c.Close()
	s, err := c.Schema(ctx)
	if err != nil {
		return nil, a.record(ctx, audit.SystemSchema, id, gdpr.Keyed(gdpr.EUNAVAILABLE, "", "system.connect", id, err))
	}
	a.audit(ctx, audit.Entry{Action: audit.SystemSchema, Target: id, Outcome: audit.OK, Detail: fmt.Sprintf("tables %d", len(s.Tables))})
	return s, nil
}

// ScanOptions steer a scan.
type ScanOptions struct {
	// Sample is how many values of each column are read (default 100, at
	// most connector.MaxSampleRows).
	Sample int
	// Write adds the tables found to hold personal data and not yet
	// mapped to the system, and marks it a draft for review: all of them,
	// or with Accept or Reject given, those accepted; the rejected are
	// remembered as holding no personal data (System.Ignore for a table,
	// Table.NotPersonal for a column of a mapped table).
	Write          bool
	Accept, Reject []ScanRef
	// Lang is the language of the data categories a proposal writes.
	Lang locale.Lang
}

// ScanRef names a proposal of a scan: a table not yet mapped, or with
// Column a personal column of a mapped table the mapping lacks.
type ScanRef struct {
	Table  string `json:"table"`
	Column string `json:"column,omitempty"`
}

// String is the table, or table.column.
func (r ScanRef) String() string {
	if r.Column == "" {
		return r.Table
	}
	return r.Table + "." + r.Column
}

// Proposal is one thing a scan proposes to add to the mapping: a table
// with its personal columns, or one column of a mapped table.
type Proposal struct {
	Ref ScanRef
	// Columns are the personal columns with the categories proposed.
	Columns []ScanColumn
}

// Proposals lists what the scan proposes, in the order of its tables:
// what the DPO accepts or rejects.
func (r *ScanResult) Proposals() []Proposal {
	var out []Proposal
	for _, st := range r.Tables {
		if st.Ignored || st.Proposal == nil {
			continue
		}
		var p *Proposal
		if !st.Mapped {
			out = append(out, Proposal{Ref: ScanRef{Table: st.Name}})
			p = &out[len(out)-1]
		}
		for _, sc := range st.Columns {
			switch {
			case sc.Match == nil || sc.Ignored:
			case p != nil:
				p.Columns = append(p.Columns, sc)
			case sc.Mapped == "":
				out = append(out, Proposal{Ref: ScanRef{Table: st.Name, Column: sc.Name}, Columns: []ScanColumn{sc}})
			}
		}
	}
	return out
}

// ScanColumn is one column as the scan saw it.
type ScanColumn struct {
	Name  string           `json:"name"`
	Type  string           `json:"type"`
	Kind  connector.Kind   `json:"kind"`
	Match *discovery.Match `json:"match,omitempty"`
	// Label is the data category a proposal writes for it.
	Label string `json:"label,omitempty"`
	// Mapped is the category the register gives it already.
	Mapped string `json:"mapped,omitempty"`
	// Ignored: the DPO judged the column to hold no personal data.
	Ignored bool `json:"ignored,omitempty"`
}

// ScanTable is one table: its columns, whether the register maps it, and
// the mapping proposed when it holds personal data.
type ScanTable struct {
	Name       string       `json:"name"`
	PrimaryKey []string     `json:"primary_key,omitempty"`
	Columns    []ScanColumn `json:"columns"`
	Personal   int          `json:"personal"`
	Confidence float64      `json:"confidence"`
	Mapped     bool         `json:"mapped"`
	// Ignored: the DPO judged the table to hold no personal data.
	Ignored  bool            `json:"ignored,omitempty"`
	Proposal *register.Table `json:"proposal,omitempty"`
}

// ScanResult is what a scan found.
type ScanResult struct {
	System  string      `json:"system"`
	Tables  []ScanTable `json:"tables"`
	Sampled int         `json:"sampled_columns"`
	// Personal counts the columns found to hold personal data; Unmapped
	// those of them the register does not map.
	Personal, Unmapped int
	// NewTables counts the tables with personal data the register does
	// not map (what Write adds).
	NewTables int `json:"new_tables"`
	// Added lists the tables Write added, AddedColumns the columns it
	// added to mapped tables (table.column), Rejected what it marked as
	// holding no personal data.
	Added        []string `json:"added,omitempty"`
	AddedColumns []string `json:"added_columns,omitempty"`
	Rejected     []string `json:"rejected,omitempty"`
}

// sampled are the column kinds a scan reads values of: numbers that are
// identifiers (a card number in a BIGINT), text, dates.
var sampled = []connector.Kind{connector.KindText, connector.KindInteger, connector.KindDate, connector.KindTimestamp, connector.KindOther}

// ScanSystem samples every column of a system and classifies it
// (discovery), proposes a mapping for each table with personal data,
// and with Write adds those not yet mapped to the register as a draft.
// The samples are personal data: they are read, classified and dropped,
// never stored or logged; the audit entry says which system and how many
// columns, not what they held.
func (a *App) ScanSystem(ctx context.Context, id string, o ScanOptions) (*ScanResult, error) {
	perm := auth.Write
	if _, err := a.require(ctx, perm, audit.SystemScan, id); err != nil {
		return nil, err
	}
	if o.Sample <= 0 {
		o.Sample = 100
	}
	o.Sample = min(o.Sample, connector.MaxSampleRows)
	if o.Lang == "" {
		o.Lang = locale.DE
	}
	x, c, err := a.openSystem(ctx, id)
	if err != nil {
		if gdpr.ErrorCode(err) != gdpr.ENOTFOUND {
			// A system that does not answer is a run that failed (the
			// scheduled scans show it); an unknown one is no run.
			if tr, terr := a.beginRun(ctx, run.Scan, id, 0); terr == nil {
				tr.finish(ctx, run.Progress{}, nil, err)
			}
		}
		return nil, a.record(ctx, audit.SystemScan, id, err)
	}
	defer c.Close()
	tr, err := a.beginRun(ctx, run.Scan, id, 0)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*ScanResult, error) {
		err = a.record(ctx, audit.SystemScan, id, err)
		tr.finish(ctx, run.Progress{}, nil, err)
		return nil, err
	}
	s, err := c.Schema(ctx)
	if err != nil {
		return fail(gdpr.Keyed(gdpr.EUNAVAILABLE, "", "system.connect", id, err))
	}
	res, err := a.scanTables(ctx, x, c, s, o.Sample, o.Lang, tr)
	if err != nil {
		return fail(gdpr.Keyed(gdpr.EUNAVAILABLE, "", "system.connect", id, err))
	}
	a.audit(ctx, audit.Entry{Action: audit.SystemScan, Target: id, Outcome: audit.OK,
		Detail: fmt.Sprintf("tables %d, columns sampled %d, personal %d", len(s.Tables), res.Sampled, res.Personal)})
	if o.Write {
		if err := a.writeScan(ctx, x, res, o); err != nil {
			tr.finish(ctx, res.progress(), res.Summary(), err)
			return res, err
		}
	}
	tr.finish(ctx, res.progress(), res.Summary(), nil)
	return res, nil
}

// ScanSummary is what a run keeps of a scan: counts and names, the
// proposals open after it.
type ScanSummary struct {
	Tables    int      `json:"tables"`
	Sampled   int      `json:"sampled_columns"`
	Personal  int      `json:"personal"`
	Unmapped  int      `json:"unmapped"`
	Proposals []string `json:"proposals,omitempty"`
	Added     []string `json:"added,omitempty"`
	Rejected  []string `json:"rejected,omitempty"`
}

// Summary is the scan's summary; the proposals it lists are those not
// decided by the scan's own write.
func (r *ScanResult) Summary() ScanSummary {
	s := ScanSummary{Tables: len(r.Tables), Sampled: r.Sampled, Personal: r.Personal, Unmapped: r.Unmapped, Rejected: r.Rejected,
		Added: append(slices.Clone(r.Added), r.AddedColumns...)}
	for _, p := range r.Proposals() {
		if ref := p.Ref.String(); !slices.Contains(s.Added, ref) && !slices.Contains(s.Rejected, ref) {
			s.Proposals = append(s.Proposals, ref)
		}
	}
	return s
}

func (r *ScanResult) progress() run.Progress {
	return run.Progress{Tables: len(r.Tables), TablesDone: len(r.Tables), Examined: int64(r.Sampled), Done: int64(r.Personal)}
}

// writeScan adds the proposals accepted (all, when no decision is
// given) and remembers the rejected ones; a system with an addition
// becomes a draft. A system changed meanwhile is a conflict (nothing
// written); a decision on something the scan did not propose is refused.
func (a *App) writeScan(ctx context.Context, x *register.System, res *ScanResult, o ScanOptions) error {
	c := *x
	c.Tables = make([]register.Table, len(x.Tables))
	for i, t := range x.Tables {
		t.Columns = maps.Clone(t.Columns)
		t.NotPersonal = slices.Clone(t.NotPersonal)
		c.Tables[i] = t
	}
	c.Ignore = slices.Clone(x.Ignore)
	proposed := map[ScanRef]Proposal{}
	for _, p := range res.Proposals() {
		proposed[p.Ref] = p
	}
	tables := map[string]*register.Table{}
	for _, st := range res.Tables {
		tables[st.Name] = st.Proposal
	}
	accept, reject := o.Accept, o.Reject
	if len(accept) == 0 && len(reject) == 0 {
		for ref := range proposed {
			if ref.Column == "" {
				accept = append(accept, ref)
			}
		}
		slices.SortFunc(accept, func(a, b ScanRef) int { return strings.Compare(a.Table, b.Table) })
	}
	// A reference typed as one string ("orders.note" on the command line)
	// is a table when one is proposed by that name, else a table.column.
	resolve := func(list []ScanRef) []ScanRef {
		out := slices.Clone(list)
		for i, ref := range out {
			if _, ok := proposed[ref]; !ok && ref.Column == "" {
				if j := strings.LastIndexByte(ref.Table, '.'); j > 0 {
					out[i] = ScanRef{Table: ref.Table[:j], Column: ref.Table[j+1:]}
				}
			}
		}
		return out
	}
	accept, reject = resolve(accept), resolve(reject)
	decided := map[ScanRef]bool{}
	for _, list := range [][]ScanRef{accept, reject} {
		for _, ref := range list {
			if _, ok := proposed[ref]; !ok {
				return gdpr.Keyed(gdpr.EINVALID, "accept", "scan.notproposed", ref.String())
			}
			if decided[ref] {
				return gdpr.Keyed(gdpr.EINVALID, "accept", "scan.twice", ref.String())
			}
			decided[ref] = true
		}
	}
	added := false
	for _, ref := range accept {
		if ref.Column == "" {
			c.Tables = append(c.Tables, *tables[ref.Table])
			res.Added = append(res.Added, ref.Table)
		} else {
			t, _ := c.Table(ref.Table)
			if t.Columns == nil {
				t.Columns = map[string]string{}
			}
			t.Columns[ref.Column] = proposed[ref].Columns[0].Label
			res.AddedColumns = append(res.AddedColumns, ref.String())
		}
		added = true
	}
	for _, ref := range reject {
		if ref.Column == "" {
			c.Ignore = append(c.Ignore, ref.Table)
			res.Rejected = append(res.Rejected, ref.Table)
		} else {
			t, _ := c.Table(ref.Table)
			t.NotPersonal = append(t.NotPersonal, ref.Column)
			res.Rejected = append(res.Rejected, ref.String())
		}
	}
	if len(decided) == 0 {
		return nil
	}
	if added && c.Status != register.StatusArchived {
		c.Status = register.StatusDraft
	}
	_, err := a.UpdateSystem(ctx, &c, x.Version)
	return err
}

// subjectKey proposes the columns that identify the person: the primary
// key, else an e-mail column found.
func subjectKey(t connector.Table, prop *register.Table) []string {
	if len(t.PrimaryKey) > 0 {
		return slices.Clone(t.PrimaryKey)
	}
	for _, col := range t.Columns {
		if _, ok := prop.Columns[col.Name]; ok && strings.Contains(strings.ToLower(col.Name), "mail") {
			return []string{col.Name}
		}
	}
	return nil
}

// eventWords map the words of date columns to the retention events they
// usually date.
var eventWords = []struct {
	event retention.Event
	words []string
}{
	{retention.LastActivity, []string{"last_login", "last_seen", "last_activity", "letzter_login", "last_order", "letzte_aktivitaet", "lastlogin"}},
	{retention.ContractEnd, []string{"contract_end", "ended_at", "closed_at", "cancelled_at", "canceled_at", "vertragsende", "gekuendigt", "terminated_at"}},
	{retention.DocumentDate, []string{"issued_on", "issued_at", "invoice_date", "rechnungsdatum", "belegdatum", "document_date"}},
	{retention.AccountClosed, []string{"deleted_at", "account_closed", "deactivated_at"}},
	{retention.ConsentWithdrawn, []string{"unsubscribed_at", "withdrawn_at", "abgemeldet", "opt_out_at"}},
	{retention.Signup, []string{"registered_at", "signup", "signed_up_at", "subscribed_at", "registriert"}},
	{retention.Collected, []string{"created_at", "created", "erstellt", "angelegt", "logged_at", "timestamp", "inserted_at"}},
}

// proposeEvents names, for the table's date columns, the events their
// names suggest (each event once, the first column that names it).
func proposeEvents(t connector.Table) map[retention.Event]string {
	out := map[retention.Event]string{}
	for _, ew := range eventWords {
		for _, col := range t.Columns {
			if col.Kind != connector.KindDate && col.Kind != connector.KindTimestamp && col.Kind != connector.KindText {
				continue
			}
			name := strings.ToLower(col.Name)
			if _, taken := out[ew.event]; !taken && slices.ContainsFunc(ew.words, func(w string) bool { return name == w || strings.HasPrefix(name, w) }) {
				out[ew.event] = col.Name
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// scanTables samples and classifies every column of the schema's tables
// and proposes a mapping for each table with personal data.
func (a *App) scanTables(ctx context.Context, x *register.System, c connector.Conn, s *connector.Schema, sample int, lang locale.Lang, tr *tracker) (*ScanResult, error) {
	res := &ScanResult{System: x.ID}
	now := a.now()
	for i, t := range s.Tables {
		tr.progress(ctx, run.Progress{Tables: len(s.Tables), TablesDone: i, Examined: int64(res.Sampled), Done: int64(res.Personal)})
		mapped, isMapped := x.Table(t.Name)
		st := ScanTable{Name: t.Name, PrimaryKey: t.PrimaryKey, Mapped: isMapped, Ignored: !isMapped && x.Ignored(t.Name)}
		prop := &register.Table{Name: t.Name, Columns: map[string]string{}}
		for _, col := range t.Columns {
			sc := ScanColumn{Name: col.Name, Type: col.Type, Kind: col.Kind}
			if isMapped {
				sc.Mapped = mapped.Columns[col.Name]
				sc.Ignored = slices.Contains(mapped.NotPersonal, col.Name)
			}
			if slices.Contains(sampled, col.Kind) {
				vals, err := c.Sample(ctx, t.Name, col.Name, sample)
				if err != nil {
					return nil, err
				}
				res.Sampled++
				if m, ok := discovery.Classify(discovery.Column{Name: col.Name, Kind: string(col.Kind), Samples: vals}, now); ok {
					sc.Match = &m
					sc.Label = locale.T(lang, "discovery.label."+string(m.Category))
					res.Personal++
					if !sc.Ignored {
						st.Personal++
						st.Confidence = max(st.Confidence, m.Confidence)
						prop.Columns[col.Name] = sc.Label
					}
					if sc.Mapped == "" && !sc.Ignored && !st.Ignored {
						res.Unmapped++
					}
				}
			}
			st.Columns = append(st.Columns, sc)
		}
		if st.Personal > 0 {
			prop.SubjectKey = subjectKey(t, prop)
			prop.Events = proposeEvents(t)
			st.Proposal = prop
			if !isMapped && !st.Ignored {
				res.NewTables++
			}
		}
		res.Tables = append(res.Tables, st)
	}
	return res, nil
}
