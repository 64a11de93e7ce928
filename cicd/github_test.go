package cicd_test

import (
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/cicd"
	"github.com/mission-link/infra/harness"
	"github.com/mission-link/infra/iampolicy"
	"github.com/mission-link/infra/internal/validationtest"
)

const repoARN = "arn:aws:ecr:ap-northeast-2:123456789012:repository/mission-link-dev"

func run(t *testing.T, args cicd.GitHubArgs) *harness.Record {
	t.Helper()
	r, err := harness.RunComponent(func(ctx *pulumi.Context) error {
		args.RepositoryARN = pulumi.String(repoARN)
		_, err := cicd.NewGitHubAccess(ctx, "ci", &args)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func role(t *testing.T, r *harness.Record, name string) (harness.Resource, iampolicy.Document, iampolicy.Document) {
	t.Helper()
	res, ok := r.Get("aws:iam/role:Role", name)
	if !ok {
		t.Fatalf("no role %s", name)
	}
	trust, err := res.Policy("assumeRolePolicy")
	if err != nil {
		t.Fatal(err)
	}
	var permissions iampolicy.Document
	for _, p := range r.ByType("aws:iam/rolePolicy:RolePolicy") {
		if src, err := r.InputSource(p, "role"); err == nil && src.URN == res.URN {
			if permissions, err = p.Policy("policy"); err != nil {
				t.Fatal(err)
			}
		}
	}
	return res, trust, permissions
}

func TestPushRole(t *testing.T) {
	r := run(t, cicd.GitHubArgs{GitHubRepository: "mission-link/mission-link"})
	providers := r.ByType("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
	if len(providers) != 1 || providers[0].String("url") != "https://token.actions.githubusercontent.com" ||
		!slices.Equal(providers[0].Strings("clientIdLists"), []string{"sts.amazonaws.com"}) {
		t.Fatalf("GitHub OIDC provider %v", providers)
	}
	push, trust, permissions := role(t, r, "ci-push")
	if len(trust.Statement) != 1 {
		t.Fatalf("trust has %d statements", len(trust.Statement))
	}
	s := trust.Statement[0]
	if !slices.Equal(s.Action, []string{"sts:AssumeRoleWithWebIdentity"}) || len(s.Principal.Federated) != 1 {
		t.Errorf("trust statement %+v", s)
	}
	if !slices.Contains(push.PropertyDependencies["assumeRolePolicy"], providers[0].URN) {
		t.Error("the push role does not trust the stack's GitHub provider")
	}
	want := map[string][]string{
		"token.actions.githubusercontent.com:aud": {"sts.amazonaws.com"},
		"token.actions.githubusercontent.com:sub": {"repo:mission-link/mission-link:ref:refs/heads/main"},
	}
	if len(s.Condition) != 1 || len(s.Condition["StringEquals"]) != 2 {
		t.Fatalf("trust conditions %v, want exactly StringEquals on aud and sub", s.Condition)
	}
	for k, v := range want {
		if !slices.Equal(s.Condition["StringEquals"][k], v) {
			t.Errorf("%s = %v, want %v", k, s.Condition["StringEquals"][k], v)
		}
	}
	if len(permissions.Statement) != 2 {
		t.Fatalf("push policy has %d statements", len(permissions.Statement))
	}
	pushStmt, ok := permissions.FindStatement("PushToAppRepository")
	if !ok || !slices.Equal(pushStmt.Action, cicd.PushActions) || !slices.Equal(pushStmt.Resource, []string{repoARN}) {
		t.Errorf("push statement %+v", pushStmt)
	}
	login, ok := permissions.FindStatement("LogInToRegistry")
	if !ok || !slices.Equal(login.Action, []string{"ecr:GetAuthorizationToken"}) || !slices.Equal(login.Resource, []string{"*"}) {
		t.Errorf("login statement %+v", login)
	}
}

func TestExistingProvider(t *testing.T) {
	existing := "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
	r := run(t, cicd.GitHubArgs{GitHubRepository: "mission-link/app", Branch: "release", OIDCProviderArn: existing})
	if n := len(r.ByType("aws:iam/openIdConnectProvider:OpenIdConnectProvider")); n != 0 {
		t.Errorf("%d providers created although one exists", n)
	}
	_, trust, _ := role(t, r, "ci-push")
	s := trust.Statement[0]
	if !slices.Equal(s.Principal.Federated, []string{existing}) ||
		!slices.Equal(s.Condition["StringEquals"]["token.actions.githubusercontent.com:sub"], []string{"repo:mission-link/app:ref:refs/heads/release"}) {
		t.Errorf("trust %+v", s)
	}
}

func TestValidate(t *testing.T) {
	valid := func() cicd.GitHubArgs {
		return cicd.GitHubArgs{GitHubRepository: "mission-link/mission-link"}.WithDefaults()
	}
	if err := valid().Validate(); err != nil {
		t.Fatal(err)
	}
	validationtest.Rejects(t, valid, cicd.GitHubArgs.Validate, []validationtest.Case[cicd.GitHubArgs]{
		validationtest.Reject("missing repository", func(a *cicd.GitHubArgs) { a.GitHubRepository = "" }, "ci.githubRepository is not set"),
		validationtest.Reject("wildcard repository", func(a *cicd.GitHubArgs) { a.GitHubRepository = "mission-link/*" }, `ci.githubRepository ("mission-link/*")`),
		validationtest.Reject("URL instead of name", func(a *cicd.GitHubArgs) { a.GitHubRepository = "https://github.com/mission-link/app" }, "ci.githubRepository"),
		validationtest.Reject("wildcard branch", func(a *cicd.GitHubArgs) { a.Branch = "feature/*" }, `ci.branch ("feature/*")`),
		validationtest.Reject("full ref", func(a *cicd.GitHubArgs) { a.Branch = "refs/heads/main" }, `ci.branch ("refs/heads/main")`),
		validationtest.Reject("another provider", func(a *cicd.GitHubArgs) {
			a.OIDCProviderArn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.ap-northeast-2.amazonaws.com/id/ABC"
		}, "ci.oidcProviderArn"),
	})
}
