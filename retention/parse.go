package retention

import (
	"regexp"
	"strconv"
	"strings"

	"gdpr/period"
)

// Severity of a parser warning.
type Severity string

// Severities.
const (
	SevWarning Severity = "warning"
	SevInfo    Severity = "info"
)

// Warning is a finding of the parser. Code is stable and keys the message
// catalogue ("retention.CODE"); Args fill its placeholders.
type Warning struct {
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	Ref      string   `json:"ref"`
	Args     []string `json:"args,omitempty"`
}

// Warning codes with their severity and legal reference.
const (
	WNoStartEvent       = "no-start-event"
	WImpliedStart       = "implied-start"
	WVague              = "vague"
	WUnbounded          = "unbounded"
	WStatutoryUnstated  = "statutory-unspecified"
	WMultipleRules      = "multiple-rules"
	WOutdatedLaw        = "outdated-law"
	WNoStatutoryDuty    = "no-statutory-duty"
	WBelowMinimum       = "below-minimum"
	WShorterBranchWins  = "shorter-branch-wins"
	WStatutoryYearStart = "statutory-year-end"
)

// WarningRules lists every warning code; the catalogue test keeps a message
// for each.
var WarningRules = map[string]struct {
	Severity Severity
	Ref      string
}{
	WNoStartEvent:       {SevWarning, "DIN 66398; Art. 5(1)(e) GDPR"},
	WImpliedStart:       {SevInfo, "DIN 66398"},
	WVague:              {SevWarning, "Art. 5(1)(e), Art. 13(2)(a) GDPR"},
	WUnbounded:          {SevWarning, "Art. 5(1)(e), Art. 30(1)(f) GDPR"},
	WStatutoryUnstated:  {SevWarning, "Art. 13(2)(a) GDPR; § 147 AO, § 257 HGB"},
	WMultipleRules:      {SevWarning, "DIN 66398 (one rule per data type)"},
	WOutdatedLaw:        {SevWarning, "§ 147(3) AO, § 257(4) HGB as amended by BEG IV (since 1 Jan 2025)"},
	WNoStatutoryDuty:    {SevWarning, "Art. 5(1)(c),(e), Art. 17(1), Art. 21(3) GDPR"},
	WBelowMinimum:       {SevWarning, "§ 147(1),(3) AO, § 257(1),(4) HGB"},
	WShorterBranchWins:  {SevWarning, "DIN 66398"},
	WStatutoryYearStart: {SevInfo, "§ 147(4) AO, § 257(5) HGB"},
}

func warn(code string, args ...string) Warning {
	r := WarningRules[code]
	return Warning{Code: code, Severity: r.Severity, Ref: r.Ref, Args: args}
}

// Context is what the statement is about (activity name, purposes, data
// categories), so that the parser can tell invoices from marketing data.
type Context struct {
	Topic string
}

// Result is what a statement yields: zero or more rules (several when the
// statement holds several, which DIN 66398 advises against), the warnings,
// and a confidence from 0 (no rule) to 1 (every part stated explicitly).
type Result struct {
	Text       string    `json:"text"`
	Rules      []Rule    `json:"rules"`
	Warnings   []Warning `json:"warnings"`
	Confidence float64   `json:"confidence"`
}

var numberWords = map[string]string{
	"zwei": "2", "drei": "3", "vier": "4", "fünf": "5", "sechs": "6", "sieben": "7", "acht": "8", "neun": "9", "zehn": "10",
	"elf": "11", "zwölf": "12", "fünfzehn": "15", "zwanzig": "20", "dreißig": "30", "sechzig": "60", "neunzig": "90",
	"two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
	"eleven": "11", "twelve": "12", "fifteen": "15", "twenty": "20", "thirty": "30", "sixty": "60", "ninety": "90",
}

