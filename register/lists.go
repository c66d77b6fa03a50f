package register

import (
	"bytes"
	"encoding/json"
	"fmt"

	"gopkg.in/yaml.v3"
)

// noneWord is how an explicit "no disclosure" / "no transfer" is written in
// the native format. The absence of a list means "not stated", which the lint
// reports as missing Art. 30(1)(d)/(e) content; "none" is a statement.
const noneWord = "none"

// Recipients is either an explicit "none" or a list of recipients.
type Recipients struct {
	None  bool
	Items []Recipient
}

// IsZero reports whether nothing is stated.
func (r Recipients) IsZero() bool { return !r.None && len(r.Items) == 0 }

// MarshalJSON writes "none" or the list.
func (r Recipients) MarshalJSON() ([]byte, error) { return marshalNoneJSON(r.None, r.Items) }

// UnmarshalJSON accepts "none" or a list.
func (r *Recipients) UnmarshalJSON(b []byte) error { return unmarshalNoneJSON(b, &r.None, &r.Items) }

// MarshalYAML writes "none" or the list.
func (r Recipients) MarshalYAML() (any, error) { return marshalNoneYAML(r.None, r.Items), nil }

// UnmarshalYAML accepts "none" or a list.
func (r *Recipients) UnmarshalYAML(n *yaml.Node) error {
	return unmarshalNoneYAML(n, &r.None, &r.Items)
}

// Transfers is either an explicit "none" or a list of transfers.
type Transfers struct {
	None  bool
	Items []Transfer
}

// IsZero reports whether nothing is stated.
func (t Transfers) IsZero() bool { return !t.None && len(t.Items) == 0 }

// MarshalJSON writes "none" or the list.
func (t Transfers) MarshalJSON() ([]byte, error) { return marshalNoneJSON(t.None, t.Items) }

// UnmarshalJSON accepts "none" or a list.
func (t *Transfers) UnmarshalJSON(b []byte) error { return unmarshalNoneJSON(b, &t.None, &t.Items) }

// MarshalYAML writes "none" or the list.
func (t Transfers) MarshalYAML() (any, error) { return marshalNoneYAML(t.None, t.Items), nil }

// UnmarshalYAML accepts "none" or a list.
func (t *Transfers) UnmarshalYAML(n *yaml.Node) error {
	return unmarshalNoneYAML(n, &t.None, &t.Items)
}

func marshalNoneJSON[T any](none bool, items []T) ([]byte, error) {
	if none {
		return json.Marshal(noneWord)
	}
	if items == nil {
		items = []T{}
	}
	return json.Marshal(items)
}

func unmarshalNoneJSON[T any](b []byte, none *bool, items *[]T) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s != noneWord {
			return fmt.Errorf("want a list or %q, got %q", noneWord, s)
		}
		*none, *items = true, nil
		return nil
	}
	*none = false
	// Unknown fields are refused here too: the caller's decoder setting
	// does not reach a nested Unmarshal.
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(items)
}

func marshalNoneYAML[T any](none bool, items []T) any {
	if none {
		return noneWord
	}
	return items
}

func unmarshalNoneYAML[T any](n *yaml.Node, none *bool, items *[]T) error {
	if n.Kind == yaml.ScalarNode {
		if n.Value != noneWord {
			return fmt.Errorf("line %d: want a list or %q, got %q", n.Line, noneWord, n.Value)
		}
		*none, *items = true, nil
		return nil
	}
	*none = false
	return n.Decode(items)
}
