package logscrub

import (
	"strings"
	"testing"
	"time"
)

func TestLineTime(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	at := func(y int, m time.Month, d, hh, mm, ss, ns int, loc *time.Location) time.Time {
		return time.Date(y, m, d, hh, mm, ss, ns, loc)
	}
	cases := []struct {
		line string
		want time.Time // zero: no time
	}{
		{`Nov 23 07:00:01 host sshd[812]: Failed password for root from 203.0.113.7`, at(2026, 11, 23, 7, 0, 1, 0, berlin)},
		{`Nov  3 07:00:01 host sshd[812]: x`, at(2026, 11, 3, 7, 0, 1, 0, berlin)},
		{`Dec  2 09:00:00 host sshd[1]: x`, at(2026, 12, 2, 9, 0, 0, 0, berlin)},   // within a day ahead: this year
		{`Dec 24 18:00:00 host sshd[1]: x`, at(2025, 12, 24, 18, 0, 0, 0, berlin)}, // further ahead: last year
		{`<38>Nov 23 07:00:01 host sshd[1]: x`, at(2026, 11, 23, 7, 0, 1, 0, berlin)},
		{`<34>1 2026-11-23T07:00:01.003Z mail postfix 99 - - SASL LOGIN authentication failed`, at(2026, 11, 23, 7, 0, 1, 3e6, time.UTC)},
		{`2026-11-23T07:00:01+01:00 host sshd[1]: x`, at(2026, 11, 23, 6, 0, 1, 0, time.UTC)},
		{`2026-11-23T07:00:01.5+0100 host sshd[1]: x`, at(2026, 11, 23, 6, 0, 1, 5e8, time.UTC)},
		{`2026-11-23T07:00:01 host sshd[1]: x`, at(2026, 11, 23, 7, 0, 1, 0, berlin)},
		{`2026-11-23 07:00:01,250 WARN login failed`, at(2026, 11, 23, 7, 0, 1, 25e7, berlin)},
		{`23-Nov-2026 07:40:50.876 queries: info: client @0x7f 192.0.2.1#53`, at(2026, 11, 23, 7, 40, 50, 876e6, berlin)},
		{`2026/11/23 07:00:00 [error] 1#1: *1 limiting requests, client: 203.0.113.7`, at(2026, 11, 23, 7, 0, 0, 0, berlin)},
		{`203.0.113.7 - - [23/Nov/2026:07:00:08 +0100] "GET /wp-login.php HTTP/1.1" 404 153 "-" "zgrab"`, at(2026, 11, 23, 6, 0, 8, 0, time.UTC)},
		{`{"level":"warn","time":"2026-11-23T07:00:01Z","msg":"auth failed"}`, at(2026, 11, 23, 7, 0, 1, 0, time.UTC)},
		{`{"@timestamp":"2026-11-23T07:00:01.1+01:00","msg":"x"}`, at(2026, 11, 23, 6, 0, 1, 1e8, time.UTC)},
		// No time it can read.
		{`sshd[1]: Failed password for root`, time.Time{}},
		{`Nov 23 7:00:01 host x`, time.Time{}},
		{`Xyz 23 07:00:01 host x`, time.Time{}},
		{`2026-13-23T07:00:01Z x`, time.Time{}},
		{`{"time":"yesterday"}`, time.Time{}},
		{`<999999>x`, time.Time{}},
		{``, time.Time{}},
	}
	for _, c := range cases {
		got, ok := LineTime([]byte(c.line), now, berlin)
		if ok != !c.want.IsZero() || ok && !got.Equal(c.want) {
			t.Errorf("%s: %v %v, want %v", c.line, got, ok, c.want)
		}
	}
}

func FuzzLineTime(f *testing.F) {
	for _, s := range []string{"Nov 23 07:00:01 h x", "<34>1 2026-11-23T07:00:01Z x", "23-Nov-2026 07:40:50.876 q",
		"2026/11/23 07:00:00 [error]", `{"time":"2026-11-23T07:00:01Z"}`, `x [23/Nov/2026:07:00:08 +0100] "GET /"`} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, line string) {
		got, ok := LineTime([]byte(line), now, time.UTC)
		if !ok && !got.IsZero() {
			t.Fatalf("%q: no time, but %v", line, got)
		}
		if ok && strings.HasPrefix(line, "Nov ") && got.After(now.Add(24*time.Hour)) {
			t.Fatalf("%q: a syslog time more than a day ahead: %v", line, got)
		}
	})
}

// TestKeepAttacks: lines past the retention go, the rest form one batch
// per hour, oldest first, each with its oldest line's time; lines without
// a time (or with one after now) count as now.
func TestKeepAttacks(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	week := 7 * 24 * time.Hour
	line := func(s string) Attack { return Attack{Detector: "sshd", Line: []byte(s)} }
	as := []Attack{
		line("Nov 20 07:00:00 host sshd[1]: Failed password"), // 11 days: gone
		line("Nov 26 07:30:00 host sshd[1]: Failed password"),
		line("sshd[1]: Failed password, no time"),
		line("Nov 26 07:10:00 host sshd[1]: Failed password"), // out of order, same hour
		line("Nov 26 09:00:00 host sshd[1]: Failed password"), // another hour
		line("Nov 24 10:00:01 host sshd[1]: Failed password"), // a second less than 7 days: kept
		line("Dec  1 11:00:00 host sshd[1]: Failed password"), // after now: counts as now
	}
	bs, expired := KeepAttacks(as, now, week, time.UTC)
	if expired != 1 {
		t.Errorf("%d expired, want 1", expired)
	}
	want := []struct {
		seen  time.Time
		lines []int // indexes in as
	}{
		{time.Date(2026, 11, 24, 10, 0, 1, 0, time.UTC), []int{5}},
		{time.Date(2026, 11, 26, 7, 10, 0, 0, time.UTC), []int{1, 3}},
		{time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC), []int{4}},
		{now, []int{2, 6}},
	}
	if len(bs) != len(want) {
		t.Fatalf("%d batches, want %d: %+v", len(bs), len(want), bs)
	}
	for i, w := range want {
		if !bs[i].Seen.Equal(w.seen) || len(bs[i].Lines) != len(w.lines) {
			t.Fatalf("batch %d: %v with %d lines, want %v with %d", i, bs[i].Seen, len(bs[i].Lines), w.seen, len(w.lines))
		}
		for k, idx := range w.lines {
			if string(bs[i].Lines[k].Line) != string(as[idx].Line) {
				t.Errorf("batch %d line %d: %s, want %s", i, k, bs[i].Lines[k].Line, as[idx].Line)
			}
		}
	}
	if bs, expired := KeepAttacks(as[:1], now, week, time.UTC); len(bs) != 0 || expired != 1 {
		t.Errorf("only an expired line: %+v %d", bs, expired)
	}
}
