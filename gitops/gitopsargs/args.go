// Package gitopsargs is the configuration of ArgoCD and the app's Application (`gitops:`): its
// Args, their defaults and their validation, which stackconfig decodes the stack file into and
// gitops.NewArgoCD takes.
//
// It is a package apart from gitops, and imports neither the Pulumi SDK nor a provider SDK, so
// that what reads and checks config builds in seconds: stackconfig's tests, and its fuzz targets,
// whose coverage instrumentation recompiles everything they link. What the program wires in from
// the rest of the stack (outputs, providers) is in gitops's own Args, which embed these.
// (eksctl keeps its config types apart from its builders the same way:
// pkg/apis/eksctl.io/v1alpha5 beside pkg/cfn/builder.)
package gitopsargs

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
)

// ConfigKey is where Args lives in Pulumi.<stack>.yaml; validation messages lead with key paths
// below it.
const ConfigKey = "gitops"

// Defaults, named so that docs, config and code agree.
const (
	// DefaultPath is the overlay ArgoCD syncs, relative to the repository root.
	DefaultPath = "deploy/overlays/dev"
	// DefaultTargetRevision is the branch ArgoCD follows.
	DefaultTargetRevision = "main"
)

// Args configures ArgoCD and the app's Application. Its JSON names are the keys of the stack's
// `gitops:` config block.
type Args struct {
	// Enabled installs ArgoCD and the app's Application. Default false: nothing is created.
	Enabled bool `json:"enabled"`
	// RepoURL is the Git repository ArgoCD syncs: https://host/owner/repo(.git),
	// git@host:owner/repo.git or ssh://[user@]host[:port]/owner/repo(.git). Required when enabled.
	// Credentials never go here: a private repository needs an ArgoCD repository secret.
	RepoURL string `json:"repoURL"`
	// Path is the kustomize overlay inside the repository, relative to its root.
	// Default "deploy/overlays/dev".
	Path string `json:"path"`
	// TargetRevision is the branch, tag or commit ArgoCD syncs. Default "main".
	TargetRevision string `json:"targetRevision"`

	// AppNamespace is the namespace the app runs in (the `app.namespace` key). Set by the program.
	AppNamespace string `json:"-"`
	// AppServiceAccount is the app's ServiceAccount (the `app.serviceAccount` key), which the
	// Application annotates with AppRoleARN. Set by the program.
	AppServiceAccount string `json:"-"`
}

var (
	// scpLikeURL is Git's scp-like SSH syntax: user@host:path.
	scpLikeURL = regexp.MustCompile(`^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[A-Za-z0-9._~/-]+$`)
	// hostPattern is a DNS host name.
	hostPattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$`)
	// revisionPattern is a branch, tag or commit: Git ref characters, no spaces or ~^:?*[\.
	revisionPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]*$`)
)

// WithDefaults returns a copy with every unset field filled with its default.
func (a Args) WithDefaults() Args {
	if a.Path == "" {
		a.Path = DefaultPath
	}
	if a.TargetRevision == "" {
		a.TargetRevision = DefaultTargetRevision
	}
	return a
}

// Validate reports every problem with defaulted args at once, each led by its key path. Values
// that are set are checked also while gitops is disabled, so that turning it on finds no surprise.
func (a Args) Validate() error {
	var errs []error
	switch {
	case a.RepoURL == "" && a.Enabled:
		errs = append(errs, fmt.Errorf("%s.repoURL is not set: %s.enabled is true, so name the Git repository ArgoCD syncs, such as https://github.com/<owner>/<repo>.git", ConfigKey, ConfigKey))
	case a.RepoURL != "":
		errs = append(errs, checkRepoURL(a.RepoURL))
	}
	errs = append(errs, checkPath(a.Path), checkRevision(a.TargetRevision))
	return errors.Join(errs...)
}

// checkRepoURL accepts the URLs ArgoCD clones over an encrypted channel: https, ssh:// and Git's
// scp-like git@host:owner/repo.git. Plain http and git:// are refused, and so are credentials in
// the URL, which would land in the stack config and the Application in plain text.
func checkRepoURL(repo string) error {
	key := ConfigKey + ".repoURL"
	allowed := "https://host/owner/repo.git, git@host:owner/repo.git or ssh://git@host/owner/repo.git"
	if scpLikeURL.MatchString(repo) {
		host := repo[strings.Index(repo, "@")+1 : strings.Index(repo, ":")]
		if !hostPattern.MatchString(host) {
			return fmt.Errorf("%s (%q) has no valid host: want %s", key, repo, allowed)
		}
		return nil
	}
	u, err := url.Parse(repo)
	if err != nil || !slices.Contains([]string{"https", "ssh"}, u.Scheme) {
		return fmt.Errorf("%s (%q) must be %s: ArgoCD would fetch over an unencrypted or unknown channel", key, repo, allowed)
	}
	switch {
	case !hostPattern.MatchString(u.Hostname()):
		return fmt.Errorf("%s (%q) has no valid host: want %s", key, repo, allowed)
	case strings.Trim(u.Path, "/") == "":
		return fmt.Errorf("%s (%q) names no repository: want %s", key, repo, allowed)
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("%s (%q) must not carry a query or fragment: set the branch in %s.targetRevision", key, repo, ConfigKey)
	}
	if _, hasPassword := u.User.Password(); hasPassword || (u.Scheme == "https" && u.User != nil) {
		return fmt.Errorf("%s (%q) carries credentials: they would be stored in plain text; give ArgoCD a repository secret instead (see docs/gitops.md)", key, redact(u))
	}
	return nil
}

// redact hides the user part of a URL in an error message.
func redact(u *url.URL) string {
	c := *u
	c.User = url.User("REDACTED")
	return c.String()
}

// checkPath accepts a clean path inside the repository: not absolute, not leaving it with "..".
func checkPath(p string) error {
	key := ConfigKey + ".path"
	switch {
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("%s (%q) must be relative to the repository root, such as %q", key, p, DefaultPath)
	case slices.Contains(strings.Split(p, "/"), ".."):
		return fmt.Errorf("%s (%q) must stay inside the repository: no \"..\"", key, p)
	case strings.ContainsAny(p, "\\ \t\n") || path.Clean(p) != p:
		return fmt.Errorf("%s (%q) must be a clean relative path such as %q (no trailing or doubled '/', no './', no spaces)", key, p, DefaultPath)
	}
	return nil
}

// checkRevision accepts a branch, tag or commit SHA as Git names them.
func checkRevision(rev string) error {
	key := ConfigKey + ".targetRevision"
	if !revisionPattern.MatchString(rev) || strings.Contains(rev, "..") || strings.HasSuffix(rev, "/") ||
		strings.HasSuffix(rev, ".lock") || strings.Contains(rev, "//") || len(rev) > 255 {
		return fmt.Errorf("%s (%q) must be a Git branch, tag or commit such as %q", key, rev, DefaultTargetRevision)
	}
	return nil
}
