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
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"gdpr"
	"gdpr/locale"
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
	// Key and Args name the message in the catalogue (package locale);
	// Msg is a message without one.
	Key  string
	Args []any
	Msg  string
}

// Error implements error as "file:line: field "X": message", in English.
func (e *Error) Error() string { return e.Localize(locale.EN) }

// Localize is the error in lang: "datei.csv:3: Feld „X“: …".
func (e *Error) Localize(lang locale.Lang) string {
	var b strings.Builder
	b.WriteString(e.File)
	switch {
	case e.Sheet != "" && e.Row > 0:
		b.WriteString(": " + locale.T(lang, "import.at.row", e.Sheet, e.Row))
	case e.Sheet != "":
		b.WriteString(": " + locale.T(lang, "import.at.sheet", e.Sheet))
	case e.Line > 0:
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		b.WriteString(": " + locale.T(lang, "import.at.field", e.Field))
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(locale.T(lang, e.Key, gdpr.LocalArgs(lang, e.Args)...))
	} else {
		b.WriteString(e.Msg)
	}
	return b.String()
}

// unfielded is a validation error without its field, which the import
// error names itself.
func unfielded(e *gdpr.Error) error {
	c := *e
	c.Field = ""
	return &c
}

func (e *Error) ErrorCode() string { return gdpr.EINVALID }

// maxInput bounds one document. Registers are small; a larger input is a
// mistake (a log file, a database dump) and would only waste memory.
const maxInput = 64 << 20

// Parse detects the format of data and parses it. name is used in errors.
// The returned register is normalised and validated.
func Parse(name string, data []byte) (*Result, error) {
	if len(data) > maxInput {
		return nil, &Error{File: name, Key: "import.toolarge", Args: []any{len(data), maxInput}}
	}
	f, err := Detect(data)
	if err != nil {
		return nil, &Error{File: name, Line: lineOfOffset(data, badOffset(data)), Key: "import.wrap", Args: []any{err}}
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
		if errors.As(err, &ge) {
			return nil, &Error{File: name, Field: ge.Field, Key: "import.wrap", Args: []any{unfielded(ge)}}
		}
		return nil, &Error{File: name, Key: "import.wrap", Args: []any{err}}
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

// errf is an error at line naming field, its message the catalogue entry
// key with args.
func (p *parser) errf(line int, field, key string, args ...any) *Error {
	return &Error{File: p.file, Line: line, Field: field, Key: key, Args: args}
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
