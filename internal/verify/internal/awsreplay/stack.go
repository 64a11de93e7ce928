package awsreplay

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// Stack names a deployed dev stack, as AWS would name its resources.
type Stack struct {
	Region, Account                         string
	Cluster, NodeGroup, AutoScalingGroup    string
	InstanceType                            string
	Bus, Rule, Source, Topic, Queue, Secret string
	// Key is the ID of the key the secret is encrypted with.
	Key                                       string
	Role, AutoscalerRole, Repository, Bastion string
	Emails                                    []string
}

// DevStack is the dev stack of Pulumi.dev.yaml after `pulumi up`.
func DevStack() Stack {
	return Stack{
		Region: "ap-northeast-2", Account: "123456789012",
		Cluster: "mission-link-dev", NodeGroup: "mission-link-dev-nodes-5c2e9a1",
		AutoScalingGroup: "eks-mission-link-dev-nodes-5c2e9a1-70c8f3a4-3d1b-4a5e-9f62-0b7d4c1e8a93",
		InstanceType:     "t3.medium",
		Bus:              "mission-link-dev", Rule: "mission-link-dev-app-events-8d41f07", Source: "mission-link",
		Topic:  "mission-link-dev-notifications-2b7e4c9",
		Queue:  "mission-link-dev-events-dlq-6a0f3d2",
		Secret: "mission-link/dev/database-Qx7Yp2",
		Key:    "7c2e9f4a-1b8d-4e6a-9c3f-5d0b2a7e8f16",
		Role:   "mission-link-dev-app-role-1f9b8e3", AutoscalerRole: "mission-link-dev-cluster-autoscaler-6b1e3d9",
		Repository: "mission-link-dev", Bastion: "i-0c4f1a9e2b7d35810",
		Emails: []string{"mission-link-dev@example.com"},
	}
}

func (s Stack) arn(service, resource string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, s.Region, s.Account, resource)
}

// BusARN, RuleARN, TopicARN, QueueARN, QueueURL, SecretARN and RoleARN are the stack's ARNs.
func (s Stack) BusARN() string    { return s.arn("events", "event-bus/"+s.Bus) }
func (s Stack) RuleARN() string   { return s.arn("events", "rule/"+s.Bus+"/"+s.Rule) }
func (s Stack) TopicARN() string  { return s.arn("sns", s.Topic) }
func (s Stack) QueueARN() string  { return s.arn("sqs", s.Queue) }
func (s Stack) SecretARN() string { return s.arn("secretsmanager", "secret:"+s.Secret) }
func (s Stack) RoleARN() string   { return fmt.Sprintf("arn:aws:iam::%s:role/%s", s.Account, s.Role) }

// KeyARN, AutoscalerRoleARN, NodeGroupARN and AutoScalingGroupARN are the ARNs of the secret's
// key, the autoscaler's role, the node group and its Auto Scaling group.
func (s Stack) KeyARN() string { return s.arn("kms", "key/"+s.Key) }
func (s Stack) AutoscalerRoleARN() string {
	return fmt.Sprintf("arn:aws:iam::%s:role/%s", s.Account, s.AutoscalerRole)
}
func (s Stack) NodeGroupARN() string {
	return s.arn("eks", "nodegroup/"+s.Cluster+"/"+s.NodeGroup+"/70c8f3a4-3d1b-4a5e-9f62-0b7d4c1e8a93")
}
func (s Stack) AutoScalingGroupARN() string {
	return s.arn("autoscaling", "autoScalingGroup:2e7d9b1c-4a6f-4c3e-8b5d-1f0a9e8c7d6b:autoScalingGroupName/"+s.AutoScalingGroup)
}

func (s Stack) QueueURL() string {
	return fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", s.Region, s.Account, s.Queue)
}

// RepositoryURL is the ECR repository's URL.
func (s Stack) RepositoryURL() string {
	return fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", s.Account, s.Region, s.Repository)
}

