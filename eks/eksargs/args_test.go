package eksargs_test

import (
	"strings"
	"testing"

	"github.com/mission-link/infra/eks/eksargs"
	"github.com/mission-link/infra/internal/awsspec"
	"github.com/mission-link/infra/internal/validationtest"
)

// supportDate is the day versions are judged on in these tests: the calendar's own date, when
// 1.33 is in extended support and 1.34 and 1.35 in standard support.
const supportDate = "2026-11-24"

func validArgs() eksargs.ClusterArgs {
	return eksargs.ClusterArgs{Name: "mission-link-dev", PublicAccessCidrs: []string{"198.51.100.0/24"}, SupportDate: supportDate}.WithDefaults()
}

func TestDefaults(t *testing.T) {
	a := validArgs()
	n := a.NodeGroup
	if a.Version != "1.35" || a.LogRetentionInDays != 30 || len(n.InstanceTypes) != 1 || n.InstanceTypes[0] != "t3.medium" ||
		n.CapacityType != "ON_DEMAND" || *n.MinSize != 1 || *n.DesiredSize != 1 || *n.MaxSize != 2 || n.DiskSizeGiB != 20 ||
		a.VpcCni.WarmPrefixTarget != 1 {
		t.Fatalf("defaults changed: %+v %+v", a, n)
	}
	if s := a.Autoscaler; !s.IsEnabled() || *s.ScaleDownUnneededMinutes != 5 || *s.ScaleDownDelayAfterAddMinutes != 5 {
		t.Fatalf("autoscaler defaults changed: %+v", s)
	}
	if err := a.Validate(); err != nil {
		t.Fatalf("defaults must be valid: %v", err)
	}
	raised := eksargs.ClusterArgs{NodeGroup: eksargs.NodeGroupArgs{MinSize: ptr(3)}}.WithDefaults().NodeGroup
	if *raised.DesiredSize != 3 || *raised.MaxSize != 3 {
		t.Errorf("minSize 3 alone gives desired %d, max %d; want both raised to 3", *raised.DesiredSize, *raised.MaxSize)
	}
}

