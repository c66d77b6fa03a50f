package gdpr_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUserFacingErrorsAreKeyed: the packages whose errors reach a user
// (pages, API answers, the command line) make them with gdpr.Keyed, so
// that every message comes from the catalogue in the user's language.
// gdpr.Errorf and gdpr.FieldErrorf write English text and are left to
// the domain packages' internal use.
func TestUserFacingErrorsAreKeyed(t *testing.T) {
	for _, dir := range []string{"api", "app", "auth", "cli", "httpx", "server", "session", "store", "web", "importer", "export"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			fs := token.NewFileSet()
			file, err := parser.ParseFile(fs, f, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "gdpr" && (sel.Sel.Name == "Errorf" || sel.Sel.Name == "FieldErrorf") {
					t.Errorf("%s: gdpr.%s: use gdpr.Keyed with a catalogue key", fs.Position(call.Pos()), sel.Sel.Name)
				}
				return true
			})
		}
	}
}
