// Package plan shows what a stack would create, cost and be flagged for, with no AWS account: it
// runs the real program under the harness's mocks and renders the recorded graph for people
// (text, Markdown, a Mermaid diagram) and for tools (JSON).
package plan

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/mission-link/infra/internal/harness"
)

// settings are the inputs a reviewer reads, per type; references to other resources are shown by
// the other resource's name.
var settings = map[string][]string{
	"pulumi:providers:aws":                      {"region", "allowedAccountIds", "defaultTags.tags"},
	"aws:ec2/vpc:Vpc":                           {"cidrBlock", "enableDnsSupport", "enableDnsHostnames"},
	"aws:ec2/subnet:Subnet":                     {"availabilityZone", "cidrBlock", "mapPublicIpOnLaunch"},
	"aws:ec2/natGateway:NatGateway":             {"subnetId", "allocationId"},
	"aws:ec2/eip:Eip":                           {"domain", "networkInterface"},
	"aws:ec2/route:Route":                       {"routeTableId", "destinationCidrBlock", "gatewayId", "natGatewayId", "networkInterfaceId"},
	"aws:ec2/networkInterface:NetworkInterface": {"subnetId", "securityGroups", "sourceDestCheck"},
	"aws:ec2/vpcEndpoint:VpcEndpoint":           {"serviceName", "vpcEndpointType", "policy"},
	"aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation": {"vpcEndpointId", "routeTableId"},
	"aws:ec2/routeTableAssociation:RouteTableAssociation":                       {"subnetId", "routeTableId"},
	"aws:ec2/instance:Instance": {"instanceType", "ami", "subnetId", "networkInterfaces", "associatePublicIpAddress",
		"metadataOptions.httpTokens", "rootBlockDevice.volumeType", "rootBlockDevice.encrypted", "maintenanceOptions.autoRecovery"},
	"aws:ec2/securityGroup:SecurityGroup": {"ingress", "egress"},
	"aws:ec2/securityGroupRule:SecurityGroupRule": {"type", "protocol", "fromPort", "toPort", "cidrBlocks", "self",
		"sourceSecurityGroupId", "securityGroupId"},
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
	"aws:iam/openIdConnectProvider:OpenIdConnectProvider": {"url", "clientIdLists"},
	"kubernetes:storage.k8s.io/v1:StorageClass": {"metadata.annotations", "provisioner", "parameters",
		"volumeBindingMode", "allowVolumeExpansion"},
	"aws:ecr/repository:Repository":                  {"name", "imageTagMutability", "imageScanningConfiguration.scanOnPush", "forceDelete"},
	"aws:cloudwatch/eventBus:EventBus":               {"name"},
	"aws:cloudwatch/eventRule:EventRule":             {"eventBusName", "eventPattern"},
	"aws:cloudwatch/eventTarget:EventTarget":         {"rule", "arn", "retryPolicy", "deadLetterConfig"},
	"aws:sns/topic:Topic":                            {"kmsMasterKeyId"},
	"aws:sns/topicSubscription:TopicSubscription":    {"protocol", "endpoint"},
	"aws:sqs/queue:Queue":                            {"kmsMasterKeyId", "messageRetentionSeconds"},
	"aws:secretsmanager/secret:Secret":               {"name", "recoveryWindowInDays"},
	"aws:secretsmanager/secretVersion:SecretVersion": {"secretId", "secretString"},
	"kubernetes:core/v1:Namespace":                   {"metadata.name"},
	"kubernetes:helm.sh/v3:Release":                  {"name", "chart", "version", "repositoryOpts.repo", "namespace", "values.image.tag", "values.autoDiscovery.tags"},
	"kubernetes:argoproj.io/v1alpha1:Application":    {"metadata.namespace", "spec.source", "spec.destination", "spec.syncPolicy"},
}

// writeTree prints the resources as a tree by parent, each with its settings and options, then
// the counts per type.
func (p *Plan) writeTree(w *errWriter) {
	children := map[string][]harness.Resource{}
	var roots []harness.Resource
	for _, res := range p.Record.Resources {
		if _, ok := p.Record.ByURN(res.Parent); ok {
			children[res.Parent] = append(children[res.Parent], res)
		} else {
			roots = append(roots, res)
		}
	}
	var node func(res harness.Resource, depth int)
	node = func(res harness.Resource, depth int) {
		indent := strings.Repeat("  ", depth)
		w.printf("%s%s  %s%s\n", indent, res.Name, res.Type, optionsText(res))
		for _, key := range settings[res.Type] {
			v, ok := res.Value(key)
			if !ok || v.IsNull() {
				continue
			}
			top, _, _ := strings.Cut(key, ".")
			shown := "[secret]"
			if !res.Inputs[resource.PropertyKey(top)].ContainsSecrets() {
				shown = p.unknowns.text(v, p.unknowns.candidates(res, top))
			}
			w.printf("%s    %s: %s\n", indent, key, shown)
		}
		for _, child := range children[res.URN] {
			node(child, depth+1)
		}
	}
	for _, res := range roots {
		node(res, 0)
	}
	w.printf("\nResources per type:\n")
	counts := p.Record.CountByType()
	for _, typ := range slices.Sorted(maps.Keys(counts)) {
		w.printf("  %3d  %s\n", counts[typ], typ)
	}
}

func optionsText(res harness.Resource) string {
	o := res.Options
	var parts []string
	if res.StandIn {
		parts = append(parts, "stand-in")
	}
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
	if len(o.ReplaceOnChanges) > 0 {
		parts = append(parts, "replaceOnChanges="+strings.Join(o.ReplaceOnChanges, ","))
	}
	if len(parts) == 0 {
		return ""
	}
	return "  [" + strings.Join(parts, " ") + "]"
}

// errWriter remembers the first write error, so that printing code stays linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (w *errWriter) printf(format string, args ...any) {
	if w.err == nil {
		_, w.err = fmt.Fprintf(w.w, format, args...)
	}
}
