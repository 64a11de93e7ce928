package eks_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/mission-link/infra/eks"
	"github.com/mission-link/infra/eks/eksargs"
	"github.com/mission-link/infra/internal/harness"
	"github.com/mission-link/infra/internal/harness/harnesstest"
	"github.com/mission-link/infra/internal/iampolicy"
)

const typeRelease = "kubernetes:helm.sh/v3:Release"

// autoscalerRole is the role the autoscaler's service account assumes, found through the
// annotation the chart puts on it.
func autoscalerRole(t *testing.T, r *harness.Record, rel harness.Resource) harness.Resource {
	t.Helper()
	arn := rel.StringMap("values.rbac.serviceAccount.annotations")["eks.amazonaws.com/role-arn"]
	for _, role := range r.ByType(typeRole) {
		if role.Outputs["arn"].IsString() && role.Outputs["arn"].StringValue() == arn && arn != "" {
			return role
		}
	}
	t.Fatalf("the service account's role-arn annotation %q names no role of the stack", arn)
	return harness.Resource{}
}

func autoscalerPolicy(t *testing.T, r *harness.Record, role harness.Resource) (harness.Resource, iampolicy.Document) {
	t.Helper()
	for _, p := range r.ByType("aws:iam/rolePolicy:RolePolicy") {
		if harnesstest.Source(t, r, p, "role").URN == role.URN {
			doc, err := iampolicy.Parse(p.String("policy"))
			if err != nil {
				t.Fatal(err)
			}
			return p, doc
		}
	}
	t.Fatal("the autoscaler's role has no inline policy")
	return harness.Resource{}, iampolicy.Document{}
}

func TestAutoscalerRelease(t *testing.T) {
	r, _ := mustRun(t, devArgs())
	rel := harnesstest.Only(t, r, typeRelease)
	for key, want := range map[string]string{
		"name":                                        "cluster-autoscaler",
		"chart":                                       "cluster-autoscaler",
		"version":                                     "9.59.0",
		"repositoryOpts.repo":                         "https://kubernetes.github.io/autoscaler",
		"namespace":                                   "kube-system",
		"values.cloudProvider":                        "aws",
		"values.awsRegion":                            "ap-northeast-2",
		"values.fullnameOverride":                     "cluster-autoscaler",
		"values.image.repository":                     "registry.k8s.io/autoscaling/cluster-autoscaler",
		"values.image.tag":                            "v1.35.2", // the cluster is 1.35: the minors match
		"values.rbac.serviceAccount.name":             "cluster-autoscaler",
		"values.priorityClassName":                    "system-cluster-critical",
		"values.resources.requests.cpu":               "50m",
		"values.resources.requests.memory":            "128Mi",
		"values.resources.limits.cpu":                 "500m",
		"values.resources.limits.memory":              "512Mi",
		"values.extraArgs.expander":                   "least-waste",
		"values.extraArgs.scale-down-unneeded-time":   "5m",
		"values.extraArgs.scale-down-delay-after-add": "5m",
		"values.securityContext.seccompProfile.type":  "RuntimeDefault",
	} {
		if got := rel.String(key); got != want {
			t.Errorf("release %s = %q, want %q", key, got, want)
		}
	}
	for key, want := range map[string]bool{
		"values.extraArgs.balance-similar-node-groups":             true,
		"values.extraArgs.skip-nodes-with-local-storage":           false,
		"values.extraArgs.skip-nodes-with-system-pods":             false,
		"values.securityContext.runAsNonRoot":                      true,
		"values.containerSecurityContext.readOnlyRootFilesystem":   true,
		"values.containerSecurityContext.allowPrivilegeEscalation": false,
	} {
		if got, set := rel.Bool(key); !set || got != want {
			t.Errorf("release %s = %v (set %v), want %v", key, got, set, want)
		}
	}
	if fsGroup, _ := rel.Number("values.securityContext.fsGroup"); fsGroup != 65534 {
		t.Errorf("fsGroup %v: the projected IRSA token would not be readable by the non-root user", fsGroup)
	}
	if _, set := rel.Value("values.replicaCount"); set {
		t.Error("the release sets replicaCount: the plan and the sizing count one replica, the chart's default")
	}
	provider := harnesstest.OnlyOwn(t, r, "pulumi:providers:kubernetes")
	if rel.ProviderURN() != provider.URN {
		t.Errorf("release deployed with %q, want the cluster's provider", rel.Provider)
	}
	ng := harnesstest.Only(t, r, typeNodeGroup)
	if !rel.DependsOn(ng.URN) {
		t.Error("the release does not wait for the node group")
	}
	for _, a := range r.ByType(typeAddon) {
		if a.String("addonName") == "coredns" && !rel.DependsOn(a.URN) {
			t.Error("the release does not wait for CoreDNS: the autoscaler resolves the AWS endpoints through it")
		}
	}
}

