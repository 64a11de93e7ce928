package eks_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	awsiam "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/eks"
	"github.com/mission-link/infra/eks/eksargs"
	"github.com/mission-link/infra/eks/irsa"
	"github.com/mission-link/infra/internal/harness"
	"github.com/mission-link/infra/internal/harness/harnesstest"
	"github.com/mission-link/infra/internal/iampolicy"
)

const (
	typeComponent = "eks:index:Cluster"
	typeNodeGroup = "aws:eks/nodeGroup:NodeGroup"
	typeAddon     = "aws:eks/addon:Addon"
	typeRole      = "aws:iam/role:Role"
	typeAttach    = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	typeEKS       = "aws:eks/cluster:Cluster"
	typeOIDC      = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
	typeClass     = "kubernetes:storage.k8s.io/v1:StorageClass"
)

var privateSubnets = []string{"subnet-private-a", "subnet-private-b"}

type outputs struct{ updateKubeconfig, issuer string }

func runCluster(t *testing.T, args eksargs.ClusterArgs, world ...func(*harness.Mocks)) (*harness.Record, outputs, error) {
	t.Helper()
	var out outputs
	cfg := harness.StackConfig{Project: "mission-link", Stack: "test", Values: map[string]string{"aws:region": "ap-northeast-2"}}
	r, err := harness.Run(cfg, func(ctx *pulumi.Context) error {
		provider, err := aws.NewProvider(ctx, "aws", &aws.ProviderArgs{Region: pulumi.String("ap-northeast-2")})
		if err != nil {
			return err
		}
		c, err := eks.NewCluster(ctx, "k8s", wired(args, provider), pulumi.Providers(provider))
		if err != nil {
			return err
		}
		// Captured for assertions after the run.
		c.UpdateKubeconfigCommand.ApplyT(func(s string) string { out.updateKubeconfig = s; return s })
		c.OIDC.IssuerURL.ApplyT(func(s string) string { out.issuer = s; return s })
		return nil
	}, world...)
	return r, out, err
}

// wired is the cluster's args as the program completes them: the VPC, its private subnets and
// the AWS provider (nil for the default one).
func wired(args eksargs.ClusterArgs, provider *aws.Provider) *eks.ClusterArgs {
	return &eks.ClusterArgs{ClusterArgs: args, VpcID: pulumi.String("vpc-1234"), PrivateSubnetIDs: pulumi.ToStringArray(privateSubnets), AWSProvider: provider}
}

func mustRun(t *testing.T, args eksargs.ClusterArgs) (*harness.Record, outputs) {
	t.Helper()
	r, out, err := runCluster(t, args)
	if err != nil {
		t.Fatal(err)
	}
	return r, out
}

func devArgs() eksargs.ClusterArgs {
	return eksargs.ClusterArgs{Name: "mission-link-test", PublicAccessCidrs: []string{"198.51.100.0/24"}, SupportDate: "2026-11-24"}
}