// Outputs are the stack's outputs as `pulumi stack output --json` prints them (those verify reads,
// and a few it does not).
func (s Stack) Outputs() map[string]any {
	emails := make([]any, len(s.Emails))
	for i, e := range s.Emails {
		emails[i] = e
	}
	return map[string]any{
		"region": s.Region, "clusterName": s.Cluster, "clusterVersion": "1.35",
		"clusterLogTypes": []any{"api", "audit", "authenticator", "controllerManager", "scheduler"},
		"nodeGroupName":   s.NodeGroup, "storageClassName": "gp3",
		"clusterEndpoint": "https://6F1C8E0D3B2A49F7A5E4D3C2B1A09F8E.gr7." + s.Region + ".eks.amazonaws.com",
		"eventBusName":    s.Bus, "eventBusArn": s.BusARN(), "eventRuleArn": s.RuleARN(), "appEventSource": s.Source,
		"topicArn": s.TopicARN(), "deadLetterQueueUrl": s.QueueURL(), "deadLetterQueueArn": s.QueueARN(),
		"notificationEmails": emails, "databaseSecretArn": s.SecretARN(), "databaseSecretName": "mission-link/dev/database",
		"appRoleArn": s.RoleARN(), "repositoryUrl": s.RepositoryURL(),
		"appNamespace": "mission-link", "appServiceAccount": "mission-link",
		"bastionInstanceId":     s.Bastion,
		"bastionSessionCommand": fmt.Sprintf("aws ssm start-session --region %s --target %s", s.Region, s.Bastion),
		"argocdNamespace":       "argocd", "argocdApplication": "mission-link",
		"kubeconfig": "[secret]",
	}
}

// EKS REST paths of the stack's cluster.
func (s Stack) ClusterPath() string           { return "GET /clusters/" + s.Cluster }
func (s Stack) AddonsPath() string            { return s.ClusterPath() + "/addons" }
func (s Stack) AddonPath(addon string) string { return s.AddonsPath() + "/" + addon }
func (s Stack) NodeGroupPath() string         { return s.ClusterPath() + "/node-groups/" + s.NodeGroup }
func epoch(t time.Time) string                { return fmt.Sprintf("%.3f", float64(t.UnixMilli())/1000) }
func quoted(list []string) string             { b, _ := json.Marshal(list); return string(b) }
func created() time.Time                      { return time.Date(2026, 8, 3, 9, 12, 44, 0, time.UTC) }
func addonVersion(addon string) string {
	return map[string]string{"aws-ebs-csi-driver": "v1.48.0-eksbuild.1", "coredns": "v1.12.4-eksbuild.1", "kube-proxy": "v1.35.0-eksbuild.2", "metrics-server": "v0.8.0-eksbuild.3", "vpc-cni": "v1.20.1-eksbuild.3"}[addon]
}
func (s Stack) topicSubscription(id string) string { return s.TopicARN() + ":" + id }

// Addons are the managed addons the stack installs.
var Addons = []string{"aws-ebs-csi-driver", "coredns", "kube-proxy", "metrics-server", "vpc-cni"}

// ClusterBody is DescribeCluster's answer with the given version and log setups.
func (s Stack) ClusterBody(status, version, logging string) string {
	return fmt.Sprintf(`{"cluster":{"name":%q,"arn":%q,"createdAt":%s,"version":%q,
"endpoint":"https://6F1C8E0D3B2A49F7A5E4D3C2B1A09F8E.gr7.%s.eks.amazonaws.com",
"roleArn":"arn:aws:iam::%s:role/mission-link-dev-eksRole-3a9c1f2",
"resourcesVpcConfig":{"subnetIds":["subnet-0a1b2c3d4e5f60718","subnet-0f1e2d3c4b5a69788"],"securityGroupIds":["sg-0d4c3b2a190817263"],"clusterSecurityGroupId":"sg-05e4d3c2b1a097856","vpcId":"vpc-0123456789abcdef0","endpointPublicAccess":true,"endpointPrivateAccess":true,"publicAccessCidrs":["203.0.113.0/24"]},
"kubernetesNetworkConfig":{"serviceIpv4Cidr":"172.20.0.0/16","ipFamily":"ipv4"},
"logging":{"clusterLogging":%s},
"identity":{"oidc":{"issuer":"https://oidc.eks.%s.amazonaws.com/id/6F1C8E0D3B2A49F7A5E4D3C2B1A09F8E"}},
"status":%q,"certificateAuthority":{"data":"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMvakNDQWVhZ0F3SUJBZ0lCQURBTkJna3Foa2lHOXcwQkFRc0ZBREFWTVJNd0VRWURWUVFERXdwcmRXSmwKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="},
"platformVersion":"eks.8","tags":{"Project":"mission-link","Stack":"dev","ManagedBy":"pulumi"},
"encryptionConfig":[{"resources":["secrets"],"provider":{"keyArn":"arn:aws:kms:%s:%s:key/4b1e9c2a-7d3f-4e8a-b5c6-0f1a2b3c4d5e"}}],
"accessConfig":{"authenticationMode":"API"},"upgradePolicy":{"supportType":"STANDARD"}}}`,
		s.Cluster, s.arn("eks", "cluster/"+s.Cluster), epoch(created()), version, s.Region, s.Account, logging, s.Region, status, s.Region, s.Account)
}

