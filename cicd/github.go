// Package cicd holds what CI needs in AWS: the account's GitHub Actions OIDC provider and the
// roles workflows assume through it, each trusting exactly one repository and event.
package cicd

import (
	"fmt"

	awsiam "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/cicd/cicdargs"
	"github.com/mission-link/infra/internal/iampolicy"
)

// TypeToken is part of every child's URN: changing it replaces the CI roles.
const TypeToken = "mission-link:cicd:GitHubAccess"

// stsAudience is the audience aws-actions/configure-aws-credentials requests.
const stsAudience = "sts.amazonaws.com"

// githubThumbprints are the certificate thumbprints GitHub publishes for its OIDC issuer. IAM no
// longer checks them for this issuer (it trusts its own CA store), but the API still takes a list.
var githubThumbprints = []string{"6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"}

// PushActions are what pushing an image to one repository takes; GetAuthorizationToken, which
// takes no resource, is granted separately.
var PushActions = []string{
	"ecr:BatchCheckLayerAvailability",
	"ecr:InitiateLayerUpload",
	"ecr:UploadLayerPart",
	"ecr:CompleteLayerUpload",
	"ecr:PutImage",
}

// GitHubAccess is the OIDC trust and the roles GitHub Actions assume.
type GitHubAccess struct {
	pulumi.ResourceState

	OIDCProviderARN pulumi.StringOutput `pulumi:"oidcProviderArn"`
	// PushRoleARN is assumed by the app repository's workflow on pushes to the branch.
	PushRoleARN pulumi.StringOutput `pulumi:"pushRoleArn"`
	// PreviewRoleARN is assumed by this repository's pull request previews.
	PreviewRoleARN pulumi.StringOutput `pulumi:"previewRoleArn"`
	// DriftRoleARN is assumed by the drift check on this repository's default branch.
	DriftRoleARN pulumi.StringOutput `pulumi:"driftRoleArn"`
}

// GitHubArgs are the CI access's config (cicdargs.GitHubArgs, decoded and validated with the
// stack file) and what the program wires in from the rest of the stack.
type GitHubArgs struct {
	cicdargs.GitHubArgs

	// RepositoryARN is the ECR repository the push role may push to.
	RepositoryARN pulumi.StringInput
	// DatabaseSecretARN is the secret the drift check refreshes (and so reads).
	DatabaseSecretARN pulumi.StringInput
	// DatabaseSecretKeyARN encrypts that secret: the drift role decrypts with it through Secrets
	// Manager. Set with DatabaseSecretARN.
	DatabaseSecretKeyARN pulumi.StringInput
}

// NewGitHubAccess validates args and builds the trust and roles.
func NewGitHubAccess(ctx *pulumi.Context, name string, args *GitHubArgs, opts ...pulumi.ResourceOption) (*GitHubAccess, error) {
	if args == nil {
		return nil, fmt.Errorf("GitHub access %s: args are required", name)
	}
	a := *args
	a.GitHubArgs = args.GitHubArgs.WithDefaults()
	if a.RepositoryARN == nil {
		return nil, fmt.Errorf("GitHub access %s: RepositoryARN is required", name)
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("GitHub access %s: invalid config:\n%w", name, err)
	}
	g := &GitHubAccess{}
	if err := ctx.RegisterComponentResource(TypeToken, name, g, opts...); err != nil {
		return nil, fmt.Errorf("registering GitHub access %s: %w", name, err)
	}
	parent := pulumi.Parent(g)
	provider, err := oidcProvider(ctx, name, a, parent)
	if err != nil {
		return nil, err
	}
	g.OIDCProviderARN = provider
	push, err := newPushRole(ctx, name+"-push", a, provider, parent)
	if err != nil {
		return nil, err
	}
	g.PushRoleARN = push.Arn
	preview, err := newPreviewRole(ctx, name+"-preview", a, provider, parent)
	if err != nil {
		return nil, err
	}
	g.PreviewRoleARN = preview.Arn
	drift, err := newDriftRole(ctx, name+"-drift", a, provider, parent)
	if err != nil {
		return nil, err
	}
	g.DriftRoleARN = drift.Arn
	if err := ctx.RegisterResourceOutputs(g, pulumi.Map{
		"oidcProviderArn": g.OIDCProviderARN, "pushRoleArn": g.PushRoleARN, "previewRoleArn": g.PreviewRoleARN,
		"driftRoleArn": g.DriftRoleARN,
	}); err != nil {
		return nil, fmt.Errorf("registering outputs of GitHub access %s: %w", name, err)
	}
	return g, nil
}

// oidcProvider is the configured existing provider, or a new one.
func oidcProvider(ctx *pulumi.Context, name string, a GitHubArgs, parent pulumi.ResourceOrInvokeOption) (pulumi.StringOutput, error) {
	if a.OIDCProviderArn != "" {
		return pulumi.String(a.OIDCProviderArn).ToStringOutput(), nil
	}
	p, err := awsiam.NewOpenIdConnectProvider(ctx, name+"-github", &awsiam.OpenIdConnectProviderArgs{
		Url:             pulumi.String("https://" + cicdargs.GitHubOIDCHost),
		ClientIdLists:   pulumi.ToStringArray([]string{stsAudience}),
		ThumbprintLists: pulumi.ToStringArray(githubThumbprints),
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("creating GitHub OIDC provider: %w", err)
	}
	return p.Arn, nil
}

// GitHubTrustPolicy lets workflow runs whose token has exactly one of these subjects assume the
// role: StringEquals, so a subject is never a pattern.
func GitHubTrustPolicy(providerARN string, subjects ...string) iampolicy.Document {
	return iampolicy.New(iampolicy.Statement{
		Sid:       "GitHubActions",
		Effect:    iampolicy.Allow,
		Principal: &iampolicy.Principal{Federated: []string{providerARN}},
		Action:    []string{"sts:AssumeRoleWithWebIdentity"},
		Condition: iampolicy.Conditions{"StringEquals": {
			cicdargs.GitHubOIDCHost + ":aud": {stsAudience},
			cicdargs.GitHubOIDCHost + ":sub": subjects,
		}},
	})
}

func newPushRole(ctx *pulumi.Context, name string, a GitHubArgs, provider pulumi.StringOutput, parent pulumi.ResourceOrInvokeOption) (*awsiam.Role, error) {
	subject := a.PushSubject()
	role, err := awsiam.NewRole(ctx, name, &awsiam.RoleArgs{
		AssumeRolePolicy: iampolicy.Render(func(v []string) iampolicy.Document { return GitHubTrustPolicy(v[0], subject) }, provider),
		Description:      pulumi.Sprintf("Pushes images from %s (%s) to the app repository", a.GitHubRepository, a.Branch),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating push role %s: %w", name, err)
	}
	policy := iampolicy.Render(func(v []string) iampolicy.Document {
		return iampolicy.New(iampolicy.Statement{
			Sid: "PushToAppRepository", Effect: iampolicy.Allow, Action: PushActions, Resource: []string{v[0]},
		}, iampolicy.Statement{
			// GetAuthorizationToken is not scoped to a resource by AWS.
			Sid: "LogInToRegistry", Effect: iampolicy.Allow, Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"},
		})
	}, a.RepositoryARN)
	if _, err := awsiam.NewRolePolicy(ctx, name, &awsiam.RolePolicyArgs{Role: role.Name, Policy: policy}, parent); err != nil {
		return nil, fmt.Errorf("creating push policy %s: %w", name, err)
	}
	return role, nil
}
