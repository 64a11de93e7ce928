// Package eksargs is the configuration of the cluster (`cluster:`): its Args, their defaults and
// their validation, which stackconfig decodes the stack file into and eks.NewCluster takes.
//
// It is a package apart from eks, and imports neither the Pulumi SDK nor a provider SDK, so
// that what reads and checks config builds in seconds: stackconfig's tests, and its fuzz targets,
// whose coverage instrumentation recompiles everything they link. What the program wires in from
// the rest of the stack (outputs, providers) is in eks's own Args, which embed these.
// (eksctl keeps its config types apart from its builders the same way:
// pkg/apis/eksctl.io/v1alpha5 beside pkg/cfn/builder.)
package eksargs

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/mission-link/infra/internal/awsspec"
)

// ConfigKey is where ClusterArgs lives in Pulumi.<stack>.yaml; validation messages lead with key
// paths below it.
const ConfigKey = "cluster"

// Managed addons, as EKS spells them. The cluster installs every one (eks/addons.go); the pods
// they run count in the node group's pod budget (internal/podbudget).
const (
	AddonVpcCni    = "vpc-cni"
	AddonEBSCSI    = "aws-ebs-csi-driver"
	AddonCoreDNS   = "coredns"
	AddonKubeProxy = "kube-proxy"
	// AddonMetricsServer is the EKS community add-on that serves the resource metrics the app's
	// HorizontalPodAutoscaler scales on; EKS does not install it.
	AddonMetricsServer = "metrics-server"
)

// Addons are the managed addons every cluster of the stack installs.
var Addons = []string{AddonVpcCni, AddonEBSCSI, AddonCoreDNS, AddonKubeProxy, AddonMetricsServer}

// Capacity types a managed node group accepts.
const (
	CapacityOnDemand = "ON_DEMAND"
	CapacitySpot     = "SPOT"
)

// Defaults, named so that docs, config and code agree.
const (
	// DefaultVersion is in EKS standard support until 2027-03-27 (awsspec.EKSVersions).
	DefaultVersion            = "1.35"
	DefaultLogRetentionInDays = 30
	DefaultInstanceType       = "t3.medium"
	DefaultCapacityType       = CapacityOnDemand
	DefaultMinSize            = 1
	DefaultDesiredSize        = 1
	DefaultMaxSize            = 2
	DefaultDiskSizeGiB        = 20
	DefaultWarmPrefixTarget   = 1
	minDiskSizeGiB            = 20 // the Amazon Linux 2023 EKS AMI's root snapshot
	maxDiskSizeGiB            = 16384
	MaxNodeGroupSize          = 100
)

// Defaults of the cluster.autoscaler block.
const (
	// DefaultAutoscalerEnabled: the node group's maximum means something only when something
	// starts the nodes above the desired size.
	DefaultAutoscalerEnabled = true
	// DefaultScaleDownUnneededMinutes is how long a node must be unneeded before the autoscaler
	// removes it (the autoscaler's own default is 10): a dev stack pays for its second node by
	// the hour, so it goes sooner once a burst is over.
	DefaultScaleDownUnneededMinutes = 5
	// DefaultScaleDownDelayAfterAddMinutes is how long scale-down waits after a scale-up (the
	// autoscaler's own default is 10).
	DefaultScaleDownDelayAfterAddMinutes = 5
	maxScaleDownMinutes                  = 1440
)

