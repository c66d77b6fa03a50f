package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"

	"gdpr/register"
)

// csv parses a comma- or semicolon-separated table (Excel's German export
// uses semicolons) with quoted multi-line cells, UTF-8 with or without BOM.
// Rows above the header row (titles) are skipped and reported.
func (p *parser) csv(data []byte) (*register.Register, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	sep := detectSeparator(splitLines(data))
	rd := csv.NewReader(bytes.NewReader(data))
	rd.Comma = sep
	rd.FieldsPerRecord = -1
	var cols columns
	var headerLen int
	found := false
	r := &register.Register{}
	taken := newIDs()
	b := &budget{p: p}
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, p.errf(pe.Line, "", "import.csv", pe.Err)
			}
			return nil, p.errf(0, "", "import.csv", err)
		}
		lineNo, _ := rd.FieldPos(0)
		for i, c := range rec {
			rec[i] = unCSVSafe(c)
		}
		if blankRecord(rec) {
			continue
		}
		if !found {
			c, _ := mapHeader(rec)
			if c.has(colName) && c.count() >= 2 {
				cols, headerLen, found = c, len(rec), true
			} else {
				p.skip(lineNo, strings.Join(rec, string(sep)))
			}
			continue
		}
		if len(rec) != headerLen {
			return nil, p.errf(lineNo, "", "import.columns", len(rec), headerLen)
		}
		at := loc{line: lineNo}
		for _, c := range rec {
			if err := b.cell(at, len(c)); err != nil {
				return nil, err
			}
		}
		if err := b.row(at); err != nil {
			return nil, err
		}
		a, err := p.rowActivity(cols, rec, loc{line: lineNo}, taken)
		if err != nil {
			return nil, err
		}
		r.Activities = append(r.Activities, a)
	}
	if !found {
		return nil, p.errf(0, "", "import.csv.noheader")
	}
	if len(r.Activities) == 0 {
		return nil, p.errf(0, "", "import.norows")
	}
	return r, nil
}

// unCSVSafe takes away the apostrophe that export.CSVSafe put before a
// cell a spreadsheet would have read as a formula (or before one that
// began with an apostrophe itself).
func unCSVSafe(s string) string {
	if len(s) > 1 && s[0] == '\'' {
		switch s[1] {
		case '=', '+', '-', '@', '\t', '\r', '\'':
			return s[1:]
		}
	}
	return s
}

// detectSeparator picks ; or , by which one splits the header best.
func detectSeparator(lines []line) rune {
	best, bestN := ',', -1
	for i, l := range lines {
		if i > 20 {
			break
		}
		for _, sep := range []rune{';', ','} {
			c, _ := mapHeader(splitSimple(l.text, sep))
			if c.has(colName) && c.count() > bestN {
				best, bestN = sep, c.count()
			}
		}
		if bestN >= 0 {
			break
		}
	}
	return best
}

func blankRecord(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
