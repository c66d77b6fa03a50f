package importer

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"gopkg.in/yaml.v3"
)

// TestYAMLAliasBomb: a small file whose aliases repeat a long scalar is
// refused before anything is decoded (324 KB of YAML decoded to 6 GB).
func TestYAMLAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("title: &big \"" + strings.Repeat("x", 300<<10) + "\"\nactivities:\n  - id: a\n    name: A\n    purposes: [")
	for i := range 20000 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("*big")
	}
	b.WriteString("]\n")
	_, err := Parse("bomb.yaml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "expands to more than 64 MiB") || !strings.HasPrefix(err.Error(), "bomb.yaml:5:") {
		t.Fatalf("err = %v", err)
	}
	// Nested aliases multiply: a list of aliases of lists of aliases.
	var n strings.Builder
	n.WriteString("title: x\na: &a [" + strings.TrimSuffix(strings.Repeat(`"`+strings.Repeat("y", 100)+`", `, 100), ", ") + "]\n")
	prev := "a"
	for i := range 6 {
		name := fmt.Sprintf("l%d", i)
		n.WriteString(name + ": &" + name + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+", ", 20), ", ") + "]\n")
		prev = name
	}
	if _, err := Parse("nested.yaml", []byte(n.String())); err == nil || !strings.Contains(err.Error(), "expands to more than") {
		t.Fatalf("nested aliases: %v", err)
	}
	// Aliases within bounds are fine.
	ok := "controller: &c\n  name: allegro:it\nactivities:\n  - id: a\n    name: A\n    purposes: &p [Zweck]\n  - id: b\n    name: B\n    purposes: *p\n"
	if _, err := Parse("ok.yaml", []byte(ok)); err != nil {
		t.Fatalf("a small alias: %v", err)
	}
}

// workbook writes a register workbook and then replaces the shared
// string "BIG" with big: excelize cuts what it writes to Excel's 32,767
// characters a cell, a hostile file need not.
func workbook(t *testing.T, big string, fill func(f *excelize.File)) []byte {
	t.Helper()
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"Bezeichnung der Verarbeitungstätigkeit", "Zwecke der Verarbeitung"})
	fill(f)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		rc, _ := zf.Open()
		content, _ := io.ReadAll(rc)
		rc.Close()
		if zf.Name == "xl/sharedStrings.xml" {
			content = bytes.Replace(content, []byte(">BIG<"), []byte(">"+big+"<"), 1)
		}
		w, _ := zw.Create(zf.Name)
		w.Write(content)
	}
	zw.Close()
	return out.Bytes()
}

// TestXLSXBounds: a shared string longer than a cell may be is refused
// before excelize reads it; one that many cells repeat is refused when the
// text read passes its bound, at the row where it does.
func TestXLSXBounds(t *testing.T) {
	long := workbook(t, strings.Repeat("z", 2<<20), func(f *excelize.File) {
		f.SetCellValue("Sheet1", "A2", "Newsletter")
		f.SetCellValue("Sheet1", "B2", "BIG")
	})
	if _, err := Parse("long.xlsx", long); err == nil || !strings.Contains(err.Error(), "holds a value of more than") {
		t.Fatalf("a 2 MiB value: %v", err)
	}
	repeated := workbook(t, strings.Repeat("w", 900<<10), func(f *excelize.File) {
		for i := 2; i < 200; i++ {
			f.SetCellValue("Sheet1", fmt.Sprintf("A%d", i), fmt.Sprintf("Tätigkeit %d", i))
			f.SetCellValue("Sheet1", fmt.Sprintf("B%d", i), "BIG")
		}
	})
	if len(repeated) > 2<<20 {
		t.Fatalf("the test workbook is %d bytes", len(repeated))
	}
	_, err := Parse("repeated.xlsx", repeated)
	if err == nil || !strings.Contains(err.Error(), "more than 64 MiB of text") || !strings.Contains(err.Error(), `sheet "Sheet1" row 74:`) {
		t.Fatalf("repeated shared string: %v", err)
	}
}

// TestBudget: the counts behind the table bounds.
func TestBudget(t *testing.T) {
	p := &parser{file: "x.xlsx"}
	b := &budget{p: p}
	at := loc{sheet: "S", row: 3}
	if err := b.cell(at, MaxCell+1); err == nil || !strings.Contains(err.Error(), `x.xlsx: sheet "S" row 3`) {
		t.Fatalf("big cell: %v", err)
	}
	b = &budget{p: p}
	var err error
	for i := 0; i <= MaxCells && err == nil; i++ {
		err = b.cell(at, 1)
	}
	if err == nil || !strings.Contains(err.Error(), "filled cells") {
		t.Fatalf("cells: %v", err)
	}
	b = &budget{p: p}
	err = nil
	for i := 0; i <= MaxRows && err == nil; i++ {
		err = b.row(at)
	}
	if err == nil || !strings.Contains(err.Error(), "rows") {
		t.Fatalf("rows: %v", err)
	}
}

