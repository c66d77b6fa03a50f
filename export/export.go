package export

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"gopkg.in/yaml.v3"

	"gdpr/register"
)

// Write renders r in format f to w. The native formats (yaml, json) carry
// every entry including archived ones and round-trip through the importer;
// the document formats show what is in force.
func Write(w io.Writer, f Format, r *register.Register, o Options) error {
	switch f {
	case YAML, JSON:
		return writeNative(w, f, r)
	case Markdown:
		return writeMarkdown(w, build(r, o))
	case HTML:
		return writeHTML(w, build(r, o))
	case CSV:
		return writeCSV(w, r, o)
	case XLSX:
		return writeXLSX(w, r, o)
	case PDF:
		return writePDF(w, build(r, o), o)
	}
	return fmt.Errorf("unknown export format %q", f)
}

// Native returns the register as it is written in the native format: store
// bookkeeping (created, changed) removed, so that an export imported into an
// empty store exports the same bytes again.
func Native(r *register.Register) *register.Register {
	c := *r
	c.Activities = make([]*register.Activity, len(r.Activities))
	for i, a := range r.Activities {
		x := *a
		x.Created, x.Changed = nil, nil
		c.Activities[i] = &x
	}
	c.TOMs = make([]*register.Measure, len(r.TOMs))
	for i, m := range r.TOMs {
		x := *m
		x.Created, x.Changed = nil, nil
		c.TOMs[i] = &x
	}
	c.Documents = make([]*register.Document, len(r.Documents))
	for i, d := range r.Documents {
		x := *d
		x.Created, x.Changed = nil, nil
		c.Documents[i] = &x
	}
	c.Systems = make([]*register.System, len(r.Systems))
	for i, y := range r.Systems {
		x := *y
		x.Created, x.Changed = nil, nil
		c.Systems[i] = &x
	}
	return &c
}

func writeNative(w io.Writer, f Format, r *register.Register) error {
	n := Native(r)
	if f == JSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(n)
	}
	return writeYAML(w, n)
}

// writeYAML writes the native YAML a part at a time: the header, then each
// entry as an item of its list. yaml.v3 builds a node tree of what it
// encodes, which for a whole register of 10,000 activities took 660 MB.
// An item encoded on its own and indented by two spaces is what the
// encoder writes for it within the list, so the output is the same bytes.
func writeYAML(w io.Writer, n *register.Register) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := func(v any, indent bool) error {
		var buf bytes.Buffer
		e := yaml.NewEncoder(&buf)
		e.SetIndent(2)
		if err := e.Encode(v); err != nil {
			return err
		}
		if err := e.Close(); err != nil {
			return err
		}
		if !indent {
			_, err := bw.Write(buf.Bytes())
			return err
		}
		for _, line := range bytes.SplitAfter(buf.Bytes(), []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			if len(line) > 1 {
				bw.WriteString("  ")
			}
			if _, err := bw.Write(line); err != nil {
				return err
			}
		}
		return nil
	}
	head := &register.Register{Title: n.Title, Controller: n.Controller}
	if head.Title != "" || head.Controller != nil {
		if err := enc(head, false); err != nil {
			return err
		}
	}
	lists := []struct {
		key   string
		count int
		item  func(int) any
	}{
		{"activities", len(n.Activities), func(i int) any { return []*register.Activity{n.Activities[i]} }},
		{"toms", len(n.TOMs), func(i int) any { return []*register.Measure{n.TOMs[i]} }},
		{"documents", len(n.Documents), func(i int) any { return []*register.Document{n.Documents[i]} }},
		{"systems", len(n.Systems), func(i int) any { return []*register.System{n.Systems[i]} }},
	}
	for _, l := range lists {
		if l.count == 0 {
			continue
		}
		bw.WriteString(l.key + ":\n")
		for i := range l.count {
			if err := enc(l.item(i), true); err != nil {
				return err
			}
		}
	}
	if head.Title == "" && head.Controller == nil && len(n.Activities)+len(n.TOMs)+len(n.Documents)+len(n.Systems) == 0 {
		bw.WriteString("{}\n")
	}
	return bw.Flush()
}