// TestAutoscalerDiscoversTheNodeGroup: the chart discovers groups by the tags EKS puts on a
// managed node group's Auto Scaling group, the same tags the policy scopes scaling to, and the
// node group is left to the autoscaler (desired size ignored, room between min and max).
func TestAutoscalerDiscoversTheNodeGroup(t *testing.T) {
	r, _ := mustRun(t, devArgs())
	rel := harnesstest.Only(t, r, typeRelease)
	wantTags := []string{"k8s.io/cluster-autoscaler/enabled", "k8s.io/cluster-autoscaler/mission-link-test"}
	if got := rel.Strings("values.autoDiscovery.tags"); !slices.Equal(got, wantTags) {
		t.Errorf("auto-discovery tags %v, want EKS's %v", got, wantTags)
	}
	if got := rel.String("values.autoDiscovery.clusterName"); got != "mission-link-test" {
		t.Errorf("auto-discovery cluster %q", got)
	}
	_, doc := autoscalerPolicy(t, r, autoscalerRole(t, r, rel))
	s, ok := doc.FindStatement("ScaleThisClustersGroups")
	if !ok {
		t.Fatal("no scaling statement")
	}
	var conditionTags []string
	for key := range s.Condition["StringEquals"] {
		conditionTags = append(conditionTags, strings.TrimPrefix(key, "aws:ResourceTag/"))
	}
	slices.Sort(conditionTags)
	if !slices.Equal(conditionTags, wantTags) {
		t.Errorf("the policy scopes scaling to tags %v, the chart discovers %v", conditionTags, wantTags)
	}
	ng := harnesstest.Only(t, r, typeNodeGroup)
	if !slices.Equal(ng.Options.IgnoreChanges, []string{"scalingConfig.desiredSize"}) {
		t.Errorf("ignoreChanges %v: the autoscaler's desired size would be reset by the next pulumi up", ng.Options.IgnoreChanges)
	}
}

func TestAutoscalerTrust(t *testing.T) {
	r, out := mustRun(t, devArgs())
	role := autoscalerRole(t, r, harnesstest.Only(t, r, typeRelease))
	trust, err := iampolicy.Parse(role.String("assumeRolePolicy"))
	if err != nil {
		t.Fatal(err)
	}
	issuer := strings.TrimPrefix(out.issuer, "https://")
	if len(trust.Statement) != 1 {
		t.Fatalf("trust policy has %d statements", len(trust.Statement))
	}
	s := trust.Statement[0]
	if !slices.Equal(s.Action, []string{"sts:AssumeRoleWithWebIdentity"}) ||
		!slices.Equal(s.Principal.Federated, []string{"arn:aws:iam::123456789012:oidc-provider/" + issuer}) {
		t.Errorf("trust statement %+v", s)
	}
	want := iampolicy.Conditions{"StringEquals": {
		issuer + ":sub": {"system:serviceaccount:kube-system:cluster-autoscaler"},
		issuer + ":aud": {"sts.amazonaws.com"},
	}}
	if !equalConditions(s.Condition, want) {
		t.Errorf("trust conditions %v, want %v", s.Condition, want)
	}
	for _, a := range r.ByType(typeAttach) {
		if !a.StandIn && harnesstest.Source(t, r, a, "role").URN == role.URN {
			t.Errorf("the autoscaler's role has a managed policy %s beside its inline one", a.String("policyArn"))
		}
	}
}

// scalingGrantsOutsideCluster returns the statements that allow a scaling action without both
// discovery tags of the cluster as conditions.
func scalingGrantsOutsideCluster(doc iampolicy.Document, cluster string) []string {
	var out []string
	for _, s := range doc.Statement {
		if s.Effect != iampolicy.Allow || !slices.ContainsFunc(s.Action, func(a string) bool { return slices.Contains(eks.AutoscalerScalingActions, a) }) {
			continue
		}
		eq := s.Condition["StringEquals"]
		if len(s.Condition) != 1 || len(eq) != 2 ||
			!slices.Equal(eq["aws:ResourceTag/k8s.io/cluster-autoscaler/enabled"], []string{"true"}) ||
			!slices.Equal(eq["aws:ResourceTag/k8s.io/cluster-autoscaler/"+cluster], []string{"owned"}) {
			out = append(out, s.Sid)
		}
	}
	return out
}

