package importer

import (
	"regexp"
	"strings"

	"gdpr/register"
)

var (
	emailRe = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
	// A phone number: optional +, then digits with spaces, slashes, hyphens,
	// dots or parentheses, at least six digits in all.
	phoneRe = regexp.MustCompile(`\+?\(?\d[\d\s/().\-]{4,}\d`)
)

// ParseContact splits one cell such as "Thomas H. Grimm 02951-9336991
// info@allegro-it.de" into name, phone and e-mail. Labels ("Tel.:",
// "E-Mail:") are removed.
func ParseContact(s string) *register.Contact {
	c := &register.Contact{}
	if m := emailRe.FindString(s); m != "" {
		c.Email = m
		s = strings.Replace(s, m, " ", 1)
	}
	for _, m := range phoneRe.FindAllString(s, -1) {
		digits := 0
		for _, r := range m {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if digits >= 6 {
			c.Phone = strings.TrimSpace(m)
			s = strings.Replace(s, m, " ", 1)
			break
		}
	}
	for _, l := range []string{"Telefon:", "Tel.:", "Tel:", "Tel.", "Phone:", "E-Mail:", "Email:", "Mail:", "Fax:"} {
		s = strings.ReplaceAll(s, l, " ")
	}
	c.Name = strings.Trim(oneLine(s), ",;:-– ")
	if c.IsZero() {
		return nil
	}
	return c
}

// countries maps German and English names of frequent transfer destinations
// to ISO 3166-1 alpha-2 codes. An unknown name is kept as written.
var countries = map[string]string{
	"usa": "US", "us": "US", "vereinigte staaten": "US", "vereinigte staaten von amerika": "US", "united states": "US", "amerika": "US",
	"vereinigtes königreich": "GB", "großbritannien": "GB", "united kingdom": "GB", "uk": "GB", "england": "GB",
	"schweiz": "CH", "switzerland": "CH", "kanada": "CA", "canada": "CA", "japan": "JP", "indien": "IN", "india": "IN",
	"china": "CN", "volksrepublik china": "CN", "israel": "IL", "australien": "AU", "australia": "AU", "brasilien": "BR", "brazil": "BR",
	"russland": "RU", "russia": "RU", "türkei": "TR", "turkey": "TR", "ukraine": "UA", "singapur": "SG", "singapore": "SG",
	"südkorea": "KR", "south korea": "KR", "korea": "KR", "neuseeland": "NZ", "new zealand": "NZ", "argentinien": "AR", "argentina": "AR",
	"uruguay": "UY", "philippinen": "PH", "philippines": "PH", "vietnam": "VN", "südafrika": "ZA", "south africa": "ZA",
	"mexiko": "MX", "mexico": "MX", "serbien": "RS", "serbia": "RS", "vereinigte arabische emirate": "AE", "uae": "AE",
}

var (
	safeguardSCC  = regexp.MustCompile(`(?i)standardvertragsklausel|standard\s+contractual|\bscc\b|standarddatenschutzklausel|art\.?\s*46`)
	safeguardDPF  = regexp.MustCompile(`(?i)data\s+privacy\s+framework|\bdpf\b|angemessenheitsbeschluss|adequacy|art\.?\s*45`)
	safeguardBCR  = regexp.MustCompile(`(?i)binding\s+corporate\s+rules|\bbcr\b|verbindliche\s+interne\s+datenschutzvorschriften|art\.?\s*47`)
	safeguardA49  = regexp.MustCompile(`(?i)art\.?\s*49|einwilligung|consent`)
	countryPrefix = regexp.MustCompile(`^([^(,:–\-]+?)\s*(?:[(,:–\-]\s*(.*?)\)?)?$`)
)

// ParseTransfer reads "USA (Standardvertragsklauseln)" or "US: Mailchimp,
// SCC" into a transfer. The safeguard is recognised by its usual names; the
// text in brackets is kept as recipient when it names no safeguard.
func ParseTransfer(s string) register.Transfer {
	// "country | recipient | safeguard": the exports' and the form's
	// form, read exactly.
	if strings.Contains(s, "|") {
		parts := strings.SplitN(s, "|", 3)
		for len(parts) < 3 {
			parts = append(parts, "")
		}
		return register.Transfer{Country: strings.TrimSpace(parts[0]), Recipient: strings.TrimSpace(parts[1]), Safeguard: strings.TrimSpace(parts[2])}
	}
	t := register.Transfer{Country: s}
	m := countryPrefix.FindStringSubmatch(s)
	head, rest := s, ""
	if m != nil {
		head, rest = strings.TrimSpace(m[1]), strings.TrimSpace(m[2])
	}
	if code, ok := countries[strings.ToLower(head)]; ok {
		t.Country = code
	} else if len(head) == 2 && strings.ToUpper(head) == head {
		t.Country = head
	} else {
		return t
	}
	switch {
	case safeguardSCC.MatchString(rest):
		t.Safeguard = "SCC (Art. 46(2)(c) GDPR)"
	case safeguardDPF.MatchString(rest):
		t.Safeguard = "adequacy decision (Art. 45 GDPR)"
	case safeguardBCR.MatchString(rest):
		t.Safeguard = "BCR (Art. 47 GDPR)"
	case safeguardA49.MatchString(rest):
		t.Safeguard = "derogation (Art. 49 GDPR)"
	default:
		t.Recipient = rest
	}
	return t
}
