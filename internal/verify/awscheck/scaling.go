package awscheck

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/mission-link/infra/internal/verify/expected"
	"github.com/mission-link/infra/internal/verify/report"
)

// scalingActions are what the cluster autoscaler calls to grow and shrink a group.
var scalingActions = []string{"autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"}

// otherCluster names the cluster whose tags a group of another cluster carries.
const otherCluster = "mission-link-verify-other-cluster"

// ScalingWant is the role the running autoscaler uses and the groups it must be able to scale.
type ScalingWant struct {
	// RoleARN is the role the autoscaler's ServiceAccount names (kubecheck.AutoscalerRoleARN).
	RoleARN string
	Cluster string
	// AutoScalingGroups are the node group's groups (NodeGroup).
	AutoScalingGroups []string
}

// tag is one tag of an Auto Scaling group.
type tag struct{ key, value string }

// group is an Auto Scaling group as DescribeAutoScalingGroups describes it.
type group struct {
	arn  string
	tags []tag
}

// AutoscalerScaling simulates the autoscaler's role (iam:SimulatePrincipalPolicy) on each of the
// node group's Auto Scaling groups, with the ARN and tags autoscaling:DescribeAutoScalingGroups
// gives: it may set the group's desired capacity and terminate its instances, and may not do
// either to a group tagged for another cluster. The role's policy allows scaling only on a group
// tagged for this cluster (aws:ResourceTag conditions), so the simulation carries the group's tags
// as context: the simulator does not read them itself. The autoscaler status ConfigMap cannot show
// this: an autoscaler discovers the group with the describe actions and then fails every scale-up.
func AutoscalerScaling(ctx context.Context, groups AutoScalingAPI, api IAMAPI, want ScalingWant) []report.Result {
	const check = "autoscaler.role"
	if len(want.AutoScalingGroups) == 0 {
		// DescribeAutoScalingGroups without names would describe every group of the region.
		return []report.Result{report.Skipf(check, "not checked: EKS names no Auto Scaling group of the node group (see the nodegroup line)")}
	}
	found := map[string]group{}
	pages := autoscaling.NewDescribeAutoScalingGroupsPaginator(groups, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: want.AutoScalingGroups})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return []report.Result{report.Failure(check, fmt.Sprintf("describing Auto Scaling group %s: %v", strings.Join(want.AutoScalingGroups, ", "), err), "", "grant autoscaling:DescribeAutoScalingGroups (docs/verify.md)")}
		}
		for _, g := range page.AutoScalingGroups {
			var tags []tag
			for _, t := range g.Tags {
				tags = append(tags, tag{aws.ToString(t.Key), aws.ToString(t.Value)})
			}
			slices.SortFunc(tags, func(a, b tag) int { return strings.Compare(a.key, b.key) })
			found[aws.ToString(g.AutoScalingGroupName)] = group{aws.ToString(g.AutoScalingGroupARN), tags}
		}
	}
	var results []report.Result
	beside := ""
	for _, name := range want.AutoScalingGroups {
		g, ok := found[name]
		if !ok {
			results = append(results, report.Failure(check, fmt.Sprintf("Auto Scaling group %s does not exist", name),
				"the node group's group was deleted outside EKS: the node group cannot launch nodes and the autoscaler has nothing to scale",
				"see the nodegroup line; `aws eks describe-nodegroup` shows the node group's health issues"))
			continue
		}
		results = append(results, simulateScaling(ctx, api, want, name, g.arn, g.tags, true))
		beside = g.arn
	}
	if beside != "" {
		// One group of another cluster, in the node group's account and region, is enough: the
		// role's condition is on tags, not on which group.
		other := []tag{{expected.AutoscalerEnabledTag, expected.AutoscalerEnabledTagValue}, {expected.AutoscalerClusterTag(otherCluster), expected.AutoscalerClusterTagValue}}
		results = append(results, simulateScaling(ctx, api, want, "another cluster's group", otherGroupARN(beside), other, false))
	}
	return results
}

