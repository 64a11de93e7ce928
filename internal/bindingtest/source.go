// Package bindingtest is what the tests of this project's own bindings (internal/helmrelease,
// internal/kubeobject, eks/controlplane) share: it reads the SDK they stand in for from the module
// cache, and records what a binding registers under Pulumi's mocks. The tests pin each binding
// against the SDK function it stands in for: the same type token, the same property names and
// plain Go types, the same options. The version read is go.mod's, so an upgrade of the SDK that
// renames, retypes or re-registers anything fails those tests until the binding is revisited.
package bindingtest

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Module is one module of go.mod's requirements, as the module cache holds it.
type Module struct {
	Path string
	// Dir is its source in the module cache.
	Dir string
	// Version is go.mod's version without the leading v ("4.32.0").
	Version string
}

// Required returns go.mod's requirement on the module at path, from the module cache. A module
// that nothing compiles (pulumi-eks's SDK, which eks/controlplane/sdk.go keeps in go.mod only) is
// not in the cache of a fresh machine or CI runner: it is downloaded then, at go.mod's version and
// checked against go.sum, as the Go language host does before `pulumi up`.
func Required(t testing.TB, path string) Module {
	t.Helper()
	var m struct{ Path, Version, Dir string }
	for _, args := range [][]string{{"list", "-m", "-json", path}, {"mod", "download", "-json", path}} {
		out, err := exec.Command("go", args...).Output()
		if err != nil {
			t.Fatalf("go %s: %v", strings.Join(args, " "), errorText(err))
		}
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("go %s: %v", strings.Join(args, " "), err)
		}
		if m.Dir != "" {
			break
		}
	}
	if m.Dir == "" || m.Version == "" {
		t.Fatalf("%s: not in go.mod, or not downloadable", path)
	}
	return Module{Path: path, Dir: m.Dir, Version: strings.TrimPrefix(m.Version, "v")}
}

// errorText adds a failed command's standard error to its error.
func errorText(err error) string {
	if exit, ok := err.(*exec.ExitError); ok && len(exit.Stderr) > 0 {
		return err.Error() + ": " + strings.TrimSpace(string(exit.Stderr))
	}
	return err.Error()
}

// Package is the parsed source of some files of one SDK package.
type Package struct {
	Dir   string
	files map[string]*ast.File
	fset  *token.FileSet
}

// Parse parses the named files of the package in dir, below the module (e.g. "go/eks").
func (m Module) Parse(t testing.TB, dir string, names ...string) Package {
	t.Helper()
	p := Package{Dir: filepath.Join(m.Dir, dir), files: map[string]*ast.File{}, fset: token.NewFileSet()}
	for _, name := range names {
		f, err := parser.ParseFile(p.fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parsing the SDK's %s: %v", name, err)
		}
		p.files[name] = f
	}
	return p
}

// Text is the whole text of one of the parsed files.
func (p Package) Text(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(p.Dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Func is the source text of the named function's body, as gofmt prints it.
func (p Package) Func(t testing.TB, name string) string {
	t.Helper()
	for _, f := range p.files {
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == name {
				var b strings.Builder
				if err := printer.Fprint(&b, p.fset, fn.Body); err != nil {
					t.Fatal(err)
				}
				return b.String()
			}
		}
	}
	t.Fatalf("func %s not found in the SDK's %s", name, p.Dir)
	return ""
}

// Tags maps each pulumi tag of the named struct to its field's type as written ("*string",
// "map[string]AccessEntry", "eks.ClusterOutput").
func (p Package) Tags(t testing.TB, name string) map[string]string {
	t.Helper()
	for _, f := range p.files {
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, spec := range gen.Specs {
				ts, ok := spec.(*ast.TypeSpec)
				if !ok || ts.Name.Name != name {
					continue
				}
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					t.Fatalf("the SDK's %s is not a struct", name)
				}
				tags := map[string]string{}
				for _, field := range st.Fields.List {
					if field.Tag == nil {
						continue
					}
					tag := reflect.StructTag(strings.Trim(field.Tag.Value, "`")).Get("pulumi")
					tags[strings.Split(tag, ",")[0]] = typeString(field.Type)
				}
				return tags
			}
		}
	}
	t.Fatalf("struct %s not found in the SDK's %s", name, p.Dir)
	return nil
}

// CheckFields fails the test for each pulumi-tagged field of plain (a binding's plain property
// struct) whose tag is not one of sdk's (from Tags) or whose Go type differs from the SDK's, an
// optional field's pointer aside. want names, for some tags, the SDK type to expect instead: where
// the binding sends an object (map[string]any) for one of the SDK's structs, say.
func CheckFields(t testing.TB, plain reflect.Type, sdk map[string]string, want map[string]string) {
	t.Helper()
	for i := range plain.NumField() {
		f := plain.Field(i)
		tag := strings.Split(f.Tag.Get("pulumi"), ",")[0]
		if tag == "" {
			continue
		}
		sdkType, ok := sdk[tag]
		if !ok {
			t.Errorf("property %q (%s.%s) is not one the SDK declares", tag, plain.Name(), f.Name)
			continue
		}
		if w, ok := want[tag]; ok {
			if sdkType != w {
				t.Errorf("property %q: the SDK declares %s, this binding expects %s", tag, sdkType, w)
			}
			continue
		}
		got := strings.TrimPrefix(strings.ReplaceAll(f.Type.String(), "interface {}", "any"), "*")
		if got != strings.TrimPrefix(strings.ReplaceAll(sdkType, "interface{}", "any"), "*") {
			t.Errorf("property %q: the binding sends %s, the SDK declares %s", tag, f.Type, sdkType)
		}
	}
}

// Keys fails the test for each key of an object the binding sent (a mock's recorded inputs) that
// is not one of sdk's tags: for properties sent as maps, where CheckFields sees no struct.
func Keys(t testing.TB, what string, sent map[string]any, sdk map[string]string) {
	t.Helper()
	for key := range sent {
		if _, ok := sdk[key]; !ok {
			t.Errorf("%s sends %q, which the SDK does not declare", what, key)
		}
	}
}

func typeString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.StarExpr:
		return "*" + typeString(e.X)
	case *ast.MapType:
		return "map[" + typeString(e.Key) + "]" + typeString(e.Value)
	case *ast.ArrayType:
		return "[]" + typeString(e.Elt)
	case *ast.InterfaceType:
		return "interface{}"
	case *ast.SelectorExpr:
		return typeString(e.X) + "." + e.Sel.Name
	}
	return "?"
}

// SameFields fails the test unless a binding's input struct and its plain shape (what its
// ElementType returns) have the same field names in the same order: the Pulumi SDK's marshaller
// maps one to the other by name.
func SameFields(t testing.TB, inputs, plain reflect.Type) {
	t.Helper()
	if inputs.NumField() != plain.NumField() {
		t.Fatalf("%s has %d fields, %s %d", inputs, inputs.NumField(), plain, plain.NumField())
	}
	for i := range plain.NumField() {
		if inputs.Field(i).Name != plain.Field(i).Name {
			t.Errorf("field %d: %s.%s, %s.%s", i, inputs.Name(), inputs.Field(i).Name, plain.Name(), plain.Field(i).Name)
		}
	}
}
