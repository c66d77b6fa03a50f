package register

import (
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"gdpr"
	"gdpr/locale"
)

// Date is a calendar day without time or zone, as written in a register
// ("Datum der Einführung"). It marshals as ISO 8601 (2018-03-19) and parses
// ISO as well as German notation (19.03.2018, 1.3.2018).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate reads "2018-03-19" or "19.03.2018". It rejects impossible days
// such as 31.02.2018 instead of normalising them.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	var y, m, d int
	var err error
	switch {
	case strings.Count(s, "-") == 2:
		_, err = fmt.Sscanf(s, "%4d-%2d-%2d", &y, &m, &d)
		if err == nil && len(s) != 10 {
			err = fmt.Errorf("trailing characters")
		}
	case strings.Count(s, ".") == 2:
		parts := strings.Split(strings.TrimSuffix(s, "."), ".")
		if len(parts) == 3 && len(parts[2]) == 4 && len(parts[0]) <= 2 && len(parts[1]) <= 2 {
			_, err = fmt.Sscanf(parts[0]+" "+parts[1]+" "+parts[2], "%d %d %d", &d, &m, &y)
		} else {
			err = fmt.Errorf("want DD.MM.YYYY")
		}
	default:
		err = fmt.Errorf("want YYYY-MM-DD or DD.MM.YYYY")
	}
	if err != nil {
		return Date{}, gdpr.Keyed(gdpr.EINVALID, "", "date.format", s)
	}
	if y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return Date{}, gdpr.Keyed(gdpr.EINVALID, "", "date.noday", s)
	}
	return Date{y, time.Month(m), d}, nil
}

// DateOf returns the calendar day of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d == Date{} }

// Time returns midnight of d in loc.
func (d Date) Time(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// Before reports whether d is an earlier day than o.
func (d Date) Before(o Date) bool {
	return d.Year < o.Year || d.Year == o.Year && (d.Month < o.Month || d.Month == o.Month && d.Day < o.Day)
}

// String returns the ISO form, or "" for the zero date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// German returns the form used in German documents (19.03.2018).
// Text is the day as the language writes it: 15.01.2026 in German,
// 2026-01-15 in English.
func (d Date) Text(l locale.Lang) string {
	if l == locale.DE {
		return d.German()
	}
	return d.String()
}

func (d Date) German() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d.%02d.%04d", d.Day, d.Month, d.Year)
}

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// UnmarshalYAML locates a bad date by its line (yaml.v3 does not for
// TextUnmarshaler errors).
func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	if err := d.UnmarshalText([]byte(n.Value)); err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	return nil
}