// AllLogs is the logging of a cluster with every control plane log on.
const AllLogs = `[{"types":["api","audit","authenticator","controllerManager","scheduler"],"enabled":true}]`

// AddonBody is DescribeAddon's answer; issues is the JSON list of its health issues.
func (s Stack) AddonBody(addon, status, issues string) string {
	return fmt.Sprintf(`{"addon":{"addonName":%q,"clusterName":%q,"status":%q,"addonVersion":%q,"health":{"issues":%s},
"addonArn":%q,"createdAt":%s,"modifiedAt":%s,"tags":{}}}`,
		addon, s.Cluster, status, addonVersion(addon), issues, s.arn("eks", "addon/"+s.Cluster+"/"+addon+"/a6c8d2e4-1b3f-5a7c-9e0d-2f4a6b8c0d1e"),
		epoch(created()), epoch(created().Add(20*time.Minute)))
}

// NodeGroupBody is DescribeNodegroup's answer.
func (s Stack) NodeGroupBody(status, issues string) string {
	return fmt.Sprintf(`{"nodegroup":{"nodegroupName":%q,"nodegroupArn":%q,"clusterName":%q,"version":"1.35","releaseVersion":"1.35.0-20260801",
"createdAt":%s,"modifiedAt":%s,"status":%q,"capacityType":"ON_DEMAND","scalingConfig":{"minSize":1,"maxSize":2,"desiredSize":1},
"instanceTypes":[%q],"subnets":["subnet-0a1b2c3d4e5f60718","subnet-0f1e2d3c4b5a69788"],"amiType":"AL2023_x86_64_STANDARD",
"nodeRole":"arn:aws:iam::%s:role/mission-link-dev-node-7e2d4f1","labels":{},
"resources":{"autoScalingGroups":[{"name":%q}]},"health":{"issues":%s},"updateConfig":{"maxUnavailable":1},
"launchTemplate":{"name":"mission-link-dev-nodes-20260803091244","version":"1","id":"lt-0b9a8c7d6e5f43210"},"tags":{}}}`,
		s.NodeGroup, s.NodeGroupARN(), s.Cluster,
		epoch(created()), epoch(created().Add(8*time.Minute)), status, s.InstanceType, s.Account, s.AutoScalingGroup, issues)
}

// InstanceTypesBody is EC2's DescribeInstanceTypes answer for a t3.medium.
const InstanceTypesBody = `<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstanceTypesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>8f3e2d1c-0b9a-4e7d-8c6b-5a4f3e2d1c0b</requestId>
    <instanceTypeSet>
        <item>
            <instanceType>t3.medium</instanceType>
            <currentGeneration>true</currentGeneration>
            <freeTierEligible>false</freeTierEligible>
            <supportedUsageClasses><item>on-demand</item><item>spot</item></supportedUsageClasses>
            <supportedRootDeviceTypes><item>ebs</item></supportedRootDeviceTypes>
            <bareMetal>false</bareMetal>
            <hypervisor>nitro</hypervisor>
            <processorInfo><supportedArchitectures><item>x86_64</item></supportedArchitectures><sustainedClockSpeedInGhz>2.5</sustainedClockSpeedInGhz></processorInfo>
            <vCpuInfo><defaultVCpus>2</defaultVCpus><defaultCores>1</defaultCores><defaultThreadsPerCore>2</defaultThreadsPerCore></vCpuInfo>
            <memoryInfo><sizeInMiB>4096</sizeInMiB></memoryInfo>
            <instanceStorageSupported>false</instanceStorageSupported>
            <networkInfo>
                <networkPerformance>Up to 5 Gigabit</networkPerformance>
                <maximumNetworkInterfaces>3</maximumNetworkInterfaces>
                <maximumNetworkCards>1</maximumNetworkCards>
                <defaultNetworkCardIndex>0</defaultNetworkCardIndex>
                <ipv4AddressesPerInterface>6</ipv4AddressesPerInterface>
                <ipv6AddressesPerInterface>6</ipv6AddressesPerInterface>
                <ipv6Supported>true</ipv6Supported>
                <enaSupport>required</enaSupport>
                <efaSupported>false</efaSupported>
                <encryptionInTransitSupported>false</encryptionInTransitSupported>
            </networkInfo>
            <burstablePerformanceSupported>true</burstablePerformanceSupported>
        </item>
    </instanceTypeSet>
</DescribeInstanceTypesResponse>`

