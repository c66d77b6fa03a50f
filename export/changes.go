package export

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"

	"gdpr/locale"
	"gdpr/period"
	"gdpr/register"
	"gdpr/retention"
)

// ChangeRow is one changed field as a person reads it: its label in the
// page's language, and either the old and new value as text or, for a
// list, the items added and removed. Nested blocks (a contact, the DPIA,
// the controller's details) come as one row per changed part.
type ChangeRow struct {
	Field string `json:"field"`
	Label string `json:"label"`
	// List is set for list fields: Added and Removed hold the items,
	// Reordered says the same items now stand in another order.
	List      bool     `json:"list,omitempty"`
	Added     []string `json:"added,omitempty"`
	Removed   []string `json:"removed,omitempty"`
	Reordered bool     `json:"reordered,omitempty"`
	Old       string   `json:"old,omitempty"`
	New       string   `json:"new,omitempty"`
}

// ChangeRows makes the changes of one entry (entity "activity", "measure",
// "controller", "document") readable, in the order of the entry's fields
// (for an activity: Art. 30(1) a to g). titles names measures by id, so
// that a TOM reference shows as the measure's title; it may be nil.
func ChangeRows(entity string, changes []register.Change, titles map[string]string, l locale.Lang) []ChangeRow {
	order := fieldOrder(entity)
	sorted := slices.Clone(changes)
	slices.SortStableFunc(sorted, func(a, b register.Change) int { return rank(order, a.Field) - rank(order, b.Field) })
	p := presenter{l: l, titles: titles}
	var out []ChangeRow
	for _, c := range sorted {
		out = append(out, p.rows(c.Field, labelFor(l, entity, c.Field), decode(c.Old), decode(c.New))...)
	}
	return out
}

// fieldOrder is the JSON field order of the entry's type: the register
// types list their fields in the order of the law, so the order is read
// from them rather than kept here a second time.
func fieldOrder(entity string) []string {
	var t reflect.Type
	switch entity {
	case "activity":
		t = reflect.TypeFor[register.Activity]()
	case "measure":
		t = reflect.TypeFor[register.Measure]()
	case "controller":
		t = reflect.TypeFor[register.Header]()
	case "document":
		t = reflect.TypeFor[register.Document]()
	default:
		return nil
	}
	return jsonFields(t)
}

func jsonFields(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

func rank(order []string, field string) int {
	if i := slices.Index(order, field); i >= 0 {
		return i
	}
	return len(order)
}

func decode(raw json.RawMessage) any {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return nil
	}
	return v
}

// labelFor is label, with the register header's own names: its title is
// the register's, not a measure's.
func labelFor(l locale.Lang, entity, field string) string {
	if entity == "controller" && field == "title" {
		return locale.T(l, "ui.controller.title")
	}
	if entity == "document" && field == "title" {
		return locale.T(l, "label.doc_title")
	}
	return label(l, field)
}

func label(l locale.Lang, field string) string {
	if locale.Has("label." + field) {
		return locale.T(l, "label."+field)
	}
	if locale.Has("ui.field." + field) {
		return locale.T(l, "ui.field."+field)
	}
	return field
}

type presenter struct {
	l      locale.Lang
	titles map[string]string
}

// subOrder is the field order of the nested blocks.
var subOrder = map[string][]string{
	"contact":    jsonFields(reflect.TypeFor[register.Contact]()),
	"dpo":        jsonFields(reflect.TypeFor[register.Contact]()),
	"dpia":       jsonFields(reflect.TypeFor[register.DPIA]()),
	"controller": jsonFields(reflect.TypeFor[register.Controller]()),
}

func (p presenter) rows(field, lbl string, old, new any) []ChangeRow {
	om, oIsMap := old.(map[string]any)
	nm, nIsMap := new.(map[string]any)
	if (oIsMap || old == nil) && (nIsMap || new == nil) && (oIsMap || nIsMap) && subOrder[field] != nil {
		var out []ChangeRow
		for _, k := range subOrder[field] {
			o, n := om[k], nm[k]
			// A person's subject id is where the vault keeps them, not
			// what the entry says: the names show the change.
			if reflect.DeepEqual(o, n) || k == "subject" || k == "representative_subject" {
				continue
			}
			out = append(out, p.rows(k, lbl+": "+label(p.l, subLabel(field, k)), o, n)...)
		}
		return out
	}
	if isList(field, old) || isList(field, new) {
		return []ChangeRow{p.listRow(field, lbl, old, new)}
	}
	return []ChangeRow{{Field: field, Label: lbl, Old: p.text(field, old), New: p.text(field, new)}}
}

// subLabel names a part of a nested block: the contact's name is the
// contact person's name, not an activity's.
func subLabel(parent, k string) string {
	switch {
	case k == "name" && (parent == "contact" || parent == "dpo"):
		return "contact_name"
	case k == "name" && parent == "controller":
		return "controller_name"
	case k == "required":
		return "dpia_required"
	case k == "reason":
		return "dpia_reason"
	}
	return k
}

