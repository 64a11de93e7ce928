// Command plan shows what a stack would create, with no AWS account and no Pulumi CLI: it runs
// the real program for a stack file under the test harness's mocks and prints the resource tree.
// A config error fails it the same way `pulumi up` would fail.
//
//	go run ./cmd/plan --stack dev
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mission-link/infra/harness"
	"github.com/mission-link/infra/plan"
)

func main() {
	stack := flag.String("stack", "dev", "stack name: reads Pulumi.<stack>.yaml")
	dir := flag.String("dir", ".", "project directory holding Pulumi.yaml")
	configFile := flag.String("config-file", "", "stack config file to read instead of Pulumi.<stack>.yaml")
	flag.Parse()
	if err := run(*dir, *stack, *configFile); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(dir, stack, configFile string) error {
	if configFile == "" {
		configFile = filepath.Join(dir, fmt.Sprintf("Pulumi.%s.yaml", stack))
	}
	cfg, err := harness.LoadStackFile(filepath.Join(dir, "Pulumi.yaml"), configFile, stack)
	if err != nil {
		return err
	}
	record, err := plan.Run(cfg)
	if err != nil {
		return err
	}
	return plan.WriteTree(os.Stdout, cfg, record)
}
