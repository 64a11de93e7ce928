// Command overlay writes the stack's outputs into the app's kustomize overlay: the ECR repository
// (output repositoryUrl) as the newName of the overlay's `images:` entry, keeping the tag CI set,
// and the app's IAM role (output appRoleArn) into serviceaccount-irsa.yaml.
//
//	pulumi stack output --json > outputs.json
//	go run ./cmd/overlay --outputs outputs.json --overlay deploy/overlays/dev
//
// --outputs - reads the JSON from standard input. A second run with the same outputs changes
// nothing.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/mission-link/infra/gitops/overlay"
)

func main() {
	outputs := flag.String("outputs", "", "file holding `pulumi stack output --json`, or - for standard input")
	dir := flag.String("overlay", "deploy/overlays/dev", "the kustomize overlay directory to write into")
	flag.Parse()
	if err := run(*outputs, *dir, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(outputsPath, dir string, stdin io.Reader, stdout io.Writer) error {
	if outputsPath == "" {
		return errors.New("--outputs is required: the file `pulumi stack output --json` wrote, or - for standard input")
	}
	in := stdin
	if outputsPath != "-" {
		f, err := os.Open(outputsPath)
		if err != nil {
			return fmt.Errorf("reading stack outputs: %w", err)
		}
		defer f.Close()
		in = f
	}
	out, err := overlay.ReadOutputs(in)
	if err != nil {
		return err
	}
	changed, err := overlay.Write(dir, out)
	if err != nil {
		return err
	}
	if len(changed) == 0 {
		_, err = fmt.Fprintf(stdout, "%s already holds %s and %s\n", dir, out.RepositoryURL, out.AppRoleARN)
		return err
	}
	for _, path := range changed {
		if _, err := fmt.Fprintf(stdout, "wrote %s\n", path); err != nil {
			return err
		}
	}
	return nil
}