// ClusterArgs configures the Cluster component. Its JSON names are the keys of the stack's
// `cluster:` config block.
type ClusterArgs struct {
	// Name is the EKS cluster name. Default "<project>-<stack>" (set by the program).
	Name string `json:"name"`
	// Version is the Kubernetes minor version: one the EKS calendar (awsspec.EKSVersions) still
	// supports on SupportDate, in standard or extended support. Default "1.35".
	Version string `json:"version"`
	// PublicAccessCidrs may reach the public API endpoint. Required: the CIDRs you deploy from.
	PublicAccessCidrs []string `json:"publicAccessCidrs"`
	// AllowPublicAccessFromAnywhere must be true for publicAccessCidrs to contain 0.0.0.0/0.
	AllowPublicAccessFromAnywhere bool `json:"allowPublicAccessFromAnywhere"`
	// AdminRoleArns get cluster-admin access entries, beside the cluster's creator.
	AdminRoleArns []string `json:"adminRoleArns"`
	// LogRetentionInDays keeps the control plane logs. Default 30.
	LogRetentionInDays int `json:"logRetentionInDays"`
	// NodeGroup is the managed node group.
	NodeGroup NodeGroupArgs `json:"nodeGroup"`
	// VpcCni configures the VPC CNI addon.
	VpcCni VpcCniArgs `json:"vpcCni"`
	// Autoscaler is the Kubernetes Cluster Autoscaler that scales the node group.
	Autoscaler AutoscalerArgs `json:"autoscaler"`

	// InstanceTags are put on the nodes' instances and volumes, which the provider's default
	// tags do not reach. Set by the program.
	InstanceTags map[string]string `json:"-"`
	// SupportDate (YYYY-MM-DD) is the day Version is judged on against the EKS calendar: today
	// for `pulumi up` and `pulumi preview`, the plan's --as-of. Set by the program; never read
	// from a clock here, so validation is deterministic.
	SupportDate string `json:"-"`
	// Protect protects the secrets encryption key and the log group. Set by the program.
	Protect bool `json:"-"`
	// AWSProfile is aws:profile, the AWS CLI profile the stack deploys with: the kubeconfig's
	// `aws eks get-token` runs with it (AWS_PROFILE in the exec env), so the Kubernetes provider
	// and the exported kubeconfig use the same credentials as the AWS provider. Empty (the
	// default): the default credential chain. Set by the program.
	AWSProfile string `json:"-"`
}

// NodeGroupArgs configures the managed node group.
type NodeGroupArgs struct {
	// InstanceTypes of the nodes, all of one architecture. Default ["t3.medium"].
	InstanceTypes []string `json:"instanceTypes"`
	// CapacityType is ON_DEMAND or SPOT. Default ON_DEMAND.
	CapacityType string `json:"capacityType"`
	// MinSize, DesiredSize and MaxSize scale the group: min <= desired <= max, max >= 1.
	// Defaults 1, 1, 2. With the autoscaler on, the desired size is set at creation and the
	// autoscaler owns it afterwards; with it off, the program keeps the group at desiredSize.
	MinSize     *int `json:"minSize"`
	DesiredSize *int `json:"desiredSize"`
	MaxSize     *int `json:"maxSize"`
	// DiskSizeGiB is each node's encrypted gp3 root volume, at least 20. Default 20.
	DiskSizeGiB int `json:"diskSizeGiB"`
}

// VpcCniArgs configures prefix delegation of the VPC CNI.
type VpcCniArgs struct {
	// WarmPrefixTarget is how many /28 prefixes each node keeps in reserve. Default 1.
	WarmPrefixTarget int `json:"warmPrefixTarget"`
}

// AutoscalerArgs configures the Cluster Autoscaler (eks/autoscaler.go). It scales the node group
// between its minSize and maxSize.
type AutoscalerArgs struct {
	// Enabled installs the autoscaler and leaves the node group's desired size to it. Default true.
	Enabled *bool `json:"enabled"`
	// ScaleDownUnneededMinutes is how long a node must be unneeded before it is removed, 1 to 1440.
	// Default 5.
	ScaleDownUnneededMinutes *int `json:"scaleDownUnneededMinutes"`
	// ScaleDownDelayAfterAddMinutes is how long scale-down waits after a scale-up, 1 to 1440.
	// Default 5.
	ScaleDownDelayAfterAddMinutes *int `json:"scaleDownDelayAfterAddMinutes"`
}

