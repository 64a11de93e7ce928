package harness

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/iampolicy"
)

const (
	eksClusterType     = "aws:eks/cluster:Cluster"
	accessEntryType    = "aws:eks/accessEntry:AccessEntry"
	policyAssocType    = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
	mockOIDCThumbprint = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
)

// eksClusterComponent answers pulumi-eks 2.8.1's eks:index:Cluster. It registers stand-ins for
// the children its cluster.js creates for this stack's arguments (service role, cluster security
// group and egress rule, the EKS cluster, the OIDC provider, access entries) with the inputs
// cluster.js gives them, and returns the component's outputs as references to them.
func eksClusterComponent(m *Mocks, c Resource) (resource.PropertyMap, error) {
	name := c.Name
	in := resource.NewProperty(c.Inputs).Mappable().(map[string]any)
	clusterName, _ := in["name"].(string)
	if clusterName == "" {
		clusterName = name + "-eksCluster"
	}
	role, err := m.eksServiceRole(c, name)
	if err != nil {
		return nil, err
	}
	sg, err := m.StandIn(c, "aws:ec2/securityGroup:SecurityGroup", name+"-eksClusterSecurityGroup", props(map[string]any{
		"vpcId": in["vpcId"], "revokeRulesOnDelete": true, "tags": map[string]any{"Name": name + "-eksClusterSecurityGroup"},
	}))
	if err != nil {
		return nil, err
	}
	if _, err := m.StandIn(c, "aws:ec2/securityGroupRule:SecurityGroupRule", name+"-eksClusterInternetEgressRule", props(map[string]any{
		"description": "Allow internet access.", "type": "egress", "fromPort": 0, "toPort": 0, "protocol": "-1",
		"cidrBlocks": []any{"0.0.0.0/0"}, "securityGroupId": sg.ID,
	}), pulumi.DependsOn([]pulumi.Resource{sg.Resource})); err != nil {
		return nil, err
	}
	cluster, err := m.StandIn(c, eksClusterType, name+"-eksCluster", props(eksClusterInputs(in, clusterName, role, sg)),
		pulumi.DependsOn([]pulumi.Resource{role.Resource, sg.Resource}),
		pulumi.IgnoreChanges([]string{"accessConfig.bootstrapClusterCreatorAdminPermissions"}))
	if err != nil {
		return nil, err
	}
	core := map[string]resource.PropertyValue{
		"cluster":              cluster.Ref,
		"clusterSecurityGroup": sg.Ref,
		"clusterIamRole":       role.Ref,
		"endpoint":             cluster.State["endpoint"],
		"vpcId":                c.Inputs["vpcId"],
		"privateSubnetIds":     c.Inputs["privateSubnetIds"],
		"subnetIds":            c.Inputs["privateSubnetIds"],
	}
	if on, _ := in["createOidcProvider"].(bool); on {
		oidc, err := m.StandIn(c, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", name+"-oidcProvider", props(map[string]any{
			"clientIdLists":   []any{"sts.amazonaws.com"},
			"url":             issuerOf(cluster.State),
			"thumbprintLists": []any{mockOIDCThumbprint},
		}), pulumi.DependsOn([]pulumi.Resource{cluster.Resource}))
		if err != nil {
			return nil, err
		}
		core["oidcProvider"] = oidc.Ref
	}
	if err := m.eksAccessEntries(c, in, clusterName, cluster.Resource); err != nil {
		return nil, err
	}
	// The kubeconfig cluster.js returns is generated without the profile (kubeconfigWithoutProfile).
	kubeconfig := eksKubeconfig(clusterName, cluster.State, kubeconfigOptions{})
	text, err := json.Marshal(kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("encoding kubeconfig: %w", err)
	}
	return resource.PropertyMap{
		"eksCluster":           cluster.Ref,
		"clusterSecurityGroup": sg.Ref,
		"core":                 resource.NewProperty(resource.PropertyMap(keys(core))),
		"kubeconfig":           resource.NewProperty(resource.NewPropertyMapFromMap(kubeconfig)),
		"kubeconfigJson":       resource.MakeSecret(resource.NewProperty(string(text))),
	}, nil
}

