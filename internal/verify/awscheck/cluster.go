package awscheck

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/mission-link/infra/internal/verify/expected"
	"github.com/mission-link/infra/internal/verify/report"
)

// Managed addons the stack's storage and pod density depend on.
const (
	AddonEBSCSI = expected.AddonEBSCSI
	AddonVpcCni = expected.AddonVpcCni
)

// ErrNoCredentials is returned when AWS does not accept the run's credentials: the command
// cannot run at all.
var ErrNoCredentials = errors.New("no usable AWS credentials")

// Identity asks STS who the run's credentials are. An error means no check can run.
func Identity(ctx context.Context, api STSAPI) (report.Result, error) {
	out, err := api.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return report.Result{}, fmt.Errorf("%w: sts:GetCallerIdentity: %w (run `aws sso login --profile <profile>`, pass --profile, or set aws:profile in the stack file)", ErrNoCredentials, err)
	}
	return report.Passf("credentials", "running as %s in account %s", aws.ToString(out.Arn), aws.ToString(out.Account)), nil
}

// ClusterWant is what the stack configured for its cluster.
type ClusterWant struct {
	Name     string
	Version  string
	LogTypes []string
}

// Cluster checks that the control plane is ACTIVE at the configured version with every configured
// log type on. It returns the cluster as EKS describes it (its endpoint and CA reach the
// Kubernetes API), or nil when EKS does not know it.
func Cluster(ctx context.Context, api EKSAPI, want ClusterWant) (report.Result, *ekstypes.Cluster) {
	const check = "cluster"
	out, err := api.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(want.Name)})
	if err != nil {
		var notFound *ekstypes.ResourceNotFoundException
		if errors.As(err, &notFound) {
			return report.Failure(check, fmt.Sprintf("EKS cluster %s does not exist", want.Name),
				"the stack was destroyed, or these outputs belong to another account or region",
				"run `pulumi up`, or check the profile and region you run verify with"), nil
		}
		return report.Failure(check, fmt.Sprintf("describing EKS cluster %s: %v", want.Name, err), "", "grant eks:DescribeCluster (docs/verify.md)"), nil
	}
	c := out.Cluster
	var problems []string
	if c.Status != ekstypes.ClusterStatusActive {
		problems = append(problems, fmt.Sprintf("status is %s, not ACTIVE", c.Status))
	}
	if got := aws.ToString(c.Version); got != want.Version {
		problems = append(problems, fmt.Sprintf("Kubernetes version is %s, the stack configures %s", got, want.Version))
	}
	if missing := missingLogTypes(c.Logging, want.LogTypes); len(missing) > 0 {
		problems = append(problems, "control plane logs off: "+strings.Join(missing, ", "))
	}
	if len(problems) > 0 {
		return report.Failure(check, fmt.Sprintf("cluster %s: %s", want.Name, strings.Join(problems, "; ")),
			"the cluster is still being created or updated, or was changed outside Pulumi (drift)",
			"wait for an update in progress to finish, then run `pulumi up` (`pulumi preview --refresh` shows the drift)"), c
	}
	return report.Passf(check, "%s is ACTIVE, Kubernetes %s, control plane logs %s", want.Name, want.Version, strings.Join(want.LogTypes, ", ")), c
}

func missingLogTypes(logging *ekstypes.Logging, want []string) []string {
	enabled := map[string]bool{}
	if logging != nil {
		for _, setup := range logging.ClusterLogging {
			for _, t := range setup.Types {
				enabled[string(t)] = aws.ToBool(setup.Enabled)
			}
		}
	}
	var missing []string
	for _, t := range want {
		if !enabled[t] {
			missing = append(missing, t)
		}
	}
	return missing
}

// Addons checks that every addon of the cluster is ACTIVE, printing an addon's health issues when
// it is not, and that the addons the stack's storage and pod density need are installed.
func Addons(ctx context.Context, api EKSAPI, cluster string) []report.Result {
	var names []string
	pages := eks.NewListAddonsPaginator(api, &eks.ListAddonsInput{ClusterName: aws.String(cluster)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return []report.Result{report.Failure("addons", fmt.Sprintf("listing the addons of %s: %v", cluster, err), "", "grant eks:ListAddons (docs/verify.md)")}
		}
		names = append(names, page.Addons...)
	}
	var results []report.Result
	for _, required := range []string{AddonVpcCni, AddonEBSCSI} {
		if !slices.Contains(names, required) {
			results = append(results, report.Failure("addon "+required, required+" is not installed",
				map[string]string{
					AddonVpcCni: "without the managed vpc-cni addon there is no prefix delegation: nodes run 17 pods and pods sit `Too many pods`",
					AddonEBSCSI: "without the EBS CSI driver PVCs stay `waiting for a volume to be created ... ebs.csi.aws.com`",
				}[required],
				"run `pulumi up`: the stack creates it"))
		}
	}
	slices.Sort(names)
	for _, name := range names {
		results = append(results, addon(ctx, api, cluster, name))
	}
	return results
}

