package plan

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/mission-link/infra/internal/awsspec"
	"github.com/mission-link/infra/internal/harness"
	"github.com/mission-link/infra/internal/iampolicy"
	"github.com/mission-link/infra/internal/stackconfig"
)

// Severities of findings. An unaccepted HIGH finding fails the plan.
const (
	High   = "HIGH"
	Medium = "MEDIUM"
	Low    = "LOW"
)

// Rule is one policy check over the recorded graph, with the IDs the same check has in Checkov and
// Trivy, so a reviewer can map our findings to theirs.
type Rule struct {
	ID        string   `json:"id"`
	Severity  string   `json:"severity"`
	Title     string   `json:"title"`
	Rationale string   `json:"rationale"`
	Checkov   []string `json:"checkov,omitempty"`
	Trivy     []string `json:"trivy,omitempty"`
	check     func(r *harness.Record) []violation
}

// violation is where a rule does not hold.
type violation struct {
	res     harness.Resource
	message string
}

// Rules are every check the plan runs, in the order it reports them.
func Rules() []Rule {
	return []Rule{
		{ID: "ML-EKS-001", Severity: High, Title: "EKS API endpoint open to the internet",
			Rationale: "A public endpoint reachable from 0.0.0.0/0 exposes the Kubernetes API to every scanner on the internet. " +
				"Checkov's CKV_AWS_38 matches exactly this; Trivy's AVD-AWS-0041 is broader: it fires on any public CIDR in publicAccessCidrs, " +
				"so it also flags a stack limited to its own addresses, which here is ML-EKS-002 (accepted).",
			Checkov: []string{"CKV_AWS_38"}, Trivy: []string{"AVD-AWS-0041"}, check: eksOpenToWorld},
		{ID: "ML-EKS-002", Severity: Low, Title: "EKS public API endpoint enabled",
			Rationale: "A private-only endpoint leaves no API surface on the internet; a public one must at least be limited to known CIDRs.",
			Checkov:   []string{"CKV_AWS_39"}, Trivy: []string{"AVD-AWS-0040"}, check: eksPublicEndpoint},
		{ID: "ML-EKS-003", Severity: High, Title: "EKS secrets not encrypted with a KMS key",
			Rationale: "Without envelope encryption, Kubernetes secrets sit in etcd protected only by AWS's disk encryption.",
			Checkov:   []string{"CKV_AWS_58"}, Trivy: []string{"AVD-AWS-0039"}, check: eksSecretsEncryption},
		{ID: "ML-EKS-004", Severity: Medium, Title: "EKS control plane logs incomplete",
			Rationale: "api, audit, authenticator, controllerManager and scheduler logs are what an incident review needs.",
			Checkov:   []string{"CKV_AWS_37"}, Trivy: []string{"AVD-AWS-0038"}, check: eksLogs},
		{ID: "ML-EKS-005", Severity: High, Title: "Pods do not fit on the node group",
			Rationale: "Max pods per node times the node group's max size must hold the pods the stack runs, or pods stay Pending with `Too many pods`.",
			check:     nil /* set by Build: it needs the plan's --app-max-pods */},
		{ID: stackconfig.RuleDocumentationRange, Severity: Medium, Title: "EKS API admits a documentation address range",
			Rationale: "RFC 5737's ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) hold no real hosts: listed alone, the API would admit nobody, pulumi-eks would wait five minutes for it, and every Kubernetes resource would fail as unreachable. The committed stack files use one as a placeholder; a real `pulumi up` refuses it before registering anything (deploy guard), previews and this plan accept it.",
			check:     eksDocumentationRange},
		{ID: "ML-EKS-007", Severity: Medium, Title: "No cluster admin besides the creator",
			Rationale: "pulumi-eks makes only the identity that creates the cluster its admin (bootstrapClusterCreatorAdminPermissions). Every later `pulumi up` reaches the Kubernetes API, so a teammate's fails with 401 on the Kubernetes resources unless cluster.adminRoleArns lists the role they deploy as; the creator's own role must not be listed (EKS already made its entry, a second fails with ResourceInUseException).",
			check:     eksAdminsBesidesCreator},
		{ID: "ML-EKS-008", Severity: Medium, Title: "Kubernetes version in EKS extended support",
			Rationale: "A version past standard support keeps its patches for a year of extended support, at six times the control plane price; then EKS upgrades it. " +
				"Judged on the plan's date against the dated EKS calendar (awsspec.EKSVersions); Checkov's CKV_AWS_339 checks a fixed list of versions instead. " +
				"A version past extended support, or not in the calendar, is a config error, not a finding.",
			Checkov: []string{"CKV_AWS_339"},
			check:   nil /* set by Build: it needs the plan's date and prices */},
		{ID: "ML-EC2-001", Severity: High, Title: "IMDSv2 not required, or reachable from containers",
			Rationale: "IMDSv1 lets an SSRF in any process read the instance role's credentials; a PUT response hop limit above 1 lets every pod on the pod network fetch an IMDSv2 token, and so the node role's credentials. " +
				"Workloads here get AWS rights through IRSA, and the node agents that read IMDS (aws-node, kube-proxy) run on the host network.",
			Checkov: []string{"CKV_AWS_79", "CKV_AWS_341"}, Trivy: []string{"AVD-AWS-0028", "AVD-AWS-0130"}, check: imdsv2},
		{ID: "ML-EC2-002", Severity: High, Title: "EBS volume not encrypted",
			Rationale: "Unencrypted volumes and their snapshots expose data to anyone who can copy them.",
			Checkov:   []string{"CKV_AWS_8", "CKV_AWS_3"}, Trivy: []string{"AVD-AWS-0131", "AVD-AWS-0026"}, check: ebsEncryption},
		{ID: "ML-EC2-003", Severity: High, Title: "Instance may get a public IP",
			Rationale: "Instances are reached through SSM Session Manager; a public address is an unneeded attack surface.",
			Checkov:   []string{"CKV_AWS_88"}, Trivy: []string{"AVD-AWS-0009"}, check: instancePublicIP},
		{ID: "ML-EC2-004", Severity: Medium, Title: "Source/destination check off",
			Rationale: "An interface without the check forwards traffic for other hosts: only a NAT or a router should, and it must admit only the networks it serves.",
			check:     sourceDestCheckOff},
		{ID: "ML-VPC-001", Severity: High, Title: "SSH open to the internet",
			Rationale: "Port 22 from 0.0.0.0/0 invites brute force; the bastion is reached with SSM.",
			Checkov:   []string{"CKV_AWS_24"}, Trivy: []string{"AVD-AWS-0107"}, check: ingressFromWorld(true)},
		{ID: "ML-VPC-002", Severity: High, Title: "Ingress open to the internet",
			Rationale: "No security group in this stack serves the internet directly; load balancers come from the cluster.",
			Checkov:   []string{"CKV_AWS_277", "CKV_AWS_260"}, Trivy: []string{"AVD-AWS-0107"}, check: ingressFromWorld(false)},
		{ID: "ML-VPC-003", Severity: Medium, Title: "Default security group not locked",
			Rationale: "Anything launched without a security group lands in the default one; it must allow nothing.",
			Checkov:   []string{"CKV2_AWS_12"}, check: defaultSecurityGroup},
		{ID: "ML-VPC-004", Severity: Medium, Title: "Subnet assigns public IPs",
			Rationale: "Resources launched into the subnet would be reachable from the internet by accident.",
			Checkov:   []string{"CKV_AWS_130"}, Trivy: []string{"AVD-AWS-0164"}, check: subnetPublicIP},
		{ID: "ML-VPC-005", Severity: Medium, Title: "VPC without flow logs",
			Rationale: "Flow logs are the only record of who talked to what in the VPC.",
			Checkov:   []string{"CKV2_AWS_11"}, Trivy: []string{"AVD-AWS-0178"}, check: flowLogs},
		{ID: "ML-VPC-006", Severity: Medium, Title: "VPC endpoint allows everything",
			Rationale: "Without a policy an endpoint admits any request with anyone's credentials to any resource of the service, such as another account's S3 bucket.",
			check:     endpointPolicy},
		{ID: "ML-ECR-001", Severity: Medium, Title: "ECR tags are mutable",
			Rationale: "A mutable tag can point at different content than what was reviewed and deployed.",
			Checkov:   []string{"CKV_AWS_51"}, Trivy: []string{"AVD-AWS-0031"}, check: ecrImmutable},
		{ID: "ML-ECR-002", Severity: Medium, Title: "ECR images not scanned on push",
			Rationale: "Scanning on push reports known vulnerabilities before an image is deployed.",
			Checkov:   []string{"CKV_AWS_163"}, Trivy: []string{"AVD-AWS-0030"}, check: ecrScan},
		{ID: "ML-ECR-003", Severity: Low, Title: "ECR repository not encrypted with KMS",
			Rationale: "KMS encryption puts image access under key policy and CloudTrail.",
			Checkov:   []string{"CKV_AWS_136"}, Trivy: []string{"AVD-AWS-0033"}, check: ecrKMS},
		{ID: "ML-SNS-001", Severity: Medium, Title: "SNS topic not encrypted",
			Rationale: "Notifications may carry personal data; the topic must be encrypted at rest.",
			Checkov:   []string{"CKV_AWS_26"}, Trivy: []string{"AVD-AWS-0095"}, check: snsEncrypted},
		{ID: "ML-SNS-002", Severity: High, Title: "EventBridge cannot publish to its target topic",
			Rationale: "A topic encrypted with a key that does not admit events.amazonaws.com drops every event silently.",
			check:     snsAcceptsEventBridge},
		{ID: stackconfig.RuleExampleDomain, Severity: Medium, Title: "Email subscription to a reserved example domain",
			Rationale: "RFC 2606's names (example.com, .net, .org, .example, .test, .invalid, .localhost) receive no mail: the subscription can never be confirmed, SNS deletes it after 48 hours, and each later `pulumi up --refresh` subscribes it again and sends another confirmation. The committed stack files use one as a placeholder; a real `pulumi up` refuses it before registering anything (deploy guard), previews and this plan accept it.",
			check:     snsExampleDomain},
		{ID: "ML-SEC-004", Severity: Medium, Title: "Required config key not set",
			Rationale: "Pulumi.yaml declares databasePassword `secret: true` with no default, so that the CLI refuses a password stored in plain text; a key declared without a default is required, and `pulumi preview` and `pulumi up` refuse the stack until it is set (`pulumi config set --secret databasePassword <password>`, or an empty secret to have the stack generate one). The committed stack files leave it to each team; this plan runs the program without it.",
			check:     missingConfig},
		{ID: "ML-KMS-001", Severity: Medium, Title: "KMS key rotation off",
			Rationale: "Yearly rotation limits what one leaked key version can decrypt.",
			Checkov:   []string{"CKV_AWS_7"}, Trivy: []string{"AVD-AWS-0065"}, check: kmsRotation},
		{ID: "ML-LOG-001", Severity: Low, Title: "Log group keeps logs forever",
			Rationale: "Without a retention, logs and their cost grow without end.",
			Checkov:   []string{"CKV_AWS_66"}, check: logRetention},
		{ID: stackconfig.RuleExampleAccount, Severity: Medium, Title: "AWS provider pinned to an example account of the documentation",
			Rationale: "aws:allowedAccountIds keeps a teammate's wrong profile from deploying the stack into another account. 123456789012, 111122223333 and 444455556666 are the accounts AWS's documentation uses in examples: pinned to one, the provider refuses the real account. The committed prod stack file holds it as a placeholder; a real `pulumi up` refuses it before registering anything (deploy guard), previews and this plan accept it.",
			check:     awsProviderExampleAccount},
		{ID: "ML-IAM-001", Severity: High, Title: "IAM policy allows every action",
			Rationale: "A \"*\" action grants whatever AWS adds next, including IAM itself.",
			Checkov:   []string{"CKV_AWS_49", "CKV_AWS_62"}, Trivy: []string{"AVD-AWS-0057"}, check: iamWildcardActions},
		{ID: "ML-IAM-002", Severity: Medium, Title: "IAM policy allows every resource where it could name one",
			Rationale: "Only actions AWS does not scope to a resource may use \"*\", and the autoscaler's scaling actions under a resource tag condition.",
			Checkov:   []string{"CKV_AWS_355"}, Trivy: []string{"AVD-AWS-0057"}, check: iamWildcardResources},
		{ID: "ML-IAM-003", Severity: High, Title: "GitHub OIDC trust without an exact subject",
			Rationale: "Without a sub condition, any GitHub repository's workflow can assume the role.",
			Checkov:   []string{"CKV_AWS_358"}, check: githubTrust},
		{ID: "ML-IAM-004", Severity: High, Title: "IRSA trust without sub and aud",
			Rationale: "Without both, any service account of the cluster, or a token for another audience, can assume the role.",
			check:     irsaTrust},
		{ID: "ML-SEC-001", Severity: Medium, Title: "Secret without rotation",
			Rationale: "A secret that never rotates stays valid for as long as it has been leaked.",
			Checkov:   []string{"CKV2_AWS_57"}, check: secretRotation},
		{ID: "ML-SEC-002", Severity: Medium, Title: "Secret not encrypted with a customer managed key",
			Rationale: "The AWS managed key aws/secretsmanager lets every principal of the account decrypt through Secrets Manager and cannot be narrowed; " +
				"under the stack's own key, reading the secret also takes a kms:Decrypt grant, which only its readers get.",
			Checkov: []string{"CKV_AWS_149"}, Trivy: []string{"AVD-AWS-0098"}, check: secretCMK},
		{ID: "ML-SEC-003", Severity: High, Title: "A role that reads a secret cannot decrypt it",
			Rationale: "Secrets Manager decrypts a secret under a customer managed key with the caller's own kms:Decrypt; without it GetSecretValue fails with AccessDeniedException at run time.",
			check:     secretReadersDecrypt},
	}
}

