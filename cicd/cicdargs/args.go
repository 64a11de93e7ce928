// Package cicdargs is the configuration of the CI roles (`ci:`) and the OIDC subjects their trust
// policies name: its Args, their defaults and their validation, which stackconfig decodes the stack
// file into and cicd.NewGitHubAccess takes.
//
// It is a package apart from cicd, and imports neither the Pulumi SDK nor a provider SDK, so
// that what reads and checks config builds in seconds: stackconfig's tests, and its fuzz targets,
// whose coverage instrumentation recompiles everything they link. What the program wires in from
// the rest of the stack (outputs, providers) is in cicd's own Args, which embed these.
// (eksctl keeps its config types apart from its builders the same way:
// pkg/apis/eksctl.io/v1alpha5 beside pkg/cfn/builder.)
package cicdargs

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
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
	// GitHubSubjectPrefix is the subject prefix in the OIDC tokens of GitHubRepository, exactly as
	// GitHub reports it (the sub_claim_prefix of `gh api repos/<owner>/<repo>/actions/oidc/customization/sub`):
	// with immutable subject claims, the names with the owner's and the repository's numeric IDs.
	// Default: the legacy name form "repo:<githubRepository>".
	GitHubSubjectPrefix string `json:"githubSubjectPrefix"`
	// Branch whose pushes may push images. Default "main".
	Branch string `json:"branch"`
	// OIDCProviderArn names the account's existing GitHub OIDC provider. An account has only one
	// provider per URL: empty (the default) creates it in this stack.
	OIDCProviderArn string `json:"oidcProviderArn"`
	// InfraRepository is "<owner>/<repo>" of this infrastructure repository, whose pull requests
	// and scheduled drift check on main assume the preview role. Required.
	InfraRepository string `json:"infraRepository"`
	// InfraSubjectPrefix is the subject prefix in the OIDC tokens of InfraRepository, exactly as
	// GitHub reports it (see GitHubSubjectPrefix). Default: the legacy name form
	// "repo:<infraRepository>".
	InfraSubjectPrefix string `json:"infraSubjectPrefix"`
	// StateBucket is the S3 bucket of a DIY state backend (s3://<bucket>) that CI previews read.
	// Empty (the default) grants no bucket access: the backend is Pulumi Cloud or local files.
	StateBucket string `json:"stateBucket"`
	// SecretsProviderKeyArn is the KMS key of the stack's awskms secrets provider, which a
	// preview decrypts the stack's data key with. Empty (the default) grants no KMS access.
	SecretsProviderKeyArn string `json:"secretsProviderKeyArn"`
}

var (
	branchPattern      = regexp.MustCompile(`^[A-Za-z0-9._/-]{1,255}$`)
	oidcProviderSuffix = ":oidc-provider/" + GitHubOIDCHost
	oidcProviderARN    = regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::[0-9]{12}:oidc-provider/`)
	// S3 general purpose bucket names: 3-63 lowercase letters, digits, dots and hyphens, starting
	// and ending with a letter or digit.
	bucketNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	ipv4Like          = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$`)
	// A key ARN, not an alias ARN: IAM authorizes kms:Decrypt against the key's ARN, so a policy
	// naming the alias would never match.
	kmsKeyARN = regexp.MustCompile(`^arn:aws(-[a-z]+)*:kms:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:key/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)
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
	case !validRepository(a.GitHubRepository):
		errs = append(errs, fmt.Errorf("%s.githubRepository (%q) must be <owner>/<repo> as GitHub names it, without wildcards, \"..\" or a .git suffix", ConfigKey, a.GitHubRepository))
	}
	if !branchPattern.MatchString(a.Branch) || strings.Contains(a.Branch, "..") || strings.HasPrefix(a.Branch, "refs/") {
		errs = append(errs, fmt.Errorf("%s.branch (%q) must be a branch name such as %q, without refs/heads/ and without wildcards", ConfigKey, a.Branch, DefaultBranch))
	}
	if a.OIDCProviderArn != "" && (!oidcProviderARN.MatchString(a.OIDCProviderArn) || !strings.HasSuffix(a.OIDCProviderArn, oidcProviderSuffix)) {
		errs = append(errs, fmt.Errorf("%s.oidcProviderArn (%q) must be the ARN of the account's GitHub OIDC provider, arn:aws:iam::<account>%s", ConfigKey, a.OIDCProviderArn, oidcProviderSuffix))
	}
	switch {
	case a.InfraRepository == "":
		errs = append(errs, fmt.Errorf("%s.infraRepository is not set: name this infrastructure repository as <owner>/<repo>; its pull requests and drift check assume the preview role", ConfigKey))
	case !validRepository(a.InfraRepository):
		errs = append(errs, fmt.Errorf("%s.infraRepository (%q) must be <owner>/<repo> as GitHub names it, without wildcards, \"..\" or a .git suffix", ConfigKey, a.InfraRepository))
	}
	errs = append(errs,
		checkSubjectPrefix(ConfigKey+".githubSubjectPrefix", ConfigKey+".githubRepository", a.GitHubRepository, a.GitHubSubjectPrefix),
		checkSubjectPrefix(ConfigKey+".infraSubjectPrefix", ConfigKey+".infraRepository", a.InfraRepository, a.InfraSubjectPrefix))
	if err := checkBucketName(a.StateBucket); err != nil {
		errs = append(errs, err)
	}
	if a.SecretsProviderKeyArn != "" && !kmsKeyARN.MatchString(a.SecretsProviderKeyArn) {
		errs = append(errs, fmt.Errorf("%s.secretsProviderKeyArn (%q) must be a KMS key ARN, arn:aws:kms:<region>:<account>:key/<key id>; for an alias, take KeyMetadata.Arn from `aws kms describe-key --key-id alias/<name>`", ConfigKey, a.SecretsProviderKeyArn))
	}
	return errors.Join(errs...)
}

// checkBucketName reports a stateBucket that is not an S3 general purpose bucket name. Empty is
// allowed: no DIY backend on S3.
func checkBucketName(bucket string) error {
	key := ConfigKey + ".stateBucket"
	switch {
	case bucket == "":
		return nil
	case strings.Contains(bucket, "://") || strings.Contains(bucket, "/"):
		return fmt.Errorf("%s (%q) must be the bucket's name alone, without s3:// or a path (the preview role reads the whole bucket's .pulumi/ prefix)", key, bucket)
	case !bucketNamePattern.MatchString(bucket) || strings.Contains(bucket, "..") || ipv4Like.MatchString(bucket):
		return fmt.Errorf("%s (%q) must be an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, not an IP address", key, bucket)
	}
	return nil
}

// GitHubOIDCHost is GitHub's OIDC issuer.
const GitHubOIDCHost = "token.actions.githubusercontent.com"

// DriftBranch is the infrastructure repository's default branch: GitHub runs scheduled workflows,
// and so the drift check, only there.
const DriftBranch = "main"
