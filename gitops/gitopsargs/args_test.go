package gitopsargs_test

import (
	"strings"
	"testing"

	"github.com/mission-link/infra/gitops/gitopsargs"
	"github.com/mission-link/infra/internal/validationtest"
)

// repoURL is the dev stack's gitops.repoURL.
const repoURL = "https://github.com/mission-link/mission-link-infra.git"

func TestDefaults(t *testing.T) {
	a := gitopsargs.Args{}.WithDefaults()
	if a.Enabled || a.Path != "deploy/overlays/dev" || a.TargetRevision != "main" || a.RepoURL != "" {
		t.Errorf("defaults %+v", a)
	}
	if err := a.Validate(); err != nil {
		t.Errorf("disabled with defaults: %v", err)
	}
	set := gitopsargs.Args{Path: "apps/web", TargetRevision: "v1"}.WithDefaults()
	if set.Path != "apps/web" || set.TargetRevision != "v1" {
		t.Errorf("defaults overwrote set values: %+v", set)
	}
}

func TestValidateAccepts(t *testing.T) {
	for _, repo := range []string{
		"https://github.com/mission-link/mission-link-infra.git",
		"https://github.com/mission-link/mission-link-infra",
		"https://gitlab.example.com:8443/group/sub/repo.git",
		"git@github.com:mission-link/mission-link-infra.git",
		"ssh://git@github.com/mission-link/mission-link-infra.git",
		"ssh://git@git.example.com:2222/mission-link/infra.git",
	} {
		a := gitopsargs.Args{Enabled: true, RepoURL: repo}.WithDefaults()
		if err := a.Validate(); err != nil {
			t.Errorf("%s: %v", repo, err)
		}
	}
	for _, path := range []string{"deploy/overlays/dev", ".", "apps/web-v2", "k8s"} {
		a := gitopsargs.Args{Enabled: true, RepoURL: repoURL, Path: path}.WithDefaults()
		if err := a.Validate(); err != nil {
			t.Errorf("path %s: %v", path, err)
		}
	}
	for _, rev := range []string{"main", "HEAD", "release/2026.09", "v1.2.3", "5c1e9a47d2b8f36e0a4c7d19b2e85f60c3a7d4e1"} {
		a := gitopsargs.Args{Enabled: true, RepoURL: repoURL, TargetRevision: rev}.WithDefaults()
		if err := a.Validate(); err != nil {
			t.Errorf("revision %s: %v", rev, err)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	valid := func() gitopsargs.Args { return gitopsargs.Args{Enabled: true, RepoURL: repoURL}.WithDefaults() }
	if err := valid().Validate(); err != nil {
		t.Fatal(err)
	}
	type A = gitopsargs.Args
	reject := validationtest.Reject[A]
	validationtest.Rejects(t, valid, A.Validate, []validationtest.Case[A]{
		reject("no repository", func(a *A) { a.RepoURL = "" }, "gitops.repoURL is not set", "gitops.enabled is true"),
		reject("http", func(a *A) { a.RepoURL = "http://github.com/mission-link/mission-link-infra.git" },
			`gitops.repoURL ("http://github.com/mission-link/mission-link-infra.git") must be https://`, "git@host:owner/repo.git"),
		reject("git protocol", func(a *A) { a.RepoURL = "git://github.com/mission-link/infra.git" }, `gitops.repoURL ("git://github.com/mission-link/infra.git")`),
		reject("no scheme", func(a *A) { a.RepoURL = "github.com/mission-link/infra" }, `gitops.repoURL ("github.com/mission-link/infra")`),
		reject("no repository path", func(a *A) { a.RepoURL = "https://github.com/" }, `gitops.repoURL ("https://github.com/") names no repository`),
		reject("no host", func(a *A) { a.RepoURL = "https:///mission-link/infra.git" }, `gitops.repoURL ("https:///mission-link/infra.git") has no valid host`),
		reject("token in URL", func(a *A) { a.RepoURL = "https://x-access-token:ghp_secret@github.com/mission-link/infra.git" },
			"gitops.repoURL", "carries credentials"),
		reject("scp without path", func(a *A) { a.RepoURL = "git@github.com:" }, `gitops.repoURL ("git@github.com:")`),
		reject("query", func(a *A) { a.RepoURL = repoURL + "?ref=dev" }, "must not carry a query", "gitops.targetRevision"),
		reject("set but disabled", func(a *A) { a.Enabled = false; a.RepoURL = "http://example.com/x.git" }, `gitops.repoURL ("http://example.com/x.git")`),
		reject("absolute path", func(a *A) { a.Path = "/deploy/overlays/dev" }, `gitops.path ("/deploy/overlays/dev") must be relative`),
		reject("parent path", func(a *A) { a.Path = "../infra/deploy" }, `gitops.path ("../infra/deploy") must stay inside the repository`),
		reject("inner parent", func(a *A) { a.Path = "deploy/../../etc" }, `gitops.path ("deploy/../../etc")`, `no ".."`),
		reject("trailing slash", func(a *A) { a.Path = "deploy/overlays/dev/" }, `gitops.path ("deploy/overlays/dev/") must be a clean relative path`),
		reject("dot slash", func(a *A) { a.Path = "./deploy" }, `gitops.path ("./deploy")`),
		reject("revision with space", func(a *A) { a.TargetRevision = "my branch" }, `gitops.targetRevision ("my branch") must be a Git branch, tag or commit`),
		reject("revision range", func(a *A) { a.TargetRevision = "main..dev" }, `gitops.targetRevision ("main..dev")`),
		reject("revision option", func(a *A) { a.TargetRevision = "-f" }, `gitops.targetRevision ("-f")`),
	})
}

// TestCredentialsAreNotQuoted: a URL with a token is refused without repeating the token.
func TestCredentialsAreNotQuoted(t *testing.T) {
	a := gitopsargs.Args{Enabled: true, RepoURL: "https://x-access-token:ghp_secret@github.com/mission-link/infra.git"}.WithDefaults()
	err := a.Validate()
	if err == nil || strings.Contains(err.Error(), "ghp_secret") || strings.Contains(err.Error(), "x-access-token") {
		t.Errorf("error %v", err)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	err := gitopsargs.Args{Enabled: true, RepoURL: "http://x/y", Path: "/abs", TargetRevision: "a b"}.WithDefaults().Validate()
	for _, key := range []string{"gitops.repoURL", "gitops.path", "gitops.targetRevision"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("error %v does not report %s", err, key)
		}
	}
}
