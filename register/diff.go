package register

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// Change is one changed field of a revision, with the old and new values as
// JSON (null when absent).
type Change struct {
	Field string          `json:"field"`
	Old   json.RawMessage `json:"old"`
	New   json.RawMessage `json:"new"`
}

// Diff lists the top-level fields whose values differ between old and new,
// in field-name order. It is derived from the JSON form of the types, so a
// field added to a type is tracked without touching this function. Store
// bookkeeping (created, changed) is ignored. A nil old means creation.
func Diff(old, new any) ([]Change, error) {
	om, err := fields(old)
	if err != nil {
		return nil, err
	}
	nm, err := fields(new)
	if err != nil {
		return nil, err
	}
	keys := map[string]bool{}
	for k := range om {
		keys[k] = true
	}
	for k := range nm {
		keys[k] = true
	}
	var out []Change
	for k := range keys {
		if bookkeeping(k) {
			continue
		}
		o, n := om[k], nm[k]
		if bytes.Equal(o, n) {
			continue
		}
		if o == nil {
			o = json.RawMessage("null")
		}
		if n == nil {
			n = json.RawMessage("null")
		}
		out = append(out, Change{Field: k, Old: o, New: n})
	}
	slices.SortFunc(out, func(a, b Change) int {
		if a.Field < b.Field {
			return -1
		}
		if a.Field > b.Field {
			return 1
		}
		return 0
	})
	return out, nil
}

func fields(v any) (map[string]json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if v == nil {
		return m, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if string(b) == "null" {
		return m, nil
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	// Re-marshal each value so that equal values compare equal as bytes.
	for k, raw := range m {
		var x any
		if err := json.Unmarshal(raw, &x); err != nil {
			return nil, err
		}
		c, err := json.Marshal(x)
		if err != nil {
			return nil, err
		}
		m[k] = c
	}
	return m, nil
}

// DiffDocs is Diff for two documents that json.Marshal wrote from the
// same type (the store's canonical form): their field values are compared
// as the bytes they are, which spares decoding and re-encoding each value.
// A nil old means creation.
func DiffDocs(old, new []byte) ([]Change, error) {
	var om, nm map[string]json.RawMessage
	if old != nil {
		if err := json.Unmarshal(old, &om); err != nil {
			return nil, err
		}
	}
	if err := json.Unmarshal(new, &nm); err != nil {
		return nil, err
	}
	var out []Change
	for k, n := range nm {
		if bookkeeping(k) {
			continue
		}
		o, ok := om[k]
		if ok && bytes.Equal(o, n) {
			continue
		}
		if !ok {
			o = json.RawMessage("null")
		}
		out = append(out, Change{Field: k, Old: o, New: n})
	}
	for k, o := range om {
		if _, ok := nm[k]; ok || bookkeeping(k) {
			continue
		}
		out = append(out, Change{Field: k, Old: o, New: json.RawMessage("null")})
	}
	slices.SortFunc(out, func(a, b Change) int { return strings.Compare(a.Field, b.Field) })
	return out, nil
}

func bookkeeping(field string) bool {
	return field == "created" || field == "changed" || field == "version"
}
