package importer

import (
	"bytes"
	"strings"

	"gdpr"
)

// Detect names the format of data from its content. It fails for binary
// data, text that is not UTF-8, and text of no known shape.
func Detect(data []byte) (Format, error) {
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return FormatXLSX, nil
	}
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if len(trimmed) == 0 {
		return "", gdpr.Keyed(gdpr.EINVALID, "", "import.empty")
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return "", gdpr.Keyed(gdpr.EINVALID, "", "import.binary")
	}
	if badOffset(data) >= 0 {
		return "", gdpr.Keyed(gdpr.EINVALID, "", "import.notutf8")
	}
	if trimmed[0] == '{' {
		return FormatNativeJSON, nil
	}
	if looksNativeYAML(trimmed) {
		return FormatNativeYAML, nil
	}
	lines := splitLines(data)
	if _, ok := findTableHeader(lines); ok {
		return FormatTextTable, nil
	}
	if looksCSV(lines) {
		return FormatCSV, nil
	}
	if countLabels(lines) >= 3 {
		return FormatLabelBlocks, nil
	}
	if looksNumberedTOM(lines) {
		return FormatTOMNumbered, nil
	}
	if countLegacyControls(lines) >= 2 {
		return FormatTOMLegacy, nil
	}
	return "", gdpr.Keyed(gdpr.EINVALID, "", "import.unknown")
}

var nativeKeys = map[string]bool{"title": true, "controller": true, "activities": true, "toms": true, "documents": true, "systems": true}

// looksNativeYAML is true when a top-level key of the document (a line
// starting "key:") is a key of the native format. Unknown keys beside it are
// reported by the decoder, not treated as another format.
func looksNativeYAML(data []byte) bool {
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if len(line) == 0 || line[0] < 'a' || line[0] > 'z' {
			continue
		}
		if i := bytes.IndexByte(line, ':'); i > 0 && nativeKeys[string(line[:i])] {
			return true
		}
	}
	return false
}

func looksCSV(lines []line) bool {
	for i, l := range lines {
		if i > 20 {
			break
		}
		for _, sep := range []rune{';', ','} {
			if strings.ContainsRune(l.text, sep) {
				cells := splitSimple(l.text, sep)
				if cols, _ := mapHeader(cells); cols.has(colName) && cols.count() >= 2 {
					return true
				}
			}
		}
	}
	return false
}

// splitSimple splits a header line on sep, honouring double quotes; enough
// to recognise a header, the CSV reader does the real work.
func splitSimple(s string, sep rune) []string {
	var out []string
	var b strings.Builder
	q := false
	for _, r := range s {
		switch {
		case r == '"':
			q = !q
		case r == sep && !q:
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteRune(r)
		}
	}
	return append(out, b.String())
}
