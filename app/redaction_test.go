package app_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"gdpr"
	"gdpr/app"
	"gdpr/connector/conntest"
	"gdpr/register"
	"gdpr/request"
)

// TestRedaction: staff withhold a third party's note in one ticket row
// and the agent column of every row; the report and the portable data
// show the marker there and the rest as it is; a redaction of a row
// deleted since covers nothing and is named stale; a stale version is a
// conflict; a closed request takes none.
func TestRedaction(t *testing.T) {
	dsn, db := conntest.DSN(t, register.EngineSQLite)
	for _, q := range []string{
		`CREATE TABLE tickets (id INTEGER PRIMARY KEY, email TEXT, agent TEXT, text TEXT)`,
		`INSERT INTO tickets VALUES (20, 'erika@example.org', 'Petra Service', 'Nachbar Hans Meier nahm das Paket an')`,
		`INSERT INTO tickets VALUES (21, 'erika@example.org', 'Jonas Service', 'Lieferung verspätet')`,
		`INSERT INTO tickets VALUES (22, 'andere@example.org', 'Petra Service', 'Rechnung')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	t.Setenv("GDPR_TEST_REDACT_DSN", dsn)
	f := newApp(t, app.Config{Vault: vaultKeys(t)})
	ctx := admin()
	reg := &register.Register{
		Activities: []*register.Activity{{ID: "support", Name: "Kundendienst", LegalBases: []string{"Art. 6 Abs. 1 lit. b DSGVO"},
			Sources: []string{"Paketdienst (Zustellhinweise)"}, Automated: "keine"}},
		Systems: []*register.System{{ID: "shop", Name: "Shop", Engine: register.EngineSQLite, DSNEnv: "GDPR_TEST_REDACT_DSN", Tables: []register.Table{
			{Name: "tickets", Activity: "support", SubjectKey: []string{"email"}}}}},
	}
	if _, err := f.store.Apply(ctx, reg, register.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	r, err := f.app.CreateRequest(ctx, app.NewRequest{Kind: request.Access, Channel: request.Email, Requester: app.Record{"email": "erika@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := f.app.RequestReport(ctx, r.ID)
	if err != nil || len(rep.Data.Tables) != 1 || len(rep.Data.Tables[0].RowIDs) != 2 {
		t.Fatalf("report: %v %+v", err, rep)
	}
	// (g) and (h) from the register: nothing to check for them.
	if a := rep.Activities[0]; a.Sources[0] != "Paketdienst (Zustellhinweise)" || a.Automated != "keine" || slices.Contains(rep.Review, "report.review.source") || slices.Contains(rep.Review, "report.review.automated") {
		t.Errorf("(g), (h): %+v, review %v", a, rep.Review)
	}
	first := rep.Data.Tables[0].RowIDs[0]
	if r, err = f.app.Redact(ctx, r.ID, r.Version, request.Redaction{System: "shop", Table: "tickets", Column: "text", Row: first, Ground: request.RedactThirdParty}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Redact(ctx, r.ID, r.Version-1, request.Redaction{System: "shop", Table: "tickets", Column: "agent", Ground: request.RedactThirdParty}); gdpr.ErrorCode(err) != gdpr.ECONFLICT {
		t.Errorf("a redaction on a stale version: %v", err)
	}
	if _, err := f.app.Redact(ctx, r.ID, r.Version, request.Redaction{System: "shop", Table: "tickets", Column: "agent", Ground: "weil"}); gdpr.ErrorCode(err) != gdpr.EINVALID {
		t.Errorf("a redaction without a ground: %v", err)
	}
	if r, err = f.app.Redact(ctx, r.ID, r.Version, request.Redaction{System: "shop", Table: "tickets", Column: "agent", Ground: request.RedactThirdParty}); err != nil {
		t.Fatal(err)
	}
	rep, err = f.app.RequestReport(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, row := range rep.Data.Tables[0].Rows {
		rows = append(rows, strings.Join(row, "|"))
	}
	got := strings.Join(rows, "\n")
	want := "20|erika@example.org|[geschwärzt]|[geschwärzt]\n21|erika@example.org|[geschwärzt]|Lieferung verspätet"
	if got != want || rep.Data.Tables[0].Redacted != 3 || len(rep.Redactions) != 2 || len(rep.Stale) != 0 {
		t.Errorf("redacted:\n%s\nwant\n%s\n(%d cells, %d redactions, %d stale)", got, want, rep.Data.Tables[0].Redacted, len(rep.Redactions), len(rep.Stale))
	}
	var pdf bytes.Buffer
	if err := f.app.WriteAccessPDF(&pdf, rep); err != nil || !bytes.HasPrefix(pdf.Bytes(), []byte("%PDF-")) {
		t.Errorf("pdf: %v %.20q", err, pdf.Bytes())
	}
	// The row is deleted: its redaction covers nothing any more.
	if _, err := db.Exec(`DELETE FROM tickets WHERE id = 20`); err != nil {
		t.Fatal(err)
	}
	rep, err = f.app.RequestReport(ctx, r.ID)
	if err != nil || len(rep.Stale) != 1 || rep.Stale[0].Row != first {
		t.Errorf("stale: %v %+v", err, rep.Stale)
	}
	if r, err = f.app.Unredact(ctx, r.ID, r.Version, rep.Stale[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Unredact(ctx, r.ID, r.Version, rep.Stale[0].ID); gdpr.ErrorCode(err) != gdpr.ENOTFOUND {
		t.Errorf("taken back twice: %v", err)
	}
	if rep, err = f.app.RequestReport(ctx, r.ID); err != nil || len(rep.Stale) != 0 || len(rep.Redactions) != 1 {
		t.Errorf("after taking back: %v %+v", err, rep.Redactions)
	}
	if r, err = f.app.StepRequest(ctx, r.ID, r.Version, request.Withdrawn); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Redact(ctx, r.ID, r.Version, request.Redaction{System: "shop", Table: "tickets", Ground: request.RedactSecurity}); gdpr.ErrorCode(err) != gdpr.ECONFLICT {
		t.Errorf("a redaction of a closed request: %v", err)
	}
}
