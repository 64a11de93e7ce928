package cicd_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/cicd"
	"github.com/mission-link/infra/cicd/cicdargs"
	"github.com/mission-link/infra/internal/harness"
	"github.com/mission-link/infra/internal/iampolicy"
	"github.com/mission-link/infra/internal/validationtest"
)

const (
	repoARN   = "arn:aws:ecr:ap-northeast-2:123456789012:repository/mission-link-dev"
	secretARN = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:mission-link/dev/database-AbCdEf"
	secretKey = "arn:aws:kms:ap-northeast-2:123456789012:key/5678"
	infraRepo = "mission-link/mission-link-infra"
)

func run(t *testing.T, args cicdargs.GitHubArgs) *harness.Record {
	t.Helper()
	if args.InfraRepository == "" {
		args.InfraRepository = infraRepo
	}
	r, err := harness.RunComponent(func(ctx *pulumi.Context) error {
		_, err := cicd.NewGitHubAccess(ctx, "ci", &cicd.GitHubArgs{
			GitHubArgs:           args,
			RepositoryARN:        pulumi.String(repoARN),
			DatabaseSecretARN:    pulumi.String(secretARN),
			DatabaseSecretKeyARN: pulumi.String(secretKey),
		})
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
	trust, err := iampolicy.Parse(res.String("assumeRolePolicy"))
	if err != nil {
		t.Fatal(err)
	}
	var permissions iampolicy.Document
	for _, p := range r.ByType("aws:iam/rolePolicy:RolePolicy") {
		if src, err := r.InputSource(p, "role"); err == nil && src.URN == res.URN {
			if permissions, err = iampolicy.Parse(p.String("policy")); err != nil {
				t.Fatal(err)
			}
		}
	}
	return res, trust, permissions
}

func TestPushRole(t *testing.T) {
	r := run(t, cicdargs.GitHubArgs{GitHubRepository: "mission-link/mission-link"})
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
	r := run(t, cicdargs.GitHubArgs{GitHubRepository: "mission-link/app", Branch: "release", OIDCProviderArn: existing})
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
	valid := func() cicdargs.GitHubArgs {
		return cicdargs.GitHubArgs{GitHubRepository: "mission-link/mission-link", InfraRepository: infraRepo}.WithDefaults()
	}
	if err := valid().Validate(); err != nil {
		t.Fatal(err)
	}
	validationtest.Rejects(t, valid, cicdargs.GitHubArgs.Validate, []validationtest.Case[cicdargs.GitHubArgs]{
		validationtest.Reject("missing repository", func(a *cicdargs.GitHubArgs) { a.GitHubRepository = "" }, "ci.githubRepository is not set"),
		validationtest.Reject("wildcard repository", func(a *cicdargs.GitHubArgs) { a.GitHubRepository = "mission-link/*" }, `ci.githubRepository ("mission-link/*")`),
		validationtest.Reject("URL instead of name", func(a *cicdargs.GitHubArgs) { a.GitHubRepository = "https://github.com/mission-link/app" }, "ci.githubRepository"),
		validationtest.Reject("wildcard branch", func(a *cicdargs.GitHubArgs) { a.Branch = "feature/*" }, `ci.branch ("feature/*")`),
		validationtest.Reject("full ref", func(a *cicdargs.GitHubArgs) { a.Branch = "refs/heads/main" }, `ci.branch ("refs/heads/main")`),
		validationtest.Reject("another provider", func(a *cicdargs.GitHubArgs) {
			a.OIDCProviderArn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.ap-northeast-2.amazonaws.com/id/ABC"
		}, "ci.oidcProviderArn"),
	})
}

// previewPolicies returns the managed policy ARNs attached to a role and its inline policies.
func previewPolicies(t *testing.T, r *harness.Record, role harness.Resource) (managed []string, inline []iampolicy.Document) {
	t.Helper()
	for _, a := range r.ByType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		if src, err := r.InputSource(a, "role"); err == nil && src.URN == role.URN {
			managed = append(managed, a.String("policyArn"))
		}
	}
	for _, p := range r.ByType("aws:iam/rolePolicy:RolePolicy") {
		if src, err := r.InputSource(p, "role"); err == nil && src.URN == role.URN {
			doc, err := iampolicy.Parse(p.String("policy"))
			if err != nil {
				t.Fatal(err)
			}
			inline = append(inline, doc)
		}
	}
	return managed, inline
}

func TestPreviewRoleTrust(t *testing.T) {
	r := run(t, cicdargs.GitHubArgs{GitHubRepository: "mission-link/mission-link"})
	preview, trust, _ := role(t, r, "ci-preview")
	if len(trust.Statement) != 1 {
		t.Fatalf("trust has %d statements", len(trust.Statement))
	}
	s := trust.Statement[0]
	if s.Effect != iampolicy.Allow || !slices.Equal(s.Action, []string{"sts:AssumeRoleWithWebIdentity"}) {
		t.Errorf("trust statement %+v", s)
	}
	providers := r.ByType("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
	if len(providers) != 1 || !slices.Contains(preview.PropertyDependencies["assumeRolePolicy"], providers[0].URN) ||
		!slices.Equal(s.Principal.Federated, []string{"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}) {
		t.Errorf("the preview role trusts %v, not the stack's GitHub provider", s.Principal.Federated)
	}
	// Exactly StringEquals on exactly aud and sub: no StringLike, no other key that could widen it.
	if len(s.Condition) != 1 || len(s.Condition["StringEquals"]) != 2 {
		t.Fatalf("trust conditions %v, want exactly StringEquals on aud and sub", s.Condition)
	}
	if got := s.Condition["StringEquals"]["token.actions.githubusercontent.com:aud"]; !slices.Equal(got, []string{"sts.amazonaws.com"}) {
		t.Errorf("aud %v", got)
	}
	wantSubjects := []string{"repo:mission-link/mission-link-infra:pull_request"}
	got := s.Condition["StringEquals"]["token.actions.githubusercontent.com:sub"]
	if !slices.Equal(got, wantSubjects) {
		t.Errorf("sub %v, want exactly %v", got, wantSubjects)
	}
	for _, values := range s.Condition["StringEquals"] {
		for _, v := range values {
			if strings.ContainsAny(v, "*?") {
				t.Errorf("trust value %q has a wildcard", v)
			}
		}
	}
	// The app repository's push role does not trust the infrastructure repository, and the other way round.
	_, pushTrust, _ := role(t, r, "ci-push")
	if slices.ContainsFunc(pushTrust.Statement[0].Condition["StringEquals"]["token.actions.githubusercontent.com:sub"], func(v string) bool {
		return strings.Contains(v, "mission-link-infra")
	}) {
		t.Error("the push role trusts the infrastructure repository")
	}
}

func TestPreviewRoleReadsTheAccount(t *testing.T) {
	r := run(t, cicdargs.GitHubArgs{GitHubRepository: "mission-link/mission-link"})
	preview, _ := r.Get("aws:iam/role:Role", "ci-preview")
	managed, inline := previewPolicies(t, r, preview)
	if !slices.Equal(managed, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}) {
		t.Errorf("preview role managed policies %v, want exactly ReadOnlyAccess", managed)
	}
	if len(inline) != 0 {
		t.Errorf("preview role has inline policies %v although no state bucket or key is configured", inline)
	}
	pushRole, _ := r.Get("aws:iam/role:Role", "ci-push")
	if pushManaged, _ := previewPolicies(t, r, pushRole); len(pushManaged) != 0 {
		t.Errorf("the push role got managed policies %v", pushManaged)
	}
}

func TestPreviewRoleIsPartitionAware(t *testing.T) {
	cfg := harness.StackConfig{Project: "mission-link", Stack: "test", Values: map[string]string{"aws:region": "cn-north-1"}}
	r, err := harness.Run(cfg, func(ctx *pulumi.Context) error {
		_, err := cicd.NewGitHubAccess(ctx, "ci", &cicd.GitHubArgs{
			GitHubArgs:    cicdargs.GitHubArgs{GitHubRepository: "mission-link/mission-link", InfraRepository: infraRepo, StateBucket: "mission-link-state"},
			RepositoryARN: pulumi.String("arn:aws-cn:ecr:cn-north-1:123456789012:repository/mission-link-dev"),
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	preview, _ := r.Get("aws:iam/role:Role", "ci-preview")
	managed, inline := previewPolicies(t, r, preview)
	if !slices.Equal(managed, []string{"arn:aws-cn:iam::aws:policy/ReadOnlyAccess"}) {
		t.Errorf("managed policies in aws-cn %v", managed)
	}
	if len(inline) != 1 {
		t.Fatalf("%d inline policies", len(inline))
	}
	if s, ok := inline[0].FindStatement("ReadState"); !ok || !slices.Equal(s.Resource, []string{"arn:aws-cn:s3:::mission-link-state/.pulumi/*"}) {
		t.Errorf("state statement in aws-cn %+v", s)
	}
}

func TestPreviewRoleBackendAccess(t *testing.T) {
	const key = "arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	cases := []struct {
		name        string
		bucket, key string
		want        map[string]iampolicy.Statement
	}{
		{name: "state bucket and key", bucket: "mission-link-state", key: key, want: map[string]iampolicy.Statement{
			"ListStateBucket":     {Action: []string{"s3:ListBucket"}, Resource: []string{"arn:aws:s3:::mission-link-state"}},
			"ReadState":           {Action: []string{"s3:GetObject"}, Resource: []string{"arn:aws:s3:::mission-link-state/.pulumi/*"}},
			"DecryptStackSecrets": {Action: []string{"kms:Decrypt"}, Resource: []string{key}},
		}},
		{name: "state bucket only", bucket: "mission-link-state", want: map[string]iampolicy.Statement{
			"ListStateBucket": {Action: []string{"s3:ListBucket"}, Resource: []string{"arn:aws:s3:::mission-link-state"}},
			"ReadState":       {Action: []string{"s3:GetObject"}, Resource: []string{"arn:aws:s3:::mission-link-state/.pulumi/*"}},
		}},
		{name: "key only", key: key, want: map[string]iampolicy.Statement{
			"DecryptStackSecrets": {Action: []string{"kms:Decrypt"}, Resource: []string{key}},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, cicdargs.GitHubArgs{GitHubRepository: "mission-link/mission-link", StateBucket: tc.bucket, SecretsProviderKeyArn: tc.key})
			preview, _ := r.Get("aws:iam/role:Role", "ci-preview")
			_, inline := previewPolicies(t, r, preview)
			if len(inline) != 1 {
				t.Fatalf("%d inline policies on the preview role, want 1", len(inline))
			}
			doc := inline[0]
			if len(doc.Statement) != len(tc.want) {
				t.Errorf("statements %+v, want %d", doc.Statement, len(tc.want))
			}
			for sid, want := range tc.want {
				got, ok := doc.FindStatement(sid)
				if !ok || got.Effect != iampolicy.Allow || !slices.Equal(got.Action, want.Action) || !slices.Equal(got.Resource, want.Resource) || got.Condition != nil {
					t.Errorf("%s = %+v, want %v on %v", sid, got, want.Action, want.Resource)
				}
			}
			// A preview neither locks nor writes state: a role that could write could also
			// rewrite the stack's state from a pull request.
			for _, s := range doc.Statement {
				for _, action := range s.Action {
					if (strings.HasPrefix(action, "s3:") && action != "s3:ListBucket" && action != "s3:GetObject") || action == "kms:Encrypt" {
						t.Errorf("statement %s grants %s", s.Sid, action)
					}
				}
			}
		})
	}
}

func TestValidateCIRepositoryAndBackend(t *testing.T) {
	valid := func() cicdargs.GitHubArgs {
		return cicdargs.GitHubArgs{
			GitHubRepository: "mission-link/mission-link", InfraRepository: infraRepo, StateBucket: "mission-link-state",
			SecretsProviderKeyArn: "arn:aws:kms:ap-northeast-2:123456789012:key/mrk-1234567890abcdef1234567890abcdef",
		}.WithDefaults()
	}
	if err := valid().Validate(); err != nil {
		t.Fatal(err)
	}
	validationtest.Rejects(t, valid, cicdargs.GitHubArgs.Validate, []validationtest.Case[cicdargs.GitHubArgs]{
		validationtest.Reject("missing infra repository", func(a *cicdargs.GitHubArgs) { a.InfraRepository = "" }, "ci.infraRepository is not set"),
		validationtest.Reject("wildcard infra repository", func(a *cicdargs.GitHubArgs) { a.InfraRepository = "mission-link/*" }, `ci.infraRepository ("mission-link/*")`),
		validationtest.Reject("infra repository URL", func(a *cicdargs.GitHubArgs) { a.InfraRepository = "https://github.com/mission-link/mission-link-infra" },
			"ci.infraRepository", "<owner>/<repo>"),
		validationtest.Reject("infra repository without owner", func(a *cicdargs.GitHubArgs) { a.InfraRepository = "mission-link-infra" }, `ci.infraRepository ("mission-link-infra")`),
		validationtest.Reject("bucket URL", func(a *cicdargs.GitHubArgs) { a.StateBucket = "s3://mission-link-state" }, `ci.stateBucket ("s3://mission-link-state")`, "without s3://"),
		validationtest.Reject("bucket with a path", func(a *cicdargs.GitHubArgs) { a.StateBucket = "mission-link-state/dev" }, `ci.stateBucket ("mission-link-state/dev")`),
		validationtest.Reject("uppercase bucket", func(a *cicdargs.GitHubArgs) { a.StateBucket = "Mission-Link-State" }, `ci.stateBucket ("Mission-Link-State")`, "S3 bucket name"),
		validationtest.Reject("short bucket", func(a *cicdargs.GitHubArgs) { a.StateBucket = "ab" }, `ci.stateBucket ("ab")`),
		validationtest.Reject("wildcard bucket", func(a *cicdargs.GitHubArgs) { a.StateBucket = "mission-link-*" }, `ci.stateBucket ("mission-link-*")`),
		validationtest.Reject("IP address bucket", func(a *cicdargs.GitHubArgs) { a.StateBucket = "192.168.5.4" }, `ci.stateBucket ("192.168.5.4")`),
		validationtest.Reject("key alias", func(a *cicdargs.GitHubArgs) {
			a.SecretsProviderKeyArn = "arn:aws:kms:ap-northeast-2:123456789012:alias/pulumi"
		}, "ci.secretsProviderKeyArn", "alias/pulumi", "describe-key"),
		validationtest.Reject("bare key id", func(a *cicdargs.GitHubArgs) { a.SecretsProviderKeyArn = "1234abcd-12ab-34cd-56ef-1234567890ab" }, "ci.secretsProviderKeyArn"),
		validationtest.Reject("wildcard key", func(a *cicdargs.GitHubArgs) {
			a.SecretsProviderKeyArn = "arn:aws:kms:ap-northeast-2:123456789012:key/*"
		}, `ci.secretsProviderKeyArn ("arn:aws:kms:ap-northeast-2:123456789012:key/*")`),
	})
	optional := valid()
	optional.StateBucket, optional.SecretsProviderKeyArn = "", ""
	if err := optional.Validate(); err != nil {
		t.Errorf("stateBucket and secretsProviderKeyArn are optional: %v", err)
	}
}

// TestDriftRole: only runs on the infrastructure repository's main branch may assume the drift
// role, which reads what the preview role reads plus the database secret its refresh needs.
func TestDriftRole(t *testing.T) {
	r := run(t, cicdargs.GitHubArgs{GitHubRepository: "mission-link/mission-link"})
	drift, trust, _ := role(t, r, "ci-drift")
	s := trust.Statement[0]
	if len(trust.Statement) != 1 || len(s.Condition) != 1 || len(s.Condition["StringEquals"]) != 2 ||
		!slices.Equal(s.Condition["StringEquals"]["token.actions.githubusercontent.com:sub"], []string{"repo:mission-link/mission-link-infra:ref:refs/heads/main"}) ||
		!slices.Equal(s.Condition["StringEquals"]["token.actions.githubusercontent.com:aud"], []string{"sts.amazonaws.com"}) {
		t.Errorf("drift trust %+v, want exactly the main branch of the infrastructure repository", s)
	}
	var secretPolicy iampolicy.Document
	for _, p := range r.ByType("aws:iam/rolePolicy:RolePolicy") {
		if src, err := r.InputSource(p, "role"); err == nil && src.URN == drift.URN && p.Name == "ci-drift-secret" {
			if secretPolicy, err = iampolicy.Parse(p.String("policy")); err != nil {
				t.Fatal(err)
			}
		}
	}
	st, ok := secretPolicy.FindStatement("RefreshDatabaseSecret")
	if !ok || len(secretPolicy.Statement) != 2 || !slices.Equal(st.Action, []string{"secretsmanager:GetSecretValue"}) || !slices.Equal(st.Resource, []string{secretARN}) {
		t.Errorf("drift secret policy %+v", secretPolicy)
	}
	decrypt, ok := secretPolicy.FindStatement("DecryptDatabaseSecret")
	if !ok || !slices.Equal(decrypt.Action, []string{"kms:Decrypt"}) || !slices.Equal(decrypt.Resource, []string{secretKey}) ||
		len(decrypt.Condition) != 1 || !slices.Equal(decrypt.Condition["StringEquals"]["kms:ViaService"], []string{"secretsmanager.ap-northeast-2.amazonaws.com"}) {
		t.Errorf("the drift role cannot decrypt the secret (a refresh reads it), or can outside Secrets Manager: %+v", decrypt)
	}
	preview, _, _ := role(t, r, "ci-preview")
	for _, p := range r.ByType("aws:iam/rolePolicy:RolePolicy") {
		if src, err := r.InputSource(p, "role"); err == nil && src.URN == preview.URN && (strings.Contains(p.String("policy"), "secretsmanager") || strings.Contains(p.String("policy"), secretKey)) {
			t.Error("the preview role, which pull requests assume, can read the secret")
		}
	}
	var readOnly []string
	for _, a := range r.ByType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		if src, err := r.InputSource(a, "role"); err == nil && src.URN == drift.URN {
			readOnly = append(readOnly, a.String("policyArn"))
		}
	}
	if !slices.Equal(readOnly, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}) {
		t.Errorf("drift role managed policies %v", readOnly)
	}
}
