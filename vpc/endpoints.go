package vpc

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	awsec2 "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/internal/iampolicy"
)

// newS3GatewayEndpoint routes the private subnets' traffic to S3 in the region through a gateway
// endpoint (free, unlike NAT processing): ECR image layers and the Amazon Linux package
// repositories are S3 objects, so image pulls and dnf no longer pass the NAT. Every S3 request
// from those subnets to the region then goes through the endpoint, so its policy decides what
// S3 the VPC can reach there (s3EndpointPolicy).
func newS3GatewayEndpoint(ctx *pulumi.Context, name string, vpc *awsec2.Vpc, zones []zone, privateTables []*awsec2.RouteTable, parent pulumi.ResourceOrInvokeOption) error {
	endpointName := name + "-s3"
	partition := aws.GetPartitionOutput(ctx, aws.GetPartitionOutputArgs{}, parent).Partition()
	region := aws.GetRegionOutput(ctx, aws.GetRegionOutputArgs{}, parent).Name()
	account := aws.GetCallerIdentityOutput(ctx, aws.GetCallerIdentityOutputArgs{}, parent).AccountId()
	endpoint, err := awsec2.NewVpcEndpoint(ctx, endpointName, &awsec2.VpcEndpointArgs{
		VpcId:           vpc.ID(),
		ServiceName:     pulumi.Sprintf("com.amazonaws.%s.s3", region),
		VpcEndpointType: pulumi.String("Gateway"),
		Policy: iampolicy.Render(func(v []string) iampolicy.Document {
			return s3EndpointPolicy(v[0], v[1], v[2])
		}, partition, region, account),
		Tags: nameTag(endpointName),
	}, parent)
	if err != nil {
		return fmt.Errorf("creating S3 gateway endpoint %s: %w", endpointName, err)
	}
	// One association per private route table, keyed by AZ (not the endpoint's routeTableIds
	// list), so that adding an AZ adds an association and changes nothing else.
	for i, z := range zones {
		assocName := fmt.Sprintf("%s-%s", endpointName, z.name)
		if _, err := awsec2.NewVpcEndpointRouteTableAssociation(ctx, assocName, &awsec2.VpcEndpointRouteTableAssociationArgs{
			VpcEndpointId: endpoint.ID(),
			RouteTableId:  privateTables[i].ID(),
		}, parent); err != nil {
			return fmt.Errorf("associating S3 gateway endpoint with route table %s: %w", assocName, err)
		}
	}
	return nil
}

// s3EndpointPolicy is the S3 gateway endpoint's policy: read-only access to the two buckets AWS
// owns that the stack's hosts read, and any request to buckets of the stack's own account (IAM
// and bucket policies still decide who may do what there). Anything else, such as another
// account's bucket, is denied through the endpoint.
//
//   - prod-<region>-starport-layer-bucket holds ECR image layers (the ECR User Guide, "Minimum
//     Amazon S3 bucket permissions for Amazon ECR").
//   - al2023-repos-<region>-de612dc2 holds the Amazon Linux 2023 package repositories that dnf
//     reads (named so in AWS Application Migration Service's network requirements).
//
// Other AWS-owned buckets (SSM Patch Manager baselines, SSM agent updates through Run Command)
// are not listed: the stack uses neither. Add them here before using them.
func s3EndpointPolicy(partition, region, account string) iampolicy.Document {
	anyone := &iampolicy.Principal{AWS: []string{"*"}}
	return iampolicy.New(
		iampolicy.Statement{
			Sid:       "ReadImageLayersAndPackages",
			Effect:    iampolicy.Allow,
			Principal: anyone,
			Action:    []string{"s3:GetObject"},
			Resource: []string{
				fmt.Sprintf("arn:%s:s3:::prod-%s-starport-layer-bucket/*", partition, region),
				fmt.Sprintf("arn:%s:s3:::al2023-repos-%s-de612dc2/*", partition, region),
			},
		},
		iampolicy.Statement{
			Sid:       "BucketsOfThisAccount",
			Effect:    iampolicy.Allow,
			Principal: anyone,
			Action:    []string{"s3:*"},
			Resource:  []string{"*"},
			Condition: iampolicy.Conditions{"StringEquals": {"aws:ResourceAccount": {account}}},
		},
	)
}
