// Package podbudget weighs the pods the stack runs on its node group against what holds them: the
// pods each node may run (its ENIs, with or without the VPC CNI's prefix delegation) and the pod
// addresses of the node group's subnets. The config check refuses, before anything is
// registered, a stack whose pods cannot fit (stackconfig), and the offline plan weighs the
// resources a stack registers the same way (ML-EKS-005).
//
// It imports neither the Pulumi SDK nor a provider SDK, so the config check stays fast to build.
package podbudget

import (
	"fmt"
	"slices"

	"github.com/mission-link/infra/eks/eksargs"
	"github.com/mission-link/infra/internal/awsspec"
)

// Pods the stack's workloads run besides one pod per node of each DaemonSet.
const (
	// DefaultAppMaxPods is deploy/overlays/dev's HorizontalPodAutoscaler maxReplicas.
	DefaultAppMaxPods = 3
	// ArgoCDPods: redis, server, repo-server, application- and applicationset-controller
	// (gitops/ turns dex and notifications off).
	ArgoCDPods = 5
	// AutoscalerPods is the Cluster Autoscaler chart's one replica (eks/ keeps replicaCount at
	// its default).
	AutoscalerPods       = 1
	coreDNSReplicas      = 2
	metricsServerPods    = 2 // an upper bound: the add-on runs one or two replicas
	ebsCSIControllerPods = 2
)

// Demand is pods something of the stack runs.
type Demand struct {
	Source   string `json:"source"`
	PerNode  int    `json:"perNode,omitempty"`
	Replicas int    `json:"replicas,omitempty"`
	Total    int    `json:"total"`
}

// Workloads are what runs on the node group.
type Workloads struct {
	// Addons are the managed addons installed, as EKS spells them (eksargs.Addons).
	Addons []string
	// Autoscaler is true when the Cluster Autoscaler runs.
	Autoscaler bool
	// ArgoCD is true when ArgoCD runs (gitops.enabled).
	ArgoCD bool
	// AppMaxPods is the app's HorizontalPodAutoscaler maximum.
	AppMaxPods int
}

// Demand is the pods the workloads run on a group of nodes nodes.
func (w Workloads) Demand(nodes int) []Demand {
	var d []Demand
	perNode := func(source string) { d = append(d, Demand{Source: source, PerNode: 1, Total: nodes}) }
	replicas := func(source string, n int) { d = append(d, Demand{Source: source, Replicas: n, Total: n}) }
	has := func(addon string) bool { return slices.Contains(w.Addons, addon) }
	if has(eksargs.AddonVpcCni) {
		perNode("vpc-cni (aws-node DaemonSet)")
	}
	if has(eksargs.AddonKubeProxy) {
		perNode("kube-proxy DaemonSet")
	}
	if has(eksargs.AddonEBSCSI) {
		perNode("aws-ebs-csi-driver (ebs-csi-node DaemonSet)")
		replicas("aws-ebs-csi-driver (ebs-csi-controller)", ebsCSIControllerPods)
	}
	if has(eksargs.AddonCoreDNS) {
		replicas("coredns", coreDNSReplicas)
	}
	if has(eksargs.AddonMetricsServer) {
		replicas("metrics-server", metricsServerPods)
	}
	if w.Autoscaler {
		replicas("Cluster Autoscaler", AutoscalerPods)
	}
	if w.ArgoCD {
		replicas("ArgoCD", ArgoCDPods)
	}
	replicas("the app (HPA maximum)", w.AppMaxPods)
	return d
}

// NodeGroup is what holds the pods.
type NodeGroup struct {
	InstanceTypes []string
	MaxNodes      int
	// PrefixDelegation is the VPC CNI's: each ENI slot holds a /28 of pod addresses.
	PrefixDelegation bool
	// SubnetPrefixLengths are the prefix lengths of the group's subnets; nil when unknown.
	SubnetPrefixLengths []int
}

