package plan

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mission-link/infra/harness"
)

func tree(t *testing.T, stack string) string {
	t.Helper()
	cfg, err := harness.LoadStack("..", stack)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteTree(&b, cfg, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestTreeShowsWhatAReviewerReads(t *testing.T) {
	out := tree(t, "dev")
	for _, want := range []string{
		"Stack dev of mission-link in ap-northeast-2: 85 resources",
		"mission-link-dev  mission-link:vpc:Network\n  mission-link-dev-flow-logs  aws:cloudwatch/logGroup:LogGroup",
		"  mission-link-dev  eks:index:Cluster\n    mission-link-dev-eksClusterSecurityGroup",
		"      cidrBlock: 10.20.0.0/16",
		"mission-link-dev-bastion  aws:ec2/instance:Instance  [ignoreChanges=ami]",
		"      subnetId: -> mission-link-dev-private-ap-northeast-2a",
		"      metadataOptions.httpTokens: required",
		"      natGatewayId: -> mission-link-dev-nat-ap-northeast-2a",
		"    defaultTags.tags: {Environment=dev ManagedBy=pulumi Project=mission-link Stack=dev}",
		"    4  aws:ec2/subnet:Subnet",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("tree lacks %q:\n%s", want, out)
		}
	}
	if prod := tree(t, "prod"); !strings.Contains(prod, "mission-link-prod-flow-logs  aws:cloudwatch/logGroup:LogGroup  [protect]") {
		t.Errorf("prod tree does not show the protected log group:\n%s", prod)
	}
}

func TestTreeIsStable(t *testing.T) {
	if a, b := tree(t, "prod"), tree(t, "prod"); a != b {
		t.Error("two runs print different trees")
	}
}