// IsEnabled reports whether the autoscaler is installed; unset means the default.
func (a AutoscalerArgs) IsEnabled() bool {
	if a.Enabled == nil {
		return DefaultAutoscalerEnabled
	}
	return *a.Enabled
}

var versionPattern = regexp.MustCompile(`^1\.([0-9]{2})$`)

// WithDefaults returns a copy with every unset field filled with its default.
func (a ClusterArgs) WithDefaults() ClusterArgs {
	if a.Version == "" {
		a.Version = DefaultVersion
	}
	if a.LogRetentionInDays == 0 {
		a.LogRetentionInDays = DefaultLogRetentionInDays
	}
	n := &a.NodeGroup
	if n.InstanceTypes == nil {
		n.InstanceTypes = []string{DefaultInstanceType}
	}
	if n.CapacityType == "" {
		n.CapacityType = DefaultCapacityType
	}
	if n.MinSize == nil {
		n.MinSize = ptr(DefaultMinSize)
	}
	if n.DesiredSize == nil {
		n.DesiredSize = ptr(max(DefaultDesiredSize, *n.MinSize))
	}
	if n.MaxSize == nil {
		n.MaxSize = ptr(max(DefaultMaxSize, *n.DesiredSize))
	}
	if n.DiskSizeGiB == 0 {
		n.DiskSizeGiB = DefaultDiskSizeGiB
	}
	if a.VpcCni.WarmPrefixTarget == 0 {
		a.VpcCni.WarmPrefixTarget = DefaultWarmPrefixTarget
	}
	s := &a.Autoscaler
	if s.Enabled == nil {
		s.Enabled = ptr(DefaultAutoscalerEnabled)
	}
	if s.ScaleDownUnneededMinutes == nil {
		s.ScaleDownUnneededMinutes = ptr(DefaultScaleDownUnneededMinutes)
	}
	if s.ScaleDownDelayAfterAddMinutes == nil {
		s.ScaleDownDelayAfterAddMinutes = ptr(DefaultScaleDownDelayAfterAddMinutes)
	}
	return a
}

// Validate reports every problem with defaulted args at once, each led by its key path.
func (a ClusterArgs) Validate() error {
	var errs []error
	errs = append(errs, awsspec.CheckClusterName(ConfigKey+".name", a.Name))
	errs = append(errs, checkVersion(a.Version, a.SupportDate))
	errs = append(errs, a.checkPublicAccess()...)
	for i, arn := range a.AdminRoleArns {
		errs = append(errs, awsspec.CheckRoleARN(fmt.Sprintf("%s.adminRoleArns[%d]", ConfigKey, i), arn))
		if slices.Index(a.AdminRoleArns, arn) < i {
			errs = append(errs, fmt.Errorf("%s.adminRoleArns[%d] (%q) is listed twice", ConfigKey, i, arn))
		}
	}
	errs = append(errs, awsspec.CheckLogRetention(ConfigKey+".logRetentionInDays", a.LogRetentionInDays))
	errs = append(errs, a.NodeGroup.validate()...)
	if w := a.VpcCni.WarmPrefixTarget; w < 1 || w > 16 {
		errs = append(errs, fmt.Errorf("%s.vpcCni.warmPrefixTarget (%d) must be from 1 to 16", ConfigKey, w))
	}
	errs = append(errs, a.checkAutoscaler()...)
	return errors.Join(errs...)
}

// checkVersion accepts a minor version the EKS calendar still supports on date. One in extended
// support passes: it works, and the plan reports what it costs.
func checkVersion(version, date string) error {
	key := ConfigKey + ".version"
	if !versionPattern.MatchString(version) {
		return fmt.Errorf("%s (%q) must be a Kubernetes minor version such as %q (quote it in YAML: 1.30 would read as 1.3)", key, version, DefaultVersion)
	}
	if date == "" {
		return fmt.Errorf("%s (%q): no date to judge EKS support on (ClusterArgs.SupportDate is set by the program)", key, version)
	}
	if err := awsspec.CheckDate(key+": the support date", date); err != nil {
		return err
	}
	return awsspec.CheckEKSVersion(key, version, date)
}

