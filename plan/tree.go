// Package plan shows what a stack would create, with no AWS account: it runs the real program
// under the harness's mocks and renders the recorded graph for people.
package plan

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/harness"
	"github.com/mission-link/infra/program"
	"github.com/mission-link/infra/stackconfig"
)

// Run runs the program for the stack config under mocks.
func Run(cfg harness.StackConfig) (*harness.Record, error) {
	in := stackconfig.Input{Values: cfg.Values, SecretKeys: cfg.SecretKeys}
	return harness.Run(cfg, func(ctx *pulumi.Context) error { return program.Run(ctx, in) })
}

// settings are the inputs a reviewer reads, per type; references to other resources are shown by
// the other resource's name.
var settings = map[string][]string{
	"pulumi:providers:aws":                                {"region", "allowedAccountIds", "defaultTags.tags"},
	"aws:ec2/vpc:Vpc":                                     {"cidrBlock", "enableDnsSupport", "enableDnsHostnames"},
	"aws:ec2/subnet:Subnet":                               {"availabilityZone", "cidrBlock", "mapPublicIpOnLaunch"},
	"aws:ec2/natGateway:NatGateway":                       {"subnetId", "allocationId"},
	"aws:ec2/eip:Eip":                                     {"domain"},
	"aws:ec2/route:Route":                                 {"routeTableId", "destinationCidrBlock", "gatewayId", "natGatewayId"},
	"aws:ec2/routeTable:RouteTable":                       {},
	"aws:ec2/routeTableAssociation:RouteTableAssociation": {"subnetId", "routeTableId"},
	"aws:ec2/instance:Instance": {"instanceType", "ami", "subnetId", "associatePublicIpAddress",
		"metadataOptions.httpTokens", "rootBlockDevice.volumeType", "rootBlockDevice.encrypted"},
	"aws:ec2/securityGroup:SecurityGroup":               {"ingress", "egress"},
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": {"ingress", "egress"},
	"aws:cloudwatch/logGroup:LogGroup":                  {"name", "retentionInDays"},
	"aws:ec2/flowLog:FlowLog":                           {"trafficType", "logDestination"},
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment": {"role", "policyArn"},
	"aws:iam/instanceProfile:InstanceProfile":           {"role"},
	"aws:eks/cluster:Cluster": {"name", "version", "vpcConfig.endpointPublicAccess", "vpcConfig.publicAccessCidrs",
		"vpcConfig.endpointPrivateAccess", "enabledClusterLogTypes", "accessConfig.authenticationMode"},
	"aws:eks/nodeGroup:NodeGroup":     {"instanceTypes", "capacityType", "amiType", "scalingConfig", "subnetIds", "version"},
	"aws:eks/addon:Addon":             {"addonName", "configurationValues", "serviceAccountRoleArn"},
	"aws:eks/accessEntry:AccessEntry": {"principalArn", "type"},
	"aws:ec2/launchTemplate:LaunchTemplate": {"metadataOptions.httpTokens", "metadataOptions.httpPutResponseHopLimit",
		"blockDeviceMappings"},
	"aws:kms/key:Key": {"enableKeyRotation"},
	"aws:iam/openIdConnectProvider:OpenIdConnectProvider": {"clientIdLists"},
	"kubernetes:storage.k8s.io/v1:StorageClass": {"metadata.annotations", "provisioner", "parameters",
		"volumeBindingMode", "allowVolumeExpansion"},
}

// WriteTree prints the resources as a tree by parent, each with its settings and options, then
// the counts per type. The output depends only on the record, so the same stack file gives the
// same text.
func WriteTree(w io.Writer, cfg harness.StackConfig, r *harness.Record) error {
	p := &printer{w: w, record: r, children: map[string][]harness.Resource{}}
	var roots []harness.Resource
	for _, res := range r.Resources {
		if _, ok := r.ByURN(res.Parent); ok {
			p.children[res.Parent] = append(p.children[res.Parent], res)
		} else {
			roots = append(roots, res)
		}
	}
	p.printf("Stack %s of %s in %s: %d resources\n\n", cfg.Stack, cfg.Project, cfg.Region(), len(r.Resources))
	for _, res := range roots {
		p.node(res, 0)
	}
	p.printf("\nResources per type:\n")
	counts := r.CountByType()
	for _, typ := range slices.Sorted(maps.Keys(counts)) {
		p.printf("  %3d  %s\n", counts[typ], typ)
	}
	return p.err
}

type printer struct {
	w        io.Writer
	record   *harness.Record
	children map[string][]harness.Resource
	err      error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func (p *printer) node(res harness.Resource, depth int) {
	indent := strings.Repeat("  ", depth)
	p.printf("%s%s  %s%s\n", indent, res.Name, res.Type, options(res.Options))
	for _, key := range settings[res.Type] {
		if v, ok := p.setting(res, key); ok {
			p.printf("%s    %s: %s\n", indent, key, v)
		}
	}
	for _, child := range p.children[res.URN] {
		p.node(child, depth+1)
	}
}

// setting renders one input: a reference by the name of the resource it came from, else its value.
func (p *printer) setting(res harness.Resource, key string) (string, bool) {
	if deps := res.PropertyDependencies[key]; len(deps) == 1 {
		if dep, ok := p.record.ByURN(deps[0]); ok {
			return "-> " + dep.Name, true
		}
	}
	v, ok := res.Value(key)
	if !ok || v.IsNull() {
		return "", false
	}
	return render(v), true
}

func render(v resource.PropertyValue) string {
	switch {
	case v.IsSecret():
		return "[secret]"
	case v.IsComputed() || v.IsOutput() && !v.OutputValue().Known:
		return "(known after deploy)"
	case v.IsOutput():
		return render(v.OutputValue().Element)
	case v.IsArray():
		items := make([]string, len(v.ArrayValue()))
		for i, item := range v.ArrayValue() {
			items[i] = render(item)
		}
		return "[" + strings.Join(items, ", ") + "]"
	case v.IsObject():
		obj := v.ObjectValue()
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			parts = append(parts, fmt.Sprintf("%s=%s", k, render(obj[k])))
		}
		return "{" + strings.Join(parts, " ") + "}"
	case v.IsString():
		return v.StringValue()
	default:
		return fmt.Sprint(v.V)
	}
}

func options(o harness.Options) string {
	var parts []string
	if o.Protect {
		parts = append(parts, "protect")
	}
	if len(o.IgnoreChanges) > 0 {
		parts = append(parts, "ignoreChanges="+strings.Join(o.IgnoreChanges, ","))
	}
	if o.DeleteBeforeReplace {
		parts = append(parts, "deleteBeforeReplace")
	}
	if o.RetainOnDelete {
		parts = append(parts, "retainOnDelete")
	}
	if len(parts) == 0 {
		return ""
	}
	return "  [" + strings.Join(parts, " ") + "]"
}
