// Package discovery finds personal data in a database's columns: by the
// column's name and by a bounded sample of its values (e-mail addresses,
// telephone numbers, IBANs with their check digits, IPv4/IPv6 addresses,
// dates of birth, postcode and city, German tax ids with their check
// digit, card numbers with Luhn, free text that holds any of these). The
// values decide where there are any: a column named "email_count" full of
// numbers is not an e-mail column, one named "c1" full of addresses is.
// It does no I/O; `gdpr systems scan` samples through a connector and
// calls it.
package discovery

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"gdpr/vault"
)

// Category is a kind of personal data discovery recognises.
type Category string

// Categories. Label gives the data category a proposal writes into the
// register (the words of a Verzeichnis).
const (
	Email     Category = "email"
	Phone     Category = "phone"
	IBAN      Category = "iban"
	IP        Category = "ip"
	BirthDate Category = "birth_date"
	Address   Category = "address" // postcode and city, street
	TaxID     Category = "tax_id"
	Card      Category = "card"
	Name      Category = "name"
	FreeText  Category = "free_text" // text holding one of the above
)

// Categories lists them in the order reports show them.
var Categories = []Category{Email, Phone, IBAN, IP, BirthDate, Address, TaxID, Card, Name, FreeText}

// Column is what discovery looks at: a column's name, its type kind as
// the connector reports it ("text", "integer", "date", ...) and a sample
// of its values that are not null.
type Column struct {
	Name    string
	Kind    string
	Samples []string
}

// Match is a column found to hold personal data.
type Match struct {
	Category Category `json:"category"`
	// Confidence is between 0 and 1: the share of the sample that has
	// the category's form (raised a little when the name agrees), or
	// 0.4 for a name without values to look at.
	Confidence float64 `json:"confidence"`
	ByName     bool    `json:"by_name"`   // the name suggests it
	ByValues   bool    `json:"by_values"` // the values show it
	Matched    int     `json:"matched"`   // sampled values of that form
	Sampled    int     `json:"sampled"`
}

// thresholds: the share of a sample that decides a category, the share
// of free texts that must hold personal data, and the share below which
// the values contradict the name.
const (
	valueShare    = 0.5
	freeTextShare = 0.3
	contradicted  = 0.2
	nameOnly      = 0.4
)

