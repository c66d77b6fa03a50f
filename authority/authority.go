// Package authority names the data-protection supervisory authority of
// each German Land for non-public bodies: where a data subject may lodge
// a complaint (Art. 77 GDPR), as an answer under Art. 15(1)(f) names it.
package authority

import "gdpr/holiday"

// Authority is a supervisory authority.
type Authority struct {
	Name string
	Web  string
}

var byState = map[holiday.State]Authority{
	"BW": {"Der Landesbeauftragte für den Datenschutz und die Informationsfreiheit Baden-Württemberg", "https://www.baden-wuerttemberg.datenschutz.de"},
	"BY": {"Bayerisches Landesamt für Datenschutzaufsicht", "https://www.lda.bayern.de"},
	"BE": {"Berliner Beauftragte für Datenschutz und Informationsfreiheit", "https://www.datenschutz-berlin.de"},
	"BB": {"Die Landesbeauftragte für den Datenschutz und für das Recht auf Akteneinsicht Brandenburg", "https://www.lda.brandenburg.de"},
	"HB": {"Die Landesbeauftragte für Datenschutz und Informationsfreiheit der Freien Hansestadt Bremen", "https://www.datenschutz.bremen.de"},
	"HH": {"Der Hamburgische Beauftragte für Datenschutz und Informationsfreiheit", "https://datenschutz-hamburg.de"},
	"HE": {"Der Hessische Beauftragte für Datenschutz und Informationsfreiheit", "https://datenschutz.hessen.de"},
	"MV": {"Der Landesbeauftragte für Datenschutz und Informationsfreiheit Mecklenburg-Vorpommern", "https://www.datenschutz-mv.de"},
	"NI": {"Die Landesbeauftragte für den Datenschutz Niedersachsen", "https://www.lfd.niedersachsen.de"},
	"NW": {"Landesbeauftragte für Datenschutz und Informationsfreiheit Nordrhein-Westfalen", "https://www.ldi.nrw.de"},
	"RP": {"Der Landesbeauftragte für den Datenschutz und die Informationsfreiheit Rheinland-Pfalz", "https://www.datenschutz.rlp.de"},
	"SL": {"Unabhängiges Datenschutzzentrum Saarland", "https://www.datenschutz.saarland.de"},
	"SN": {"Die Sächsische Datenschutz- und Transparenzbeauftragte", "https://www.datenschutz.sachsen.de"},
	"ST": {"Der Landesbeauftragte für den Datenschutz Sachsen-Anhalt", "https://datenschutz.sachsen-anhalt.de"},
	"SH": {"Unabhängiges Landeszentrum für Datenschutz Schleswig-Holstein", "https://www.datenschutzzentrum.de"},
	"TH": {"Thüringer Landesbeauftragter für den Datenschutz und die Informationsfreiheit", "https://www.tlfdi.de"},
}

// Of is the authority of a Land, ok false for an unknown one.
func Of(s holiday.State) (Authority, bool) {
	a, ok := byState[s]
	return a, ok
}
