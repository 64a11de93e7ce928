package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mission-link/infra/plan"
)

func flagsFor(t *testing.T, configFile string) flags {
	t.Helper()
	return flags{dir: "../..", stack: "dev", configFile: configFile, quiet: true,
		opts: plan.Options{AsOf: "2026-11-24", Usage: plan.DefaultUsage(), AppMaxPods: plan.DefaultAppMaxPods}}
}

// variant writes the dev stack file with one line replaced.
func variant(t *testing.T, old, replacement string) string {
	t.Helper()
	b, err := os.ReadFile("../../Pulumi.dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("Pulumi.dev.yaml has no %q", old)
	}
	name := filepath.Join(t.TempDir(), "Pulumi.dev.yaml")
	if err := os.WriteFile(name, []byte(strings.Replace(string(b), old, replacement, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestExitReasons(t *testing.T) {
	f := flagsFor(t, "")
	f.jsonFile = filepath.Join(t.TempDir(), "plan.json")
	if failed, err := run(f); err != nil || failed {
		t.Fatalf("the dev stack: failed %v, error %v", failed, err)
	}
	if info, err := os.Stat(f.jsonFile); err != nil || info.Size() == 0 {
		t.Errorf("--json wrote nothing: %v", err)
	}

	bad := flagsFor(t, variant(t, "natGateways: instance", "natGateway: instance"))
	if _, err := run(bad); err == nil || !strings.Contains(err.Error(), "network.natGateway is not a known key") {
		t.Errorf("a config typo gives %v", err)
	}

	open := flagsFor(t, variant(t, "      - 198.51.100.0/24", "      - 0.0.0.0/0\n    allowPublicAccessFromAnywhere: true"))
	if failed, err := run(open); err != nil || !failed {
		t.Errorf("an API open to the world: failed %v, error %v; want a failing HIGH finding", failed, err)
	}

	date := flagsFor(t, "")
	date.opts.AsOf = "tomorrow"
	if _, err := run(date); err == nil || !strings.Contains(err.Error(), "--as-of") {
		t.Errorf("a bad date gives %v", err)
	}

	spot := flagsFor(t, "")
	spot.opts.Usage.SpotDiscountPercent = 100
	if _, err := run(spot); err == nil || !strings.Contains(err.Error(), "--spot-discount (100)") {
		t.Errorf("a free spot node gives %v", err)
	}
}
