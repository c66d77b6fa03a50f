package vault

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

func TestNormalise(t *testing.T) {
	for _, c := range []struct {
		kind      Kind
		in, want  string
		wantError bool
	}{
		{KindEmail, " Hans.Mueller@Example.DE ", "hans.mueller@example.de", false},
		{KindEmail, "<info@allegro-it.de>", "info@allegro-it.de", false},
		{KindEmail, "hans@müller.de", "hans@xn--mller-kva.de", false},
		{KindEmail, "hans@xn--mller-kva.de", "hans@xn--mller-kva.de", false},
		{KindEmail, "hans@MÜLLER.de.", "hans@xn--mller-kva.de", false},
		{KindEmail, "kein-at", "", true},
		{KindEmail, "a@b@c.de", "", true},
		{KindEmail, "a b@c.de", "", true},
		{KindEmail, "name@localhost", "", true},
		{KindPhone, "0521 123 456", "+49521123456", false},
		{KindPhone, "+49 (0) 521 / 123-456", "+49521123456", false},
		{KindPhone, "0049 521 123456", "+49521123456", false},
		{KindPhone, "+43 1 234 5678", "+4312345678", false},
		{KindPhone, "02951-9336991", "+4929519336991", false},
		{KindPhone, "123456", "", true},
		{KindPhone, "bitte anrufen", "", true},
		{KindPhone, "+49 123", "", true},
		{KindIBAN, "DE89 3704 0044 0532 0130 00", "DE89370400440532013000", false},
		{KindIBAN, "de89370400440532013000", "DE89370400440532013000", false},
		{KindIBAN, "DE88 3704 0044 0532 0130 00", "", true}, // check digits wrong
		{KindIBAN, "GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432", false},
		{KindIBAN, "DE89", "", true},
		{KindID, "  K-10023 ", "K-10023", false},
		{KindID, "   ", "", true},
	} {
		got, err := Normalise(c.kind, c.in)
		if (err != nil) != c.wantError || got != c.want {
			t.Errorf("Normalise(%s, %q) = %q, %v", c.kind, c.in, got, err)
		}
	}
}

func TestBoxAndKEK(t *testing.T) {
	kek, err := NewLocalKEK(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	dek := NewDataKey()
	wrapped, _ := kek.Wrap(dek, "s1")
	if bytes.Contains(wrapped, dek) {
		t.Fatal("the wrapped key holds the key")
	}
	if got, err := kek.Unwrap(wrapped, "s1"); err != nil || !bytes.Equal(got, dek) {
		t.Fatalf("unwrap: %v", err)
	}
	if _, err := kek.Unwrap(wrapped, "s2"); err != ErrOpen {
		t.Error("a data key unwrapped for another subject")
	}
	other, _ := NewLocalKEK(bytes.Repeat([]byte{8}, KeySize))
	if _, err := other.Unwrap(wrapped, "s1"); err != ErrOpen || other.ID() == kek.ID() {
		t.Error("another KEK unwrapped the data key, or shares its id")
	}
	box, _ := NewBox("s1", dek)
	a, b := box.Seal("email", "hans@example.de"), box.Seal("email", "hans@example.de")
	if bytes.Equal(a, b) || bytes.Contains(a, []byte("hans")) {
		t.Error("sealing is deterministic or shows the value")
	}
	if v, err := box.Open("email", a); err != nil || v != "hans@example.de" {
		t.Errorf("open: %q %v", v, err)
	}
	if _, err := box.Open("name", a); err != ErrOpen {
		t.Error("a value opened under another field")
	}
	box2, _ := NewBox("s2", dek)
	if _, err := box2.Open("email", a); err != ErrOpen {
		t.Error("a value opened under another subject")
	}
	a[len(a)-1] ^= 1
	if _, err := box.Open("email", a); err != ErrOpen {
		t.Error("a changed value opened")
	}
	if _, err := box.Open("email", []byte{1, 2}); err != ErrOpen {
		t.Error("a short value opened")
	}
}

func TestIndexer(t *testing.T) {
	x, _ := NewIndexer(bytes.Repeat([]byte{1}, KeySize))
	y, _ := NewIndexer(bytes.Repeat([]byte{2}, KeySize))
	h1, _ := x.Hash(KindEmail, "Hans@Müller.de")
	h2, _ := x.Hash(KindEmail, "hans@xn--mller-kva.de")
	h3, _ := y.Hash(KindEmail, "hans@xn--mller-kva.de")
	h4, _ := x.Hash(KindID, "hans@xn--mller-kva.de")
	if !bytes.Equal(h1, h2) || len(h1) != 16 {
		t.Error("two spellings of one address index differently")
	}
	if bytes.Equal(h2, h3) || bytes.Equal(h2, h4) || x.ID() == y.ID() {
		t.Error("another key or kind gives the same index")
	}
	if _, err := x.Hash(KindPhone, "kein Telefon"); err == nil {
		t.Error("an index of a value not of its kind")
	}
}

// FuzzNormalise: the normalisers never panic, stay bounded, give valid
// UTF-8, and are idempotent (the canonical form is its own canonical
// form), for every kind.
func FuzzNormalise(f *testing.F) {
	for _, s := range []string{"hans@müller.de", "+49 (0) 521 123-456", "DE89 3704 0044 0532 0130 00", "K-1", "", "@", "00", "(0)", "xn--", "a@b.c", "+0", "de\u00a0", "\xff@a.de"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, k := range Kinds {
			n, err := Normalise(k, s)
			if err != nil {
				continue
			}
			if n == "" || len(n) > 4*maxValue || !utf8.ValidString(n) && k != KindID {
				t.Fatalf("%s %q -> %q", k, s, n)
			}
			again, err := Normalise(k, n)
			if err != nil || again != n {
				t.Fatalf("%s not idempotent: %q -> %q -> %q (%v)", k, s, n, again, err)
			}
		}
	})
}
