package awscheck

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/mission-link/infra/internal/verify/report"
)

// Registry checks that the app's repository exists with scan on push, and warns while it holds
// no image: ArgoCD would fail to pull the app's image.
func Registry(ctx context.Context, api ECRAPI, name string) []report.Result {
	const check = "registry"
	out, err := api.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{name}})
	if err != nil {
		var notFound *ecrtypes.RepositoryNotFoundException
		if errors.As(err, &notFound) {
			return []report.Result{report.Failure(check, fmt.Sprintf("repository %s does not exist", name),
				"CI cannot push and the cluster cannot pull the app's image", "run `pulumi up`")}
		}
		return []report.Result{report.Failure(check, fmt.Sprintf("describing repository %s: %v", name, err), "", "grant ecr:DescribeRepositories (docs/verify.md)")}
	}
	if len(out.Repositories) != 1 {
		return []report.Result{report.Failure(check, fmt.Sprintf("describing repository %s: %d repositories, want 1", name, len(out.Repositories)), "", "")}
	}
	repo := out.Repositories[0]
	var results []report.Result
	if repo.ImageScanningConfiguration == nil || !repo.ImageScanningConfiguration.ScanOnPush {
		results = append(results, report.Failure(check, fmt.Sprintf("repository %s does not scan images on push", name),
			"scan on push was turned off outside Pulumi", "run `pulumi up` to turn it on again"))
	} else {
		results = append(results, report.Passf(check, "%s exists, scan on push, tags %s", aws.ToString(repo.RepositoryUri), repo.ImageTagMutability))
	}
	images, err := api.ListImages(ctx, &ecr.ListImagesInput{
		RepositoryName: aws.String(name),
		Filter:         &ecrtypes.ListImagesFilter{TagStatus: ecrtypes.TagStatusTagged},
		MaxResults:     aws.Int32(1),
	})
	switch {
	case err != nil:
		results = append(results, report.Failure("registry.images", fmt.Sprintf("listing the images of %s: %v", name, err), "", "grant ecr:ListImages (docs/verify.md)"))
	case len(images.ImageIds) == 0:
		results = append(results, report.Warning("registry.images", fmt.Sprintf("repository %s holds no tagged image yet", name),
			"ArgoCD would fail to pull the app's image (ErrImagePull) until CI pushes one",
			"push from the app repository's workflow (docs/app-repo/build-and-push.yml), then set the tag in the overlay"))
	default:
		results = append(results, report.Passf("registry.images", "%s holds tagged images (for example %s)", name, aws.ToString(images.ImageIds[0].ImageTag)))
	}
	return results
}

// Bastion checks that Systems Manager reports the bastion Online, so that
// `aws ssm start-session` reaches it, and prints that command.
func Bastion(ctx context.Context, api SSMAPI, instanceID, sessionCommand string) report.Result {
	const check = "bastion"
	if instanceID == "" {
		return report.Skipf(check, "the stack has no bastion (network.bastion.enabled is false)")
	}
	out, err := api.DescribeInstanceInformation(ctx, &ssm.DescribeInstanceInformationInput{
		Filters: []ssmtypes.InstanceInformationStringFilter{{Key: aws.String("InstanceIds"), Values: []string{instanceID}}},
	})
	if err != nil {
		return report.Failure(check, fmt.Sprintf("asking Systems Manager about %s: %v", instanceID, err), "", "grant ssm:DescribeInstanceInformation (docs/verify.md)")
	}
	if len(out.InstanceInformationList) == 0 {
		return report.Failure(check, fmt.Sprintf("Systems Manager does not know bastion %s", instanceID),
			"its SSM agent never registered: the instance is stopped, has no route to the SSM endpoints (NAT), or lacks AmazonSSMManagedInstanceCore",
			"check the instance is running and its subnet routes to a NAT gateway; `aws ec2 describe-instances --instance-ids "+instanceID+"`")
	}
	info := out.InstanceInformationList[0]
	if info.PingStatus != ssmtypes.PingStatusOnline {
		last := "never"
		if info.LastPingDateTime != nil {
			last = info.LastPingDateTime.UTC().Format("2006-01-02 15:04 MST")
		}
		return report.Failure(check, fmt.Sprintf("bastion %s is %s in Systems Manager (last ping %s)", instanceID, info.PingStatus, last),
			"`aws ssm start-session` cannot reach it: the instance is stopped or its agent lost its route to SSM",
			"start the instance (`aws ec2 start-instances --instance-ids "+instanceID+"`) or reboot it; a replaced bastion needs `pulumi up`")
	}
	return report.Passf(check, "%s is Online in Systems Manager (agent %s)", instanceID, aws.ToString(info.AgentVersion)).WithDetails("shell: " + sessionCommand)
}
