// Package demo embeds the register of the seed company allegro:it (its
// Verzeichnis, seed 000, a TOM document, seed 002, and the map of its shop
// database, systems.yaml) so that a newcomer
// sees a real register at once: `gdpr serve --demo`.
package demo

import (
	"embed"
	"fmt"

	"gdpr/importer"
	"gdpr/register"
)

//go:embed seed000-allegro.txt seed002-toms.txt systems.yaml
var files embed.FS

// Files are the demo documents in import order.
var Files = []string{"seed000-allegro.txt", "seed002-toms.txt", "systems.yaml"}

// Register parses the demo documents into one register.
func Register() (*register.Register, error) {
	var results []*importer.Result
	for _, name := range Files {
		b, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		res, err := importer.Parse(name, b)
		if err != nil {
			return nil, fmt.Errorf("demo data: %w", err)
		}
		results = append(results, res)
	}
	return importer.Merge(results)
}
