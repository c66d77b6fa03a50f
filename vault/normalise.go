package vault

import (
	"errors"
	"math/big"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Kind says how a value is normalised before its blind index is made:
// two spellings of one e-mail address, telephone number or IBAN must
// find the same person.
type Kind string

// Kinds of indexed values.
const (
	KindEmail Kind = "email"
	KindPhone Kind = "phone"
	KindIBAN  Kind = "iban"
	// KindID is an identifier of the company's own systems (a customer
	// or employee number): compared as written, without surrounding
	// space.
	KindID Kind = "id"
)

// Kinds lists the indexed kinds.
var Kinds = []Kind{KindEmail, KindPhone, KindIBAN, KindID}

// Errors of the normalisers: the value is not of its kind.
var (
	ErrEmail = errors.New("not an e-mail address")
	ErrPhone = errors.New("not a telephone number")
	ErrIBAN  = errors.New("not an IBAN")
	ErrEmpty = errors.New("empty")
)

// maxValue bounds an indexed value; no e-mail address, number or IBAN is
// longer, and the normalisers' cost stays bounded for any input.
const maxValue = 320

// Normalise returns the canonical form of v for its kind: e-mail
// lower-cased with the domain in ASCII (IDNA), a telephone number in
// E.164 (national numbers read as German, the seeds' country), an IBAN
// without spaces in capitals with its check digits verified.
func Normalise(k Kind, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", ErrEmpty
	}
	if len(v) > maxValue {
		return "", errors.New("too long")
	}
	switch k {
	case KindEmail:
		return normEmail(v)
	case KindPhone:
		return normPhone(v)
	case KindIBAN:
		return normIBAN(v)
	case KindID:
		return v, nil
	}
	return "", errors.New("unknown kind " + string(k))
}

func normEmail(v string) (string, error) {
	if strings.HasPrefix(v, "<") && strings.HasSuffix(v, ">") {
		v = v[1 : len(v)-1] // "<info@firma.de>", as mail headers write it
	}
	local, domain, ok := strings.Cut(v, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(v, "<>()[]\\,;:\"") || strings.ContainsAny(domain, "@") ||
		strings.ContainsFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return "", ErrEmail
	}
	domain = strings.TrimSuffix(domain, ".")
	if !utf8.ValidString(v) {
		return "", ErrEmail
	}
	ascii, err := idna.Lookup.ToASCII(domain)
	if err != nil {
		return "", ErrEmail
	}
	labels := strings.Split(ascii, ".")
	if len(labels) < 2 || slices.Contains(labels, "") {
		return "", ErrEmail
	}
	// A domain whose ASCII form is not its own ASCII form again (a label
	// IDNA maps but does not keep) names no mail host.
	if again, err := idna.Lookup.ToASCII(ascii); err != nil || !strings.EqualFold(again, ascii) {
		return "", ErrEmail
	}
	// The local part is lower-cased too: mail systems treat it so in
	// practice, and a request must find "Hans.Mueller@" and "hans.mueller@".
	return strings.ToLower(local) + "@" + strings.ToLower(ascii), nil
}

func normPhone(v string) (string, error) {
	// "+49 (0) 521 12345": the trunk zero in brackets is not dialled
	// after the country code.
	v = strings.ReplaceAll(v, "(0)", "")
	var b strings.Builder
	for i, r := range v {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case strings.ContainsRune(" -/().\u00a0–", r):
		default:
			return "", ErrPhone
		}
	}
	s := b.String()
	switch {
	case strings.HasPrefix(s, "+"):
	case strings.HasPrefix(s, "00"):
		s = "+" + s[2:]
	case strings.HasPrefix(s, "0"):
		s = "+49" + s[1:]
	default:
		return "", ErrPhone // a local number without area code names no one
	}
	digits := len(s) - 1
	if digits < 7 || digits > 15 || s[1] == '0' {
		return "", ErrPhone
	}
	return s, nil
}

func normIBAN(v string) (string, error) {
	var b strings.Builder
	for _, r := range v {
		switch {
		case r == ' ' || r == '-' || r == '\u00a0':
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'):
			b.WriteRune(r)
		default:
			return "", ErrIBAN
		}
	}
	s := b.String()
	if len(s) < 15 || len(s) > 34 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' || s[2] > '9' || s[3] > '9' {
		return "", ErrIBAN
	}
	// ISO 13616: the first four characters move to the end, letters
	// become 10..35, and the number mod 97 is 1.
	var digits strings.Builder
	for _, r := range s[4:] + s[:4] {
		if r >= 'A' {
			digits.WriteString(big.NewInt(int64(r - 'A' + 10)).String())
		} else {
			digits.WriteRune(r)
		}
	}
	n, ok := new(big.Int).SetString(digits.String(), 10)
	if !ok || new(big.Int).Mod(n, big.NewInt(97)).Int64() != 1 {
		return "", ErrIBAN
	}
	return s, nil
}
