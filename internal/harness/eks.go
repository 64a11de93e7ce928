package harness

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	eksClusterType     = "aws:eks/cluster:Cluster"
	accessEntryType    = "aws:eks/accessEntry:AccessEntry"
	policyAssocType    = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
	mockOIDCThumbprint = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
)

// eksClusterComponent answers pulumi-eks 2.8.1's eks:index:Cluster. It registers stand-ins for
// what its cluster.js creates for this stack's arguments, with the inputs cluster.js gives them,
// and returns the component's outputs as references to them. createCore makes the service role,
// the cluster security group and its egress rule, the EKS cluster, the first Kubernetes provider,
// access entries and the OIDC provider; createCluster then makes the node security group and its
// rules (securitygroup.js) and the second Kubernetes provider, whether or not a default node group
// is made. A pulumi-eks upgrade must revisit this list (TestPulumiEKSStandIns in eks/ pins it).
func eksClusterComponent(m *Mocks, c Resource) (resource.PropertyMap, error) {
	name := c.Name
	in := resource.NewProperty(c.Inputs).Mappable().(map[string]any)
	clusterName, _ := in["name"].(string)
	if clusterName == "" {
		clusterName = name + "-eksCluster"
	}
	role, roleReady, err := m.eksServiceRole(c, name)
	if err != nil {
		return nil, err
	}
	sg, err := m.eksClusterSecurityGroup(c, in)
	if err != nil {
		return nil, err
	}
	cluster, err := m.StandIn(c, eksClusterType, name+"-eksCluster", props(eksClusterInputs(in, name, clusterName, role, sg)),
		Sources{
			"roleArn":          {role.URN},
			"vpcConfig":        append(fromInputs(c, "privateSubnetIds", "endpointPrivateAccess", "endpointPublicAccess", "publicAccessCidrs"), sg.URN),
			"name":             fromInputs(c, "name"),
			"version":          fromInputs(c, "version"),
			"encryptionConfig": fromInputs(c, "encryptionConfigKeyArn"),
		},
		pulumi.DependsOn(append(roleReady, sg.Resource)),
		pulumi.IgnoreChanges([]string{"accessConfig.bootstrapClusterCreatorAdminPermissions"}))
	if err != nil {
		return nil, err
	}
	// The kubeconfig cluster.js returns is generated without the profile (kubeconfigWithoutProfile);
	// its first Kubernetes provider gets the one with the profile of providerCredentialOpts.
	opts := eksCredentialOpts(in, m.awsProfile)
	kubeconfig := eksKubeconfig(clusterName, cluster.State, kubeconfigOptions{roleARN: opts.roleARN})
	coreKubeconfig := eksKubeconfig(clusterName, cluster.State, opts)
	coreProvider, err := m.eksKubernetesProvider(c, name+"-eks-k8s", coreKubeconfig, cluster)
	if err != nil {
		return nil, err
	}
	core := map[string]resource.PropertyValue{
		"cluster":              cluster.Ref,
		"clusterSecurityGroup": sg.Ref,
		"clusterIamRole":       role.Ref,
		"endpoint":             cluster.State["endpoint"],
		"provider":             coreProvider.Ref,
		"vpcId":                c.Inputs["vpcId"],
		"privateSubnetIds":     c.Inputs["privateSubnetIds"],
		"subnetIds":            c.Inputs["privateSubnetIds"],
	}
	if err := m.eksAccessEntries(c, in, clusterName, cluster); err != nil {
		return nil, err
	}
	if on, _ := in["createOidcProvider"].(bool); on {
		oidc, err := m.StandIn(c, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", name+"-oidcProvider", props(map[string]any{
			"clientIdLists":   []any{"sts.amazonaws.com"},
			"url":             issuerOf(cluster.State),
			"thumbprintLists": []any{mockOIDCThumbprint},
		}), Sources{"url": {cluster.URN}}, pulumi.DependsOn([]pulumi.Resource{cluster.Resource}))
		if err != nil {
			return nil, err
		}
		core["oidcProvider"] = oidc.Ref
	}
	nodeSG, clusterIngress, err := m.eksNodeSecurityGroup(c, in, clusterName, sg, cluster)
	if err != nil {
		return nil, err
	}
	text, err := json.Marshal(kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("encoding kubeconfig: %w", err)
	}
	if _, err := m.eksKubernetesProvider(c, name+"-provider", string(text), cluster); err != nil {
		return nil, err
	}
	return resource.PropertyMap{
		"eksCluster":            cluster.Ref,
		"clusterSecurityGroup":  sg.Ref,
		"nodeSecurityGroup":     nodeSG.Ref,
		"eksClusterIngressRule": clusterIngress.Ref,
		"core":                  resource.NewProperty(resource.PropertyMap(keys(core))),
		"kubeconfig":            resource.NewProperty(resource.NewPropertyMapFromMap(kubeconfig)),
		"kubeconfigJson":        resource.MakeSecret(resource.NewProperty(string(text))),
	}, nil
}

