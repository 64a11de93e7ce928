package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mission-link/infra/internal/harness"
	"github.com/mission-link/infra/internal/stackconfig"
)

// badInput is one mistaken stack file: the dev stack with keys changed, run through the plan
// command as a user would run it.
type badInput struct {
	class int    // the class of defect (1-7)
	set   string // the key to change: "aws:region", "other-ns:key", or a path under the project
	value string // its new value as YAML/JSON text; "-" deletes the key
	also  map[string]string
	// want are what the output must say: the key path and the value, as printed.
	want    []string
	notWant []string
	code    int    // exit code; 0 means exitConfig
	secret  bool   // Parse only, with the key's top-level value stored as a secret
	file    string // a whole stack file instead of the dev stack with changes
	args    []string
}

// badInputs cover every key the program reads (TestBadInputsCoverEveryKey) and every class.
var badInputs = []badInput{
	// 1. Keys in another namespace, or misspelt.
	{class: 1, set: "mission_link:protectStatefulResources", value: "true", want: []string{`mission_link:protectStatefulResources is in namespace "mission_link"`, "did you mean mission-link:protectStatefulResources?"}},
	{class: 1, set: "misison-link:tags", value: `{"Owner":"me"}`, want: []string{"misison-link:tags is in namespace", "did you mean mission-link:tags?"}},
	{class: 1, set: "aws:regoin", value: `"ap-northeast-2"`, want: []string{"aws:regoin is not used", "did you mean aws:region?"}},
	{class: 1, set: "mission-link:netwrok", value: `{}`, want: []string{"mission-link:netwrok is not a known key: did you mean mission-link:network?"}},
	{class: 1, set: "network.natGateway", value: `"perAz"`, want: []string{"network.natGateway is not a known key: did you mean network.natGateways?"}},
	{class: 1, set: "network.bastion.enable", value: `true`, want: []string{"network.bastion.enable is not a known key: did you mean network.bastion.enabled?"}},
	{class: 1, file: "config:\n  aws:region: ap-northeast-2\nmission-link:cluster:\n  publicAccessCidrs: [198.51.100.0/24]\n",
		want: []string{`mission-link:cluster not a stack file key`, "belong indented under `config:`"}},

	// 2. An explicit zero or empty value is validated as written, never replaced by the default.
	{class: 2, set: "network.flowLogs.retentionInDays", value: "0", want: []string{"network.flowLogs.retentionInDays (0) would keep the logs forever"}},
	{class: 2, set: "cluster.logRetentionInDays", value: "0", want: []string{"cluster.logRetentionInDays (0)"}},
	{class: 2, set: "network.availabilityZoneCount", value: "0", want: []string{"network.availabilityZoneCount (0) must be at least 2"}},
	{class: 2, set: "network.cidrBlock", value: `""`, want: []string{`network.cidrBlock ("")`}},
	{class: 2, set: "network.natGateways", value: `""`, want: []string{`network.natGateways ("") must be one of`}},
	{class: 2, set: "network.publicSubnetPrefixLength", value: "0", want: []string{"network.publicSubnetPrefixLength (0) must be from 17 to 28"}},
	{class: 2, set: "network.privateSubnetPrefixLength", value: "0", want: []string{"network.privateSubnetPrefixLength (0) must be from 17 to 28"}},
	{class: 2, set: "network.bastion.instanceType", value: `""`, want: []string{`network.bastion.instanceType ("")`}},
	{class: 2, set: "cluster.name", value: `""`, want: []string{`cluster.name ("")`}},
	{class: 2, set: "cluster.version", value: `""`, want: []string{`cluster.version ("")`}},
	{class: 2, set: "cluster.publicAccessCidrs", value: `[]`, want: []string{"cluster.publicAccessCidrs is empty"}},
	{class: 2, set: "cluster.nodeGroup.instanceTypes", value: `[]`, want: []string{"cluster.nodeGroup.instanceTypes is empty"}},
	{class: 2, set: "cluster.nodeGroup.capacityType", value: `""`, want: []string{`cluster.nodeGroup.capacityType ("")`}},
	{class: 2, set: "cluster.nodeGroup.diskSizeGiB", value: "0", want: []string{"cluster.nodeGroup.diskSizeGiB (0) must be from 20"}},
	{class: 2, set: "cluster.vpcCni.warmPrefixTarget", value: "0", want: []string{"cluster.vpcCni.warmPrefixTarget (0) must be from 1 to 16"}},
	{class: 2, set: "registry.name", value: `""`, want: []string{`registry.name ("")`}},
	{class: 2, set: "registry.untaggedExpiryDays", value: "0", want: []string{"registry.untaggedExpiryDays (0)"}},
	{class: 2, set: "registry.keepTaggedImages", value: "0", want: []string{"registry.keepTaggedImages (0) must be from 1 to 10000"}},
	{class: 2, set: "ci.branch", value: `""`, want: []string{`ci.branch ("")`}},
	{class: 2, set: "messaging.eventSource", value: `""`, want: []string{`messaging.eventSource ("")`}},
	{class: 2, set: "messaging.maximumEventAgeInSeconds", value: "0", want: []string{"messaging.maximumEventAgeInSeconds (0)"}},
	{class: 2, set: "messaging.deadLetterRetentionInDays", value: "0", want: []string{"messaging.deadLetterRetentionInDays (0) must be from 1 to 14"}},
	{class: 2, set: "secrets.database.port", value: "0", want: []string{"secrets.database.port (0) must be from 1 to 65535"}},
	{class: 2, set: "secrets.database.username", value: `""`, want: []string{`secrets.database.username ("") must be 1 to 63 characters`}},
	{class: 2, set: "secrets.database.dbname", value: `""`, want: []string{`secrets.database.dbname ("") must be 1 to 63 characters`}},
	{class: 2, set: "app.namespace", value: `""`, want: []string{`app.namespace ("")`}},
	{class: 2, set: "app.serviceAccount", value: `""`, want: []string{`app.serviceAccount ("")`}},
	{class: 2, set: "gitops.path", value: `""`, want: []string{`gitops.path ("")`}},
	{class: 2, set: "gitops.targetRevision", value: `""`, want: []string{`gitops.targetRevision ("")`}},
	{class: 2, set: "aws:profile", value: `""`, want: []string{`aws:profile ("") must be the name of a profile`}},
	{class: 2, set: "network.flowLogs.retentionInDays", value: "null", want: []string{"network.flowLogs.retentionInDays is empty (null)"}},

	// 3. Values of the right shape that AWS or GitHub refuses, or that misbehave.
	{class: 3, set: "ci.githubRepository", value: `"mission-link/mission-link.git"`, want: []string{`ci.githubRepository ("mission-link/mission-link.git") must be <owner>/<repo>`}},
	{class: 3, set: "ci.infraRepository", value: `"mission-link/.."`, want: []string{`ci.infraRepository ("mission-link/..")`}},
	{class: 3, set: "tags", value: `{"Cost#Center":"x"}`, want: []string{`tags.Cost#Center: the key ("Cost#Center") may hold only letters`}},
	{class: 3, set: "tags", value: `{"Team":"a;b"}`, want: []string{`tags.Team ("a;b"): a tag value may hold only`}},
	{class: 3, set: "tags", value: manyTags(45), want: []string{"tags has 45 tags: at most 44"}},
	{class: 3, set: "tags", value: `{"aws:owner":"me"}`, want: []string{"tags.aws:owner: the aws: prefix is reserved"}},
	{class: 3, set: "aws:region", value: `"eu-wset-1"`, want: []string{`aws:region ("eu-wset-1") is not an AWS region the program knows (did you mean "eu-west-1"?)`}},
	{class: 3, set: "aws:region", value: `"eu-west-1"`, want: []string{`aws:region ("eu-west-1") is a region the offline plan has no data for`}},
	{class: 3, set: "aws:allowedAccountIds", value: `["12345"]`, want: []string{`aws:allowedAccountIds[0] ("12345") must be a 12-digit AWS account ID`}},
	{class: 3, set: "cluster.nodeGroup.instanceTypes", value: `["t3.medum"]`, want: []string{`cluster.nodeGroup.instanceTypes[0] ("t3.medum") is not an EC2 instance type the program has price and ENI data for (did you mean "t3.medium"?)`}},
	{class: 3, set: "network.bastion.instanceType", value: `"m7i.large"`, want: []string{`network.bastion.instanceType ("m7i.large") is not an EC2 instance type`}},
	{class: 3, set: "network.natInstance.instanceType", value: `"t3.micro"`, want: []string{`network.natInstance.instanceType ("t3.micro")`, "Graviton"}},
	{class: 2, set: "cluster.autoscaler.scaleDownUnneededMinutes", value: "0", want: []string{"cluster.autoscaler.scaleDownUnneededMinutes (0) must be from 1 to 1440"}},
	{class: 3, set: "cluster.autoscaler.scaleDownDelayAfterAddMinutes", value: "1441", want: []string{"cluster.autoscaler.scaleDownDelayAfterAddMinutes (1441) must be from 1 to 1440"}},
	{class: 5, set: "cluster.autoscaler.enabled", value: `"yes"`, want: []string{`cluster.autoscaler.enabled ("yes") must be true or false`}},
	{class: 3, set: "ci.githubSubjectPrefix", value: `"repo:mission-link/*"`, want: []string{`ci.githubSubjectPrefix ("repo:mission-link/*") must not contain wildcards`}},
	{class: 3, set: "ci.infraSubjectPrefix", value: `"repo:someone-else/mission-link-infra"`, want: []string{`ci.infraSubjectPrefix ("repo:someone-else/mission-link-infra") is not the OIDC subject prefix of ci.infraRepository`}},
	{class: 3, set: "network.cidrBlock", value: `"127.0.0.0/16"`, want: []string{`network.cidrBlock ("127.0.0.0/16") overlaps 127.0.0.0/8, loopback`}},
	{class: 3, set: "network.cidrBlock", value: `"169.254.0.0/16"`, want: []string{`network.cidrBlock ("169.254.0.0/16") overlaps 169.254.0.0/16, link-local`}},
	{class: 3, set: "network.cidrBlock", value: `"224.0.0.0/16"`, want: []string{`network.cidrBlock ("224.0.0.0/16") overlaps 224.0.0.0/4, multicast`}},
	{class: 3, set: "cluster.publicAccessCidrs", value: `["10.1.0.0/16"]`, want: []string{`cluster.publicAccessCidrs[0] ("10.1.0.0/16") is inside 10.0.0.0/8, private (RFC 1918)`}},
	{class: 3, set: "cluster.adminRoleArns", value: `["arn:aws-cn:iam::123456789012:role/admin"]`, want: []string{`cluster.adminRoleArns[0] ("arn:aws-cn:iam::123456789012:role/admin") is in partition "aws-cn", but aws:region "ap-northeast-2" is in "aws"`}},
	{class: 3, set: "ci.oidcProviderArn", value: `"arn:aws-us-gov:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"`, want: []string{`ci.oidcProviderArn ("arn:aws-us-gov:iam::123456789012:oidc-provider/token.actions.githubusercontent.com") is in partition "aws-us-gov"`}},
	{class: 3, set: "ci.secretsProviderKeyArn", value: `"arn:aws-cn:kms:cn-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"`, want: []string{`ci.secretsProviderKeyArn ("arn:aws-cn:kms:cn-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab") is in partition "aws-cn"`}},
	{class: 3, set: "gitops.path", value: `"deploy/overlays/staging"`, want: []string{`gitops.path ("deploy/overlays/staging") has no kustomization in this repository`}},
	{class: 3, set: "cluster.version", value: `"1.40"`, want: []string{`cluster.version ("1.40") is not in the EKS version calendar (2026-11-24): use one of 1.32, 1.33, 1.34, 1.35`}},
	{class: 3, set: "cluster.version", value: `"1.30"`, want: []string{`cluster.version ("1.30") is not in the EKS version calendar`}},
	{class: 3, set: "cluster.version", value: `"1.32"`, want: []string{`cluster.version ("1.32") has no known Cluster Autoscaler image`}},
	{class: 3, set: "network.bastion.amiId", value: `"ami-xyz"`, want: []string{`network.bastion.amiId ("ami-xyz") must look like ami-0123456789abcdef0`}},
	{class: 3, set: "network.bastion.sshCidrs", value: `["0.0.0.0/0"]`, want: []string{`network.bastion.sshCidrs[0] ("0.0.0.0/0") would open SSH to the whole internet`}},
	{class: 3, set: "cluster.nodeGroup.minSize", value: "3", want: []string{"cluster.nodeGroup.minSize (3) must be <= maxSize (2)"}},
	{class: 3, set: "cluster.nodeGroup.desiredSize", value: "5", want: []string{"cluster.nodeGroup.desiredSize (5) must be from minSize (1) to maxSize (2)"}},
	{class: 3, set: "cluster.nodeGroup.maxSize", value: "101", want: []string{"cluster.nodeGroup.maxSize (101) must be from 1 to 100"}},
	{class: 3, set: "ci.stateBucket", value: `"s3://state"`, want: []string{`ci.stateBucket ("s3://state") must be the bucket's name alone`}},
	{class: 3, set: "messaging.notificationEmails", value: `["ops@example.com","OPS@example.com"]`, want: []string{`messaging.notificationEmails[1] ("OPS@example.com") repeats messaging.notificationEmails[0]`}},
	{class: 3, set: "messaging.maximumRetryAttempts", value: "186", want: []string{"messaging.maximumRetryAttempts (186) must be from 0 to 185"}},
	{class: 3, set: "secrets.recoveryWindowInDays", value: "3", want: []string{"secrets.recoveryWindowInDays (3) must be 0 (delete at once) or from 7 to 30"}},
	{class: 3, set: "secrets.database.host", value: `"db host"`, want: []string{`secrets.database.host ("db host")`}},
	{class: 3, set: "gitops.repoURL", value: `"http://github.com/mission-link/mission-link-infra.git"`, want: []string{`gitops.repoURL ("http://github.com/mission-link/mission-link-infra.git") must be https://`}},
	{class: 3, set: "databasePassword", value: `"hunter2hunter2"`, want: []string{"configuration key 'databasePassword' must be encrypted as it's secret", "pulumi config set --secret databasePassword"}, notWant: []string{"hunter2"}},

	// 4. Checks that could be walked around: coverage, not spelling; addresses, not prefix counts.
	{class: 4, set: "network.bastion.sshCidrs", value: `["0.0.0.0/1","128.0.0.0/1"]`, want: []string{`network.bastion.sshCidrs (["0.0.0.0/1" "128.0.0.0/1"]) together cover every public IPv4 address`}},
	{class: 4, set: "cluster.publicAccessCidrs", value: `["0.0.0.0/1","128.0.0.0/1"]`, want: []string{`cluster.publicAccessCidrs (["0.0.0.0/1" "128.0.0.0/1"]) opens the Kubernetes API to the whole internet`}},
	{class: 4, set: "network.privateSubnetPrefixLength", value: "28", want: []string{"network.privateSubnetPrefixLength (28) leaves the pods 0 addresses", "Use 25 or less"}},
	// A /26 keeps two free /28 blocks per AZ, which the nodes' interfaces can take up: refused
	// too, with the prefix length that holds the pods.
	{class: 4, set: "network.privateSubnetPrefixLength", value: "26", want: []string{"network.privateSubnetPrefixLength (26) leaves the pods 0 addresses", "the 6 network interfaces of up to cluster.nodeGroup.maxSize (2) nodes of cluster.nodeGroup.instanceTypes (t3.medium, t3a.medium)", "ArgoCD with gitops.enabled", "Use 25 or less: /25 subnets hold 96"}},

	// 5. Messages that name the right key, the value as written, and the fix.
	{class: 5, set: "cluster.nodeGroup.maxSize", value: "2.5", also: map[string]string{"cluster.nodeGroup.minSize": "2"},
		want: []string{"cluster.nodeGroup.maxSize (2.5) must be a whole number", "1 problem:"}, notWant: []string{"maxSize (0)", "maxSize (2)"}},
	// The engine re-encodes the stack file's YAML as JSON, which rewrites a number this large
	// (100000000000000000000); the error quotes it as written.
	{class: 5, set: "cluster.nodeGroup.maxSize", value: "99999999999999999999",
		want: []string{"cluster.nodeGroup.maxSize (99999999999999999999) must be a whole number"}, notWant: []string{"100000000000000000000"}},
	{class: 5, set: "cluster.version", value: "1.30", want: []string{"cluster.version (1.30) is a number but must be a string: quote it in YAML"}},
	{class: 5, set: "tags", value: `{"CostCenter":42}`, want: []string{"tags.CostCenter (42) is a number but must be a string"}},
	{class: 5, set: "network.natGateways", value: `"pеrAz"`, want: []string{`network.natGateways ("p\u0435rAz") must be one of`}},
	{class: 5, set: "network.bastion.enabled", value: `"yes"`, want: []string{`network.bastion.enabled ("yes") must be true or false`}},
	{class: 5, set: "network.flowLogs.enabled", value: `"true"`, want: []string{`network.flowLogs.enabled ("true") is a string but must be true or false: write it without quotes`}},
	{class: 5, set: "cluster.allowPublicAccessFromAnywhere", value: `1`, want: []string{`cluster.allowPublicAccessFromAnywhere (1, a number) must be true or false`}},
	{class: 5, set: "registry.forceDelete", value: `"no"`, want: []string{`registry.forceDelete ("no") must be true or false`}},
	{class: 5, set: "gitops.enabled", value: `"on"`, want: []string{`gitops.enabled ("on") must be true or false`}},
	{class: 5, set: "protectStatefulResources", value: `maybe`, want: []string{`protectStatefulResources ("maybe") must be true or false`}},
	{class: 5, set: "network.availabilityZoneCount", value: "5", also: map[string]string{"network.cidrBlock": `"10.0.0.0/8"`, "registry.keepTaggedImages": "0"},
		want: []string{"invalid stack config, 3 problems:", "network.availabilityZoneCount (5) must be at most 4", `network.cidrBlock ("10.0.0.0/8")`, "registry.keepTaggedImages (0)"}, notWant: []string{"error occurred"}},

	// 6. No message prints a secret (every case above is also run with its key stored as a secret).
	{class: 6, secret: true, set: "gitops.repoURL", value: `"https://github.com/mission-link/mission-link-infra.git?token=ghp_0123456789abcdef"`,
		want: []string{"gitops.repoURL ([secret]) must not carry a query"}, notWant: []string{"ghp_", "token"}},
	{class: 6, secret: true, set: "secrets.database.host", value: `"db host.internal"`, want: []string{"secrets.database.host ([secret])"}, notWant: []string{"db host"}},

	// 7. The command line.
	{class: 7, args: []string{"prod"}, code: exitUsage, want: []string{`unexpected argument "prod"`}},
	{class: 7, args: []string{"--app-max-pods", "-3"}, code: exitUsage, want: []string{"--app-max-pods (-3) must be from 1 to"}},
	// The config check weighs the app at the dev overlay's HPA maximum; more app pods than the
	// node group holds are the plan's finding, with the size that holds them.
	{class: 7, args: []string{"--app-max-pods", "250"}, code: exitFinding, want: []string{"ML-EKS-005", "the stack runs 268 pods but 2 x t3.medium", "set cluster.nodeGroup.maxSize to 3 or more"}},
	{class: 7, args: []string{"--stack", "nosuch"}, want: []string{"Pulumi.nosuch.yaml does not exist"}},
}