// IdentityBody is STS's GetCallerIdentity answer for an SSO user.
func (s Stack) IdentityBody() string {
	return fmt.Sprintf(`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:sts::%[1]s:assumed-role/AWSReservedSSO_AdministratorAccess_5f2a8c1d9e3b7a46/dev@example.com</Arn>
    <UserId>AROAEXAMPLEID0123456:dev@example.com</UserId>
    <Account>%[1]s</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>`, s.Account)
}

// ExpiredToken is STS's answer to expired credentials.
func ExpiredToken() Response {
	r := XML(`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>ExpiredToken</Code>
    <Message>The security token included in the request is expired</Message>
  </Error>
  <RequestId>c1b2a3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d</RequestId>
</ErrorResponse>`)
	r.Status = 403
	return r
}

// RuleBody is DescribeRule's answer with the given pattern.
func (s Stack) RuleBody(pattern string) string {
	return fmt.Sprintf(`{"Arn":%q,"CreatedBy":%q,"Description":"Events the app publishes with source \"%s\"","EventBusName":%q,"EventPattern":%q,"Name":%q,"State":"ENABLED"}`,
		s.RuleARN(), s.Account, s.Source, s.Bus, pattern, s.Rule)
}

// TargetsBody is ListTargetsByRule's answer: the topic, with deadLetter as its dead-letter queue.
func (s Stack) TargetsBody(target, deadLetter string) string {
	return fmt.Sprintf(`{"Targets":[{"Arn":%q,"DeadLetterConfig":{"Arn":%q},"Id":"%s-notifications-4c1d2e3","RetryPolicy":{"MaximumEventAgeInSeconds":86400,"MaximumRetryAttempts":185}}]}`,
		target, deadLetter, s.Bus)
}

// MatchSourcePattern answers events:TestEventPattern as EventBridge does for a pattern of the
// form {"source": [...]}: true when the event's source is listed.
func MatchSourcePattern(c Call) Response {
	var in struct{ Event, EventPattern string }
	if err := json.Unmarshal(c.Body, &in); err != nil {
		return JSONError("1.1", 400, "InvalidEventPatternException", err.Error())
	}
	var event struct {
		Source string `json:"source"`
	}
	var pattern map[string][]string
	if err := json.Unmarshal([]byte(in.Event), &event); err != nil {
		return JSONError("1.1", 400, "InvalidEventPatternException", "Event is not valid JSON")
	}
	if err := json.Unmarshal([]byte(in.EventPattern), &pattern); err != nil {
		return JSONError("1.1", 400, "InvalidEventPatternException", "Event pattern is not valid")
	}
	return JSON("1.1", fmt.Sprintf(`{"Result":%t}`, slices.Contains(pattern["source"], event.Source)))
}

// QueueBody is SQS's GetQueueAttributes answer with that many visible and in-flight messages.
func QueueBody(visible, inFlight int) string {
	return fmt.Sprintf(`{"Attributes":{"ApproximateNumberOfMessages":"%d","ApproximateNumberOfMessagesNotVisible":"%d"}}`, visible, inFlight)
}

// Subscription is one subscription of the topic: its endpoint, and its ARN or PendingConfirmation.
type Subscription struct{ Endpoint, ARN string }

// Confirmed is a confirmed email subscription with a subscription ID.
func (s Stack) Confirmed(email, id string) Subscription {
	return Subscription{email, s.topicSubscription(id)}
}

// SubscriptionsBody is SNS's ListSubscriptionsByTopic answer.
func (s Stack) SubscriptionsBody(subs ...Subscription) string {
	var b strings.Builder
	for _, sub := range subs {
		fmt.Fprintf(&b, `
      <member>
        <TopicArn>%s</TopicArn>
        <Protocol>email</Protocol>
        <SubscriptionArn>%s</SubscriptionArn>
        <Owner>%s</Owner>
        <Endpoint>%s</Endpoint>
      </member>`, s.TopicARN(), sub.ARN, s.Account, sub.Endpoint)
	}
	return fmt.Sprintf(`<ListSubscriptionsByTopicResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <ListSubscriptionsByTopicResult>
    <Subscriptions>%s
    </Subscriptions>
  </ListSubscriptionsByTopicResult>
  <ResponseMetadata>
    <RequestId>384ac68d-3775-11df-8963-01868b7c937a</RequestId>
  </ResponseMetadata>
</ListSubscriptionsByTopicResponse>`, b.String())
}

// SecretBody is Secrets Manager's DescribeSecret answer for the secret encrypted with the stack's
// key; deleted is empty or the deletion time.
func (s Stack) SecretBody(deleted *time.Time) string {
	return s.SecretBodyWithKey(s.KeyARN(), deleted)
}

