package harness_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mission-link/infra/internal/harness"
)

// writer writes files into one temporary directory and returns their paths.
func writer(t *testing.T) func(name, text string) string {
	dir := t.TempDir()
	return func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
}

// TestLoadStackFile: the flat config the engine would pass, with the project's defaults applied
// and secure values blinded, as the CLI does.
func TestLoadStackFile(t *testing.T) {
	write := writer(t)
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

// TestSecretKeyDeclaration: a key Pulumi.yaml declares `secret: true` (typed, no default) is
// refused in plain text with the CLI's words, accepted as a secure value, and reported missing
// when the stack leaves it out, as the CLI (pkg/workspace/config.go) does.
func TestSecretKeyDeclaration(t *testing.T) {
	write := writer(t)
	project := write("Pulumi.yaml", "name: demo\nruntime: go\nconfig:\n  password:\n    type: string\n    secret: true\n")
	cases := map[string]struct{ stack, wantErr, wantMissing string }{
		"plain text": {stack: "config:\n  demo:password: hunter2\n",
			wantErr: "Stack 'test' with configuration key 'password' must be encrypted as it's secret"},
		"secure":  {stack: "config:\n  demo:password:\n    secure: AAABAMPdhVLLvH5mAlK0uPdqsYtBEjZ+lFqCuQ3jkLZLBpdzaQ==\n"},
		"missing": {stack: "config:\n  aws:region: us-east-1\n", wantMissing: "demo:password"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cfg, err := harness.LoadStackFile(project, write("Pulumi.test.yaml", tc.stack), "test")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "hunter2") {
					t.Fatalf("got %v, want %q without the value", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			if tc.wantMissing != "" {
				want = []string{tc.wantMissing}
			}
			if !slices.Equal(cfg.MissingKeys, want) {
				t.Errorf("missing keys %v, want %v", cfg.MissingKeys, want)
			}
		})
	}
}
