// Package locale is the one message catalogue for user-facing text in
// German (the default) and English. Handlers, exports and commands look
// texts up by key; no user-facing sentence lives anywhere else.
package locale

import (
	"fmt"
	"sort"
	"strings"
	"time"
	// The zone database in the binary: the pages show times in
	// Europe/Berlin on any machine, also one without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// Lang is a supported language.
type Lang string

// Supported languages. German comes first: the register's users are mostly
// German data-protection officers.
const (
	DE Lang = "de"
	EN Lang = "en"
)

// Langs lists the supported languages, default first.
var Langs = []Lang{DE, EN}

// Parse returns the language for a code such as "de", "en-GB" or an
// Accept-Language header; ok is false for an unsupported one.
func Parse(s string) (Lang, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(strings.SplitN(part, ";", 2)[0])
		switch {
		case part == "de" || strings.HasPrefix(part, "de-"):
			return DE, true
		case part == "en" || strings.HasPrefix(part, "en-"):
			return EN, true
		}
	}
	return DE, false
}

// T returns the message for key in lang, formatted with args (fmt verbs).
// An unknown key returns the key itself so that a missing text is visible,
// never blank; a test keeps the catalogue complete.
func T(lang Lang, key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	s := m.de
	if lang == EN {
		s = m.en
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// Has reports whether key is in the catalogue.
func Has(key string) bool {
	_, ok := messages[key]
	return ok
}

// Keys returns every key of the catalogue, sorted.
func Keys() []string {
	out := make([]string, 0, len(messages))
	for k := range messages {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

type text struct{ de, en string }

// N returns the counted phrase for n: key+".one" for 1, key+".other"
// otherwise ("1 Tätigkeit", "3 Tätigkeiten"), formatted with n.
func N(lang Lang, key string, n int) string {
	if n == 1 {
		return T(lang, key+".one", n)
	}
	return T(lang, key+".other", n)
}

// Berlin is the zone the users' times are shown in: the register's users
// are German, and so is the supervisory authority reading its history.
var Berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err) // the zone database is embedded
	}
	return l
}()

// Time writes a moment in Europe/Berlin with its zone, as a German reader
// expects it ("02.12.2026, 14:05 MEZ") or in English ("2026-12-02 14:05
// CET").
func Time(lang Lang, t time.Time) string {
	b := t.In(Berlin)
	zone, _ := b.Zone()
	if lang == EN {
		return b.Format("2006-01-02 15:04") + " " + zone
	}
	switch zone {
	case "CET":
		zone = "MEZ"
	case "CEST":
		zone = "MESZ"
	}
	return b.Format("02.01.2006, 15:04") + " " + zone
}

// Day parses a date as the date inputs send it (YYYY-MM-DD) or as German
// readers write it (TT.MM.JJJJ), as the start of that day in Berlin.
func Day(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "02.01.2006", "2.1.2006"} {
		if t, err := time.ParseInLocation(layout, s, Berlin); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
