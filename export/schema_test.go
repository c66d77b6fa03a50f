package export_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"gdpr/export"
	"gdpr/register"
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
	valid := render(t, export.JSON, r, opts)
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
	} {
		inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if err := s.Validate(inst); err == nil {
			t.Errorf("%s: validated", name)
		}
	}
}
