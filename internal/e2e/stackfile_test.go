package e2e_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/mission-link/infra/internal/e2e"
	"github.com/mission-link/infra/internal/harness"
	"github.com/mission-link/infra/internal/stackconfig"
)

// configDate is the day the tests judge the EKS version on, as internal/stackconfig's tests do.
const configDate = "2026-11-24"

var sandbox = e2e.Sandbox{
	AccountID:       sandboxID,
	PublicCIDR:      netip.MustParsePrefix("52.79.10.7/32"),
	Email:           "platform-e2e@mission-link.io",
	OIDCProviderARN: "arn:aws:iam::" + sandboxID + ":oidc-provider/token.actions.githubusercontent.com",
}

func readDevFile(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../../Pulumi.dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// loadStack reads a stack file the way the Pulumi CLI hands it to the program, and parses it
// with the program's own config decoding and validation.
func loadStack(t *testing.T, name string, stackFile []byte) (harness.StackConfig, *stackconfig.Stack, error) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "Pulumi."+name+".yaml")
	if err := os.WriteFile(file, stackFile, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := harness.LoadStackFile("../../Pulumi.yaml", file, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := stackconfig.Parse(cfg.Project, name, stackconfig.Input{Values: cfg.Values, SecretKeys: cfg.SecretKeys, Date: configDate})
	return cfg, s, err
}

// TestSandboxStackFilePassesWhatUpChecks: the throwaway stack's file is valid config, and no
// deploy guard refuses it (the committed dev file, with its placeholders, is refused), so the
// run's `pulumi up` gets past the program's checks.
func TestSandboxStackFilePassesWhatUpChecks(t *testing.T) {
	dev := readDevFile(t)
	_, devStack, err := loadStack(t, "dev", dev)
	if err != nil {
		t.Fatal(err)
	}
	if refusals := devStack.DeployRefusals("mission-link"); len(refusals) < 2 {
		t.Fatalf("the committed dev file is refused for %v; this test relies on its placeholders being refused", refusals)
	}

	file, err := e2e.SandboxStackFile("mission-link", dev, sandbox)
	if err != nil {
		t.Fatal(err)
	}
	cfg, s, err := loadStack(t, stackName, file)
	if err != nil {
		t.Fatalf("the sandbox stack file does not pass the program's config checks: %v\n%s", err, file)
	}
	if refusals := s.DeployRefusals("mission-link"); len(refusals) > 0 {
		t.Errorf("`pulumi up` would refuse the sandbox stack: %v", refusals)
	}
	// The CLI refuses a stack without this key: Start sets it.
	if !slices.Equal(cfg.MissingKeys, []string{"mission-link:" + e2e.DatabasePasswordKey}) {
		t.Errorf("missing keys %v, want only the database password that Start sets", cfg.MissingKeys)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"aws:allowedAccountIds", s.AllowedAccountIDs, []string{sandboxID}},
		{"cluster.publicAccessCidrs", s.Cluster.PublicAccessCidrs, []string{"52.79.10.7/32"}},
		{"messaging.notificationEmails", s.Messaging.NotificationEmails, []string{sandbox.Email}},
		{"ci.oidcProviderArn", s.CI.OIDCProviderArn, sandbox.OIDCProviderARN},
		{"gitops.enabled", s.GitOps.Enabled, false},
		{"protectStatefulResources", s.ProtectStatefulResources, false},
		// What the dev stack sets is kept: the run proves the team's dev stack.
		{"aws:region", s.Region, devStack.Region},
		{"cluster.version", s.Cluster.Version, devStack.Cluster.Version},
		{"cluster.nodeGroup", s.Cluster.NodeGroup, devStack.Cluster.NodeGroup},
		{"network", s.Network, devStack.Network},
		{"secrets.recoveryWindowInDays", s.Secrets.RecoveryWindowInDays, devStack.Secrets.RecoveryWindowInDays},
		{"registry.forceDelete", s.Registry.ForceDelete, devStack.Registry.ForceDelete},
		{"messaging.eventSource", s.Messaging.EventSource, devStack.Messaging.EventSource},
		// Names derive from the stack's, so that they never meet the dev stack's.
		{"cluster.name", s.Cluster.Name, "mission-link-" + stackName},
	}
	for _, c := range checks {
		if !equalValues(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.what, c.got, c.want)
		}
	}
}

