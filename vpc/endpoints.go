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
			return s3EndpointPolicy(v[0], v[1])
		}, partition, account),
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

// s3EndpointPolicy is the S3 gateway endpoint's policy: reads of objects in any bucket, and any
// request to buckets of the stack's own account (IAM and bucket policies still decide who may do
// what there). Writes and every other request to another account's bucket are denied through the
// endpoint, which is what it guards against: data leaving the VPC for a bucket someone else owns.
//
// Reads are not limited to named buckets because the stack cannot know them all: every S3 request
// from the private subnets to the region goes through this endpoint, and several registries serve
// image layers from S3 buckets in the client's own region (awsspec.Registries): ECR from its layer
// bucket, registry.k8s.io (the Cluster Autoscaler, the verify probe) by redirecting clients on AWS
// addresses to a bucket of its own in their region (kubernetes/registry.k8s.io, cmd/archeio),
// whose name its owners say may change. The Amazon Linux 2023 package repositories that dnf reads
// are S3 buckets too. A policy naming buckets would fail the first pull of an image whose
// registry moved, and the first `pulumi up` waits for those pulls.
func s3EndpointPolicy(partition, account string) iampolicy.Document {
	anyone := &iampolicy.Principal{AWS: []string{"*"}}
	return iampolicy.New(
		iampolicy.Statement{
			Sid:       "ReadObjectsOfAnyBucket",
			Effect:    iampolicy.Allow,
			Principal: anyone,
			Action:    []string{"s3:GetObject"},
			Resource:  []string{fmt.Sprintf("arn:%s:s3:::*/*", partition)},
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
