package controlplane

import (
	"encoding/json"
	"errors"
	"fmt"

	pulumieks "github.com/pulumi/pulumi-eks/sdk/v2/go/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// kubeconfigOf is the kubeconfig the stack's Kubernetes provider and the `kubeconfig` output use:
// its `aws eks get-token` runs with the AWS profile the stack deploys with, in the stack's region.
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
//
// generateKubeconfig's token command has no --region (its only options are profileName and
// roleArn), so the AWS CLI would take the region from AWS_REGION or the profile, and an `aws sso`
// profile without one fails every Kubernetes call. withRegion adds the stack's own region.
func kubeconfigOf(ctx *pulumi.Context, cluster *pulumieks.Cluster, profile string, region pulumi.StringInput) (pulumi.StringOutput, error) {
	args := &pulumieks.ClusterGetKubeconfigArgs{}
	if profile != "" {
		args.ProfileName = pulumi.StringPtr(profile)
	}
	kubeconfig, err := cluster.GetKubeconfig(ctx, args)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("getting the kubeconfig of the EKS cluster: %w", err)
	}
	withStackRegion := pulumi.All(kubeconfig, region).ApplyT(func(v []any) (string, error) {
		return withRegion(v[0].(string), v[1].(string))
	}).(pulumi.StringOutput)
	return pulumi.ToSecret(withStackRegion).(pulumi.StringOutput), nil
}

// withRegion adds `--region <region>` to the exec command of every user of a kubeconfig (JSON, as
// pulumi-eks returns it), leaving the rest as it is.
func withRegion(kubeconfig, region string) (string, error) {
	var config map[string]any
	if err := json.Unmarshal([]byte(kubeconfig), &config); err != nil {
		return "", fmt.Errorf("reading the kubeconfig pulumi-eks returned: %w", err)
	}
	users, _ := config["users"].([]any)
	changed := 0
	for _, u := range users {
		user, _ := u.(map[string]any)
		settings, _ := user["user"].(map[string]any)
		exec, _ := settings["exec"].(map[string]any)
		args, ok := exec["args"].([]any)
		if !ok {
			continue
		}
		exec["args"] = append(args, "--region", region)
		changed++
	}
	if changed == 0 {
		return "", errors.New("the kubeconfig pulumi-eks returned has no exec command to add the region to")
	}
	out, err := json.Marshal(config)
	if err != nil {
		return "", fmt.Errorf("writing the kubeconfig: %w", err)
	}
	return string(out), nil
}
