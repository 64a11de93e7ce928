package plan

import (
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/mission-link/infra/harness"
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
		"ML-EC2-003": func(t *testing.T, r *harness.Record) {
			edit(t, r, "aws:ec2/instance:Instance", "associatePublicIpAddress", resource.NewProperty(true))
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
	}
	for _, rule := range Rules() {
		if rule.ID == "ML-EKS-005" {
			continue // TestPodCapacityNeedsPrefixDelegation
		}
		t.Run(rule.ID, func(t *testing.T) {
			breakGraph, ok := breakages[rule.ID]
			if !ok {
				t.Fatal("no broken graph proves this rule can fire")
			}
			p := build(t, "dev", options())
			if v := rule.check(p.Record); len(v) != 0 && rule.ID != "ML-EKS-002" && rule.ID != "ML-SEC-001" {
				t.Fatalf("fires on the good graph: %v", v[0].message)
			}
			breakGraph(t, p.Record)
			if v := rule.check(p.Record); len(v) == 0 {
				t.Error("does not fire on the broken graph")
			}
		})
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
	findings := func(r *harness.Record) map[string][]string {
		out := map[string][]string{}
		for _, f := range evaluate(r, nil, nil) {
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
