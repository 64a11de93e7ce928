package program_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/internal/harness"
	"github.com/mission-link/infra/internal/program"
	"github.com/mission-link/infra/internal/stackconfig"
)

// devWithRealValues is the committed dev stack with its placeholders replaced by values a real
// deployment could use.
func devWithRealValues(t *testing.T) harness.StackConfig {
	t.Helper()
	cfg := loadStack(t, "dev")
	replace := func(key, old, new string) {
		if !strings.Contains(cfg.Values[key], old) {
			t.Fatalf("%s no longer holds %s: %s", key, old, cfg.Values[key])
		}
		cfg.Values[key] = strings.ReplaceAll(cfg.Values[key], old, new)
	}
	replace("mission-link:cluster", `"198.51.100.0/24"`, `"121.134.7.0/24"`)
	replace("mission-link:messaging", `"mission-link-dev@example.com"`, `"platform@mission-link.io"`)
	cfg.Values["aws:allowedAccountIds"] = `["210987654321"]`
	return cfg
}

// runMode runs the stack as a preview, or as the update of a real `pulumi up` from an environment
// where the AWS CLI finds a region (TestRealUpNeedsACLIRegion runs without).
func runMode(cfg harness.StackConfig, up bool) (*harness.Record, error) {
	return runIn(cfg, up, "ap-northeast-2")
}

func runIn(cfg harness.StackConfig, up bool, cliRegion string) (*harness.Record, error) {
	in := stackconfig.Input{Values: cfg.Values, SecretKeys: cfg.SecretKeys, Date: testDate, CLIRegion: cliRegion}
	body := func(ctx *pulumi.Context) error { return program.Run(ctx, in) }
	if up {
		return harness.RunUp(cfg, body)
	}
	return harness.Run(cfg, body)
}

// TestDeployGuardsByMode: for each check only a real `pulumi up` enforces, a preview (and so the
// offline plan) accepts the placeholder and builds the whole stack, while a real up refuses it
// before registering anything, naming the key, the value and what to do.
func TestDeployGuardsByMode(t *testing.T) {
	cases := []struct {
		rule, key, old, new string
		want                []string
	}{
		{rule: stackconfig.RuleDocumentationRange, key: "mission-link:cluster", old: `"121.134.7.0/24"`, new: `"198.51.100.0/24"`,
			want: []string{`cluster.publicAccessCidrs[0] ("198.51.100.0/24")`, "checkip.amazonaws.com", "pulumi config set --path 'mission-link:cluster.publicAccessCidrs[0]'"}},
		{rule: stackconfig.RuleExampleDomain, key: "mission-link:messaging", old: `"platform@mission-link.io"`, new: `"ops@example.org"`,
			want: []string{`messaging.notificationEmails[0] ("ops@example.org")`, "RFC 2606", "pulumi config set --path 'mission-link:messaging.notificationEmails[0]'"}},
		{rule: stackconfig.RuleExampleAccount, key: "aws:allowedAccountIds", old: `"210987654321"`, new: `"123456789012"`,
			want: []string{`aws:allowedAccountIds[0] ("123456789012")`, "aws sts get-caller-identity", "pulumi config set --path 'aws:allowedAccountIds[0]'"}},
	}
	if len(cases) != len(stackconfig.DeployGuards()) {
		t.Fatalf("%d guards, %d tested", len(stackconfig.DeployGuards()), len(cases))
	}
	t.Run("real values deploy", func(t *testing.T) {
		r, err := runMode(devWithRealValues(t), true)
		if err != nil || len(r.Resources) == 0 {
			t.Fatalf("a real up of real values: %v, %d resources", err, len(r.Resources))
		}
	})
	for _, tc := range cases {
		placeholder := func(t *testing.T) harness.StackConfig {
			cfg := devWithRealValues(t)
			cfg.Values[tc.key] = strings.ReplaceAll(cfg.Values[tc.key], tc.old, tc.new)
			return cfg
		}
		t.Run(tc.rule+"/preview", func(t *testing.T) {
			r, err := runMode(placeholder(t), false)
			if err != nil {
				t.Fatalf("a preview refused the placeholder: %v", err)
			}
			if len(r.ByType("aws:eks/cluster:Cluster")) != 1 || len(r.ByType("aws:sns/topicSubscription:TopicSubscription")) != 1 {
				t.Error("the preview did not build the whole stack")
			}
		})
		t.Run(tc.rule+"/up", func(t *testing.T) {
			r, err := runMode(placeholder(t), true)
			if err == nil {
				t.Fatal("a real up accepted the placeholder")
			}
			for _, want := range append([]string{"refusing to deploy"}, tc.want...) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			if len(r.Resources) != 0 {
				t.Errorf("%d resources registered before the refusal", len(r.Resources))
			}
		})
	}
}

// TestCommittedStacksAreRefusedByUp: the committed files' placeholders pass a preview (every
// other test runs them that way) but not a real up, which names each.
func TestCommittedStacksAreRefusedByUp(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		r, err := runMode(loadStack(t, stack), true)
		if err == nil || !strings.Contains(err.Error(), "cluster.publicAccessCidrs[0]") || !strings.Contains(err.Error(), "messaging.notificationEmails[0]") {
			t.Errorf("%s: a real up gave %v, want both placeholders refused", stack, err)
		}
		// prod pins its account (aws:allowedAccountIds) to a placeholder, dev pins none.
		if pinned := err != nil && strings.Contains(err.Error(), "aws:allowedAccountIds[0]"); pinned != (stack == "prod") {
			t.Errorf("%s: the account placeholder refused: %v, want %v", stack, pinned, stack == "prod")
		}
		if len(r.Resources) != 0 {
			t.Errorf("%s: %d resources registered before the refusal", stack, len(r.Resources))
		}
	}
}

