package retention

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// TestKindOfMatchesRegexps: the keyword classification of topics gives
// what the statement's regular expressions would, on generated topics
// with the keywords, their near misses and word boundaries.
func TestKindOfMatchesRegexps(t *testing.T) {
	parts := []string{"Rechnungen", "Belegprüfung", "Bücher", "Handelsbücher", "bücherei", "Buchhandlung", "Bank", "Sparbank", "Bankverbindung", "Banking",
		"Versicherung", "insurance", "Newsletter", "Werbung", "Marketing", "mailing", "books", "bookshop", "ebooks", "annual  accounts", "Kunden",
		"Bewerber", "Zahlungsabwicklung", "Jahresabschluss", "credit\tinstitution", "promotion", "Inventar", "Lagebericht", "x", "-", "(Bank)", "Bücher,"}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		n := 1 + r.IntN(5)
		var words []string
		for range n {
			w := parts[r.IntN(len(parts))]
			if r.IntN(4) == 0 {
				w = strings.ToUpper(w)
			}
			words = append(words, w)
		}
		topic := strings.Join(words, []string{" ", "  ", ", ", "-", ""}[i%5])
		norm := normalise(topic)
		var want topicKind
		if reInvoice.MatchString(norm) {
			want |= topicInvoice
		}
		if reBooks.MatchString(norm) {
			want |= topicBooks
		}
		if reBank.MatchString(norm) {
			want |= topicBank
		}
		if reMarketing.MatchString(norm) {
			want |= topicMarketing
		}
		if got := kindOf(topic); got != want {
			t.Fatalf("kindOf(%q) = %04b, the regexps say %04b", topic, got, want)
		}
	}
}

// TestMemoGivesTheParse: a memoised result equals a fresh parse, and a
// caller changing it does not change the next one.
func TestMemoGivesTheParse(t *testing.T) {
	for _, tc := range []struct{ text, topic string }{
		{"10 Jahre (gesetzliche Aufbewahrungspflicht)", "Newsletter"},
		{"10 Jahre (gesetzliche Aufbewahrungspflicht)", "Rechnungen"},
		{"zehn Jahre oder zwei Jahre nach Vertragsbeendigung, je nachdem was zuerst eintritt", ""},
	} {
		first := Parse(tc.text, Context{Topic: tc.topic})
		fresh := parse(tc.text, kindOf(tc.topic))
		if !reflect.DeepEqual(first, fresh) {
			t.Fatalf("%q/%q: memo %+v, fresh %+v", tc.text, tc.topic, first, fresh)
		}
		if len(first.Warnings) > 0 {
			first.Warnings[0].Code = "changed"
			if len(first.Warnings[0].Args) > 0 {
				first.Warnings[0].Args[0] = "changed"
			}
		}
		first.Rules = append(first.Rules, Rule{})
		if again := Parse(tc.text, Context{Topic: tc.topic}); !reflect.DeepEqual(again, fresh) {
			t.Fatalf("%q: a caller's change reached the memo: %+v", tc.text, again)
		}
	}
	// Topics of one kind share an entry; of another kind they do not.
	a := Parse("10 Jahre (gesetzliche Aufbewahrungspflicht)", Context{Topic: "Newsletter an Kunden"})
	b := Parse("10 Jahre (gesetzliche Aufbewahrungspflicht)", Context{Topic: "Buchhaltung Rechnungen"})
	if reflect.DeepEqual(a.Warnings, b.Warnings) {
		t.Fatal("marketing and invoices gave the same warnings")
	}
}