// eksServiceRoleTrust is the trust policy servicerole.js gives the cluster role: JSON.stringify of
// {Version, Statement: [{Action: ["sts:AssumeRole"], Effect, Principal: {Service: [service]}}]},
// with service "eks.amazonaws.com" (cluster.js).
const eksServiceRoleTrust = `{"Version":"2012-10-17","Statement":[{"Action":["sts:AssumeRole"],"Effect":"Allow","Principal":{"Service":["eks.amazonaws.com"]}}]}`

// eksServiceRole registers servicerole.js's ServiceRole component with its role and the
// AmazonEKSClusterPolicy attachment, named by the first 8 hex digits of the SHA-1 of the
// policy's id. The cluster's roleArn waits for both.
func (m *Mocks) eksServiceRole(c Resource, name string) (StandInResource, []pulumi.Resource, error) {
	component, err := m.StandInComponent(c, "eks:index:ServiceRole", name+"-eksRole")
	if err != nil {
		return StandInResource{}, nil, err
	}
	inside := pulumi.Parent(component.Resource)
	role, err := m.StandIn(component.Display, "aws:iam/role:Role", name+"-eksRole-role", props(map[string]any{
		"assumeRolePolicy": eksServiceRoleTrust, "description": "Allows EKS to manage clusters on your behalf.",
	}), nil, inside)
	if err != nil {
		return StandInResource{}, nil, err
	}
	const policyID = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
	attachment, err := m.StandIn(component.Display, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name+"-eksRole-"+sha1Prefix(policyID), props(map[string]any{
		"role": role.State["name"].StringValue(), "policyArn": fmt.Sprintf("arn:%s:iam::aws:policy/AmazonEKSClusterPolicy", partitionOf(m.region)),
	}), Sources{"role": {role.URN}}, inside, pulumi.DependsOn([]pulumi.Resource{role.Resource}))
	if err != nil {
		return StandInResource{}, nil, err
	}
	return role, []pulumi.Resource{role.Resource, attachment.Resource}, nil
}

// sha1Prefix is servicerole.js's sha1hash: the first 8 hex digits of the SHA-1 of s.
func sha1Prefix(s string) string {
	sum := sha1.Sum([]byte(s))
	return fmt.Sprintf("%x", sum[:4])
}

// eksClusterSecurityGroup registers the cluster security group cluster.js creates when none is
// given, and its egress rule.
func (m *Mocks) eksClusterSecurityGroup(c Resource, in map[string]any) (StandInResource, error) {
	name := c.Name
	sg, err := m.StandIn(c, "aws:ec2/securityGroup:SecurityGroup", name+"-eksClusterSecurityGroup", props(map[string]any{
		"vpcId": in["vpcId"], "revokeRulesOnDelete": true, "tags": map[string]any{"Name": name + "-eksClusterSecurityGroup"},
	}), Sources{"vpcId": fromInputs(c, "vpcId")})
	if err != nil {
		return StandInResource{}, err
	}
	_, err = m.StandIn(c, "aws:ec2/securityGroupRule:SecurityGroupRule", name+"-eksClusterInternetEgressRule", props(map[string]any{
		"description": "Allow internet access.", "type": "egress", "fromPort": 0, "toPort": 0, "protocol": "-1",
		"cidrBlocks": []any{"0.0.0.0/0"}, "securityGroupId": sg.ID,
	}), Sources{"securityGroupId": {sg.URN}}, pulumi.DependsOn([]pulumi.Resource{sg.Resource}))
	return sg, err
}

