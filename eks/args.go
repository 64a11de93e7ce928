package eks

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/awsspec"
)

// ConfigKey is where ClusterArgs lives in Pulumi.<stack>.yaml; validation messages lead with key
// paths below it.
const ConfigKey = "cluster"

// Capacity types a managed node group accepts.
const (
	CapacityOnDemand = "ON_DEMAND"
	CapacitySpot     = "SPOT"
)

// Defaults, named so that docs, config and code agree.
const (
	// DefaultVersion is in EKS standard support until 2027-03-27.
	DefaultVersion = "1.35"
	// MinVersion is the oldest version accepted: older ones are in extended support, where the
	// control plane costs $0.60 an hour instead of $0.10.
	MinVersion = "1.33"
	// MaxVersion is the newest version EKS offers as of the support calendar this project
	// checked (1.35, released on EKS 2026-01-28: https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html).
	// Raise it with the calendar when EKS releases the next one.
	MaxVersion                = "1.35"
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
	maxNodeGroupSize          = 100
	minorOfMinVersion         = 33
	minorOfMaxVersion         = 35
)

// ClusterArgs configures the Cluster component. Its JSON names are the keys of the stack's
// `cluster:` config block.
type ClusterArgs struct {
	// Name is the EKS cluster name. Default "<project>-<stack>" (set by the program).
	Name string `json:"name"`
	// Version is the Kubernetes minor version, at least 1.33. Default "1.35".
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

	// VpcID and PrivateSubnetIDs place the cluster. Set by the program.
	VpcID            pulumi.StringInput      `json:"-"`
	PrivateSubnetIDs pulumi.StringArrayInput `json:"-"`
	// InstanceTags are put on the nodes' instances and volumes, which the provider's default
	// tags do not reach. Set by the program.
	InstanceTags map[string]string `json:"-"`
	// Protect protects the secrets encryption key and the log group. Set by the program.
	Protect bool `json:"-"`
	// ViewerRoleARNs get read-only access entries (AmazonEKSViewPolicy, cluster scope), keyed by a
	// stable name such as "ci-preview". They are roles the stack creates itself, so the program
	// sets them; do not also list one in AdminRoleArns (EKS allows one entry per principal).
	ViewerRoleARNs map[string]pulumi.StringInput `json:"-"`
	// AWSProvider is handed to pulumi-eks explicitly: the Go SDK sends a remote component only
	// the providers given in its own options, not those it would inherit from its parent, so
	// without this pulumi-eks would create the cluster with the default provider and none of the
	// stack's default tags. Set by the program.
	AWSProvider *aws.Provider `json:"-"`
}

// NodeGroupArgs configures the managed node group.
type NodeGroupArgs struct {
	// InstanceTypes of the nodes, all of one architecture. Default ["t3.medium"].
	InstanceTypes []string `json:"instanceTypes"`
	// CapacityType is ON_DEMAND or SPOT. Default ON_DEMAND.
	CapacityType string `json:"capacityType"`
	// MinSize, DesiredSize and MaxSize scale the group: min <= desired <= max, max >= 1.
	// Defaults 1, 1, 2. The desired size is set at creation; later an autoscaler owns it.
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

var (
	versionPattern   = regexp.MustCompile(`^1\.([0-9]{2})$`)
	viewerKeyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)
)

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
	return a
}

// Validate reports every problem with defaulted args at once, each led by its key path.
func (a ClusterArgs) Validate() error {
	var errs []error
	errs = append(errs, awsspec.CheckClusterName(ConfigKey+".name", a.Name))
	errs = append(errs, checkVersion(a.Version))
	errs = append(errs, a.checkPublicAccess()...)
	for i, arn := range a.AdminRoleArns {
		errs = append(errs, awsspec.CheckRoleARN(fmt.Sprintf("%s.adminRoleArns[%d]", ConfigKey, i), arn))
		if slices.Index(a.AdminRoleArns, arn) < i {
			errs = append(errs, fmt.Errorf("%s.adminRoleArns[%d] (%q) is listed twice", ConfigKey, i, arn))
		}
	}
	for _, key := range slices.Sorted(maps.Keys(a.ViewerRoleARNs)) {
		if !viewerKeyPattern.MatchString(key) || a.ViewerRoleARNs[key] == nil {
			errs = append(errs, fmt.Errorf("viewer role %q: the key must be 1-40 lowercase letters, digits and hyphens, and the ARN set", key))
		}
	}
	errs = append(errs, awsspec.CheckLogRetention(ConfigKey+".logRetentionInDays", a.LogRetentionInDays))
	errs = append(errs, a.NodeGroup.validate()...)
	if w := a.VpcCni.WarmPrefixTarget; w < 1 || w > 16 {
		errs = append(errs, fmt.Errorf("%s.vpcCni.warmPrefixTarget (%d) must be from 1 to 16", ConfigKey, w))
	}
	return errors.Join(errs...)
}

func checkVersion(version string) error {
	key := ConfigKey + ".version"
	m := versionPattern.FindStringSubmatch(version)
	if m == nil {
		return fmt.Errorf("%s (%q) must be a Kubernetes minor version such as %q (quote it in YAML: 1.30 would read as 1.3)", key, version, DefaultVersion)
	}
	minor, err := strconv.Atoi(m[1])
	if err != nil {
		return fmt.Errorf("%s (%q): reading the minor version: %w", key, version, err)
	}
	if minor > minorOfMaxVersion {
		return fmt.Errorf("%s (%q) is not a version EKS offers yet: use %s to %s (default %s)", key, version, MinVersion, MaxVersion, DefaultVersion)
	}
	if minor < minorOfMinVersion {
		return fmt.Errorf("%s (%q) is below %s: it has left EKS standard support, and extended support costs $0.60 an hour instead of $0.10; use %s or later (default %s)",
			key, version, MinVersion, MinVersion, DefaultVersion)
	}
	return nil
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
	case maxSize < 1 || maxSize > maxNodeGroupSize:
		errs = append(errs, fmt.Errorf("%s.maxSize (%d) must be from 1 to %d", key, maxSize, maxNodeGroupSize))
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

func ptr[T any](v T) *T { return &v }
