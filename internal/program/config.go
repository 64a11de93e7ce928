package program

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/internal/stackconfig"
)

// ConfigFromEnvironment returns the config the Pulumi engine hands the program: PULUMI_CONFIG, a
// flat map from "namespace:key" to the value, and PULUMI_CONFIG_SECRET_KEYS; and today's date
// (UTC), the program's only reading of the clock.
func ConfigFromEnvironment() (stackconfig.Input, error) {
	in := stackconfig.Input{Values: map[string]string{}, Date: time.Now().UTC().Format(time.DateOnly)}
	if text := os.Getenv(pulumi.EnvConfig); text != "" {
		if err := json.Unmarshal([]byte(text), &in.Values); err != nil {
			return stackconfig.Input{}, fmt.Errorf("reading %s: %w", pulumi.EnvConfig, err)
		}
	}
	if text := os.Getenv(pulumi.EnvConfigSecretKeys); text != "" {
		if err := json.Unmarshal([]byte(text), &in.SecretKeys); err != nil {
			return stackconfig.Input{}, fmt.Errorf("reading %s: %w", pulumi.EnvConfigSecretKeys, err)
		}
	}
	in.CLIRegion = CLIRegion(os.LookupEnv, SharedConfigRegion, in.Values[stackconfig.ProfileKey])
	return in, nil
}

// enforceDeployGuards refuses a real `pulumi up` of a config that a guard refuses, or from an
// environment without an AWS CLI region (noCLIRegion), and in a preview logs each refusal as a
// warning. Call it before registering anything.
func enforceDeployGuards(ctx *pulumi.Context, s *stackconfig.Stack, cliRegion string) error {
	refusals := s.DeployRefusals(ctx.Project())
	if cliRegion == "" {
		refusals = append(refusals, noCLIRegion(s.Region))
	}
	if len(refusals) == 0 {
		return nil
	}
	if ctx.DryRun() {
		for _, r := range refusals {
			if err := ctx.Log.Warn("`pulumi up` will refuse this config: "+r.Error(), nil); err != nil {
				return fmt.Errorf("logging a deploy guard's warning: %w", err)
			}
		}
		return nil
	}
	return fmt.Errorf("refusing to deploy: this config is accepted by previews and the offline plan, but a real `pulumi up` cannot use it (nothing was created):\n%w",
		errors.Join(refusals...))
}

// noCLIRegion is the refusal of an environment where the AWS CLI finds no region. pulumi-eks 2.8.1
// gives its own Kubernetes providers a kubeconfig whose token command is `aws eks get-token
// --cluster-name <name>` with no --region, and no option to add one (cluster.js,
// generateKubeconfig: profileName and roleArn only), so that command takes its region from the
// environment of `pulumi up`. The stack's own provider and the kubeconfig output name the region
// (eks/controlplane, withRegion); pulumi-eks's cannot.
func noCLIRegion(stackRegion string) error {
	return fmt.Errorf("the AWS CLI finds no region here (none of AWS_REGION, AWS_DEFAULT_REGION, or `region` in the profile of ~/.aws/config): pulumi-eks runs `aws eks get-token` for its own Kubernetes providers without --region, so it would fail. "+
		"Export the stack's region before `pulumi up`: `export AWS_REGION=%s`", stackRegion)
}
