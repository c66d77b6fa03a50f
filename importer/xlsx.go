package importer

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"gdpr/register"

	"gdpr"
)

// maxUnzipped bounds what a workbook may unpack to. excelize allocates the
// size an entry declares before reading it, so a corrupt or hostile header
// would otherwise cost gigabytes; a register's workbook is far smaller.
const maxUnzipped = 128 << 20

// maxSharedStrings bounds the shared-string table: excelize keeps an
// entry of about 40 bytes per string.
const maxSharedStrings = 1 << 20

// inMemoryXML is how large a worksheet or the shared strings may be to be
// unpacked into memory; larger ones go to a temporary file and are read
// from there as the rows are.
const inMemoryXML = 4 << 20

// checkZip rejects archives whose directory declares more than
// maxUnzipped, and whose XML parts have a text or tag longer than MaxCell
// or more than maxSharedStrings strings. The parts are read as streams
// (inflated, not parsed) before excelize sees them: excelize would
// allocate each value whole, and a shared string of 100 MB was repeated
// by every cell that referred to it.
func checkZip(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if f.UncompressedSize64 > maxUnzipped || total > maxUnzipped {
			return gdpr.Keyed(gdpr.EINVALID, "", "import.xlsx.unpacks", maxUnzipped>>20)
		}
	}
	for _, f := range zr.File {
		name := strings.ToLower(f.Name)
		if !strings.HasSuffix(name, ".xml") {
			continue
		}
		longest, strs, err := scanXML(f)
		if err != nil {
			return fmt.Errorf("%s: %v", f.Name, err)
		}
		if longest > MaxCell {
			return gdpr.Keyed(gdpr.EINVALID, "", "import.xlsx.longvalue", f.Name, MaxCell)
		}
		if strings.HasSuffix(name, "sharedstrings.xml") && strs > maxSharedStrings {
			return gdpr.Keyed(gdpr.EINVALID, "", "import.xlsx.strings", maxSharedStrings)
		}
	}
	return nil
}

// scanXML reads a zipped XML part as a stream and returns the longest run
// of bytes between '<' and '>' (a text or a tag) and how many <si>
// elements it has, in constant memory.
func scanXML(f *zip.File) (longest, strs int, err error) {
	rc, err := f.Open()
	if err != nil {
		return 0, 0, err
	}
	defer rc.Close()
	buf := make([]byte, 64<<10)
	run := 0
	// tag holds the first bytes after a '<', to recognise "<si>" and
	// "<si ".
	var tag [3]byte
	inTag, tagLen := false, 0
	for {
		n, rerr := rc.Read(buf)
		for _, c := range buf[:n] {
			switch c {
			case '<':
				longest, run = max(longest, run), 0
				inTag, tagLen = true, 0
				continue
			case '>':
				if inTag && tagLen == 2 && tag[0] == 's' && tag[1] == 'i' {
					strs++
				}
				longest, run = max(longest, run), 0
				inTag = false
				continue
			}
			run++
			if run > MaxCell {
				return run, strs, nil
			}
			if inTag && tagLen < 3 {
				tag[tagLen] = c
				tagLen++
				if tagLen == 3 && tag[0] == 's' && tag[1] == 'i' && (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
					strs++
				}
			}
		}
		if rerr == io.EOF {
			return max(longest, run), strs, nil
		}
		if rerr != nil {
			return 0, 0, rerr
		}
	}
}

// maxHeaderRow is how far down a sheet the header row may start (the DSK
// Muster puts a title and the controller above the table).
const maxHeaderRow = 20

// xlsx parses every sheet of a workbook that has a register table. Sheets
// without one (instructions, drop-down lists) are skipped and reported.
// Rows are read one at a time; the cells and the text they hold are
// counted against the bounds as they are read, and the import is refused
// at the first cell past a bound.
func (p *parser) xlsx(data []byte) (*register.Register, error) {
	if err := checkZip(data); err != nil {
		return nil, p.errf(0, "", "import.xlsx.unreadable", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true, UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: inMemoryXML})
	if err != nil {
		return nil, p.errf(0, "", "import.xlsx.unreadable", err)
	}
	defer f.Close()
	r := &register.Register{}
	taken := newIDs()
	b := &budget{p: p}
	for _, sheet := range f.GetSheetList() {
		if err := p.xlsxSheet(f, sheet, r, taken, b); err != nil {
			return nil, err
		}
	}
	if len(r.Activities) == 0 && len(r.TOMs) == 0 && r.Controller == nil {
		return nil, p.errf(0, "", "import.xlsx.notable")
	}
	return r, nil
}

func (p *parser) xlsxSheet(f *excelize.File, sheet string, r *register.Register, taken ids, b *budget) error {
	rows, err := f.Rows(sheet)
	if err != nil {
		return &Error{File: p.file, Sheet: sheet, Key: "import.xlsx.sheet", Args: []any{err}}
	}
	defer rows.Close()
	// What the sheet holds is told by its header row: activities, the
	// measures of the TOM sheet, or the controller sheet's label rows.
	const (
		unknown = iota
		activities
		measures
		controller
		documents
	)
	kind := unknown
	var cols columns
	var mfields, mheader []string
	mtaken, dtaken := newIDs(), newIDs()
	for i := 1; rows.Next(); i++ {
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return &Error{File: p.file, Sheet: sheet, Row: i, Key: "import.xlsx.row", Args: []any{err}}
		}
		at := loc{sheet: sheet, row: i}
		for _, c := range cells {
			if err := b.cell(at, len(c)); err != nil {
				return err
			}
		}
		if kind == unknown {
			if c, _ := mapHeader(cells); c.has(colName) && c.count() >= 2 {
				cols, kind = c, activities
				continue
			}
			if mf, ok := measureColumns(cells); ok {
				mfields, mheader, kind = mf, cells, measures
				continue
			}
			if isControllerHeader(cells) {
				kind = controller
				continue
			}
			if isDocumentHeader(cells) {
				mheader, kind = cells, documents
				continue
			}
			if i >= maxHeaderRow {
				break // no register table on this sheet: not read further
			}
			continue
		}
		if blankRecord(cells) {
			continue
		}
		if err := b.row(at); err != nil {
			return err
		}
		switch kind {
		case controller:
			if err := p.controllerRow(r, cells, at); err != nil {
				return err
			}
		case documents:
			d, err := p.rowDocument(mheader, cells, at, dtaken)
			if err != nil {
				return err
			}
			r.Documents = append(r.Documents, d)
		case measures:
			m, err := p.rowMeasure(mfields, mheader, cells, at, mtaken)
			if err != nil {
				return err
			}
			r.TOMs = append(r.TOMs, m)
		default:
			if len(cells) > len(cols.of) {
				if extra := cells[len(cols.of):]; !blankRecord(extra) {
					return &Error{File: p.file, Sheet: sheet, Row: i, Key: "import.xlsx.cells", Args: []any{len(cells), len(cols.of)}}
				}
			}
			a, err := p.rowActivity(cols, cells, at, taken)
			if err != nil {
				return err
			}
			r.Activities = append(r.Activities, a)
		}
	}
	if err := rows.Error(); err != nil {
		return &Error{File: p.file, Sheet: sheet, Key: "import.xlsx.sheet", Args: []any{err}}
	}
	if kind == unknown {
		p.res.Skipped = append(p.res.Skipped, fmt.Sprintf("%s: sheet %q: no register table", p.file, sheet))
	}
	return nil
}
