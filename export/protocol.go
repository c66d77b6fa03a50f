package export

import (
	"encoding/csv"
	"fmt"
	"io"

	"gdpr/locale"
)

// The deletion protocol (Löschprotokoll, DIN 66398): every batch a sweep
// changed, from its entry in the tamper-evident audit log — when, who,
// which system and table, by which rule, what was done to how many rows,
// a hash of the rows' keys, and by when the rows have left the last
// backup. An entry's id is the one `gdpr audit prove` proves.

// ProtocolFormats are the formats of the protocol.
var ProtocolFormats = []Format{PDF, CSV}

// ProtocolEntry is one batch.
type ProtocolEntry struct {
	ID, At, Actor, System, Table, Action, Rule, Keys, BackupsClear string
	Rows, Planned                                                  int64
}

// Protocol is the protocol of a period.
type Protocol struct {
	Title, Controller, Period, AsOf string
	Entries                         []ProtocolEntry
	Rows                            int64 // all rows changed
	Lang                            locale.Lang
}

// WriteProtocol writes the protocol as PDF or CSV.
func WriteProtocol(w io.Writer, f Format, p *Protocol, o Options) error {
	switch f {
	case CSV:
		return protocolCSV(w, p, o)
	case PDF:
		return protocolPDF(w, p, o)
	}
	return fmt.Errorf("the protocol has no format %q", f)
}

func protocolCSV(w io.Writer, p *Protocol, o Options) error {
	c := csv.NewWriter(w)
	c.Write([]string{o.t("protocol.col.id"), o.t("protocol.col.at"), o.t("protocol.col.actor"), o.t("protocol.col.system"), o.t("protocol.col.table"),
		o.t("protocol.col.rule"), o.t("protocol.col.action"), o.t("protocol.col.rows"), o.t("protocol.col.planned"), o.t("protocol.col.keys"), o.t("protocol.col.backups")})
	for _, e := range p.Entries {
		c.Write([]string{e.ID, e.At, e.Actor, e.System, e.Table, e.Rule, o.t("ui.system.action." + e.Action), fmt.Sprint(e.Rows), fmt.Sprint(e.Planned), e.Keys, e.BackupsClear})
	}
	c.Flush()
	return c.Error()
}

func protocolPDF(w io.Writer, p *Protocol, o Options) error {
	f, d := datedPDF(o, p.Title, p.Controller, p.AsOf, p.Lang)
	d.heading(p.Title, 18)
	if p.Controller != "" {
		d.text(o.t("export.controller")+": "+p.Controller, bodyFont+1, "", [3]int{})
	}
	d.text(p.Period, bodyFont, "", [3]int{})
	d.text(p.AsOf, bodyFont, "", colMuted)
	d.text(o.t("protocol.total", len(p.Entries), p.Rows), bodyFont+1, "B", [3]int{})
	d.text(o.t("protocol.note"), bodyFont-0.5, "", colMuted)
	f.Ln(4)
	if len(p.Entries) == 0 {
		d.text(o.t("protocol.none"), bodyFont, "", [3]int{})
	}
	for _, e := range p.Entries {
		d.keepSpace(5 * lineH)
		d.text(e.At+" · "+e.System+" / "+e.Table, bodyFont, "B", [3]int{})
		d.text(o.t("protocol.line", o.t("ui.system.action."+e.Action), e.Rows, e.Planned, e.Rule), bodyFont, "", [3]int{})
		if e.BackupsClear != "" {
			d.text(o.t("protocol.backups", e.BackupsClear), bodyFont, "", [3]int{})
		}
		d.text(o.t("protocol.ref", e.ID, e.Actor, e.Keys), bodyFont-1, "", colMuted)
		f.Ln(2)
	}
	d.logCheckpoint()
	if err := f.Error(); err != nil {
		return err
	}
	return f.Output(w)
}
