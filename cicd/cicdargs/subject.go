package cicdargs

import (
	"fmt"
	"strings"
)

// The subject (sub) of a GitHub Actions OIDC token is "<prefix>:<context>": the prefix names the
// repository, the context the event ("ref:refs/heads/main", "pull_request"). Repositories created,
// renamed or transferred after 2026-06-18, and any that opted in, carry the owner's and the
// repository's immutable numeric IDs in the prefix (GitHub changelog 2026-04-23, "Immutable subject
// claims for GitHub Actions OIDC tokens"); older ones keep the legacy name form
// "repo:<owner>/<repo>", which a new owner of a recycled name would also get.
//
// GitHub's sources spell the immutable form two ways (the changelog "repo:octocat-123456/my-repo-456789",
// the documentation change github/docs#45221 "repo:octocat@123456/my-repo@456789"), and its current
// OIDC reference does not settle it. So the program never builds the immutable form from IDs: the
// config carries the prefix exactly as GitHub reports it for the repository, the sub_claim_prefix of
//
//	gh api repos/<owner>/<repo>/actions/oidc/customization/sub --jq .sub_claim_prefix
//
// and validation only checks that it is one of the two spellings, for that repository.

// legacySubjectPrefix is the name-only prefix of repositories without immutable subject claims.
func legacySubjectPrefix(repository string) string { return "repo:" + repository }

// immutableDelimiters are the two spellings GitHub's sources give between a name and its ID.
var immutableDelimiters = []string{"@", "-"}

// subjectPrefix is the configured prefix, or the legacy name form when none is configured.
func subjectPrefix(repository, configured string) string {
	if configured == "" {
		return legacySubjectPrefix(repository)
	}
	return configured
}

// PushSubject is the only subject the push role trusts: pushes to the app repository's branch.
func (a GitHubArgs) PushSubject() string {
	return BranchSubject(subjectPrefix(a.GitHubRepository, a.GitHubSubjectPrefix), a.Branch)
}

// PreviewSubject is the only subject the preview role trusts: pull requests of the infrastructure
// repository. Pull requests from forks get no OIDC token for this repository's role: their
// workflows run without id-token permission, and the preview job does not run for them.
func (a GitHubArgs) PreviewSubject() string {
	return PullRequestSubject(subjectPrefix(a.InfraRepository, a.InfraSubjectPrefix))
}

// DriftSubject is the only subject the drift role trusts: runs on the infrastructure repository's
// default branch, where the scheduled drift check runs and nobody pushes unreviewed.
func (a GitHubArgs) DriftSubject() string {
	return BranchSubject(subjectPrefix(a.InfraRepository, a.InfraSubjectPrefix), DriftBranch)
}

// BranchSubject is the OIDC subject of a workflow run triggered on a branch, for a repository's
// subject prefix.
func BranchSubject(prefix, branch string) string {
	return fmt.Sprintf("%s:ref:refs/heads/%s", prefix, branch)
}

// PullRequestSubject is the OIDC subject of a workflow run triggered by a pull request (a job
// without an environment): the same for every pull request of the repository.
func PullRequestSubject(prefix string) string {
	return prefix + ":pull_request"
}

// checkSubjectPrefix reports a prefix that is not GitHub's default subject prefix of repository,
// in the legacy form or in one spelling of the immutable form. Empty is allowed: the legacy form.
// repository has been validated already; a mismatch in letter case is allowed, since GitHub
// spells the names as the repository has them and the prefix is used exactly as configured.
func checkSubjectPrefix(key, repositoryKey, repository, prefix string) error {
	if prefix == "" || !validRepository(repository) {
		return nil
	}
	fix := fmt.Sprintf("set it to the sub_claim_prefix GitHub reports, `gh api repos/%s/actions/oidc/customization/sub --jq .sub_claim_prefix`, or leave it unset for the legacy form %s", repository, legacySubjectPrefix(repository))
	switch {
	case strings.ContainsAny(prefix, "*?"):
		return fmt.Errorf("%s (%q) must not contain wildcards: the trust compares the subject exactly; %s", key, prefix, fix)
	case strings.Count(prefix, ":") != 1:
		return fmt.Errorf("%s (%q) must be the prefix alone, without the context (the program appends :ref:refs/heads/<branch> or :pull_request); %s", key, prefix, fix)
	case strings.EqualFold(prefix, legacySubjectPrefix(repository)):
		return nil
	case !isImmutablePrefix(prefix, repository):
		return fmt.Errorf("%s (%q) is not the OIDC subject prefix of %s (%q): it must be %s or that with the owner's and the repository's numeric IDs; %s",
			key, prefix, repositoryKey, repository, legacySubjectPrefix(repository), fix)
	}
	return nil
}

// isImmutablePrefix says whether prefix is "repo:<owner><d><owner ID>/<repo><d><repo ID>" for
// repository, with one of GitHub's two spellings of the delimiter d used for both.
func isImmutablePrefix(prefix, repository string) bool {
	owner, name, _ := strings.Cut(repository, "/")
	rest, ok := cutPrefixFold(prefix, "repo:"+owner)
	if !ok || rest == "" {
		return false
	}
	d := rest[:1]
	if !strings.Contains(strings.Join(immutableDelimiters, ""), d) {
		return false
	}
	ownerID, rest, ok := strings.Cut(rest[1:], "/")
	if !ok || !isNumericID(ownerID) {
		return false
	}
	repoPart, ok := cutPrefixFold(rest, name+d)
	return ok && isNumericID(repoPart)
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return "", false
	}
	return s[len(prefix):], true
}

// isNumericID says whether s is a GitHub account or repository ID: decimal digits, no leading zero.
func isNumericID(s string) bool {
	if s == "" || s[0] == '0' || len(s) > 20 {
		return false
	}
	return strings.Trim(s, "0123456789") == ""
}