func TestValidateRejects(t *testing.T) {
	cases := []validationtest.Case[eksargs.ClusterArgs]{
		validationtest.Reject("min above max", func(a *eksargs.ClusterArgs) { a.NodeGroup.MinSize, a.NodeGroup.DesiredSize = ptr(3), ptr(3) }, "cluster.nodeGroup.minSize (3) must be <= maxSize (2)"),
		validationtest.Reject("max zero", func(a *eksargs.ClusterArgs) { a.NodeGroup.MaxSize = ptr(0) }, "cluster.nodeGroup.maxSize (0) must be from 1 to 100"),
		validationtest.Reject("desired above max", func(a *eksargs.ClusterArgs) { a.NodeGroup.DesiredSize = ptr(5) }, "cluster.nodeGroup.desiredSize (5) must be from minSize (1) to maxSize (2)"),
		validationtest.Reject("negative min", func(a *eksargs.ClusterArgs) { a.NodeGroup.MinSize = ptr(-1) }, "cluster.nodeGroup.minSize (-1)"),
		validationtest.Reject("unknown capacity type", func(a *eksargs.ClusterArgs) { a.NodeGroup.CapacityType = "spot" }, `cluster.nodeGroup.capacityType ("spot") must be "ON_DEMAND" or "SPOT"`),
		validationtest.Reject("no instance types", func(a *eksargs.ClusterArgs) { a.NodeGroup.InstanceTypes = []string{} }, "cluster.nodeGroup.instanceTypes is empty"),
		validationtest.Reject("bad instance type", func(a *eksargs.ClusterArgs) { a.NodeGroup.InstanceTypes = []string{"medium"} }, `cluster.nodeGroup.instanceTypes[0] ("medium")`),
		validationtest.Reject("mixed architectures", func(a *eksargs.ClusterArgs) { a.NodeGroup.InstanceTypes = []string{"t3.medium", "t4g.medium"} }, `cluster.nodeGroup.instanceTypes[1] ("t4g.medium") is arm64`),
		validationtest.Reject("small disk", func(a *eksargs.ClusterArgs) { a.NodeGroup.DiskSizeGiB = 10 }, "cluster.nodeGroup.diskSizeGiB (10)"),
		validationtest.Reject("version past extended support", func(a *eksargs.ClusterArgs) { a.Version, a.SupportDate = "1.32", "2027-03-24" },
			`cluster.version ("1.32") left EKS extended support on 2027-03-23 (standard support ended 2026-03-23)`, "standard support on 2027-03-24: 1.35"),
		validationtest.Reject("version older than the calendar", func(a *eksargs.ClusterArgs) { a.Version = "1.31" },
			`cluster.version ("1.31") is not in the EKS version calendar`, "1.32, 1.33, 1.34, 1.35"),
		validationtest.Reject("version newer than the calendar", func(a *eksargs.ClusterArgs) { a.Version = "1.36" },
			`cluster.version ("1.36") is not in the EKS version calendar`, "awsspec.EKSVersions"),
		validationtest.Reject("no support date", func(a *eksargs.ClusterArgs) { a.SupportDate = "" }, `cluster.version ("1.35"): no date`),
		validationtest.Reject("support date not a date", func(a *eksargs.ClusterArgs) { a.SupportDate = "2026-13-01" }, `support date ("2026-13-01") must be a date YYYY-MM-DD`),
		validationtest.Reject("version as a YAML float", func(a *eksargs.ClusterArgs) { a.Version = "1.3" }, `cluster.version ("1.3")`, "quote it"),
		validationtest.Reject("version not a version", func(a *eksargs.ClusterArgs) { a.Version = "latest" }, `cluster.version ("latest")`),
		validationtest.Reject("no public CIDRs", func(a *eksargs.ClusterArgs) { a.PublicAccessCidrs = nil }, "cluster.publicAccessCidrs is empty"),
		validationtest.Reject("API open to the world", func(a *eksargs.ClusterArgs) { a.PublicAccessCidrs = []string{"0.0.0.0/0"} }, `cluster.publicAccessCidrs (["0.0.0.0/0"]) opens the Kubernetes API`, "allowPublicAccessFromAnywhere"),
		validationtest.Reject("public CIDR host address", func(a *eksargs.ClusterArgs) { a.PublicAccessCidrs = []string{"198.51.100.7/24"} }, `cluster.publicAccessCidrs[0] ("198.51.100.7/24")`),
		validationtest.Reject("admin is a session", func(a *eksargs.ClusterArgs) {
			a.AdminRoleArns = []string{"arn:aws:sts::123456789012:assumed-role/admin/alice"}
		}, "cluster.adminRoleArns[0]", "STS session ARN"),
		validationtest.Reject("admin twice", func(a *eksargs.ClusterArgs) {
			a.AdminRoleArns = []string{"arn:aws:iam::123456789012:role/admin", "arn:aws:iam::123456789012:role/admin"}
		}, "cluster.adminRoleArns[1]", "twice"),
		validationtest.Reject("bad cluster name", func(a *eksargs.ClusterArgs) { a.Name = "mission link" }, `cluster.name ("mission link")`),
		validationtest.Reject("log retention", func(a *eksargs.ClusterArgs) { a.LogRetentionInDays = 45 }, "cluster.logRetentionInDays (45)"),
		validationtest.Reject("warm prefix target", func(a *eksargs.ClusterArgs) { a.VpcCni.WarmPrefixTarget = 17 }, "cluster.vpcCni.warmPrefixTarget (17)"),
		validationtest.Reject("autoscaler with no room to add a node", func(a *eksargs.ClusterArgs) {
			a.NodeGroup.MinSize, a.NodeGroup.DesiredSize, a.NodeGroup.MaxSize = ptr(2), ptr(2), ptr(2)
		}, "cluster.nodeGroup.maxSize (2) must be above minSize (2) while cluster.autoscaler.enabled is true"),
		validationtest.Reject("scale-down after 0 minutes", func(a *eksargs.ClusterArgs) { a.Autoscaler.ScaleDownUnneededMinutes = ptr(0) },
			"cluster.autoscaler.scaleDownUnneededMinutes (0) must be from 1 to 1440"),
		validationtest.Reject("scale-down delay above a day", func(a *eksargs.ClusterArgs) { a.Autoscaler.ScaleDownDelayAfterAddMinutes = ptr(1441) },
			"cluster.autoscaler.scaleDownDelayAfterAddMinutes (1441) must be from 1 to 1440"),
		validationtest.Reject("autoscaler settings checked while it is off", func(a *eksargs.ClusterArgs) {
			a.Autoscaler.Enabled, a.Autoscaler.ScaleDownUnneededMinutes = ptr(false), ptr(-5)
		}, "cluster.autoscaler.scaleDownUnneededMinutes (-5)"),
		validationtest.Reject("instance types of two sizes", func(a *eksargs.ClusterArgs) { a.NodeGroup.InstanceTypes = []string{"t3.medium", "t3.large"} },
			`cluster.nodeGroup.instanceTypes[1] ("t3.large") has 2 vCPUs and 8192 MiB but "t3.medium" has 2 and 4096`),
		validationtest.Reject("instance type of unknown size in a group", func(a *eksargs.ClusterArgs) { a.NodeGroup.InstanceTypes = []string{"t3.medium", "m5d.large"} },
			`cluster.nodeGroup.instanceTypes[1] ("m5d.large")`, "not in the program's table"),
		validationtest.Reject("Kubernetes minor without an autoscaler image", func(a *eksargs.ClusterArgs) { a.Version, a.SupportDate = "1.32", "2027-03-23" },
			`cluster.version ("1.32") has no known Cluster Autoscaler image`, "1.33, 1.34, 1.35", "cluster.autoscaler.enabled: false"),
	}
	validationtest.Rejects(t, validArgs, eksargs.ClusterArgs.Validate, cases)
}