// eksNodeSecurityGroup registers what securitygroup.js's createNodeGroupSecurityGroup creates on
// every createCluster call: the node security group (tagged as owned by the cluster, so its
// tags wait for the cluster's name) and five rules. It returns the group and the rule that lets
// it reach the cluster's API on 443.
func (m *Mocks) eksNodeSecurityGroup(c Resource, in map[string]any, clusterName string, clusterSG, cluster StandInResource) (StandInResource, StandInResource, error) {
	name := c.Name
	nodeSG, err := m.StandIn(c, "aws:ec2/securityGroup:SecurityGroup", name+"-nodeSecurityGroup", props(map[string]any{
		"vpcId": in["vpcId"], "revokeRulesOnDelete": true,
		"tags": map[string]any{"Name": name + "-nodeSecurityGroup", "kubernetes.io/cluster/" + clusterName: "owned"},
	}), Sources{"vpcId": fromInputs(c, "vpcId"), "tags": {cluster.URN}}, pulumi.DependsOn([]pulumi.Resource{cluster.Resource}))
	if err != nil {
		return StandInResource{}, StandInResource{}, err
	}
	rules := []struct {
		suffix string
		inputs map[string]any
	}{ // in securitygroup.js's order
		{"eksNodeIngressRule", map[string]any{"description": "Allow nodes to communicate with each other",
			"type": "ingress", "fromPort": 0, "toPort": 0, "protocol": "-1", "securityGroupId": nodeSG.ID, "self": true}},
		{"eksNodeClusterIngressRule", map[string]any{"description": "Allow worker Kubelets and pods to receive communication from the cluster control plane",
			"type": "ingress", "fromPort": 1025, "toPort": 65535, "protocol": "tcp", "securityGroupId": nodeSG.ID, "sourceSecurityGroupId": clusterSG.ID}},
		{"eksExtApiServerClusterIngressRule", map[string]any{"description": "Allow pods running extension API servers on port 443 to receive communication from cluster control plane",
			"type": "ingress", "fromPort": 443, "toPort": 443, "protocol": "tcp", "securityGroupId": nodeSG.ID, "sourceSecurityGroupId": clusterSG.ID}},
		{"eksNodeInternetEgressRule", map[string]any{"description": "Allow internet access.",
			"type": "egress", "fromPort": 0, "toPort": 0, "protocol": "-1", "cidrBlocks": []any{"0.0.0.0/0"}, "securityGroupId": nodeSG.ID}},
		{"eksClusterIngressRule", map[string]any{"description": "Allow pods to communicate with the cluster API Server",
			"type": "ingress", "fromPort": 443, "toPort": 443, "protocol": "tcp", "securityGroupId": clusterSG.ID, "sourceSecurityGroupId": nodeSG.ID}},
	}
	groups := map[string]StandInResource{nodeSG.ID: nodeSG, clusterSG.ID: clusterSG}
	var clusterIngress StandInResource
	for _, rule := range rules {
		from := Sources{}
		var deps []pulumi.Resource
		for _, key := range []string{"securityGroupId", "sourceSecurityGroupId"} {
			if id, ok := rule.inputs[key].(string); ok {
				from[key] = []string{groups[id].URN}
				deps = append(deps, groups[id].Resource)
			}
		}
		registered, err := m.StandIn(c, "aws:ec2/securityGroupRule:SecurityGroupRule", name+"-"+rule.suffix, props(rule.inputs), from, pulumi.DependsOn(deps))
		if err != nil {
			return StandInResource{}, StandInResource{}, err
		}
		if rule.suffix == "eksClusterIngressRule" {
			clusterIngress = registered
		}
	}
	return nodeSG, clusterIngress, nil
}

// eksKubernetesProvider registers one of the two Kubernetes providers cluster.js creates: the
// kubeconfig comes from the cluster's name, endpoint and CA, so the provider waits for it.
func (m *Mocks) eksKubernetesProvider(c Resource, name string, kubeconfig any, cluster StandInResource) (StandInResource, error) {
	text, ok := kubeconfig.(string)
	if !ok {
		b, err := json.Marshal(kubeconfig)
		if err != nil {
			return StandInResource{}, fmt.Errorf("encoding kubeconfig of %s: %w", name, err)
		}
		text = string(b)
	}
	return m.StandIn(c, "pulumi:providers:kubernetes", name, props(map[string]any{"kubeconfig": text}), Sources{"kubeconfig": {cluster.URN}},
		pulumi.DependsOn([]pulumi.Resource{cluster.Resource}))
}

