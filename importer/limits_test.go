package importer

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
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
