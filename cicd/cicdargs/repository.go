package cicdargs

import (
	"regexp"
	"strings"
)

var (
	// GitHub owner names: letters, digits and single hyphens, not at either end, at most 39.
	githubOwnerPattern = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$`)
	// GitHub repository names: letters, digits, '.', '_' and '-', at most 100.
	githubNamePattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
)

// validRepository says whether s is "<owner>/<repo>" as GitHub writes it in an OIDC token's
// sub claim and repository claim: no wildcards, no ".git" suffix (that is the clone URL's, not
// the repository's name), no "." or ".." names and no doubled hyphens in the owner. A subject
// built from anything else never matches a token, and the role could never be assumed.
func validRepository(s string) bool {
	owner, name, ok := strings.Cut(s, "/")
	return ok && githubOwnerPattern.MatchString(owner) && !strings.Contains(owner, "--") &&
		githubNamePattern.MatchString(name) && !strings.Contains(name, "..") && name != "." &&
		!strings.HasSuffix(strings.ToLower(name), ".git")
}
