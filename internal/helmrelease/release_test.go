package helmrelease

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The SDK's helm/v3 source, read from the module cache (go.mod's pulumi-kubernetes version), is
// what this package stands in for: every property it sends must be one the SDK's releaseArgs
// declares, with the same Go type, and the SDK must register the same token with compat "true".
// An upgrade of pulumi-kubernetes that renames or retypes one fails here.
func TestPropertiesAreTheSDKs(t *testing.T) {
	dir := sdkHelmDir(t)
	files := parseDir(t, dir)
	sdkArgs := structTags(t, files, "releaseArgs")
	repoOpts := structTags(t, files, "RepositoryOpts")

	plain := reflect.TypeFor[releaseProperties]()
	inputs := reflect.TypeFor[releaseInputs]()
	if plain.NumField() != inputs.NumField() {
		t.Fatalf("releaseInputs has %d fields, releaseProperties %d", inputs.NumField(), plain.NumField())
	}
	for i := range plain.NumField() {
		f := plain.Field(i)
		if inputs.Field(i).Name != f.Name {
			t.Errorf("field %d: releaseInputs.%s, releaseProperties.%s: the marshaller maps them by name", i, inputs.Field(i).Name, f.Name)
		}
		tag := f.Tag.Get("pulumi")
		sdkType, ok := sdkArgs[tag]
		if !ok {
			t.Errorf("property %q is not one of the SDK's releaseArgs: %v", tag, slices.Sorted(maps.Keys(sdkArgs)))
			continue
		}
		want := sdkType
		switch tag {
		case "repositoryOpts":
			// Sent as an object of strings: it must be the SDK's RepositoryOpts, and repo one of its
			// string fields.
			if sdkType != "*RepositoryOpts" {
				t.Errorf("SDK's repositoryOpts is %s, want *RepositoryOpts", sdkType)
			}
			if repoOpts["repo"] != "*string" {
				t.Errorf("SDK's RepositoryOpts.repo is %q, want *string", repoOpts["repo"])
			}
			continue
		case "chart":
		default:
			want = strings.TrimPrefix(sdkType, "*")
		}
		got := strings.TrimPrefix(strings.ReplaceAll(f.Type.String(), "interface {}", "any"), "*")
		if got != strings.ReplaceAll(want, "interface{}", "any") {
			t.Errorf("property %q: we send %s, the SDK declares %s", tag, f.Type, sdkType)
		}
	}

	release := readFile(t, filepath.Join(dir, "release.go"))
	for _, line := range []string{
		`ctx.RegisterResource("` + Type + `", name, args, &resource, opts...)`,
		`args.Compat = pulumi.StringPtr("true")`,
		`opts = utilities.PkgResourceDefaultOpts(opts)`,
	} {
		if !strings.Contains(release, line) {
			t.Errorf("the SDK's NewRelease no longer has %q: revisit this package", line)
		}
	}
}

type recorded struct {
	token   string
	inputs  resource.PropertyMap
	version string
}

type mocks struct {
	mu  sync.Mutex
	got []recorded
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.got = append(m.got, recorded{token: args.TypeToken, inputs: args.Inputs, version: args.RegisterRPC.GetVersion()})
	return args.Name + "-id", args.Inputs, nil
}

func (*mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) { return args.Args, nil }

func TestNewSendsTheSetInputs(t *testing.T) {
	m := &mocks{}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := New(ctx, "ca", Args{
			Name: "cluster-autoscaler", Chart: "cluster-autoscaler", Version: "9.59.0",
			Repository: "https://kubernetes.github.io/autoscaler", Namespace: pulumi.String("kube-system"),
			Values:         pulumi.Map{"image": pulumi.Map{"tag": pulumi.String("v1.35.0")}},
			TimeoutSeconds: 600,
		})
		return err
	}, pulumi.WithMocks("p", "s", m))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.got) != 1 {
		t.Fatalf("registered %d resources, want 1", len(m.got))
	}
	r := m.got[0]
	if r.token != Type {
		t.Errorf("token %q, want %q", r.token, Type)
	}
	want := resource.NewPropertyMapFromMap(map[string]any{
		"chart": "cluster-autoscaler", "compat": "true", "name": "cluster-autoscaler", "namespace": "kube-system",
		"repositoryOpts": map[string]any{"repo": "https://kubernetes.github.io/autoscaler"},
		"timeout":        600, "version": "9.59.0",
		"values": map[string]any{"image": map[string]any{"tag": "v1.35.0"}},
	})
	if !r.inputs.DeepEquals(want) {
		t.Errorf("inputs\n got %v\nwant %v", r.inputs, want)
	}
	if r.version != sdkVersion(t) {
		t.Errorf("package version %q, want go.mod's pulumi-kubernetes %q", r.version, sdkVersion(t))
	}
}

func TestNewRefusesMissingInputs(t *testing.T) {
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := New(ctx, "x", Args{Name: "x", Chart: "x", Version: "1"})
		return err
	}, pulumi.WithMocks("p", "s", &mocks{}))
	if err == nil || !strings.Contains(err.Error(), "repository and namespace are required") {
		t.Errorf("got %v, want the required inputs named", err)
	}
}

func goList(t *testing.T, format string) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", format, "github.com/pulumi/pulumi-kubernetes/sdk/v4").Output()
	if err != nil {
		t.Fatalf("go list -m pulumi-kubernetes: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func sdkHelmDir(t *testing.T) string {
	return filepath.Join(goList(t, "{{.Dir}}"), "go", "kubernetes", "helm", "v3")
}

func sdkVersion(t *testing.T) string { return strings.TrimPrefix(goList(t, "{{.Version}}"), "v") }

func parseDir(t *testing.T, dir string) []*ast.File {
	t.Helper()
	var files []*ast.File
	for _, name := range []string{"release.go", "pulumiTypes.go"} {
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

// structTags maps each pulumi tag of the named struct to its field's type as written.
func structTags(t *testing.T, files []*ast.File, name string) map[string]string {
	t.Helper()
	for _, f := range files {
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
				tags := map[string]string{}
				for _, field := range ts.Type.(*ast.StructType).Fields.List {
					if field.Tag == nil {
						continue
					}
					tag := reflect.StructTag(strings.Trim(field.Tag.Value, "`")).Get("pulumi")
					tags[tag] = exprString(field.Type)
				}
				return tags
			}
		}
	}
	t.Fatalf("struct %s not found in the SDK's helm/v3", name)
	return nil
}

func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.StarExpr:
		return "*" + exprString(e.X)
	case *ast.MapType:
		return "map[" + exprString(e.Key) + "]" + exprString(e.Value)
	case *ast.ArrayType:
		return "[]" + exprString(e.Elt)
	case *ast.InterfaceType:
		return "interface{}"
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	}
	return "?"
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
