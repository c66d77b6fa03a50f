package api

import (
	"net/http"
	"reflect"
	"regexp"
	"strings"

	"gdpr/httpx"
	"gdpr/register"
)

// Version is the API document's version; the binary sets it.
var Version = "dev"

// queryParams documents the query parameters per route.
var queryParams = map[string][]string{
	"GET /api/v1/activities":                {"q", "status", "archived", "department", "legal_basis", "third_country", "limit", "offset"},
	"GET /api/v1/toms":                      {"q", "status", "archived", "limit", "offset"},
	"GET /api/v1/documents":                 {"q", "status", "archived", "limit", "offset"},
	"GET /api/v1/register":                  {"archived"},
	"GET /api/v1/findings":                  {"lang", "severity", "rule", "entity", "entity_id", "limit", "offset"},
	"GET /api/v1/revisions":                 {"entity", "id", "actor", "from", "to", "limit", "offset"},
	"GET /api/v1/export":                    {"format", "lang"},
	"GET /api/v1/report":                    {"format", "lang"},
	"GET /api/v1/requests/{id}/report":      {"format"},
	"GET /api/v1/consent/check":             {"email", "purpose"},
	"GET /api/v1/consent/forms":             {"purpose"},
	"GET /api/v1/requests/{id}/portability": {"format"},
	"GET /api/v1/audit":                     {"actor", "action", "outcome", "limit", "offset"},
	"POST /api/v1/import":                   {"name", "dry_run", "details", "if_state"},
	"POST /api/v1/retention/parse":          {"lang"},
	"POST /api/v1/retention/due":            {"lang"},
	"GET /api/v1/retention/classes":         {"lang"},
}