func TestControlPlaneInputs(t *testing.T) {
	args := devArgs()
	args.AdminRoleArns = []string{"arn:aws:iam::123456789012:role/platform-admin"}
	r, out := mustRun(t, args)
	c := harnesstest.Only(t, r, typeComponent)
	if !c.Remote {
		t.Error("the pulumi-eks cluster is not registered as a remote component")
	}
	for key, want := range map[string]string{"name": "mission-link-test", "version": "1.35", "authenticationMode": "API"} {
		if got := c.String(key); got != want {
			t.Errorf("cluster %s = %q, want %q", key, got, want)
		}
	}
	for _, key := range []string{"createOidcProvider", "skipDefaultNodeGroup", "useDefaultVpcCni", "endpointPrivateAccess", "endpointPublicAccess"} {
		if on, _ := c.Bool(key); !on {
			t.Errorf("cluster %s is not true", key)
		}
	}
	if public, set := c.Bool("nodeAssociatePublicIpAddress"); !set || public {
		t.Error("nodeAssociatePublicIpAddress must be set to false")
	}
	if got := c.Strings("privateSubnetIds"); !slices.Equal(got, privateSubnets) {
		t.Errorf("cluster subnets %v, want the private ones %v", got, privateSubnets)
	}
	if _, ok := c.Value("publicSubnetIds"); ok {
		t.Error("the cluster is given public subnets")
	}
	if got := c.Strings("enabledClusterLogTypes"); !slices.Equal(got, []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}) {
		t.Errorf("control plane logs %v", got)
	}
	if got := c.Strings("publicAccessCidrs"); !slices.Equal(got, []string{"198.51.100.0/24"}) {
		t.Errorf("public access CIDRs %v", got)
	}
	key := harnesstest.Source(t, r, c, "encryptionConfigKeyArn")
	if rotate, _ := key.Bool("enableKeyRotation"); key.Type != "aws:kms/key:Key" || !rotate {
		t.Errorf("secrets are encrypted with %s (rotation %v)", key.Type, rotate)
	}
	if ref := c.Inputs["instanceRole"]; !ref.IsResourceReference() || !strings.HasSuffix(string(ref.ResourceReferenceValue().URN), "::k8s-node") {
		t.Errorf("instanceRole %v, want the node role", ref)
	}
	if c.Providers["aws"] == "" || !strings.Contains(c.Providers["aws"], "pulumi:providers:aws::aws") {
		t.Errorf("pulumi-eks gets providers %v, want the stack's AWS provider", c.Providers)
	}
	admin := "accessEntries.admin-123456789012-platform-admin"
	if got := c.String(admin + ".principalArn"); got != args.AdminRoleArns[0] {
		t.Errorf("admin access entry principal %q", got)
	}
	if got := c.String(admin + ".accessPolicies.cluster-admin.policyArn"); got != "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" {
		t.Errorf("admin access policy %q", got)
	}
	if got := c.String(admin + ".accessPolicies.cluster-admin.accessScope.type"); got != "cluster" {
		t.Errorf("admin access scope %q", got)
	}
	logs, ok := r.Get("aws:cloudwatch/logGroup:LogGroup", "k8s-control-plane")
	if days, _ := logs.Number("retentionInDays"); !ok || logs.String("name") != "/aws/eks/mission-link-test/cluster" || days != 30 {
		t.Errorf("control plane log group %q keeps %v days", logs.String("name"), days)
	}
	if !c.DependsOn(logs.URN) {
		t.Error("the cluster does not wait for its log group: EKS would create it without a retention")
	}
	if out.updateKubeconfig != "aws eks update-kubeconfig --region ap-northeast-2 --name mission-link-test" {
		t.Errorf("update-kubeconfig command %q", out.updateKubeconfig)
	}
}

// The control plane log group after `pulumi destroy`: EKS re-creates it from late log
// deliveries, so the next `up` adopts it (and sets its retention) instead of failing with
// ResourceAlreadyExistsException; in a fresh account it is created.
func TestControlPlaneLogGroupAdoptsWhatEKSLeft(t *testing.T) {
	const logName = "/aws/eks/mission-link-test/cluster"
	for _, tc := range []struct {
		name     string
		existing []string
		want     string
	}{
		{"absent: created", nil, ""},
		{"only a longer name with the same prefix: created", []string{logName + "-old"}, ""},
		{"left by EKS after a destroy: imported", []string{logName}, logName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _, err := runCluster(t, devArgs(), harness.ExistingLogGroups(tc.existing...))
			if err != nil {
				t.Fatal(err)
			}
			logs, ok := r.Get("aws:cloudwatch/logGroup:LogGroup", "k8s-control-plane")
			if !ok {
				t.Fatal("no control plane log group")
			}
			if logs.Options.Import != tc.want {
				t.Errorf("import %q, want %q", logs.Options.Import, tc.want)
			}
			// A log group's ID is its name: the second `up` finds the state's ID equal to the
			// import ID and diffs as usual.
			if tc.want != "" && logs.String("name") != tc.want {
				t.Errorf("imports %q but names the group %q", tc.want, logs.String("name"))
			}
			if days, _ := logs.Number("retentionInDays"); days != 30 {
				t.Errorf("retention %v, want 30 also for an adopted group (EKS created it with none)", days)
			}
			if !logs.Options.RetainOnDelete {
				t.Error("the log group is deleted on destroy: EKS then re-creates it without a retention")
			}
			lookups := 0
			for _, inv := range r.Invokes {
				if inv.Token == "aws:cloudwatch/getLogGroups:getLogGroups" {
					lookups++
					if inv.Args["logGroupNamePrefix"].StringValue() != logName || !strings.Contains(inv.Provider, "pulumi:providers:aws::aws") {
						t.Errorf("lookup %v on provider %q, want prefix %s on the stack's provider", inv.Args, inv.Provider, logName)
					}
				}
			}
			if lookups != 1 {
				t.Errorf("%d log group lookups, want 1", lookups)
			}
		})
	}
}

