package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An action graph in the go command's format: a cached compile (no Cmd), two compiles and a link
// that ran, a test run and a vet.
const graph = `[
 {"ID":0,"Mode":"build","Package":"github.com/pulumi/pulumi/sdk/v3/go/pulumi","TimeStart":"2026-12-01T10:00:00Z","TimeDone":"2026-12-01T10:00:00.1Z"},
 {"ID":1,"Mode":"build","Package":"github.com/mission-link/infra/internal/iampolicy","TimeStart":"2026-12-01T10:00:00Z","TimeDone":"2026-12-01T10:00:01Z","Cmd":["compile"],"CmdReal":900000000,"CmdUser":1000000000},
 {"ID":2,"Mode":"build","Package":"github.com/mission-link/infra/eks","TimeStart":"2026-12-01T10:00:01Z","TimeDone":"2026-12-01T10:00:08Z","Cmd":["compile"],"CmdReal":7000000000,"CmdUser":8000000000},
 {"ID":3,"Mode":"link","Package":"github.com/mission-link/infra/eks.test","TimeStart":"2026-12-01T10:00:08Z","TimeDone":"2026-12-01T10:00:13Z","Cmd":["link"],"CmdReal":5000000000,"CmdUser":4500000000},
 {"ID":4,"Mode":"test run","Package":"github.com/mission-link/infra/eks","TimeStart":"2026-12-01T10:00:13Z","TimeDone":"2026-12-01T10:00:14.5Z"},
 {"ID":5,"Mode":"vet","Package":"github.com/mission-link/infra/eks","TimeStart":"2026-12-01T10:00:08Z","TimeDone":"2026-12-01T10:00:08.3Z"}
]`

func TestSummary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ag.json")
	if err := os.WriteFile(path, []byte(graph), 0o600); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := run(path, 1, "", &out); err != nil {
		t.Fatal(err)
	}
	want := `  wall 14.5s; tools' CPU 13.5s
  compiles      2, 7.9s
       7.0s  eks
  links         1, 5.0s
       5.0s  eks.test
  test runs     1, 1.5s
       1.5s  eks
  vet runs      1, 0.3s
`
	if out.String() != want {
		t.Errorf("summary:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestNotAnActionGraph(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ag.json")
	if err := os.WriteFile(path, []byte(`{"Mode": "build"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(path, 1, "", &strings.Builder{}); err == nil || !strings.Contains(err.Error(), "reading action graph") {
		t.Errorf("got %v, want the file named as not an action graph", err)
	}
}

// With -module, the compiles outside the module are counted and named: here the SDK package was
// found in the cache (no Cmd), so none; a graph where it ran the compiler names it.
func TestCompilesOutsideTheModule(t *testing.T) {
	for name, tc := range map[string]struct{ graph, want string }{
		"cached SDK": {graph, "  compiles outside github.com/mission-link/infra: 0\n"},
		"SDK compiled again": {strings.Replace(graph, `"TimeDone":"2026-12-01T10:00:00.1Z"}`, `"TimeDone":"2026-12-01T10:00:00.1Z","Cmd":["compile"]}`, 1),
			"  compiles outside github.com/mission-link/infra: 1\n    github.com/pulumi/pulumi/sdk/v3/go/pulumi\n"},
	} {
		path := filepath.Join(t.TempDir(), "ag.json")
		if err := os.WriteFile(path, []byte(tc.graph), 0o600); err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		if err := run(path, 1, "github.com/mission-link/infra", &out); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(out.String(), tc.want) {
			t.Errorf("%s: summary ends\n%s\nwant\n%s", name, out.String(), tc.want)
		}
	}
}