// TestYAMLNodeBound: a document of many small nodes and no alias (4
// million one-letter list items, 8 MB, took 1.9 GB to decode) is refused
// before it is parsed, naming its line; the count the refusal rests on is
// never below the nodes the document holds, and near them.
func TestYAMLNodeBound(t *testing.T) {
	var b strings.Builder
	b.WriteString("title: x\nactivities:\n  - id: a\n    name: A\n    purposes: [a")
	for range MaxNodes {
		b.WriteString(",a")
	}
	b.WriteString("]\n")
	_, err := Parse("nodes.yaml", []byte(b.String()))
	if err == nil || !strings.HasPrefix(err.Error(), "nodes.yaml:5:") || !strings.Contains(err.Error(), "more than 1048576 nodes") {
		t.Fatalf("err = %v", err)
	}
	germanMessage(t, err)
	for _, doc := range []string{
		"a: b",
		"- a\n- b\n- - c\n  - d\n",
		"- id: a-1\n  name: x\n  purposes: [a, b]\n- {id: b, name: y}\n",
		"k:\n  ? complex\n  : value\nq: {\"a\":1}\nj: {\"a\":1,\"b\":[1,2]}\n",
		"text: |\n  line one - not an item\n  line: two\nurl: https://example.org/a-b\n",
		"- - - deep\n",
		"[[[[a]]]]",
		"title: Verzeichnis\ncontroller:\n  name: Muster GmbH\n  dpo: {name: Erika, email: dsb@example.org}\nactivities:\n  - id: a\n    name: A\n    recipients:\n      - {kind: processor, name: Host}\n",
	} {
		var root yaml.Node
		if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		nodes := 0
		var walk func(*yaml.Node)
		walk = func(n *yaml.Node) {
			if n.Kind != yaml.DocumentNode {
				nodes++
			}
			for _, c := range n.Content {
				walk(c)
			}
		}
		walk(&root)
		if got, _ := yamlNodeCount([]byte(doc), 1<<30); got < nodes || got > 3*nodes+3 {
			t.Errorf("%q: counted %d, has %d nodes", doc, got, nodes)
		}
	}
}

// TestJSONValueBound: the native format as JSON is bounded alike, strings
// with separators in them not counted.
func TestJSONValueBound(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"title":"x","activities":[{"id":"a","name":"A","purposes":["a"`)
	for range MaxNodes {
		b.WriteString(`,"a"`)
	}
	b.WriteString("]}]}\n")
	_, err := Parse("items.json", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "more than 1048576 values") {
		t.Fatalf("err = %v", err)
	}
	germanMessage(t, err)
	p := &parser{file: "x.json"}
	doc := strings.Repeat(`{"title":"a, [b]: {c}, \" d, e"},`, MaxNodes/4)
	if err := p.checkJSONValues([]byte("[" + doc + "1]")); err != nil {
		t.Fatalf("separators inside strings were counted: %v", err)
	}
}

// FuzzYAMLNodeCount: the count the node bound rests on is never below
// the nodes yaml.v3 parses, whatever the document.
func FuzzYAMLNodeCount(f *testing.F) {
	for _, seed := range []string{"a: b", "- a\n- [b, {c: d}]\n", "{a, b, c}", "[a: b, c: d]", "? a\n? b\n", "\"a\":1", "k: |\n  x, y\n", "- - - a: b\n  c: d\n", "[[a]: b]", "&x [*x]"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		if len(doc) > 4096 {
			return
		}
		var root yaml.Node
		if yaml.Unmarshal([]byte(doc), &root) != nil {
			return
		}
		nodes := 0
		var walk func(*yaml.Node, int)
		walk = func(n *yaml.Node, depth int) {
			if n.Kind != yaml.DocumentNode {
				nodes++
			}
			for _, c := range n.Content {
				walk(c, depth+1)
			}
		}
		walk(&root, 0)
		if got, _ := yamlNodeCount([]byte(doc), 1<<30); got < nodes {
			t.Fatalf("%q: counted %d, parsed %d nodes", doc, got, nodes)
		}
	})
}

// TestYAMLKeyBound: a mapping of many keys is refused before yaml.v3
// compares them pairwise (40,000 keys took 3.6 s).
func TestYAMLKeyBound(t *testing.T) {
	var b strings.Builder
	b.WriteString("title: keys\n")
	for k := range MaxKeys + 1 {
		fmt.Fprintf(&b, "k%d: a\n", k)
	}
	_, err := Parse("keys.yaml", []byte(b.String()))
	if err == nil || err.Error() != fmt.Sprintf("keys.yaml:%d: YAML: a mapping with more than %d keys", MaxKeys+1, MaxKeys) {
		t.Fatalf("err = %v", err)
	}
	germanMessage(t, err)
}