func TestValidateAccepts(t *testing.T) {
	a := validArgs()
	a.PublicAccessCidrs = []string{"0.0.0.0/0"}
	a.AllowPublicAccessFromAnywhere = true
	a.AdminRoleArns = []string{"arn:aws:iam::123456789012:role/platform/admin"}
	a.NodeGroup.CapacityType = eksargs.CapacitySpot
	// Spot from several pools of one size (2 vCPUs, 4 GiB), as the autoscaler needs.
	a.NodeGroup.InstanceTypes = []string{"t3.medium", "t3a.medium"}
	a.NodeGroup.MinSize, a.NodeGroup.DesiredSize, a.NodeGroup.MaxSize = ptr(0), ptr(0), ptr(3)
	a.Version = "1.33" // in extended support on supportDate: it works, and costs more (the plan says)
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	// Without the autoscaler: a fixed size, types of different sizes, a version it has no image for.
	fixed := validArgs()
	fixed.Autoscaler.Enabled = ptr(false)
	fixed.NodeGroup.MinSize, fixed.NodeGroup.DesiredSize, fixed.NodeGroup.MaxSize = ptr(2), ptr(2), ptr(2)
	fixed.NodeGroup.InstanceTypes = []string{"t3.medium", "t3.large"}
	fixed.Version, fixed.SupportDate = "1.32", "2027-03-23" // the last day of extended support
	if err := fixed.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestAutoscalerImageMatchesTheMinor(t *testing.T) {
	images := 0
	for version := range awsspec.EKSVersions {
		tag, err := eksargs.AutoscalerImageTag(version)
		if err != nil {
			continue // a version the autoscaler has no image for: a config error, tested above
		}
		images++
		if !strings.HasPrefix(tag, "v"+version+".") {
			t.Errorf("Kubernetes %s runs autoscaler %q: the minors must match", version, tag)
		}
	}
	if images < 3 {
		t.Errorf("%d calendar versions have an autoscaler image, want at least 1.33 to 1.35", images)
	}
	if tag, _ := eksargs.AutoscalerImageTag(eksargs.DefaultVersion); tag != "v1.35.2" {
		t.Errorf("the default version %s runs autoscaler %q", eksargs.DefaultVersion, tag)
	}
}

func ptr[T any](v T) *T { return &v }
