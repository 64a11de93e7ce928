// Command plan shows what a stack would create, what it would cost and what a security reviewer
// would flag, with no AWS account and no Pulumi CLI: it runs the real program for a stack file
// under the test harness's mocks. It exits 1 on a config error (as `pulumi up` would fail) and 2
// on a HIGH finding that is not accepted.
//
//	go run ./cmd/plan --stack dev
//	go run ./cmd/plan --stack prod --json plan-prod.json --markdown summary.md
//	go run ./cmd/plan --stack dev --mermaid docs/architecture.md
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/mission-link/infra/harness"
	"github.com/mission-link/infra/plan"
)

// Exit codes.
const (
	exitConfig  = 1
	exitFinding = 2
)

type flags struct {
	dir, stack, configFile, jsonFile, markdownFile, mermaidFile string
	quiet                                                       bool
	opts                                                        plan.Options
}

func main() {
	f := parseFlags()
	failed, err := run(f)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(exitConfig)
	}
	if failed {
		fmt.Fprintln(os.Stderr, "error: a HIGH finding is not accepted (see Findings)")
		os.Exit(exitFinding)
	}
}

func parseFlags() flags {
	var f flags
	usage := plan.DefaultUsage()
	flag.StringVar(&f.stack, "stack", "dev", "stack name: reads Pulumi.<stack>.yaml")
	flag.StringVar(&f.dir, "dir", ".", "project directory holding Pulumi.yaml")
	flag.StringVar(&f.configFile, "config-file", "", "stack config file to read instead of Pulumi.<stack>.yaml")
	flag.StringVar(&f.jsonFile, "json", "", "also write the plan as JSON to this file")
	flag.StringVar(&f.markdownFile, "markdown", "", "also write the plan as Markdown (for a CI job summary) to this file")
	flag.StringVar(&f.mermaidFile, "mermaid", "", "write the architecture diagram (Mermaid, in Markdown) to this file, or - for stdout")
	flag.BoolVar(&f.quiet, "quiet", false, "do not print the text plan")
	flag.StringVar(&f.opts.AsOf, "as-of", time.Now().UTC().Format(time.DateOnly), "date (YYYY-MM-DD) for the EKS support calendar")
	flag.Float64Var(&usage.NATGBPerMonth, "nat-gb", usage.NATGBPerMonth, "GB a month through the NAT gateways")
	flag.Float64Var(&usage.LogIngestionGBPerMonth, "log-gb", usage.LogIngestionGBPerMonth, "GB of logs ingested a month")
	flag.Float64Var(&usage.ImageStorageGB, "image-gb", usage.ImageStorageGB, "GB of images stored per repository")
	flag.Float64Var(&usage.EventsPerMonth, "events", usage.EventsPerMonth, "events the app publishes a month")
	flag.Float64Var(&usage.SpotDiscountPercent, "spot-discount", usage.SpotDiscountPercent, "percent below on-demand that spot nodes are assumed to cost (an assumption: see the EC2 Spot Instance Advisor)")
	flag.IntVar(&f.opts.AppMaxPods, "app-max-pods", plan.DefaultAppMaxPods, "the app's HPA maximum replicas")
	flag.Parse()
	f.opts.Usage = usage
	return f
}

func run(f flags) (failed bool, err error) {
	if _, err := time.Parse(time.DateOnly, f.opts.AsOf); err != nil {
		return false, fmt.Errorf("--as-of (%q) must be a date such as 2026-11-24", f.opts.AsOf)
	}
	if d := f.opts.Usage.SpotDiscountPercent; d < 0 || d >= 100 {
		return false, fmt.Errorf("--spot-discount (%v) must be a percentage from 0 to below 100", d)
	}
	configFile := f.configFile
	if configFile == "" {
		configFile = filepath.Join(f.dir, fmt.Sprintf("Pulumi.%s.yaml", f.stack))
	}
	cfg, err := harness.LoadStackFile(filepath.Join(f.dir, "Pulumi.yaml"), configFile, f.stack)
	if err != nil {
		return false, err
	}
	p, err := plan.Build(cfg, f.opts)
	if err != nil {
		return false, err
	}
	if f.mermaidFile == "-" {
		return false, p.WriteMermaid(os.Stdout)
	}
	if !f.quiet {
		if err := p.WriteText(os.Stdout); err != nil {
			return false, err
		}
	}
	for file, write := range map[string]func(io.Writer) error{f.jsonFile: p.WriteJSON, f.markdownFile: p.WriteMarkdown, f.mermaidFile: p.WriteMermaid} {
		if file == "" {
			continue
		}
		if err := writeFile(file, write); err != nil {
			return false, err
		}
	}
	return p.Failed(), nil
}

func writeFile(name string, write func(io.Writer) error) (err error) {
	out, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("creating %s: %w", name, err)
	}
	defer func() {
		if cerr := out.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("closing %s: %w", name, cerr)
		}
	}()
	return write(out)
}