var paramDocs = map[string]struct {
	schema map[string]any
	doc    string
}{
	"q":             {map[string]any{"type": "string"}, "text searched, case-folded and literally, in name, id, purposes and description"},
	"department":    {map[string]any{"type": "string"}, "only activities of this department"},
	"legal_basis":   {map[string]any{"type": "string"}, "only activities with this legal basis"},
	"third_country": {map[string]any{"type": "string", "enum": []string{"yes", "no", "unstated"}}, "transfers listed, explicitly none, or not stated"},
	"severity":      {map[string]any{"type": "string", "enum": []string{"error", "warning", "info"}}, "only findings of this severity"},
	"entity_id":     {map[string]any{"type": "string"}, "only findings of this entry"},
	"rule":          {map[string]any{"type": "string"}, "only findings of this rule (its code, e.g. legal-basis-missing)"},
	"from":          {map[string]any{"type": "string", "format": "date-time"}, "only changes at or after this time"},
	"to":            {map[string]any{"type": "string", "format": "date-time"}, "only changes before this time"},
	"details":       {map[string]any{"type": "boolean"}, "list every entry with its changed fields"},
	"if_state":      {map[string]any{"type": "integer"}, "refuse (409) when the register changed since this state (a preview's)"},
	"actor":         {map[string]any{"type": "string"}, "only entries of this actor"},
	"action":        {map[string]any{"type": "string"}, "only entries of this action"},
	"outcome":       {map[string]any{"type": "string", "enum": []string{"ok", "denied", "failed"}}, "only entries with this outcome"},
	"status":        {map[string]any{"type": "string", "enum": []string{"draft", "in_review", "approved", "archived"}}, "only entries with this status"},
	"archived":      {map[string]any{"type": "boolean"}, "include archived entries"},
	"limit":         {map[string]any{"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}, "page size"},
	"offset":        {map[string]any{"type": "integer", "minimum": 0, "default": 0}, "entries to skip"},
	"lang":          {map[string]any{"type": "string", "enum": []string{"de", "en"}}, "language of messages (default: Accept-Language, else de)"},
	"entity":        {map[string]any{"type": "string", "enum": []string{"controller", "activity", "measure", "document"}}, "kind of entry"},
	"id":            {map[string]any{"type": "string"}, "id of the entry"},
	"format":        {map[string]any{"type": "string", "enum": []string{"pdf", "html", "md", "csv", "xlsx", "json", "yaml"}}, "export format"},
	"email":         {map[string]any{"type": "string", "format": "email"}, "the address asked about (never logged)"},
	"purpose":       {map[string]any{"type": "string"}, "a consent purpose's id"},
	"name":          {map[string]any{"type": "string"}, "file name for messages"},
	"dry_run":       {map[string]any{"type": "boolean"}, "report what the import would do, write nothing"},
}

// pathParam matches a path parameter, also a remainder ("{ref...}", which
// may hold slashes; OpenAPI names it without the dots).
var pathParam = regexp.MustCompile(`\{(\w+)(?:\.\.\.)?\}`)

// openAPIPath is a route's path as OpenAPI writes it.
func openAPIPath(p string) string { return strings.ReplaceAll(p, "...}", "}") }

var permNames = map[Permission]string{Read: "read", Write: "write", Manage: "manage"}

// OpenAPI returns the OpenAPI 3.1 document of the API, derived from the
// route table and the Go types, so that it cannot drift from the code.
func (s *Server) OpenAPI() map[string]any {
	g := &register.Schemas{RefPrefix: "#/components/schemas/", ReadOnly: true}
	errResp := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
	}
	paths := map[string]any{}
	for _, rt := range s.Table() {
		key := rt.Method + " " + rt.Path
		op := map[string]any{
			"summary":      rt.Summary,
			"operationId":  operationID(rt),
			"security":     []any{map[string]any{"bearer": []string{}}, map[string]any{"session": []string{}}},
			"x-permission": permNames[rt.Perm],
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range queryParams[key] {
			p := map[string]any{"name": q, "in": "query", "schema": paramDocs[q].schema, "description": paramDocs[q].doc}
			if q == "format" {
				p["required"] = true
			}
			params = append(params, p)
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if rt.Path == "/api/v1/import" {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/octet-stream": map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}}
		}
		if rt.Request != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": g.Of(reflect.TypeOf(rt.Request))}}}
		}
		status := "200"
		if rt.Method == http.MethodPost && strings.Count(rt.Path, "/") == 3 && !strings.Contains(rt.Path, "retention") && rt.Path != "/api/v1/import" {
			status = "201"
		}
		if rt.Method == http.MethodPut || strings.HasSuffix(rt.Path, "/archive") {
			params = append(params, map[string]any{"name": "If-Match", "in": "header", "required": rt.Method == http.MethodPut,
				"schema": map[string]any{"type": "string"}, "description": "the ETag of the version the change was made from"})
			op["parameters"] = params
		}
		ok := map[string]any{"description": "OK"}
		switch {
		case rt.Response != nil:
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.Of(reflect.TypeOf(rt.Response))}}
		case rt.Path == "/api/v1/export":
			content := map[string]any{}
			for _, ct := range []string{"application/pdf", "text/html", "text/markdown", "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/json", "application/yaml"} {
				content[ct] = map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}
			}
			ok["content"] = content
		case rt.Path == "/api/v1/openapi.json":
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}
		}
		resp := map[string]any{status: ok, "400": errResp("invalid input"), "401": errResp("no or bad credentials"),
			"403": errResp("the role may not do this, or a CSRF token is missing"), "404": errResp("not found"),
			"413": errResp("the body is larger than the route allows")}
		if rt.Perm >= Write {
			resp["409"] = errResp("the entry exists already, or was changed since the version named (the answer carries the current one)")
		}
		if rt.Method == http.MethodPut || strings.HasSuffix(rt.Path, "/steps") {
			resp["428"] = errResp("If-Match (or the body's version) is missing")
		}
		if rt.Path == "/api/v1/export" {
			resp["429"] = errResp("too many exports at once; Retry-After says when to try again")
		}
		op["responses"] = resp
		p, _ := paths[openAPIPath(rt.Path)].(map[string]any)
		if p == nil {
			p = map[string]any{}
			paths[openAPIPath(rt.Path)] = p
		}
		p[strings.ToLower(rt.Method)] = op
	}
	schemas := g.Defs()
	schemas["Error"] = g.Of(reflect.TypeFor[httpx.ErrorBody]())
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "gdpr API", "version": Version,
			"description": "The register of processing activities (Art. 30 GDPR), TOMs (Art. 32), lint findings, retention rules and exports. Authenticate with Authorization: Bearer <token> (gdpr tokens create) or a session cookie; cookie writes need the X-CSRF-Token header."},
		"paths": paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": "gdpr_session"},
			},
		},
	}
}

func operationID(rt Route) string {
	id := strings.ToLower(rt.Method) + strings.NewReplacer("/api/v1", "", "/", "_", "{", "", "}", "", ".", "_").Replace(openAPIPath(rt.Path))
	return id
}

func (s *Server) openapi(w http.ResponseWriter, _ *http.Request) error {
	httpx.JSON(w, http.StatusOK, s.OpenAPI())
	return nil
}
