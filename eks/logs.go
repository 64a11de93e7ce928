package eks

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ControlPlaneLogGroupName is the log group EKS sends a cluster's control plane logs to. EKS
// creates it itself, without a retention, when it is missing.
func ControlPlaneLogGroupName(clusterName string) string {
	return fmt.Sprintf("/aws/eks/%s/cluster", clusterName)
}

// newControlPlaneLogGroup creates the control plane's log group before the cluster, so that its
// logs expire as configured, and adopts the group when it already exists.
//
// After `pulumi destroy` EKS's service-linked role re-creates the group from late log deliveries
// (terraform-aws-eks #920, #2486, #2763; pulumi-eks 2.8.1's cluster.js only passes
// enabledClusterLogTypes to the cluster and never creates it), and creating it again would fail
// with ResourceAlreadyExistsException. So:
//   - the group is retained on delete: a destroy leaves it with its retention, so what EKS still
//     writes expires, instead of landing in a group it re-creates without one;
//   - an existing group of that name is adopted with the `import` option, and its retention then
//     set by an update. GetLogGroups answers an empty list when the group is absent (LookupLogGroup
//     would fail the run instead). Once the group is in the state, the option is harmless: the
//     engine imports only when the goal's ID differs from the ID in the state
//     (pkg/v3@v3.274.1 resource/deploy/step_generator.go, `isImport := goal.Custom && goal.ID != ""
//     && (old == nil || old.External || oldImportID != goal.ID)`), and a log group's ID is its
//     name, so the second `up` diffs it as usual.
func newControlPlaneLogGroup(ctx *pulumi.Context, name string, a ClusterArgs, parent pulumi.ResourceOrInvokeOption) (*cloudwatch.LogGroup, error) {
	logName := ControlPlaneLogGroupName(a.Name)
	opts := []pulumi.ResourceOption{parent, pulumi.Protect(a.Protect), pulumi.RetainOnDelete(true)}
	exists, err := logGroupExists(ctx, logName, a, parent)
	if err != nil {
		return nil, fmt.Errorf("looking up control plane log group %s of %s: %w", logName, name, err)
	}
	if exists {
		opts = append(opts, pulumi.Import(pulumi.ID(logName)))
	}
	logs, err := cloudwatch.NewLogGroup(ctx, name+"-control-plane", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(logName),
		RetentionInDays: pulumi.Int(a.LogRetentionInDays),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating control plane log group of %s: %w", name, err)
	}
	return logs, nil
}

// logGroupExists says whether a log group of exactly this name exists in the stack's account and
// region. It runs in preview too, so a preview shows the import.
func logGroupExists(ctx *pulumi.Context, logName string, a ClusterArgs, parent pulumi.ResourceOrInvokeOption) (bool, error) {
	opts := []pulumi.InvokeOption{parent}
	if a.AWSProvider != nil {
		opts = append(opts, pulumi.Provider(a.AWSProvider))
	}
	found, err := cloudwatch.GetLogGroups(ctx, &cloudwatch.GetLogGroupsArgs{LogGroupNamePrefix: &logName}, opts...)
	if err != nil {
		return false, err
	}
	// The prefix also matches /aws/eks/<cluster>/cluster-other.
	return slices.Contains(found.LogGroupNames, logName), nil
}
