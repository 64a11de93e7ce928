package gitopsargs

import (
	"net/url"
	"strings"
)

// NamesRepository says whether repoURL is the GitHub repository "<owner>/<repo>", in any of the
// forms checkRepoURL accepts (https, ssh:// or git@github.com:owner/repo.git). GitHub compares
// owner and repository names without regard to case.
func NamesRepository(repoURL, ownerRepo string) bool {
	if ownerRepo == "" {
		return false
	}
	var host, repoPath string
	if scpLikeURL.MatchString(repoURL) {
		at, colon := strings.Index(repoURL, "@"), strings.Index(repoURL, ":")
		host, repoPath = repoURL[at+1:colon], repoURL[colon+1:]
	} else {
		u, err := url.Parse(repoURL)
		if err != nil {
			return false
		}
		host, repoPath = u.Hostname(), u.Path
	}
	repoPath = strings.TrimSuffix(strings.Trim(repoPath, "/"), ".git")
	return strings.EqualFold(host, "github.com") && strings.EqualFold(repoPath, ownerRepo)
}
