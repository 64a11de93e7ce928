package stackconfig

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/mission-link/infra/internal/awsspec"
	"github.com/mission-link/infra/vpc/vpcargs"
)

func parse(t *testing.T, values map[string]string) (*Stack, error) {
	t.Helper()
	return parseOn(t, values, testDate)
}

// parseOn parses values, with the keys every stack needs filled in, judging time-bound facts on date.
func parseOn(t *testing.T, values map[string]string, date string) (*Stack, error) {
	t.Helper()
	if _, ok := values["aws:region"]; !ok {
		values["aws:region"] = "ap-northeast-2"
	}
	for key, value := range map[string]string{
		"mission-link:cluster": `{"publicAccessCidrs":["198.51.100.0/24"]}`,
		"mission-link:ci":      `{"githubRepository":"mission-link/mission-link","infraRepository":"mission-link/mission-link-infra"}`,
		"mission-link:secrets": `{"database":{"host":"db.internal"}}`,
	} {
		if _, ok := values[key]; !ok {
			values[key] = value
		}
	}
	return Parse("mission-link", "dev", Input{Values: values, Date: date})
}

// testDate is the day the tests judge time-bound facts on (the EKS calendar's own date).
const testDate = "2026-11-24"

func TestParseFillsDefaults(t *testing.T) {
	s, err := parse(t, map[string]string{
		"mission-link:network":                  `{"cidrBlock":"10.20.0.0/16","bastion":{"enabled":true}}`,
		"mission-link:protectStatefulResources": "true",
		"aws:profile":                           "mission-link",
		"aws:allowedAccountIds":                 `["123456789012"]`,
		"pulumi:tags":                           `{"team":"platform"}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	n := s.Network
	if n.CidrBlock != "10.20.0.0/16" || n.AvailabilityZoneCount != vpcargs.DefaultAvailabilityZoneCount ||
		n.NatGateways != vpcargs.NatSingle || !n.Bastion.IsEnabled() || n.Bastion.InstanceType != vpcargs.DefaultBastionInstanceType {
		t.Errorf("network %+v", n)
	}
	if !s.ProtectStatefulResources || s.Profile != "mission-link" || s.Region != "ap-northeast-2" ||
		len(s.AllowedAccountIDs) != 1 {
		t.Errorf("stack %+v", s)
	}
}

func TestParseRejects(t *testing.T) {
	cases := []struct {
		name   string
		values map[string]string
		want   []string
	}{
		{"typo in a nested key", map[string]string{"mission-link:network": `{"natGateway":"perAz"}`},
			[]string{"network.natGateway is not a known key", "natGateways"}},
		{"typo deeper down", map[string]string{"mission-link:network": `{"bastion":{"enable":true}}`},
			[]string{"network.bastion.enable is not a known key", "enabled"}},
		{"unknown top-level key", map[string]string{"mission-link:netwrok": `{}`},
			[]string{"mission-link:netwrok is not a known key", "network"}},
		{"number as a string", map[string]string{"mission-link:network": `{"availabilityZoneCount":"3"}`},
			[]string{`network.availabilityZoneCount ("3") is a string but must be a whole number: write it without quotes`}},
		{"bool as a string", map[string]string{"mission-link:network": `{"bastion":{"enabled":"yes"}}`},
			[]string{`network.bastion.enabled ("yes") must be true or false`}},
		{"list as a string", map[string]string{"mission-link:network": `{"bastion":{"sshCidrs":"203.0.113.0/24"}}`},
			[]string{"network.bastion.sshCidrs", "must be a list of strings"}},
		{"block that is not an object", map[string]string{"mission-link:network": `single`},
			[]string{"network (single) must be an object with the keys", "cidrBlock"}},
		{"flag that is not a bool", map[string]string{"mission-link:protectStatefulResources": `maybe`},
			[]string{`protectStatefulResources ("maybe") must be true or false`}},
		{"aws key the provider would ignore", map[string]string{"aws:assumeRole": `{"roleArn":"x"}`},
			[]string{"aws:assumeRole is not used"}},
		{"no region", map[string]string{"aws:region": ""},
			[]string{"aws:region is not set"}},
		{"bad region", map[string]string{"aws:region": "seoul"},
			[]string{`aws:region ("seoul")`}},
		{"bad account", map[string]string{"aws:allowedAccountIds": `["12345"]`},
			[]string{`aws:allowedAccountIds[0] ("12345")`}},
		{"reserved tag", map[string]string{"mission-link:tags": `{"Stack":"other"}`},
			[]string{"tags.Stack is set by the program"}},
		{"aws tag prefix", map[string]string{"mission-link:tags": `{"aws:owner":"me"}`},
			[]string{"tags.aws:owner", "reserved"}},
		{"semantic network error", map[string]string{"mission-link:network": `{"bastion":{"enabled":true,"sshCidrs":["0.0.0.0/0"]}}`},
			[]string{`network.bastion.sshCidrs[0] ("0.0.0.0/0")`}},
		{"no NAT for the node group", map[string]string{"mission-link:network": `{"natGateways":"none"}`},
			[]string{`network.natGateways ("none") gives the private subnets no egress, but the EKS node group runs there`, "NodeCreationFailure", `use "single", "perAz" or "instance"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, tc.values)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

// The version is judged on the date the caller gives (today for `pulumi up`, the plan's --as-of).
func TestParseJudgesTheVersionOnTheDate(t *testing.T) {
	cluster := map[string]string{"mission-link:cluster": `{"version":"1.32","publicAccessCidrs":["198.51.100.0/24"],"autoscaler":{"enabled":false}}`}
	if _, err := parseOn(t, cluster, "2027-03-23"); err != nil {
		t.Fatalf("1.32 on its last day of extended support: %v", err)
	}
	_, err := parseOn(t, cluster, "2027-03-24")
	if err == nil || !strings.Contains(err.Error(), `cluster.version ("1.32") left EKS extended support on 2027-03-23`) {
		t.Fatalf("1.32 after extended support: %v", err)
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	_, err := parse(t, map[string]string{
		"mission-link:network": `{"natGateway":"perAz","cidrBlock":"10.0.0.0/8","bastion":{"enabled":"yes"}}`,
		"mission-link:tagz":    `{}`,
		"aws:region":           "nowhere",
	})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, key := range []string{"network.natGateway ", "network.cidrBlock", "network.bastion.enabled", "mission-link:tagz", "aws:region"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not report %s:\n%v", key, err)
		}
	}
}

func TestDefaultTags(t *testing.T) {
	s := Stack{Tags: map[string]string{"Environment": "dev"}}
	tags := s.DefaultTags("mission-link", "dev")
	want := map[string]string{"Environment": "dev", "Project": "mission-link", "Stack": "dev", "ManagedBy": "pulumi"}
	if len(tags) != len(want) {
		t.Fatalf("tags %v, want %v", tags, want)
	}
	for k, v := range want {
		if tags[k] != v {
			t.Errorf("tag %s = %q, want %q", k, tags[k], v)
		}
	}
	if len(s.Tags) != 1 {
		t.Error("DefaultTags changed the configured tags")
	}
}

func TestDatabasePasswordMustBeSecret(t *testing.T) {
	values := func() map[string]string {
		return map[string]string{
			"aws:region":                    "ap-northeast-2",
			"mission-link:cluster":          `{"publicAccessCidrs":["198.51.100.0/24"]}`,
			"mission-link:ci":               `{"githubRepository":"mission-link/mission-link","infraRepository":"mission-link/mission-link-infra"}`,
			"mission-link:secrets":          `{"database":{"host":"db.internal"}}`,
			"mission-link:databasePassword": "hunter2hunter2",
		}
	}
	_, err := Parse("mission-link", "dev", Input{Values: values(), Date: testDate})
	if err == nil || !strings.Contains(err.Error(), "mission-link:databasePassword is stored in plain text") {
		t.Fatalf("a plain-text password was accepted: %v", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Error("the error shows the password")
	}
	s, err := Parse("mission-link", "dev", Input{Values: values(), SecretKeys: []string{"mission-link:databasePassword"}, Date: testDate})
	if err != nil {
		t.Fatal(err)
	}
	if s.DatabasePassword != "hunter2hunter2" {
		t.Error("the secret password was not read")
	}
}

func TestSecretValuesAreNotQuotedInErrors(t *testing.T) {
	values := map[string]string{
		"aws:region":           "ap-northeast-2",
		"mission-link:cluster": `{"publicAccessCidrs":["198.51.100.0/24"]}`,
		"mission-link:ci":      `{"githubRepository":"mission-link/mission-link","infraRepository":"mission-link/mission-link-infra"}`,
		"mission-link:secrets": `{"database":{"host":"db.internal","port":"topsecret-5432"}}`,
	}
	_, err := Parse("mission-link", "dev", Input{Values: values, SecretKeys: []string{"mission-link:secrets"}, Date: testDate})
	if err == nil || !strings.Contains(err.Error(), "secrets.database.port ([secret]) must be a whole number") {
		t.Fatalf("error %v", err)
	}
	if strings.Contains(err.Error(), "topsecret") {
		t.Error("the error quotes a secret value")
	}
}

// TestExplicitZeroIsKeptOrRejected writes every key's zero value explicitly (0, "", false, [],
// {}): each is either rejected with its key path or kept as written, never replaced by the
// default. A key added to an Args struct whose zero passes validation but which WithDefaults
// replaces fails here.
func TestExplicitZeroIsKeptOrRejected(t *testing.T) {
	for _, k := range Keys() {
		if strings.Contains(k.Path, ":") {
			continue
		}
		t.Run(k.Path, func(t *testing.T) {
			field, ok := fieldAt(reflect.ValueOf(&Stack{}).Elem(), strings.Split(k.Path, "."))
			if !ok {
				t.Fatal("no field")
			}
			zero := map[reflect.Kind]string{reflect.String: `""`, reflect.Bool: "false", reflect.Slice: "[]", reflect.Map: "{}"}[field.Type().Kind()]
			if zero == "" {
				zero = "0"
			}
			if field.Kind() == reflect.Pointer {
				zero = map[reflect.Kind]string{reflect.Bool: "false"}[field.Type().Elem().Kind()]
				if zero == "" {
					zero = "0"
				}
			}
			values := map[string]string{}
			top, below, nested := strings.Cut(k.Path, ".")
			if nested {
				values["mission-link:"+top] = nestedJSON(strings.Split(below, "."), zero)
			} else if field.Kind() == reflect.String {
				values["mission-link:"+top] = ""
			} else {
				values["mission-link:"+top] = zero
			}
			if top == "cluster" || top == "ci" || top == "secrets" {
				values["mission-link:"+top] = mergeJSON(t, map[string]string{
					"cluster": `{"publicAccessCidrs":["198.51.100.0/24"]}`,
					"ci":      `{"githubRepository":"mission-link/mission-link","infraRepository":"mission-link/mission-link-infra"}`,
					"secrets": `{"database":{"host":"db.internal"}}`,
				}[top], values["mission-link:"+top])
			}
			s, err := parse(t, values)
			if err != nil {
				if !strings.Contains(err.Error(), k.Path) {
					t.Errorf("rejected without naming %s: %v", k.Path, err)
				}
				return
			}
			got, _ := fieldAt(reflect.ValueOf(s).Elem(), strings.Split(k.Path, "."))
			if text := describe(got); text != zero && !(zero == `""` && text == `""`) {
				t.Errorf("%s: %s was written, the program uses %s", k.Path, zero, text)
			}
		})
	}
}

func nestedJSON(path []string, value string) string {
	if len(path) == 0 {
		return value
	}
	return fmt.Sprintf("{%q:%s}", path[0], nestedJSON(path[1:], value))
}

// mergeJSON merges the objects b into a, deeply.
func mergeJSON(t *testing.T, a, b string) string {
	t.Helper()
	var x, y map[string]any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatal(err)
	}
	var merge func(dst, src map[string]any)
	merge = func(dst, src map[string]any) {
		for k, v := range src {
			if sub, ok := v.(map[string]any); ok {
				if d, ok := dst[k].(map[string]any); ok {
					merge(d, sub)
					continue
				}
			}
			dst[k] = v
		}
	}
	merge(x, y)
	out, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// Private subnets too small for the pods the stack runs are refused before anything is
// registered, naming the key, the value, what would fit and the keys that bound it: prefix
// delegation hands out whole /28 blocks, and the nodes' interfaces take some of them.
func TestPodsMustFitThePrivateSubnets(t *testing.T) {
	for _, tc := range []struct {
		name, network string
		maxSize       int
		want          []string // empty: accepted
	}{
		{"/28", `{"cidrBlock":"10.20.0.0/16","privateSubnetPrefixLength":28}`, 2, []string{
			"network.privateSubnetPrefixLength (28) leaves the pods 0 addresses but the stack runs 16 (", "the app (HPA maximum) 3",
			"network.availabilityZoneCount (2) private subnets of /28", "the 6 network interfaces of up to cluster.nodeGroup.maxSize (2) nodes of cluster.nodeGroup.instanceTypes (t3.medium)", "the Cluster Autoscaler with cluster.autoscaler.enabled",
			"Use 25 or less: /25 subnets hold 96"}},
		{"/27", `{"cidrBlock":"10.20.0.0/16","privateSubnetPrefixLength":27}`, 2, []string{"network.privateSubnetPrefixLength (27) leaves the pods 0 addresses", "Use 25 or less"}},
		// Two free /28 blocks per AZ, which two nodes' six interfaces can take.
		{"/26", `{"cidrBlock":"10.20.0.0/16","privateSubnetPrefixLength":26}`, 2, []string{"network.privateSubnetPrefixLength (26) leaves the pods 0 addresses", "Use 25 or less"}},
		{"/25", `{"cidrBlock":"10.20.0.0/16","privateSubnetPrefixLength":25}`, 2, nil},
		// Three AZs of /26 hold six blocks: one node's three interfaces leave three (48 addresses).
		{"/26, 3 AZs, 1 node", `{"cidrBlock":"10.20.0.0/16","availabilityZoneCount":3,"privateSubnetPrefixLength":26}`, 1, nil},
		{"/26, 3 AZs, 2 nodes", `{"cidrBlock":"10.20.0.0/16","availabilityZoneCount":3,"privateSubnetPrefixLength":26}`, 2, []string{
			"network.privateSubnetPrefixLength (26) leaves the pods 0 addresses", "network.availabilityZoneCount (3) private subnets", "Use 25 or less: /25 subnets hold 192"}},
		// A /25 would hold the pods, but not beside the public subnets in a /24 VPC.
		{"/24 VPC", `{"cidrBlock":"10.20.0.0/24","publicSubnetPrefixLength":27,"privateSubnetPrefixLength":26}`, 2, []string{
			"Use 25 or less", "and widen network.cidrBlock (10.20.0.0/24): network.availabilityZoneCount (2) public and private subnets of /27 and /25 must fit in it"}},
	} {
		_, err := parse(t, map[string]string{
			"mission-link:network": tc.network,
			"mission-link:cluster": fmt.Sprintf(`{"publicAccessCidrs":["198.51.100.0/24"],"nodeGroup":{"minSize":1,"desiredSize":1,"maxSize":%d},"autoscaler":{"enabled":%t}}`, tc.maxSize, tc.maxSize > 1),
		})
		if len(tc.want) == 0 {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		for _, want := range tc.want {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %v does not say %q", tc.name, err, want)
			}
		}
	}
}

// Nodes that may run too few pods at the group's maximum size are refused, naming the size that
// fits. No type the program knows runs fewer than 34 pods with prefix delegation, so the test
// weighs the same config with a table where a t3.medium runs 4.
func TestPodsMustFitTheNodes(t *testing.T) {
	s, err := parse(t, map[string]string{"mission-link:cluster": `{"publicAccessCidrs":["198.51.100.0/24"],"nodeGroup":{"minSize":1,"desiredSize":1,"maxSize":2}}`})
	if err != nil {
		t.Fatal(err)
	}
	tiny := map[string]awsspec.InstanceShape{"t3.medium": {ENIs: 1, IPv4PerENI: 1, VCPUs: 2}} // 0 slots x 16 + 2 = 2 pods
	err = checkPodsWith(*s, tiny)
	for _, want := range []string{"cluster.nodeGroup.maxSize (2) x t3.medium (cluster.nodeGroup.instanceTypes; at most 2 pods each) hold 4 pods but the stack runs",
		"`Too many pods`", "no cluster.nodeGroup.maxSize up to 100 holds them"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not say %q", err, want)
		}
	}
	small := map[string]awsspec.InstanceShape{"t3.medium": {ENIs: 2, IPv4PerENI: 2, VCPUs: 2}} // 2 x 1 x 16 + 2 = 34 pods
	if err := checkPodsWith(*s, small); err != nil {
		t.Errorf("34 pods a node: %v", err)
	}
}
