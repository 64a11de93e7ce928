package plan

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mission-link/infra/internal/harness"
)

// Exit codes.
const (
	exitConfig  = 1
	exitFinding = 2
	exitWrite   = 3
	exitUsage   = 64
)

// Bounds of the usage flags: beyond them a cost or a pod count is no longer a number a plan can
// print (the pod demand would overflow, a cost turn infinite).
const (
	maxUsage      = 1e12
	maxAppMaxPods = 100000
)

type flags struct {
	dir, stack, configFile, jsonFile, markdownFile, mermaidFile string
	quiet                                                       bool
	opts                                                        Options
}

// usageError is a wrong command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// writeError is an output file that could not be written.
type writeError struct{ err error }

func (e writeError) Error() string { return e.err.Error() }
func (e writeError) Unwrap() error { return e.err }

// Main is cmd/plan: it parses the command line, plans the stack, prints and writes the plan, and
// returns the exit code (cmd/plan's package comment lists them). The command lives here, not in
// package main, so that its tests share the plan package's test binary: one link of the whole
// program fewer on every rebuild.
func Main(args []string, stdout, stderr io.Writer) int {
	f, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		fmt.Fprintln(stderr, "run with -h for the flags")
		return exitUsage
	}
	failed, err := run(f, stdout)
	var usage usageError
	var write writeError
	switch {
	case errors.As(err, &usage):
		fmt.Fprintln(stderr, "error:", err)
		return exitUsage
	case errors.As(err, &write):
		fmt.Fprintln(stderr, "error:", err)
		return exitWrite
	case err != nil:
		fmt.Fprintln(stderr, "error:", err)
		return exitConfig
	case failed:
		fmt.Fprintln(stderr, "error: a HIGH finding is not accepted (see Findings)")
		return exitFinding
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (flags, error) {
	var f flags
	usage := DefaultUsage()
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.stack, "stack", "dev", "stack name: reads Pulumi.<stack>.yaml")
	fs.StringVar(&f.dir, "dir", "", "project directory holding Pulumi.yaml (default: the current directory or the nearest one above it that has Pulumi.yaml)")
	fs.StringVar(&f.configFile, "config-file", "", "stack config file to read instead of Pulumi.<stack>.yaml")
	fs.StringVar(&f.jsonFile, "json", "", "also write the plan as JSON to this file, or - for stdout (instead of the text plan)")
	fs.StringVar(&f.markdownFile, "markdown", "", "also write the plan as Markdown (for a CI job summary) to this file, or - for stdout")
	fs.StringVar(&f.mermaidFile, "mermaid", "", "write the architecture diagram (Mermaid, in Markdown) to this file, or - for stdout")
	fs.BoolVar(&f.quiet, "quiet", false, "do not print the text plan")
	fs.StringVar(&f.opts.AsOf, "as-of", time.Now().UTC().Format(time.DateOnly), "date (YYYY-MM-DD) for the EKS support calendar")
	fs.Float64Var(&usage.NATGBPerMonth, "nat-gb", usage.NATGBPerMonth, "GB a month through the NAT gateways")
	fs.Float64Var(&usage.LogIngestionGBPerMonth, "log-gb", usage.LogIngestionGBPerMonth, "GB of logs ingested a month")
	fs.Float64Var(&usage.ImageStorageGB, "image-gb", usage.ImageStorageGB, "GB of images stored per repository")
	fs.Float64Var(&usage.EventsPerMonth, "events", usage.EventsPerMonth, "events the app publishes a month")
	fs.Float64Var(&usage.SpotDiscountPercent, "spot-discount", usage.SpotDiscountPercent, "percent below on-demand that spot nodes are assumed to cost (an assumption: see the EC2 Spot Instance Advisor)")
	fs.IntVar(&f.opts.AppMaxPods, "app-max-pods", DefaultAppMaxPods, "the app's HPA maximum replicas")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./cmd/plan [flags]\n\nexit codes: 0 passed, 1 config error, 2 unaccepted HIGH finding, 3 output not written, 64 usage error\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	f.opts.Usage = usage
	return f, checkFlags(f, fs.Args())
}

