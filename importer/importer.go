// Package importer turns existing register documents into a
// register.Register: the native YAML/JSON format, the tab-separated table of
// a web-shop's Verzeichnis (seed 000), numbered Art. 32 TOM documents
// (seed 002), TOM lists by the old BDSG controls (seed 004), a processor's
// label-block Muster-Verfahrensverzeichnis (seed 003), CSV and XLSX tables.
// The format is detected from the content, never from the file name. It does
// no I/O: callers pass the bytes and the name to use in error messages.
package importer

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"gdpr"
	"gdpr/register"
)

// Format names a recognised input shape.
type Format string

// Recognised formats.
const (
	FormatNativeYAML  Format = "native-yaml"
	FormatNativeJSON  Format = "native-json"
	FormatTextTable   Format = "text-table"
	FormatCSV         Format = "csv"
	FormatXLSX        Format = "xlsx"
	FormatTOMNumbered Format = "toms-numbered"
	FormatTOMLegacy   Format = "toms-legacy"
	FormatLabelBlocks Format = "label-blocks"
)

// Result is what one file yielded. Skipped lists source lines that carried
// no register content (titles, marketing text), each with its location, so
// that nothing is dropped without the user being able to see it.
type Result struct {
	File     string
	Format   Format
	Register *register.Register
	Skipped  []string
}

// Error is a located import error: it names the file, the line (or sheet and
// row) and the field. Its code is EINVALID.
type Error struct {
	File  string
	Line  int
	Sheet string
	Row   int
	Field string
	Msg   string
}

// Error implements error as "file:line: field "X": message".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	switch {
	case e.Sheet != "":
		fmt.Fprintf(&b, ": sheet %q row %d", e.Sheet, e.Row)
	case e.Line > 0:
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %q", e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorCode implements the code interface of package gdpr.
func (e *Error) ErrorCode() string { return gdpr.EINVALID }

// maxInput bounds one document. Registers are small; a larger input is a
// mistake (a log file, a database dump) and would only waste memory.
const maxInput = 64 << 20

// Parse detects the format of data and parses it. name is used in errors.
// The returned register is normalised and validated.
func Parse(name string, data []byte) (*Result, error) {
	if len(data) > maxInput {
		return nil, &Error{File: name, Msg: fmt.Sprintf("file is %d bytes; the limit is %d", len(data), maxInput)}
	}
	f, err := Detect(data)
	if err != nil {
		return nil, &Error{File: name, Line: lineOfOffset(data, badOffset(data)), Msg: err.Error()}
	}
	res := &Result{File: name, Format: f}
	p := &parser{file: name, res: res}
	switch f {
	case FormatXLSX:
		res.Register, err = p.xlsx(data)
	case FormatNativeJSON:
		res.Register, err = p.nativeJSON(data)
	case FormatNativeYAML:
		res.Register, err = p.nativeYAML(data)
	default:
		lines := splitLines(data)
		switch f {
		case FormatTextTable:
			res.Register, err = p.textTable(lines)
		case FormatCSV:
			res.Register, err = p.csv(data)
		case FormatTOMNumbered:
			res.Register, err = p.tomNumbered(lines, newIDs())
		case FormatTOMLegacy:
			res.Register, err = p.tomLegacy(lines, newIDs())
		case FormatLabelBlocks:
			res.Register, err = p.labelBlocks(lines)
		}
	}
	if err != nil {
		return nil, err
	}
	normalize(res.Register)
	if err := res.Register.Validate(); err != nil {
		var ge *gdpr.Error
		if e, ok := err.(*gdpr.Error); ok {
			ge = e
			return nil, &Error{File: name, Field: ge.Field, Msg: ge.Message}
		}
		return nil, &Error{File: name, Msg: err.Error()}
	}
	return res, nil
}

func normalize(r *register.Register) {
	for _, a := range r.Activities {
		a.Normalize()
	}
	for _, m := range r.TOMs {
		m.Normalize()
	}
}

type parser struct {
	file string
	res  *Result
}

func (p *parser) errf(line int, field, format string, args ...any) *Error {
	return &Error{File: p.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) skip(line int, text string) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	if r := []rune(text); len(r) > 80 {
		text = string(r[:77]) + "..."
	}
	p.res.Skipped = append(p.res.Skipped, fmt.Sprintf("%s:%d: %s", p.file, line, text))
}

// line is one line of a text document with its 1-based number.
type line struct {
	n    int
	text string
}

// splitLines strips a UTF-8 BOM and splits on LF, CRLF or CR.
func splitLines(data []byte) []line {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	parts := strings.Split(s, "\n")
	out := make([]line, len(parts))
	for i, t := range parts {
		out[i] = line{i + 1, t}
	}
	return out
}

// badOffset returns the offset of the first NUL byte or invalid UTF-8
// sequence, or -1.
func badOffset(data []byte) int {
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return i
	}
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

func lineOfOffset(data []byte, off int) int {
	if off < 0 {
		return 0
	}
	if off > len(data) {
		off = len(data)
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// ids hands out unique slugs within one document.
type ids struct{ s *register.Slugs }

func newIDs() ids { return ids{register.NewSlugs()} }

func (m ids) next(name string) string { return m.s.Unique(name) }
