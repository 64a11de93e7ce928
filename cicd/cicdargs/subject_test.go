package cicdargs_test

import (
	"testing"

	"github.com/mission-link/infra/cicd/cicdargs"
	"github.com/mission-link/infra/internal/validationtest"
)

func TestValidateSubjectPrefixes(t *testing.T) {
	valid := func() cicdargs.GitHubArgs {
		return cicdargs.GitHubArgs{
			GitHubRepository: "mission-link/mission-link", GitHubSubjectPrefix: "repo:mission-link@123456/mission-link@456789",
			InfraRepository: "mission-link/mission-link-infra", InfraSubjectPrefix: "repo:mission-link@123456/mission-link-infra@987654",
		}.WithDefaults()
	}
	if err := valid().Validate(); err != nil {
		t.Fatal(err)
	}
	app := func(p string) func(*cicdargs.GitHubArgs) {
		return func(a *cicdargs.GitHubArgs) { a.GitHubSubjectPrefix = p }
	}
	infra := func(p string) func(*cicdargs.GitHubArgs) {
		return func(a *cicdargs.GitHubArgs) { a.InfraSubjectPrefix = p }
	}
	hint := "gh api repos/mission-link/mission-link/actions/oidc/customization/sub --jq .sub_claim_prefix"
	validationtest.Rejects(t, valid, cicdargs.GitHubArgs.Validate, []validationtest.Case[cicdargs.GitHubArgs]{
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