// checkFlags reports every wrong flag at once.
func checkFlags(f flags, positional []string) error {
	var problems []string
	if len(positional) > 0 {
		problems = append(problems, fmt.Sprintf("unexpected argument %q: the command takes flags only (for a stack: --stack %s)", positional[0], positional[0]))
	}
	u := f.opts.Usage
	for _, n := range []struct {
		name  string
		value float64
	}{{"--nat-gb", u.NATGBPerMonth}, {"--log-gb", u.LogIngestionGBPerMonth}, {"--image-gb", u.ImageStorageGB}, {"--events", u.EventsPerMonth}} {
		if math.IsNaN(n.value) || math.IsInf(n.value, 0) || n.value < 0 || n.value > maxUsage {
			problems = append(problems, fmt.Sprintf("%s (%v) must be a number from 0 to %g", n.name, n.value, maxUsage))
		}
	}
	if p := f.opts.AppMaxPods; p < 1 || p > maxAppMaxPods {
		problems = append(problems, fmt.Sprintf("--app-max-pods (%d) must be from 1 to %d", p, maxAppMaxPods))
	}
	if _, err := time.Parse(time.DateOnly, f.opts.AsOf); err != nil {
		problems = append(problems, fmt.Sprintf("--as-of (%q) must be a date such as 2026-11-24", f.opts.AsOf))
	}
	if d := u.SpotDiscountPercent; math.IsNaN(d) || d < 0 || d >= 100 {
		problems = append(problems, fmt.Sprintf("--spot-discount (%v) must be a percentage from 0 to below 100", d))
	}
	if f.stack == "" || strings.ContainsAny(f.stack, `/\`) {
		problems = append(problems, fmt.Sprintf("--stack (%q) must be a stack name such as dev", f.stack))
	}
	seen := map[string]string{}
	for _, out := range allOutputs(f) {
		if out.file == "-" && seen["-"] != "" {
			problems = append(problems, fmt.Sprintf("%s and %s both write to standard output (-): give one of them a file", seen["-"], out.flag))
		} else if clean := filepath.Clean(out.file); seen[clean] != "" {
			problems = append(problems, fmt.Sprintf("%s and %s name the same file (%s)", seen[clean], out.flag, out.file))
		} else {
			seen[clean] = out.flag
		}
	}
	if len(problems) > 0 {
		return usageError{strings.Join(problems, "\n       ")}
	}
	return nil
}

type output struct {
	flag, file string
	write      func(*Plan, io.Writer) error
}

// allOutputs are the outputs asked for, files and standard output ("-"), in the order they are
// written.
func allOutputs(f flags) []output {
	var out []output
	for _, o := range []output{
		{"--json", f.jsonFile, (*Plan).WriteJSON},
		{"--markdown", f.markdownFile, (*Plan).WriteMarkdown},
		{"--mermaid", f.mermaidFile, (*Plan).WriteMermaid},
	} {
		if o.file != "" {
			out = append(out, o)
		}
	}
	return out
}

// outputs are the files to write, in the order they are written.
func outputs(f flags) []output {
	return slices.DeleteFunc(allOutputs(f), func(o output) bool { return o.file == "-" })
}

// stdoutOutput is the output written to standard output instead of the text plan, if one is "-"
// (checkFlags allows at most one).
func stdoutOutput(f flags) (output, bool) {
	all := allOutputs(f)
	i := slices.IndexFunc(all, func(o output) bool { return o.file == "-" })
	if i < 0 {
		return output{}, false
	}
	return all[i], true
}

func run(f flags, stdout io.Writer) (failed bool, err error) {
	projectFile, stackFile, err := locate(f)
	if err != nil {
		return false, err
	}
	cfg, err := harness.LoadStackFile(projectFile, stackFile, f.stack)
	if err != nil {
		return false, err
	}
	p, err := Build(cfg, f.opts)
	if err != nil {
		return false, err
	}
	toStdout, ok := stdoutOutput(f)
	if !ok && !f.quiet {
		if err := p.WriteText(stdout); err != nil {
			return false, err
		}
	}
	if err := writeAll(p, outputs(f)); err != nil {
		return false, writeError{err}
	}
	if ok {
		// Rendered whole first, so that a reader of stdout gets all of it or nothing.
		var buf bytes.Buffer
		if err := toStdout.write(p, &buf); err != nil {
			return false, writeError{fmt.Errorf("rendering %s -: %w", toStdout.flag, err)}
		}
		if _, err := stdout.Write(buf.Bytes()); err != nil {
			return false, writeError{fmt.Errorf("writing %s to standard output: %w", toStdout.flag, err)}
		}
	}
	return p.Failed(), nil
}

// locate finds Pulumi.yaml (in --dir, or in the current directory or the nearest one above it)
// and the stack file, naming what is missing and the stacks that are there.
func locate(f flags) (projectFile, stackFile string, err error) {
	dir := f.dir
	if dir == "" {
		if dir, err = findProjectDir("."); err != nil {
			return "", "", err
		}
	}
	projectFile = filepath.Join(dir, "Pulumi.yaml")
	if _, err := os.Stat(projectFile); err != nil {
		return "", "", fmt.Errorf("--dir %s has no Pulumi.yaml: give the project's directory", dir)
	}
	stackFile = f.configFile
	if stackFile == "" {
		stackFile = filepath.Join(dir, fmt.Sprintf("Pulumi.%s.yaml", f.stack))
	}
	if _, err := os.Stat(stackFile); errors.Is(err, os.ErrNotExist) {
		if f.configFile != "" {
			return "", "", fmt.Errorf("--config-file %s does not exist", stackFile)
		}
		return "", "", fmt.Errorf("--stack %s: %s does not exist; the stacks in %s are %s", f.stack, stackFile, dir, strings.Join(stacksIn(dir), ", "))
	}
	return projectFile, stackFile, nil
}

// findProjectDir walks up from start to the first directory holding Pulumi.yaml, as the Pulumi
// CLI does.
func findProjectDir(start string) (string, error) {
	abs, err := filepath.Abs(start)
	if err != nil {
		return "", fmt.Errorf("finding Pulumi.yaml: %w", err)
	}
	for dir := abs; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err == nil {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("no Pulumi.yaml in %s or any directory above it: run from the project, or give --dir", abs)
		}
	}
}

func stacksIn(dir string) []string {
	files, _ := filepath.Glob(filepath.Join(dir, "Pulumi.*.yaml"))
	var stacks []string
	for _, file := range files {
		stacks = append(stacks, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(file), "Pulumi."), ".yaml"))
	}
	slices.Sort(stacks)
	if len(stacks) == 0 {
		return []string{"(none)"}
	}
	return stacks
}

// writeAll renders every output in memory, writes each to a temporary file beside its target,
// and renames them into place in a fixed order only when all were written: a failure leaves
// every target as it was (an existing file is never truncated).
func writeAll(p *Plan, outs []output) error {
	temps := make([]string, 0, len(outs))
	renamed := 0
	defer func() {
		for _, t := range temps[renamed:] {
			removeTemp(t)
		}
	}()
	for _, o := range outs {
		var buf bytes.Buffer
		if err := o.write(p, &buf); err != nil {
			return fmt.Errorf("rendering %s %s: %w", o.flag, o.file, err)
		}
		temp, err := writeTemp(o.file, buf.Bytes())
		if err != nil {
			return fmt.Errorf("writing %s %s (no output file was changed): %w", o.flag, o.file, err)
		}
		temps = append(temps, temp)
	}
	for i, o := range outs {
		if err := os.Rename(temps[i], o.file); err != nil {
			return fmt.Errorf("writing %s %s: %w", o.flag, o.file, err)
		}
		renamed++
	}
	return nil
}

// removeTemp deletes a temporary file a failed write left; failing that, it says so.
func removeTemp(name string) {
	if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
		fmt.Fprintln(os.Stderr, "warning: removing", name+":", err)
	}
}

func writeTemp(target string, data []byte) (name string, err error) {
	f, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".*.tmp")
	if err != nil {
		return "", err
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = cerr
		}
		if err != nil {
			removeTemp(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		return "", err
	}
	if err := f.Chmod(0o644); err != nil {
		return "", err
	}
	return f.Name(), f.Sync()
}