// Classify says whether a column holds personal data, and which. now is
// the day dates of birth are measured from.
func Classify(c Column, now time.Time) (Match, bool) {
	hint := nameHint(c.Name)
	var vals []string
	for _, s := range c.Samples {
		if s = strings.TrimSpace(s); s != "" {
			vals = append(vals, s)
		}
	}
	if len(vals) == 0 {
		if hint == "" {
			return Match{}, false
		}
		return Match{Category: hint, Confidence: nameOnly, ByName: true}, true
	}
	counts := map[Category]int{}
	var years []int
	for _, v := range vals {
		for _, cat := range valueCategories(v, now, &years) {
			counts[cat]++
		}
	}
	best, bestN := Category(""), 0
	for _, cat := range Categories {
		// Ties go to the category the name suggests, then to the order
		// of Categories.
		if n := counts[cat]; n > bestN || n == bestN && n > 0 && cat == hint {
			best, bestN = cat, n
		}
	}
	share := float64(bestN) / float64(len(vals))
	if best == Phone && hint != Phone && paddedNumbers(vals) {
		// Zero-padded numbers of one length (article or order numbers
		// "0012345") have a telephone number's form; real numbers vary in
		// length and are written with separators.
		share = 0
	}
	if best == BirthDate && hint != BirthDate && !spread(years) {
		// Dates within a few years of each other are the dates of
		// events (orders, sign-ups), not of births.
		share = 0
	}
	if share >= valueShare {
		conf := share
		if hint == best {
			conf = min(1, conf+0.1)
		}
		return Match{Category: best, Confidence: round2(conf), ByName: hint == best, ByValues: true, Matched: bestN, Sampled: len(vals)}, true
	}
	free := 0
	for _, v := range vals {
		if holdsPersonal(v) {
			free++
		}
	}
	if fs := float64(free) / float64(len(vals)); fs >= freeTextShare {
		return Match{Category: FreeText, Confidence: round2(min(1, fs+0.2)), ByValues: true, Matched: free, Sampled: len(vals)}, true
	}
	if hint == "" {
		return Match{}, false
	}
	// A name the values do not bear out: for the categories whose form
	// can be checked, the values decide; a name, a street or a city has
	// no form to check, so the name decides where the values are text.
	if checkable(hint) && share < contradicted || !checkable(hint) && !texty(vals) {
		return Match{}, false
	}
	return Match{Category: hint, Confidence: nameOnly + 0.2, ByName: true, Matched: counts[hint], Sampled: len(vals)}, true
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

// checkable categories have a form the values can be tested against.
func checkable(c Category) bool { return c != Name && c != Address }

// texty: most values hold letters (a name, a city), not only digits and
// signs.
func texty(vals []string) bool {
	n := 0
	for _, v := range vals {
		if strings.IndexFunc(v, unicode.IsLetter) >= 0 {
			n++
		}
	}
	return float64(n)/float64(len(vals)) >= valueShare
}

// paddedNumbers: every value is digits only, all of one length.
func paddedNumbers(vals []string) bool {
	if len(vals) < 3 {
		return false
	}
	for _, v := range vals {
		if len(v) != len(vals[0]) || strings.Trim(v, "0123456789") != "" {
			return false
		}
	}
	return true
}

// spread: the dates span ten years or more, as people's births do.
func spread(years []int) bool {
	if len(years) < 2 {
		return false
	}
	return slices.Max(years)-slices.Min(years) >= 10
}

var (
	postcodeCity = regexp.MustCompile(`^(D-)?\d{5}\s+\p{Lu}[\p{L} .\-/()]+$`)
	dateForms    = []string{"2006-01-02", "02.01.2006", "2.1.2006", "2006-01-02 15:04:05", "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05"}
	digitsOnly   = regexp.MustCompile(`^[0-9 \-]+$`)
	// A street and house number: "Hauptstraße 5", "Lindenweg 12a",
	// "Am Markt 3", with the postcode and city after a comma or not.
	street = regexp.MustCompile(`(?i)^(?:[\p{L}.\-]+ )*[\p{L}.\-]*(?:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee|steig|pfad|markt|street|road|avenue|lane)\s+\d+\s?[a-z]?(?:,\s*(?:D-)?\d{5}\s+\p{L}.*)?$`)
)

// firstNames are common given names in Germany (and of its larger
// communities): a value of two or three capitalised words one of which
// is among them is taken for a person's name.
var firstNames = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(`anna maria emma sophie sofia marie mia hanna hannah lena lea leonie lina laura lara julia sarah sara
		lisa katharina christina claudia sabine petra andrea susanne monika ursula renate karin heike birgit gabriele martina nicole stefanie
		sandra melanie anja tanja silke kerstin elke ingrid helga brigitte carla clara charlotte johanna luisa amelie nele paula greta frieda
		elif ayse fatma zeynep emine meryem aylin olga natalia katarzyna agnieszka anastasia elena irina svetlana
		peter michael thomas andreas stefan markus frank christian klaus jürgen juergen wolfgang hans uwe bernd dieter günter guenter horst
		werner karl heinz ralf jörg joerg torsten sven oliver daniel tobias jan tim lukas lucas leon paul jonas elias noah ben finn felix max
		maximilian alexander david simon philipp florian sebastian matthias martin tom niklas moritz julian fabian dominik patrick kevin
		mehmet mustafa ahmet ali hasan hüseyin huseyin ibrahim murat emre can piotr tomasz krzysztof marek ivan sergej dmitri
		john james robert william richard joseph mary patricia jennifer linda elizabeth barbara susan jessica karen nancy
		erika gertrud ilse lieselotte hildegard herbert walter kurt helmut gerhard manfred rolf rainer gerd detlef`) {
		m[n] = true
	}
	return m
}()

// isPersonName: two or three words of letters (hyphens and apostrophes
// inside), each capitalised, one a common first name, or "Nachname,
// Vorname".
func isPersonName(v string) bool {
	v = strings.TrimSpace(v)
	if len(v) > 60 {
		return false
	}
	words := strings.Fields(strings.Replace(v, ",", " ", 1))
	if len(words) < 2 || len(words) > 3 {
		return false
	}
	known := false
	for _, w := range words {
		rs := []rune(w)
		if !unicode.IsUpper(rs[0]) {
			return false
		}
		for _, r := range rs {
			if !unicode.IsLetter(r) && r != '-' && r != '\'' {
				return false
			}
		}
		for _, part := range strings.Split(strings.ToLower(w), "-") {
			known = known || firstNames[part]
		}
	}
	return known
}

