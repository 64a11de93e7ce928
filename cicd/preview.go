package cicd

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	awsiam "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/cicd/cicdargs"
	"github.com/mission-link/infra/internal/iampolicy"
	"github.com/mission-link/infra/secrets"
)

// readOnlyAccessPolicy is the AWS managed policy a preview reads the account with; %s is the
// partition.
const readOnlyAccessPolicy = "arn:%s:iam::aws:policy/ReadOnlyAccess"

// stateObjectsPrefix is where a DIY backend keeps stacks, history and backups in its bucket.
const stateObjectsPrefix = ".pulumi/"

// BackendPolicy is what a preview needs of the state backend and the secrets provider that
// ReadOnlyAccess does not give for certain: listing and reading the DIY backend's objects, and
// decrypting the stack's data key. A preview takes no lock and writes no state or history (the
// DIY backend locks only for update, refresh, destroy and import), so nothing here writes. With
// neither configured the document has no statements, and the role gets no such policy.
func BackendPolicy(partition, stateBucket, secretsProviderKeyARN string) iampolicy.Document {
	var statements []iampolicy.Statement
	if stateBucket != "" {
		statements = append(statements, iampolicy.Statement{
			Sid: "ListStateBucket", Effect: iampolicy.Allow, Action: []string{"s3:ListBucket"},
			Resource: []string{fmt.Sprintf("arn:%s:s3:::%s", partition, stateBucket)},
		}, iampolicy.Statement{
			Sid: "ReadState", Effect: iampolicy.Allow, Action: []string{"s3:GetObject"},
			Resource: []string{fmt.Sprintf("arn:%s:s3:::%s/%s*", partition, stateBucket, stateObjectsPrefix)},
		})
	}
	if secretsProviderKeyARN != "" {
		statements = append(statements, iampolicy.Statement{
			Sid: "DecryptStackSecrets", Effect: iampolicy.Allow, Action: []string{"kms:Decrypt"},
			Resource: []string{secretsProviderKeyARN},
		})
	}
	return iampolicy.New(statements...)
}

// newPreviewRole is the role `pulumi preview` of a pull request runs as in CI: read-only on the
// account, plus the state backend and secrets provider when they are in AWS.
func newPreviewRole(ctx *pulumi.Context, name string, a GitHubArgs, provider pulumi.StringOutput, parent pulumi.ResourceOrInvokeOption) (*awsiam.Role, error) {
	return newReadOnlyRole(ctx, name, a, a.PreviewSubject(),
		pulumi.Sprintf("Previews %s pull requests, read-only", a.InfraRepository), provider, parent)
}

// newDriftRole is the role the nightly `pulumi preview --refresh --expect-no-changes` on the
// default branch runs as: the preview role's rights, and reading the app's database secret,
// since refreshing a secret's version reads its value. Pull requests cannot assume it, so they
// never see the password.
func newDriftRole(ctx *pulumi.Context, name string, a GitHubArgs, provider pulumi.StringOutput, parent pulumi.ResourceOrInvokeOption) (*awsiam.Role, error) {
	role, err := newReadOnlyRole(ctx, name, a, a.DriftSubject(),
		pulumi.Sprintf("Checks %s of %s for drift, read-only", cicdargs.DriftBranch, a.InfraRepository), provider, parent)
	if err != nil || a.DatabaseSecretARN == nil {
		return role, err
	}
	if a.DatabaseSecretKeyARN == nil {
		return nil, fmt.Errorf("drift role %s: DatabaseSecretKeyARN is required with DatabaseSecretARN: the secret cannot be read without its key", name)
	}
	region := aws.GetRegionOutput(ctx, aws.GetRegionOutputArgs{}, parent).Name()
	policy := iampolicy.Render(func(v []string) iampolicy.Document { return DriftSecretPolicy(v[0], v[1], v[2]) }, a.DatabaseSecretARN, a.DatabaseSecretKeyARN, region)
	if _, err := awsiam.NewRolePolicy(ctx, name+"-secret", &awsiam.RolePolicyArgs{Role: role.Name, Policy: policy}, parent); err != nil {
		return nil, fmt.Errorf("creating secret policy of drift role %s: %w", name, err)
	}
	return role, nil
}

// DriftSecretPolicy lets the drift check refresh the database secret's version, which reads the
// value: GetSecretValue on the secret, and kms:Decrypt on its customer managed key through
// Secrets Manager only, with which Secrets Manager decrypts it for the caller.
func DriftSecretPolicy(secretARN, keyARN, region string) iampolicy.Document {
	return iampolicy.New(iampolicy.Statement{
		Sid: "RefreshDatabaseSecret", Effect: iampolicy.Allow,
		Action: []string{"secretsmanager:GetSecretValue"}, Resource: []string{secretARN},
	}, secrets.DecryptThroughSecretsManager("DecryptDatabaseSecret", keyARN, region))
}

// newReadOnlyRole is a role for GitHub workflow runs with exactly the given subject: ReadOnlyAccess, and
// the state backend and secrets provider when they are in AWS.
func newReadOnlyRole(ctx *pulumi.Context, name string, a GitHubArgs, subject string, description pulumi.StringInput, provider pulumi.StringOutput, parent pulumi.ResourceOrInvokeOption) (*awsiam.Role, error) {
	role, err := awsiam.NewRole(ctx, name, &awsiam.RoleArgs{
		AssumeRolePolicy: iampolicy.Render(func(v []string) iampolicy.Document { return GitHubTrustPolicy(v[0], subject) }, provider),
		Description:      description,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating role %s: %w", name, err)
	}
	partition := aws.GetPartitionOutput(ctx, aws.GetPartitionOutputArgs{}, parent).Partition()
	if _, err := awsiam.NewRolePolicyAttachment(ctx, name+"-read-only", &awsiam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: pulumi.Sprintf(readOnlyAccessPolicy, partition),
	}, parent); err != nil {
		return nil, fmt.Errorf("attaching ReadOnlyAccess to role %s: %w", name, err)
	}
	if a.StateBucket == "" && a.SecretsProviderKeyArn == "" {
		return role, nil
	}
	policy := iampolicy.Render(func(v []string) iampolicy.Document {
		return BackendPolicy(v[0], a.StateBucket, a.SecretsProviderKeyArn)
	}, partition)
	if _, err := awsiam.NewRolePolicy(ctx, name+"-backend", &awsiam.RolePolicyArgs{Role: role.Name, Policy: policy}, parent); err != nil {
		return nil, fmt.Errorf("creating state backend policy of role %s: %w", name, err)
	}
	return role, nil
}