func (a ClusterArgs) checkPublicAccess() []error {
	key := ConfigKey + ".publicAccessCidrs"
	if len(a.PublicAccessCidrs) == 0 {
		return []error{fmt.Errorf("%s is empty: list the CIDRs you run `pulumi up` and kubectl from (the program reaches the API to create the StorageClass)", key)}
	}
	var errs []error
	var parsed []netip.Prefix
	for i, cidr := range a.PublicAccessCidrs {
		item := fmt.Sprintf("%s[%d]", key, i)
		p, err := awsspec.ParseIPv4CIDR(item, cidr)
		if err == nil && !awsspec.OpenToWorld([]netip.Prefix{p}) {
			err = awsspec.CheckPublicCIDR(item, p)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		parsed = append(parsed, p)
	}
	if awsspec.OpenToWorld(parsed) && !a.AllowPublicAccessFromAnywhere {
		errs = append(errs, fmt.Errorf("%s (%q) opens the Kubernetes API to the whole internet (the blocks cover every public IPv4 address): name your own ranges, or set %s.allowPublicAccessFromAnywhere: true to accept it", key, a.PublicAccessCidrs, ConfigKey))
	}
	return errs
}

func (n NodeGroupArgs) validate() []error {
	key := ConfigKey + ".nodeGroup"
	var errs []error
	if len(n.InstanceTypes) == 0 {
		errs = append(errs, fmt.Errorf("%s.instanceTypes is empty: name at least one, such as %q", key, DefaultInstanceType))
	}
	for i, t := range n.InstanceTypes {
		errs = append(errs, awsspec.CheckInstanceType(fmt.Sprintf("%s.instanceTypes[%d]", key, i), t))
		if arch, first := awsspec.Architecture(t), awsspec.Architecture(n.InstanceTypes[0]); arch != first {
			errs = append(errs, fmt.Errorf("%s.instanceTypes[%d] (%q) is %s but %q is %s: one node group runs one AMI architecture", key, i, t, arch, n.InstanceTypes[0], first))
		}
	}
	if n.CapacityType != CapacityOnDemand && n.CapacityType != CapacitySpot {
		errs = append(errs, fmt.Errorf("%s.capacityType (%q) must be %q or %q", key, n.CapacityType, CapacityOnDemand, CapacitySpot))
	}
	minSize, desired, maxSize := *n.MinSize, *n.DesiredSize, *n.MaxSize
	switch {
	case maxSize < 1 || maxSize > MaxNodeGroupSize:
		errs = append(errs, fmt.Errorf("%s.maxSize (%d) must be from 1 to %d", key, maxSize, MaxNodeGroupSize))
	case minSize < 0:
		errs = append(errs, fmt.Errorf("%s.minSize (%d) must not be negative", key, minSize))
	case minSize > maxSize:
		errs = append(errs, fmt.Errorf("%s.minSize (%d) must be <= maxSize (%d)", key, minSize, maxSize))
	case desired < minSize || desired > maxSize:
		errs = append(errs, fmt.Errorf("%s.desiredSize (%d) must be from minSize (%d) to maxSize (%d)", key, desired, minSize, maxSize))
	}
	if n.DiskSizeGiB < minDiskSizeGiB || n.DiskSizeGiB > maxDiskSizeGiB {
		errs = append(errs, fmt.Errorf("%s.diskSizeGiB (%d) must be from %d (the AMI's root snapshot) to %d", key, n.DiskSizeGiB, minDiskSizeGiB, maxDiskSizeGiB))
	}
	return errs
}

// checkAutoscaler checks the autoscaler's settings, also while it is off (turning it on then
// finds no surprise), and, while it is on, what it needs of the cluster: an image for the
// Kubernetes minor, room to add a node, and instance types of one size.
func (a ClusterArgs) checkAutoscaler() []error {
	key := ConfigKey + ".autoscaler"
	s := a.Autoscaler
	var errs []error
	for _, m := range []struct {
		name  string
		value int
	}{
		{"scaleDownUnneededMinutes", *s.ScaleDownUnneededMinutes},
		{"scaleDownDelayAfterAddMinutes", *s.ScaleDownDelayAfterAddMinutes},
	} {
		if m.value < 1 || m.value > maxScaleDownMinutes {
			errs = append(errs, fmt.Errorf("%s.%s (%d) must be from 1 to %d minutes", key, m.name, m.value, maxScaleDownMinutes))
		}
	}
	if !s.IsEnabled() {
		return errs
	}
	if _, err := AutoscalerImageTag(a.Version); err != nil && checkVersion(a.Version, a.SupportDate) == nil {
		errs = append(errs, err)
	}
	n := a.NodeGroup
	if *n.MaxSize <= *n.MinSize {
		errs = append(errs, fmt.Errorf("%s.nodeGroup.maxSize (%d) must be above minSize (%d) while %s.enabled is true: the autoscaler could never add a node (set %s.enabled: false to keep a fixed size)",
			ConfigKey, *n.MaxSize, *n.MinSize, key, key))
	}
	return append(errs, checkSameSize(n.InstanceTypes)...)
}

// checkSameSize requires the instance types of an autoscaled group to have the same vCPUs and
// memory: the autoscaler simulates a new node with the first type of the group's mixed instances
// policy (cluster-autoscaler/cloudprovider/aws/README.md, "Using Mixed Instances Policies and
// Spot Instances"), so a smaller type would leave the pod it was started for Pending.
func checkSameSize(types []string) []error {
	if len(types) < 2 {
		return nil
	}
	key := ConfigKey + ".nodeGroup.instanceTypes"
	first, ok := awsspec.SizeOf(types[0])
	var errs []error
	for i, t := range types {
		size, known := awsspec.SizeOf(t)
		switch {
		case !known:
			errs = append(errs, fmt.Errorf("%s[%d] (%q): its vCPUs and memory are not in the program's table (internal/awsspec/instancesize.go), so it cannot be checked to match %q; the autoscaler needs every type of the group to be the same size: add it there with its source, or list one type", key, i, t, types[0]))
		case ok && size != first:
			errs = append(errs, fmt.Errorf("%s[%d] (%q) has %d vCPUs and %d MiB but %q has %d and %d: the autoscaler sizes new nodes by the first type, so every type of the group must be the same size (such as t3.medium, t3a.medium)",
				key, i, t, size.VCPUs, size.MemoryMiB, types[0], first.VCPUs, first.MemoryMiB))
		}
	}
	return errs
}

func ptr[T any](v T) *T { return &v }

// autoscalerImageTags are the image tags by Kubernetes minor: the autoscaler's minor must match
// the cluster's (cluster-autoscaler/README.md, "Releases": other pairs are not tested or
// supported). Each is the newest patch of its minor promoted to registry.k8s.io
// (kubernetes/k8s.io pull request 9760, merged 2026-07-22). A cluster version missing here is a
// config error while the autoscaler is on: add its tag, from the project's releases page.
var autoscalerImageTags = map[string]string{
	"1.33": "v1.33.6",
	"1.34": "v1.34.5",
	"1.35": "v1.35.2",
}

// AutoscalerImageTag is the autoscaler image tag for a Kubernetes minor version.
func AutoscalerImageTag(version string) (string, error) {
	tag, ok := autoscalerImageTags[version]
	if !ok {
		return "", fmt.Errorf("%s.version (%q) has no known Cluster Autoscaler image (its minor must match Kubernetes'): the program knows %s; add the tag to eks/eksargs/args.go, or set %s.autoscaler.enabled: false",
			ConfigKey, version, strings.Join(slices.Sorted(maps.Keys(autoscalerImageTags)), ", "), ConfigKey)
	}
	return tag, nil
}
