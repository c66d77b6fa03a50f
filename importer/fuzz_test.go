package importer

import (
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"
)

// FuzzParse feeds every import shape. Whatever the input: no panic, a
// result that validates, and a result whose native YAML form parses back
// to the same register (so nothing the importer accepts is unexportable).
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.txt"))
	demo, _ := filepath.Glob(filepath.Join("..", "demo", "*.txt"))
	files = append(files, demo...)
	for _, fn := range files {
		if b, err := os.ReadFile(fn); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(csvSemicolon))
	f.Add([]byte("activities:\n  - id: a\n    name: A\n    recipients: none\n"))
	f.Add([]byte(`{"toms":[{"id":"x","title":"X","category":"encryption","review_interval":"P1Y"}]}`))
	f.Add([]byte("Zutrittskontrolle\n• Alarmanlage\nZugangskontrolle: Passwörter\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Parse("fuzz", data)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if err := res.Register.Validate(); err != nil {
			t.Fatalf("accepted an invalid register: %v", err)
		}
		out, err := yaml.Marshal(res.Register)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse("roundtrip.yaml", out)
		if err != nil {
			t.Fatalf("native form does not parse back: %v\n%s", err, out)
		}
		again, err := yaml.Marshal(back.Register)
		if err != nil {
			t.Fatal(err)
		}
		if string(again) != string(out) {
			t.Fatalf("round trip differs:\n%s\n---\n%s", out, again)
		}
	})
}

func FuzzSplitList(f *testing.F) {
	f.Add(`<ul style="list-style-type: none"> • Kunden • Websitebesucher `)
	f.Add("a;b\n- c")
	f.Fuzz(func(t *testing.T, s string) {
		for _, it := range SplitList(s) {
			if it == "" {
				t.Fatal("empty item")
			}
		}
	})
}

func FuzzParseContact(f *testing.F) {
	f.Add("Thomas H. Grimm 02951-9336991 info@allegro-it.de")
	f.Fuzz(func(t *testing.T, s string) { ParseContact(s) })
}
