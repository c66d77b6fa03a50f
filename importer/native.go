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
func (p *parser) nativeYAML(data []byte) (*register.Register, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, p.yamlErr(err)
	}
	if err := p.checkYAMLSize(&root); err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var r register.Register
	if err := dec.Decode(&r); err != nil {
		return nil, p.yamlErr(err)
	}
	if err := r.Validate(); err != nil {
		var ge *gdpr.Error
		if errors.As(err, &ge) {
			return nil, p.errf(yamlPathLine(&root, ge.Field), ge.Field, "%s", ge.Message)
		}
		return nil, err
	}
	return &r, nil
}

func (p *parser) yamlErr(err error) error {
	var te *yaml.TypeError
	msg := err.Error()
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return p.errf(n, "", "YAML: %s", m[2])
	}
	return p.errf(0, "", "YAML: %s", strings.TrimPrefix(msg, "yaml: "))
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
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	dec.DisallowUnknownFields()
	var r register.Register
	if err := dec.Decode(&r); err != nil {
		var se *json.SyntaxError
		var ue *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, p.errf(lineOfOffset(data, int(se.Offset)), "", "JSON: %v", se)
		case errors.As(err, &ue):
			return nil, p.errf(lineOfOffset(data, int(ue.Offset)), ue.Field, "JSON: want %v, got %s", ue.Type, ue.Value)
		default:
			return nil, p.errf(0, "", "JSON: %v", err)
		}
	}
	if dec.More() {
		return nil, p.errf(0, "", "JSON: more than one document")
	}
	if err := r.Validate(); err != nil {
		var ge *gdpr.Error
		if errors.As(err, &ge) {
			return nil, p.errf(0, ge.Field, "%s", ge.Message)
		}
		return nil, fmt.Errorf("%s: %w", p.file, err)
	}
	return &r, nil
}