func TestNodeGroup(t *testing.T) {
	r, _ := mustRun(t, devArgs())
	ng := harnesstest.Only(t, r, typeNodeGroup)
	if got := ng.Strings("instanceTypes"); !slices.Equal(got, []string{"t3.medium"}) {
		t.Errorf("instance types %v", got)
	}
	for key, want := range map[string]string{"amiType": "AL2023_x86_64_STANDARD", "capacityType": "ON_DEMAND", "version": "1.35"} {
		if got := ng.String(key); got != want {
			t.Errorf("node group %s = %q, want %q", key, got, want)
		}
	}
	for key, want := range map[string]float64{"minSize": 1, "desiredSize": 1, "maxSize": 2} {
		if got, _ := ng.Number("scalingConfig." + key); got != want {
			t.Errorf("scalingConfig.%s = %v, want %v", key, got, want)
		}
	}
	if !slices.Equal(ng.Options.IgnoreChanges, []string{"scalingConfig.desiredSize"}) {
		t.Errorf("ignoreChanges %v: an autoscaler's desired size would be reset by the next pulumi up", ng.Options.IgnoreChanges)
	}
	if got := ng.Strings("subnetIds"); !slices.Equal(got, privateSubnets) {
		t.Errorf("nodes in %v, want the private subnets", got)
	}
	lt := harnesstest.Source(t, r, ng, "launchTemplate")
	if lt.String("metadataOptions.httpTokens") != "required" {
		t.Error("nodes do not require IMDSv2")
	}
	if hops, _ := lt.Number("metadataOptions.httpPutResponseHopLimit"); hops != 1 {
		t.Errorf("IMDS hop limit %v: with more than 1 every pod can take the node role's credentials", hops)
	}
	if _, ok := lt.Value("imageId"); ok {
		t.Error("the launch template pins an AMI: EKS would no longer compute max pods")
	}
	disk := lt.Objects("blockDeviceMappings")
	if len(disk) != 1 || disk[0].String("ebs.encrypted") != "true" || disk[0].String("ebs.volumeType") != "gp3" {
		t.Errorf("node root volume %v, want encrypted gp3", disk)
	}

	role := harnesstest.Source(t, r, ng, "nodeRoleArn")
	var policies []string
	for _, a := range r.ByType(typeAttach) {
		if !a.StandIn && harnesstest.Source(t, r, a, "role").URN == role.URN {
			policies = append(policies, a.String("policyArn"))
		}
	}
	slices.Sort(policies)
	want := []string{
		"arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
		"arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
		"arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
		"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
	}
	if !slices.Equal(policies, want) {
		t.Errorf("node role policies %v, want exactly %v", policies, want)
	}
	if _, ok := r.Get(typeRole, "k8s-node"); !ok || role.Name != "k8s-node" {
		t.Errorf("node group runs as %s", role.Name)
	}
}

func TestSpotGravitonNodes(t *testing.T) {
	args := devArgs()
	args.NodeGroup = eksargs.NodeGroupArgs{InstanceTypes: []string{"t4g.medium"}, CapacityType: eksargs.CapacitySpot}
	r, _ := mustRun(t, args)
	ng := harnesstest.Only(t, r, typeNodeGroup)
	if ng.String("amiType") != "AL2023_ARM_64_STANDARD" || ng.String("capacityType") != "SPOT" {
		t.Errorf("Graviton spot nodes get %s %s", ng.String("amiType"), ng.String("capacityType"))
	}
}