func equalValues(a, b any) bool {
	ya, errA := yaml.Marshal(a)
	yb, errB := yaml.Marshal(b)
	return errA == nil && errB == nil && string(ya) == string(yb)
}

// TestSandboxStackFileDropsWhatBelongsToTheDevAccount: the dev stack's secrets provider, profile
// and account-specific ARNs never reach the throwaway stack.
func TestSandboxStackFileDropsWhatBelongsToTheDevAccount(t *testing.T) {
	dev := `secretsprovider: awskms://alias/mission-link-pulumi?region=ap-northeast-2
encryptedkey: AQICAHh0ZXN0
config:
  aws:region: ap-northeast-2
  aws:profile: mission-link-dev
  mission-link:databasePassword:
    secure: AAABAHh0ZXN0
  mission-link:protectStatefulResources: true
  mission-link:cluster:
    publicAccessCidrs: [198.51.100.0/24]
    adminRoleArns: ["arn:aws:iam::444455556666:role/admin"]
    version: "1.35"
  mission-link:ci:
    githubRepository: mission-link/mission-link
    infraRepository: mission-link/mission-link-infra
    oidcProviderArn: arn:aws:iam::444455556666:oidc-provider/token.actions.githubusercontent.com
    stateBucket: mission-link-pulumi-state
    secretsProviderKeyArn: arn:aws:kms:ap-northeast-2:444455556666:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0
  mission-link:gitops:
    enabled: true
    repoURL: https://github.com/mission-link/mission-link-infra.git
`
	noProvider := sandbox
	noProvider.OIDCProviderARN = ""
	file, err := e2e.SandboxStackFile("mission-link", []byte(dev), noProvider)
	if err != nil {
		t.Fatal(err)
	}
	text := string(file)
	for _, gone := range []string{"secretsprovider", "encryptedkey", "aws:profile", "secure:", "444455556666", "stateBucket", "adminRoleArns", "198.51.100.0/24", "repoURL"} {
		if strings.Contains(text, gone) {
			t.Errorf("the sandbox stack file still holds %q:\n%s", gone, text)
		}
	}
	var got struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(file, &got); err != nil {
		t.Fatal(err)
	}
	if got.Config["mission-link:protectStatefulResources"] != false {
		t.Errorf("protectStatefulResources = %v, want false: the cleanup must be able to destroy everything", got.Config["mission-link:protectStatefulResources"])
	}
	if ci, _ := got.Config["mission-link:ci"].(map[string]any); ci["githubRepository"] != "mission-link/mission-link" || ci["oidcProviderArn"] != nil {
		t.Errorf("ci = %v, want the repositories kept and no OIDC provider (the stack creates one)", ci)
	}
}

func TestSandboxStackFileRefusesSecretsItCannotRead(t *testing.T) {
	dev := "config:\n  aws:region: ap-northeast-2\n  mission-link:secrets:\n    database:\n      host:\n        secure: AAABAHh0ZXN0\n"
	_, err := e2e.SandboxStackFile("mission-link", []byte(dev), sandbox)
	if err == nil || !strings.Contains(err.Error(), "mission-link:secrets.database.host") {
		t.Errorf("SandboxStackFile returned %v, want a refusal naming mission-link:secrets.database.host", err)
	}
}

func TestSandboxStackFileRefusesWhatItCannotEdit(t *testing.T) {
	for name, dev := range map[string]string{
		"no config":         "encryptionsalt: v1:abc\n",
		"cluster not a map": "config:\n  mission-link:cluster: [a]\n",
		"not YAML":          "config: [\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := e2e.SandboxStackFile("mission-link", []byte(dev), sandbox); err == nil {
				t.Error("SandboxStackFile accepted it")
			}
		})
	}
	if _, err := e2e.SandboxStackFile("mission-link", readDevFile(t), e2e.Sandbox{AccountID: sandboxID}); err == nil {
		t.Error("SandboxStackFile accepted a sandbox without an address and an email")
	}
}
