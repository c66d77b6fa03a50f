package server_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"gdpr/auth"
)

// TestOpenAPI: the served document describes every route of the table and
// nothing else, and real answers validate against the documented schemas.
func TestOpenAPI(t *testing.T) {
	srv := newServer(t)
	tok := srv.tokens[auth.Admin]
	resp, body := call(t, "GET", srv.URL+"/api/v1/openapi.json", "", tok)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.OpenAPI != "3.1.0" {
		t.Fatalf("doc: %v %s", err, doc.OpenAPI)
	}
	described := 0
	for _, ops := range doc.Paths {
		described += len(ops)
	}
	table := apiTable(srv)
	if described != len(table) {
		t.Errorf("%d operations described, %d routes served", described, len(table))
	}
	for _, rt := range table {
		// A remainder ({ref...}) is an ordinary path parameter in OpenAPI.
		path := strings.ReplaceAll(rt.Path, "...}", "}")
		op, ok := doc.Paths[path][strings.ToLower(rt.Method)]
		if !ok {
			t.Errorf("%s %s is not described", rt.Method, rt.Path)
			continue
		}
		// Every parameter of the path template is declared.
		for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(path, -1) {
			declared := false
			ps, _ := op["parameters"].([]any)
			for _, p := range ps {
				pm, _ := p.(map[string]any)
				declared = declared || pm["name"] == m[1] && pm["in"] == "path"
			}
			if !declared {
				t.Errorf("%s %s: path parameter %s not declared", rt.Method, path, m[1])
			}
		}
		if op["summary"] == "" || op["responses"] == nil || op["security"] == nil {
			t.Errorf("%s %s: incomplete %v", rt.Method, rt.Path, op)
		}
	}

	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("https://gdpr.invalid/openapi.json", inst); err != nil {
		t.Fatal(err)
	}
	for _, chk := range []struct{ method, path, url, status string }{
		{"get", "/api/v1/activities", "/api/v1/activities", "200"},
		{"get", "/api/v1/activities/{id}", "/api/v1/activities/kundenverwaltung", "200"},
		{"get", "/api/v1/toms", "/api/v1/toms?limit=1000", "200"},
		{"get", "/api/v1/register", "/api/v1/register", "200"},
		{"get", "/api/v1/findings", "/api/v1/findings", "200"},
		{"get", "/api/v1/revisions", "/api/v1/revisions", "200"},
		{"get", "/api/v1/retention/classes", "/api/v1/retention/classes", "200"},
		{"get", "/api/v1/users", "/api/v1/users", "200"},
		{"get", "/api/v1/audit", "/api/v1/audit", "200"},
		{"get", "/api/v1/activities/{id}", "/api/v1/activities/nope", "404"},
	} {
		ptr := "#/paths/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(chk.path) + "/" + chk.method + "/responses/" + chk.status + "/content/application~1json/schema"
		sch, err := c.Compile("https://gdpr.invalid/openapi.json" + ptr)
		if err != nil {
			t.Errorf("%s: schema does not compile: %v", chk.path, err)
			continue
		}
		_, got := call(t, "GET", srv.URL+chk.url, "", tok)
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(got))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("%s answer does not match the document: %v", chk.url, err)
		}
	}
}
