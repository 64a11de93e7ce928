package controlplane

import (
	"fmt"
	"reflect"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// kubeconfigOf is the kubeconfig the stack's Kubernetes provider and the `kubeconfig` output use:
// its `aws eks get-token` runs with the AWS profile the stack deploys with.
//
// pulumi-eks 2.8.1 (cluster.js) builds two kubeconfigs: one with the profile, which only its own
// internal Kubernetes provider uses, and one without, which it returns as kubeconfigJson
// (createCore returns `kubeconfigWithoutProfile`; pulumi-eks issues #1426, #1207). A provider built
// from kubeconfigJson runs get-token on the default credentials, so with aws:profile set and no
// AWS_PROFILE exported every Kubernetes resource fails with 401 or "Unable to locate credentials".
// Passing providerCredentialOpts to the cluster changes only the internal kubeconfig. The
// component's getKubeconfig method (eks:index:Cluster/getKubeconfig, generateKubeconfig with the
// profile included) is the one that puts AWS_PROFILE in the exec env, so the stack asks for that.
// Without a profile it asks for none: the same kubeconfig as kubeconfigJson.
func kubeconfigOf(ctx *pulumi.Context, c *cluster, profile string) (pulumi.StringOutput, error) {
	args := kubeconfigInputs{}
	if profile != "" {
		args.ProfileName = pulumi.String(profile)
	}
	out, err := ctx.Call(GetKubeconfig, args, kubeconfigResultOutput{}, c)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("getting the kubeconfig of the EKS cluster: %w", err)
	}
	return pulumi.ToSecret(out.(kubeconfigResultOutput).Result()).(pulumi.StringOutput), nil
}

// kubeconfigInputs are the method's arguments; their names and plain types are the SDK's
// clusterGetKubeconfigArgs (kubeconfigProperties).
type kubeconfigInputs struct {
	ProfileName pulumi.StringInput
}

func (kubeconfigInputs) ElementType() reflect.Type { return reflect.TypeFor[kubeconfigProperties]() }

type kubeconfigProperties struct {
	ProfileName *string `pulumi:"profileName"`
}

// kubeconfigResult is the method's result, the SDK's clusterGetKubeconfigResult.
type kubeconfigResult struct {
	Result string `pulumi:"result"`
}

type kubeconfigResultOutput struct{ *pulumi.OutputState }

func (kubeconfigResultOutput) ElementType() reflect.Type { return reflect.TypeFor[kubeconfigResult]() }

func (o kubeconfigResultOutput) Result() pulumi.StringOutput {
	return o.ApplyT(func(v kubeconfigResult) string { return v.Result }).(pulumi.StringOutput)
}