// valueCategories lists the categories whose form v has (usually one).
// years collects the years of dates that could be births.
func valueCategories(v string, now time.Time, years *[]int) []Category {
	var out []Category
	if len(v) <= 320 {
		if _, err := vault.Normalise(vault.KindEmail, v); err == nil && strings.Contains(v, "@") {
			out = append(out, Email)
		}
		if _, err := vault.Normalise(vault.KindIBAN, v); err == nil {
			out = append(out, IBAN)
		}
	}
	if a, err := netip.ParseAddr(v); err == nil && !a.IsUnspecified() {
		out = append(out, IP)
	}
	if isPhone(v) {
		out = append(out, Phone)
	}
	if digitsOnly.MatchString(v) {
		d := strings.NewReplacer(" ", "", "-", "").Replace(v)
		if isCard(d) {
			out = append(out, Card)
		}
		if isTaxID(d) {
			out = append(out, TaxID)
		}
	}
	if postcodeCity.MatchString(v) || street.MatchString(v) {
		out = append(out, Address)
	}
	if isPersonName(v) {
		out = append(out, Name)
	}
	if t, ok := parseDate(v); ok {
		if age := now.Year() - t.Year(); age >= 14 && age <= 110 {
			out = append(out, BirthDate)
			*years = append(*years, t.Year())
		}
	}
	return out
}

