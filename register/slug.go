package register

import (
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// maxSlug bounds ids made from long titles (a TOM sentence) while keeping
// them readable.
const maxSlug = 48

var transliterate = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "ae", "Ö", "oe", "Ü", "ue", "ß", "ss")

// Slug derives a stable id from a name: lower case ASCII letters, digits
// and single hyphens, German umlauts transliterated, cut at a word boundary.
func Slug(name string) string {
	// German umlauts first (ä is ae, not a), then other accents are folded
	// by decomposing and dropping the combining marks (é is e).
	name = norm.NFD.String(transliterate.Replace(name))
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
			dash = false
		case unicode.Is(unicode.Mn, r), unicode.IsLetter(r) || unicode.IsDigit(r):
			// Combining marks and letters without an ASCII base (ł) are
			// dropped rather than mangled.
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	s := strings.TrimSuffix(b.String(), "-")
	if len(s) > maxSlug {
		s = s[:maxSlug]
		if i := strings.LastIndexByte(s, '-'); i > maxSlug/2 {
			s = s[:i]
		}
		s = strings.TrimSuffix(s, "-")
	}
	return s
}

// UniqueSlug returns Slug(name), or with a suffix -2, -3 ... when taken
// already; it records the result in taken. For one id among many; Slugs
// hands out many.
func UniqueSlug(name string, taken map[string]bool) string {
	base := Slug(name)
	if base == "" {
		base = "entry"
	}
	s := base
	for i := 2; taken[s]; i++ {
		s = base + "-" + strconv.Itoa(i)
	}
	taken[s] = true
	return s
}

// Slugs hands out unique slugs as UniqueSlug does, for a whole document:
// each slug remembers the next suffix to try, so that n entries of one
// name cost n steps instead of n²/2 (50,000 rows named alike took minutes).
type Slugs struct {
	taken map[string]bool
	next  map[string]int // base slug -> the suffix to try first
}

// NewSlugs returns an empty set.
func NewSlugs() *Slugs { return &Slugs{taken: map[string]bool{}, next: map[string]int{}} }

// Taken reports whether id is handed out or taken.
func (u *Slugs) Taken(id string) bool { return u.taken[id] }

// Take records id, given in the document, as taken.
func (u *Slugs) Take(id string) { u.taken[id] = true }

// Unique returns Slug(name), or with the first free suffix -2, -3 ...,
// and records it.
func (u *Slugs) Unique(name string) string {
	base := Slug(name)
	if base == "" {
		base = "entry"
	}
	s := base
	i := max(u.next[base], 2)
	for u.taken[s] {
		s = base + "-" + strconv.Itoa(i)
		i++
	}
	u.next[base] = i
	u.taken[s] = true
	return s
}

// ValidID reports whether s is a well-formed slug id.
func ValidID(s string) bool {
	if s == "" || len(s) > 100 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}