func TestPrefixDelegationComesBeforeNodes(t *testing.T) {
	r, _ := mustRun(t, devArgs())
	addons := map[string]harness.Resource{}
	for _, a := range r.ByType(typeAddon) {
		addons[a.String("addonName")] = a
	}
	cni, ok := addons["vpc-cni"]
	if !ok {
		t.Fatal("no vpc-cni addon")
	}
	config := cni.String("configurationValues")
	if config != `{"env":{"ENABLE_PREFIX_DELEGATION":"true","WARM_PREFIX_TARGET":"1"}}` {
		t.Errorf("vpc-cni configuration %s", config)
	}
	ng := harnesstest.Only(t, r, typeNodeGroup)
	if !ng.DependsOn(cni.URN) {
		t.Error("the node group does not wait for the vpc-cni addon: nodes would start with 17 pods")
	}
	if cni.DependsOn(ng.URN) {
		t.Error("the vpc-cni addon waits for the nodes")
	}
	for _, name := range []string{"aws-ebs-csi-driver", "coredns", "kube-proxy", "metrics-server"} {
		a, ok := addons[name]
		if !ok {
			t.Errorf("no %s addon", name)
			continue
		}
		if !a.DependsOn(ng.URN) {
			t.Errorf("%s does not wait for the node group: it would sit DEGRADED", name)
		}
		if a.String("resolveConflictsOnCreate") != "OVERWRITE" {
			t.Errorf("%s does not take over the cluster's own copy", name)
		}
	}
	eksCluster := harnesstest.Only(t, r, typeEKS)
	if got := cni.String("clusterName"); got != "mission-link-test" || !slices.Contains(cni.PropertyDependencies["clusterName"], eksCluster.URN) {
		t.Errorf("vpc-cni addon for cluster %q (deps %v)", got, cni.PropertyDependencies["clusterName"])
	}
}

func TestEBSCSIRole(t *testing.T) {
	r, out := mustRun(t, devArgs())
	var ebs harness.Resource
	for _, a := range r.ByType(typeAddon) {
		if a.String("addonName") == "aws-ebs-csi-driver" {
			ebs = a
		}
	}
	role := harnesstest.Source(t, r, ebs, "serviceAccountRoleArn")
	trust, err := iampolicy.Parse(role.String("assumeRolePolicy"))
	if err != nil {
		t.Fatal(err)
	}
	oidc := harnesstest.Only(t, r, typeOIDC)
	issuer := strings.TrimPrefix(out.issuer, "https://")
	if !strings.HasPrefix(out.issuer, "https://oidc.eks.ap-northeast-2.amazonaws.com/id/") {
		t.Fatalf("issuer %q", out.issuer)
	}
	if len(trust.Statement) != 1 {
		t.Fatalf("trust policy has %d statements", len(trust.Statement))
	}
	s := trust.Statement[0]
	wantProvider := "arn:aws:iam::123456789012:oidc-provider/" + issuer
	if s.Effect != iampolicy.Allow || !slices.Equal(s.Action, []string{"sts:AssumeRoleWithWebIdentity"}) ||
		!slices.Equal(s.Principal.Federated, []string{wantProvider}) {
		t.Errorf("trust statement %+v, want web identity from %s", s, wantProvider)
	}
	if !slices.Contains(role.PropertyDependencies["assumeRolePolicy"], oidc.URN) {
		t.Error("the trust policy does not come from the cluster's OIDC provider")
	}
	wantConditions := iampolicy.Conditions{"StringEquals": {
		issuer + ":sub": {"system:serviceaccount:kube-system:ebs-csi-controller-sa"},
		issuer + ":aud": {"sts.amazonaws.com"},
	}}
	if !equalConditions(s.Condition, wantConditions) {
		t.Errorf("trust conditions %v, want %v", s.Condition, wantConditions)
	}
	var policies []string
	for _, a := range r.ByType(typeAttach) {
		if !a.StandIn && harnesstest.Source(t, r, a, "role").URN == role.URN {
			policies = append(policies, a.String("policyArn"))
		}
	}
	if !slices.Equal(policies, []string{"arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"}) {
		t.Errorf("EBS CSI role policies %v", policies)
	}
}

func equalConditions(a, b iampolicy.Conditions) bool {
	if len(a) != len(b) {
		return false
	}
	for op, keys := range a {
		if len(keys) != len(b[op]) {
			return false
		}
		for k, v := range keys {
			if !slices.Equal(v, b[op][k]) {
				return false
			}
		}
	}
	return true
}