var (
	reNumberWord = regexp.MustCompile(`\b(zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|fünfzehn|zwanzig|dreißig|sechzig|neunzig|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|sixty|ninety)\b`)
	reOne        = regexp.MustCompile(`\b(einem|einen|einer|eines|eine|ein|one|a|an)\s+(stunde|tag|woche|monat|jahr|hour|day|week|month|year)`)
	reHalfYear   = regexp.MustCompile(`\b(ein(em|es)?\s+)?halbe[nms]?\s+jahr(es)?\b|\bhalf\s+a\s+year\b|\bsix\s+months\b`)
	rePeriod     = regexp.MustCompile(`(\d+)\s*-?\s*(stunden|stunde|std\.?|tagen|tage|tag|wochen|woche|monaten|monate|monat|jahren|jahre|jahr|hours?|days?|weeks?|months?|years?)\b`)
	reISO        = regexp.MustCompile(`\bp(\d+[ymwd])+\b|\bpt\d+h\b`)
	rePlus       = regexp.MustCompile(`^\s*(\+|zzgl\.?|zuzüglich|plus|and an additional|and a further|und weitere[rn]?)\s*$`)
	reFirst      = regexp.MustCompile(`welche[rs]?\s+(fall\s+)?(zuerst|früher|eher)\s+eintr|was\s+(zuerst|früher|eher)\s+eintr|je\s+nachdem,?\s+(was|welches?)\s+(zuerst|früher|eher)|whichever\s+(comes|occurs|is|happens)\s+(first|earlier|sooner)|whichever\s+is\s+earlier|spätestens\s+(jedoch|aber)|at\s+the\s+latest|but\s+no\s+later\s+than`)
	reLast       = regexp.MustCompile(`welche[rs]?\s+(fall\s+)?(zuletzt|später)\s+eintr|was\s+(zuletzt|später)\s+eintr|whichever\s+(comes|occurs|is|happens)\s+(last|later)|whichever\s+is\s+later|frühestens\s+(jedoch|aber)|but\s+not\s+before`)
	reSplitAlt   = regexp.MustCompile(`\s+oder\s+|\s+or\s+|,?\s*spätestens\s+(jedoch|aber)\s+|,?\s*frühestens\s+(jedoch|aber)\s+|,?\s*but\s+no\s+later\s+than\s+|,?\s*but\s+not\s+before\s+|,?\s*at\s+the\s+latest\s+`)
	reImmediate  = regexp.MustCompile(`unverzüglich|sofort|unmittelbar|umgehend|so\s+schnell\s+wie\s+möglich|schnellstmöglich|immediately|without\s+undue\s+delay|as\s+soon\s+as\s+possible|promptly`)
	reUntil      = regexp.MustCompile(`\bbis\s+(zum|zur|zu)\b|\buntil\b|\bfür\s+die\s+dauer\b|\bdauer\s+(der|des)\b|\bfor\s+the\s+(duration|term)\s+of\b|\bsolange\s+(der|die|das)\s+\S+\s+(existiert|besteht|aktiv)|\bas\s+long\s+as\s+the\s+\S+\s+(exists|is\s+active)|über\s+den\s+gesamten\s+zeitraum|\bwhile\s+the\s+\S+\s+(exists|is\s+active)`)
	reVague      = regexp.MustCompile(`solange\s+(es\s+)?(dies\s+)?(erforderlich|notwendig|nötig|benötigt|zweckmäßig)|sobald\s+(der|die|das)\s+(zweck|grund)\s+(\S+\s+){0,6}(entfällt|entfallen|weggefallen|nicht\s+mehr)|zweckerfüllung|nach\s+zweckfortfall|as\s+long\s+as\s+(is\s+)?(necessary|needed|required)|no\s+longer\s+(needed|necessary|required)|when\s+the\s+purpose\s+(ceases|no\s+longer)|angemessene[rn]?\s+(zeitraum|frist)|reasonable\s+period`)
	reStatutory  = regexp.MustCompile(`gesetzlich\w*\s+(aufbewahrung|vorgabe|pflicht|frist|regelung|bestimmung|vorschrift)|aufbewahrungspflicht|aufbewahrungsfrist|§\s*\d+|\bao\b|\bhgb\b|statutory|legal\s+retention|required\s+by\s+law|retention\s+obligation`)
	reYearEnd    = regexp.MustCompile(`(schluss|ende|ablauf)\s+(des|eines)\s+(jeweiligen\s+)?(kalender|geschäfts)?jahres|jahresende|jahresschluss|end\s+of\s+the\s+(calendar\s+|financial\s+)?year|calendar\s+year[\s-]end|year[\s-]end`)
	reMonthEnd   = regexp.MustCompile(`(schluss|ende|ablauf)\s+des\s+(jeweiligen\s+)?(kalender)?monats|monatsende|end\s+of\s+the\s+(calendar\s+)?month|month[\s-]end`)
	reImplied    = regexp.MustCompile(`(^|\s)(nach|after|max\.?|maximal|höchstens|bis\s+zu|für|for|up\s+to|at\s+most|no\s+longer\s+than|für\s+einen\s+zeitraum\s+von|for\s+a\s+period\s+of|innerhalb\s+von|binnen|within)\s*$`)
	reKeptVerb   = regexp.MustCompile(`^\s*(lang\s+)?(gespeichert|aufbewahrt|vorgehalten|archiviert|stored|kept|retained)`)
	reNoContract = regexp.MustCompile(`kein(em|en)?\s+vertrag|nicht\s+zu\s+einem\s+vertrag|ohne\s+vertrags|no\s+contract|did\s+not\s+result\s+in\s+a\s+contract|not\s+lead\s+to\s+a\s+contract`)
	reAnonymise  = regexp.MustCompile(`anonymisier|anonymis|anonymiz`)
	reRestrict   = regexp.MustCompile(`gesperrt|sperrung|eingeschränkt|einschränkung\s+der\s+verarbeitung|restrict`)
	reSuppress   = regexp.MustCompile(`sperrliste|blacklist|blocklist|suppression\s+list|werbewiderspruchsliste`)
	reCitation   = regexp.MustCompile(`§\s*\d+[a-z]?(\s*(abs\.?|absatz)\s*\d+)?(\s*(satz|s\.)\s*\d+)?(\s*(nr\.?)\s*\d+)?\s*(ao|hgb|bgb|ustg|estg|sgb\s*[ivx]+|bdsg|gwg|tkg|tdddg|ttdsg|arbzg|bewachv)\b|art\.?\s*\d+\s*(abs\.?\s*\d+\s*)?(lit\.?\s*[a-z]\s*)?(dsgvo|gdpr)`)
	reInvoice    = regexp.MustCompile(`rechnung|beleg|buchung|zahlung|quittung|kassenbon|invoice|receipt|payment|accounting\s+record|booking\s+record`)
	reBooks      = regexp.MustCompile(`handelsbüch|geschäftsbüch|\bbücher\b|jahresabschl|inventar|eröffnungsbilanz|lagebericht|konzernabschl|\bbooks\b|annual\s+accounts|financial\s+statements`)
	reBank       = regexp.MustCompile(`\bbank|kreditinstitut|versicherung|versicherer|wertpapierinstitut|insurer|insurance|credit\s+institution`)
	reLetters    = regexp.MustCompile(`geschäftsbrief|handelsbrief|korrespondenz|business\s+letter|commercial\s+letter|correspondence`)
	reMarketing  = regexp.MustCompile(`werb|marketing|newsletter|kundengewinnung|kundenakquise|akquise|mailing|advertis|promotion|direktmarketing`)
	reNotInvoice = regexp.MustCompile(`(nicht|kein\w*|\bno|\bnot|without|ohne)\s+(\S+\s+){0,4}(rechnung|beleg|invoice|receipt)`)
	reClauseSep  = regexp.MustCompile(`[.;]\s+|;|\.\s*$|,\s+(?:und\s+)?|\s+und\s+|\s+and\s+`)
)

