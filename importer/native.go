package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"gdpr"
	"gdpr/register"
)

var yamlLine = regexp.MustCompile(`line (\d+): (.*)`)

// nativeYAML decodes the native format strictly: unknown keys are errors.
// Validation errors are located through the YAML node tree.
//
// The bounds are checked before decoding: the count of nodes on the raw
// bytes, then what aliases expand to, the number of keys of each mapping
// and that each key is a field (checkYAMLKeys) on the node tree the
// decoder parsed, before it decodes it (parsing is linear;
// decoding is where aliases are expanded and keys compared pairwise). The
// document is parsed once: a tree costs some 250 bytes a node.
func (p *parser) nativeYAML(data []byte) (*register.Register, error) {
	if err := p.checkYAMLNodes(data); err != nil {
		return nil, err
	}
	doc := checkedYAML{p: p}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		var ie *Error
		if errors.As(err, &ie) {
			return nil, ie
		}
		return nil, p.yamlErr(err)
	}
	r := &doc.r
	if err := r.Validate(); err != nil {
		var ge *gdpr.Error
		if errors.As(err, &ge) {
			return nil, p.errf(yamlPathLine(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{&doc.root}}, ge.Field), ge.Field, "import.wrap", unfielded(ge))
		}
		return nil, err
	}
	return r, nil
}

// checkedYAML is the register as the decoder's hook sees it: yaml.v3
// hands an unmarshaler of this form a function that decodes the parsed
// node with the decoder's own settings (unknown fields refused), so the
// node can be had first (through nodeOf) and checked, and then decoded,
// from the one tree.
type checkedYAML struct {
	p    *parser
	root yaml.Node
	r    register.Register
}

func (c *checkedYAML) UnmarshalYAML(unmarshal func(any) error) error {
	var n nodeOf
	if err := unmarshal(&n); err != nil {
		return err
	}
	if n.node != nil {
		c.root = *n.node
		if err := c.p.checkYAMLSize(n.node); err != nil {
			return err
		}
		if err := c.p.checkYAMLKeys(n.node); err != nil {
			return err
		}
	}
	return unmarshal(&c.r)
}

// nodeOf takes the node it is decoded from, as it is.
type nodeOf struct{ node *yaml.Node }

func (n *nodeOf) UnmarshalYAML(node *yaml.Node) error {
	n.node = node
	return nil
}

func (p *parser) yamlErr(err error) error {
	var te *yaml.TypeError
	msg := err.Error()
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return p.errf(n, "", "import.yaml", m[2])
	}
	return p.errf(0, "", "import.yaml", strings.TrimPrefix(msg, "yaml: "))
}

// yamlPathLine finds the line of a field path such as
// "activities[2].recipients[0].kind" in a YAML document; 0 when not found.
func yamlPathLine(root *yaml.Node, path string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, part := range strings.Split(path, ".") {
		key, idx := part, -1
		if i := strings.IndexByte(part, '['); i >= 0 {
			key = part[:i]
			idx, _ = strconv.Atoi(strings.TrimSuffix(part[i+1:], "]"))
		}
		if key != "" {
			if n.Kind != yaml.MappingNode {
				return line
			}
			found := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == key {
					line, n, found = n.Content[i].Line, n.Content[i+1], true
					break
				}
			}
			if !found {
				return line
			}
		}
		if idx >= 0 {
			if n.Kind != yaml.SequenceNode || idx >= len(n.Content) {
				return line
			}
			n = n.Content[idx]
			line = n.Line
		}
	}
	return line
}

// nativeJSON decodes the native format strictly, with line numbers for
// syntax and type errors.
func (p *parser) nativeJSON(data []byte) (*register.Register, error) {
	if err := p.checkJSONValues(data); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	dec.DisallowUnknownFields()
	var r register.Register
	if err := dec.Decode(&r); err != nil {
		var se *json.SyntaxError
		var ue *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, p.errf(lineOfOffset(data, int(se.Offset)), "", "import.json", se)
		case errors.As(err, &ue):
			return nil, p.errf(lineOfOffset(data, int(ue.Offset)), ue.Field, "import.json.type", ue.Type, ue.Value)
		default:
			return nil, p.errf(0, "", "import.json", err)
		}
	}
	if dec.More() {
		return nil, p.errf(0, "", "import.json.many")
	}
	if err := r.Validate(); err != nil {
		var ge *gdpr.Error
		if errors.As(err, &ge) {
			return nil, p.errf(0, ge.Field, "import.wrap", unfielded(ge))
		}
		return nil, fmt.Errorf("%s: %w", p.file, err)
	}
	return &r, nil
}
