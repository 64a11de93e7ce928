package cicd

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	awsiam "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/iampolicy"
)

// DriftBranch is the infrastructure repository's default branch: GitHub runs scheduled workflows,
// and so the drift check, only there.
const DriftBranch = "main"

// readOnlyAccessPolicy is the AWS managed policy a preview reads the account with; %s is the
// partition.
const readOnlyAccessPolicy = "arn:%s:iam::aws:policy/ReadOnlyAccess"

// stateObjectsPrefix is where a DIY backend keeps stacks, history and backups in its bucket.
const stateObjectsPrefix = ".pulumi/"

// PreviewSubjects are the only OIDC subjects the preview role trusts: pull requests of the
// infrastructure repository, and runs on its default branch (the scheduled drift check). Pull
// requests from forks get no OIDC token for this repository's role: their workflows run without
// id-token permission, and the preview job does not run for them.
func PreviewSubjects(infraRepository string) []string {
	return []string{PullRequestSubject(infraRepository), BranchSubject(infraRepository, DriftBranch)}
}

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

// newPreviewRole is the role `pulumi preview` runs as in CI: read-only on the account, plus the
// state backend and secrets provider when they are in AWS.
func newPreviewRole(ctx *pulumi.Context, name string, a GitHubArgs, provider pulumi.StringOutput, parent pulumi.ResourceOrInvokeOption) (*awsiam.Role, error) {
	subjects := PreviewSubjects(a.InfraRepository)
	role, err := awsiam.NewRole(ctx, name, &awsiam.RoleArgs{
		AssumeRolePolicy: iampolicy.Render(func(v []string) iampolicy.Document { return GitHubTrustPolicy(v[0], subjects...) }, provider),
		Description:      pulumi.Sprintf("Previews %s pull requests and checks %s for drift, read-only", a.InfraRepository, DriftBranch),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating preview role %s: %w", name, err)
	}
	partition := aws.GetPartitionOutput(ctx, aws.GetPartitionOutputArgs{}, parent).Partition()
	if _, err := awsiam.NewRolePolicyAttachment(ctx, name+"-read-only", &awsiam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: pulumi.Sprintf(readOnlyAccessPolicy, partition),
	}, parent); err != nil {
		return nil, fmt.Errorf("attaching ReadOnlyAccess to preview role %s: %w", name, err)
	}
	if a.StateBucket == "" && a.SecretsProviderKeyArn == "" {
		return role, nil
	}
	policy := iampolicy.Render(func(v []string) iampolicy.Document {
		return BackendPolicy(v[0], a.StateBucket, a.SecretsProviderKeyArn)
	}, partition)
	if _, err := awsiam.NewRolePolicy(ctx, name+"-backend", &awsiam.RolePolicyArgs{Role: role.Name, Policy: policy}, parent); err != nil {
		return nil, fmt.Errorf("creating state backend policy of preview role %s: %w", name, err)
	}
	return role, nil
}
