package plan

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/mission-link/infra/awsspec"
	"github.com/mission-link/infra/harness"
)

const asOf = "2026-11-24"

func options() Options {
	return Options{AsOf: asOf, Usage: DefaultUsage(), AppMaxPods: DefaultAppMaxPods}
}

func loadStack(t testing.TB, stack string) harness.StackConfig {
	t.Helper()
	cfg, err := harness.LoadStack("..", stack)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func build(t testing.TB, stack string, opts Options) *Plan {
	t.Helper()
	p, err := Build(loadStack(t, stack), opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func text(t *testing.T, p *Plan) string {
	t.Helper()
	var b bytes.Buffer
	if err := p.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestTextShowsWhatAReviewerReads(t *testing.T) {
	out := text(t, build(t, "dev", options()))
	for _, want := range []string{
		"Stack dev of mission-link in ap-northeast-2: 95 resources",
		"mission-link-dev  mission-link:vpc:Network\n  mission-link-dev-flow-logs  aws:cloudwatch/logGroup:LogGroup",
		"  mission-link-dev  eks:index:Cluster\n    mission-link-dev-eksClusterSecurityGroup  aws:ec2/securityGroup:SecurityGroup  [stand-in]",
		"      cidrBlock: 10.20.0.0/16",
		"mission-link-dev-bastion  aws:ec2/instance:Instance  [ignoreChanges=ami]",
		"      subnetId: -> mission-link-dev-private-ap-northeast-2a",
		"      ami: -> aws:ssm:getParameter(/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64)",
		"      natGatewayId: -> mission-link-dev-nat-ap-northeast-2a",
		"    defaultTags.tags: {Environment=dev ManagedBy=pulumi Project=mission-link Stack=dev}",
		"      secretString: [secret]",
		"    4  aws:ec2/subnet:Subnet",
		"110 pods per t3.medium with prefix delegation x max 2 nodes = 220",
		"73.00  EKS control plane (Kubernetes 1.35)",
		"[LOW accepted] ML-EKS-002 mission-link-dev-eksCluster",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q", want)
		}
	}
	if strings.Contains(out, "123456789012") || strings.Contains(out, "ami-0123456789abcdef0") {
		t.Error("the text shows a made-up account ID or AMI as if it were real")
	}
	prod := text(t, build(t, "prod", options()))
	if !strings.Contains(prod, "mission-link-prod-flow-logs  aws:cloudwatch/logGroup:LogGroup  [protect]") {
		t.Error("prod's plan does not show the protected log group")
	}
}

func TestOutputIsStable(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		a, b := build(t, stack, options()), build(t, stack, options())
		if text(t, a) != text(t, b) {
			t.Errorf("%s: two runs print different text", stack)
		}
		var ja, jb bytes.Buffer
		if err := a.WriteJSON(&ja); err != nil {
			t.Fatal(err)
		}
		if err := b.WriteJSON(&jb); err != nil {
			t.Fatal(err)
		}
		if ja.String() != jb.String() {
			t.Errorf("%s: two runs write different JSON", stack)
		}
	}
}

func jsonPlan(t *testing.T, p *Plan) (Document, string) {
	t.Helper()
	var b bytes.Buffer
	if err := p.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var doc Document
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc, b.String()
}

func resourceOf(t *testing.T, doc Document, typ, name string) JSONResource {
	t.Helper()
	i := slices.IndexFunc(doc.Resources, func(r JSONResource) bool { return r.Type == typ && r.Name == name })
	if i < 0 {
		t.Fatalf("no %s %s in the JSON plan", typ, name)
	}
	return doc.Resources[i]
}

func TestJSONShowsReferencesNotMadeUpValues(t *testing.T) {
	p := build(t, "dev", options())
	doc, raw := jsonPlan(t, p)
	if doc.Schema != SchemaVersion || doc.Stack != "dev" || doc.Region != "ap-northeast-2" || len(doc.Resources) != len(p.Record.Resources) {
		t.Fatalf("header %s %s %s with %d resources", doc.Schema, doc.Stack, doc.Region, len(doc.Resources))
	}
	// No value the mocks made up may appear in inputs or outputs as if it were real. A made-up
	// name equal to the resource's own name is left out: that string is also a real Name tag.
	rendered := mustJSON(t, doc.Outputs)
	for _, r := range doc.Resources {
		rendered += mustJSON(t, r.Inputs)
	}
	for _, m := range p.unknowns.allMade() {
		if m.from.Property == "name" && m.value == m.from.Name {
			continue
		}
		if strings.Contains(rendered, m.value) {
			t.Errorf("made-up value %q of %s.%s appears in the JSON plan", m.value, m.from.Name, m.from.Property)
		}
	}
	if strings.Contains(raw, "123456789012") {
		t.Error("the made-up account ID appears in the JSON plan")
	}
	assoc := resourceOf(t, doc, "aws:ec2/routeTableAssociation:RouteTableAssociation", "mission-link-dev-private-ap-northeast-2a")
	subnet := resourceOf(t, doc, "aws:ec2/subnet:Subnet", "mission-link-dev-private-ap-northeast-2a")
	want := map[string]any{"$ref": map[string]any{"urn": subnet.URN, "property": "id"}}
	if got, _ := json.Marshal(assoc.Inputs["subnetId"]); string(got) != mustJSON(t, want) {
		t.Errorf("association subnetId %s, want a reference to the subnet's id", got)
	}
	version := resourceOf(t, doc, "aws:secretsmanager/secretVersion:SecretVersion", "mission-link-dev-database")
	if version.Inputs["secretString"] != "[secret]" {
		t.Errorf("secretString %v", version.Inputs["secretString"])
	}
	flowRole := resourceOf(t, doc, "aws:iam/role:Role", "mission-link-dev-flow-logs")
	policy, _ := flowRole.Inputs["assumeRolePolicy"].(map[string]any)
	if computed, _ := policy["$computed"].(string); !strings.Contains(computed, `"aws:SourceAccount":["${aws:getCallerIdentity.accountId}"]`) {
		t.Errorf("flow log trust policy %v: the account ID must show as the data source's result", flowRole.Inputs["assumeRolePolicy"])
	}
	ng := resourceOf(t, doc, "aws:eks/nodeGroup:NodeGroup", "mission-link-dev-nodes")
	if !slices.Equal(ng.Options.IgnoreChanges, []string{"scalingConfig.desiredSize"}) || ng.Options.Provider == "" {
		t.Errorf("node group options %+v", ng.Options)
	}
	if doc.Outputs["kubeconfig"] != "[secret]" {
		t.Errorf("kubeconfig output %v", doc.Outputs["kubeconfig"])
	}
	if doc.Cost.TotalUSD != p.Cost.TotalUSD || len(doc.Findings) != len(p.Findings) || doc.Failed {
		t.Error("cost or findings missing from the JSON plan")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCost(t *testing.T) {
	p := build(t, "dev", options())
	items := map[string]LineItem{}
	sum := 0.0
	for _, item := range p.Cost.Items {
		items[item.Item] = item
		sum += item.MonthlyUSD
	}
	for item, want := range map[string]float64{
		"EKS control plane (Kubernetes 1.35)": 73.00, // 730 h x $0.10
		"EKS nodes":                           37.96, // 1 x t3.medium, 730 h x $0.052
		"NAT gateway hours":                   43.07, // 1 x 730 h x $0.059
		"Public IPv4 addresses (elastic IPs)": 3.65,  // 1 x 730 h x $0.005
		"KMS keys":                            2.00,
		"Secrets Manager secrets":             0.40,
		"EKS node root volumes (gp3)":         1.82, // 20 GB x $0.0912
	} {
		if got := items[item].MonthlyUSD; got != want {
			t.Errorf("%s: $%.2f, want $%.2f", item, got, want)
		}
	}
	if cents(sum) != p.Cost.TotalUSD || p.Cost.TotalAtMaxNodesUSD <= p.Cost.TotalUSD {
		t.Errorf("total %.2f (sum %.2f), at max nodes %.2f", p.Cost.TotalUSD, sum, p.Cost.TotalAtMaxNodesUSD)
	}
	prod := build(t, "prod", options())
	if prod.Cost.TotalUSD <= p.Cost.TotalUSD {
		t.Errorf("prod (3 NAT gateways, 2 nodes) costs %.2f, dev %.2f", prod.Cost.TotalUSD, p.Cost.TotalUSD)
	}
}

func withConfig(t *testing.T, stack string, edit func(values map[string]string)) harness.StackConfig {
	t.Helper()
	cfg := loadStack(t, stack)
	values := map[string]string{}
	for k, v := range cfg.Values {
		values[k] = v
	}
	edit(values)
	cfg.Values = values
	return cfg
}

func TestCostFollowsTheSupportCalendar(t *testing.T) {
	cfg := withConfig(t, "dev", func(v map[string]string) {
		v["mission-link:cluster"] = `{"version":"1.34","publicAccessCidrs":["198.51.100.0/24"]}`
	})
	before, err := Build(cfg, options())
	if err != nil {
		t.Fatal(err)
	}
	opts := options()
	opts.AsOf = "2026-12-03" // 1.34 left standard support on 2026-12-02
	after, err := Build(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	price := func(p *Plan) float64 {
		for _, item := range p.Cost.Items {
			if strings.HasPrefix(item.Item, "EKS control plane") {
				return item.MonthlyUSD
			}
		}
		return -1
	}
	if price(before) != 73.00 || price(after) != 438.00 {
		t.Errorf("1.34 costs %.2f before and %.2f after 2026-12-02, want 73.00 and 438.00", price(before), price(after))
	}
}

// TestInstanceAndRegionDataAgree: the instance types the program accepts are exactly those the
// ENI table and every region's prices know, so an accepted type is always priced and its pod
// capacity known; a region AWS has but the plan has no data for is refused, naming aws:region.
func TestInstanceAndRegionDataAgree(t *testing.T) {
	table, err := Prices()
	if err != nil {
		t.Fatal(err)
	}
	known := slices.Sorted(maps.Keys(awsspec.InstanceTypes))
	if got := slices.Sorted(maps.Keys(table.Instances.Types)); !slices.Equal(got, known) {
		t.Errorf("ENI table %v, awsspec.InstanceTypes %v", got, known)
	}
	for region, prices := range table.Regions {
		if got := slices.Sorted(maps.Keys(prices.InstanceHour)); !slices.Equal(got, known) {
			t.Errorf("%s prices %v, awsspec.InstanceTypes %v", region, got, known)
		}
		if !harness.KnowsRegion(region) {
			t.Errorf("%s is priced but the mocks have no AZs for it", region)
		}
	}
	other := withConfig(t, "dev", func(v map[string]string) { v["aws:region"] = "eu-west-1" })
	if _, err := Build(other, options()); err == nil || !strings.Contains(err.Error(), `aws:region ("eu-west-1") is a region the offline plan has no data for`) {
		t.Errorf("eu-west-1: %v", err)
	}
}

func TestSubnetPodAddresses(t *testing.T) {
	for _, tc := range []struct {
		lengths []int
		enis    int
		pd      bool
		want    int
	}{
		{[]int{20, 20}, 6, true, 2*(256-2)*16 - 6*16},
		{[]int{28, 28}, 6, true, 0},
		{[]int{26}, 1, true, (4-2)*16 - 16},
		{[]int{28}, 2, false, 16 - 5 - 2},
		{[]int{24}, 3, false, 256 - 5 - 3},
	} {
		if got := subnetPodAddresses(tc.lengths, tc.enis, tc.pd); got != tc.want {
			t.Errorf("%v, %d ENIs, prefix delegation %v: %d, want %d", tc.lengths, tc.enis, tc.pd, got, tc.want)
		}
	}
	cfg := withConfig(t, "dev", func(v map[string]string) {
		v["mission-link:network"] = `{"cidrBlock":"10.20.0.0/16","privateSubnetPrefixLength":28}`
	})
	p, err := Build(cfg, options())
	if err != nil {
		t.Fatal(err)
	}
	if pc := p.Capacity[0]; pc.Fits || pc.Capacity != 0 || pc.SubnetPods != 0 {
		t.Errorf("/28 private subnets: %+v; prefix delegation needs free /28 blocks", pc)
	}
}

func TestMaxPods(t *testing.T) {
	table, err := Prices()
	if err != nil {
		t.Fatal(err)
	}
	for typ, want := range map[string][2]int{"t3.medium": {17, 110}, "t3.micro": {4, 34}, "t3.small": {11, 110}, "t3.large": {35, 110}} {
		shape := table.Instances.Types[typ]
		if got := [2]int{MaxPods(shape, false), MaxPods(shape, true)}; got != want {
			t.Errorf("%s: %v, want %v", typ, got, want)
		}
	}
	if got := MaxPods(InstanceShape{ENIs: 15, IPv4PerENI: 50, VCPUs: 96}, true); got != 250 {
		t.Errorf("a 96-vCPU node: %d, want 250", got)
	}
}

func TestPodCapacityNeedsPrefixDelegation(t *testing.T) {
	opts := options()
	opts.AppMaxPods = 40
	p := build(t, "dev", opts)
	if pc := p.Capacity[0]; !pc.Fits || pc.Capacity != 220 || pc.Needed != 57 {
		t.Errorf("with prefix delegation: %+v", pc)
	}
	// Without prefix delegation the same stack meets the team's `Too many pods`.
	r := p.Record
	for i, res := range r.Resources {
		if res.Type == "aws:eks/nodeGroup:NodeGroup" {
			r.Resources[i].Dependencies = nil
		}
	}
	table, err := Prices()
	if err != nil {
		t.Fatal(err)
	}
	caps := podCapacity(r, table.Instances.Types, opts.AppMaxPods)
	if caps[0].Fits || caps[0].MaxPodsPerNode != 17 || caps[0].Capacity != 34 {
		t.Fatalf("without prefix delegation: %+v", caps[0])
	}
	v := capacityViolations(r, caps)
	if len(v) != 1 || !strings.Contains(v[0].message, "the stack runs 57 pods but 2 x t3.medium (max 17 pods each, no prefix delegation) in subnets with 8176 pod addresses hold 34") {
		t.Errorf("violations %v", v)
	}
}

func TestDefaultAppMaxPodsMatchesTheOverlay(t *testing.T) {
	b, err := os.ReadFile("../deploy/overlays/dev/horizontalpodautoscaler.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var hpa struct {
		Spec struct {
			MaxReplicas int `yaml:"maxReplicas"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(b, &hpa); err != nil {
		t.Fatal(err)
	}
	if hpa.Spec.MaxReplicas != DefaultAppMaxPods {
		t.Errorf("the dev overlay's HPA allows %d replicas, the plan assumes %d", hpa.Spec.MaxReplicas, DefaultAppMaxPods)
	}
}

func TestShippedStacksHaveNoOpenHighFinding(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		p := build(t, stack, options())
		for _, f := range p.Findings {
			if !f.Accepted {
				t.Errorf("%s: open finding %s %s on %s: %s", stack, f.Severity, f.ID, f.ResourceName, f.Message)
			}
		}
		if p.Failed() {
			t.Errorf("%s fails", stack)
		}
	}
}

func TestEveryExceptionIsUsed(t *testing.T) {
	exceptions, err := Exceptions()
	if err != nil {
		t.Fatal(err)
	}
	used := map[int]bool{}
	for _, stack := range []string{"dev", "prod"} {
		for _, f := range build(t, stack, options()).Findings {
			for i, e := range exceptions {
				if f.Accepted && e.Rule == f.ID && e.Reason == f.Reason {
					used[i] = true
				}
			}
		}
	}
	for i, e := range exceptions {
		if !used[i] {
			t.Errorf("exception %d (%s on %s %s) accepts nothing: remove it", i, e.Rule, e.Type, e.Name)
		}
	}
}

func TestMermaidDiagramIsCurrent(t *testing.T) {
	var b bytes.Buffer
	if err := build(t, "dev", options()).WriteMermaid(&b); err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("../docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, b.Bytes()) {
		t.Errorf("docs/architecture.md is stale: run `go run ./cmd/plan --stack dev --mermaid docs/architecture.md`")
	}
	for _, want := range []string{"VPC 10.20.0.0/16", "EKS mission-link-dev", "rule {'source':['mission-link']}", "SNS topic", "CI push role", "app role (IRSA)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("diagram lacks %q", want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	var b bytes.Buffer
	if err := build(t, "dev", options()).WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Offline plan: stack `dev` in ap-northeast-2", "| LOW | ML-EKS-002 |", "| 73.00 | EKS control plane (Kubernetes 1.35) |", "| 4 | `aws:ec2/subnet:Subnet` |"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
}

func BenchmarkPlanDev(b *testing.B) {
	cfg := loadStack(b, "dev")
	for b.Loop() {
		p, err := Build(cfg, options())
		if err != nil {
			b.Fatal(err)
		}
		if err := p.WriteJSON(&bytes.Buffer{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestReadmeListsEveryRule(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, rule := range Rules() {
		if !strings.Contains(string(readme), "| "+rule.ID+" | "+rule.Severity+" |") {
			t.Errorf("README.md's findings table lacks %s (%s)", rule.ID, rule.Severity)
		}
	}
}