func each(r *harness.Record, token string, bad func(harness.Resource) string) []violation {
	var out []violation
	for _, res := range r.ByType(token) {
		if msg := bad(res); msg != "" {
			out = append(out, violation{res, msg})
		}
	}
	return out
}

func eksPublic(res harness.Resource) bool {
	public, set := res.Bool("vpcConfig.endpointPublicAccess")
	return public || !set // EKS defaults to a public endpoint
}

func eksOpenToWorld(r *harness.Record) []violation {
	return each(r, "aws:eks/cluster:Cluster", func(res harness.Resource) string {
		cidrs := res.Strings("vpcConfig.publicAccessCidrs")
		if eksPublic(res) && (len(cidrs) == 0 || awsspec.OpenToWorldCIDRs(cidrs)) {
			return fmt.Sprintf("the public endpoint accepts every public address (publicAccessCidrs %v)", cidrs)
		}
		return ""
	})
}

func eksPublicEndpoint(r *harness.Record) []violation {
	return each(r, "aws:eks/cluster:Cluster", func(res harness.Resource) string {
		if eksPublic(res) {
			return fmt.Sprintf("public endpoint enabled for %v", res.Strings("vpcConfig.publicAccessCidrs"))
		}
		return ""
	})
}

// eksDocumentationRange is the plan's view of the deploy guard on cluster.publicAccessCidrs: the
// same test, on the cluster the graph would create.
func eksDocumentationRange(r *harness.Record) []violation {
	return each(r, "aws:eks/cluster:Cluster", func(res harness.Resource) string {
		var docs []string
		for _, cidr := range res.Strings("vpcConfig.publicAccessCidrs") {
			if p, err := netip.ParsePrefix(cidr); err == nil {
				if doc, ok := stackconfig.DocumentationRange(p); ok {
					docs = append(docs, fmt.Sprintf("%s (in %s)", cidr, doc))
				}
			}
		}
		if len(docs) == 0 {
			return ""
		}
		return fmt.Sprintf("publicAccessCidrs %s are documentation ranges: `pulumi up` refuses them until cluster.publicAccessCidrs names the addresses you deploy from", strings.Join(docs, ", "))
	})
}

