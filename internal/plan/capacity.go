package plan

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"

	"github.com/mission-link/infra/eks/eksargs"
	"github.com/mission-link/infra/internal/awsspec"
	"github.com/mission-link/infra/internal/harness"
	"github.com/mission-link/infra/internal/podbudget"
	"github.com/mission-link/infra/internal/stackconfig"
	"github.com/mission-link/infra/vpc/vpcargs"
)

const (
	// DefaultAppMaxPods is the app's HPA maximum the plan assumes unless --app-max-pods says.
	DefaultAppMaxPods = podbudget.DefaultAppMaxPods
	argoCDChart       = "argo-cd"
	autoscalerChart   = "cluster-autoscaler"
)

// PodDemand is pods something of the stack runs.
type PodDemand = podbudget.Demand

// PodCapacity compares what a node group can run with what the stack runs on it.
type PodCapacity struct {
	NodeGroup string `json:"nodeGroup"`
	// InstanceType is the group's type with the fewest pods per node (MaxPodsPerNode).
	InstanceType     string `json:"instanceType"`
	PrefixDelegation bool   `json:"prefixDelegation"`
	MaxPodsPerNode   int    `json:"maxPodsPerNode"`
	MinNodes         int    `json:"minNodes"`
	DesiredNodes     int    `json:"desiredNodes"`
	MaxNodes         int    `json:"maxNodes"`
	// Autoscaled is true when the Cluster Autoscaler starts the nodes above the desired size on
	// demand; without it the group stays at its desired size and the rest of the capacity is
	// never there.
	Autoscaled bool        `json:"autoscaled"`
	Capacity   int         `json:"capacity"`
	Demand     []PodDemand `json:"demand"`
	Needed     int         `json:"needed"`
	// SubnetPods is how many pod addresses the node group's subnets hold: with prefix
	// delegation, the free /28 blocks (16 addresses each) not holding AWS's reserved addresses or
	// an ENI's own primary address; without it, the addresses left after those. 0 when unknown.
	SubnetPods int    `json:"subnetPods"`
	Fits       bool   `json:"fits"`
	Problem    string `json:"problem,omitempty"`
	// remedy names the config keys to change, and to what, when the pods do not fit.
	remedy string
}

// podCapacity checks every node group against the pods the stack runs (podbudget): the managed
// addons' DaemonSets on each node and Deployments, the Cluster Autoscaler and ArgoCD when
// installed, and the app at its HPA maximum.
func podCapacity(r *harness.Record, appMaxPods int) []PodCapacity {
	var out []PodCapacity
	for _, ng := range r.ByType("aws:eks/nodeGroup:NodeGroup") {
		pc, in := weighNodeGroup(r, ng, appMaxPods)
		if pc.Problem == "" && !pc.Fits {
			pc.remedy = stackconfig.PodRemedyText(in.fit, stackconfig.PodRemedy(in.fit, in.workloads, shortestSubnetPrefix(r)))
		}
		out = append(out, pc)
	}
	return out
}

// shortestSubnetPrefix is the shortest prefix length a subnet of the stack's VPC may have.
func shortestSubnetPrefix(r *harness.Record) int {
	shortest := vpcargs.MinSubnetPrefixLength
	for _, vpc := range r.ByType("aws:ec2/vpc:Vpc") {
		if p, err := netip.ParsePrefix(vpc.String("cidrBlock")); err == nil {
			shortest = max(shortest, p.Bits()+1)
		}
	}
	return shortest
}

// weighNodeGroup weighs one node group of the record, and returns what it weighed with, which
// the finding's remedies weigh again.
func weighNodeGroup(r *harness.Record, ng harness.Resource, appMaxPods int) (PodCapacity, stackPods) {
	minNodes, _ := ng.Number("scalingConfig.minSize")
	desired, _ := ng.Number("scalingConfig.desiredSize")
	maxNodes, _ := ng.Number("scalingConfig.maxSize")
	pc := PodCapacity{NodeGroup: ng.URN, MinNodes: int(minNodes), DesiredNodes: int(desired), MaxNodes: int(maxNodes),
		Autoscaled: hasRelease(r, autoscalerChart)}
	var addons []string
	for _, a := range r.ByType("aws:eks/addon:Addon") {
		addons = append(addons, a.String("addonName"))
		if a.String("addonName") == eksargs.AddonVpcCni {
			pc.PrefixDelegation = prefixDelegation(a) && ng.DependsOn(a.URN)
		}
	}
	in := stackPods{
		group: podbudget.NodeGroup{InstanceTypes: ng.Strings("instanceTypes"), MaxNodes: pc.MaxNodes, PrefixDelegation: pc.PrefixDelegation,
			SubnetPrefixLengths: nodeSubnetPrefixLengths(r, ng)},
		workloads: podbudget.Workloads{Addons: addons, Autoscaler: pc.Autoscaled, ArgoCD: hasRelease(r, argoCDChart), AppMaxPods: appMaxPods},
	}
	fit, err := podbudget.Weigh(in.group, in.workloads, awsspec.InstanceShapes())
	pc.InstanceType, pc.MaxPodsPerNode = fit.InstanceType, fit.MaxPodsPerNode
	if err != nil {
		pc.Problem = err.Error()
		return pc, in
	}
	pc.Capacity, pc.SubnetPods = fit.Pods, max(fit.SubnetPods, 0)
	pc.Demand, pc.Needed, pc.Fits = fit.Demand, fit.Needed, fit.Fits()
	in.fit = fit
	return pc, in
}

// stackPods is what a node group was weighed with.
type stackPods struct {
	group     podbudget.NodeGroup
	workloads podbudget.Workloads
	fit       podbudget.Fit
}

// nodeSubnetPrefixLengths are the prefix lengths of the subnets a node group runs in.
func nodeSubnetPrefixLengths(r *harness.Record, ng harness.Resource) []int {
	var lengths []int
	for _, urn := range ng.PropertyDependencies["subnetIds"] {
		subnet, ok := r.ByURN(urn)
		if !ok || subnet.Type != "aws:ec2/subnet:Subnet" {
			continue
		}
		if p, err := netip.ParsePrefix(subnet.String("cidrBlock")); err == nil {
			lengths = append(lengths, p.Bits())
		}
	}
	return lengths
}

func prefixDelegation(cni harness.Resource) bool {
	var config struct {
		Env map[string]string `json:"env"`
	}
	if err := json.Unmarshal([]byte(cni.String("configurationValues")), &config); err != nil {
		return false
	}
	return config.Env["ENABLE_PREFIX_DELEGATION"] == "true"
}

// hasRelease reports whether the stack installs a Helm chart.
func hasRelease(r *harness.Record, chart string) bool {
	return slices.ContainsFunc(r.ByType("kubernetes:helm.sh/v3:Release"), func(rel harness.Resource) bool { return rel.String("chart") == chart })
}

func capacityViolations(r *harness.Record, caps []PodCapacity) []violation {
	var out []violation
	for _, pc := range caps {
		ng, _ := r.ByURN(pc.NodeGroup)
		switch {
		case pc.Problem != "":
			out = append(out, violation{ng, pc.Problem})
		case !pc.Fits:
			out = append(out, violation{ng, fmt.Sprintf("the stack runs %d pods but %d x %s (max %d pods each%s) in subnets with %d pod addresses hold %d: %s",
				pc.Needed, pc.MaxNodes, pc.InstanceType, pc.MaxPodsPerNode, map[bool]string{true: ", prefix delegation", false: ", no prefix delegation"}[pc.PrefixDelegation], pc.SubnetPods, pc.Capacity, pc.remedy)})
		}
	}
	return out
}
