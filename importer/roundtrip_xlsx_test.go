package importer_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/xuri/excelize/v2"
)

func compareWorkbooks(t *testing.T, a, b []byte) {
	t.Helper()
	read := func(data []byte) map[string][][]string {
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		out := map[string][][]string{}
		for _, s := range f.GetSheetList() {
			rows, err := f.GetRows(s)
			if err != nil {
				t.Fatal(err)
			}
			out[s] = rows
		}
		return out
	}
	wa, wb := read(a), read(b)
	if !reflect.DeepEqual(wa, wb) {
		t.Errorf("the second workbook differs from the first:\n%v\n---\n%v", wa, wb)
	}
}
