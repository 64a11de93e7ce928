package plan

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func flagsFor(t *testing.T, configFile string) flags {
	t.Helper()
	return flags{dir: "../..", stack: "dev", configFile: configFile, quiet: true,
		opts: Options{AsOf: "2026-11-24", Usage: DefaultUsage(), AppMaxPods: DefaultAppMaxPods}}
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
	f.jsonFile = filepath.Join(t.TempDir(), "json")
	if failed, err := run(f, io.Discard); err != nil || failed {
		t.Fatalf("the dev stack: failed %v, error %v", failed, err)
	}
	if info, err := os.Stat(f.jsonFile); err != nil || info.Size() == 0 {
		t.Errorf("--json wrote nothing: %v", err)
	}

	bad := flagsFor(t, variant(t, "natGateways: instance", "natGateway: instance"))
	if _, err := run(bad, io.Discard); err == nil || !strings.Contains(err.Error(), "network.natGateway is not a known key") {
		t.Errorf("a config typo gives %v", err)
	}

	open := flagsFor(t, variant(t, "      - 198.51.100.0/24", "      - 0.0.0.0/0\n    allowPublicAccessFromAnywhere: true"))
	if failed, err := run(open, io.Discard); err != nil || !failed {
		t.Errorf("an API open to the world: failed %v, error %v; want a failing HIGH finding", failed, err)
	}

}

// TestCommandLine runs the command as a user would and checks the exit code it documents and
// what it says, for every way the command line can be wrong.
func TestCommandLine(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"the dev stack", []string{"--quiet"}, 0, ""},
		{"a positional stack name", []string{"prod"}, exitUsage, `unexpected argument "prod": the command takes flags only (for a stack: --stack prod)`},
		{"an unknown flag", []string{"--stacks", "dev"}, exitUsage, "flag provided but not defined: -stacks"},
		{"negative NAT traffic", []string{"--nat-gb", "-1"}, exitUsage, "--nat-gb (-1) must be a number from 0 to 1e+12"},
		{"NaN logs", []string{"--log-gb", "NaN"}, exitUsage, "--log-gb (NaN) must be a number"},
		{"infinite images", []string{"--image-gb", "+Inf"}, exitUsage, "--image-gb (+Inf) must be a number"},
		{"negative events", []string{"--events", "-5"}, exitUsage, "--events (-5)"},
		{"negative app pods", []string{"--app-max-pods", "-100"}, exitUsage, "--app-max-pods (-100) must be from 1 to 100000"},
		{"overflowing app pods", []string{"--app-max-pods", "9223372036854775807"}, exitUsage, "--app-max-pods (9223372036854775807)"},
		{"a bad date", []string{"--as-of", "tomorrow"}, exitUsage, `--as-of ("tomorrow") must be a date`},
		{"free spot nodes", []string{"--spot-discount", "100"}, exitUsage, "--spot-discount (100) must be a percentage from 0 to below 100"},
		{"NaN spot discount", []string{"--spot-discount", "NaN"}, exitUsage, "--spot-discount (NaN)"},
		{"one file twice", []string{"--json", "x.out", "--markdown", "x.out"}, exitUsage, "--json and --markdown name the same file"},
		{"stdout twice", []string{"--json", "-", "--mermaid", "-"}, exitUsage, "--json and --mermaid both write to standard output (-)"},
		{"a stack that does not exist", []string{"--stack", "nosuch"}, exitConfig, "Pulumi.nosuch.yaml does not exist; the stacks in ../.. are dev, prod"},
		{"a config file that does not exist", []string{"--config-file", "nowhere.yaml"}, exitConfig, "--config-file nowhere.yaml does not exist"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stderr strings.Builder
			args := append([]string{"--dir", "../..", "--quiet", "--as-of", "2026-11-24"}, tc.args...)
			if code := Main(args, io.Discard, &stderr); code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr does not say %q:\n%s", tc.want, stderr.String())
			}
		})
	}
}