// TestProfileReachesTheKubeconfig: with aws:profile in the stack file, the AWS provider and the
// Kubernetes provider's kubeconfig use the same profile.
func TestProfileReachesTheKubeconfig(t *testing.T) {
	for profile, want := range map[string]bool{"mission-link-dev": true, "": false} {
		cfg := loadStack(t, "dev")
		if profile != "" {
			cfg.Values["aws:profile"] = profile
		}
		r, err := runMode(cfg, false)
		if err != nil {
			t.Fatal(err)
		}
		aws, _ := r.Get("pulumi:providers:aws", "aws")
		k8s, _ := r.Get("pulumi:providers:kubernetes", "mission-link-dev")
		kubeconfig := k8s.Inputs["kubeconfig"]
		for kubeconfig.IsSecret() {
			kubeconfig = kubeconfig.SecretValue().Element
		}
		has := strings.Contains(kubeconfig.StringValue(), `{"name":"AWS_PROFILE","value":"mission-link-dev"}`)
		if has != want || aws.String("profile") != profile || strings.Contains(kubeconfig.StringValue(), "AWS_PROFILE") != want {
			t.Errorf("profile %q: AWS provider profile %q, kubeconfig carries AWS_PROFILE=%s: %v", profile, aws.String("profile"), profile, has)
		}
	}
}

// TestProvidersDoNotDependOnTheDeployersEnvironment: the same stack config gives byte-identical
// provider inputs on a laptop with AWS_PROFILE exported and on a runner without it. The harness
// models pulumi-eks 2.8.1, which reads AWS_PROFILE from its environment into its own Kubernetes
// providers' kubeconfig when the program sends no providerCredentialOpts; a difference here is a
// diff in every pull request's preview and a failed drift check.
func TestProvidersDoNotDependOnTheDeployersEnvironment(t *testing.T) {
	for _, profile := range []string{"", "mission-link-dev"} {
		inputs := map[string]string{}
		for _, exported := range []string{"", "someone-on-a-laptop"} {
			t.Setenv("AWS_PROFILE", exported)
			cfg := loadStack(t, "dev")
			if profile != "" {
				cfg.Values["aws:profile"] = profile
			}
			r, err := runMode(cfg, false)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, res := range r.Resources {
				if strings.HasPrefix(res.Type, "pulumi:providers:") || res.Type == "eks:index:Cluster" {
					got = append(got, fmt.Sprintf("%s %v", res.URN, res.Inputs))
				}
			}
			inputs[exported] = strings.Join(got, "\n")
			if strings.Contains(inputs[exported], "someone-on-a-laptop") {
				t.Errorf("aws:profile %q: the exported AWS_PROFILE reached the providers", profile)
			}
		}
		if inputs[""] != inputs["someone-on-a-laptop"] {
			t.Errorf("aws:profile %q: provider inputs differ with AWS_PROFILE exported", profile)
		}
	}
}

// TestRealUpNeedsACLIRegion: pulumi-eks's own Kubernetes providers run `aws eks get-token`
// without --region, so a real up from an environment where the AWS CLI finds no region stops
// before registering anything and says what to export; a preview warns and goes on.
func TestRealUpNeedsACLIRegion(t *testing.T) {
	r, err := runIn(devWithRealValues(t), true, "")
	if err == nil || !strings.Contains(err.Error(), "export AWS_REGION=ap-northeast-2") || !strings.Contains(err.Error(), "refusing to deploy") {
		t.Errorf("a real up without a CLI region: %v", err)
	}
	if len(r.Resources) != 0 {
		t.Errorf("%d resources registered before the refusal", len(r.Resources))
	}
	if r, err := runIn(devWithRealValues(t), false, ""); err != nil || len(r.ByType("aws:eks/cluster:Cluster")) != 1 {
		t.Errorf("a preview without a CLI region: %v", err)
	}
}

// TestCLIRegion: the region the AWS CLI would use, in its order: AWS_REGION, AWS_DEFAULT_REGION,
// then the region of aws:profile, else of AWS_PROFILE, else of the default profile, read from the
// shared config file with the AWS SDK's loader.
func TestCLIRegion(t *testing.T) {
	config := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(config, []byte("[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\n[default]\nregion = us-east-1\n\n[profile sso-dev]\nsso_session = corp\nregion = ap-northeast-2\n\n[profile no-region]\nsso_session = corp\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", config)
	cases := []struct {
		name, awsProfile, want string
		env                    map[string]string
	}{
		{"AWS_REGION first", "sso-dev", "eu-west-1", map[string]string{"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-west-2"}},
		{"AWS_DEFAULT_REGION", "sso-dev", "us-west-2", map[string]string{"AWS_DEFAULT_REGION": "us-west-2"}},
		{"aws:profile's region", "sso-dev", "ap-northeast-2", map[string]string{"AWS_PROFILE": "no-region"}},
		{"AWS_PROFILE's region", "", "ap-northeast-2", map[string]string{"AWS_PROFILE": "sso-dev"}},
		{"the default profile", "", "us-east-1", nil},
		{"a profile without a region", "no-region", "", nil},
		{"a profile the file lacks", "nowhere", "", nil},
	}
	for _, tc := range cases {
		lookup := func(name string) (string, bool) { v, ok := tc.env[name]; return v, ok }
		if got := program.CLIRegion(lookup, program.SharedConfigRegion, tc.awsProfile); got != tc.want {
			t.Errorf("%s: region %q, want %q", tc.name, got, tc.want)
		}
	}
}