// eventWords maps phrases to start events, most specific first. They are
// matched against the normalised (lower-case) statement.
var eventWords = []struct {
	event Event
	re    *regexp.Regexp
}{
	{LastInvoice, regexp.MustCompile(`letzten?,?\s+(\S+\s+){0,6}rechnung|last\s+invoice|final\s+invoice`)},
	{RequestClosed, regexp.MustCompile(`abschluss\s+und\s+beantwortung|beantwortung\s+(der|des|ihrer)\s+(datenschutz)?(anfrage|antrag|auskunft)|erledigung\s+des\s+(antrags|ersuchens)|request\s+(is\s+|was\s+|has\s+been\s+)?(closed|answered|completed)|closing\s+the\s+request|answering\s+the\s+request`)},
	{InquiryClosed, regexp.MustCompile(`abschluss\s+der\s+anfrage|anfrage\s+abgeschlossen|erledigung\s+der\s+anfrage|beantwortung\s+der\s+anfrage|inquiry\s+(is\s+|was\s+|has\s+been\s+)?(closed|completed|answered)|closing\s+the\s+inquiry|end\s+of\s+the\s+inquiry`)},
	{ApplicationRejected, regexp.MustCompile(`absage|ablehnung\s+(der|des)\s+bewerb|abschluss\s+des\s+bewerbungsverfahrens|bewerbungsverfahren|rejection|application\s+(is\s+|was\s+)?rejected|end\s+of\s+the\s+application`)},
	{ContractEnd, regexp.MustCompile(`vertragsende|vertragsbeendigung|vertragsablauf|beendigung\s+des\s+vertrag|ende\s+des\s+vertrag|ablauf\s+des\s+vertrag|kündigung\s+des\s+vertrag|vertrag\s+beendet|contract\s+end|end\s+of\s+the\s+contract|termination\s+of\s+the\s+contract|contract\s+(ends|ended|termination|expiry)|expiry\s+of\s+the\s+contract`)},
	{MembershipEnd, regexp.MustCompile(`mitgliedschaft|austritt|membership`)},
	{RelationshipEnd, regexp.MustCompile(`geschäftsbeziehung|kundenbeziehung|vertragsbeziehung|business\s+relationship|customer\s+relationship`)},
	// A period of inactivity runs from the last activity: "bei Inaktivität
	// von zwei Jahren", "nach 18 Monaten ohne Anmeldung", "after one year
	// without use". Before the account and sign-up events, whose words
	// ("Konto", "Anmeldung") such phrases contain.
	{LastActivity, regexp.MustCompile(`letzte[nmr]?\s+(aktivität|anmeldung|login|log-?in|nutzung|benutzung|bestellung|kontakt|zugriff)|inaktivität|\binaktiv|(ohne|keine[nrs]?)\s+(\S+\s+){0,2}(anmeldung|login|log-?in|einloggen|nutzung|benutzung|aktivität|bestellung|kontakt|zugriff)|nicht\s+(mehr\s+)?(genutzt|benutzt|aktiv|angemeldet|eingeloggt)|last\s+(activity|login|log-?in|use|usage|order|contact|sign-?in|access)|inactivity|\binactive|without\s+(\S+\s+){0,2}(use|usage|login|log-?in|logging\s+in|activity|sign-?in|signing\s+in|orders?|contact|access)|\bno\s+(\S+\s+){0,2}(login|log-?in|activity|sign-?in)\b|not\s+(been\s+)?(used|active|logged\s+in)|\bunused|no\s+longer\s+used`)},
	{AccountClosed, regexp.MustCompile(`account|konto\s+(existiert|besteht|gelöscht|geschlossen)|kontolöschung|benutzerkonto|nutzerkonto|user\s+account`)},
	{ConsentWithdrawn, regexp.MustCompile(`widerruf|withdraw|revocation|revoke`)},
	{ObjectionReceived, regexp.MustCompile(`widerspruch|objection|object\s+to`)},
	{TreatmentEnd, regexp.MustCompile(`behandlung|treatment`)},
	{Appointment, regexp.MustCompile(`termin|appointment`)},
	{Decision, regexp.MustCompile(`entscheidung|bescheid|beschluss|decision|ruling`)},
	{Signup, regexp.MustCompile(`anmeldung|registrierung|sign-?up|registration|subscription`)},
	{DocumentDate, regexp.MustCompile(`beleg|rechnungsdatum|rechnungsstellung|ausstellung|entstehung\s+des|erstellung\s+der\s+rechnung|in\s+dem\s+(die|der|das)\s+\S+\s+(entstanden|ausgestellt|erstellt)|document\s+date|invoice\s+date|date\s+of\s+(the\s+)?(invoice|document)|issue\s+date`)},
	{Created, regexp.MustCompile(`erstelldatum|erstellung|anlage\s+des|anlegen|creation|created`)},
	{Collected, regexp.MustCompile(`erhebung|erfassung|eingang|zugang|speicherung|aufzeichnung|collection|collected|recording|receipt`)},
}