// SecretBodyWithKey is DescribeSecret's answer for the secret encrypted with key: "" is the AWS
// managed key aws/secretsmanager, for which Secrets Manager omits KmsKeyId.
func (s Stack) SecretBodyWithKey(key string, deleted *time.Time) string {
	fields := ""
	if key != "" {
		fields += fmt.Sprintf(`,"KmsKeyId":%q`, key)
	}
	if deleted != nil {
		fields += fmt.Sprintf(`,"DeletedDate":%s`, epoch(*deleted))
	}
	return fmt.Sprintf(`{"ARN":%q,"Name":"mission-link/dev/database","Description":"Database connection of the mission-link app",
"LastChangedDate":%s,"LastAccessedDate":1786060800,"CreatedDate":%s,"Tags":[{"Key":"Project","Value":"mission-link"},{"Key":"Stack","Value":"dev"}],
"VersionIdsToStages":{"5c9e2f1a-8b3d-4e7c-a6f0-1d2e3f4a5b6c":["AWSCURRENT"]}%s}`,
		s.SecretARN(), epoch(created()), epoch(created()), fields)
}

// KeyBody is KMS's DescribeKey answer for the secret's key in state (Enabled, Disabled,
// PendingDeletion, ...); deletion is the deletion date of a key PendingDeletion.
func (s Stack) KeyBody(state string, deletion *time.Time) string {
	deletionField := ""
	if deletion != nil {
		deletionField = fmt.Sprintf(`,"DeletionDate":%s`, epoch(*deletion))
	}
	return fmt.Sprintf(`{"KeyMetadata":{"AWSAccountId":%q,"KeyId":%q,"Arn":%q,"CreationDate":%s,"Enabled":%t,
"Description":"Encrypts the app's database secret in Secrets Manager","KeyUsage":"ENCRYPT_DECRYPT","KeyState":%q,"Origin":"AWS_KMS",
"KeyManager":"CUSTOMER","CustomerMasterKeySpec":"SYMMETRIC_DEFAULT","KeySpec":"SYMMETRIC_DEFAULT","EncryptionAlgorithms":["SYMMETRIC_DEFAULT"],
"MultiRegion":false%s}}`,
		s.Account, s.Key, s.KeyARN(), epoch(created()), state == "Enabled", state, deletionField)
}

// KeyPolicy is the secret key's policy as secrets.KeyPolicy writes it, its Deny naming Secrets
// Manager in region.
func (s Stack) KeyPolicy(region string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"AccountAdministersKey","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::%s:root"]},"Action":["kms:*"],"Resource":["*"]},{"Sid":"DecryptOnlyThroughSecretsManager","Effect":"Deny","Principal":{"AWS":["*"]},"Action":["kms:Decrypt"],"Resource":["*"],"Condition":{"StringNotEquals":{"kms:ViaService":["secretsmanager.%s.amazonaws.com"]}}}]}`,
		s.Account, region)
}

// KeyPolicyBody is KMS's GetKeyPolicy answer with policy.
func KeyPolicyBody(policy string) string {
	return fmt.Sprintf(`{"Policy":%q,"PolicyName":"default"}`, policy)
}

// AppRolePolicy is the app role's policy as app.Permissions writes it: AppPolicy's grants, the
// topic's other actions, and kms:Decrypt of the secret's key through Secrets Manager only (of the
// topic's key through SNS only).
func (s Stack) AppRolePolicy() string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
{"Sid":"ReadDatabaseSecret","Effect":"Allow","Action":["secretsmanager:GetSecretValue"],"Resource":[%q]},
{"Sid":"DecryptDatabaseSecret","Effect":"Allow","Action":["kms:Decrypt"],"Resource":[%q],"Condition":{"StringEquals":{"kms:ViaService":["secretsmanager.%s.amazonaws.com"]}}},
{"Sid":"PutAppEvents","Effect":"Allow","Action":["events:PutEvents"],"Resource":[%q]},
{"Sid":"UseNotificationTopic","Effect":"Allow","Action":["sns:Subscribe","sns:ListSubscriptionsByTopic","sns:Publish"],"Resource":[%q]},
{"Sid":"EncryptForNotificationTopic","Effect":"Allow","Action":["kms:GenerateDataKey","kms:Decrypt"],"Resource":[%q],"Condition":{"StringEquals":{"kms:ViaService":["sns.%s.amazonaws.com"]}}}]}`,
		s.SecretARN(), s.KeyARN(), s.Region, s.BusARN(), s.TopicARN(), s.arn("kms", "key/3a8d1f6c-2e9b-4c7a-b5d0-8f1e4a2c6b93"), s.Region)
}

