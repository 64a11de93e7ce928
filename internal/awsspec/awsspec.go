// Package awsspec holds the facts about AWS values that config is checked against: which log
// retentions CloudWatch accepts, which architecture an instance type runs, what names look like.
// Each is stated once here so that every component checks them the same way.
package awsspec

import (
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strings"
)

// LogRetentionDays are the values CloudWatch Logs accepts for a log group's retention.
var LogRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// CheckLogRetention reports a retention CloudWatch does not offer, under the config key.
// CloudWatch reads 0 as "never expire" (pulumi-aws cloudwatch.LogGroup's retentionInDays); the
// program refuses it explicitly: every log group it creates has a retention (ML-LOG-001).
func CheckLogRetention(key string, days int) error {
	if slices.Contains(LogRetentionDays, days) {
		return nil
	}
	if days == 0 {
		return fmt.Errorf("%s (0) would keep the logs forever (CloudWatch reads 0 as never expire), which the program does not offer: use one of %v", key, LogRetentionDays)
	}
	return fmt.Errorf("%s (%d) must be one of %v", key, days, LogRetentionDays)
}

// Instance is what the program knows of an EC2 instance type: the CPU architecture its AMI is
// built for, and the network shape that sets how many pods a node of it runs (maxpods.go).
type Instance struct {
	Architecture string
	InstanceShape
}

// InstanceTypes are the EC2 instance types the program knows. Each exists in pulumi-aws
// v6.83.4's ec2.InstanceType enum (sdk/go/aws/ec2/pulumiEnums.go); its ENIs and IPv4 addresses
// per ENI are amazon-eks-ami's (templates/shared/runtime/eni-max-pods.txt, which EC2's
// DescribeInstanceTypes NetworkInfo gives too) and its vCPUs EC2's. The offline plan prices
// exactly these (internal/plan/data/prices.json; a plan test keeps them in step), so a type the
// program accepts is always priced and its pod capacity known. To use another type, add it here
// and to the price table, with its figures and their sources.
var InstanceTypes = map[string]Instance{
	"t3.micro":   {X86_64, InstanceShape{ENIs: 2, IPv4PerENI: 2, VCPUs: 2}},
	"t3.small":   {X86_64, InstanceShape{ENIs: 3, IPv4PerENI: 4, VCPUs: 2}},
	"t3.medium":  {X86_64, InstanceShape{ENIs: 3, IPv4PerENI: 6, VCPUs: 2}},
	"t3.large":   {X86_64, InstanceShape{ENIs: 3, IPv4PerENI: 12, VCPUs: 2}},
	"t3.xlarge":  {X86_64, InstanceShape{ENIs: 4, IPv4PerENI: 15, VCPUs: 4}},
	"t3a.medium": {X86_64, InstanceShape{ENIs: 3, IPv4PerENI: 6, VCPUs: 2}},
	"t4g.nano":   {ARM64, InstanceShape{ENIs: 2, IPv4PerENI: 2, VCPUs: 2}},
	"t4g.micro":  {ARM64, InstanceShape{ENIs: 2, IPv4PerENI: 2, VCPUs: 2}},
	"t4g.small":  {ARM64, InstanceShape{ENIs: 3, IPv4PerENI: 4, VCPUs: 2}},
	"t4g.medium": {ARM64, InstanceShape{ENIs: 3, IPv4PerENI: 6, VCPUs: 2}},
	"t4g.large":  {ARM64, InstanceShape{ENIs: 3, IPv4PerENI: 12, VCPUs: 2}},
}

// InstanceShapes are the network shapes of InstanceTypes.
func InstanceShapes() map[string]InstanceShape {
	shapes := make(map[string]InstanceShape, len(InstanceTypes))
	for t, i := range InstanceTypes {
		shapes[t] = i.InstanceShape
	}
	return shapes
}

// gravitonType matches instance types whose family has a "g" after the generation digit
// (t4g, m7g, c6gn, r8gd): those run arm64.
var gravitonType = regexp.MustCompile(`^[a-z]+[0-9]+[a-z]*g[a-z]*\.`)

// CheckInstanceType reports an instance type the program does not know, suggesting the nearest.
func CheckInstanceType(key, instanceType string) error {
	if _, ok := InstanceTypes[instanceType]; ok {
		return nil
	}
	known := slices.Sorted(maps.Keys(InstanceTypes))
	hint := ""
	if near := Nearest(instanceType, known); near != "" {
		hint = fmt.Sprintf(" (did you mean %q?)", near)
	}
	return fmt.Errorf("%s (%q) is not an EC2 instance type the program has price and ENI data for%s: one of %s", key, instanceType, hint, strings.Join(known, ", "))
}

// Architecture names.
const (
	X86_64 = "x86_64"
	ARM64  = "arm64"
)

// Architecture is the CPU architecture an instance type runs.
func Architecture(instanceType string) string {
	if known, ok := InstanceTypes[instanceType]; ok {
		return known.Architecture
	}
	if gravitonType.MatchString(instanceType) {
		return ARM64
	}
	return X86_64
}

var (
	clusterNamePattern = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$`)
	roleARNPattern     = regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$`)
	stsARNPattern      = regexp.MustCompile(`^arn:aws(-[a-z]+)*:sts::`)
)

// CheckClusterName reports a value EKS does not accept as a cluster name.
func CheckClusterName(key, name string) error {
	if clusterNamePattern.MatchString(name) {
		return nil
	}
	return fmt.Errorf("%s (%q) must be 1-100 letters, digits, '-' or '_', starting with a letter or digit", key, name)
}

// ExampleAccountIDs are the account IDs AWS's documentation uses in its examples (123456789012
// throughout, 111122223333 and 444455556666 in the IAM guide's cross-account examples): no one
// deploys into them, so the committed prod stack file holds one as a placeholder for its account.
var ExampleAccountIDs = []string{"123456789012", "111122223333", "444455556666"}

// ExampleRoleARN is the role ARN errors show as an example.
const ExampleRoleARN = "arn:aws:iam::123456789012:role/admin"

// CheckRoleARN reports a value that is not an IAM role ARN. An STS assumed-role ARN (what
// `aws sts get-caller-identity` prints) is named as such, since it is the usual mistake.
func CheckRoleARN(key, arn string) error {
	if roleARNPattern.MatchString(arn) {
		return nil
	}
	if stsARNPattern.MatchString(arn) {
		return fmt.Errorf("%s (%q) is an STS session ARN: give the IAM role ARN, arn:aws:iam::<account>:role/<name>", key, arn)
	}
	return fmt.Errorf("%s (%q) is not an IAM role ARN such as %s", key, arn, ExampleRoleARN)
}

// ParseIPv4CIDR parses an IPv4 network address in CIDR notation ("10.0.0.0/16"), reporting a
// value that does not parse, is IPv6, or has host bits set, under the config key.
func ParseIPv4CIDR(key, cidr string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(cidr)
	switch {
	case err != nil:
		return netip.Prefix{}, fmt.Errorf("%s (%q) is not a CIDR block such as \"10.0.0.0/16\": %w", key, cidr, err)
	case !p.Addr().Is4():
		return netip.Prefix{}, fmt.Errorf("%s (%q) must be an IPv4 CIDR block", key, cidr)
	case p.Masked() != p:
		return netip.Prefix{}, fmt.Errorf("%s (%q) is not a network address: did you mean %q?", key, cidr, p.Masked())
	}
	return p, nil
}
