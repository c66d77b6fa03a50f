package export

import (
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
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}