func (m *Mocks) eksServiceRole(c Resource, name string) (StandInResource, error) {
	trust, err := iampolicy.ServiceTrust("eks.amazonaws.com", nil).JSON()
	if err != nil {
		return StandInResource{}, err
	}
	role, err := m.StandIn(c, "aws:iam/role:Role", name+"-eksRole-role", props(map[string]any{
		"assumeRolePolicy": trust, "description": "Allows EKS to manage clusters on your behalf.",
	}))
	if err != nil {
		return StandInResource{}, err
	}
	_, err = m.StandIn(c, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name+"-eksRole-AmazonEKSClusterPolicy", props(map[string]any{
		"role": role.State["name"].StringValue(), "policyArn": fmt.Sprintf("arn:%s:iam::aws:policy/AmazonEKSClusterPolicy", partitionOf(m.region)),
	}), pulumi.DependsOn([]pulumi.Resource{role.Resource}))
	return role, err
}

// eksClusterInputs are the inputs cluster.js gives aws.eks.Cluster.
func eksClusterInputs(in map[string]any, clusterName string, role, sg StandInResource) map[string]any {
	cluster := map[string]any{
		"name":    clusterName,
		"roleArn": role.State["arn"].StringValue(),
		"vpcConfig": map[string]any{
			"securityGroupIds":      []any{sg.ID},
			"subnetIds":             in["privateSubnetIds"],
			"endpointPrivateAccess": in["endpointPrivateAccess"],
			"endpointPublicAccess":  in["endpointPublicAccess"],
			"publicAccessCidrs":     in["publicAccessCidrs"],
		},
		"version":                in["version"],
		"enabledClusterLogTypes": in["enabledClusterLogTypes"],
		"tags":                   map[string]any{"Name": clusterName + "-eksCluster"},
	}
	if key, ok := in["encryptionConfigKeyArn"]; ok {
		cluster["encryptionConfig"] = map[string]any{"provider": map[string]any{"keyArn": key}, "resources": []any{"secrets"}}
	}
	if mode, ok := in["authenticationMode"]; ok {
		cluster["accessConfig"] = map[string]any{"authenticationMode": mode, "bootstrapClusterCreatorAdminPermissions": true}
	}
	return cluster
}

// eksAccessEntries registers the access entries cluster.js creates: EC2_LINUX for the instance
// role, and each configured entry with its policy associations.
func (m *Mocks) eksAccessEntries(c Resource, in map[string]any, clusterName string, cluster pulumi.Resource) error {
	after := pulumi.DependsOn([]pulumi.Resource{cluster})
	if ref := c.Inputs["instanceRole"]; ref.IsResourceReference() {
		roleURN := ref.ResourceReferenceValue().URN
		if _, err := m.StandIn(c, accessEntryType, c.Name+"-defaultNodeGroupInstanceRole", props(map[string]any{
			"clusterName": clusterName, "principalArn": m.arn(string(roleURN.Type()), roleURN.Name()), "type": "EC2_LINUX",
		}), after); err != nil {
			return err
		}
	}
	entries, _ := in["accessEntries"].(map[string]any)
	for _, key := range slices.Sorted(maps.Keys(entries)) {
		entry, _ := entries[key].(map[string]any)
		entryName := c.Name + "-" + key
		standIn, err := m.StandIn(c, accessEntryType, entryName, props(map[string]any{
			"clusterName": clusterName, "principalArn": entry["principalArn"], "type": "STANDARD",
		}), after)
		if err != nil {
			return err
		}
		policies, _ := entry["accessPolicies"].(map[string]any)
		for _, assoc := range slices.Sorted(maps.Keys(policies)) {
			policy, _ := policies[assoc].(map[string]any)
			if _, err := m.StandIn(c, policyAssocType, entryName+"-"+assoc, props(map[string]any{
				"clusterName": clusterName, "principalArn": entry["principalArn"],
				"policyArn": policy["policyArn"], "accessScope": policy["accessScope"],
			}), pulumi.DependsOn([]pulumi.Resource{standIn.Resource})); err != nil {
				return err
			}
		}
	}
	return nil
}

// eksClusterState gives a cluster what EKS computes: endpoint, OIDC issuer and CA data.
func (m *Mocks) eksClusterState(args pulumi.MockResourceArgs) (resource.PropertyMap, error) {
	name := args.Name
	if v := args.Inputs["name"]; v.IsString() {
		name = v.StringValue()
	}
	sum := sha256.Sum256([]byte(m.stack + "/" + name))
	id := strings.ToUpper(fmt.Sprintf("%x", sum[:16]))
	issuer := fmt.Sprintf("https://oidc.eks.%s.amazonaws.com/id/%s", m.region, id)
	return resource.NewPropertyMapFromMap(map[string]any{
		"name":     name,
		"endpoint": fmt.Sprintf("https://%s.gr7.%s.eks.amazonaws.com", id, m.region),
		"identities": []any{map[string]any{
			"oidcs": []any{map[string]any{"issuer": issuer}},
		}},
		"certificateAuthority": map[string]any{"data": base64.StdEncoding.EncodeToString([]byte("mock certificate authority of " + name))},
		"status":               "ACTIVE",
	}), nil
}

