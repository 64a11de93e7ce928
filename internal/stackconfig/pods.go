package stackconfig

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/mission-link/infra/eks/eksargs"
	"github.com/mission-link/infra/gitops/gitopsargs"
	"github.com/mission-link/infra/internal/awsspec"
	"github.com/mission-link/infra/internal/podbudget"
	"github.com/mission-link/infra/vpc/vpcargs"
)

// Config keys that decide whether the stack's pods fit on its node group.
var (
	privatePrefixKey = vpcargs.ConfigKey + ".privateSubnetPrefixLength"
	zoneCountKey     = vpcargs.ConfigKey + ".availabilityZoneCount"
	cidrBlockKey     = vpcargs.ConfigKey + ".cidrBlock"
	maxSizeKey       = eksargs.ConfigKey + ".nodeGroup.maxSize"
	instanceTypesKey = eksargs.ConfigKey + ".nodeGroup.instanceTypes"
)

// Pods is what the stack runs on its node group, and the node group as the config builds it: the
// cluster installs every managed addon of eksargs.Addons, the VPC CNI always with prefix
// delegation (eks/addons.go), and the node group runs in every private subnet. The app runs at
// the dev overlay's HPA maximum (podbudget.DefaultAppMaxPods). A plan test holds this equal to
// what the program registers.
func (s Stack) Pods() (podbudget.NodeGroup, podbudget.Workloads) {
	n, ng := s.Network, s.Cluster.NodeGroup
	group := podbudget.NodeGroup{
		InstanceTypes:       ng.InstanceTypes,
		PrefixDelegation:    true,
		SubnetPrefixLengths: slices.Repeat([]int{n.PrivateSubnetPrefixLength}, max(n.AvailabilityZoneCount, 0)),
	}
	if ng.MaxSize != nil {
		group.MaxNodes = *ng.MaxSize
	}
	return group, podbudget.Workloads{
		Addons:     slices.Clone(eksargs.Addons),
		Autoscaler: s.Cluster.Autoscaler.IsEnabled(),
		ArgoCD:     s.GitOps.Enabled,
		AppMaxPods: podbudget.DefaultAppMaxPods,
	}
}

// checkPods refuses a stack whose pods cannot fit on its node group, before anything is
// registered: too few pod addresses in the private subnets (the VPC CNI's prefix delegation
// hands out whole aligned /28 blocks, AWS reserves addresses at both ends of a subnet, and the
// nodes' ENIs take their own), or too few pods per node at the group's maximum size. EKS would
// build the cluster and `pulumi up` report success while pods wait forever for an address or
// stay Pending (`Too many pods`). It runs only on settings that are valid on their own: a
// setting's own error says more than its effect on pods.
func checkPods(s Stack) error {
	return checkPodsWith(s, awsspec.InstanceShapes())
}

// checkPodsWith is checkPods with the instance types' network shapes in shapes.
func checkPodsWith(s Stack, shapes map[string]awsspec.InstanceShape) error {
	if s.Network.Validate() != nil || s.Cluster.Validate() != nil {
		return nil
	}
	group, workloads := s.Pods()
	fit, err := podbudget.Weigh(group, workloads, shapes)
	if err != nil || fit.Fits() {
		return nil
	}
	remedy := fit.Remedies(workloads, shapes, shortestPrivatePrefix(s.Network), eksargs.MaxNodeGroupSize)
	var errs []error
	if fit.SubnetBound() {
		fix := fmt.Sprintf("No prefix length down to /%d holds them: lower %s or raise %s", shortestPrivatePrefix(s.Network), maxSizeKey, zoneCountKey)
		if bits := remedy.SubnetPrefixLength; bits != 0 {
			fix = fmt.Sprintf("Use %d or less: /%d subnets hold %d", bits, bits, remedy.SubnetPods) + s.cidrFits(bits)
		}
		errs = append(errs, fmt.Errorf("%s (%d) leaves the pods %d addresses but the stack runs %d (%s%s): %s (%d) private subnets of /%d, whose free /28 blocks the VPC CNI hands out whole (prefix delegation, always on) once AWS's reserved addresses and the %d network interfaces of up to %s (%d) nodes of %s (%s) took theirs. "+
			"No pod beyond them would get an address, while `pulumi up` reports success. %s",
			privatePrefixKey, s.Network.PrivateSubnetPrefixLength, fit.SubnetPods, fit.Needed, demandText(fit.Demand), s.optionalPods(),
			zoneCountKey, s.Network.AvailabilityZoneCount, s.Network.PrivateSubnetPrefixLength, fit.ENIs, maxSizeKey, fit.Group.MaxNodes, instanceTypesKey, strings.Join(fit.Group.InstanceTypes, ", "), fix))
	}
	if fit.NodeBound() {
		errs = append(errs, fmt.Errorf("%s (%d) x %s (%s; at most %d pods each) hold %d pods but the stack runs %d (%s%s): the rest would stay Pending (`Too many pods`). %s",
			maxSizeKey, fit.Group.MaxNodes, fit.InstanceType, instanceTypesKey, fit.MaxPodsPerNode, fit.NodePods, fit.Needed, demandText(fit.Demand), s.optionalPods(), nodeFix(remedy)))
	}
	return errors.Join(errs...)
}