func TestDefaultStorageClass(t *testing.T) {
	r, _ := mustRun(t, devArgs())
	sc := harnesstest.Only(t, r, typeClass)
	if sc.String("provisioner") != "ebs.csi.aws.com" || sc.String("metadata.name") != "gp3" ||
		sc.StringMap("metadata.annotations")["storageclass.kubernetes.io/is-default-class"] != "true" {
		t.Errorf("storage class %s by %s, annotations %v", sc.String("metadata.name"), sc.String("provisioner"), sc.StringMap("metadata.annotations"))
	}
	if got := sc.StringMap("parameters"); got["type"] != "gp3" || got["encrypted"] != "true" {
		t.Errorf("parameters %v, want encrypted gp3", got)
	}
	if sc.String("volumeBindingMode") != "WaitForFirstConsumer" {
		t.Errorf("volumeBindingMode %s", sc.String("volumeBindingMode"))
	}
	if grow, _ := sc.Bool("allowVolumeExpansion"); !grow {
		t.Error("volumes cannot grow")
	}
	provider, ok := r.Get("pulumi:providers:kubernetes", "k8s")
	if !ok {
		t.Fatal("no Kubernetes provider k8s")
	}
	if sc.ProviderURN() != provider.URN {
		t.Errorf("storage class deployed with %q, want the cluster's provider", sc.Provider)
	}
	if kubeconfig := provider.Inputs["kubeconfig"]; !kubeconfig.ContainsSecrets() {
		t.Error("the kubeconfig is not secret")
	}
	var ebs harness.Resource
	for _, a := range r.ByType(typeAddon) {
		if a.String("addonName") == "aws-ebs-csi-driver" {
			ebs = a
		}
	}
	if !sc.DependsOn(ebs.URN) {
		t.Error("the storage class does not wait for the EBS CSI driver")
	}
}

func TestProtect(t *testing.T) {
	args := devArgs()
	args.Protect = true
	r, _ := mustRun(t, args)
	for _, typ := range []string{"aws:kms/key:Key", "aws:cloudwatch/logGroup:LogGroup"} {
		if res := harnesstest.Only(t, r, typ); !res.Options.Protect {
			t.Errorf("%s is not protected", res.Name)
		}
	}
}

func TestInvalidArgsRegisterNothing(t *testing.T) {
	args := devArgs()
	args.Version = "1.31"
	args.NodeGroup.MaxSize = new(int)
	r, _, err := runCluster(t, args)
	if err == nil {
		t.Fatal("invalid args accepted")
	}
	for _, want := range []string{"cluster.version", "cluster.nodeGroup.maxSize (0)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s: %v", want, err)
		}
	}
	if n := len(r.Resources); n != 1 { // the provider the test itself creates
		t.Errorf("%d resources registered", n)
	}
}

