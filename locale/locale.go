// Package locale is the one message catalogue for user-facing text in
// German (the default) and English. Handlers, exports and commands look
// texts up by key; no user-facing sentence lives anywhere else.
package locale

import (
	"fmt"
	"sort"
	"strings"
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
