// Command buildfigures summarizes where a `go build`/`go test` run spent its time, from the
// action graph the go command writes with -debug-actiongraph: compile and link time per
// package, test run time, vet, and the wall clock of the whole run. .ci/figures prints it after
// each timed step, so the figures say which packages and test binaries to cut, not only how long
// the step took.
//
//	go test -debug-actiongraph=ag.json ./... && go run ./internal/buildfigures ag.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// action is the part of cmd/go's action graph entry (internal/work/action.go, actionJSON) read
// here. CmdReal is the wall time of the tool the action ran; an action answered from the cache
// ran no tool.
type action struct {
	Mode      string
	Package   string
	TimeStart time.Time
	TimeDone  time.Time
	Cmd       []string
	CmdReal   time.Duration
	CmdUser   time.Duration
}

// row is one action that ran a tool or a test.
type row struct {
	kind, pkg string
	wall      time.Duration
}

func main() {
	top := flag.Int("top", 8, "how many of the slowest compiles to list")
	module := flag.String("module", "", "also count the compiles of packages outside this module path (the SDKs a build compiled again)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: buildfigures [-top N] [-module PATH] actiongraph.json")
		os.Exit(64)
	}
	if err := run(flag.Arg(0), *top, *module, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "buildfigures:", err)
		os.Exit(1)
	}
}

func run(path string, top int, module string, w io.Writer) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var actions []action
	if err := json.Unmarshal(data, &actions); err != nil {
		return fmt.Errorf("reading action graph %s: %w", path, err)
	}
	summarize(actions, top, w)
	if module != "" {
		outside := outsideModule(actions, module)
		fmt.Fprintf(w, "  compiles outside %s: %d\n", module, len(outside))
		for _, pkg := range outside[:min(top, len(outside))] {
			fmt.Fprintf(w, "    %s\n", pkg)
		}
	}
	return nil
}

// outsideModule lists, sorted, the packages outside module that the build compiled (standard
// library included); a package found in the build cache ran no compiler and is not listed.
func outsideModule(actions []action, module string) []string {
	var out []string
	for _, a := range actions {
		if a.Mode == "build" && len(a.Cmd) > 0 && a.Package != module && !strings.HasPrefix(a.Package, module+"/") {
			out = append(out, a.Package)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func summarize(actions []action, top int, w io.Writer) {
	var first, last time.Time
	var compiles, links, tests, vets []row
	var cpu time.Duration
	for _, a := range actions {
		if a.TimeStart.IsZero() || a.TimeDone.IsZero() {
			continue
		}
		if first.IsZero() || a.TimeStart.Before(first) {
			first = a.TimeStart
		}
		if a.TimeDone.After(last) {
			last = a.TimeDone
		}
		cpu += a.CmdUser
		wall := a.TimeDone.Sub(a.TimeStart)
		switch {
		case a.Mode == "build" && len(a.Cmd) > 0:
			compiles = append(compiles, row{"compile", a.Package, a.CmdReal})
		case a.Mode == "link" && len(a.Cmd) > 0:
			links = append(links, row{"link", a.Package, a.CmdReal})
		case a.Mode == "test run" && wall > 50*time.Millisecond:
			tests = append(tests, row{"test run", a.Package, wall})
		case a.Mode == "vet" && wall > 50*time.Millisecond:
			vets = append(vets, row{"vet", a.Package, wall})
		}
	}
	fmt.Fprintf(w, "  wall %s; tools' CPU %s\n", seconds(last.Sub(first)), seconds(cpu))
	line(w, "compiles", compiles, top)
	line(w, "links", links, len(links))
	line(w, "test runs", tests, len(tests))
	line(w, "vet runs", vets, 0)
}

// line prints a kind's count and total, then its n slowest.
func line(w io.Writer, what string, rows []row, n int) {
	var total time.Duration
	for _, r := range rows {
		total += r.wall
	}
	fmt.Fprintf(w, "  %-10s %4d, %s\n", what, len(rows), seconds(total))
	slices.SortFunc(rows, func(a, b row) int { return int(b.wall - a.wall) })
	for _, r := range rows[:min(n, len(rows))] {
		fmt.Fprintf(w, "    %7s  %s\n", seconds(r.wall), strings.TrimPrefix(r.pkg, "github.com/mission-link/infra/"))
	}
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }
