package awscheck

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mission-link/infra/internal/awsspec"
)

// InstanceShapes asks EC2 for the ENIs, IPv4 addresses per ENI and vCPUs of instance types,
// which decide the pods a node of that type runs (awsspec.MaxPods).
func InstanceShapes(ctx context.Context, api EC2API, instanceTypes []string) (map[string]awsspec.InstanceShape, error) {
	in := &ec2.DescribeInstanceTypesInput{}
	for _, t := range instanceTypes {
		in.InstanceTypes = append(in.InstanceTypes, ec2types.InstanceType(t))
	}
	shapes := map[string]awsspec.InstanceShape{}
	pages := ec2.NewDescribeInstanceTypesPaginator(api, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describing instance types %v (ec2:DescribeInstanceTypes): %w", instanceTypes, err)
		}
		for _, info := range page.InstanceTypes {
			shape := awsspec.InstanceShape{}
			if info.NetworkInfo != nil {
				shape.ENIs = int(aws.ToInt32(info.NetworkInfo.MaximumNetworkInterfaces))
				shape.IPv4PerENI = int(aws.ToInt32(info.NetworkInfo.Ipv4AddressesPerInterface))
			}
			if info.VCpuInfo != nil {
				shape.VCPUs = int(aws.ToInt32(info.VCpuInfo.DefaultVCpus))
			}
			shapes[string(info.InstanceType)] = shape
		}
	}
	return shapes, nil
}
