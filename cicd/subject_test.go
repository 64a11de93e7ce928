package cicd_test

import (
	"slices"
	"testing"

	"github.com/mission-link/infra/cicd"
	"github.com/mission-link/infra/internal/validationtest"
)

const subKey = "token.actions.githubusercontent.com:sub"

// TestTrustSubjectForms: each role trusts exactly one subject, in the form its repository's
// tokens carry: the legacy name form by default, or the prefix GitHub reports for a repository
// with immutable subject claims, used verbatim (both spellings GitHub's sources give).
func TestTrustSubjectForms(t *testing.T) {
	cases := []struct {
		name                   string
		appPrefix, infraPrefix string
		push, preview, drift   string
	}{
		{name: "legacy name form (default)",
			push:    "repo:mission-link/mission-link:ref:refs/heads/main",
			preview: "repo:mission-link/mission-link-infra:pull_request",
			drift:   "repo:mission-link/mission-link-infra:ref:refs/heads/main"},
		{name: "legacy form stated explicitly", appPrefix: "repo:mission-link/mission-link", infraPrefix: "repo:mission-link/mission-link-infra",
			push:    "repo:mission-link/mission-link:ref:refs/heads/main",
			preview: "repo:mission-link/mission-link-infra:pull_request",
			drift:   "repo:mission-link/mission-link-infra:ref:refs/heads/main"},
		{name: "immutable form with @", appPrefix: "repo:mission-link@123456/mission-link@456789", infraPrefix: "repo:Mission-Link@123456/mission-link-infra@987654",
			push:    "repo:mission-link@123456/mission-link@456789:ref:refs/heads/main",
			preview: "repo:Mission-Link@123456/mission-link-infra@987654:pull_request",
			drift:   "repo:Mission-Link@123456/mission-link-infra@987654:ref:refs/heads/main"},
		{name: "immutable form with -", appPrefix: "repo:mission-link-123456/mission-link-456789", infraPrefix: "repo:mission-link-123456/mission-link-infra-987654",
			push:    "repo:mission-link-123456/mission-link-456789:ref:refs/heads/main",
			preview: "repo:mission-link-123456/mission-link-infra-987654:pull_request",
			drift:   "repo:mission-link-123456/mission-link-infra-987654:ref:refs/heads/main"},
		{name: "immutable app, legacy infra", appPrefix: "repo:mission-link@123456/mission-link@456789",
			push:    "repo:mission-link@123456/mission-link@456789:ref:refs/heads/main",
			preview: "repo:mission-link/mission-link-infra:pull_request",
			drift:   "repo:mission-link/mission-link-infra:ref:refs/heads/main"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, cicd.GitHubArgs{GitHubRepository: "mission-link/mission-link", GitHubSubjectPrefix: tc.appPrefix, InfraSubjectPrefix: tc.infraPrefix})
			for roleName, want := range map[string]string{"ci-push": tc.push, "ci-preview": tc.preview, "ci-drift": tc.drift} {
				_, trust, _ := role(t, r, roleName)
				if len(trust.Statement) != 1 {
					t.Fatalf("%s trust has %d statements", roleName, len(trust.Statement))
				}
				s := trust.Statement[0]
				if len(s.Condition) != 1 || len(s.Condition["StringEquals"]) != 2 {
					t.Errorf("%s trust conditions %v, want exactly StringEquals on aud and sub", roleName, s.Condition)
				}
				if got := s.Condition["StringEquals"][subKey]; !slices.Equal(got, []string{want}) {
					t.Errorf("%s trusts sub %v, want exactly [%s]", roleName, got, want)
				}
			}
		})
	}
}

func TestValidateSubjectPrefixes(t *testing.T) {
	valid := func() cicd.GitHubArgs {
		return cicd.GitHubArgs{
			GitHubRepository: "mission-link/mission-link", GitHubSubjectPrefix: "repo:mission-link@123456/mission-link@456789",
			InfraRepository: "mission-link/mission-link-infra", InfraSubjectPrefix: "repo:mission-link@123456/mission-link-infra@987654",
		}.WithDefaults()
	}
	if err := valid().Validate(); err != nil {
		t.Fatal(err)
	}
	app := func(p string) func(*cicd.GitHubArgs) { return func(a *cicd.GitHubArgs) { a.GitHubSubjectPrefix = p } }
	infra := func(p string) func(*cicd.GitHubArgs) { return func(a *cicd.GitHubArgs) { a.InfraSubjectPrefix = p } }
	hint := "gh api repos/mission-link/mission-link/actions/oidc/customization/sub --jq .sub_claim_prefix"
	validationtest.Rejects(t, valid, cicd.GitHubArgs.Validate, []validationtest.Case[cicd.GitHubArgs]{
		validationtest.Reject("wildcard", app("repo:mission-link@*/mission-link@*"), `ci.githubSubjectPrefix ("repo:mission-link@*/mission-link@*")`, "wildcards", hint),
		validationtest.Reject("wildcard context", app("repo:mission-link/mission-link:*"), "ci.githubSubjectPrefix", "wildcards"),
		validationtest.Reject("whole subject instead of the prefix", app("repo:mission-link@123456/mission-link@456789:ref:refs/heads/main"),
			`ci.githubSubjectPrefix ("repo:mission-link@123456/mission-link@456789:ref:refs/heads/main")`, "without the context"),
		validationtest.Reject("another repository's prefix", app("repo:mission-link@123456/other-app@456789"),
			`ci.githubSubjectPrefix ("repo:mission-link@123456/other-app@456789")`, `ci.githubRepository ("mission-link/mission-link")`, hint),
		validationtest.Reject("another owner", app("repo:someone@123456/mission-link@456789"), "ci.githubSubjectPrefix"),
		validationtest.Reject("owner ID missing", app("repo:mission-link/mission-link@456789"), "ci.githubSubjectPrefix"),
		validationtest.Reject("repository ID missing", app("repo:mission-link@123456/mission-link"), "ci.githubSubjectPrefix"),
		validationtest.Reject("IDs that are not numbers", app("repo:mission-link@owner/mission-link@repo"), "ci.githubSubjectPrefix"),
		validationtest.Reject("leading zero", app("repo:mission-link@0123456/mission-link@456789"), "ci.githubSubjectPrefix"),
		validationtest.Reject("mixed delimiters", app("repo:mission-link@123456/mission-link-456789"), "ci.githubSubjectPrefix"),
		validationtest.Reject("another delimiter", app("repo:mission-link#123456/mission-link#456789"), "ci.githubSubjectPrefix"),
		validationtest.Reject("without repo:", app("mission-link@123456/mission-link@456789"), "ci.githubSubjectPrefix"),
		validationtest.Reject("a URL", app("https://github.com/mission-link/mission-link"), "ci.githubSubjectPrefix"),
		validationtest.Reject("infra: the app's prefix", infra("repo:mission-link@123456/mission-link@456789"),
			`ci.infraSubjectPrefix ("repo:mission-link@123456/mission-link@456789")`, `ci.infraRepository ("mission-link/mission-link-infra")`),
		validationtest.Reject("infra: whole subject", infra("repo:mission-link@123456/mission-link-infra@987654:pull_request"), "ci.infraSubjectPrefix", "without the context"),
		validationtest.Reject("infra: wildcard", infra("repo:mission-link/*"), "ci.infraSubjectPrefix", "wildcards"),
	})
}
