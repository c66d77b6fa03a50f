package export_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"gdpr/export"
	"gdpr/importer"
	"gdpr/period"
	"gdpr/register"
	"gdpr/retention"
)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	b, err := register.JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(register.SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(register.SchemaID)
	if err != nil {
		t.Fatalf("the published schema does not compile: %v", err)
	}
	return s
}

// TestSchemaMatchesExport proves that the schema and the native format
// agree: the JSON export validates, and documents with mistakes do not.
func TestSchemaMatchesExport(t *testing.T) {
	s := compileSchema(t)
	r := demo(t)
	d := register.Date{Year: 2026, Month: 1, Day: 2}
	r.TOMs[0].LastReviewed = &d
	r.Activities[0].ThirdCountryTransfers = register.Transfers{Items: []register.Transfer{{Country: "US", Safeguard: "SCC"}}}
	r.Activities[1].Recipients = register.Recipients{Items: []register.Recipient{{Name: "Steuerberater", Kind: register.RecipientExternal}}}
	p8, p2, p10 := period.MustParse("P8Y"), period.MustParse("P2Y"), period.MustParse("P10Y")
	r.Activities[2].Retention[0].Rule = &retention.Rule{Event: retention.DocumentDate, Anchor: retention.AnchorYearEnd, Period: &p8, Action: retention.Delete, LegalRef: "§ 147 AO"}
	r.Activities[3].Retention[0].Rule = &retention.Rule{Combine: retention.First, Branches: []retention.Rule{
		{Event: retention.ContractEnd, Period: &p2}, {Event: retention.Collected, Period: &p10}}}
	valid := render(t, export.JSON, r, opts)
	// The explicit rules survive export and import, in both native formats.
	for _, f := range []export.Format{export.JSON, export.YAML} {
		out := render(t, f, r, opts)
		res, err := importer.Parse("rules."+string(f), out)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Register.Activities[3].Retention[0].Rule; got == nil || got.String() != "first(P2Y from contract_end, P10Y from collected)" {
			t.Errorf("%s: rule after round trip = %v", f, got)
		}
		if !bytes.Equal(render(t, f, res.Register, opts), out) {
			t.Errorf("%s: round trip with rules differs", f)
		}
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(valid))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(inst); err != nil {
		t.Fatalf("export does not validate: %v", err)
	}
	for name, bad := range map[string]string{
		"unknown key":    `{"activities":[{"id":"a","name":"A","purpose":"x"}]}`,
		"bad status":     `{"activities":[{"id":"a","name":"A","status":"done"}]}`,
		"bad recipients": `{"activities":[{"id":"a","name":"A","recipients":"nobody"}]}`,
		"bad date":       `{"toms":[{"id":"a","title":"A","last_reviewed":"19.03.2018x"}]}`,
		"missing name":   `{"activities":[{"id":"a"}]}`,
		"bad period":     `{"toms":[{"id":"a","title":"A","review_interval":"yearly"}]}`,
		"bad rule event": `{"activities":[{"id":"a","name":"A","retention":[{"text":"x","rule":{"event":"birthday","period":"P1Y"}}]}]}`,
		"bad branch":     `{"activities":[{"id":"a","name":"A","retention":[{"text":"x","rule":{"combine":"first","branches":[{"period":"1 year"}]}}]}]}`,
	} {
		inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if err := s.Validate(inst); err == nil {
			t.Errorf("%s: validated", name)
		}
	}
}