// Fit is a node group weighed against the pods of its workloads.
type Fit struct {
	Group NodeGroup
	// InstanceType is the group's type with the fewest pods per node: a node of any of its types
	// may be the one that launches.
	InstanceType   string
	MaxPodsPerNode int
	// NodePods is what MaxNodes nodes may run: MaxPodsPerNode x MaxNodes.
	NodePods int
	// ENIs are the network interfaces MaxNodes nodes of the group's type with the most hold:
	// each takes a primary address of the subnets.
	ENIs int
	// SubnetPods is how many pod addresses the group's subnets hold once its nodes' ENIs took
	// their own (awsspec.SubnetPodAddresses, for the group's type with the most ENIs); -1 when the
	// subnets are unknown.
	SubnetPods int
	// Pods is what the group holds: the lesser of NodePods and SubnetPods.
	Pods   int
	Demand []Demand
	Needed int
}

// Fits reports whether the group holds every pod of its workloads.
func (f Fit) Fits() bool { return f.Needed <= f.Pods }

// SubnetBound reports whether the subnets, not the nodes, hold fewer pods than the workloads run.
func (f Fit) SubnetBound() bool { return f.SubnetPods >= 0 && f.SubnetPods < f.Needed }

// NodeBound reports whether the nodes may run fewer pods than the workloads run.
func (f Fit) NodeBound() bool { return f.NodePods < f.Needed }

// Weigh weighs a node group, whose instance types' network shapes are in shapes, against the pods
// of w. A type without a shape is an error: its pods are unknown.
func Weigh(g NodeGroup, w Workloads, shapes map[string]awsspec.InstanceShape) (Fit, error) {
	f := Fit{Group: g, SubnetPods: -1}
	if len(g.InstanceTypes) == 0 {
		return f, fmt.Errorf("the node group names no instance type: max pods unknown")
	}
	mostENIs := 0
	for _, t := range g.InstanceTypes {
		shape, ok := shapes[t]
		if !ok {
			return f, fmt.Errorf("no ENI data for %q (awsspec.InstanceTypes): max pods unknown", t)
		}
		if n := awsspec.MaxPods(shape, g.PrefixDelegation); f.InstanceType == "" || n < f.MaxPodsPerNode {
			f.InstanceType, f.MaxPodsPerNode = t, n
		}
		mostENIs = max(mostENIs, shape.ENIs)
	}
	f.NodePods = f.MaxPodsPerNode * g.MaxNodes
	f.Pods = f.NodePods
	f.ENIs = g.MaxNodes * mostENIs
	if len(g.SubnetPrefixLengths) > 0 {
		f.SubnetPods = awsspec.SubnetPodAddresses(g.SubnetPrefixLengths, f.ENIs, g.PrefixDelegation)
		f.Pods = min(f.Pods, f.SubnetPods)
	}
	f.Demand = w.Demand(g.MaxNodes)
	for _, d := range f.Demand {
		f.Needed += d.Total
	}
	return f, nil
}

// Remedy is the nearest change of one setting that makes the pods fit, others unchanged; a zero
// field means no change of that setting within its limits does.
type Remedy struct {
	// SubnetPrefixLength is the longest prefix length of the group's subnets that holds the pods,
	// and SubnetPods the pod addresses its subnets hold.
	SubnetPrefixLength int
	SubnetPods         int
	// MaxNodes is the fewest nodes that hold the pods.
	MaxNodes int
}

// Remedies finds, for a group that does not fit, the longest subnet prefix length from
// shortestPrefix and the fewest nodes up to maxNodes that would make it fit.
func (f Fit) Remedies(w Workloads, shapes map[string]awsspec.InstanceShape, shortestPrefix, maxNodes int) Remedy {
	var r Remedy
	weigh := func(g NodeGroup) (Fit, bool) {
		next, err := Weigh(g, w, shapes)
		return next, err == nil && next.Fits()
	}
	if f.SubnetBound() {
		longest := slices.Max(f.Group.SubnetPrefixLengths)
		for bits := longest - 1; bits >= shortestPrefix; bits-- {
			g := f.Group
			g.SubnetPrefixLengths = slices.Repeat([]int{bits}, len(g.SubnetPrefixLengths))
			if next, ok := weigh(g); ok {
				r.SubnetPrefixLength, r.SubnetPods = bits, next.SubnetPods
				break
			}
		}
	}
	if f.NodeBound() {
		for n := f.Group.MaxNodes + 1; n <= maxNodes; n++ {
			g := f.Group
			g.MaxNodes = n
			if _, ok := weigh(g); ok {
				r.MaxNodes = n
				break
			}
		}
	}
	return r
}
