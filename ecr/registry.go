// Package ecr builds the app's image registry: one repository with immutable tags, scan on push,
// KMS encryption and a lifecycle policy.
package ecr

import (
	"encoding/json"
	"fmt"

	awsecr "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/ecr/ecrargs"
)

// TypeToken is part of every child's URN: changing it replaces the registry.
const TypeToken = "mission-link:ecr:Registry"

// Registry is the app's image repository.
type Registry struct {
	pulumi.ResourceState

	RepositoryName pulumi.StringOutput `pulumi:"repositoryName"`
	RepositoryARN  pulumi.StringOutput `pulumi:"repositoryArn"`
	// RepositoryURL is what images are tagged with: <account>.dkr.ecr.<region>.amazonaws.com/<name>.
	RepositoryURL pulumi.StringOutput `pulumi:"repositoryUrl"`
}

// NewRegistry validates args and builds the repository. Nothing is registered when args are invalid.
func NewRegistry(ctx *pulumi.Context, name string, args *ecrargs.RegistryArgs, opts ...pulumi.ResourceOption) (*Registry, error) {
	if args == nil {
		return nil, fmt.Errorf("registry %s: args are required", name)
	}
	a := args.WithDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("registry %s: invalid config:\n%w", name, err)
	}
	policy, err := LifecyclePolicy(a)
	if err != nil {
		return nil, err
	}
	r := &Registry{}
	if err := ctx.RegisterComponentResource(TypeToken, name, r, opts...); err != nil {
		return nil, fmt.Errorf("registering registry %s: %w", name, err)
	}
	parent := pulumi.Parent(r)
	repo, err := awsecr.NewRepository(ctx, name, &awsecr.RepositoryArgs{
		Name: pulumi.String(a.Name),
		// CI tags every image with its commit SHA; a tag never moves to other content.
		ImageTagMutability:         pulumi.String("IMMUTABLE"),
		ImageScanningConfiguration: awsecr.RepositoryImageScanningConfigurationArgs{ScanOnPush: pulumi.Bool(true)},
		EncryptionConfigurations: awsecr.RepositoryEncryptionConfigurationArray{
			awsecr.RepositoryEncryptionConfigurationArgs{EncryptionType: pulumi.String("KMS")},
		},
		ForceDelete: pulumi.Bool(a.ForceDelete),
	}, parent, pulumi.Protect(a.Protect))
	if err != nil {
		return nil, fmt.Errorf("creating repository %s: %w", name, err)
	}
	if _, err := awsecr.NewLifecyclePolicy(ctx, name, &awsecr.LifecyclePolicyArgs{
		Repository: repo.Name,
		Policy:     pulumi.String(policy),
	}, parent); err != nil {
		return nil, fmt.Errorf("creating lifecycle policy of %s: %w", name, err)
	}
	r.RepositoryName, r.RepositoryARN, r.RepositoryURL = repo.Name, repo.Arn, repo.RepositoryUrl
	if err := ctx.RegisterResourceOutputs(r, pulumi.Map{
		"repositoryName": r.RepositoryName, "repositoryArn": r.RepositoryARN, "repositoryUrl": r.RepositoryURL,
	}); err != nil {
		return nil, fmt.Errorf("registering outputs of registry %s: %w", name, err)
	}
	return r, nil
}

// lifecycleRule is one rule of an ECR lifecycle policy.
type lifecycleRule struct {
	RulePriority int                `json:"rulePriority"`
	Description  string             `json:"description"`
	Selection    lifecycleSelection `json:"selection"`
	Action       lifecycleAction    `json:"action"`
}

type lifecycleSelection struct {
	TagStatus      string   `json:"tagStatus"`
	TagPatternList []string `json:"tagPatternList,omitempty"`
	CountType      string   `json:"countType"`
	CountUnit      string   `json:"countUnit,omitempty"`
	CountNumber    int      `json:"countNumber"`
}

type lifecycleAction struct {
	Type string `json:"type"`
}

// LifecyclePolicy expires untagged images after UntaggedExpiryDays and keeps only the newest
// KeepTaggedImages tagged ones.
func LifecyclePolicy(a ecrargs.RegistryArgs) (string, error) {
	policy := struct {
		Rules []lifecycleRule `json:"rules"`
	}{Rules: []lifecycleRule{{
		RulePriority: 1,
		Description:  fmt.Sprintf("Expire untagged images %d days after push", a.UntaggedExpiryDays),
		Selection:    lifecycleSelection{TagStatus: "untagged", CountType: "sinceImagePushed", CountUnit: "days", CountNumber: a.UntaggedExpiryDays},
		Action:       lifecycleAction{Type: "expire"},
	}, {
		RulePriority: 2,
		Description:  fmt.Sprintf("Keep the newest %d tagged images", a.KeepTaggedImages),
		Selection:    lifecycleSelection{TagStatus: "tagged", TagPatternList: []string{"*"}, CountType: "imageCountMoreThan", CountNumber: a.KeepTaggedImages},
		Action:       lifecycleAction{Type: "expire"},
	}}}
	b, err := json.Marshal(policy)
	if err != nil {
		return "", fmt.Errorf("encoding lifecycle policy: %w", err)
	}
	return string(b), nil
}