func TestFindsPulumiYamlFromASubdirectory(t *testing.T) {
	t.Chdir("data")
	var stderr strings.Builder
	if code := Main([]string{"--quiet", "--as-of", "2026-11-24"}, io.Discard, &stderr); code != 0 {
		t.Fatalf("exit %d from internal/plan/data: %s", code, stderr.String())
	}
	t.Chdir(t.TempDir())
	stderr.Reset()
	if code := Main([]string{"--quiet"}, io.Discard, &stderr); code != exitConfig || !strings.Contains(stderr.String(), "no Pulumi.yaml in") {
		t.Errorf("exit %d outside a project: %s", code, stderr.String())
	}
}

// TestOutputsAreWrittenAllOrNone: an unwritable output leaves every file as it was, whichever
// flag names it, and a successful run writes them all.
func TestOutputsAreWrittenAllOrNone(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "json")
	if err := os.WriteFile(existing, []byte("the previous plan"), 0o600); err != nil {
		t.Fatal(err)
	}
	markdown := filepath.Join(dir, "summary.md")
	unwritable := filepath.Join(dir, "no-such-dir", "out")
	for _, args := range [][]string{
		{"--json", unwritable, "--markdown", markdown},
		{"--json", existing, "--markdown", unwritable},
		{"--json", existing, "--markdown", markdown, "--mermaid", unwritable},
	} {
		var stderr strings.Builder
		code := Main(append([]string{"--dir", "../..", "--quiet", "--as-of", "2026-11-24"}, args...), io.Discard, &stderr)
		if code != exitWrite || !strings.Contains(stderr.String(), "no output file was changed") {
			t.Errorf("%v: exit %d, %s", args, code, stderr.String())
		}
		if b, err := os.ReadFile(existing); err != nil || string(b) != "the previous plan" {
			t.Errorf("%v: the existing JSON file became %q (%v)", args, b, err)
		}
		if _, err := os.Stat(markdown); !os.IsNotExist(err) {
			t.Errorf("%v: the Markdown file was written although another output failed", args)
		}
		if leftovers, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(leftovers) > 0 {
			t.Errorf("%v: temporary files left: %v", args, leftovers)
		}
	}
	var stderr strings.Builder
	if code := Main([]string{"--dir", "../..", "--quiet", "--as-of", "2026-11-24", "--json", existing, "--markdown", markdown}, io.Discard, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, file := range []string{existing, markdown} {
		if b, err := os.ReadFile(file); err != nil || len(b) < 100 || string(b) == "the previous plan" {
			t.Errorf("%s was not written: %v", file, err)
		}
	}
}

// TestJSONToStandardOutput: `--json -` writes the JSON plan, and only it, to standard output (the
// same bytes as `--json FILE`), with the exit code of the plan; files named beside it are written.
func TestJSONToStandardOutput(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plan.json")
	markdown := filepath.Join(t.TempDir(), "summary.md")
	var fromFile, stderr strings.Builder
	if code := Main([]string{"--dir", "../..", "--as-of", "2026-11-24", "--quiet", "--json", file}, &fromFile, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, quiet := range []bool{false, true} {
		args := []string{"--dir", "../..", "--as-of", "2026-11-24", "--json", "-", "--markdown", markdown}
		if quiet {
			args = append(args, "--quiet")
		}
		var stdout strings.Builder
		if code := Main(args, &stdout, &stderr); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		if stdout.String() != string(want) {
			t.Errorf("quiet %v: stdout is not the JSON plan (%d bytes, want %d); it starts %.80q", quiet, stdout.Len(), len(want), stdout.String())
		}
		if !json.Valid([]byte(stdout.String())) {
			t.Errorf("quiet %v: stdout is not JSON", quiet)
		}
		if _, err := os.Stat(markdown); err != nil {
			t.Errorf("the Markdown file beside --json - was not written: %v", err)
		}
	}
}