func isList(field string, v any) bool {
	if _, ok := v.([]any); ok {
		return true
	}
	// "none" is the explicit empty list of recipients and transfers.
	s, ok := v.(string)
	return ok && s == "none" && (field == "recipients" || field == "third_country_transfers")
}

func (p presenter) listRow(field, lbl string, old, new any) ChangeRow {
	row := ChangeRow{Field: field, Label: lbl, List: true}
	ol, nl := p.items(field, old), p.items(field, new)
	left := slices.Clone(nl)
	for _, o := range ol {
		if i := slices.Index(left, o); i >= 0 {
			left = slices.Delete(left, i, i+1)
		} else {
			row.Removed = append(row.Removed, o)
		}
	}
	row.Added = left
	row.Reordered = len(row.Added) == 0 && len(row.Removed) == 0
	return row
}

func (p presenter) items(field string, v any) []string {
	switch x := v.(type) {
	case string:
		if x == "none" {
			if field == "recipients" {
				return []string{locale.T(p.l, "value.no_disclosure")}
			}
			return []string{locale.T(p.l, "value.no_transfer")}
		}
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, it := range x {
			out = append(out, p.item(field, it))
		}
		return out
	}
	return nil
}

// item writes one list item: a recipient with its kind, a transfer with
// recipient and safeguard, a deletion period with its data category and
// rule, a measure reference as the measure's title.
func (p presenter) item(field string, v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		s := p.text(field, v)
		if field == "toms" {
			if t, ok := p.titles[s]; ok {
				return t
			}
		}
		return s
	}
	str := func(k string) string { s, _ := m[k].(string); return s }
	switch field {
	case "recipients":
		if k := str("kind"); k != "" {
			return str("name") + " (" + p.text("kind", k) + ")"
		}
		return str("name")
	case "third_country_transfers":
		return joinNonEmpty(" – ", str("country"), str("recipient"), str("safeguard"))
	case "retention":
		s := str("text")
		if dc := str("data_category"); dc != "" {
			s = dc + ": " + s
		}
		if raw, err := json.Marshal(m["rule"]); err == nil && m["rule"] != nil {
			var r retention.Rule
			if json.Unmarshal(raw, &r) == nil {
				s += " [" + RuleText(r, p.l) + "]"
			}
		}
		return s
	}
	return joinNonEmpty(", ", str("name"), str("phone"), str("email"))
}

func joinNonEmpty(sep string, xs ...string) string {
	return strings.Join(slices.DeleteFunc(xs, func(s string) bool { return s == "" }), sep)
}

// enumKeys are the catalogue prefixes of the fields with fixed values.
var enumKeys = map[string]string{
	"status": "value.status.", "role": "value.role.", "category": "value.category.",
	"legacy_control": "value.legacy.", "kind": "value.kind.", "required": "value.dpia.",
}

func (p presenter) text(field string, v any) string {
	switch x := v.(type) {
	case nil:
		return "–"
	case string:
		if x == "" {
			return "–"
		}
		if pre, ok := enumKeys[field]; ok && locale.Has(pre+x) {
			return locale.T(p.l, pre+x)
		}
		switch field {
		case "introduced", "last_reviewed":
			if d, err := register.ParseDate(x); err == nil && p.l == locale.DE {
				return d.German()
			}
		case "review_interval":
			if pd, err := period.Parse(x); err == nil {
				return PeriodText(pd, p.l)
			}
		}
		return x
	case bool:
		if x {
			return locale.T(p.l, "ui.yes")
		}
		return locale.T(p.l, "ui.no")
	case map[string]any:
		return p.item(field, x)
	case []any:
		return strings.Join(p.items(field, x), "; ")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// ActorText names who made a change as a reader knows them: a person by
// their user name, an API token, the command line, a job of the engine.
func ActorText(actor string, l locale.Lang) string {
	kind, name, ok := strings.Cut(actor, ":")
	if !ok || !locale.Has("actor."+kind) {
		return actor
	}
	return locale.T(l, "actor."+kind, name)
}

// EntryName is the name an entry had in a revision's snapshot: an
// activity's name, a measure's or document's title, the controller's
// name.
func EntryName(entity string, snapshot []byte, l locale.Lang) string {
	var s struct {
		Name       string `json:"name"`
		Title      string `json:"title"`
		Controller *struct {
			Name string `json:"name"`
		} `json:"controller"`
	}
	_ = json.Unmarshal(snapshot, &s)
	switch {
	case entity == "controller" && s.Controller != nil && s.Controller.Name != "":
		return s.Controller.Name
	case entity == "controller":
		return locale.T(l, "value.entity.controller")
	case s.Name != "":
		return s.Name
	}
	return s.Title
}
