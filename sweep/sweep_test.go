package sweep_test

import (
	"testing"

	"gdpr/sweep"
)

// TestEntryReadsBack: a protocol entry's detail reads back as written,
// names no key, and another text is not taken for one.
func TestEntryReadsBack(t *testing.T) {
	b := sweep.Batch{System: "shop", Table: "customers", Action: "anonymise", Rule: "kunden/Rechnungen", Keys: [][]any{{int64(7)}, {int64(8)}}, Planned: 2}
	e := sweep.Entry(b, 1, "2026-11-30")
	d, ok := sweep.ParseDetail(e.Detail)
	if !ok || d.Action != "anonymise" || d.Rows != 1 || d.Planned != 2 || d.Rule != "kunden/Rechnungen" || d.LeftBackups != "2026-11-30" || d.Keys != sweep.KeyHash(b.Keys) {
		t.Fatalf("%q read back as %+v", e.Detail, d)
	}
	if e.Target != "shop/customers" {
		t.Errorf("target %q", e.Target)
	}
	if d, ok := sweep.ParseDetail(sweep.Entry(b, 2, "").Detail); !ok || d.LeftBackups != "" {
		t.Errorf("without backups: %+v %v", d, ok)
	}
	if sweep.KeyHash(b.Keys) == sweep.KeyHash([][]any{{int64(7)}}) {
		t.Error("two key sets, one hash")
	}
	if _, ok := sweep.ParseDetail("fields email"); ok {
		t.Error("another detail taken for a batch's")
	}
}