// eksAdminsBesidesCreator finds clusters where no access entry has cluster-admin: only the
// identity that created the cluster can then use its Kubernetes API.
func eksAdminsBesidesCreator(r *harness.Record) []violation {
	return each(r, "aws:eks/cluster:Cluster", func(cluster harness.Resource) string {
		for _, a := range r.ByType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation") {
			if a.String("clusterName") == cluster.String("name") && strings.HasSuffix(a.String("policyArn"), "/AmazonEKSClusterAdminPolicy") {
				return ""
			}
		}
		if bootstrap, _ := cluster.Bool("accessConfig.bootstrapClusterCreatorAdminPermissions"); !bootstrap {
			return "no access entry has AmazonEKSClusterAdminPolicy and the creator gets none: nobody can administer the cluster; list roles in cluster.adminRoleArns"
		}
		return "only the identity that runs the first `pulumi up` is cluster-admin: list every other role that deploys the stack in cluster.adminRoleArns"
	})
}

func eksSecretsEncryption(r *harness.Record) []violation {
	return each(r, "aws:eks/cluster:Cluster", func(res harness.Resource) string {
		if res.String("encryptionConfig.provider.keyArn") == "" || !slices.Contains(res.Strings("encryptionConfig.resources"), "secrets") {
			return "no encryptionConfig for secrets"
		}
		return ""
	})
}

func eksLogs(r *harness.Record) []violation {
	all := []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}
	return each(r, "aws:eks/cluster:Cluster", func(res harness.Resource) string {
		var missing []string
		for _, t := range all {
			if !slices.Contains(res.Strings("enabledClusterLogTypes"), t) {
				missing = append(missing, t)
			}
		}
		if len(missing) > 0 {
			return "missing log types " + strings.Join(missing, ", ")
		}
		return ""
	})
}

func imdsv2(r *harness.Record) []violation {
	bad := func(res harness.Resource) string {
		if res.String("metadataOptions.httpTokens") != "required" {
			return "metadataOptions.httpTokens is not \"required\""
		}
		// Unset, the hop limit is the AMI's or the service's default, which can be 2.
		if hops, set := res.Number("metadataOptions.httpPutResponseHopLimit"); !set || hops != 1 {
			return fmt.Sprintf("metadataOptions.httpPutResponseHopLimit is %s, not 1: pods can reach IMDS and the instance role", hopLimit(hops, set))
		}
		return ""
	}
	return append(each(r, "aws:ec2/instance:Instance", bad), each(r, "aws:ec2/launchTemplate:LaunchTemplate", bad)...)
}

func hopLimit(hops float64, set bool) string {
	if !set {
		return "not set"
	}
	return fmt.Sprint(hops)
}

// extendedSupportViolations finds clusters whose Kubernetes version is in EKS extended support on
// the plan's date, with what that costs against standard support.
func extendedSupportViolations(r *harness.Record, cost Cost, table *PriceTable) []violation {
	return each(r, "aws:eks/cluster:Cluster", func(res harness.Resource) string {
		version := res.String("version")
		status, w := awsspec.EKSSupportOn(version, cost.AsOf)
		if status != awsspec.SupportExtended {
			return ""
		}
		msg := fmt.Sprintf("Kubernetes %s left EKS standard support on %s and is in extended support until %s", version, w.StandardUntil, w.ExtendedUntil)
		if prices, ok := table.Regions[cost.Region]; ok {
			h := table.HoursPerMonth
			extended, standard := prices.EKSExtendedSupportHour.USD, prices.EKSClusterHour.USD
			msg += fmt.Sprintf(": the control plane costs $%.2f an hour ($%.2f a month) instead of $%.2f ($%.2f)", extended, cents(h*extended), standard, cents(h*standard))
		}
		if newer := awsspec.VersionsInStandardSupport(cost.AsOf); len(newer) > 0 {
			msg += fmt.Sprintf("; upgrade to a version in standard support (%s)", strings.Join(newer, ", "))
		}
		return msg
	})
}

func ebsEncryption(r *harness.Record) []violation {
	out := each(r, "aws:ec2/instance:Instance", func(res harness.Resource) string {
		if on, _ := res.Bool("rootBlockDevice.encrypted"); !on {
			return "root volume not encrypted"
		}
		for _, d := range res.Objects("ebsBlockDevices") {
			if on, _ := d.Bool("encrypted"); !on {
				return "an EBS block device is not encrypted"
			}
		}
		return ""
	})
	out = append(out, each(r, "aws:ec2/launchTemplate:LaunchTemplate", func(res harness.Resource) string {
		for _, d := range res.Objects("blockDeviceMappings") {
			if d.String("ebs.encrypted") != "true" {
				return fmt.Sprintf("volume %s is not encrypted", d.String("deviceName"))
			}
		}
		return ""
	})...)
	return append(out, each(r, "aws:ebs/volume:Volume", func(res harness.Resource) string {
		if on, _ := res.Bool("encrypted"); !on {
			return "volume not encrypted"
		}
		return ""
	})...)
}

func instancePublicIP(r *harness.Record) []violation {
	return each(r, "aws:ec2/instance:Instance", func(res harness.Resource) string {
		if eip := elasticIPOf(r, res); eip != "" {
			return fmt.Sprintf("elastic IP %s is associated with it", eip)
		}
		if len(res.Objects("networkInterfaces")) > 0 {
			return "" // its own interfaces carry its addresses; an elastic IP on one is caught above
		}
		if public, set := res.Bool("associatePublicIpAddress"); public || !set {
			return "associatePublicIpAddress is not set to false"
		}
		return ""
	})
}

// elasticIPOf is the name of an elastic IP associated with the instance or with one of the
// network interfaces it is launched with, or "".
func elasticIPOf(r *harness.Record, inst harness.Resource) string {
	enis := inst.PropertyDependencies["networkInterfaces"]
	for _, eip := range r.ByType("aws:ec2/eip:Eip") {
		if src, err := r.InputSource(eip, "instance"); err == nil && src.URN == inst.URN {
			return eip.Name
		}
		if src, err := r.InputSource(eip, "networkInterface"); err == nil && slices.Contains(enis, src.URN) {
			return eip.Name
		}
	}
	return ""
}

func sourceDestCheckOff(r *harness.Record) []violation {
	off := func(res harness.Resource) string {
		if on, set := res.Bool("sourceDestCheck"); set && !on {
			return "sourceDestCheck is false: it forwards other hosts' traffic"
		}
		return ""
	}
	return append(each(r, "aws:ec2/instance:Instance", off), each(r, "aws:ec2/networkInterface:NetworkInterface", off)...)
}

func endpointPolicy(r *harness.Record) []violation {
	return each(r, "aws:ec2/vpcEndpoint:VpcEndpoint", func(res harness.Resource) string {
		doc, err := iampolicy.Parse(res.String("policy"))
		if err != nil {
			return "no endpoint policy: full access to the service through the endpoint"
		}
		for _, s := range doc.Statement {
			everything := slices.ContainsFunc(s.Action, func(a string) bool { return a == "*" || strings.HasSuffix(a, ":*") })
			if s.Effect == iampolicy.Allow && everything && slices.Contains(s.Resource, "*") && len(s.Condition) == 0 {
				return fmt.Sprintf("statement %s allows every action on every resource", s.Sid)
			}
		}
		return ""
	})
}

// ingressFromWorld finds security groups whose ingress, to port 22 only or to any port, admits
// every public address: judged by awsspec.OpenToWorld over all the group's matching rules
// together (inline, SecurityGroupRule and SecurityGroupIngressRule), so 0.0.0.0/1 and
// 128.0.0.0/1 in two rules are caught like 0.0.0.0/0.
func ingressFromWorld(sshOnly bool) func(r *harness.Record) []violation {
	return func(r *harness.Record) []violation {
		type group struct {
			res   harness.Resource
			cidrs []string
			ports []string
		}
		groups := map[string]*group{}
		var order []string
		add := func(key string, owner, rule harness.Resource, cidrKeys ...string) {
			from, _ := rule.Number("fromPort")
			to, _ := rule.Number("toPort")
			allPorts := rule.String("protocol") == "-1" || rule.String("ipProtocol") == "-1"
			if sshOnly && !allPorts && (from > 22 || to < 22) {
				return
			}
			var cidrs []string
			for _, k := range cidrKeys {
				for _, cidr := range append(rule.Strings(k), rule.String(k)) {
					if cidr != "" {
						cidrs = append(cidrs, cidr)
					}
				}
			}
			if len(cidrs) == 0 {
				return
			}
			g, ok := groups[key]
			if !ok {
				g = &group{res: owner}
				groups[key] = g
				order = append(order, key)
			}
			g.cidrs = append(g.cidrs, cidrs...)
			g.ports = append(g.ports, fmt.Sprintf("%v-%v", from, to))
		}
		// ownerOf is the security group a standalone rule belongs to, or the rule itself.
		ownerOf := func(rule harness.Resource) (string, harness.Resource) {
			if sg, err := r.InputSource(rule, "securityGroupId"); err == nil {
				return sg.URN, sg
			}
			return rule.URN, rule
		}
		for _, sg := range r.ByType("aws:ec2/securityGroup:SecurityGroup") {
			for _, rule := range sg.Objects("ingress") {
				add(sg.URN, sg, rule, "cidrBlocks", "ipv6CidrBlocks")
			}
		}
		for _, rule := range r.ByType("aws:ec2/securityGroupRule:SecurityGroupRule") {
			if rule.String("type") == "ingress" {
				key, owner := ownerOf(rule)
				add(key, owner, rule, "cidrBlocks", "ipv6CidrBlocks")
			}
		}
		for _, rule := range r.ByType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
			key, owner := ownerOf(rule)
			add(key, owner, rule, "cidrIpv4", "cidrIpv6")
		}
		var out []violation
		for _, key := range order {
			if g := groups[key]; awsspec.OpenToWorldCIDRs(g.cidrs) {
				out = append(out, violation{g.res, fmt.Sprintf("ingress %s from %v: together they admit every public address", strings.Join(slices.Compact(g.ports), ", "), g.cidrs)})
			}
		}
		return out
	}
}

// sourcedFrom says whether some resource of token takes res as input key (a flow log's vpcId).
func sourcedFrom(r *harness.Record, res harness.Resource, token, key string, ok func(harness.Resource) bool) bool {
	for _, other := range r.ByType(token) {
		if src, err := r.InputSource(other, key); err == nil && src.URN == res.URN && ok(other) {
			return true
		}
	}
	return false
}

func defaultSecurityGroup(r *harness.Record) []violation {
	return each(r, "aws:ec2/vpc:Vpc", func(vpc harness.Resource) string {
		locked := sourcedFrom(r, vpc, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "vpcId", func(sg harness.Resource) bool {
			return len(sg.Objects("ingress")) == 0 && len(sg.Objects("egress")) == 0
		})
		if !locked {
			return "the default security group is not managed with no rules"
		}
		return ""
	})
}

func subnetPublicIP(r *harness.Record) []violation {
	return each(r, "aws:ec2/subnet:Subnet", func(res harness.Resource) string {
		if on, _ := res.Bool("mapPublicIpOnLaunch"); on {
			return "mapPublicIpOnLaunch is true"
		}
		return ""
	})
}

func flowLogs(r *harness.Record) []violation {
	return each(r, "aws:ec2/vpc:Vpc", func(vpc harness.Resource) string {
		if !sourcedFrom(r, vpc, "aws:ec2/flowLog:FlowLog", "vpcId", func(harness.Resource) bool { return true }) {
			return "no flow log"
		}
		return ""
	})
}

func ecrImmutable(r *harness.Record) []violation {
	return each(r, "aws:ecr/repository:Repository", func(res harness.Resource) string {
		if res.String("imageTagMutability") != "IMMUTABLE" {
			return "imageTagMutability is not IMMUTABLE"
		}
		return ""
	})
}

func ecrScan(r *harness.Record) []violation {
	return each(r, "aws:ecr/repository:Repository", func(res harness.Resource) string {
		if on, _ := res.Bool("imageScanningConfiguration.scanOnPush"); !on {
			return "scanOnPush is off"
		}
		return ""
	})
}

func ecrKMS(r *harness.Record) []violation {
	return each(r, "aws:ecr/repository:Repository", func(res harness.Resource) string {
		for _, e := range res.Objects("encryptionConfigurations") {
			if e.String("encryptionType") == "KMS" {
				return ""
			}
		}
		return "encryptionType is not KMS"
	})
}

func snsEncrypted(r *harness.Record) []violation {
	return each(r, "aws:sns/topic:Topic", func(res harness.Resource) string {
		if res.String("kmsMasterKeyId") == "" {
			return "no kmsMasterKeyId"
		}
		return ""
	})
}

func snsAcceptsEventBridge(r *harness.Record) []violation {
	var out []violation
	for _, target := range r.ByType("aws:cloudwatch/eventTarget:EventTarget") {
		topic, err := r.InputSource(target, "arn")
		if err != nil || topic.Type != "aws:sns/topic:Topic" {
			continue
		}
		key, err := r.InputSource(topic, "kmsMasterKeyId")
		if err != nil || key.Type != "aws:kms/key:Key" {
			out = append(out, violation{topic, "encrypted with an AWS managed key (or none of the stack's keys): EventBridge cannot publish"})
			continue
		}
		doc, err := iampolicy.Parse(key.String("policy"))
		if err != nil || !admits(doc, "events.amazonaws.com", "kms:GenerateDataKey") {
			out = append(out, violation{topic, fmt.Sprintf("key %s does not let events.amazonaws.com use it", key.Name)})
		}
	}
	return out
}

// snsExampleDomain is the plan's view of the deploy guard on messaging.notificationEmails.
func snsExampleDomain(r *harness.Record) []violation {
	return each(r, "aws:sns/topicSubscription:TopicSubscription", func(res harness.Resource) string {
		if !strings.HasPrefix(res.String("protocol"), "email") {
			return ""
		}
		if reserved, ok := stackconfig.ReservedExampleDomain(res.String("endpoint")); ok {
			return fmt.Sprintf("%s is at %s, which receives no mail: `pulumi up` refuses it until messaging.notificationEmails names an address someone reads", res.String("endpoint"), reserved)
		}
		return ""
	})
}

// awsProviderExampleAccount finds AWS providers whose allowedAccountIds name an example account of
// AWS's documentation.
func awsProviderExampleAccount(r *harness.Record) []violation {
	return each(r, "pulumi:providers:aws", func(res harness.Resource) string {
		for _, id := range res.Strings("allowedAccountIds") {
			if slices.Contains(awsspec.ExampleAccountIDs, id) {
				return fmt.Sprintf("allowedAccountIds holds %s, an example account of AWS's documentation: `pulumi up` refuses it until aws:allowedAccountIds names the stack's own account", id)
			}
		}
		return ""
	})
}

// missingConfig reports each key the CLI would refuse the stack without, on the stack itself.
func missingConfig(r *harness.Record) []violation {
	if len(r.MissingKeys) == 0 || len(r.Resources) == 0 {
		return nil
	}
	// Every URN starts urn:pulumi:<stack>::<project>::, the stack's own included.
	parts := strings.SplitN(r.Resources[0].URN, "::", 3)
	stack, project := strings.TrimPrefix(parts[0], "urn:pulumi:"), parts[1]
	root := harness.Resource{
		URN:  fmt.Sprintf("%s::%s::pulumi:pulumi:Stack::%s-%s", parts[0], project, project, stack),
		Type: "pulumi:pulumi:Stack", Name: project + "-" + stack,
	}
	var out []violation
	for _, key := range r.MissingKeys {
		_, name, _ := strings.Cut(key, ":")
		out = append(out, violation{root, fmt.Sprintf("%s is not set: `pulumi preview` and `pulumi up` refuse the stack (\"Stack '%s' is missing configuration value '%s'\") until it is: `pulumi config set --secret %s <value>`", key, stack, name, name)})
	}
	return out
}

func admits(doc iampolicy.Document, service, action string) bool {
	for _, s := range doc.Statement {
		if s.Effect == iampolicy.Allow && s.Principal != nil && slices.Contains(s.Principal.Service, service) &&
			slices.ContainsFunc(s.Action, func(a string) bool { return a == action || a == action+"*" || a == "kms:*" }) {
			return true
		}
	}
	return false
}

func kmsRotation(r *harness.Record) []violation {
	return each(r, "aws:kms/key:Key", func(res harness.Resource) string {
		if on, _ := res.Bool("enableKeyRotation"); !on {
			return "enableKeyRotation is off"
		}
		return ""
	})
}

func logRetention(r *harness.Record) []violation {
	return each(r, "aws:cloudwatch/logGroup:LogGroup", func(res harness.Resource) string {
		if days, _ := res.Number("retentionInDays"); days <= 0 {
			return "no retentionInDays"
		}
		return ""
	})
}

// unscopedActions are the actions AWS authorizes only on "*" (the Service Authorization
// Reference lists no resource type for them), exactly those the stack grants: ECR's login token
// for the push role, the flow log role's log group lookup, and the Cluster Autoscaler's read-only
// calls (cluster-autoscaler/cloudprovider/aws/README.md, "Full Cluster Autoscaler Features
// Policy"; its eks:DescribeNodegroup is scoped to the node group instead). sts:GetCallerIdentity
// needs no permission at all, so no policy names it. The list is kept apart from
// eks.AutoscalerDescribeActions on purpose: a rule that read its allowlist from the code it checks
// would approve whatever that code grants.
var unscopedActions = []string{
	"autoscaling:DescribeAutoScalingGroups",
	"autoscaling:DescribeAutoScalingInstances",
	"autoscaling:DescribeLaunchConfigurations",
	"autoscaling:DescribeScalingActivities",
	"ec2:DescribeImages",
	"ec2:DescribeInstanceTypes",
	"ec2:DescribeLaunchTemplateVersions",
	"ec2:GetInstanceTypesFromInstanceRequirements",
	"ecr:GetAuthorizationToken",
	"logs:DescribeLogGroups",
}

// tagScopedActions may name "*" only under a StringEquals condition on aws:ResourceTag/<key>:
// the Cluster Autoscaler's scaling calls reach exactly the groups tagged for its cluster, whose
// names (eks-<node group>-<uuid>) EKS chooses (the EKS best practices guide's least-privilege
// policy for the autoscaler; Auto Scaling supports aws:ResourceTag on autoScalingGroup).
var tagScopedActions = []string{"autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"}

// scopedByTag reports whether a statement is limited to resources carrying given tags.
func scopedByTag(s iampolicy.Statement) bool {
	for key, values := range s.Condition["StringEquals"] {
		if strings.HasPrefix(key, "aws:ResourceTag/") && len(values) > 0 {
			return true
		}
	}
	return false
}

// policyOf is a permission policy and the resource that holds it.
type policyOf struct {
	res harness.Resource
	doc iampolicy.Document
}

// identityPolicies are the permission policies of the graph (not trust, key or resource policies,
// where "*" means something else).
func identityPolicies(r *harness.Record) []policyOf {
	var out []policyOf
	for _, token := range []string{"aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy"} {
		for _, res := range r.ByType(token) {
			if doc, err := iampolicy.Parse(res.String("policy")); err == nil {
				out = append(out, policyOf{res, doc})
			}
		}
	}
	return out
}

func iamWildcardActions(r *harness.Record) []violation {
	var out []violation
	for _, p := range identityPolicies(r) {
		for _, s := range p.doc.Statement {
			if s.Effect != iampolicy.Allow {
				continue
			}
			for _, a := range s.Action {
				if a == "*" || strings.HasSuffix(a, ":*") {
					out = append(out, violation{p.res, fmt.Sprintf("statement %s allows %s", s.Sid, a)})
				}
			}
		}
	}
	return out
}

func iamWildcardResources(r *harness.Record) []violation {
	var out []violation
	for _, p := range identityPolicies(r) {
		for _, s := range p.doc.Statement {
			if s.Effect != iampolicy.Allow || !slices.Contains(s.Resource, "*") {
				continue
			}
			for _, a := range s.Action {
				if !slices.Contains(unscopedActions, a) && (!slices.Contains(tagScopedActions, a) || !scopedByTag(s)) {
					out = append(out, violation{p.res, fmt.Sprintf("statement %s allows %s on \"*\"", s.Sid, a)})
					break
				}
			}
		}
	}
	return out
}

// federatedTrust returns the role's trust statements whose federated principal contains host.
func federatedTrust(res harness.Resource, host string) []iampolicy.Statement {
	doc, err := iampolicy.Parse(res.String("assumeRolePolicy"))
	if err != nil {
		return nil
	}
	var out []iampolicy.Statement
	for _, s := range doc.Statement {
		if s.Principal != nil && slices.ContainsFunc(s.Principal.Federated, func(p string) bool { return strings.Contains(p, host) }) {
			out = append(out, s)
		}
	}
	return out
}

// exactCondition returns the StringEquals values of the condition key ending in suffix, or nil
// when it is missing or uses a wildcard.
func exactCondition(s iampolicy.Statement, suffix string) []string {
	if values, ok := s.Condition["StringLike"]; ok {
		for k := range values {
			if strings.HasSuffix(k, suffix) {
				return nil
			}
		}
	}
	for k, v := range s.Condition["StringEquals"] {
		if strings.HasSuffix(k, suffix) && !slices.ContainsFunc(v, func(x string) bool { return strings.ContainsAny(x, "*?") }) {
			return v
		}
	}
	return nil
}

func githubTrust(r *harness.Record) []violation {
	return each(r, "aws:iam/role:Role", func(res harness.Resource) string {
		for _, s := range federatedTrust(res, "token.actions.githubusercontent.com") {
			if exactCondition(s, ":sub") == nil || !slices.Equal(exactCondition(s, ":aud"), []string{"sts.amazonaws.com"}) {
				return "the GitHub trust does not pin an exact sub and aud = sts.amazonaws.com"
			}
		}
		return ""
	})
}

func irsaTrust(r *harness.Record) []violation {
	return each(r, "aws:iam/role:Role", func(res harness.Resource) string {
		for _, s := range federatedTrust(res, "oidc.eks.") {
			sub := exactCondition(s, ":sub")
			if len(sub) == 0 || !strings.HasPrefix(sub[0], "system:serviceaccount:") || !slices.Equal(exactCondition(s, ":aud"), []string{"sts.amazonaws.com"}) {
				return "the IRSA trust does not pin <issuer>:sub to a service account and <issuer>:aud to sts.amazonaws.com"
			}
		}
		return ""
	})
}

func secretRotation(r *harness.Record) []violation {
	return each(r, "aws:secretsmanager/secret:Secret", func(secret harness.Resource) string {
		if !sourcedFrom(r, secret, "aws:secretsmanager/secretRotation:SecretRotation", "secretId", func(harness.Resource) bool { return true }) {
			return "no rotation"
		}
		return ""
	})
}

// secretKey returns the stack's KMS key a secret is encrypted with, if it is one.
func secretKey(r *harness.Record, secret harness.Resource) (harness.Resource, bool) {
	key, err := r.InputSource(secret, "kmsKeyId")
	return key, err == nil && key.Type == "aws:kms/key:Key"
}

func secretCMK(r *harness.Record) []violation {
	return each(r, "aws:secretsmanager/secret:Secret", func(secret harness.Resource) string {
		if _, ok := secretKey(r, secret); !ok {
			return "encrypted with the AWS managed key aws/secretsmanager (no kmsKeyId from the stack's keys)"
		}
		return ""
	})
}

// secretReadersDecrypt finds roles whose inline policies allow secretsmanager:GetSecretValue on a
// secret under one of the stack's keys but not kms:Decrypt on that key through Secrets Manager.
func secretReadersDecrypt(r *harness.Record) []violation {
	var out []violation
	for _, secret := range r.ByType("aws:secretsmanager/secret:Secret") {
		key, ok := secretKey(r, secret)
		secretARN, keyARN := outputString(secret, "arn"), outputString(key, "arn")
		if !ok || secretARN == "" || keyARN == "" {
			continue
		}
		for _, role := range r.ByType("aws:iam/role:Role") {
			docs := inlinePolicies(r, role)
			if allows(docs, "secretsmanager:GetSecretValue", secretARN, nil) &&
				!allows(docs, "kms:Decrypt", keyARN, func(s iampolicy.Statement) bool { return viaService(s, "secretsmanager.") }) {
				out = append(out, violation{role, fmt.Sprintf("reads %s but has no kms:Decrypt on its key %s through Secrets Manager", secret.Name, key.Name)})
			}
		}
	}
	return out
}

func outputString(res harness.Resource, key resource.PropertyKey) string {
	if v, ok := res.Outputs[key]; ok && v.IsString() {
		return v.StringValue()
	}
	return ""
}

// inlinePolicies are the documents of the role's inline policies.
func inlinePolicies(r *harness.Record, role harness.Resource) []iampolicy.Document {
	var out []iampolicy.Document
	for _, p := range r.ByType("aws:iam/rolePolicy:RolePolicy") {
		if src, err := r.InputSource(p, "role"); err == nil && src.URN == role.URN {
			if doc, err := iampolicy.Parse(p.String("policy")); err == nil {
				out = append(out, doc)
			}
		}
	}
	return out
}

// allows says whether an Allow statement of docs grants action on the ARN (or "*"), and meets
// cond when given.
func allows(docs []iampolicy.Document, action, arn string, cond func(iampolicy.Statement) bool) bool {
	service, _, _ := strings.Cut(action, ":")
	for _, d := range docs {
		for _, s := range d.Statement {
			if s.Effect == iampolicy.Allow && slices.ContainsFunc(s.Action, func(a string) bool { return a == action || a == service+":*" || a == "*" }) &&
				(slices.Contains(s.Resource, arn) || slices.Contains(s.Resource, "*")) && (cond == nil || cond(s)) {
				return true
			}
		}
	}
	return false
}

// viaService says whether a statement's kms:ViaService condition, if any, admits a service whose
// endpoint starts with prefix ("secretsmanager.").
func viaService(s iampolicy.Statement, prefix string) bool {
	values, ok := s.Condition["StringEquals"]["kms:ViaService"]
	return !ok || slices.ContainsFunc(values, func(v string) bool { return strings.HasPrefix(v, prefix) })
}
