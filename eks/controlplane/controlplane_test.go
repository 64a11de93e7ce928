package controlplane

import (
	"reflect"
	"strings"
	"testing"

	awsiam "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/internal/bindingtest"
)

// The binding stands in for pulumi-eks's Go SDK (go.mod's version, read from the module cache):
// the same token and version, every property one the SDK declares with the same plain type, the
// outputs read by the SDK's names and types, and the same method. A pulumi-eks upgrade fails here
// until this package (and the harness's stand-ins, TestPulumiEKSStandIns) are revisited.
func TestBindingIsTheSDKs(t *testing.T) {
	mod := bindingtest.Required(t, "github.com/pulumi/pulumi-eks/sdk/v2")
	if mod.Version != Version {
		t.Errorf("Version is %s, go.mod's pulumi-eks is %s", Version, mod.Version)
	}
	sdk := mod.Parse(t, "go/eks", "cluster.go", "pulumiTypes.go", "pulumiEnums.go")

	bindingtest.SameFields(t, reflect.TypeFor[clusterInputs](), reflect.TypeFor[clusterProperties]())
	bindingtest.CheckFields(t, reflect.TypeFor[clusterProperties](), sdk.Tags(t, "clusterArgs"), map[string]string{
		// Sent as objects: accessEntries' keys are checked against the SDK's structs in
		// TestNewSendsTheRequest.
		"accessEntries":      "map[string]AccessEntry",
		"authenticationMode": "*AuthenticationMode",
	})
	if !strings.Contains(sdk.Text(t, "pulumiEnums.go"), `AuthenticationModeApi = AuthenticationMode("API")`) {
		t.Error(`"API" is not one of the SDK's AuthenticationMode values`)
	}
	bindingtest.CheckFields(t, reflect.TypeFor[cluster](), sdk.Tags(t, "Cluster"), map[string]string{"core": "CoreDataOutput"})
	bindingtest.CheckFields(t, reflect.TypeFor[coreData](), sdk.Tags(t, "CoreData"), nil)
	bindingtest.SameFields(t, reflect.TypeFor[kubeconfigInputs](), reflect.TypeFor[kubeconfigProperties]())
	bindingtest.CheckFields(t, reflect.TypeFor[kubeconfigProperties](), sdk.Tags(t, "clusterGetKubeconfigArgs"), nil)
	bindingtest.CheckFields(t, reflect.TypeFor[kubeconfigResult](), sdk.Tags(t, "clusterGetKubeconfigResult"), nil)

	for _, line := range []string{
		`opts = utilities.PkgResourceDefaultOpts(opts)`,
		`err := ctx.RegisterRemoteComponentResource("` + Type + `", name, args, &resource, opts...)`,
	} {
		if !strings.Contains(sdk.Func(t, "NewCluster"), line) {
			t.Errorf("the SDK's NewCluster no longer has %q: revisit this package", line)
		}
	}
	if line := `ctx.Call("` + GetKubeconfig + `", args, clusterGetKubeconfigResultOutput{}, r)`; !strings.Contains(sdk.Text(t, "cluster.go"), line) {
		t.Errorf("the SDK's GetKubeconfig no longer has %q: revisit this package", line)
	}
	utilities := mod.Parse(t, "go/eks/utilities", "pulumiUtilities.go")
	if line := `version := semver.MustParse("` + Version + `")`; !strings.Contains(utilities.Func(t, "PkgResourceDefaultOpts"), line) {
		t.Errorf("the SDK's PkgResourceDefaultOpts no longer has %q", line)
	}
}

