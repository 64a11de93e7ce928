// Package vpcargs is the configuration of the network (`network:`): its Args, their defaults and
// their validation, which stackconfig decodes the stack file into and vpc.NewNetwork takes.
//
// It is a package apart from vpc, and imports neither the Pulumi SDK nor a provider SDK, so
// that what reads and checks config builds in seconds: stackconfig's tests, and its fuzz targets,
// whose coverage instrumentation recompiles everything they link.
// (eksctl keeps its config types apart from its builders the same way:
// pkg/apis/eksctl.io/v1alpha5 beside pkg/cfn/builder.)
package vpcargs

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/mission-link/infra/internal/awsspec"
)

// NatMode says how private subnets reach the internet.
type NatMode string

// The NAT modes a stack may choose.
const (
	// NatSingle is one NAT gateway in the first AZ shared by all private subnets: cheapest, but
	// private egress stops if that AZ fails.
	NatSingle NatMode = "single"
	// NatPerAz is one NAT gateway per AZ, each private subnet routed through its own AZ's gateway.
	NatPerAz NatMode = "perAz"
	// NatNone creates no NAT gateway: private subnets have no route out.
	NatNone NatMode = "none"
	// NatInstance is one small Graviton instance in the first AZ's public subnet doing NAT for
	// every private subnet: a few dollars a month instead of a NAT gateway's hourly and per-GB
	// charges, for a dev stack that accepts its limits (docs/design-network.md).
	NatInstance NatMode = "instance"
)

var natModes = []NatMode{NatSingle, NatPerAz, NatNone, NatInstance}

// PrivateEgress says whether the private subnets get a route to the internet: a NAT gateway
// (single or per AZ) or the NAT instance. Every check of what needs egress follows it.
func (a NetworkArgs) PrivateEgress() bool {
	return a.NatGateways == NatSingle || a.NatGateways == NatPerAz || a.NatGateways == NatInstance
}

// Defaults, named so that docs, config and code agree.
const (
	DefaultCidrBlock                 = "10.0.0.0/16"
	DefaultAvailabilityZoneCount     = 2
	DefaultNatGateways               = NatSingle
	DefaultPublicSubnetPrefixLength  = 24
	DefaultPrivateSubnetPrefixLength = 20
	DefaultFlowLogsEnabled           = true
	DefaultFlowLogsRetentionInDays   = 30
	DefaultBastionEnabled            = false
	// DefaultBastionInstanceType is the cheapest type that serves SSM Session Manager.
	DefaultBastionInstanceType = "t4g.nano"
	// DefaultNatInstanceType is the cheapest Graviton type; fck-nat measures its sustained
	// bandwidth at 32 Mbit/s with bursts to 5 Gbit/s.
	DefaultNatInstanceType = "t4g.nano"

	// MinAvailabilityZoneCount is what EKS requires: a control plane needs subnets in two AZs.
	MinAvailabilityZoneCount = 2
	// VPC prefixes the project accepts: /16 is the largest block AWS allows, /24 the smallest
	// that still leaves room for two AZs of node subnets.
	minVPCPrefixLength = 16
	maxVPCPrefixLength = 24
	// AWS allows subnets from /16 to /28; a subnet is longer than the VPC's /16 at least.
	MinSubnetPrefixLength = minVPCPrefixLength + 1
	maxSubnetPrefixLength = 28
)

// ConfigKey is where NetworkArgs lives in Pulumi.<stack>.yaml (under the project namespace);
// validation messages lead with key paths below it.
const ConfigKey = "network"