// launchTemplateState numbers a launch template's first version.
func launchTemplateState(pulumi.MockResourceArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{"latestVersion": resource.NewProperty(1.0), "defaultVersion": resource.NewProperty(1.0)}, nil
}

func issuerOf(cluster resource.PropertyMap) string {
	return cluster["identities"].ArrayValue()[0].ObjectValue()["oidcs"].ArrayValue()[0].ObjectValue()["issuer"].StringValue()
}

// kubeconfigOptions are generateKubeconfig's options in cluster.js: a role for `aws eks
// get-token --role`, and a profile that goes into the exec env as AWS_PROFILE.
type kubeconfigOptions struct{ roleARN, profileName string }

// eksKubeconfig is the kubeconfig cluster.js's generateKubeconfig builds: a token from `aws eks
// get-token`, with --role when a role is given and AWS_PROFILE in its env when a profile is.
func eksKubeconfig(clusterName string, cluster resource.PropertyMap, opts kubeconfigOptions) map[string]any {
	args := []any{"eks", "get-token", "--cluster-name", clusterName, "--output", "json"}
	if opts.roleARN != "" {
		args = append(args, "--role", opts.roleARN)
	}
	env := []any{map[string]any{"name": "KUBERNETES_EXEC_INFO", "value": `{"apiVersion": "client.authentication.k8s.io/v1beta1"}`}}
	if opts.profileName != "" {
		env = append(env, map[string]any{"name": "AWS_PROFILE", "value": opts.profileName})
	}
	return map[string]any{
		"apiVersion": "v1",
		"kind":       "Config",
		"clusters": []any{map[string]any{"name": "kubernetes", "cluster": map[string]any{
			"server":                     cluster["endpoint"].StringValue(),
			"certificate-authority-data": cluster["certificateAuthority"].ObjectValue()["data"].StringValue(),
		}}},
		"contexts":        []any{map[string]any{"name": "aws", "context": map[string]any{"cluster": "kubernetes", "user": "aws"}}},
		"current-context": "aws",
		"users": []any{map[string]any{"name": "aws", "user": map[string]any{"exec": map[string]any{
			"apiVersion": "client.authentication.k8s.io/v1beta1",
			"command":    "aws",
			"args":       args,
			"env":        env,
		}}}},
	}
}

// eksGetKubeconfig answers eks:index:Cluster/getKubeconfig as pulumi-eks 2.8.1 does
// (cmd/provider/index.js passes profileName and roleArn to ClusterInternal.getKubeconfig, which
// calls generateKubeconfig with the profile included): the cluster's own name, endpoint and CA,
// and the result as JSON text.
func eksGetKubeconfig(m *Mocks, self Resource, args resource.PropertyMap) (resource.PropertyMap, error) {
	ref := self.Outputs["eksCluster"]
	if !ref.IsResourceReference() {
		return nil, fmt.Errorf("component %s has no eksCluster output", self.URN)
	}
	m.mu.Lock()
	cluster := m.outputs[string(ref.ResourceReferenceValue().URN)]
	m.mu.Unlock()
	if cluster == nil {
		return nil, fmt.Errorf("no state for the EKS cluster of %s", self.URN)
	}
	var opts kubeconfigOptions
	if v := args["profileName"]; v.IsString() {
		opts.profileName = v.StringValue()
	}
	if v := args["roleArn"]; v.IsString() {
		opts.roleARN = v.StringValue()
	}
	text, err := json.Marshal(eksKubeconfig(cluster["name"].StringValue(), cluster, opts))
	if err != nil {
		return nil, fmt.Errorf("encoding kubeconfig: %w", err)
	}
	return resource.PropertyMap{"result": resource.NewProperty(string(text))}, nil
}

func props(values map[string]any) resource.PropertyMap {
	for k, v := range values {
		if v == nil {
			delete(values, k)
		}
	}
	return resource.NewPropertyMapFromMap(values)
}

func keys(values map[string]resource.PropertyValue) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range values {
		if !v.IsNull() && v.V != nil {
			out[resource.PropertyKey(k)] = v
		}
	}
	return out
}