// AutoscalerPolicy is the autoscaler role's policy as eks.AutoscalerPolicy writes it: scaling only
// groups that carry both discovery tags of this cluster.
func (s Stack) AutoscalerPolicy() string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
{"Sid":"DescribeScalingState","Effect":"Allow","Action":["autoscaling:DescribeAutoScalingGroups","autoscaling:DescribeAutoScalingInstances","autoscaling:DescribeLaunchConfigurations","autoscaling:DescribeScalingActivities","ec2:DescribeImages","ec2:DescribeInstanceTypes","ec2:DescribeLaunchTemplateVersions","ec2:GetInstanceTypesFromInstanceRequirements"],"Resource":["*"]},
{"Sid":"DescribeNodeGroup","Effect":"Allow","Action":["eks:DescribeNodegroup"],"Resource":[%q]},
{"Sid":"ScaleThisClustersGroups","Effect":"Allow","Action":["autoscaling:SetDesiredCapacity","autoscaling:TerminateInstanceInAutoScalingGroup"],"Resource":["*"],"Condition":{"StringEquals":{"aws:ResourceTag/k8s.io/cluster-autoscaler/enabled":["true"],"aws:ResourceTag/k8s.io/cluster-autoscaler/%s":["owned"]}}}]}`,
		s.NodeGroupARN(), s.Cluster)
}

// RolePolicies are the identity policies of the stack's roles that verify simulates, by role ARN.
func (s Stack) RolePolicies() map[string]string {
	return map[string]string{s.RoleARN(): s.AppRolePolicy(), s.AutoscalerRoleARN(): s.AutoscalerPolicy()}
}

// GroupTags are the tags EKS puts on the node group's Auto Scaling group.
func (s Stack) GroupTags() map[string]string {
	return map[string]string{
		"eks:cluster-name":                       s.Cluster,
		"eks:nodegroup-name":                     s.NodeGroup,
		"k8s.io/cluster-autoscaler/enabled":      "true",
		"k8s.io/cluster-autoscaler/" + s.Cluster: "owned",
		"kubernetes.io/cluster/" + s.Cluster:     "owned",
	}
}

// AutoScalingGroupsBody is Auto Scaling's DescribeAutoScalingGroups answer: the node group's group
// with tags.
func (s Stack) AutoScalingGroupsBody(tags map[string]string) string {
	var b strings.Builder
	for _, key := range slices.Sorted(maps.Keys(tags)) {
		fmt.Fprintf(&b, `
          <member>
            <ResourceId>%s</ResourceId>
            <PropagateAtLaunch>true</PropagateAtLaunch>
            <Value>%s</Value>
            <Key>%s</Key>
            <ResourceType>auto-scaling-group</ResourceType>
          </member>`, s.AutoScalingGroup, tags[key], key)
	}
	return fmt.Sprintf(`<DescribeAutoScalingGroupsResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">
  <DescribeAutoScalingGroupsResult>
    <AutoScalingGroups>
      <member>
        <AutoScalingGroupName>%s</AutoScalingGroupName>
        <AutoScalingGroupARN>%s</AutoScalingGroupARN>
        <MixedInstancesPolicy>
          <LaunchTemplate>
            <LaunchTemplateSpecification>
              <LaunchTemplateId>lt-0b9a8c7d6e5f43210</LaunchTemplateId>
              <LaunchTemplateName>mission-link-dev-nodes-20260803091244</LaunchTemplateName>
              <Version>1</Version>
            </LaunchTemplateSpecification>
            <Overrides><member><InstanceType>%s</InstanceType></member></Overrides>
          </LaunchTemplate>
          <InstancesDistribution>
            <OnDemandAllocationStrategy>prioritized</OnDemandAllocationStrategy>
            <OnDemandBaseCapacity>0</OnDemandBaseCapacity>
            <OnDemandPercentageAboveBaseCapacity>100</OnDemandPercentageAboveBaseCapacity>
            <SpotAllocationStrategy>lowest-price</SpotAllocationStrategy>
          </InstancesDistribution>
        </MixedInstancesPolicy>
        <MinSize>1</MinSize>
        <MaxSize>2</MaxSize>
        <DesiredCapacity>1</DesiredCapacity>
        <DefaultCooldown>300</DefaultCooldown>
        <AvailabilityZones>
          <member>%sa</member>
          <member>%sc</member>
        </AvailabilityZones>
        <HealthCheckType>EC2</HealthCheckType>
        <HealthCheckGracePeriod>15</HealthCheckGracePeriod>
        <Instances>
          <member>
            <InstanceId>i-0a1b2c3d4e5f60718</InstanceId>
            <InstanceType>%s</InstanceType>
            <AvailabilityZone>%sa</AvailabilityZone>
            <LifecycleState>InService</LifecycleState>
            <HealthStatus>Healthy</HealthStatus>
            <ProtectedFromScaleIn>false</ProtectedFromScaleIn>
          </member>
        </Instances>
        <CreatedTime>2026-08-03T09:14:02.117Z</CreatedTime>
        <VPCZoneIdentifier>subnet-0a1b2c3d4e5f60718,subnet-0f1e2d3c4b5a69788</VPCZoneIdentifier>
        <Tags>%s
        </Tags>
        <TerminationPolicies><member>AllocationStrategy</member><member>OldestLaunchTemplate</member><member>OldestInstance</member></TerminationPolicies>
        <NewInstancesProtectedFromScaleIn>false</NewInstancesProtectedFromScaleIn>
        <ServiceLinkedRoleARN>arn:aws:iam::%s:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling</ServiceLinkedRoleARN>
        <CapacityRebalance>true</CapacityRebalance>
      </member>
    </AutoScalingGroups>
  </DescribeAutoScalingGroupsResult>
  <ResponseMetadata>
    <RequestId>3e1b8a4c-2d7f-4c9e-a5b6-0f8d1e2c3b4a</RequestId>
  </ResponseMetadata>
