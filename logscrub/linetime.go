package logscrub

import (
	"bytes"
	"slices"
	"time"
)

// Seed 001 keeps attack lines "max. sieben Tage". A line's seven days run
// from the time the line itself shows, where it shows one: anonymising a
// month-old archive must not keep its attack lines for another week.

// LineTime reads the time a log line was written, from the forms servers
// write it in:
//   - an ISO 8601 time at the start ("2026-11-23T07:00:01.5+01:00", also
//     after RFC 5424's "<34>1 " and with a space for the "T"),
//   - syslog's "Nov 23 07:00:01" at the start (also after "<34>"), in the
//     latest year that does not put it more than a day after now,
//   - BIND's "23-Nov-2026 07:00:01.234" and nginx's error log
//     "2026/11/23 07:00:01" at the start,
//   - an access log's "[23/Nov/2026:07:00:01 +0100]" anywhere,
//   - a JSON line's "time", "timestamp" or "@timestamp" string in ISO 8601.
//
// Times without a zone are read in loc (the server's zone). It reports
// false for a line that shows none of these.
func LineTime(line []byte, now time.Time, loc *time.Location) (time.Time, bool) {
	rest := line
	if len(rest) > 0 && rest[0] == '<' { // syslog priority, RFC 5424 version
		k := 1
		for k < len(rest) && k < 5 && isDigit(rest[k]) {
			k++
		}
		if k > 1 && k < len(rest) && rest[k] == '>' {
			rest = rest[k+1:]
			if len(rest) > 2 && rest[0] == '1' && rest[1] == ' ' {
				rest = rest[2:]
			}
		}
	}
	if t, ok := leadingTime(rest, now, loc); ok {
		return t, true
	}
	if t, ok := accessTime(line); ok {
		return t, true
	}
	if len(line) > 0 && line[0] == '{' {
		for _, key := range jsonTimeKeys {
			if k := bytes.Index(line, key); k >= 0 {
				v := line[k+len(key):]
				if e := bytes.IndexByte(v, '"'); e > 0 {
					if t, ok := isoTime(v[:e], loc); ok {
						return t, true
					}
				}
			}
		}
	}
	return time.Time{}, false
}

var jsonTimeKeys = [][]byte{[]byte(`"time":"`), []byte(`"timestamp":"`), []byte(`"@timestamp":"`)}

// leadingTime reads a time at the start of a line.
func leadingTime(s []byte, now time.Time, loc *time.Location) (time.Time, bool) {
	switch {
	case len(s) >= 19 && isDigit(s[0]) && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == ' '):
		end := 19
		if s[10] == ' ' {
			// "2026-11-23 07:00:01,123" and friends: the date and the time.
			for end < len(s) && (isDigit(s[end]) || s[end] == '.' || s[end] == ',') {
				end++
			}
		} else if k := bytes.IndexAny(s, " \t\""); k > 0 {
			end = k
		} else {
			end = len(s)
		}
		tok := bytes.ReplaceAll(s[:end], []byte(","), []byte("."))
		return isoTime(tok, loc)
	case len(s) >= 20 && isDigit(s[0]) && s[2] == '-' && s[6] == '-' && s[11] == ' ':
		end := 20
		for end < len(s) && (isDigit(s[end]) || s[end] == '.') {
			end++
		}
		return parseIn("02-Jan-2006 15:04:05", s[:end], loc)
	case len(s) >= 19 && isDigit(s[0]) && s[4] == '/' && s[7] == '/' && s[10] == ' ':
		return parseIn("2006/01/02 15:04:05", s[:19], loc)
	case len(s) >= 15 && s[3] == ' ' && s[6] == ' ' && s[9] == ':' && s[12] == ':':
		t, ok := parseIn("Jan _2 15:04:05", s[:15], loc)
		if !ok {
			return t, false
		}
		// Syslog leaves out the year: the latest that does not put the
		// line more than a day after now (clocks drift, zones differ).
		t = t.AddDate(now.Year()-t.Year(), 0, 0)
		if t.After(now.Add(24 * time.Hour)) {
			t = t.AddDate(-1, 0, 0)
		}
		return t, true
	}
	return time.Time{}, false
}

// isoTime parses an ISO 8601 date and time with or without fraction and
// zone (in loc when it has none).
func isoTime(tok []byte, loc *time.Location) (time.Time, bool) {
	s := string(tok)
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, loc)
	return t, err == nil
}

func parseIn(layout string, tok []byte, loc *time.Location) (time.Time, bool) {
	t, err := time.ParseInLocation(layout, string(tok), loc)
	return t, err == nil
}

// AttackBatch is attack lines to be stored as one row, and the time of the
// oldest of them: the row's time, from which its retention runs.
type AttackBatch struct {
	Seen  time.Time
	Lines []Attack
}

// KeepAttacks prepares attack lines for the store. A line whose own time
// (LineTime) is more than keep before now is dropped: its retention has
// run out already; the count of such lines is returned. The rest go into
// one batch per hour of their times (in the order of the hours, the lines
// in input order), each with the time of its oldest line, so that a batch
// is purged no later than its oldest line must be and its newer lines at
// most an hour earlier than theirs. A line that shows no time (or one
// after now) counts as seen now.
func KeepAttacks(as []Attack, now time.Time, keep time.Duration, loc *time.Location) ([]AttackBatch, int) {
	var out []AttackBatch
	expired := 0
	hours := map[int64]int{} // hour since the epoch -> index in out
	for _, a := range as {
		t, ok := LineTime(a.Line, now, loc)
		if !ok || t.After(now) {
			t = now
		}
		if now.Sub(t) > keep {
			expired++
			continue
		}
		h := t.Unix() / 3600
		k, seen := hours[h]
		if !seen {
			k = len(out)
			hours[h] = k
			out = append(out, AttackBatch{Seen: t})
		}
		out[k].Lines = append(out[k].Lines, a)
		if t.Before(out[k].Seen) {
			out[k].Seen = t
		}
	}
	slices.SortStableFunc(out, func(x, y AttackBatch) int { return x.Seen.Compare(y.Seen) })
	return out, expired
}
