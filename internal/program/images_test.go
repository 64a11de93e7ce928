package program_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mission-link/infra/internal/awsspec"
	"github.com/mission-link/infra/internal/harness"
	"github.com/mission-link/infra/internal/harness/harnesstest"
	"github.com/mission-link/infra/internal/iampolicy"
)

// TestEveryImageIsPullable keeps the images the stack runs (awsspec.StackImages) and the network
// together, for the committed stacks and every NAT mode the config accepts: what the graph runs
// is on the list, and each listed image's layers have a way to the nodes in the private subnets.
// Layers from S3 in the region pass the S3 gateway endpoint, whose policy must let a node read an
// object of a bucket another account owns (registry.k8s.io redirects AWS clients to such a bucket,
// whose name may change; ECR's layer bucket is AWS's); layers from the internet need a default
// route out of every private route table.
func TestEveryImageIsPullable(t *testing.T) {
	stacks := map[string]harness.StackConfig{"dev (instance)": loadStack(t, "dev"), "prod (perAz)": loadStack(t, "prod")}
	single := loadStack(t, "dev")
	var network map[string]any
	if err := json.Unmarshal([]byte(single.Values["mission-link:network"]), &network); err != nil {
		t.Fatal(err)
	}
	network["natGateways"] = "single"
	delete(network, "natInstance")
	text, err := json.Marshal(network)
	if err != nil {
		t.Fatal(err)
	}
	single.Values["mission-link:network"] = string(text)
	stacks["dev (single)"] = single
	for name, cfg := range stacks {
		t.Run(name, func(t *testing.T) {
			r, err := run(cfg)
			if err != nil {
				t.Fatal(err)
			}
			checkImagesAreListed(t, r)
			fromS3, fromInternet := false, false
			for _, img := range awsspec.StackImages {
				registry, _ := awsspec.RegistryOf(img.Repository)
				fromS3 = fromS3 || registry.Layers == awsspec.LayersFromRegionalS3
				fromInternet = fromInternet || registry.Layers == awsspec.LayersFromInternet
			}
			if fromS3 {
				checkS3EndpointReadsAnyBucket(t, r)
			}
			if fromInternet {
				checkPrivateDefaultRoutes(t, r)
			}
		})
	}
}

// checkImagesAreListed: every EKS addon, the autoscaler's image, the argo-cd chart's version and
// the app's repository in the graph are what awsspec.StackImages lists.
func checkImagesAreListed(t *testing.T, r *harness.Record) {
	t.Helper()
	for _, addon := range r.ByType("aws:eks/addon:Addon") {
		name := addon.String("addonName")
		if !slices.ContainsFunc(awsspec.StackImages, func(i awsspec.Image) bool { return i.RunByEKSAddon(name) }) {
			t.Errorf("EKS addon %s runs images awsspec.StackImages does not list", name)
		}
	}
	for _, release := range r.ByType("kubernetes:helm.sh/v3:Release") {
		switch chart := release.String("chart"); chart {
		case "cluster-autoscaler":
			if repo := release.String("values.image.repository"); !slices.ContainsFunc(awsspec.StackImages, func(i awsspec.Image) bool { return i.Repository == repo }) {
				t.Errorf("the autoscaler runs %q, which awsspec.StackImages does not list", repo)
			}
		case "argo-cd":
			if v := release.String("version"); v != awsspec.ArgoCDChartImagesVersion {
				t.Errorf("argo-cd chart %s: awsspec.StackImages lists the images of %s; read the new chart's values.yaml and update both", v, awsspec.ArgoCDChartImagesVersion)
			}
		default:
			t.Errorf("Helm chart %s: awsspec.StackImages lists none of its images", chart)
		}
	}
	if len(r.ByType("aws:ecr/repository:Repository")) != 1 {
		t.Error("the app's image is listed as the stack's one ECR repository, but the graph has another count")
	}
}

// checkS3EndpointReadsAnyBucket: the private route tables all use an S3 gateway endpoint whose
// policy lets anyone read an object of another account's bucket, and write to none.
func checkS3EndpointReadsAnyBucket(t *testing.T, r *harness.Record) {
	t.Helper()
	endpoint := harnesstest.Only(t, r, "aws:ec2/vpcEndpoint:VpcEndpoint")
	doc, err := iampolicy.Parse(endpoint.String("policy"))
	if err != nil {
		t.Fatal(err)
	}
	const otherAccountsObject = "arn:aws:s3:::a-bucket-of-another-account-ap-northeast-2/containers/images/sha256:0f"
	if !allows(doc, "s3:GetObject", otherAccountsObject, "999999999999") {
		t.Error("the S3 endpoint policy does not let the nodes read layers from another account's bucket in the region")
	}
	if allows(doc, "s3:PutObject", otherAccountsObject, "999999999999") {
		t.Error("the S3 endpoint policy lets the VPC write to another account's bucket")
	}
	associated := map[string]bool{}
	for _, a := range r.ByType("aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation") {
		associated[harnesstest.Source(t, r, a, "routeTableId").URN] = true
	}
	for _, table := range privateRouteTables(r) {
		if !associated[table.URN] {
			t.Errorf("private route table %s does not use the S3 endpoint", table.Name)
		}
	}
}

// checkPrivateDefaultRoutes: every private route table has a route to the internet.
func checkPrivateDefaultRoutes(t *testing.T, r *harness.Record) {
	t.Helper()
	routed := map[string]bool{}
	for _, route := range r.ByType("aws:ec2/route:Route") {
		if route.String("destinationCidrBlock") == "0.0.0.0/0" {
			routed[harnesstest.Source(t, r, route, "routeTableId").URN] = true
		}
	}
	tables := privateRouteTables(r)
	if len(tables) == 0 {
		t.Fatal("no private route table")
	}
	for _, table := range tables {
		if !routed[table.URN] {
			t.Errorf("private route table %s has no route out: images from the internet would not pull", table.Name)
		}
	}
}

func privateRouteTables(r *harness.Record) []harness.Resource {
	return slices.DeleteFunc(r.ByType("aws:ec2/routeTable:RouteTable"), func(t harness.Resource) bool {
		return !strings.Contains(t.Name, "-private-")
	})
}

// allows says whether an Allow statement of an endpoint policy admits action on resource, owned
// by account, with IAM's wildcards and the one condition these policies use
// (aws:ResourceAccount); there is no Deny statement in them.
func allows(doc iampolicy.Document, action, resource, account string) bool {
	for _, s := range doc.Statement {
		if s.Effect != iampolicy.Allow || !slices.ContainsFunc(s.Action, glob(action)) || !slices.ContainsFunc(s.Resource, glob(resource)) {
			continue
		}
		if owners, ok := s.Condition["StringEquals"]["aws:ResourceAccount"]; ok && !slices.Contains(owners, account) {
			continue
		}
		return true
	}
	return false
}

// glob matches an IAM pattern (* any run of characters, ? one) against value.
func glob(value string) func(pattern string) bool {
	return func(pattern string) bool {
		re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern)) + "$"
		return regexp.MustCompile(re).MatchString(value)
	}
}
