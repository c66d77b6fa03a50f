package cli

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestParseBytes(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"192MiB", 192 << 20, true},
		{"1GiB", 1 << 30, true},
		{"512 KB", 512 << 10, true},
		{"1000", 1000, true},
		{"0", 0, true},
		{"12B", 12, true},
		{"-1MiB", 0, false},
		{"lots", 0, false},
		{"9999999999GiB", 0, false},
	} {
		got, err := parseBytes(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("parseBytes(%q) = %d, %v", c.in, got, err)
		}
	}
}

// TestMemoryLimit: the limit is set; GOMEMLIMIT wins unless the flag is
// given; 0 means none.
func TestMemoryLimit(t *testing.T) {
	was := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(was)
	t.Setenv("GOMEMLIMIT", "")
	if err := applyMemoryLimit("192MiB", false); err != nil || debug.SetMemoryLimit(-1) != 192<<20 {
		t.Fatalf("limit not set: %v", err)
	}
	if err := applyMemoryLimit("0", false); err != nil || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Fatalf("0: %v", err)
	}
	t.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetMemoryLimit(1 << 30)
	if err := applyMemoryLimit("192MiB", false); err != nil || debug.SetMemoryLimit(-1) != 1<<30 {
		t.Fatal("the default overrode GOMEMLIMIT")
	}
	if err := applyMemoryLimit("256MiB", true); err != nil || debug.SetMemoryLimit(-1) != 256<<20 {
		t.Fatal("an explicit limit did not override GOMEMLIMIT")
	}
	if err := applyMemoryLimit("much", true); err == nil {
		t.Fatal("a bad size was accepted")
	}
}