// NetworkArgs configures the Network component. Its JSON names are the keys of the stack's
// `network:` config block.
type NetworkArgs struct {
	// CidrBlock is the VPC's IPv4 range, /16 to /24. Default "10.0.0.0/16".
	CidrBlock string `json:"cidrBlock"`
	// AvailabilityZoneCount is how many of the region's AZs (sorted by name) get a public and a
	// private subnet. At least 2, at most what the region offers. Default 2.
	AvailabilityZoneCount int `json:"availabilityZoneCount"`
	// NatGateways is single, perAz, instance or none. Default single.
	NatGateways NatMode `json:"natGateways"`
	// NatInstance configures the NAT instance of NatGateways "instance"; it may be set only then.
	NatInstance NatInstanceArgs `json:"natInstance"`
	// PublicSubnetPrefixLength sizes the public subnets (load balancers, NAT). Default 24.
	PublicSubnetPrefixLength int `json:"publicSubnetPrefixLength"`
	// PrivateSubnetPrefixLength sizes the private subnets (nodes and pods). Default 20.
	PrivateSubnetPrefixLength int `json:"privateSubnetPrefixLength"`
	// FlowLogs sends VPC flow logs to CloudWatch Logs.
	FlowLogs FlowLogsArgs `json:"flowLogs"`
	// Bastion is an SSM-managed instance in a private subnet.
	Bastion BastionArgs `json:"bastion"`

	// ClusterName is the EKS cluster whose discovery tags the subnets carry. Set by the program.
	ClusterName string `json:"-"`
	// Protect protects the resources that hold data (the flow log group). Set by the program
	// from protectStatefulResources.
	Protect bool `json:"-"`
	// RegionZones are the region's available AZ names, sorted (see AvailableZones). Set by the
	// program; the AZ count is checked against them when they are known.
	RegionZones []string `json:"-"`
}

// FlowLogsArgs configures VPC flow logs.
type FlowLogsArgs struct {
	// Enabled turns flow logs on. Default true.
	Enabled *bool `json:"enabled"`
	// RetentionInDays is how long CloudWatch keeps them, one of the values CloudWatch allows.
	// Default 30.
	RetentionInDays int `json:"retentionInDays"`
}

// NatInstanceArgs configures the NAT instance (network.natGateways: instance).
type NatInstanceArgs struct {
	// InstanceType is a Graviton (arm64) type: the instance runs the arm64 Amazon Linux 2023 AMI.
	// Default "t4g.nano".
	InstanceType string `json:"instanceType"`
}

// BastionArgs configures the bastion host.
type BastionArgs struct {
	// Enabled creates the bastion. Default false.
	Enabled *bool `json:"enabled"`
	// InstanceType is the bastion's EC2 instance type. Default "t4g.nano".
	InstanceType string `json:"instanceType"`
	// AmiID pins the AMI; empty means the latest Amazon Linux 2023 from the SSM public parameter.
	AmiID string `json:"amiId"`
	// SSHCidrs opens TCP 22 from these CIDRs. Empty (the default) opens nothing: use SSM.
	SSHCidrs []string `json:"sshCidrs"`
}

