package controlplane

import (
	"fmt"

	pulumieks "github.com/pulumi/pulumi-eks/sdk/v2/go/eks"
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
func kubeconfigOf(ctx *pulumi.Context, cluster *pulumieks.Cluster, profile string) (pulumi.StringOutput, error) {
	args := &pulumieks.ClusterGetKubeconfigArgs{}
	if profile != "" {
		args.ProfileName = pulumi.StringPtr(profile)
	}
	kubeconfig, err := cluster.GetKubeconfig(ctx, args)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("getting the kubeconfig of the EKS cluster: %w", err)
	}
	return pulumi.ToSecret(kubeconfig).(pulumi.StringOutput), nil
}