var units = map[string]string{
	"stunden": "H", "stunde": "H", "std": "H", "std.": "H", "hour": "H", "hours": "H",
	"tagen": "D", "tage": "D", "tag": "D", "day": "D", "days": "D",
	"wochen": "W", "woche": "W", "week": "W", "weeks": "W",
	"monaten": "M", "monate": "M", "monat": "M", "month": "M", "months": "M",
	"jahren": "Y", "jahre": "Y", "jahr": "Y", "year": "Y", "years": "Y",
}

// normalise lower-cases the statement, writes numbers as digits ("zehn
// Jahre" is "10 jahre") and unifies dashes and spaces.
func normalise(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	s = strings.NewReplacer("–", "-", "—", "-", "\u00a0", " ", "„", "\"", "“", "\"").Replace(s)
	s = reHalfYear.ReplaceAllString(s, "6 monate")
	s = reOne.ReplaceAllString(s, "1 $2")
	return reNumberWord.ReplaceAllStringFunc(s, func(w string) string { return numberWords[w] })
}

// periodMatch is one period found in the text.
type periodMatch struct {
	start, end int
	p          period.Period
}

func findPeriods(s string) []periodMatch {
	var out []periodMatch
	for _, m := range rePeriod.FindAllStringSubmatchIndex(s, -1) {
		n, err := strconv.Atoi(s[m[2]:m[3]])
		if err != nil || n > 1000 {
			continue
		}
		var p period.Period
		switch units[s[m[4]:m[5]]] {
		case "H":
			p.Hours = n
		case "D":
			p.Days = n
		case "W":
			p.Weeks = n
		case "M":
			p.Months = n
		case "Y":
			p.Years = n
		}
		out = append(out, periodMatch{m[0], m[1], p})
	}
	for _, m := range reISO.FindAllStringIndex(s, -1) {
		if p, err := period.Parse(s[m[0]:m[1]]); err == nil {
			out = append(out, periodMatch{m[0], m[1], p})
		}
	}
	return out
}