// eksClusterInputs are the inputs cluster.js gives aws.eks.Cluster.
func eksClusterInputs(in map[string]any, name, clusterName string, role, sg StandInResource) map[string]any {
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
		"tags":                   map[string]any{"Name": name + "-eksCluster"},
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
func (m *Mocks) eksAccessEntries(c Resource, in map[string]any, clusterName string, cluster StandInResource) error {
	after := pulumi.DependsOn([]pulumi.Resource{cluster.Resource})
	if ref := c.Inputs["instanceRole"]; ref.IsResourceReference() {
		roleURN := string(ref.ResourceReferenceValue().URN)
		if _, err := m.StandIn(c, accessEntryType, c.Name+"-defaultNodeGroupInstanceRole", props(map[string]any{
			"clusterName": clusterName, "principalArn": m.outputOf(roleURN, "arn"), "type": "EC2_LINUX",
		}), Sources{"clusterName": {cluster.URN}, "principalArn": {roleURN}}, after); err != nil {
			return err
		}
	}
	entries, _ := in["accessEntries"].(map[string]any)
	for _, key := range slices.Sorted(maps.Keys(entries)) {
		entry, _ := entries[key].(map[string]any)
		entryName := c.Name + "-" + key
		standIn, err := m.StandIn(c, accessEntryType, entryName, props(map[string]any{
			"clusterName": clusterName, "principalArn": entry["principalArn"], "type": "STANDARD",
		}), Sources{"clusterName": {cluster.URN}, "principalArn": fromInputs(c, "accessEntries")}, after)
		if err != nil {
			return err
		}
		policies, _ := entry["accessPolicies"].(map[string]any)
		for _, assoc := range slices.Sorted(maps.Keys(policies)) {
			policy, _ := policies[assoc].(map[string]any)
			// authenticationMode.js makes each association the child of its entry.
			if _, err := m.StandIn(standIn.Display, policyAssocType, entryName+"-"+assoc, props(map[string]any{
				"clusterName": clusterName, "principalArn": entry["principalArn"],
				"policyArn": policy["policyArn"], "accessScope": policy["accessScope"],
			}), Sources{"clusterName": {cluster.URN}, "principalArn": fromInputs(c, "accessEntries"), "policyArn": fromInputs(c, "accessEntries")},
				pulumi.Parent(standIn.Resource), pulumi.DependsOn([]pulumi.Resource{standIn.Resource})); err != nil {
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

// eksCredentialOpts are the providerCredentialOpts cluster.js's createCluster works with: those
// the program sent (an empty object counts as sent); else, as pulumi-eks 2.8.1 does, AWS_PROFILE
// from the environment of the process running it (a real deployment: the machine running
// `pulumi up`; here: the test's), then aws:profile.
func eksCredentialOpts(in map[string]any, awsProfile string) kubeconfigOptions {
	if sent, ok := in["providerCredentialOpts"].(map[string]any); ok {
		profile, _ := sent["profileName"].(string)
		role, _ := sent["roleArn"].(string)
		return kubeconfigOptions{profileName: profile, roleARN: role}
	}
	if profile := os.Getenv("AWS_PROFILE"); profile != "" {
		return kubeconfigOptions{profileName: profile}
	}
	return kubeconfigOptions{profileName: awsProfile}
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

// fromInputs are the URNs the component's inputs at keys came from.
func fromInputs(c Resource, keys ...string) []string {
	var out []string
	for _, key := range keys {
		out = append(out, c.PropertyDependencies[key]...)
	}
	return sortedUnique(out)
}

// outputOf is a string output the mocks gave the resource with the URN.
func (m *Mocks) outputOf(urn, key string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v := m.outputs[urn][resource.PropertyKey(key)]; v.IsString() {
		return v.StringValue()
	}
	return ""
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