func addon(ctx context.Context, api EKSAPI, cluster, name string) report.Result {
	check := "addon " + name
	out, err := api.DescribeAddon(ctx, &eks.DescribeAddonInput{ClusterName: aws.String(cluster), AddonName: aws.String(name)})
	if err != nil {
		return report.Failure(check, fmt.Sprintf("describing addon %s: %v", name, err), "", "grant eks:DescribeAddon (docs/verify.md)")
	}
	a := out.Addon
	if a.Status == ekstypes.AddonStatusActive {
		return report.Passf(check, "%s %s is ACTIVE", name, aws.ToString(a.AddonVersion))
	}
	var issues []string
	if a.Health != nil {
		for _, issue := range a.Health.Issues {
			text := fmt.Sprintf("%s: %s", issue.Code, aws.ToString(issue.Message))
			if len(issue.ResourceIds) > 0 {
				text += " (" + strings.Join(issue.ResourceIds, ", ") + ")"
			}
			issues = append(issues, text)
		}
	}
	cause, fix := "the addon's pods are not running or cannot reach AWS", "read the health issues below; `kubectl -n kube-system get pods` shows its pods"
	if name == AddonEBSCSI {
		cause = "the EBS CSI controller cannot run or cannot assume its IRSA role: PVCs will stay `waiting for a volume to be created ... ebs.csi.aws.com`"
		fix = "check `kubectl -n kube-system get pods -l app.kubernetes.io/name=aws-ebs-csi-driver` and that service account ebs-csi-controller-sa carries the stack's role; an addon created before its nodes recovers with `pulumi up` once nodes are Ready"
	}
	return report.Failure(check, fmt.Sprintf("%s %s is %s", name, aws.ToString(a.AddonVersion), a.Status), cause, fix).WithDetails(issues...)
}

// NodeGroup checks that the managed node group is ACTIVE without health issues and returns its
// Auto Scaling group names, which the cluster autoscaler must see.
func NodeGroup(ctx context.Context, api EKSAPI, cluster, nodeGroup string) (report.Result, []string) {
	const check = "nodegroup"
	out, err := api.DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{ClusterName: aws.String(cluster), NodegroupName: aws.String(nodeGroup)})
	if err != nil {
		return report.Failure(check, fmt.Sprintf("describing node group %s: %v", nodeGroup, err), "", "grant eks:DescribeNodegroup (docs/verify.md)"), nil
	}
	ng := out.Nodegroup
	var groups []string
	if ng.Resources != nil {
		for _, g := range ng.Resources.AutoScalingGroups {
			groups = append(groups, aws.ToString(g.Name))
		}
	}
	var issues []string
	if ng.Health != nil {
		for _, issue := range ng.Health.Issues {
			issues = append(issues, fmt.Sprintf("%s: %s (%s)", issue.Code, aws.ToString(issue.Message), strings.Join(issue.ResourceIds, ", ")))
		}
	}
	scaling := ""
	if s := ng.ScalingConfig; s != nil {
		scaling = fmt.Sprintf(", min %d / desired %d / max %d", aws.ToInt32(s.MinSize), aws.ToInt32(s.DesiredSize), aws.ToInt32(s.MaxSize))
	}
	if ng.Status != ekstypes.NodegroupStatusActive || len(issues) > 0 {
		return report.Failure(check, fmt.Sprintf("node group %s is %s%s", nodeGroup, ng.Status, scaling),
			"nodes cannot launch or join the cluster",
			"read the health issues below (the EKS console's node group page shows the same)").WithDetails(issues...), groups
	}
	return report.Passf(check, "%s is ACTIVE%s, Auto Scaling group %s", nodeGroup, scaling, strings.Join(groups, ", ")), groups
}
