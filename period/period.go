// Package period implements ISO 8601 durations of calendar units (P1Y6M,
// P30D, PT48H, P2W) as used for review intervals and deletion periods.
// Calendar arithmetic follows §§ 187, 188 BGB: a month or year period ends
// on the day with the same number, clamped to the end of a shorter month.
package period

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Period is a duration in calendar units. The zero value is P0D.
type Period struct {
	Years, Months, Weeks, Days, Hours int
}

// Parse reads an ISO 8601 duration of the forms PnYnMnWnD and PTnH. Minutes
// and seconds are rejected: no retention or review rule needs them.
func Parse(s string) (Period, error) {
	var p Period
	orig := s
	s = strings.ToUpper(strings.TrimSpace(s))
	if !strings.HasPrefix(s, "P") || len(s) < 3 {
		return p, fmt.Errorf("invalid ISO 8601 period %q (want e.g. P1Y, P6M, P30D, PT48H)", orig)
	}
	s = s[1:]
	inTime := false
	seen := ""
	for len(s) > 0 {
		if s[0] == 'T' {
			if inTime {
				return p, fmt.Errorf("invalid ISO 8601 period %q: T twice", orig)
			}
			inTime = true
			s = s[1:]
			continue
		}
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i == len(s) {
			return p, fmt.Errorf("invalid ISO 8601 period %q", orig)
		}
		n, err := strconv.Atoi(s[:i])
		if err != nil || n > 10000 {
			return p, fmt.Errorf("invalid ISO 8601 period %q: number out of range", orig)
		}
		unit := s[i]
		key := string(unit)
		if inTime {
			key = "T" + key
		}
		if strings.Contains(seen, key+",") {
			return p, fmt.Errorf("invalid ISO 8601 period %q: unit %c twice", orig, unit)
		}
		seen += key + ","
		switch {
		case !inTime && unit == 'Y':
			p.Years = n
		case !inTime && unit == 'M':
			p.Months = n
		case !inTime && unit == 'W':
			p.Weeks = n
		case !inTime && unit == 'D':
			p.Days = n
		case inTime && unit == 'H':
			p.Hours = n
		default:
			return p, fmt.Errorf("invalid ISO 8601 period %q: unsupported unit %c", orig, unit)
		}
		s = s[i+1:]
	}
	return p, nil
}

// MustParse is Parse for constants in code and tests; it panics on error.
func MustParse(s string) Period {
	p, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return p
}

// IsZero reports whether p is P0D.
func (p Period) IsZero() bool { return p == Period{} }

// String returns the canonical ISO 8601 form; the zero period is "P0D".
func (p Period) String() string {
	if p.IsZero() {
		return "P0D"
	}
	var b strings.Builder
	b.WriteByte('P')
	for _, u := range []struct {
		n int
		c byte
	}{{p.Years, 'Y'}, {p.Months, 'M'}, {p.Weeks, 'W'}, {p.Days, 'D'}} {
		if u.n != 0 {
			b.WriteString(strconv.Itoa(u.n))
			b.WriteByte(u.c)
		}
	}
	if p.Hours != 0 {
		b.WriteString("T" + strconv.Itoa(p.Hours) + "H")
	}
	return b.String()
}

// MarshalText implements encoding.TextMarshaler.
func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *Period) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// AddTo returns t plus p. Years and months are added first and the day is
// clamped to the last day of the resulting month (§ 188(3) BGB: 31 Jan plus
// one month is 28/29 Feb), then weeks, days and hours.
func (p Period) AddTo(t time.Time) time.Time {
	y, m, d := t.Date()
	months := int(m) - 1 + p.Months + 12*p.Years
	ny := y + floorDiv(months, 12)
	nm := time.Month(floorMod(months, 12) + 1)
	if last := daysIn(ny, nm); d > last {
		d = last
	}
	hh, mm, ss := t.Clock()
	r := time.Date(ny, nm, d, hh, mm, ss, t.Nanosecond(), t.Location())
	r = r.AddDate(0, 0, 7*p.Weeks+p.Days)
	return r.Add(time.Duration(p.Hours) * time.Hour)
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorMod(a, b int) int { return a - floorDiv(a, b)*b }

// UnmarshalYAML locates a bad period by its line.
func (p *Period) UnmarshalYAML(n *yaml.Node) error {
	if err := p.UnmarshalText([]byte(n.Value)); err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	return nil
}
