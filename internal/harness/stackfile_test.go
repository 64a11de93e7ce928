package harness_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mission-link/infra/internal/harness"
)

// TestLoadStackFile: the flat config the engine would pass, with the project's defaults applied
// and secure values blinded, as the CLI does.
func TestLoadStackFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	project := write("Pulumi.yaml", `name: demo
runtime: go
config:
  network:
    type: object
    default: {}
  tags:
    type: object
    default:
      Team: platform
  password:
    type: string
    default: ""
`)
	stack := write("Pulumi.test.yaml", `config:
  aws:region: us-east-1
  demo:network:
    cidrBlock: 10.1.0.0/16
  demo:password:
    secure: AAABAMPdhVLLvH5mAlK0uPdqsYtBEjZ+lFqCuQ3jkLZLBpdzaQ==
`)
	cfg, err := harness.LoadStackFile(project, stack, "test")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"aws:region":    "us-east-1",
		"demo:network":  `{"cidrBlock":"10.1.0.0/16"}`,
		"demo:tags":     `{"Team":"platform"}`,
		"demo:password": "[secret]",
	}
	for k, v := range want {
		if cfg.Values[k] != v {
			t.Errorf("%s = %q, want %q", k, cfg.Values[k], v)
		}
	}
	if cfg.Project != "demo" || cfg.Stack != "test" || cfg.Region() != "us-east-1" || !slices.Equal(cfg.SecretKeys, []string{"demo:password"}) {
		t.Errorf("config %+v", cfg)
	}
}
