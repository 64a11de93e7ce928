package vpc

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	awsec2 "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	awsiam "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/internal/iampolicy"
	"github.com/mission-link/infra/vpc/vpcargs"
)

// lockDefaultSecurityGroup adopts the VPC's default security group with no rules, so anything
// launched without an explicit group can neither receive nor send traffic.
func lockDefaultSecurityGroup(ctx *pulumi.Context, name string, vpc *awsec2.Vpc, parent pulumi.ResourceOrInvokeOption) error {
	sgName := name + "-default"
	if _, err := awsec2.NewDefaultSecurityGroup(ctx, sgName, &awsec2.DefaultSecurityGroupArgs{
		VpcId: vpc.ID(),
		Tags:  nameTag(sgName),
	}, parent); err != nil {
		return fmt.Errorf("locking default security group of VPC %s: %w", name, err)
	}
	return nil
}

// newFlowLogs sends the VPC's accepted and rejected traffic to a CloudWatch log group through a
// role that only the flow-logs service of this account may assume.
func newFlowLogs(ctx *pulumi.Context, name string, args vpcargs.FlowLogsArgs, protect bool, vpc *awsec2.Vpc, parent pulumi.ResourceOrInvokeOption) error {
	logsName := name + "-flow-logs"
	group, err := cloudwatch.NewLogGroup(ctx, logsName, &cloudwatch.LogGroupArgs{
		Name:            pulumi.Sprintf("/vpc/%s/flow-logs", name),
		RetentionInDays: pulumi.Int(args.RetentionInDays),
		Tags:            nameTag(logsName),
	}, parent, pulumi.Protect(protect))
	if err != nil {
		return fmt.Errorf("creating flow log group %s: %w", logsName, err)
	}
	role, err := newFlowLogsRole(ctx, logsName, group, parent)
	if err != nil {
		return err
	}
	if _, err := awsec2.NewFlowLog(ctx, logsName, &awsec2.FlowLogArgs{
		VpcId:                  vpc.ID(),
		TrafficType:            pulumi.String("ALL"),
		LogDestinationType:     pulumi.String("cloud-watch-logs"),
		LogDestination:         group.Arn,
		IamRoleArn:             role.Arn,
		MaxAggregationInterval: pulumi.Int(60),
		Tags:                   nameTag(logsName),
	}, parent); err != nil {
		return fmt.Errorf("creating flow log %s: %w", logsName, err)
	}
	return nil
}

func newFlowLogsRole(ctx *pulumi.Context, name string, group *cloudwatch.LogGroup, parent pulumi.ResourceOrInvokeOption) (*awsiam.Role, error) {
	partition := aws.GetPartitionOutput(ctx, aws.GetPartitionOutputArgs{}, parent).Partition()
	region := aws.GetRegionOutput(ctx, aws.GetRegionOutputArgs{}, parent).Name()
	account := aws.GetCallerIdentityOutput(ctx, aws.GetCallerIdentityOutputArgs{}, parent).AccountId()

	trust := iampolicy.Render(func(v []string) iampolicy.Document {
		partition, region, account := v[0], v[1], v[2]
		return iampolicy.ServiceTrust("vpc-flow-logs.amazonaws.com", iampolicy.Conditions{
			"StringEquals": {"aws:SourceAccount": {account}},
			"ArnLike":      {"aws:SourceArn": {fmt.Sprintf("arn:%s:ec2:%s:%s:vpc-flow-log/*", partition, region, account)}},
		})
	}, partition, region, account)
	role, err := awsiam.NewRole(ctx, name, &awsiam.RoleArgs{
		AssumeRolePolicy: trust,
		Description:      pulumi.String("Delivers VPC flow logs to CloudWatch Logs"),
		Tags:             nameTag(name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating flow log role %s: %w", name, err)
	}
	permissions := iampolicy.Render(func(v []string) iampolicy.Document {
		return iampolicy.New(iampolicy.Statement{
			Sid:      "WriteFlowLogs",
			Effect:   iampolicy.Allow,
			Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
			Resource: []string{v[0], v[0] + ":*"},
		}, iampolicy.Statement{
			Sid:      "FindLogGroup",
			Effect:   iampolicy.Allow,
			Action:   []string{"logs:DescribeLogGroups"},
			Resource: []string{"*"},
		})
	}, group.Arn)
	if _, err := awsiam.NewRolePolicy(ctx, name, &awsiam.RolePolicyArgs{
		Role:   role.Name,
		Policy: permissions,
	}, parent); err != nil {
		return nil, fmt.Errorf("creating flow log policy %s: %w", name, err)
	}
	return role, nil
}