// run registers a cluster under mocks that record each registration and method call. The cluster
// gets no outputs: the run is a preview, so they stay unknown.
func run(t *testing.T, profile string) *bindingtest.Mocks {
	t.Helper()
	m := &bindingtest.Mocks{
		NoOutputs:     []string{Type},
		MethodResults: map[string]resource.PropertyMap{GetKubeconfig: {"result": resource.NewProperty("kubeconfig")}},
	}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		role, err := awsiam.NewRole(ctx, "node", &awsiam.RoleArgs{AssumeRolePolicy: pulumi.String("{}")})
		if err != nil {
			return err
		}
		_, err = New(ctx, "k8s", Args{
			ClusterName: "mission-link-dev", Version: "1.35",
			VpcID: pulumi.String("vpc-1"), PrivateSubnetIDs: pulumi.ToStringArray([]string{"subnet-a", "subnet-b"}),
			AccessEntries: map[string]AccessEntry{"admin": {
				PrincipalARN: pulumi.String("arn:aws:iam::123456789012:role/admin"), Association: "cluster-admin",
				PolicyARN: pulumi.String("arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"),
			}},
			NodeRole: role, LogTypes: []string{"api", "audit"}, SecretsKeyARN: pulumi.String("arn:aws:kms:ap-northeast-2:123456789012:key/1"),
			PublicAccessCidrs: []string{"198.51.100.0/24"}, AWSProfile: profile,
		})
		return err
	}, pulumi.WithMocks("mission-link", "dev", m), func(info *pulumi.RunInfo) { info.DryRun = true })
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestNewSendsTheRequest(t *testing.T) {
	m := run(t, "")
	c, ok := m.Registered(Type)
	if !ok || len(m.Registrations()) != 2 {
		t.Fatalf("registered %v, want the node role and one %s", m.Registrations(), Type)
	}
	if !c.Remote || c.Version != Version {
		t.Errorf("the cluster is registered remote=%v with version %q, want a remote component of pulumi-eks %s", c.Remote, c.Version, Version)
	}
	role := c.Inputs["instanceRole"]
	if !role.IsResourceReference() || !strings.HasSuffix(string(role.ResourceReferenceValue().URN), "::node") {
		t.Errorf("instanceRole is %v, want a reference to the node role", role)
	}
	delete(c.Inputs, "instanceRole")
	want := resource.NewPropertyMapFromMap(map[string]any{
		"name": "mission-link-dev", "version": "1.35", "vpcId": "vpc-1", "privateSubnetIds": []any{"subnet-a", "subnet-b"},
		"nodeAssociatePublicIpAddress": false, "skipDefaultNodeGroup": true, "useDefaultVpcCni": true,
		"createOidcProvider": true, "authenticationMode": "API",
		"accessEntries": map[string]any{"admin": map[string]any{
			"principalArn": "arn:aws:iam::123456789012:role/admin",
			"accessPolicies": map[string]any{"cluster-admin": map[string]any{
				"policyArn":   "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
				"accessScope": map[string]any{"type": "cluster"},
			}},
		}},
		"enabledClusterLogTypes": []any{"api", "audit"}, "encryptionConfigKeyArn": "arn:aws:kms:ap-northeast-2:123456789012:key/1",
		"endpointPrivateAccess": true, "endpointPublicAccess": true, "publicAccessCidrs": []any{"198.51.100.0/24"},
	})
	if !c.Inputs.DeepEquals(want) {
		t.Errorf("inputs\n got %v\nwant %v", c.Inputs, want)
	}

	// What the access entries send inside the objects, against the SDK's structs and pulumi-aws's.
	sdk := bindingtest.Required(t, "github.com/pulumi/pulumi-eks/sdk/v2").Parse(t, "go/eks", "pulumiTypes.go")
	aws := bindingtest.Required(t, "github.com/pulumi/pulumi-aws/sdk/v6").Parse(t, "go/aws/eks", "pulumiTypes.go")
	entry := c.Inputs["accessEntries"].ObjectValue()["admin"].ObjectValue().Mappable()
	bindingtest.Keys(t, "an access entry", entry, sdk.Tags(t, "AccessEntry"))
	policy := entry["accessPolicies"].(map[string]any)["cluster-admin"].(map[string]any)
	bindingtest.Keys(t, "an access policy association", policy, sdk.Tags(t, "AccessPolicyAssociation"))
	bindingtest.Keys(t, "an access scope", policy["accessScope"].(map[string]any), aws.Tags(t, "AccessPolicyAssociationAccessScope"))

	if args := methodArgs(t, m); len(args) != 0 {
		t.Errorf("%s gets %v, want no arguments", GetKubeconfig, args)
	}
}

func TestKubeconfigAsksForTheProfile(t *testing.T) {
	m := run(t, "mission-link-dev")
	want := resource.PropertyMap{"profileName": resource.NewProperty("mission-link-dev")}
	if args := methodArgs(t, m); !args.DeepEquals(want) {
		t.Errorf("%s gets %v, want %v", GetKubeconfig, args, want)
	}
}

// methodArgs are the arguments of the one method call, which must be getKubeconfig on the
// cluster (__self__, which the SDK adds, aside).
func methodArgs(t *testing.T, m *bindingtest.Mocks) resource.PropertyMap {
	t.Helper()
	calls := m.MethodCalls()
	if len(calls) != 1 || calls[0].Token != GetKubeconfig {
		t.Fatalf("calls %v, want one %s", calls, GetKubeconfig)
	}
	args := calls[0].Args.Copy()
	self := args["__self__"]
	if !self.IsResourceReference() || !strings.HasSuffix(string(self.ResourceReferenceValue().URN), "::"+Type+"::k8s") {
		t.Errorf("%s is called on %v, want the cluster", GetKubeconfig, self)
	}
	delete(args, "__self__")
	return args
}
