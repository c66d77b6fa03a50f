package retention

import (
	"strings"
	"sync"
	"unicode"
)

// topicKind is what of a statement's topic the parser looks at: whether
// it is about invoices, books of account, a bank or insurer, or marketing.
// Two topics of the same kind give the same result, so that the memo of
// Parse is keyed by the kind, not by the topic (every activity's topic is
// its own).
type topicKind uint8

const (
	topicInvoice topicKind = 1 << iota
	topicBooks
	topicBank
	topicMarketing
)

// Keywords of the topic kinds, as the statement's regular expressions
// have them (reInvoice, reBooks, reBank, reMarketing); a leading or
// trailing '|' marks a word boundary. A test keeps both equal.
var topicWords = []struct {
	kind  topicKind
	words []string
}{
	{topicInvoice, []string{"rechnung", "beleg", "buchung", "zahlung", "quittung", "kassenbon", "invoice", "receipt", "payment", "accounting record", "booking record"}},
	{topicBooks, []string{"handelsbüch", "geschäftsbüch", "|bücher|", "jahresabschl", "inventar", "eröffnungsbilanz", "lagebericht", "konzernabschl", "|books|", "annual accounts", "financial statements"}},
	{topicBank, []string{"|bank", "kreditinstitut", "versicherung", "versicherer", "wertpapierinstitut", "insurer", "insurance", "credit institution"}},
	{topicMarketing, []string{"werb", "marketing", "newsletter", "kundengewinnung", "kundenakquise", "akquise", "mailing", "advertis", "promotion", "direktmarketing"}},
}

// kindOf classifies a topic by keywords, without regular expressions: the
// lint asks this for every statement of every activity.
func kindOf(topic string) topicKind {
	if topic == "" {
		return 0
	}
	t := strings.Join(strings.Fields(strings.ToLower(topic)), " ")
	var k topicKind
	for _, tw := range topicWords {
		for _, w := range tw.words {
			if hasWord(t, w) {
				k |= tw.kind
				break
			}
		}
	}
	return k
}

// hasWord reports whether s contains w; a '|' at w's start or end asks
// for a word boundary there (as \b in the regular expressions).
func hasWord(s, w string) bool {
	start := strings.HasPrefix(w, "|")
	end := strings.HasSuffix(w, "|")
	w = strings.Trim(w, "|")
	for off := 0; ; {
		i := strings.Index(s[off:], w)
		if i < 0 {
			return false
		}
		i += off
		j := i + len(w)
		if (!start || i == 0 || !isWordRune(lastRune(s[:i]))) && (!end || j == len(s) || !isWordRune(firstRune(s[j:]))) {
			return true
		}
		off = i + 1
	}
}

// isWordRune is \w of Go's regular expressions: ASCII letters, digits and
// underscore (ü is no word character there).
func isWordRune(r rune) bool {
	return r < unicode.MaxASCII && (r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
}

func lastRune(s string) rune {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] < 0x80 || s[i] >= 0xc0 {
			r := []rune(s[i:])
			return r[0]
		}
	}
	return 0
}

func firstRune(s string) rune {
	for _, r := range s {
		return r
	}
	return 0
}

type memoKey struct {
	text  string
	topic topicKind
}

// memo is a bounded cache of parse results. A pure function's memo is
// invisible state: it changes no result, only how long one takes.
type memo struct {
	mu sync.Mutex
	m  map[memoKey]Result
}

// memoSize bounds the memo; when full it starts again (registers have a
// few hundred distinct statements, not thousands).
const memoSize = 8192

var parsed = &memo{m: map[memoKey]Result{}}

func (c *memo) get(k memoKey) (Result, bool) {
	c.mu.Lock()
	r, ok := c.m[k]
	c.mu.Unlock()
	return r, ok
}

func (c *memo) put(k memoKey, r Result) {
	c.mu.Lock()
	if len(c.m) >= memoSize {
		clear(c.m)
	}
	c.m[k] = r
	c.mu.Unlock()
}

// copy returns r with slices of its own, so that a caller appending to or
// changing them does not change the memo.
func (r Result) copy() Result {
	c := r
	c.Rules = append(make([]Rule, 0, len(r.Rules)), r.Rules...)
	c.Warnings = make([]Warning, len(r.Warnings))
	for i, w := range r.Warnings {
		w.Args = append([]string(nil), w.Args...)
		c.Warnings[i] = w
	}
	return c
}
