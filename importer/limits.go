package importer

import (
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
	// MaxNodes bounds the YAML nodes of a document, aliases expanded.
	MaxNodes = 4 << 20
	// MaxCells bounds the non-empty cells of a workbook, MaxRows its rows
	// (the register rows of all sheets).
	MaxCells = 4 << 20
	MaxRows  = 250_000
	// MaxCell bounds one cell or scalar: no field of a register entry
	// needs a megabyte.
	MaxCell = 1 << 20
)

// yamlSize is a node's expanded size.
type yamlSize struct{ bytes, nodes int64 }

// checkYAMLSize walks a parsed document and adds up what decoding it
// would produce, an alias counting as what it refers to (each anchor is
// measured once). It fails, naming the line where the bound was passed,
// before anything is decoded.
func (p *parser) checkYAMLSize(root *yaml.Node) error {
	memo := map[*yaml.Node]yamlSize{}
	var walk func(n *yaml.Node, depth int) (yamlSize, error)
	walk = func(n *yaml.Node, depth int) (yamlSize, error) {
		if n == nil {
			return yamlSize{}, nil
		}
		if depth > 1000 {
			return yamlSize{}, p.errf(n.Line, "", "YAML: nested deeper than 1000 levels")
		}
		if s, ok := memo[n]; ok {
			return s, nil
		}
		s := yamlSize{bytes: int64(len(n.Value)), nodes: 1}
		if n.Kind == yaml.ScalarNode && len(n.Value) > MaxCell {
			return s, p.errf(n.Line, "", "YAML: a value of %d bytes (at most %d)", len(n.Value), MaxCell)
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
				return s, p.errf(c.Line, "", "YAML: the document expands to more than %d MiB or %d nodes (aliases repeat what they refer to); split it or write the values out", MaxDecoded>>20, MaxNodes)
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
		return b.p.cellErr(l, "", "a cell of %d bytes (at most %d)", n, MaxCell)
	case b.bytes > MaxDecoded:
		return b.p.cellErr(l, "", "the table holds more than %d MiB of text (shared strings are counted for every cell that uses them)", MaxDecoded>>20)
	case b.cells > MaxCells:
		return b.p.cellErr(l, "", "the table has more than %d filled cells", MaxCells)
	}
	return nil
}

// row counts one register row.
func (b *budget) row(l loc) error {
	b.rows++
	if b.rows > MaxRows {
		return b.p.cellErr(l, "", "the table has more than %d rows; split it", MaxRows)
	}
	return nil
}
