package cicd

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ConfigKey is where GitHubArgs lives in Pulumi.<stack>.yaml.
const ConfigKey = "ci"

// DefaultBranch is the branch whose workflow runs may push images.
const DefaultBranch = "main"

// GitHubArgs configures the GitHub Actions OIDC trust and the roles CI assumes. Its JSON names
// are the keys of the stack's `ci:` config block.
type GitHubArgs struct {
	// GitHubRepository is "<owner>/<repo>", the app's repository whose workflows push images.
	// Required.
	GitHubRepository string `json:"githubRepository"`
	// Branch whose pushes may push images. Default "main".
	Branch string `json:"branch"`
	// OIDCProviderArn names the account's existing GitHub OIDC provider. An account has only one
	// provider per URL: empty (the default) creates it in this stack.
	OIDCProviderArn string `json:"oidcProviderArn"`

	// RepositoryARN is the ECR repository the push role may push to. Set by the program.
	RepositoryARN pulumi.StringInput `json:"-"`
}

var (
	githubRepoPattern  = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$`)
	branchPattern      = regexp.MustCompile(`^[A-Za-z0-9._/-]{1,255}$`)
	oidcProviderSuffix = ":oidc-provider/" + GitHubOIDCHost
	oidcProviderARN    = regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::[0-9]{12}:oidc-provider/`)
)

// WithDefaults returns a copy with every unset field filled with its default.
func (a GitHubArgs) WithDefaults() GitHubArgs {
	if a.Branch == "" {
		a.Branch = DefaultBranch
	}
	return a
}

// Validate reports every problem with defaulted args at once, each led by its key path.
func (a GitHubArgs) Validate() error {
	var errs []error
	switch {
	case a.GitHubRepository == "":
		errs = append(errs, fmt.Errorf("%s.githubRepository is not set: name the app's repository as <owner>/<repo>; its workflows assume the push role", ConfigKey))
	case !githubRepoPattern.MatchString(a.GitHubRepository):
		errs = append(errs, fmt.Errorf("%s.githubRepository (%q) must be <owner>/<repo>, without wildcards", ConfigKey, a.GitHubRepository))
	}
	if !branchPattern.MatchString(a.Branch) || strings.Contains(a.Branch, "..") || strings.HasPrefix(a.Branch, "refs/") {
		errs = append(errs, fmt.Errorf("%s.branch (%q) must be a branch name such as %q, without refs/heads/ and without wildcards", ConfigKey, a.Branch, DefaultBranch))
	}
	if a.OIDCProviderArn != "" && (!oidcProviderARN.MatchString(a.OIDCProviderArn) || !strings.HasSuffix(a.OIDCProviderArn, oidcProviderSuffix)) {
		errs = append(errs, fmt.Errorf("%s.oidcProviderArn (%q) must be the ARN of the account's GitHub OIDC provider, arn:aws:iam::<account>%s", ConfigKey, a.OIDCProviderArn, oidcProviderSuffix))
	}
	return errors.Join(errs...)
}