func add(a, b period.Period) period.Period {
	return period.Period{Years: a.Years + b.Years, Months: a.Months + b.Months, Weeks: a.Weeks + b.Weeks, Days: a.Days + b.Days, Hours: a.Hours + b.Hours}
}

// Parse turns a retention statement into rules with warnings. It never
// guesses silently: what it infers (an implied start) is reported.
//
// Results are memoised by the statement and the kind of its topic (see
// topicKind): registers repeat a few statements for thousands of
// activities, and a statement costs some 60 regular expressions. The
// Result's slices are the caller's; the rules' branches and periods are
// shared and must not be changed.
func Parse(text string, ctx Context) Result {
	key := memoKey{text, kindOf(ctx.Topic)}
	if r, ok := parsed.get(key); ok {
		return r.copy()
	}
	r := parse(text, key.topic)
	parsed.put(key, r)
	return r.copy()
}

func parse(text string, topic topicKind) Result {
	res := Result{Text: text, Rules: []Rule{}, Warnings: []Warning{}}
	s := normalise(text)
	statutory := reStatutory.MatchString(s)
	conf := 1.0

	combine := Combinator("")
	switch {
	case reFirst.MatchString(s):
		combine = First
	case reLast.MatchString(s):
		combine = Last
	}

	if combine != "" {
		parts := reSplitAlt.Split(s, -1)
		var branches []Rule
		for _, p := range parts {
			if len(findPeriods(p)) == 0 && !reImmediate.MatchString(p) {
				continue
			}
			r, ws, c := parseLeaf(p)
			res.Warnings = append(res.Warnings, ws...)
			conf = min(conf, c)
			branches = append(branches, r)
		}
		if len(branches) >= 2 {
			// "zehn Jahre oder zwei Jahre nach Vertragsbeendigung": a branch
			// that names no event reads, as German grammar has it, with the
			// event of the other branch; then the shorter one always wins,
			// which the user should know.
			var shared Event
			for _, b := range branches {
				if b.Event != "" {
					if shared == "" {
						shared = b.Event
					} else if shared != b.Event {
						shared = "-"
					}
				}
			}
			if shared != "" && shared != "-" {
				same := true
				for i := range branches {
					if branches[i].Event == "" {
						branches[i].Event = shared
						res.Warnings = dropWarning(res.Warnings, WNoStartEvent, WImpliedStart)
					}
					same = same && branches[i].Anchor == branches[0].Anchor
				}
				if same {
					res.Warnings = append(res.Warnings, warn(WShorterBranchWins, string(combine), branches[0].String(), branches[1].String()))
					conf = 0.6
				}
			}
			rule := Rule{Combine: combine, Branches: branches, LegalRef: citation(s)}
			res.Rules = append(res.Rules, rule)
			res.Warnings = append(res.Warnings, lawWarnings(s, topic, statutory, rule)...)
			res.Confidence = conf
			return finish(res)
		}
	}

	periods := findPeriods(s)
	switch {
	case len(periods) == 0:
		r, ws, c := parseLeaf(s)
		res.Warnings = append(res.Warnings, ws...)
		if c > 0 {
			res.Rules = append(res.Rules, r)
		}
		res.Confidence = c
	case len(periods) == 1 || additive(s, periods):
		r, ws, c := parseLeaf(s)
		res.Warnings = append(res.Warnings, ws...)
		res.Rules = append(res.Rules, r)
		res.Confidence = c
	default:
		// Several periods that are neither alternatives nor a sum: several
		// rules in one statement. Parse each clause on its own.
		res.Warnings = append(res.Warnings, warn(WMultipleRules, strconv.Itoa(len(periods))))
		conf = 0.6
		for _, clause := range splitClauses(s) {
			if len(findPeriods(clause)) == 0 {
				continue
			}
			r, ws, c := parseLeaf(clause)
			res.Warnings = append(res.Warnings, ws...)
			res.Warnings = append(res.Warnings, lawWarnings(clause, topic, reStatutory.MatchString(clause), r)...)
			res.Rules = append(res.Rules, r)
			conf = min(conf, c)
		}
		res.Confidence = conf
		return finish(res)
	}
	for _, r := range res.Rules {
		res.Warnings = append(res.Warnings, lawWarnings(s, topic, statutory, r)...)
	}
	return finish(res)
}