func manyTags(n int) string {
	tags := map[string]string{}
	for i := range n {
		tags[fmt.Sprintf("Tag%02d", i)] = "x"
	}
	b, err := json.Marshal(tags)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestBadInputs(t *testing.T) {
	base, err := harness.LoadStack("../..", "dev")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range badInputs {
		name := fmt.Sprintf("class %d %s=%s%s", tc.class, tc.set, tc.value, strings.Join(tc.args, " "))
		t.Run(name, func(t *testing.T) {
			if tc.secret {
				checkParse(t, tc, base)
				return
			}
			args := []string{"--dir", "../..", "--as-of", "2026-11-24"}
			switch {
			case tc.args != nil:
				args = append(args, tc.args...)
			case tc.file != "":
				args = append(args, "--config-file", writeStackFile(t, tc.file))
			default:
				args = append(args, "--config-file", writeStackFile(t, stackFileText(t, changed(t, tc, base.Values))))
			}
			var stdout, stderr bytes.Buffer
			code := Main(args, &stdout, &stderr)
			want := tc.code
			if want == 0 {
				want = exitConfig
			}
			out := stdout.String() + stderr.String()
			if code != want {
				t.Errorf("exit %d, want %d:\n%s", code, want, stderr.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output does not say %q:\n%s", w, stderr.String())
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(out, w) {
					t.Errorf("output says %q:\n%s", w, stderr.String())
				}
			}
			if tc.args == nil && tc.file == "" && tc.class != 4 {
				checkParse(t, tc, base) // the same file with its key stored as a secret
			}
		})
	}
}

// checkParse parses the changed config with the changed key's top-level value stored as a
// secret: the problem is still reported under its key path, and the value is never printed.
func checkParse(t *testing.T, tc badInput, base harness.StackConfig) {
	t.Helper()
	values := changed(t, tc, base.Values)
	top := topKey(tc.set)
	if top == "mission-link:databasePassword" {
		return // stored as a secret, the password is what it should be
	}
	_, err := stackconfig.Parse(base.Project, base.Stack, stackconfig.Input{Values: values, SecretKeys: []string{top}, ProjectDir: base.ProjectDir, Date: "2026-11-24"})
	if err == nil {
		if strings.HasPrefix(top, "aws:region") {
			return // the plan's region data, not the program's config, refuses this one
		}
		t.Fatal("accepted as a secret")
	}
	path, _, _ := strings.Cut(tc.want[0], " ")
	if !strings.Contains(err.Error(), strings.TrimSuffix(path, ":")) {
		t.Errorf("as a secret, the error no longer names %s:\n%v", path, err)
	}
	var secret string
	if json.Unmarshal([]byte(tc.value), &secret) != nil {
		secret = tc.value
	}
	for _, s := range append(slices.Clone(tc.notWant), secret) {
		if len([]rune(s)) >= 3 && strings.Contains(err.Error(), s) && s != "true" && !strings.Contains(tc.set, s) {
			t.Errorf("as a secret, the error prints %q:\n%v", s, err)
		}
	}
}

// TestBadInputsCoverEveryKey fails when a key the program reads has no bad-input case, or a
// class has none: a key added to an Args struct needs its case here.
func TestBadInputsCoverEveryKey(t *testing.T) {
	covered := map[string]bool{}
	classes := map[int]bool{}
	for _, tc := range badInputs {
		covered[tc.set] = true
		classes[tc.class] = true
	}
	for _, k := range stackconfig.Keys() {
		if !covered[k.Path] {
			t.Errorf("no bad-input case sets %s", k.Path)
		}
	}
	for class := 1; class <= 7; class++ {
		if !classes[class] {
			t.Errorf("no bad-input case of class %d", class)
		}
	}
}

// topKey is the stack file key a case changes: "mission-link:network" for "network.cidrBlock".
func topKey(set string) string {
	if strings.Contains(set, ":") {
		return set
	}
	top, _, _ := strings.Cut(set, ".")
	return "mission-link:" + top
}

// changed returns the config values with the case's keys set.
func changed(t *testing.T, tc badInput, base map[string]string) map[string]string {
	t.Helper()
	values := map[string]string{}
	for k, v := range base {
		values[k] = v
	}
	sets := map[string]string{tc.set: tc.value}
	for k, v := range tc.also {
		sets[k] = v
	}
	for set, value := range sets {
		top := topKey(set)
		_, below, nested := strings.Cut(set, ".")
		if strings.Contains(set, ":") || !nested {
			if value == "-" {
				delete(values, top)
			} else if s := ""; json.Unmarshal([]byte(value), &s) == nil && isStringKey(top) {
				values[top] = s
			} else {
				values[top] = value
			}
			continue
		}
		var object map[string]any
		dec := json.NewDecoder(strings.NewReader(values[top]))
		dec.UseNumber()
		if err := dec.Decode(&object); err != nil {
			t.Fatalf("%s: %v", top, err)
		}
		setConfigPath(object, strings.Split(below, "."), json.RawMessage(value))
		b, err := json.Marshal(object)
		if err != nil {
			t.Fatalf("%s: %v", set, err)
		}
		values[top] = string(b)
	}
	return values
}

// isStringKey says whether the engine passes the key's value as plain text.
func isStringKey(key string) bool {
	return slices.Contains([]string{"aws:region", "aws:profile", "mission-link:databasePassword"}, key)
}

func setConfigPath(object map[string]any, path []string, value json.RawMessage) {
	for _, k := range path[:len(path)-1] {
		next, ok := object[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			object[k] = next
		}
		object = next
	}
	object[path[len(path)-1]] = value
}

// stackFileText writes config values as a stack file: JSON is valid YAML flow style, so each
// value is written as the text the engine would pass, and YAML reads it as a user's file would.
func stackFileText(t *testing.T, values map[string]string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("config:\n")
	for _, k := range slices.Sorted(mapsKeys(values)) {
		v := values[k]
		if isStringKey(k) {
			q, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			v = string(q)
		}
		fmt.Fprintf(&b, "  %s: %s\n", k, v)
	}
	return b.String()
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func writeStackFile(t *testing.T, text string) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "Pulumi.dev.yaml")
	if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}
