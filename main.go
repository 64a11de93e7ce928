// Command mission-link is the Pulumi program for the mission-link platform. It only hands the
// engine's config to the program package, which builds and exports the stack.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/internal/program"
)

func main() {
	config, err := program.ConfigFromEnvironment()
	pulumi.Run(func(ctx *pulumi.Context) error {
		if err != nil {
			return err
		}
		return program.Run(ctx, config)
	})
}