// additive reports whether the periods are joined by "+", "zzgl." and the
// like ("Dauer der Geschäftsbeziehung + 1 Monat" has one period; "10 Jahre
// zzgl. 6 Monate" has a sum).
func additive(s string, ps []periodMatch) bool {
	for i := 1; i < len(ps); i++ {
		if !rePlus.MatchString(s[ps[i-1].end:ps[i].start]) {
			return false
		}
	}
	return true
}

// splitClauses cuts a statement with several rules at sentence and list
// boundaries, keeping a clause's subject with its period.
func splitClauses(s string) []string {
	var out []string
	for _, c := range reClauseSep.Split(s, -1) {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// parseLeaf reads one rule from a clause. The confidence is 0 when the
// clause yields no rule.
func parseLeaf(s string) (Rule, []Warning, float64) {
	var ws []Warning
	r := Rule{Action: action(s), LegalRef: citation(s)}
	if reNoContract.MatchString(s) {
		r.Condition = "no_contract"
	}
	ps := findPeriods(s)
	conf := 1.0
	ev := findEvent(s)
	switch {
	case len(ps) > 0:
		p := ps[0].p
		for i := 1; i < len(ps); i++ {
			p = add(p, ps[i].p)
		}
		r.Period = &p
	case reImmediate.MatchString(s) || reUntil.MatchString(s) && ev != "":
		p := period.Period{}
		r.Period = &p
	case reVague.MatchString(s):
		return r, []Warning{warn(WVague, strings.TrimSpace(s))}, 0
	case reStatutory.MatchString(s):
		return r, []Warning{warn(WStatutoryUnstated)}, 0
	default:
		return r, []Warning{warn(WUnbounded)}, 0
	}
	switch {
	case reYearEnd.MatchString(s):
		r.Anchor = AnchorYearEnd
	case reMonthEnd.MatchString(s):
		r.Anchor = AnchorMonthEnd
	}
	r.Event = ev
	if r.Event == "" {
		switch {
		case r.Anchor == AnchorYearEnd:
			// § 147(4) AO: the year in which the document arose.
			r.Event = DocumentDate
			ws = append(ws, warn(WImpliedStart, string(DocumentDate)))
			conf = 0.8
		case len(ps) > 0 && (reImplied.MatchString(s[:ps[0].start]) || reKeptVerb.MatchString(s[ps[len(ps)-1].end:])):
			// "nach 30 Tagen", "max. sieben Tage", "7 Tage gespeichert": a
			// storage duration runs from storing.
			r.Event = Collected
			ws = append(ws, warn(WImpliedStart, string(Collected)))
			conf = 0.8
		default:
			ws = append(ws, warn(WNoStartEvent))
			conf = 0.5
		}
	}
	if reVague.MatchString(s) {
		ws = append(ws, warn(WVague, strings.TrimSpace(s)))
		conf = min(conf, 0.5)
	}
	return r, ws, conf
}

func findEvent(s string) Event {
	for _, e := range eventWords {
		if e.re.MatchString(s) {
			return e.event
		}
	}
	return ""
}

func action(s string) Action {
	switch {
	case reSuppress.MatchString(s):
		return Suppress
	case reAnonymise.MatchString(s):
		return Anonymise
	case reRestrict.MatchString(s):
		return RestrictThenDelete
	}
	return Delete
}

func citation(s string) string {
	var cs []string
	for _, c := range reCitation.FindAllString(s, -1) {
		cs = append(cs, strings.ToUpper(c[:1])+c[1:])
	}
	return strings.Join(cs, ", ")
}

// lawWarnings knows the statutory periods that retention statements most
// often get wrong.
func lawWarnings(s string, topic topicKind, statutory bool, r Rule) []Warning {
	var ws []Warning
	// "Anfragen, die nicht zu einer Rechnung geführt haben" are no invoices.
	invoiceText := reInvoice.MatchString(s) && !reNotInvoice.MatchString(s)
	invoice := invoiceText || statutory && topic&topicInvoice != 0
	books := reBooks.MatchString(s) || topic&topicBooks != 0
	bank := reBank.MatchString(s) || topic&topicBank != 0
	for _, l := range r.Leaves() {
		if l.Period == nil {
			continue
		}
		p := *l.Period
		years := float64(p.Years) + float64(p.Months)/12 + float64(p.Weeks*7+p.Days)/365
		if invoice && !books && !bank && p == (period.Period{Years: 10}) {
			ws = append(ws, warn(WOutdatedLaw))
		}
		if invoiceText && !books && years > 0 && years < 8 {
			ws = append(ws, warn(WBelowMinimum, p.String(), "P8Y"))
		}
		if books && years > 0 && years < 10 {
			ws = append(ws, warn(WBelowMinimum, p.String(), "P10Y"))
		}
		if reLetters.MatchString(s) && years > 0 && years < 6 {
			ws = append(ws, warn(WBelowMinimum, p.String(), "P6Y"))
		}
		if statutory && (invoice || books) && l.Anchor != AnchorYearEnd && l.Event != "" {
			ws = append(ws, warn(WStatutoryYearStart))
		}
	}
	if statutory && !invoiceText && !books && (topic&topicMarketing != 0 || reMarketing.MatchString(s)) {
		ws = append(ws, warn(WNoStatutoryDuty))
	}
	return ws
}

func dropWarning(ws []Warning, codes ...string) []Warning {
	out := ws[:0]
	for _, w := range ws {
		keep := true
		for _, c := range codes {
			keep = keep && w.Code != c
		}
		if keep {
			out = append(out, w)
		}
	}
	return out
}

// finish removes duplicate warnings, keeping the first of each code.
func finish(r Result) Result {
	seen := map[string]bool{}
	out := []Warning{}
	for _, w := range r.Warnings {
		key := w.Code + strings.Join(w.Args, "\x00")
		if !seen[key] {
			seen[key] = true
			out = append(out, w)
		}
	}
	r.Warnings = out
	return r
}
