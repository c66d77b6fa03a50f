package importer

import (
	"gdpr"
	"gdpr/locale"
	"reflect"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"gdpr/register"
)

// checkYAMLKeys refuses, at its line, the first mapping key of the
// document that no field of the native format has there, before the
// decoder decodes: the decoder refuses such keys too (unknown fields are
// errors), but only after collecting an error for every one of them (a
// document of a million unknown keys cost 440 MiB), and not at all inside
// lists that decode themselves (recipients, transfers), where a misspelt
// key was dropped.
func (p *parser) checkYAMLKeys(n *yaml.Node) error {
	return p.yamlKeys(n, reflect.TypeFor[register.Register](), 0)
}

func (p *parser) yamlKeys(n *yaml.Node, t reflect.Type, depth int) error {
	for n.Kind == yaml.AliasNode && n.Alias != nil && depth < 1000 {
		n, depth = n.Alias, depth+1
	}
	if depth >= 1000 {
		return nil // checkYAMLSize refuses this nesting
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if elem, ok := itemsOf(t); ok {
		t = elem // "none" or a list of these
	}
	switch {
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for _, c := range n.Content {
			if err := p.yamlKeys(c, t.Elem(), depth+1); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode && !decodesItself(t):
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			ft, ok := fields[k.Value]
			if !ok {
				return p.errf(k.Line, "", "import.yaml.field", k.Value, typeName(t))
			}
			if err := p.yamlKeys(n.Content[i+1], ft, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

// decodesItself reports whether t has an UnmarshalYAML of its own (whose
// form is its own business: a date).
func decodesItself(t reflect.Type) bool { return reflect.PointerTo(t).Implements(unmarshalerType) }

// itemsOf returns the list type of a type that decodes itself as "none"
// or a list (register.Recipients, register.Transfers: an Items field).
func itemsOf(t reflect.Type) (reflect.Type, bool) {
	if t.Kind() != reflect.Struct || !decodesItself(t) {
		return nil, false
	}
	f, ok := t.FieldByName("Items")
	if !ok || f.Type.Kind() != reflect.Slice {
		return nil, false
	}
	return f.Type, true
}

var fieldsCache sync.Map // reflect.Type -> map[string]reflect.Type

// yamlFields maps the YAML keys of struct type t to the fields' types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldsCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			for k, v := range yamlFields(f.Type) {
				m[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		m[name] = f.Type
	}
	fieldsCache.Store(t, m)
	return m
}

// typeName names a type of the native format for a reader, by the
// catalogue ("einer Verarbeitungstätigkeit"); as an error argument it is
// rendered in the message's language.
func typeName(t reflect.Type) any {
	if key := "yamltype." + t.Name(); locale.Has(key) {
		return gdpr.Keyed(gdpr.EINVALID, "", key)
	}
	return t.String()
}
