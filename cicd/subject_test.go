package cicd_test

import (
	"slices"
	"testing"

	"github.com/mission-link/infra/cicd/cicdargs"
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
			r := run(t, cicdargs.GitHubArgs{GitHubRepository: "mission-link/mission-link", GitHubSubjectPrefix: tc.appPrefix, InfraSubjectPrefix: tc.infraPrefix})
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