var (
	amiIDPattern = regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`)
)

// WithDefaults returns a copy with every unset field filled with its default.
func (a NetworkArgs) WithDefaults() NetworkArgs {
	if a.CidrBlock == "" {
		a.CidrBlock = DefaultCidrBlock
	}
	if a.AvailabilityZoneCount == 0 {
		a.AvailabilityZoneCount = DefaultAvailabilityZoneCount
	}
	if a.NatGateways == "" {
		a.NatGateways = DefaultNatGateways
	}
	// Only the instance mode takes a default type, so that a type set for another mode is seen
	// (and reported) rather than silently ignored.
	if a.NatGateways == NatInstance && a.NatInstance.InstanceType == "" {
		a.NatInstance.InstanceType = DefaultNatInstanceType
	}
	if a.PublicSubnetPrefixLength == 0 {
		a.PublicSubnetPrefixLength = DefaultPublicSubnetPrefixLength
	}
	if a.PrivateSubnetPrefixLength == 0 {
		a.PrivateSubnetPrefixLength = DefaultPrivateSubnetPrefixLength
	}
	if a.FlowLogs.Enabled == nil {
		a.FlowLogs.Enabled = ptr(DefaultFlowLogsEnabled)
	}
	if a.FlowLogs.RetentionInDays == 0 {
		a.FlowLogs.RetentionInDays = DefaultFlowLogsRetentionInDays
	}
	if a.Bastion.Enabled == nil {
		a.Bastion.Enabled = ptr(DefaultBastionEnabled)
	}
	if a.Bastion.InstanceType == "" {
		a.Bastion.InstanceType = DefaultBastionInstanceType
	}
	return a
}

// Validate reports every problem with defaulted args at once, each led by its key path.
func (a NetworkArgs) Validate() error {
	var errs []error
	vpcPrefix, err := validateVPCCidr(a.CidrBlock)
	errs = append(errs, err)
	errs = append(errs, a.validateZoneCount()...)
	if !slices.Contains(natModes, a.NatGateways) {
		errs = append(errs, fmt.Errorf("%s.natGateways (%q) must be one of %s", ConfigKey, a.NatGateways, quoteAll(natModes)))
	}
	if !a.PrivateEgress() && a.Bastion.IsEnabled() {
		errs = append(errs, fmt.Errorf("%s.natGateways (%q) leaves private subnets without egress, but %s.bastion.enabled is true and the bastion needs to reach SSM: use %q, %q or %q, or disable the bastion",
			ConfigKey, NatNone, ConfigKey, NatSingle, NatPerAz, NatInstance))
	}
	errs = append(errs, a.validateNatInstance()...)
	prefixErrs := append(
		validateSubnetPrefix("publicSubnetPrefixLength", a.PublicSubnetPrefixLength, vpcPrefix),
		validateSubnetPrefix("privateSubnetPrefixLength", a.PrivateSubnetPrefixLength, vpcPrefix)...)
	errs = append(errs, prefixErrs...)
	if err == nil && len(prefixErrs) == 0 && a.AvailabilityZoneCount > 0 {
		errs = append(errs, a.validateSubnetsFit(vpcPrefix))
	}
	errs = append(errs, awsspec.CheckLogRetention(ConfigKey+".flowLogs.retentionInDays", a.FlowLogs.RetentionInDays))
	errs = append(errs, a.Bastion.validate()...)
	if a.ClusterName != "" {
		errs = append(errs, awsspec.CheckClusterName("cluster name", a.ClusterName))
	}
	return errors.Join(errs...)
}

func validateVPCCidr(cidr string) (int, error) {
	key := ConfigKey + ".cidrBlock"
	p, err := awsspec.ParseIPv4CIDR(key, cidr)
	if err != nil {
		return 0, err
	}
	if p.Bits() < minVPCPrefixLength || p.Bits() > maxVPCPrefixLength {
		return 0, fmt.Errorf("%s (%q) must have a prefix length from /%d to /%d", key, cidr, minVPCPrefixLength, maxVPCPrefixLength)
	}
	if err := awsspec.CheckVPCCIDR(key, p); err != nil {
		return 0, err
	}
	return p.Bits(), nil
}

func (a NetworkArgs) validateZoneCount() []error {
	key := ConfigKey + ".availabilityZoneCount"
	if a.AvailabilityZoneCount < MinAvailabilityZoneCount {
		return []error{fmt.Errorf("%s (%d) must be at least %d: EKS needs subnets in two AZs", key, a.AvailabilityZoneCount, MinAvailabilityZoneCount)}
	}
	if a.RegionZones != nil && a.AvailabilityZoneCount > len(a.RegionZones) {
		return []error{fmt.Errorf("%s (%d) must be at most %d, the number of available AZs in this region (%s)",
			key, a.AvailabilityZoneCount, len(a.RegionZones), strings.Join(a.RegionZones, ", "))}
	}
	return nil
}

func validateSubnetPrefix(name string, length, vpcPrefix int) []error {
	key := ConfigKey + "." + name
	low := max(vpcPrefix+1, MinSubnetPrefixLength)
	if length < low || length > maxSubnetPrefixLength {
		return []error{fmt.Errorf("%s (%d) must be from %d to %d: longer than the VPC's prefix and at most /%d, the smallest subnet AWS allows",
			key, length, low, maxSubnetPrefixLength, maxSubnetPrefixLength)}
	}
	return nil
}

// validateSubnetsFit checks that AvailabilityZoneCount public and private subnets fit in the VPC
// under the layout of subnetCIDRs.
func (a NetworkArgs) validateSubnetsFit(vpcPrefix int) error {
	need := a.AvailabilityZoneCount * (addresses(a.PublicSubnetPrefixLength) + addresses(a.PrivateSubnetPrefixLength))
	if have := addresses(vpcPrefix); need > have {
		return fmt.Errorf("%s.publicSubnetPrefixLength (%d) and %s.privateSubnetPrefixLength (%d) do not fit %s.availabilityZoneCount (%d) AZs in %s.cidrBlock (%q): they need %d addresses, the VPC has %d",
			ConfigKey, a.PublicSubnetPrefixLength, ConfigKey, a.PrivateSubnetPrefixLength, ConfigKey, a.AvailabilityZoneCount, ConfigKey, a.CidrBlock, need, have)
	}
	return nil
}

// validateNatInstance checks the NAT instance's type, and that natInstance is set only for the
// instance mode.
func (a NetworkArgs) validateNatInstance() []error {
	key := ConfigKey + ".natInstance.instanceType"
	typ := a.NatInstance.InstanceType
	switch {
	case a.NatGateways != NatInstance && typ != "":
		return []error{fmt.Errorf("%s (%q) is set but %s.natGateways is %q: it applies only to %q", key, typ, ConfigKey, a.NatGateways, NatInstance)}
	case a.NatGateways != NatInstance:
		return nil
	}
	if err := awsspec.CheckInstanceType(key, typ); err != nil {
		return []error{err}
	}
	if arch := awsspec.Architecture(typ); arch != awsspec.ARM64 {
		return []error{fmt.Errorf("%s (%q) is %s: the NAT instance runs the %s Amazon Linux 2023 AMI, so it must be a Graviton type such as %q", key, typ, arch, awsspec.ARM64, DefaultNatInstanceType)}
	}
	return nil
}

func (b BastionArgs) validate() []error {
	var errs []error
	key := ConfigKey + ".bastion"
	if err := awsspec.CheckInstanceType(key+".instanceType", b.InstanceType); err != nil {
		errs = append(errs, err)
	}
	if b.AmiID != "" && !amiIDPattern.MatchString(b.AmiID) {
		errs = append(errs, fmt.Errorf("%s.amiId (%q) must look like ami-0123456789abcdef0, or be left out to use the latest Amazon Linux 2023", key, b.AmiID))
	}
	seen := map[netip.Prefix]bool{}
	var parsed []netip.Prefix
	for i, cidr := range b.SSHCidrs {
		item := fmt.Sprintf("%s.sshCidrs[%d]", key, i)
		p, err := awsspec.ParseIPv4CIDR(item, cidr)
		switch {
		case err != nil:
			errs = append(errs, err)
		case awsspec.OpenToWorld([]netip.Prefix{p}):
			errs = append(errs, fmt.Errorf("%s (%q) would open SSH to the whole internet: name your own ranges, or use SSM Session Manager and leave sshCidrs empty", item, cidr))
		case seen[p]:
			errs = append(errs, fmt.Errorf("%s (%q) is listed twice", item, cidr))
		default:
			parsed = append(parsed, p)
		}
		seen[p] = true
	}
	if len(parsed) > 1 && awsspec.OpenToWorld(parsed) {
		errs = append(errs, fmt.Errorf("%s.sshCidrs (%q) together cover every public IPv4 address, which opens SSH to the whole internet: name your own ranges, or use SSM Session Manager and leave sshCidrs empty", key, b.SSHCidrs))
	}
	return errs
}

// IsEnabled says whether the bastion is created, DefaultBastionEnabled when unset.
func (b BastionArgs) IsEnabled() bool { return valueOr(b.Enabled, DefaultBastionEnabled) }

// IsEnabled says whether flow logs are on, DefaultFlowLogsEnabled when unset.
func (f FlowLogsArgs) IsEnabled() bool { return valueOr(f.Enabled, DefaultFlowLogsEnabled) }

func valueOr[T any](p *T, fallback T) T {
	if p == nil {
		return fallback
	}
	return *p
}

func addresses(prefixLength int) int { return 1 << (32 - prefixLength) }

func quoteAll[T ~string](values []T) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(quoted, ", ")
}

func ptr[T any](v T) *T { return &v }
