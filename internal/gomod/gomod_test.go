package gomod

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, text string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "a", "b")
	if err := os.MkdirAll(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	return sub
}

func TestRequired(t *testing.T) {
	dir := write(t, "module m\n\ngo 1.26\n\nrequire example.com/one v1.2.3\n\nrequire (\n\texample.com/two v0.4.0 // indirect\n)\n")
	for path, want := range map[string]string{"example.com/one": "v1.2.3", "example.com/two": "v0.4.0"} {
		if got, err := Required(dir, path); err != nil || got != want {
			t.Errorf("Required(%s) = %q, %v; want %q", path, got, err, want)
		}
	}
	if _, err := Required(dir, "example.com/three"); err == nil || !strings.Contains(err.Error(), "does not require example.com/three") {
		t.Errorf("a module go.mod does not require: %v", err)
	}
}

func TestRequiredRefusesAReplace(t *testing.T) {
	dir := write(t, "module m\n\nrequire example.com/one v1.2.3\n\nreplace example.com/one => ../one\n")
	if _, err := Required(dir, "example.com/one"); err == nil || !strings.Contains(err.Error(), "replaces example.com/one") {
		t.Errorf("got %v, want the replace named", err)
	}
}

// The project's own go.mod, as the tests that use this package read it.
func TestTheProjectsGoMod(t *testing.T) {
	v, err := Required(".", "github.com/pulumi/pulumi/sdk/v3")
	if err != nil || !strings.HasPrefix(v, "v3.") {
		t.Errorf("the Pulumi SDK in go.mod: %q, %v", v, err)
	}
}
