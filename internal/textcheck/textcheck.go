// Package textcheck finds English words, raw catalogue keys and internal
// names in text meant for German readers. The walk tests of the pages and
// the command line use it; a finding is a string that a German reader
// would stumble over.
package textcheck

import (
	"html"
	"regexp"
	"slices"
	"strings"

	"gdpr/audit"
	"gdpr/register"
	"gdpr/retention"
)

// englishOnly are words that German text does not use. Words both
// languages share (Status, Import, Export, Name, Version, Token, Filter,
// Web, E-Mail, Code) are not on the list.
var englishOnly = []string{
	"the", "and", "not", "found", "failed", "invalid", "required", "none", "draft", "approved", "archived",
	"processor", "controller", "internal", "external", "authority", "unknown", "warning", "error", "want",
	"field", "entry", "missing", "Save", "Cancel", "Edit", "Delete", "Search", "Back", "Next", "Previous",
	"Findings", "History", "Password", "Sign", "Logout", "Login", "Dashboard", "Activities", "Measures",
	"measure", "activity", "review", "reviewed", "yes", "no", "of", "with", "from", "since", "Internal",
	"Error", "Please", "page", "Page", "created", "updated", "unchanged", "changes", "record", "records",
	"GDPR", "deleted", "Usage", "Flags", "flag", "command", "accepts", "received", "file", "directory",
	"such", "permission", "denied", "Overview", "Import done", "loaded", "Would", "lines", "skipped",
}

var (
	words    = regexp.MustCompile(`[\p{L}][\p{L}'-]*`)
	rawKey   = regexp.MustCompile(`\b(ui|label|value|export|finding|rule|cli|import|invalid|conflict|count|actor|notfound|error|store|auth|retention|filter|logs|api|event)\.[a-z0-9_-]+(\.[a-z0-9_-]+)*\b`)
	snake    = regexp.MustCompile(`\b[a-z]+(_[a-z]+)+\b`)
	urlish   = regexp.MustCompile(`\S+@\S+|https?://\S+|/[a-z0-9/_.?=&%-]+|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b`)
	internal = func() []string {
		var out []string
		for _, r := range register.Rules {
			out = append(out, r.Code)
		}
		out = append(out, audit.Actions...)
		for _, e := range retention.Events {
			out = append(out, string(e.Event))
		}
		return out
	}()
)

// Check returns what in text a German reader should not see: English
// words, raw catalogue keys ("ui.save"), internal names (rule codes,
// audit actions, event ids, snake_case identifiers). Addresses and paths
// are left out first: they are data, not language.
func Check(text string) []string {
	var out []string
	text = html.UnescapeString(text)
	for _, m := range rawKey.FindAllString(text, -1) {
		out = append(out, "raw key "+m)
	}
	clean := urlish.ReplaceAllString(text, " ")
	for _, m := range snake.FindAllString(clean, -1) {
		out = append(out, "internal name "+m)
	}
	for _, n := range internal {
		if strings.Contains(clean, n) && (strings.Contains(n, "-") || strings.Contains(n, ".") || strings.Contains(n, "_")) {
			out = append(out, "internal name "+n)
		}
	}
	for _, w := range words.FindAllString(clean, -1) {
		if slices.Contains(englishOnly, w) {
			out = append(out, "English word "+w)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

var (
	scripts = regexp.MustCompile(`(?is)<(script|style)\b.*?</(script|style)>`)
	// Elements marked as English on purpose: the language switch names
	// the other language in it, a list of mail templates shows the
	// English ones' subjects.
	english = regexp.MustCompile(`(?is)<a\b[^>]*\blang="en"[^>]*>.*?</a>|<td\b[^>]*\blang="en"[^>]*>.*?</td>`)
	// Code elements hold data, not language: the table and column names
	// of a company's database, as it spells them; so does a choice among
	// them (a select marked translate="no", as HTML says of such text).
	code  = regexp.MustCompile(`(?is)<code\b[^>]*>.*?</code>|<select\b[^>]*\btranslate="no"[^>]*>.*?</select>`)
	tags  = regexp.MustCompile(`(?s)<[^>]*>`)
	attrs = regexp.MustCompile(`\b(?:aria-label|title|placeholder|alt|data-label)="([^"]*)"`)
)

// PageText is what a reader sees and hears of an HTML page: its text and
// the labels in its attributes.
func PageText(page string) string {
	page = code.ReplaceAllString(english.ReplaceAllString(scripts.ReplaceAllString(page, " "), " "), " ")
	var b strings.Builder
	for _, m := range attrs.FindAllStringSubmatch(page, -1) {
		b.WriteString(m[1] + "\n")
	}
	b.WriteString(tags.ReplaceAllString(page, " "))
	return b.String()
}
