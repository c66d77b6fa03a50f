package importer

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// Bounds of what one document may decode to. The file size alone does not
// bound it: YAML aliases repeat a node (a 324 KB file with one long
// anchored scalar and 20,000 aliases decoded to 6 GB), and an XLSX
// workbook's shared strings are repeated by every cell that refers to
// them. What is read is counted while it is read, and the import is
// refused as soon as a bound is passed.
const (
	// MaxDecoded bounds the text of one document after aliases and shared
	// strings are expanded: the bytes of every scalar or cell value.
	MaxDecoded = 64 << 20
	// MaxNodes bounds the YAML nodes (JSON values) of a document, aliases
	// expanded. A parsed YAML node costs some 250 bytes until the document
	// is decoded (4 million one-letter list items, 8 MB of YAML, took
	// 1.9 GB before the bound; a document at the bound about 250 MiB); a
	// register of 10,000 activities has 480,000, counted as 750,000.
	MaxNodes = 1 << 20
	// MaxCells bounds the non-empty cells of a workbook or CSV file,
	// MaxRows its rows (the register rows of all sheets). A cell costs some
	// 100 bytes until the import is done (2 million took 208 MiB); 10,000
	// activities of 100 columns, or 200,000 rows of five, fit.
	MaxCells = 1 << 20
	MaxRows  = 250_000
	// MaxCell bounds one cell or scalar: no field of a register entry
	// needs a megabyte.
	MaxCell = 1 << 20
	// MaxKeys bounds the keys of one YAML mapping. The native format's
	// mappings are the fields of its entries, at most 23; yaml.v3 compares
	// a mapping's keys pairwise for duplicates, so 40,000 keys took 3.6 s
	// of CPU, the 520,000 that MaxNodes lets through would take ten
	// minutes, and 520 mappings of 1,000 keys took 3.7 s.
	MaxKeys = 100
)

// checkYAMLNodes refuses, before parsing, a document that may hold more
// than MaxNodes nodes, without building the tree that costs the memory.
func (p *parser) checkYAMLNodes(data []byte) error {
	if n, line := yamlNodeCount(data, MaxNodes); n > MaxNodes {
		return p.errf(line, "", "import.yaml.nodes", MaxNodes)
	}
	return nil
}

// yamlNodeCount bounds the nodes of a YAML document from above, stopping
// past stop; line is where it stopped. A node begins after a byte that
// separates nodes, and each separator is weighed by the most nodes it can
// begin: a line break one (a key, or an entry of a plain multi-line
// flow), '-' or '?' before a blank two (an entry and, when the entry is a
// collection, its first entry), ',' two (a flow mapping's key and its
// implied empty value, or a flow sequence's entry and the pair it may
// hold), '[' and '{' three (the collection, its first entry, and that
// entry's pair or empty value), a ':' that can be an indicator one (the
// value). Quotes, comments and block scalars are not told apart, so their
// separators count too: the count is never below the nodes (a fuzz target
// checks it), and a register of 10,000 activities, 480,420 nodes, counts
// 752,347.
func yamlNodeCount(data []byte, stop int) (n, line int) {
	n, line = 2, 1 // the root, and the first entry of a root collection
	for i, c := range data {
		var next byte = '\n'
		if i+1 < len(data) {
			next = data[i+1]
		}
		blank := next == ' ' || next == '\n' || next == '\t' || next == '\r'
		switch c {
		case '\n':
			line++
			n++
		case '-', '?':
			if blank {
				n += 2
			}
		case ',':
			n += 2
		case '[', '{':
			n += 3
		case ':':
			// An indicator before a blank or a flow indicator, or right
			// after a quoted key or a flow collection (JSON style).
			if blank || next == ',' || next == ']' || next == '}' || i > 0 && strings.IndexByte(`"']}`, data[i-1]) >= 0 {
				n++
			}
		default:
			continue
		}
		if n > stop {
			return n, line
		}
	}
	return n, line
}

// checkJSONValues refuses, before decoding, a document that may hold more
// than MaxNodes values: every value but the first follows a ',' '[' '{'
// or ':' (outside strings), so counting those bounds the values from
// above without decoding them.
func (p *parser) checkJSONValues(data []byte) error {
	n, line := 1, 1
	inString, escaped := false, false
	for _, c := range data {
		if c == '\n' {
			line++
		}
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case ',', '[', '{', ':':
			if n++; n > MaxNodes {
				return p.errf(line, "", "import.json.values", MaxNodes)
			}
		}
	}
	return nil
}

// yamlSize is a node's expanded size.
type yamlSize struct{ bytes, nodes int64 }

// checkYAMLSize walks a parsed document and adds up what decoding it
// would produce, an alias counting as what it refers to (each anchor is
// measured once), and bounds the keys of each mapping. It fails, naming
// the line where a bound was passed, before anything is decoded.
func (p *parser) checkYAMLSize(root *yaml.Node) error {
	memo := map[*yaml.Node]yamlSize{}
	var walk func(n *yaml.Node, depth int) (yamlSize, error)
	walk = func(n *yaml.Node, depth int) (yamlSize, error) {
		if n == nil {
			return yamlSize{}, nil
		}
		if depth > 1000 {
			return yamlSize{}, p.errf(n.Line, "", "import.yaml.deep")
		}
		if s, ok := memo[n]; ok {
			return s, nil
		}
		s := yamlSize{bytes: int64(len(n.Value)), nodes: 1}
		if n.Kind == yaml.ScalarNode && len(n.Value) > MaxCell {
			return s, p.errf(n.Line, "", "import.yaml.value", len(n.Value), MaxCell)
		}
		if n.Kind == yaml.MappingNode && len(n.Content) > 2*MaxKeys {
			return s, p.errf(n.Content[2*MaxKeys].Line, "", "import.yaml.keys", MaxKeys)
		}
		if n.Kind == yaml.AliasNode {
			a, err := walk(n.Alias, depth+1)
			if err != nil {
				return s, err
			}
			s = yamlSize{bytes: a.bytes, nodes: a.nodes + 1}
		}
		for _, c := range n.Content {
			cs, err := walk(c, depth+1)
			if err != nil {
				return s, err
			}
			s.bytes += cs.bytes
			s.nodes += cs.nodes
			if s.bytes > MaxDecoded || s.nodes > MaxNodes {
				return s, p.errf(c.Line, "", "import.yaml.expands", MaxDecoded>>20, MaxNodes)
			}
		}
		memo[n] = s
		return s, nil
	}
	_, err := walk(root, 0)
	return err
}

// budget counts decoded text while a table is read.
type budget struct {
	p            *parser
	bytes, cells int64
	rows         int
}

// cell counts one cell value; the error names where the bound was passed.
func (b *budget) cell(l loc, n int) error {
	if n == 0 {
		return nil
	}
	b.cells++
	b.bytes += int64(n)
	switch {
	case n > MaxCell:
		return b.p.cellErr(l, "", "import.cell.size", n, MaxCell)
	case b.bytes > MaxDecoded:
		return b.p.cellErr(l, "", "import.table.text", MaxDecoded>>20)
	case b.cells > MaxCells:
		return b.p.cellErr(l, "", "import.table.cells", MaxCells)
	}
	return nil
}

// row counts one register row.
func (b *budget) row(l loc) error {
	b.rows++
	if b.rows > MaxRows {
		return b.p.cellErr(l, "", "import.table.rows", MaxRows)
	}
	return nil
}