func TestIRSATrustPolicy(t *testing.T) {
	doc := irsa.TrustPolicy("arn:aws:iam::123456789012:oidc-provider/oidc.eks.ap-northeast-2.amazonaws.com/id/ABC",
		"https://oidc.eks.ap-northeast-2.amazonaws.com/id/ABC", "mission-link", "app")
	got, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":"2012-10-17","Statement":[{"Sid":"ServiceAccount","Effect":"Allow",` +
		`"Principal":{"Federated":["arn:aws:iam::123456789012:oidc-provider/oidc.eks.ap-northeast-2.amazonaws.com/id/ABC"]},` +
		`"Action":["sts:AssumeRoleWithWebIdentity"],"Condition":{"StringEquals":{` +
		`"oidc.eks.ap-northeast-2.amazonaws.com/id/ABC:aud":["sts.amazonaws.com"],` +
		`"oidc.eks.ap-northeast-2.amazonaws.com/id/ABC:sub":["system:serviceaccount:mission-link:app"]}}}]}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// runWithViewer runs the cluster with a viewer role the same program creates, as the stack does
// with the CI preview role: the principal ARN reaches pulumi-eks as another resource's output.
func runWithViewer(t *testing.T, key string) (*harness.Record, error) {
	t.Helper()
	cfg := harness.StackConfig{Project: "mission-link", Stack: "test", Values: map[string]string{"aws:region": "ap-northeast-2"}}
	return harness.Run(cfg, func(ctx *pulumi.Context) error {
		provider, err := aws.NewProvider(ctx, "aws", &aws.ProviderArgs{Region: pulumi.String("ap-northeast-2")})
		if err != nil {
			return err
		}
		viewer, err := awsiam.NewRole(ctx, "ci-preview", &awsiam.RoleArgs{AssumeRolePolicy: pulumi.String("{}")}, pulumi.Provider(provider))
		if err != nil {
			return err
		}
		args := devArgs()
		args.AdminRoleArns = []string{"arn:aws:iam::123456789012:role/platform-admin"}
		cluster := wired(args, provider)
		cluster.ViewerRoleARNs = map[string]pulumi.StringInput{key: viewer.Arn}
		_, err = eks.NewCluster(ctx, "k8s", cluster, pulumi.Providers(provider))
		return err
	})
}

func TestViewerAccessEntry(t *testing.T) {
	r, err := runWithViewer(t, "ci-preview")
	if err != nil {
		t.Fatal(err)
	}
	role, ok := r.Get(typeRole, "ci-preview")
	if !ok {
		t.Fatal("no viewer role")
	}
	roleARN := role.Outputs["arn"].StringValue() // the ARN AWS gives the role
	if !strings.HasPrefix(roleARN, "arn:aws:iam::123456789012:role/ci-preview-") {
		t.Fatalf("viewer role ARN %q", roleARN)
	}
	c := harnesstest.Only(t, r, typeComponent)
	entry := "accessEntries.viewer-ci-preview"
	if got := c.String(entry + ".principalArn"); got != roleARN {
		t.Errorf("viewer access entry principal %q, want %q", got, roleARN)
	}
	if got := c.String(entry + ".accessPolicies.view.policyArn"); got != "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy" {
		t.Errorf("viewer access policy %q", got)
	}
	if got := c.String(entry + ".accessPolicies.view.accessScope.type"); got != "cluster" {
		t.Errorf("viewer access scope %q", got)
	}
	if _, ok := c.Value(entry + ".accessPolicies.cluster-admin"); ok {
		t.Error("the viewer is cluster-admin")
	}
	if !slices.Contains(c.PropertyDependencies["accessEntries"], role.URN) || !c.DependsOn(role.URN) {
		t.Error("the cluster does not wait for the viewer role")
	}
	// What pulumi-eks creates from it (the harness's stand-ins): one STANDARD entry and one view
	// association for the role, beside the admin's.
	var entries, views []harness.Resource
	for _, e := range r.ByType("aws:eks/accessEntry:AccessEntry") {
		if e.String("principalArn") == roleARN {
			entries = append(entries, e)
		}
	}
	for _, a := range r.ByType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation") {
		if a.String("principalArn") == roleARN {
			views = append(views, a)
		}
	}
	if len(entries) != 1 || entries[0].String("type") != "STANDARD" {
		t.Errorf("access entries of the viewer %v", entries)
	}
	if len(views) != 1 || views[0].String("policyArn") != "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy" ||
		views[0].String("accessScope.type") != "cluster" {
		t.Errorf("policy associations of the viewer %v", views)
	}
	if n := len(r.ByType("aws:eks/accessEntry:AccessEntry")); n != 3 { // nodes, admin, viewer
		t.Errorf("%d access entries, want 3", n)
	}
}

func TestViewerKeyIsValidated(t *testing.T) {
	_, err := runWithViewer(t, "CI preview")
	if err == nil || !strings.Contains(err.Error(), `viewer role "CI preview"`) {
		t.Errorf("error %v", err)
	}
}

// TestPulumiEKSStandIns pins what the harness registers for pulumi-eks 2.8.1's Cluster with this
// component's arguments (skipDefaultNodeGroup, useDefaultVpcCni, authentication mode API, an OIDC
// provider, an instance role and access entries): what cluster.js's createCore and createCluster,
// securitygroup.js's createNodeGroupSecurityGroup, servicerole.js and authenticationMode.js
// create, with their parents. An upgrade of pulumi-eks must read the new version's source and
// revisit this list and internal/harness/eks.go.
func TestPulumiEKSStandIns(t *testing.T) {
	args := devArgs()
	args.AdminRoleArns = []string{"arn:aws:iam::123456789012:role/platform-admin"}
	r, _ := mustRun(t, args)
	component := harnesstest.Only(t, r, typeComponent)
	got := map[string]string{}
	for _, res := range r.Resources {
		if res.StandIn {
			parent, _ := r.ByURN(res.Parent)
			got[res.Type+" "+res.Name] = parent.Type + " " + parent.Name
		}
	}
	const (
		cluster     = "eks:index:Cluster k8s"
		serviceRole = "eks:index:ServiceRole k8s-eksRole"
		adminEntry  = "aws:eks/accessEntry:AccessEntry k8s-admin-123456789012-platform-admin"
	)
	want := map[string]string{
		serviceRole:                          cluster,
		"aws:iam/role:Role k8s-eksRole-role": serviceRole,
		"aws:iam/rolePolicyAttachment:RolePolicyAttachment k8s-eksRole-4b490823":       serviceRole, // sha1("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy")[:8]
		"aws:ec2/securityGroup:SecurityGroup k8s-eksClusterSecurityGroup":              cluster,
		"aws:ec2/securityGroupRule:SecurityGroupRule k8s-eksClusterInternetEgressRule": cluster,
		"aws:eks/cluster:Cluster k8s-eksCluster":                                       cluster,
		"pulumi:providers:kubernetes k8s-eks-k8s":                                      cluster,
		"aws:eks/accessEntry:AccessEntry k8s-defaultNodeGroupInstanceRole":             cluster,
		adminEntry: cluster,
		"aws:eks/accessPolicyAssociation:AccessPolicyAssociation k8s-admin-123456789012-platform-admin-cluster-admin": adminEntry,
		"aws:iam/openIdConnectProvider:OpenIdConnectProvider k8s-oidcProvider":                                        cluster,
		"aws:ec2/securityGroup:SecurityGroup k8s-nodeSecurityGroup":                                                   cluster,
		"aws:ec2/securityGroupRule:SecurityGroupRule k8s-eksNodeIngressRule":                                          cluster,
		"aws:ec2/securityGroupRule:SecurityGroupRule k8s-eksNodeClusterIngressRule":                                   cluster,
		"aws:ec2/securityGroupRule:SecurityGroupRule k8s-eksExtApiServerClusterIngressRule":                           cluster,
		"aws:ec2/securityGroupRule:SecurityGroupRule k8s-eksNodeInternetEgressRule":                                   cluster,
		"aws:ec2/securityGroupRule:SecurityGroupRule k8s-eksClusterIngressRule":                                       cluster,
		"pulumi:providers:kubernetes k8s-provider":                                                                    cluster,
	}
	for res, parent := range want {
		if got[res] != parent {
			t.Errorf("stand-in %s: parent %q, want %q", res, got[res], parent)
		}
	}
	for res := range got {
		if _, ok := want[res]; !ok {
			t.Errorf("unexpected stand-in %s", res)
		}
	}
	if aws := component.Providers["aws"]; aws == "" {
		t.Fatal("the component has no AWS provider")
	}
	for _, res := range r.Resources {
		if res.StandIn && strings.HasPrefix(res.Type, "aws:") && res.Provider != component.Providers["aws"] {
			t.Errorf("stand-in %s %s uses provider %q, want the component's %q", res.Type, res.Name, res.Provider, component.Providers["aws"])
		}
	}
}

// TestNodeSecurityGroupStandIn: securitygroup.js's inputs, each rule on the right group.
func TestNodeSecurityGroupStandIn(t *testing.T) {
	r, _ := mustRun(t, devArgs())
	get := func(typ, name string) harness.Resource {
		res, ok := r.Get(typ, name)
		if !ok {
			t.Fatalf("no %s %s", typ, name)
		}
		return res
	}
	const typeSG, typeRule = "aws:ec2/securityGroup:SecurityGroup", "aws:ec2/securityGroupRule:SecurityGroupRule"
	nodeSG, clusterSG := get(typeSG, "k8s-nodeSecurityGroup"), get(typeSG, "k8s-eksClusterSecurityGroup")
	if tags := nodeSG.StringMap("tags"); tags["Name"] != "k8s-nodeSecurityGroup" || tags["kubernetes.io/cluster/mission-link-test"] != "owned" || len(tags) != 2 {
		t.Errorf("node security group tags %v", tags)
	}
	if revoke, _ := nodeSG.Bool("revokeRulesOnDelete"); !revoke || nodeSG.String("vpcId") != "vpc-1234" {
		t.Errorf("node security group in %q, revokeRulesOnDelete %v", nodeSG.String("vpcId"), revoke)
	}
	eks := get(typeEKS, "k8s-eksCluster")
	if !nodeSG.DependsOn(eks.URN) {
		t.Error("the node security group's tags name the cluster, so it waits for it")
	}
	type rule struct {
		kind, protocol string
		from, to       float64
		group, source  string // "node", "cluster", "self", or a CIDR
	}
	groupOf := map[string]string{nodeSG.URN: "node", clusterSG.URN: "cluster"}
	for name, want := range map[string]rule{
		"k8s-eksNodeIngressRule":                {"ingress", "-1", 0, 0, "node", "self"},
		"k8s-eksNodeClusterIngressRule":         {"ingress", "tcp", 1025, 65535, "node", "cluster"},
		"k8s-eksExtApiServerClusterIngressRule": {"ingress", "tcp", 443, 443, "node", "cluster"},
		"k8s-eksNodeInternetEgressRule":         {"egress", "-1", 0, 0, "node", "0.0.0.0/0"},
		"k8s-eksClusterIngressRule":             {"ingress", "tcp", 443, 443, "cluster", "node"},
	} {
		res := get(typeRule, name)
		from, _ := res.Number("fromPort")
		to, _ := res.Number("toPort")
		got := rule{res.String("type"), res.String("protocol"), from, to, groupOf[harnesstest.Source(t, r, res, "securityGroupId").URN], ""}
		switch self, _ := res.Bool("self"); {
		case self:
			got.source = "self"
		case len(res.Strings("cidrBlocks")) > 0:
			got.source = strings.Join(res.Strings("cidrBlocks"), ",")
		default:
			got.source = groupOf[harnesstest.Source(t, r, res, "sourceSecurityGroupId").URN]
		}
		if got != want {
			t.Errorf("%s: %+v, want %+v", name, got, want)
		}
	}
}

// TestKubernetesProviderStandIns: both providers cluster.js creates talk to this cluster; the
// first carries the profile the component sends in providerCredentialOpts (AWSProfile, from
// aws:profile), and only that: with none sent, pulumi-eks reads neither aws:profile nor the
// environment, because the component always sends the options.
func TestKubernetesProviderStandIns(t *testing.T) {
	for _, argsProfile := range []string{"ops", ""} {
		cfg := harness.StackConfig{Project: "mission-link", Stack: "test", Values: map[string]string{"aws:region": "ap-northeast-2", "aws:profile": "ops"}}
		r, err := harness.Run(cfg, func(ctx *pulumi.Context) error {
			args := devArgs()
			args.AWSProfile = argsProfile
			_, err := eks.NewCluster(ctx, "k8s", wired(args, nil))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		checkProviderStandIns(t, r, map[string]bool{"k8s-eks-k8s": argsProfile != "", "k8s-provider": false})
	}
}

func checkProviderStandIns(t *testing.T, r *harness.Record, profiles map[string]bool) {
	t.Helper()
	for name, profile := range profiles {
		p, ok := r.Get("pulumi:providers:kubernetes", name)
		if !ok {
			t.Fatalf("no Kubernetes provider %s", name)
		}
		kubeconfig := p.String("kubeconfig")
		if !strings.Contains(kubeconfig, `"--cluster-name","mission-link-test"`) {
			t.Errorf("%s: kubeconfig %s does not name the cluster", name, kubeconfig)
		}
		if got := strings.Contains(kubeconfig, `{"name":"AWS_PROFILE","value":"ops"}`); got != profile {
			t.Errorf("%s: AWS_PROFILE in kubeconfig %v, want %v", name, got, profile)
		}
		if src := harnesstest.Source(t, r, p, "kubeconfig"); src.Type != typeEKS {
			t.Errorf("%s: kubeconfig comes from %s", name, src.Type)
		}
	}
}

func TestAccessEntryKey(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:iam::123456789012:role/admin":               "admin-123456789012-admin",
		"arn:aws:iam::123456789012:role/platform/Ops.Admins": "admin-123456789012-Ops-Admins",
	} {
		if got := eks.AccessEntryKey(arn); got != want {
			t.Errorf("%s: got %s, want %s", arn, got, want)
		}
	}
}
