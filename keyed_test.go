package gdpr_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gdpr/locale"
)

// TestUserFacingErrorsAreKeyed: the packages whose errors reach a user
// (pages, API answers, the command line) make them with gdpr.Keyed, so
// that every message comes from the catalogue in the user's language.
// gdpr.Errorf and gdpr.FieldErrorf write English text and are left to
// the domain packages' internal use.
func TestUserFacingErrorsAreKeyed(t *testing.T) {
	for _, dir := range []string{"api", "app", "auth", "cli", "httpx", "server", "session", "store", "web", "importer", "export"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		var code []string
		for _, f := range files {
			if !strings.HasSuffix(f, "_test.go") {
				code = append(code, f)
			}
		}
		eachCall(t, code, func(fs *token.FileSet, call *ast.CallExpr) {
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return
			}
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "gdpr" && (sel.Sel.Name == "Errorf" || sel.Sel.Name == "FieldErrorf") {
				t.Errorf("%s: gdpr.%s: use gdpr.Keyed with a catalogue key", fs.Position(call.Pos()), sel.Sel.Name)
			}
		})
	}
}

// eachCall parses the files and hands every call in them to fn.
func eachCall(t *testing.T, files []string, fn func(*token.FileSet, *ast.CallExpr)) {
	t.Helper()
	for _, f := range files {
		fs := token.NewFileSet()
		file, err := parser.ParseFile(fs, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				fn(fs, call)
			}
			return true
		})
	}
}

// TestKeysInCatalogue: every message key the code names literally —
// gdpr.Keyed's third argument, locale.T's and locale.N's second — is in
// the catalogue (a missing "error.required" showed the raw key on the
// pages for two issues).
func TestKeysInCatalogue(t *testing.T) {
	var files []string
	filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") && !strings.HasPrefix(p, "third_party") {
			files = append(files, p)
		}
		return nil
	})
	checked := 0
	eachCall(t, files, func(fs *token.FileSet, call *ast.CallExpr) {
		// The store's notFound(kind, id) names "notfound.<kind>".
		if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "notFound" && len(call.Args) == 2 {
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				kind, _ := strconv.Unquote(lit.Value)
				checked++
				if !locale.Has("notfound." + kind) {
					t.Errorf("%s: key %q is not in the catalogue", fs.Position(lit.Pos()), "notfound."+kind)
				}
			}
			return
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return
		}
		pkg, _ := sel.X.(*ast.Ident)
		arg := -1
		plural := false
		switch {
		case pkg != nil && pkg.Name == "gdpr" && sel.Sel.Name == "Keyed":
			arg = 2
		case pkg != nil && pkg.Name == "locale" && sel.Sel.Name == "T":
			arg = 1
		case pkg != nil && pkg.Name == "locale" && sel.Sel.Name == "N":
			arg, plural = 1, true
		}
		if arg < 0 || len(call.Args) <= arg {
			return
		}
		lit, ok := call.Args[arg].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return
		}
		key, err := strconv.Unquote(lit.Value)
		if err != nil {
			return
		}
		checked++
		if plural && (!locale.Has(key+".one") || !locale.Has(key+".other")) || !plural && !locale.Has(key) {
			t.Errorf("%s: key %q is not in the catalogue", fs.Position(lit.Pos()), key)
		}
	})
	if checked < 500 {
		t.Errorf("only %d keys checked: the walk missed the code", checked)
	}
}
