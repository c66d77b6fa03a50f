package store_test

import (
	"bytes"
	"testing"

	"gdpr"
	"gdpr/audit"
	"gdpr/vault"
)

// TestVaultStore: subjects, values and blind-index rows on both engines:
// binary columns keep their bytes, updates name their version, shredding
// removes key, values and index rows and keeps the id.
func TestVaultStore(t *testing.T) {
	for name, s := range engines(t) {
		t.Run(name, func(t *testing.T) {
			ctx := as("app")
			blob := []byte{0, 1, 2, 0xff, 0xfe, 0}
			h := bytes.Repeat([]byte{0xab}, 16)
			err := s.CreateSubject(ctx, vault.Stored{ID: "s-1", KEKID: "k1", WrappedKey: blob, Values: map[string][]byte{"email": blob, "name": {9}}},
				[]vault.IndexEntry{{KeyID: "i1", Kind: vault.KindEmail, Hash: h, Field: "email"}})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.CreateSubject(ctx, vault.Stored{ID: "s-1", KEKID: "k1", WrappedKey: blob}, nil); gdpr.ErrorCode(err) != gdpr.ECONFLICT {
				t.Fatalf("a taken id: %v", err)
			}
			v, err := s.FindSubject(ctx, "s-1")
			if err != nil || !bytes.Equal(v.WrappedKey, blob) || !bytes.Equal(v.Values["email"], blob) || v.Version != 1 || v.Shredded {
				t.Fatalf("find: %+v %v", v, err)
			}
			if ids, err := s.LookupSubjects(ctx, "i1", vault.KindEmail, h); err != nil || len(ids) != 1 || ids[0] != "s-1" {
				t.Fatalf("lookup: %v %v", ids, err)
			}
			if err := s.UpdateSubject(ctx, "s-1", 2, map[string][]byte{"name": {8}}, nil); gdpr.ErrorCode(err) != gdpr.ECONFLICT {
				t.Fatalf("a stale update: %v", err)
			}
			if err := s.UpdateSubject(ctx, "s-1", 1, map[string][]byte{"email": nil}, nil); err != nil {
				t.Fatal(err)
			}
			if ids, _ := s.LookupSubjects(ctx, "i1", vault.KindEmail, h); len(ids) != 0 {
				t.Fatalf("a removed field is still indexed: %v", ids)
			}
			if err := s.ShredSubject(ctx, "s-1"); err != nil {
				t.Fatal(err)
			}
			v, err = s.FindSubject(ctx, "s-1")
			if err != nil || !v.Shredded || v.WrappedKey != nil || len(v.Values) != 0 {
				t.Fatalf("after shredding: %+v %v", v, err)
			}
			if err := s.UpdateSubject(ctx, "s-1", v.Version, map[string][]byte{"name": {1}}, nil); gdpr.ErrorCode(err) != gdpr.ECONFLICT {
				t.Fatalf("a shredded subject was updated: %v", err)
			}
			if _, err := s.FindSubject(ctx, "s-2"); gdpr.ErrorCode(err) != gdpr.ENOTFOUND {
				t.Fatalf("unknown: %v", err)
			}
			es, _, _ := s.FindAudit(ctx, audit.Filter{Action: audit.SubjectShred})
			if len(es) != 1 || es[0].Target != "s-1" {
				t.Fatalf("audit: %+v", es)
			}
		})
	}
}