</DescribeAutoScalingGroupsResponse>`, s.AutoScalingGroup, s.AutoScalingGroupARN(), s.InstanceType, s.Region, s.Region, s.InstanceType, s.Region, b.String(), s.Account)
}

// Issuer is the cluster's OIDC issuer without its scheme, as IRSA trust conditions name it.
func (s Stack) Issuer() string {
	return "oidc.eks." + s.Region + ".amazonaws.com/id/6F1C8E0D3B2A49F7A5E4D3C2B1A09F8E"
}

// AppTrust is the app role's trust policy as the stack writes it (eks/irsa), for subject.
func (s Stack) AppTrust(subject string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::%s:oidc-provider/%s"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"%s:aud":"sts.amazonaws.com","%s:sub":"%s"}}}]}`,
		s.Account, s.Issuer(), s.Issuer(), s.Issuer(), subject)
}

// RoleBody is iam:GetRole's answer for the app role with a trust policy, URL-encoded as IAM
// returns it.
func (s Stack) RoleBody(trust string) string {
	return fmt.Sprintf(`<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <GetRoleResult>
    <Role>
      <Path>/</Path>
      <AssumeRolePolicyDocument>%s</AssumeRolePolicyDocument>
      <MaxSessionDuration>3600</MaxSessionDuration>
      <RoleId>AROA2EXAMPLE7D3A1F0QX</RoleId>
      <RoleName>%s</RoleName>
      <Arn>%s</Arn>
      <CreateDate>2026-11-20T10:00:00Z</CreateDate>
    </Role>
  </GetRoleResult>
  <ResponseMetadata>
    <RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId>
  </ResponseMetadata>
</GetRoleResponse>`, url.QueryEscape(trust), s.Role, s.RoleARN())
}

// AppPolicy is what the stack's app role may do.
func (s Stack) AppPolicy() map[string]string {
	return map[string]string{
		"secretsmanager:GetSecretValue": s.SecretARN(),
		"events:PutEvents":              s.BusARN(),
		"sns:Publish":                   s.TopicARN(),
	}
}

// RepositoryBody is ECR's DescribeRepositories answer.
func (s Stack) RepositoryBody(scanOnPush bool) string {
	return fmt.Sprintf(`{"repositories":[{"repositoryArn":%q,"registryId":%q,"repositoryName":%q,"repositoryUri":%q,"createdAt":%s,
"imageTagMutability":"IMMUTABLE","imageScanningConfiguration":{"scanOnPush":%t},
"encryptionConfiguration":{"encryptionType":"KMS","kmsKey":"arn:aws:kms:%s:%s:key/9d8c7b6a-5f4e-3d2c-1b0a-9f8e7d6c5b4a"}}]}`,
		s.arn("ecr", "repository/"+s.Repository), s.Account, s.Repository, s.RepositoryURL(), epoch(created()), scanOnPush, s.Region, s.Account)
}

// ImagesBody is ECR's ListImages answer with those tags.
func ImagesBody(tags ...string) string {
	var ids []string
	for i, tag := range tags {
		ids = append(ids, fmt.Sprintf(`{"imageDigest":"sha256:%064x","imageTag":%q}`, i+1, tag))
	}
	return `{"imageIds":[` + strings.Join(ids, ",") + `]}`
}