// PodRemedy is the nearest single change of the config that makes the pods of a node group fit:
// the private subnets' prefix length (down to shortest) or the node group's maximum size.
func PodRemedy(fit podbudget.Fit, w podbudget.Workloads, shortest int) podbudget.Remedy {
	return fit.Remedies(w, awsspec.InstanceShapes(), shortest, eksargs.MaxNodeGroupSize)
}

// PodRemedyText says which config keys to change, and to what, for pods that do not fit: the
// offline plan's ML-EKS-005 says it too.
func PodRemedyText(fit podbudget.Fit, r podbudget.Remedy) string {
	var fixes []string
	if fit.SubnetBound() {
		if r.SubnetPrefixLength != 0 {
			fixes = append(fixes, fmt.Sprintf("set %s to %d or less", privatePrefixKey, r.SubnetPrefixLength))
		} else {
			fixes = append(fixes, fmt.Sprintf("raise %s or lower %s", zoneCountKey, maxSizeKey))
		}
	}
	if fit.NodeBound() {
		fixes = append(fixes, nodeFix(r))
	}
	return strings.Join(fixes, "; ")
}

func nodeFix(r podbudget.Remedy) string {
	if r.MaxNodes != 0 {
		return fmt.Sprintf("set %s to %d or more, or name types of more pods per node in %s", maxSizeKey, r.MaxNodes, instanceTypesKey)
	}
	return fmt.Sprintf("no %s up to %d holds them: name types of more pods per node in %s", maxSizeKey, eksargs.MaxNodeGroupSize, instanceTypesKey)
}

// shortestPrivatePrefix is the shortest prefix length a private subnet of this VPC may have.
func shortestPrivatePrefix(n vpcargs.NetworkArgs) int {
	shortest := vpcargs.MinSubnetPrefixLength
	if p, err := netip.ParsePrefix(n.CidrBlock); err == nil {
		shortest = max(shortest, p.Bits()+1)
	}
	return shortest
}

// cidrFits says, when a private prefix length that holds the pods does not leave room for every
// AZ's subnets in the VPC, that the VPC must grow too.
func (s Stack) cidrFits(bits int) string {
	n := s.Network
	n.PrivateSubnetPrefixLength = bits
	if n.Validate() == nil {
		return ""
	}
	return fmt.Sprintf(", and widen %s (%s): %s (%d) public and private subnets of /%d and /%d must fit in it",
		cidrBlockKey, n.CidrBlock, zoneCountKey, n.AvailabilityZoneCount, n.PublicSubnetPrefixLength, bits)
}

// optionalPods names the keys that turn on the optional pods the stack runs.
func (s Stack) optionalPods() string {
	var on []string
	if s.Cluster.Autoscaler.IsEnabled() {
		on = append(on, "the Cluster Autoscaler with "+eksargs.ConfigKey+".autoscaler.enabled")
	}
	if s.GitOps.Enabled {
		on = append(on, "ArgoCD with "+gitopsargs.ConfigKey+".enabled")
	}
	if len(on) == 0 {
		return ""
	}
	return "; " + strings.Join(on, ", ")
}

func demandText(d []podbudget.Demand) string {
	parts := make([]string, 0, len(d))
	for _, x := range d {
		parts = append(parts, fmt.Sprintf("%s %d", x.Source, x.Total))
	}
	return strings.Join(parts, ", ")
}
