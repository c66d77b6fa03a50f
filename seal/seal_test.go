package seal

import (
	"bytes"
	"testing"
)

func TestSeal(t *testing.T) {
	k, _ := NewKey()
	b, err := New(k)
	if err != nil {
		t.Fatal(err)
	}
	s1, _ := b.Seal([]byte("Failed password from 203.0.113.7"), []byte("id1"))
	s2, _ := b.Seal([]byte("Failed password from 203.0.113.7"), []byte("id1"))
	if bytes.Equal(s1, s2) || bytes.Contains(s1, []byte("203.0.113.7")) {
		t.Fatal("not randomised or not encrypted")
	}
	if p, err := b.Open(s1, []byte("id1")); err != nil || string(p) != "Failed password from 203.0.113.7" {
		t.Fatal(p, err)
	}
	if _, err := b.Open(s1, []byte("id2")); err != ErrOpen {
		t.Error("opened under another record id")
	}
	k2, _ := NewKey()
	b2, _ := New(k2)
	if _, err := b2.Open(s1, []byte("id1")); err != ErrOpen {
		t.Error("opened with another key")
	}
	if _, err := b.Open([]byte("short"), nil); err != ErrOpen {
		t.Error("short value")
	}
	if _, err := New([]byte("short")); err == nil {
		t.Error("short key")
	}
}