func parseDate(v string) (time.Time, bool) {
	for _, f := range dateForms {
		if t, err := time.Parse(f, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func isDate(v string) bool { _, ok := parseDate(v); return ok }

// isPhone: a number with a country code or a trunk zero, 7 to 15 digits,
// written with the usual separators, and not a date, a card or an id.
func isPhone(v string) bool {
	if len(v) > 30 || !(strings.HasPrefix(v, "+") || strings.HasPrefix(v, "0") || strings.HasPrefix(v, "(0")) || isDate(v) {
		return false // 01.02.2003 is a date, whatever its dots
	}
	_, err := vault.Normalise(vault.KindPhone, v)
	return err == nil
}

// isCard: 13 to 19 digits with a valid Luhn sum and the prefix of a card
// network (Visa, Mastercard, American Express, Discover, Maestro, JCB).
func isCard(d string) bool {
	if len(d) < 13 || len(d) > 19 {
		return false
	}
	prefix := func(ps ...string) bool {
		for _, p := range ps {
			if strings.HasPrefix(d, p) {
				return true
			}
		}
		return false
	}
	if !prefix("4", "51", "52", "53", "54", "55", "22", "23", "24", "25", "26", "27", "34", "37", "6011", "65", "50", "56", "57", "58", "6", "35") {
		return false
	}
	sum := 0
	for i := range len(d) {
		n := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			if n *= 2; n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

// isTaxID: the German Steuerliche Identifikationsnummer: 11 digits, the
// first not 0, among the first ten one digit twice or three times and
// the others once or not at all, and the check digit of ISO 7064 MOD
// 11,10.
func isTaxID(d string) bool {
	if len(d) != 11 || d[0] == '0' {
		return false
	}
	var count [10]int
	for i := range 10 {
		count[d[i]-'0']++
	}
	multi := 0
	for _, n := range count {
		switch {
		case n == 2 || n == 3:
			multi++
		case n > 3:
			return false
		}
	}
	if multi != 1 {
		return false
	}
	product := 10
	for i := range 10 {
		sum := (int(d[i]-'0') + product) % 10
		if sum == 0 {
			sum = 10
		}
		product = (sum * 2) % 11
	}
	check := 11 - product
	if check == 10 {
		check = 0
	}
	return check == int(d[10]-'0')
}

var (
	embeddedEmail = regexp.MustCompile(`[\p{L}0-9._%+\-]+@[\p{L}0-9.\-]+\.\p{L}{2,}`)
	embeddedPhone = regexp.MustCompile(`(?:\+\d{2}|\b0)[\d /\-()]{6,}\d`)
	embeddedIBAN  = regexp.MustCompile(`\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,4})?\b`)
	embeddedIP    = regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`)
)

// holdsPersonal: free text (three words or more, one of them a word of
// letters) that contains an e-mail address, a telephone number, an IBAN
// or an IP address. A value that is only a malformed number is no text.
func holdsPersonal(v string) bool {
	fields := strings.Fields(v)
	if len(fields) < 3 || !slices.ContainsFunc(fields, func(w string) bool {
		n := 0
		for _, r := range w {
			if unicode.IsLetter(r) {
				n++
			}
		}
		return n >= 3
	}) {
		return false
	}
	if embeddedEmail.MatchString(v) {
		return true
	}
	for _, m := range embeddedPhone.FindAllString(v, 4) {
		if isPhone(strings.TrimSpace(m)) {
			return true
		}
	}
	for _, m := range embeddedIBAN.FindAllString(v, 4) {
		if _, err := vault.Normalise(vault.KindIBAN, m); err == nil {
			return true
		}
	}
	for _, m := range embeddedIP.FindAllString(v, 4) {
		if _, err := netip.ParseAddr(m); err == nil {
			return true
		}
	}
	return false
}

// nameWords are the words of column names that suggest a category
// (German and English, as schemas are written).
var nameWords = []struct {
	cat   Category
	words []string
}{
	{Email, []string{"email", "e_mail", "mail", "mailadresse", "emailadresse"}},
	{Phone, []string{"phone", "telefon", "tel", "mobil", "mobile", "handy", "fax", "telephone", "rufnummer", "cell"}},
	{IBAN, []string{"iban", "bankverbindung", "konto"}},
	{IP, []string{"ip", "ipaddr", "ip_address", "ipaddress", "remote_addr", "client_ip"}},
	{BirthDate, []string{"birth", "birthday", "birthdate", "dob", "geburtsdatum", "geburtstag", "geboren", "date_of_birth"}},
	{Address, []string{"address", "adresse", "anschrift", "street", "strasse", "straße", "plz", "zip", "postcode", "postleitzahl", "city", "ort", "wohnort"}},
	{TaxID, []string{"steuerid", "steuer_id", "tax_id", "taxid", "steuernummer", "idnr", "tin"}},
	{Card, []string{"card", "kreditkarte", "creditcard", "pan", "cc_number", "kartennummer"}},
	{Name, []string{"name", "vorname", "nachname", "firstname", "lastname", "surname", "fullname", "first_name", "last_name", "full_name", "given_name", "family_name"}},
}

// notPersonal are words that make a name about something else
// (product_name, file_name, phone_model).
var notPersonal = []string{"product", "produkt", "artikel", "article", "file", "datei", "host", "table", "tabelle", "domain", "company", "firma",
	"count", "anzahl", "model", "modell", "rating", "rate", "status", "color", "colour", "farbe", "type", "typ", "template", "vorlage", "check",
	"server", "app", "category", "kategorie", "flag", "enabled", "verified", "sent", "opened"}

// nameHint is the category a column's name suggests: one of its words
// (split at _, -, spaces and camelCase) names the category and none says
// the column is about something else.
func nameHint(col string) Category {
	words := splitName(col)
	joined := strings.Join(words, "_")
	for _, w := range words {
		if slices.Contains(notPersonal, w) {
			return ""
		}
	}
	for _, nw := range nameWords {
		for _, w := range nw.words {
			if slices.Contains(words, w) || strings.Contains(w, "_") && strings.Contains(joined, w) {
				return nw.cat
			}
		}
	}
	return ""
}

// splitName splits a column name into lower-case words: snake_case,
// kebab-case, camelCase, and German compounds ending in a known word
// ("kundenemail", "rechnungsadresse").
func splitName(s string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	prevLower := false
	for _, r := range s {
		switch {
		case r == '_' || r == '-' || r == ' ' || r == '.':
			flush()
			prevLower = false
			continue
		case unicode.IsUpper(r) && prevLower:
			flush()
		}
		cur = append(cur, r)
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
	}
	flush()
	var out []string
	for _, w := range words {
		out = append(out, w)
		for _, nw := range nameWords {
			for _, suffix := range nw.words {
				if len(suffix) >= 4 && len(w) > len(suffix) && strings.HasSuffix(w, suffix) && !strings.Contains(suffix, "_") {
					out = append(out, suffix)
				}
			}
		}
	}
	return out
}
