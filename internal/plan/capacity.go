package plan

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"

	"github.com/mission-link/infra/internal/awsspec"
	"github.com/mission-link/infra/internal/harness"
)

const (
	DefaultAppMaxPods   = 3 // deploy/overlays/dev's HorizontalPodAutoscaler maxReplicas
	argoCDChart         = "argo-cd"
	argoCDPods          = 5 // redis, server, repo-server, application- and applicationset-controller (gitops/ turns dex and notifications off)
	autoscalerChart     = "cluster-autoscaler"
	autoscalerPods      = 1 // the chart's one replica (eks/ keeps replicaCount at its default)
	coreDNSReplicas     = 2
	metricsServerPods   = 2 // an upper bound: the add-on runs one or two replicas
	ebsCSIControllerPod = 2
)

// PodDemand is pods something of the stack runs.
type PodDemand struct {
	Source   string `json:"source"`
	PerNode  int    `json:"perNode,omitempty"`
	Replicas int    `json:"replicas,omitempty"`
	Total    int    `json:"total"`
}

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
}

// MaxPods is how many pods EKS lets a node of this shape run.
func MaxPods(shape InstanceShape, prefixDelegation bool) int {
	return awsspec.MaxPods(awsspec.InstanceShape(shape), prefixDelegation)
}

// podCapacity checks every node group against the pods the stack runs: the managed addons'
// DaemonSets on each node and Deployments, the Cluster Autoscaler and ArgoCD when installed, and
// the app at its HPA maximum.
func podCapacity(r *harness.Record, shapes map[string]InstanceShape, appMaxPods int) []PodCapacity {
	addons := map[string]harness.Resource{}
	for _, a := range r.ByType("aws:eks/addon:Addon") {
		addons[a.String("addonName")] = a
	}
	var out []PodCapacity
	for _, ng := range r.ByType("aws:eks/nodeGroup:NodeGroup") {
		minNodes, _ := ng.Number("scalingConfig.minSize")
		desired, _ := ng.Number("scalingConfig.desiredSize")
		maxNodes, _ := ng.Number("scalingConfig.maxSize")
		pc := PodCapacity{NodeGroup: ng.URN, MinNodes: int(minNodes), DesiredNodes: int(desired), MaxNodes: int(maxNodes),
			Autoscaled: hasRelease(r, autoscalerChart)}
		cni, hasCNI := addons["vpc-cni"]
		pc.PrefixDelegation = hasCNI && prefixDelegation(cni) && ng.DependsOn(cni.URN)
		pc.InstanceType, pc.MaxPodsPerNode, pc.Problem = smallestPodLimit(ng.Strings("instanceTypes"), shapes, pc.PrefixDelegation)
		if pc.Problem != "" {
			out = append(out, pc)
			continue
		}
		pc.Capacity = pc.MaxPodsPerNode * pc.MaxNodes
		if subnets := nodeSubnetPrefixLengths(r, ng); len(subnets) > 0 {
			shape := shapes[pc.InstanceType]
			pc.SubnetPods = awsspec.SubnetPodAddresses(subnets, pc.MaxNodes*shape.ENIs, pc.PrefixDelegation)
			pc.Capacity = min(pc.Capacity, pc.SubnetPods)
		}
		pc.Demand = podDemand(r, addons, pc.MaxNodes, appMaxPods)
		for _, d := range pc.Demand {
			pc.Needed += d.Total
		}
		pc.Fits = pc.Needed <= pc.Capacity
		out = append(out, pc)
	}
	return out
}

// smallestPodLimit is the group's type with the fewest pods per node and that limit: a node of
// any of its types may be the one that launches. A type without ENI data is a problem.
func smallestPodLimit(types []string, shapes map[string]InstanceShape, prefixDelegation bool) (instanceType string, maxPods int, problem string) {
	if len(types) == 0 {
		return "", 0, "the node group names no instance type: max pods unknown"
	}
	for _, t := range types {
		shape, ok := shapes[t]
		if !ok {
			return t, 0, fmt.Sprintf("data/prices.json has no ENI data for %q: max pods unknown", t)
		}
		if n := MaxPods(shape, prefixDelegation); instanceType == "" || n < maxPods {
			instanceType, maxPods = t, n
		}
	}
	return instanceType, maxPods, ""
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

func podDemand(r *harness.Record, addons map[string]harness.Resource, nodes, appMaxPods int) []PodDemand {
	var d []PodDemand
	perNode := func(source string) { d = append(d, PodDemand{Source: source, PerNode: 1, Total: nodes}) }
	replicas := func(source string, n int) { d = append(d, PodDemand{Source: source, Replicas: n, Total: n}) }
	if _, ok := addons["vpc-cni"]; ok {
		perNode("vpc-cni (aws-node DaemonSet)")
	}
	if _, ok := addons["kube-proxy"]; ok {
		perNode("kube-proxy DaemonSet")
	}
	if _, ok := addons["aws-ebs-csi-driver"]; ok {
		perNode("aws-ebs-csi-driver (ebs-csi-node DaemonSet)")
		replicas("aws-ebs-csi-driver (ebs-csi-controller)", ebsCSIControllerPod)
	}
	if _, ok := addons["coredns"]; ok {
		replicas("coredns", coreDNSReplicas)
	}
	if _, ok := addons["metrics-server"]; ok {
		replicas("metrics-server", metricsServerPods)
	}
	if hasRelease(r, autoscalerChart) {
		replicas("Cluster Autoscaler", autoscalerPods)
	}
	if hasRelease(r, argoCDChart) {
		replicas("ArgoCD", argoCDPods)
	}
	replicas("the app (HPA maximum)", appMaxPods)
	return d
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
			out = append(out, violation{ng, fmt.Sprintf("the stack runs %d pods but %d x %s (max %d pods each%s) in subnets with %d pod addresses hold %d",
				pc.Needed, pc.MaxNodes, pc.InstanceType, pc.MaxPodsPerNode, map[bool]string{true: ", prefix delegation", false: ", no prefix delegation"}[pc.PrefixDelegation], pc.SubnetPods, pc.Capacity)})
		}
	}
	return out
}