// otherGroupARN is a group beside the node group's, in its account and region, that another
// cluster owns: the role must not scale it.
func otherGroupARN(groupARN string) string {
	prefix, _, _ := strings.Cut(groupARN, ":autoScalingGroup:")
	return prefix + ":autoScalingGroup:00000000-0000-4000-8000-000000000000:autoScalingGroupName/" + otherCluster + "-nodes"
}

// simulateScaling simulates the scaling actions on one group as a request carrying its tags.
func simulateScaling(ctx context.Context, api IAMAPI, want ScalingWant, name, groupARN string, groupTags []tag, wantAllowed bool) report.Result {
	const check = "autoscaler.role"
	var entries []iamtypes.ContextEntry
	var shown []string
	for _, t := range groupTags {
		entries = append(entries, iamtypes.ContextEntry{
			ContextKeyName: aws.String("aws:ResourceTag/" + t.key), ContextKeyType: iamtypes.ContextKeyTypeEnumString, ContextKeyValues: []string{t.value},
		})
		shown = append(shown, t.key+"="+t.value)
	}
	evaluated, err := evaluate(ctx, api, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(want.RoleARN),
		ActionNames:     scalingActions,
		ResourceArns:    []string{groupARN},
		ContextEntries:  entries,
	})
	if err != nil {
		return report.Failure(check, fmt.Sprintf("simulating %s on %s for %s: %v", strings.Join(scalingActions, ", "), groupARN, want.RoleARN, err), "", "grant iam:SimulatePrincipalPolicy on the autoscaler's role (docs/verify.md)")
	}
	var allowed, denied []string
	for _, e := range evaluated {
		if e.EvalDecision == iamtypes.PolicyEvaluationDecisionTypeAllowed {
			allowed = append(allowed, aws.ToString(e.EvalActionName))
		} else {
			denied = append(denied, fmt.Sprintf("%s is %s", aws.ToString(e.EvalActionName), e.EvalDecision))
		}
	}
	role := want.RoleARN[strings.LastIndex(want.RoleARN, "/")+1:]
	details := append([]string{"tags: " + orNothing(shown)}, evaluationDetails(evaluated)...)
	switch {
	case wantAllowed && len(denied) == 0:
		return report.Passf(check, "the autoscaler's role %s may scale %s (%s, as a request carrying its %d tags)", role, name, strings.Join(scalingActions, ", "), len(groupTags))
	case !wantAllowed && len(allowed) == 0:
		return report.Passf(check, "the autoscaler's role %s may not scale %s (tagged %s): %s", role, name, strings.Join(shown, ", "), strings.Join(denied, ", "))
	case wantAllowed:
		return report.Failure(check, fmt.Sprintf("the autoscaler's role %s may not scale %s: %s", role, name, strings.Join(denied, ", ")),
			fmt.Sprintf("the autoscaler discovers the group but every scale-up and scale-down fails with AccessDenied (its log shows it): pods stay Pending and the node group never grows. The role may scale only groups tagged %s=%s and %s=%s: the group lost a tag, or the role lost its scaling statement",
				expected.AutoscalerEnabledTag, expected.AutoscalerEnabledTagValue, expected.AutoscalerClusterTag(want.Cluster), expected.AutoscalerClusterTagValue),
			fmt.Sprintf("compare the group's tags below with those; EKS tags a managed node group's group itself, so restore a removed tag with `aws autoscaling create-or-update-tags --tags ResourceId=%s,ResourceType=auto-scaling-group,Key=<key>,Value=<value>,PropagateAtLaunch=true`; run `pulumi up --refresh` to restore the role's policy", name)).
			WithDetails(details...)
	default:
		return report.Failure(check, fmt.Sprintf("the autoscaler's role %s may scale %s: %s allowed", role, name, strings.Join(allowed, ", ")),
			"a policy attached outside the stack grants the scaling actions without the cluster's tag condition: this autoscaler could resize or empty another cluster's node groups",
			fmt.Sprintf("detach the extra policy: `aws iam list-attached-role-policies --role-name %s` and `aws iam list-role-policies --role-name %s`", role, role)).
			WithDetails(details...)
	}
}

func orNothing(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}