func TestAutoscalerPolicy(t *testing.T) {
	r, _ := mustRun(t, devArgs())
	p, doc := autoscalerPolicy(t, r, autoscalerRole(t, r, harnesstest.Only(t, r, typeRelease)))
	granted := map[string][]string{}
	for _, s := range doc.Statement {
		if s.Effect != iampolicy.Allow {
			t.Errorf("statement %s is not an Allow", s.Sid)
		}
		for _, a := range s.Action {
			granted[a] = append(granted[a], s.Resource...)
		}
	}
	ng := harnesstest.Only(t, r, typeNodeGroup)
	want := map[string][]string{
		"autoscaling:DescribeAutoScalingGroups":        {"*"},
		"autoscaling:DescribeAutoScalingInstances":     {"*"},
		"autoscaling:DescribeLaunchConfigurations":     {"*"},
		"autoscaling:DescribeScalingActivities":        {"*"},
		"ec2:DescribeImages":                           {"*"},
		"ec2:DescribeInstanceTypes":                    {"*"},
		"ec2:DescribeLaunchTemplateVersions":           {"*"},
		"ec2:GetInstanceTypesFromInstanceRequirements": {"*"},
		"eks:DescribeNodegroup":                        {ng.Outputs["arn"].StringValue()},
		// Under the tag conditions below.
		"autoscaling:SetDesiredCapacity":                  {"*"},
		"autoscaling:TerminateInstanceInAutoScalingGroup": {"*"},
	}
	if !maps.EqualFunc(granted, want, slices.Equal) {
		t.Errorf("the policy grants %v\nwant exactly %v", granted, want)
	}
	if !slices.Contains(p.PropertyDependencies["policy"], ng.URN) {
		t.Error("the policy's node group ARN does not come from the node group")
	}
	if bad := scalingGrantsOutsideCluster(doc, "mission-link-test"); len(bad) != 0 {
		t.Errorf("statements %v scale Auto Scaling groups that are not this cluster's", bad)
	}
	// The check above fails for a policy whose scaling statement lost either tag condition.
	for _, drop := range []string{"aws:ResourceTag/k8s.io/cluster-autoscaler/enabled", "aws:ResourceTag/k8s.io/cluster-autoscaler/mission-link-test"} {
		broken := eks.AutoscalerPolicy("mission-link-test", "arn:aws:eks:ap-northeast-2:123456789012:nodegroup/x/y/z")
		for i := range broken.Statement {
			if broken.Statement[i].Condition != nil {
				delete(broken.Statement[i].Condition["StringEquals"], drop)
			}
		}
		if bad := scalingGrantsOutsideCluster(broken, "mission-link-test"); !slices.Equal(bad, []string{"ScaleThisClustersGroups"}) {
			t.Errorf("without %s: %v", drop, bad)
		}
	}
}

func TestAutoscalerOff(t *testing.T) {
	args := devArgs()
	off := false
	args.Autoscaler.Enabled = &off
	args.NodeGroup.MinSize, args.NodeGroup.DesiredSize, args.NodeGroup.MaxSize = ptr(2), ptr(2), ptr(2)
	r, _ := mustRun(t, args)
	if n := len(r.ByType(typeRelease)); n != 0 {
		t.Errorf("%d Helm releases with the autoscaler off", n)
	}
	for _, role := range r.ByType(typeRole) {
		if strings.Contains(role.Name, "autoscaler") {
			t.Errorf("role %s with the autoscaler off", role.Name)
		}
	}
	ng := harnesstest.Only(t, r, typeNodeGroup)
	if len(ng.Options.IgnoreChanges) != 0 {
		t.Errorf("ignoreChanges %v with no autoscaler: nothing would put the group back to desiredSize", ng.Options.IgnoreChanges)
	}
	if desired, _ := ng.Number("scalingConfig.desiredSize"); desired != 2 {
		t.Errorf("desiredSize %v, want 2", desired)
	}
}

// TestAutoscalerOnSpot: a spot group of several pools of one size, as the dev stack may run.
func TestAutoscalerOnSpot(t *testing.T) {
	args := devArgs()
	args.NodeGroup = eksargs.NodeGroupArgs{InstanceTypes: []string{"t3.medium", "t3a.medium"}, CapacityType: eksargs.CapacitySpot}
	r, _ := mustRun(t, args)
	ng := harnesstest.Only(t, r, typeNodeGroup)
	if ng.String("capacityType") != "SPOT" || !slices.Equal(ng.Strings("instanceTypes"), []string{"t3.medium", "t3a.medium"}) {
		t.Errorf("node group %s %v", ng.String("capacityType"), ng.Strings("instanceTypes"))
	}
	if rel := harnesstest.Only(t, r, typeRelease); rel.String("values.image.tag") != "v1.35.2" {
		t.Errorf("the spot group gets autoscaler %q", rel.String("values.image.tag"))
	}
	args.NodeGroup.InstanceTypes = []string{"t3.medium", "t3.large"}
	if _, _, err := runCluster(t, args); err == nil || !strings.Contains(err.Error(), `cluster.nodeGroup.instanceTypes[1] ("t3.large")`) {
		t.Errorf("a spot group of two sizes: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }
