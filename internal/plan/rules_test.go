package plan

import (
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/mission-link/infra/internal/harness"
	"github.com/mission-link/infra/internal/iampolicy"
	"github.com/mission-link/infra/internal/stackconfig"
)

// edit changes an input (a dotted path) of the first resource of a type.
func edit(t *testing.T, r *harness.Record, typ, path string, v resource.PropertyValue) {
	t.Helper()
	i := slices.IndexFunc(r.Resources, func(res harness.Resource) bool { return res.Type == typ })
	if i < 0 {
		t.Fatalf("no %s to break", typ)
	}
	r.Resources[i].Inputs = setPath(r.Resources[i].Inputs.Copy(), strings.Split(path, "."), v)
}

func setPath(m resource.PropertyMap, path []string, v resource.PropertyValue) resource.PropertyMap {
	key := resource.PropertyKey(path[0])
	if len(path) == 1 {
		if v.IsNull() {
			delete(m, key)
		} else {
			m[key] = v
		}
		return m
	}
	inner := resource.PropertyMap{}
	if cur, ok := m[key]; ok && cur.IsObject() {
		inner = cur.ObjectValue().Copy()
	}
	m[key] = resource.NewProperty(setPath(inner, path[1:], v))
	return m
}

func drop(r *harness.Record, typ string) {
	r.Resources = slices.DeleteFunc(r.Resources, func(res harness.Resource) bool { return res.Type == typ })
}

func strs(values ...string) resource.PropertyValue {
	var out []resource.PropertyValue
	for _, v := range values {
		out = append(out, resource.NewProperty(v))
	}
	return resource.NewProperty(out)
}

var null = resource.NewNullProperty()

func policy(text string) resource.PropertyValue { return resource.NewProperty(text) }

// TestEachRuleFiresOnABrokenGraph breaks the dev stack's graph the way each rule guards against,
// and checks that exactly that rule notices.
func TestEachRuleFiresOnABrokenGraph(t *testing.T) {
	breakages := map[string]func(t *testing.T, r *harness.Record){
		"ML-EKS-001": func(t *testing.T, r *harness.Record) {
			edit(t, r, "aws:eks/cluster:Cluster", "vpcConfig.publicAccessCidrs", strs("0.0.0.0/0"))
		},
		"ML-EKS-002": func(t *testing.T, r *harness.Record) {}, // the dev stack has a public endpoint (accepted)
		"ML-EKS-003": func(t *testing.T, r *harness.Record) { edit(t, r, "aws:eks/cluster:Cluster", "encryptionConfig", null) },
		"ML-EKS-004": func(t *testing.T, r *harness.Record) {
			edit(t, r, "aws:eks/cluster:Cluster", "enabledClusterLogTypes", strs("api", "audit"))
		},
		"ML-EC2-001": func(t *testing.T, r *harness.Record) {
			edit(t, r, "aws:ec2/launchTemplate:LaunchTemplate", "metadataOptions.httpTokens", resource.NewProperty("optional"))
		},
		"ML-EC2-002": func(t *testing.T, r *harness.Record) {
			edit(t, r, "aws:ec2/instance:Instance", "rootBlockDevice.encrypted", resource.NewProperty(false))
		},
		"ML-EC2-003": func(t *testing.T, r *harness.Record) { // the bastion; the NAT instance's EIP is accepted
			edit(t, r, "aws:ec2/instance:Instance", "associatePublicIpAddress", resource.NewProperty(true))
		},
		"ML-EC2-004": func(t *testing.T, r *harness.Record) { // the bastion; the NAT interface is accepted
			edit(t, r, "aws:ec2/instance:Instance", "sourceDestCheck", resource.NewProperty(false))
		},
		"ML-VPC-001": func(t *testing.T, r *harness.Record) {
			rule := resource.PropertyMap{"protocol": resource.NewProperty("tcp"), "fromPort": resource.NewProperty(22.0),
				"toPort": resource.NewProperty(22.0), "cidrBlocks": strs("0.0.0.0/0")}
			edit(t, r, "aws:ec2/securityGroup:SecurityGroup", "ingress", resource.NewProperty([]resource.PropertyValue{resource.NewProperty(rule)}))
		},
		"ML-VPC-002": func(t *testing.T, r *harness.Record) {
			rule := resource.PropertyMap{"protocol": resource.NewProperty("tcp"), "fromPort": resource.NewProperty(8080.0),
				"toPort": resource.NewProperty(8080.0), "ipv6CidrBlocks": strs("::/0")}
			edit(t, r, "aws:ec2/securityGroup:SecurityGroup", "ingress", resource.NewProperty([]resource.PropertyValue{resource.NewProperty(rule)}))
		},
		"ML-VPC-003": func(t *testing.T, r *harness.Record) { drop(r, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup") },
		"ML-VPC-004": func(t *testing.T, r *harness.Record) {
			edit(t, r, "aws:ec2/subnet:Subnet", "mapPublicIpOnLaunch", resource.NewProperty(true))
		},
		"ML-VPC-005": func(t *testing.T, r *harness.Record) { drop(r, "aws:ec2/flowLog:FlowLog") },
		"ML-VPC-006": func(t *testing.T, r *harness.Record) { edit(t, r, "aws:ec2/vpcEndpoint:VpcEndpoint", "policy", null) },
		"ML-ECR-001": func(t *testing.T, r *harness.Record) {
			edit(t, r, "aws:ecr/repository:Repository", "imageTagMutability", resource.NewProperty("MUTABLE"))
		},
		"ML-ECR-002": func(t *testing.T, r *harness.Record) {
			edit(t, r, "aws:ecr/repository:Repository", "imageScanningConfiguration.scanOnPush", resource.NewProperty(false))
		},
		"ML-ECR-003": func(t *testing.T, r *harness.Record) {
			edit(t, r, "aws:ecr/repository:Repository", "encryptionConfigurations", null)
		},
		"ML-SNS-001": func(t *testing.T, r *harness.Record) { edit(t, r, "aws:sns/topic:Topic", "kmsMasterKeyId", null) },
		"ML-SNS-002": func(t *testing.T, r *harness.Record) {
			i := slices.IndexFunc(r.Resources, func(res harness.Resource) bool { return res.Type == "aws:sns/topic:Topic" })
			r.Resources[i].PropertyDependencies = map[string][]string{} // encrypted with alias/aws/sns
		},
		"ML-KMS-001": func(t *testing.T, r *harness.Record) {
			edit(t, r, "aws:kms/key:Key", "enableKeyRotation", resource.NewProperty(false))
		},
		"ML-LOG-001": func(t *testing.T, r *harness.Record) {
			edit(t, r, "aws:cloudwatch/logGroup:LogGroup", "retentionInDays", null)
		},
		"ML-IAM-001": func(t *testing.T, r *harness.Record) {
			edit(t, r, "aws:iam/rolePolicy:RolePolicy", "policy", policy(`{"Version":"2012-10-17","Statement":[{"Sid":"All","Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::bucket"]}]}`))
		},
		"ML-IAM-002": func(t *testing.T, r *harness.Record) {
			edit(t, r, "aws:iam/rolePolicy:RolePolicy", "policy", policy(`{"Version":"2012-10-17","Statement":[{"Sid":"Any","Effect":"Allow","Action":["s3:GetObject"],"Resource":["*"]}]}`))
		},
		"ML-IAM-003": func(t *testing.T, r *harness.Record) {
			i := slices.IndexFunc(r.Resources, func(res harness.Resource) bool {
				return res.Type == "aws:iam/role:Role" && res.Name == "mission-link-dev-push"
			})
			r.Resources[i].Inputs = setPath(r.Resources[i].Inputs.Copy(), []string{"assumeRolePolicy"}, policy(
				`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":["arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"]},"Action":["sts:AssumeRoleWithWebIdentity"],"Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":["repo:mission-link/*"]}}}]}`))
		},
		"ML-IAM-004": func(t *testing.T, r *harness.Record) {
			i := slices.IndexFunc(r.Resources, func(res harness.Resource) bool {
				return res.Type == "aws:iam/role:Role" && res.Name == "mission-link-dev-app"
			})
			r.Resources[i].Inputs = setPath(r.Resources[i].Inputs.Copy(), []string{"assumeRolePolicy"}, policy(
				`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":["arn:aws:iam::1:oidc-provider/oidc.eks.ap-northeast-2.amazonaws.com/id/X"]},"Action":["sts:AssumeRoleWithWebIdentity"],"Condition":{"StringEquals":{"oidc.eks.ap-northeast-2.amazonaws.com/id/X:sub":["system:serviceaccount:mission-link:mission-link"]}}}]}`))
		},
		"ML-SEC-001": func(t *testing.T, r *harness.Record) {}, // the database secret has no rotation (accepted)
		"ML-SEC-002": func(t *testing.T, r *harness.Record) {
			i := slices.IndexFunc(r.Resources, func(res harness.Resource) bool { return res.Type == "aws:secretsmanager/secret:Secret" })
			r.Resources[i].PropertyDependencies = map[string][]string{} // encrypted with aws/secretsmanager
		},
		"ML-SEC-003": func(t *testing.T, r *harness.Record) { // the app reads the secret without its key
			for i, res := range r.Resources {
				if res.Type == "aws:iam/rolePolicy:RolePolicy" && strings.Contains(res.String("policy"), "DecryptDatabaseSecret") && strings.Contains(res.Name, "app") {
					r.Resources[i].Inputs = setPath(res.Inputs.Copy(), []string{"policy"}, policy(strings.Replace(res.String("policy"), `"secretsmanager.ap-northeast-2.amazonaws.com"`, `"ssm.ap-northeast-2.amazonaws.com"`, 1)))
				}
			}
		},
		"ML-EKS-006": func(t *testing.T, r *harness.Record) {
			edit(t, r, "aws:eks/cluster:Cluster", "vpcConfig.publicAccessCidrs", strs("198.51.7.0/24", "203.0.113.7/32"))
		},
		"ML-EKS-007": func(t *testing.T, r *harness.Record) {
			drop(r, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
		},
		"ML-SNS-003": func(t *testing.T, r *harness.Record) {
			edit(t, r, "aws:sns/topicSubscription:TopicSubscription", "endpoint", resource.NewProperty("oncall@ops.example.org"))
		},
		"ML-SEC-004": func(t *testing.T, r *harness.Record) {
			r.MissingKeys = []string{"mission-link:databasePassword"}
		},
		"ML-IAM-005": func(t *testing.T, r *harness.Record) {
			edit(t, r, "pulumi:providers:aws", "allowedAccountIds", strs("210987654321", "444455556666"))
		},
	}
	// repairs fix what the committed dev file keeps open (placeholders, no admin role), so that
	// each of those rules is first seen silent on a good graph.
	repairs := map[string]func(t *testing.T, r *harness.Record){
		"ML-EKS-006": func(t *testing.T, r *harness.Record) {
			edit(t, r, "aws:eks/cluster:Cluster", "vpcConfig.publicAccessCidrs", strs("198.51.7.0/24", "192.0.3.0/24"))
		},
		"ML-EKS-007": func(t *testing.T, r *harness.Record) {
			r.Resources = append(r.Resources, harness.Resource{
				URN: "urn:pulumi:dev::mission-link::eks:index:Cluster$aws:eks/accessPolicyAssociation:AccessPolicyAssociation::admin", Custom: true,
				Type: "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", Name: "mission-link-dev-admin-123456789012-platform-cluster-admin",
				Inputs: resource.PropertyMap{
					"clusterName": resource.NewProperty("mission-link-dev"),
					"policyArn":   resource.NewProperty("arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"),
				},
			})
		},
		"ML-SNS-003": func(t *testing.T, r *harness.Record) {
			edit(t, r, "aws:sns/topicSubscription:TopicSubscription", "endpoint", resource.NewProperty("oncall@mission-link.io"))
		},
		"ML-SEC-004": func(_ *testing.T, r *harness.Record) { r.MissingKeys = nil },
	}
	exceptions, err := Exceptions()
	if err != nil {
		t.Fatal(err)
	}
	for _, rule := range Rules() {
		if rule.ID == "ML-EKS-005" || rule.ID == "ML-EKS-008" {
			continue // TestPodCapacityNeedsPrefixDelegation, TestExtendedSupportIsAFindingWithItsCost
		}
		t.Run(rule.ID, func(t *testing.T) {
			breakGraph, ok := breakages[rule.ID]
			if !ok {
				t.Fatal("no broken graph proves this rule can fire")
			}
			p := build(t, "dev", options())
			if _, open := shippedOpenFindings["dev"][rule.ID]; open {
				repairs[rule.ID](t, p.Record) // TestShippedStacksHaveNoOpenHighFinding: it fires on the committed file
			}
			good := rule.check(p.Record)
			for _, v := range good {
				if !slices.ContainsFunc(exceptions, func(e Exception) bool { return e.covers(rule.ID, v.res) }) {
					t.Fatalf("fires on the good graph without an exception: %s: %v", v.res.Name, v.message)
				}
			}
			breakGraph(t, p.Record)
			if v := rule.check(p.Record); len(v) == 0 || (len(good) > 0 && len(v) <= len(good) && rule.ID != "ML-EKS-002" && rule.ID != "ML-SEC-001") {
				t.Errorf("does not fire on the broken graph (%d findings, %d on the good one)", len(v), len(good))
			}
		})
	}
}

func ruleByID(t *testing.T, id string) Rule {
	t.Helper()
	i := slices.IndexFunc(Rules(), func(r Rule) bool { return r.ID == id })
	if i < 0 {
		t.Fatalf("no rule %s", id)
	}
	return Rules()[i]
}

// TestAutoscalerScalingNeedsItsTagCondition: ML-IAM-002 accepts the Cluster Autoscaler's scaling
// actions on "*" only while the statement is limited by resource tags; without the condition they
// could scale every Auto Scaling group of the account.
func TestAutoscalerScalingNeedsItsTagCondition(t *testing.T) {
	p := build(t, "dev", options())
	rule := ruleByID(t, "ML-IAM-002")
	if v := rule.check(p.Record); len(v) != 0 {
		t.Fatalf("fires on the dev stack: %v", v[0].message)
	}
	i := slices.IndexFunc(p.Record.Resources, func(res harness.Resource) bool {
		doc, err := iampolicy.Parse(res.String("policy"))
		_, scales := doc.FindStatement("ScaleThisClustersGroups")
		return res.Type == "aws:iam/rolePolicy:RolePolicy" && err == nil && scales
	})
	if i < 0 {
		t.Fatal("no policy of the dev stack scales Auto Scaling groups")
	}
	doc, _ := iampolicy.Parse(p.Record.Resources[i].String("policy"))
	for j := range doc.Statement {
		doc.Statement[j].Condition = nil
	}
	text, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	p.Record.Resources[i].Inputs = setPath(p.Record.Resources[i].Inputs.Copy(), []string{"policy"}, policy(text))
	v := rule.check(p.Record)
	if len(v) != 1 || v[0].res.Name != p.Record.Resources[i].Name ||
		!strings.Contains(v[0].message, `statement ScaleThisClustersGroups allows autoscaling:SetDesiredCapacity on "*"`) {
		t.Errorf("without its tag condition: %v", v)
	}
}

// TestEveryDeployGuardHasARule: a check that only a real `pulumi up` enforces is shown by the
// plan (which runs as a preview) as a finding of the rule the guard names.
func TestEveryDeployGuardHasARule(t *testing.T) {
	ids := map[string]bool{}
	for _, rule := range Rules() {
		ids[rule.ID] = true
	}
	for _, g := range stackconfig.DeployGuards() {
		if !ids[g.Rule] {
			t.Errorf("deploy guard on %s names rule %s, which the plan does not have", g.Key, g.Rule)
		}
	}
}

// A hop limit above 1 (or none, which leaves it to the AMI) lets pods fetch an IMDSv2 token.
func TestIMDSHopLimitIsChecked(t *testing.T) {
	rule := Rules()[slices.IndexFunc(Rules(), func(r Rule) bool { return r.ID == "ML-EC2-001" })]
	for name, hops := range map[string]resource.PropertyValue{"2": resource.NewProperty(2.0), "unset": null} {
		for _, typ := range []string{"aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/instance:Instance"} {
			p := build(t, "dev", options())
			edit(t, p.Record, typ, "metadataOptions.httpPutResponseHopLimit", hops)
			v := rule.check(p.Record)
			if len(v) != 1 || v[0].res.Type != typ || !strings.Contains(v[0].message, "httpPutResponseHopLimit is "+strings.TrimPrefix(name, "unset")) {
				t.Errorf("hop limit %s on %s: findings %v", name, typ, v)
			}
		}
	}
}

// TestOpenToTheWorldIsCoverage: ingress split over rules that together cover every public
// address is caught like 0.0.0.0/0 (ML-VPC-001 for SSH, ML-VPC-002 for any port), and so is an
// EKS public endpoint limited to two halves of the address space (ML-EKS-001).
func TestOpenToTheWorldIsCoverage(t *testing.T) {
	p := build(t, "dev", options())
	sgs := p.Record.ByType("aws:ec2/securityGroup:SecurityGroup")
	if len(sgs) == 0 {
		t.Fatal("no security group")
	}
	sg := sgs[0]
	rule := func(name, cidr string) harness.Resource {
		return harness.Resource{URN: "urn:pulumi:dev::mission-link::aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::" + name,
			Type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", Name: name, Custom: true,
			Inputs: resource.PropertyMap{"cidrIpv4": resource.NewProperty(cidr), "fromPort": resource.NewProperty(22.0),
				"toPort": resource.NewProperty(22.0), "ipProtocol": resource.NewProperty("tcp")},
			PropertyDependencies: map[string][]string{"securityGroupId": {sg.URN}}}
	}
	table, err := Prices()
	if err != nil {
		t.Fatal(err)
	}
	findings := func(r *harness.Record) map[string][]string {
		out := map[string][]string{}
		for _, f := range evaluate(r, nil, nil, p.Cost, table) {
			out[f.ID] = append(out[f.ID], f.ResourceName)
		}
		return out
	}
	half := *p.Record
	half.Resources = append(slices.Clone(p.Record.Resources), rule("low", "0.0.0.0/1"))
	if got := findings(&half); got["ML-VPC-001"] != nil || got["ML-VPC-002"] != nil {
		t.Errorf("half the address space is flagged as the world: %v", got)
	}
	both := half
	both.Resources = append(slices.Clone(half.Resources), rule("high", "128.0.0.0/1"))
	got := findings(&both)
	if !slices.Equal(got["ML-VPC-001"], []string{sg.Name}) || !slices.Equal(got["ML-VPC-002"], []string{sg.Name}) {
		t.Errorf("0.0.0.0/1 + 128.0.0.0/1 to port 22: ML-VPC-001 %v, ML-VPC-002 %v, want the group %s", got["ML-VPC-001"], got["ML-VPC-002"], sg.Name)
	}
	eks := *p.Record
	eks.Resources = slices.Clone(p.Record.Resources)
	edit(t, &eks, "aws:eks/cluster:Cluster", "vpcConfig.publicAccessCidrs", strs("0.0.0.0/1", "128.0.0.0/1"))
	if got := findings(&eks); len(got["ML-EKS-001"]) != 1 {
		t.Errorf("an API open through two halves: ML-EKS-001 %v", got["ML-EKS-001"])
	}
}
