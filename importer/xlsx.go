package importer

import (
	"archive/zip"
	"bytes"
	"fmt"

	"github.com/xuri/excelize/v2"

	"gdpr/register"
)

// maxUnzipped bounds what a workbook may unpack to. excelize allocates the
// size an entry declares before reading it, so a corrupt or hostile header
// would otherwise cost gigabytes.
const maxUnzipped = 256 << 20

// checkZip rejects archives whose directory declares more than maxUnzipped.
func checkZip(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if f.UncompressedSize64 > maxUnzipped || total > maxUnzipped {
			return fmt.Errorf("the workbook unpacks to more than %d MiB", maxUnzipped>>20)
		}
	}
	return nil
}

// maxHeaderRow is how far down a sheet the header row may start (the DSK
// Muster puts a title and the controller above the table).
const maxHeaderRow = 20

// xlsx parses every sheet of a workbook that has a register table. Sheets
// without one (instructions, drop-down lists) are skipped and reported.
func (p *parser) xlsx(data []byte) (*register.Register, error) {
	if err := checkZip(data); err != nil {
		return nil, p.errf(0, "", "not a readable XLSX workbook: %v", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true, UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: maxUnzipped})
	if err != nil {
		return nil, p.errf(0, "", "not a readable XLSX workbook: %v", err)
	}
	defer f.Close()
	r := &register.Register{}
	taken := newIDs()
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, &Error{File: p.file, Sheet: sheet, Row: 0, Msg: fmt.Sprintf("unreadable sheet: %v", err)}
		}
		hi := -1
		var cols columns
		for i := 0; i < len(rows) && i < maxHeaderRow; i++ {
			c, _ := mapHeader(rows[i])
			if c.has(colName) && c.count() >= 2 {
				hi, cols = i, c
				break
			}
		}
		if hi < 0 {
			p.res.Skipped = append(p.res.Skipped, fmt.Sprintf("%s: sheet %q: no register table", p.file, sheet))
			continue
		}
		for i := hi + 1; i < len(rows); i++ {
			if blankRecord(rows[i]) {
				continue
			}
			if len(rows[i]) > len(cols.of) {
				extra := rows[i][len(cols.of):]
				if !blankRecord(extra) {
					return nil, &Error{File: p.file, Sheet: sheet, Row: i + 1, Msg: fmt.Sprintf("row has %d cells, the header has %d", len(rows[i]), len(cols.of))}
				}
			}
			a, err := p.rowActivity(cols, rows[i], loc{sheet: sheet, row: i + 1}, taken)
			if err != nil {
				return nil, err
			}
			r.Activities = append(r.Activities, a)
		}
	}
	if len(r.Activities) == 0 {
		return nil, p.errf(0, "", "no sheet has a register table with rows (a header row naming e.g. \"Bezeichnung der Verarbeitungstätigkeit\" and \"Zwecke der Verarbeitung\")")
	}
	return r, nil
}
