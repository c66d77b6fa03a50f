package audit

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"user:erika", 96, "user:erika"},
		{"", 10, ""},
		{"abcdefghij", 10, "abcdefghij"},
		{"abcdefghijk", 10, "abcdefg…"},
		{"line\nbreak\ttab", 96, "line break tab"},
		{"Jürgen", 96, "Jürgen"},
		{"üüüüüü", 8, "üü…"},
		{"bad\xffutf8", 96, "bad?utf8"},
	} {
		if got := Clip(tc.in, tc.n); got != tc.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func FuzzClip(f *testing.F) {
	f.Add("user:erika", 20)
	f.Add(strings.Repeat("ä", 100), 17)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 4 || n > 1000 {
			return
		}
		got := Clip(s, n)
		if len(got) > n || !utf8.ValidString(got) || strings.ContainsAny(got, "\n\r\t\x00") {
			t.Fatalf("Clip(%q, %d) = %q", s, n, got)
		}
	})
}

func TestBoundedCapsEveryField(t *testing.T) {
	long := strings.Repeat("x", 60<<10)
	e := Entry{Actor: long, Action: long, Target: long, Outcome: long, Detail: long}.Bounded()
	if n := len(e.Actor) + len(e.Action) + len(e.Target) + len(e.Outcome) + len(e.Detail); n > MaxActor+MaxAction+MaxTarget+MaxDetail+16 {
		t.Fatalf("bounded entry is %d bytes", n)
	}
}