// InstanceInformationBody is SSM's DescribeInstanceInformation answer for the bastion.
func (s Stack) InstanceInformationBody(ping string) string {
	return fmt.Sprintf(`{"InstanceInformationList":[{"InstanceId":%q,"PingStatus":%q,"LastPingDateTime":%s,"AgentVersion":"3.3.2299.0",
"IsLatestVersion":false,"PlatformType":"Linux","PlatformName":"Amazon Linux","PlatformVersion":"2023","ResourceType":"EC2Instance",
"IPAddress":"10.0.3.17","ComputerName":"ip-10-0-3-17.%s.compute.internal","AssociationStatus":"Success",
"LastAssociationExecutionDate":%s,"LastSuccessfulAssociationExecutionDate":%s,"SourceId":%q,"SourceType":"AWS::EC2::Instance"}]}`,
		s.Bastion, ping, epoch(created().Add(2*time.Hour)), s.Region, epoch(created()), epoch(created()), s.Bastion)
}

// MetricBody is CloudWatch's GetMetricStatistics answer in CBOR: one datapoint per sum.
func MetricBody(metric string, at time.Time, sums ...float64) []byte {
	points := cbor.List{}
	for i, sum := range sums {
		points = append(points, cbor.Map{
			"Timestamp": &cbor.Tag{ID: 1, Value: cbor.Float64(float64(at.Add(time.Duration(i) * time.Minute).Unix()))},
			"Sum":       cbor.Float64(sum),
			"Unit":      cbor.String("Count"),
		})
	}
	return cbor.Encode(cbor.Map{"Label": cbor.String(metric), "Datapoints": points})
}

// RecordHealthy records the answers of a healthy, deployed stack.
func (r *Replay) RecordHealthy(s Stack) {
	r.Set("sts", "GetCallerIdentity", XML(s.IdentityBody()))
	r.Set("eks", s.ClusterPath(), RestJSON(200, s.ClusterBody("ACTIVE", "1.35", AllLogs)))
	r.Set("eks", s.AddonsPath(), RestJSON(200, `{"addons":`+quoted(Addons)+`}`))
	for _, addon := range Addons {
		r.Set("eks", s.AddonPath(addon), RestJSON(200, s.AddonBody(addon, "ACTIVE", "[]")))
	}
	r.Set("eks", s.NodeGroupPath(), RestJSON(200, s.NodeGroupBody("ACTIVE", "[]")))
	r.Set("ec2", "DescribeInstanceTypes", XML(InstanceTypesBody))
	r.Set("events", "DescribeRule", JSON("1.1", s.RuleBody(`{"source":["`+s.Source+`"]}`)))
	r.SetFunc("events", "TestEventPattern", MatchSourcePattern)
	r.Set("events", "ListTargetsByRule", JSON("1.1", s.TargetsBody(s.TopicARN(), s.QueueARN())))
	r.Set("sqs", "GetQueueAttributes", JSON("1.0", QueueBody(0, 0)))
	var subs []Subscription
	for i, e := range s.Emails {
		subs = append(subs, s.Confirmed(e, fmt.Sprintf("7d3a2b1c-4e5f-4a6b-8c7d-%012d", i)))
	}
	r.Set("sns", "ListSubscriptionsByTopic", XML(s.SubscriptionsBody(subs...)))
	r.Set("secretsmanager", "DescribeSecret", JSON("1.1", s.SecretBody(nil)))
	r.Set("kms", "DescribeKey", JSON("1.1", s.KeyBody("Enabled", nil)))
	r.Set("kms", "GetKeyPolicy", JSON("1.1", KeyPolicyBody(s.KeyPolicy(s.Region))))
	r.SetFunc("iam", "SimulatePrincipalPolicy", SimulatePolicies(s.RolePolicies()))
	r.Set("autoscaling", "DescribeAutoScalingGroups", XML(s.AutoScalingGroupsBody(s.GroupTags())))
	r.Set("iam", "GetRole", XML(s.RoleBody(s.AppTrust("system:serviceaccount:mission-link:mission-link"))))
	r.Set("ecr", "DescribeRepositories", JSON("1.1", s.RepositoryBody(true)))
	r.Set("ecr", "ListImages", JSON("1.1", ImagesBody("3f9c2d1e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e")))
	r.Set("ssm", "DescribeInstanceInformation", JSON("1.1", s.InstanceInformationBody("Online")))
}
