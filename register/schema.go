package register

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"

	"gdpr/period"
	"gdpr/retention"
)

// SchemaID identifies the JSON Schema of the native format.
const SchemaID = "https://gdpr.invalid/schema/register-v1.json"

// enums lists the allowed values of the string types.
var enums = map[reflect.Type][]string{
	reflect.TypeFor[Role]():          {string(RoleController), string(RoleProcessor)},
	reflect.TypeFor[Status]():        strs(Statuses),
	reflect.TypeFor[RecipientKind](): strs(RecipientKinds),
	reflect.TypeFor[Category]():      strs(Categories),
	reflect.TypeFor[LegacyControl](): strs(LegacyControls),
	reflect.TypeFor[Tristate]():      {string(Yes), string(No), string(Unknown)},
	reflect.TypeFor[retention.Event](): func() []string {
		var out []string
		for _, e := range retention.Events {
			out = append(out, string(e.Event))
		}
		return out
	}(),
	reflect.TypeFor[retention.Anchor]():     {string(retention.AnchorMonthEnd), string(retention.AnchorYearEnd)},
	reflect.TypeFor[retention.Action]():     {string(retention.Delete), string(retention.Anonymise), string(retention.RestrictThenDelete), string(retention.Suppress)},
	reflect.TypeFor[retention.Combinator](): {string(retention.First), string(retention.Last)},
}

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// JSONSchema returns the JSON Schema (draft 2020-12) of the native format,
// derived from the Go types: their json tags name the properties, a field
// without omitempty is required, the doc tags describe them. Store
// bookkeeping fields (schema:"readonly") are left out.
func JSONSchema() ([]byte, error) {
	g := &Schemas{RefPrefix: "#/$defs/"}
	s := g.Of(reflect.TypeFor[Register]())
	// Rules nest (combine has branches), so their schema is a definition
	// that refers to itself.
	s["$defs"] = g.Defs()
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = SchemaID
	s["title"] = "gdpr register (Verzeichnis von Verarbeitungstätigkeiten and TOM catalogue)"
	return json.MarshalIndent(s, "", "  ")
}

type obj = map[string]any

// Schemas derives JSON Schemas (2020-12, as OpenAPI 3.1 uses) from Go types
// by their json tags. Recursive types become definitions referred to with
// RefPrefix ("#/$defs/" in a schema, "#/components/schemas/" in OpenAPI).
type Schemas struct {
	RefPrefix string
	// ReadOnly includes fields tagged schema:"readonly" (kept by the store,
	// as created and changed) marked readOnly; the native format has none.
	ReadOnly bool
	defs     obj
}

// Of returns the schema of t.
func (g *Schemas) Of(t reflect.Type) map[string]any { return g.schemaOf(t) }

// Defs returns the definitions that Of referred to.
func (g *Schemas) Defs() map[string]any {
	if g.defs == nil {
		return obj{}
	}
	return g.defs
}

func (g *Schemas) schemaOf(t reflect.Type) obj {
	switch t {
	case reflect.TypeFor[Date]():
		return obj{"type": "string", "format": "date", "description": "ISO 8601 date (YYYY-MM-DD); DD.MM.YYYY is accepted on import."}
	case reflect.TypeFor[period.Period]():
		return obj{"type": "string", "pattern": `^P(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T\d+H)?$`, "description": "ISO 8601 period, e.g. P1Y, P6M, P30D, PT48H."}
	case reflect.TypeFor[Recipients]():
		return noneOr(g.schemaOf(reflect.TypeFor[Recipient]()))
	case reflect.TypeFor[Transfers]():
		return noneOr(g.schemaOf(reflect.TypeFor[Transfer]()))
	case reflect.TypeFor[retention.Rule]():
		if g.defs == nil {
			g.defs = obj{}
		}
		if _, ok := g.defs["rule"]; !ok {
			g.defs["rule"] = obj{} // placeholder against endless recursion
			g.defs["rule"] = g.structSchema(t)
		}
		return obj{"$ref": g.RefPrefix + "rule"}
	case reflect.TypeFor[time.Time]():
		return obj{"type": "string", "format": "date-time"}
	case reflect.TypeFor[json.RawMessage]():
		return obj{}
	}
	if e, ok := enums[t]; ok {
		return obj{"type": "string", "enum": e}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.schemaOf(t.Elem())
	case reflect.Slice:
		return obj{"type": "array", "items": g.schemaOf(t.Elem())}
	case reflect.Map:
		return obj{"type": "object", "additionalProperties": g.schemaOf(t.Elem())}
	case reflect.Float32, reflect.Float64:
		return obj{"type": "number"}
	case reflect.Interface:
		return obj{}
	case reflect.String:
		return obj{"type": "string"}
	case reflect.Bool:
		return obj{"type": "boolean"}
	case reflect.Int, reflect.Int64:
		return obj{"type": "integer"}
	case reflect.Struct:
		return g.structSchema(t)
	}
	return obj{}
}

func (g *Schemas) structSchema(t reflect.Type) obj {
	{
		props := obj{}
		var required []string
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if f.Anonymous && f.Tag.Get("json") == "" {
				// Embedded structs are flattened by encoding/json.
				inner := g.structSchema(f.Type)
				for k, v := range inner["properties"].(obj) {
					props[k] = v
				}
				if req, ok := inner["required"].([]string); ok {
					required = append(required, req...)
				}
				continue
			}
			tag := f.Tag.Get("json")
			name, opts, _ := strings.Cut(tag, ",")
			readOnly := f.Tag.Get("schema") == "readonly"
			if name == "-" || f.Tag.Get("schema") == "-" || !f.IsExported() || readOnly && !g.ReadOnly {
				continue
			}
			if name == "" {
				name = f.Name
			}
			p := g.schemaOf(f.Type)
			if d := f.Tag.Get("doc"); d != "" {
				p["description"] = d
			}
			if readOnly {
				p["readOnly"] = true
			}
			props[name] = p
			if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
				required = append(required, name)
			}
		}
		s := obj{"type": "object", "properties": props, "additionalProperties": false}
		if len(required) > 0 {
			s["required"] = required
		}
		return s
	}
}

func noneOr(item obj) obj {
	return obj{"oneOf": []any{
		obj{"const": noneWord, "description": "explicitly none"},
		obj{"type": "array", "items": item},
	}}
}
