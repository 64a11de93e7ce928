package eks

import (
	"github.com/mission-link/infra/internal/validationtest"
	"testing"
)

func validArgs() ClusterArgs {
	return ClusterArgs{Name: "mission-link-dev", PublicAccessCidrs: []string{"198.51.100.0/24"}}.WithDefaults()
}

func TestDefaults(t *testing.T) {
	a := validArgs()
	n := a.NodeGroup
	if a.Version != "1.35" || a.LogRetentionInDays != 30 || len(n.InstanceTypes) != 1 || n.InstanceTypes[0] != "t3.medium" ||
		n.CapacityType != "ON_DEMAND" || *n.MinSize != 1 || *n.DesiredSize != 1 || *n.MaxSize != 2 || n.DiskSizeGiB != 20 ||
		a.VpcCni.WarmPrefixTarget != 1 {
		t.Fatalf("defaults changed: %+v %+v", a, n)
	}
	if err := a.Validate(); err != nil {
		t.Fatalf("defaults must be valid: %v", err)
	}
	raised := ClusterArgs{NodeGroup: NodeGroupArgs{MinSize: ptr(3)}}.WithDefaults().NodeGroup
	if *raised.DesiredSize != 3 || *raised.MaxSize != 3 {
		t.Errorf("minSize 3 alone gives desired %d, max %d; want both raised to 3", *raised.DesiredSize, *raised.MaxSize)
	}
}

func TestValidateRejects(t *testing.T) {
	cases := []validationtest.Case[ClusterArgs]{
		validationtest.Reject("min above max", func(a *ClusterArgs) { a.NodeGroup.MinSize, a.NodeGroup.DesiredSize = ptr(3), ptr(3) }, "cluster.nodeGroup.minSize (3) must be <= maxSize (2)"),
		validationtest.Reject("max zero", func(a *ClusterArgs) { a.NodeGroup.MaxSize = ptr(0) }, "cluster.nodeGroup.maxSize (0) must be from 1 to 100"),
		validationtest.Reject("desired above max", func(a *ClusterArgs) { a.NodeGroup.DesiredSize = ptr(5) }, "cluster.nodeGroup.desiredSize (5) must be from minSize (1) to maxSize (2)"),
		validationtest.Reject("negative min", func(a *ClusterArgs) { a.NodeGroup.MinSize = ptr(-1) }, "cluster.nodeGroup.minSize (-1)"),
		validationtest.Reject("unknown capacity type", func(a *ClusterArgs) { a.NodeGroup.CapacityType = "spot" }, `cluster.nodeGroup.capacityType ("spot") must be "ON_DEMAND" or "SPOT"`),
		validationtest.Reject("no instance types", func(a *ClusterArgs) { a.NodeGroup.InstanceTypes = []string{} }, "cluster.nodeGroup.instanceTypes is empty"),
		validationtest.Reject("bad instance type", func(a *ClusterArgs) { a.NodeGroup.InstanceTypes = []string{"medium"} }, `cluster.nodeGroup.instanceTypes[0] ("medium")`),
		validationtest.Reject("mixed architectures", func(a *ClusterArgs) { a.NodeGroup.InstanceTypes = []string{"t3.medium", "t4g.medium"} }, `cluster.nodeGroup.instanceTypes[1] ("t4g.medium") is arm64`),
		validationtest.Reject("small disk", func(a *ClusterArgs) { a.NodeGroup.DiskSizeGiB = 10 }, "cluster.nodeGroup.diskSizeGiB (10)"),
		validationtest.Reject("version out of standard support", func(a *ClusterArgs) { a.Version = "1.32" }, `cluster.version ("1.32") is below 1.33`, "$0.60"),
		validationtest.Reject("version as a YAML float", func(a *ClusterArgs) { a.Version = "1.3" }, `cluster.version ("1.3")`, "quote it"),
		validationtest.Reject("version not a version", func(a *ClusterArgs) { a.Version = "latest" }, `cluster.version ("latest")`),
		validationtest.Reject("no public CIDRs", func(a *ClusterArgs) { a.PublicAccessCidrs = nil }, "cluster.publicAccessCidrs is empty"),
		validationtest.Reject("API open to the world", func(a *ClusterArgs) { a.PublicAccessCidrs = []string{"0.0.0.0/0"} }, `cluster.publicAccessCidrs (["0.0.0.0/0"]) opens the Kubernetes API`, "allowPublicAccessFromAnywhere"),
		validationtest.Reject("public CIDR host address", func(a *ClusterArgs) { a.PublicAccessCidrs = []string{"198.51.100.7/24"} }, `cluster.publicAccessCidrs[0] ("198.51.100.7/24")`),
		validationtest.Reject("admin is a session", func(a *ClusterArgs) {
			a.AdminRoleArns = []string{"arn:aws:sts::123456789012:assumed-role/admin/alice"}
		}, "cluster.adminRoleArns[0]", "STS session ARN"),
		validationtest.Reject("admin twice", func(a *ClusterArgs) {
			a.AdminRoleArns = []string{"arn:aws:iam::123456789012:role/admin", "arn:aws:iam::123456789012:role/admin"}
		}, "cluster.adminRoleArns[1]", "twice"),
		validationtest.Reject("bad cluster name", func(a *ClusterArgs) { a.Name = "mission link" }, `cluster.name ("mission link")`),
		validationtest.Reject("log retention", func(a *ClusterArgs) { a.LogRetentionInDays = 45 }, "cluster.logRetentionInDays (45)"),
		validationtest.Reject("warm prefix target", func(a *ClusterArgs) { a.VpcCni.WarmPrefixTarget = 17 }, "cluster.vpcCni.warmPrefixTarget (17)"),
	}
	validationtest.Rejects(t, validArgs, ClusterArgs.Validate, cases)
}

func TestValidateAccepts(t *testing.T) {
	a := validArgs()
	a.PublicAccessCidrs = []string{"0.0.0.0/0"}
	a.AllowPublicAccessFromAnywhere = true
	a.AdminRoleArns = []string{"arn:aws:iam::123456789012:role/platform/admin"}
	a.NodeGroup.CapacityType = CapacitySpot
	a.NodeGroup.InstanceTypes = []string{"t4g.medium", "t4g.large"}
	a.NodeGroup.MinSize, a.NodeGroup.DesiredSize, a.NodeGroup.MaxSize = ptr(0), ptr(0), ptr(3)
	a.Version = "1.33"
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestAccessEntryKey(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:iam::123456789012:role/admin":               "admin-123456789012-admin",
		"arn:aws:iam::123456789012:role/platform/Ops.Admins": "admin-123456789012-Ops-Admins",
	} {
		if got := AccessEntryKey(arn); got != want {
			t.Errorf("%s: got %s, want %s", arn, got, want)
		}
	}
}
