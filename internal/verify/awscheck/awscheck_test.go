package awscheck_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mission-link/infra/internal/verify/awscheck"
	"github.com/mission-link/infra/internal/verify/internal/awsreplay"
	"github.com/mission-link/infra/internal/verify/report"
	"github.com/mission-link/infra/internal/verify/report/reporttest"
)

// healthy returns clients answered by the recorded responses of a healthy dev stack.
func healthy(t *testing.T) (*awsreplay.Replay, awscheck.Clients, awsreplay.Stack) {
	t.Helper()
	s := awsreplay.DevStack()
	r := awsreplay.New()
	r.RecordHealthy(s)
	return r, awscheck.NewClients(r.Config(s.Region)), s
}

func want(s awsreplay.Stack) awscheck.EventsWant {
	return awscheck.EventsWant{Region: s.Region, BusName: s.Bus, BusARN: s.BusARN(), RuleName: s.Rule, Source: s.Source,
		TopicARN: s.TopicARN(), QueueURL: s.QueueURL(), QueueARN: s.QueueARN()}
}

func clusterWant(s awsreplay.Stack) awscheck.ClusterWant {
	return awscheck.ClusterWant{Name: s.Cluster, Version: "1.35", LogTypes: []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}}
}

// expect is reporttest.Expect, shortened for the many checks below.
var expect = reporttest.Expect

func only(t *testing.T, results []report.Result, status report.Status) {
	t.Helper()
	for _, r := range results {
		if r.Status != status {
			t.Errorf("%s %s: %s (%s)", r.Status, r.Check, r.Message, r.Cause)
		}
	}
}

func TestIdentity(t *testing.T) {
	r, c, s := healthy(t)
	res, err := awscheck.Identity(context.Background(), c.STS)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, res, report.Pass, "assumed-role/AWSReservedSSO_AdministratorAccess", s.Account)

	r.Set("sts", "GetCallerIdentity", awsreplay.ExpiredToken())
	if _, err := awscheck.Identity(context.Background(), c.STS); !errors.Is(err, awscheck.ErrNoCredentials) || !strings.Contains(err.Error(), "ExpiredToken") {
		t.Errorf("expired credentials: %v", err)
	}
}

func TestCluster(t *testing.T) {
	r, c, s := healthy(t)
	res, cluster := awscheck.Cluster(context.Background(), c.EKS, clusterWant(s))
	expect(t, res, report.Pass, "ACTIVE", "Kubernetes 1.35", "controllerManager")
	if cluster == nil || !strings.HasSuffix(*cluster.Endpoint, ".eks.amazonaws.com") || cluster.CertificateAuthority == nil {
		t.Errorf("cluster %+v, want its endpoint and CA for the Kubernetes client", cluster)
	}

	r.Set("eks", s.ClusterPath(), awsreplay.RestJSON(200, s.ClusterBody("UPDATING", "1.34",
		`[{"types":["api","audit"],"enabled":true},{"types":["authenticator","controllerManager","scheduler"],"enabled":false}]`)))
	res, _ = awscheck.Cluster(context.Background(), c.EKS, clusterWant(s))
	expect(t, res, report.Fail, "UPDATING, not ACTIVE", "version is 1.34, the stack configures 1.35", "logs off: authenticator, controllerManager, scheduler")

	r.Set("eks", s.ClusterPath(), awsreplay.RestJSONError(404, "ResourceNotFoundException", "No cluster found for name: mission-link-dev."))
	res, cluster = awscheck.Cluster(context.Background(), c.EKS, clusterWant(s))
	expect(t, res, report.Fail, "does not exist", "pulumi up")
	if cluster != nil {
		t.Error("a missing cluster has no endpoint")
	}
}

func TestAddons(t *testing.T) {
	r, c, s := healthy(t)
	results := awscheck.Addons(context.Background(), c.EKS, s.Cluster)
	only(t, results, report.Pass)
	if len(results) != len(awsreplay.Addons) {
		t.Errorf("%d results, want one per addon", len(results))
	}

	// The EBS CSI addon DEGRADED, as EKS reports an addon created before its nodes.
	r.Set("eks", s.AddonPath(awscheck.AddonEBSCSI), awsreplay.RestJSON(200, s.AddonBody(awscheck.AddonEBSCSI, "DEGRADED",
		`[{"code":"InsufficientNumberOfReplicas","message":"The add-on is unhealthy because it doesn't have the desired number of replicas.","resourceIds":[]}]`)))
	results = awscheck.Addons(context.Background(), c.EKS, s.Cluster)
	i := slices.IndexFunc(results, func(r report.Result) bool { return r.Check == "addon "+awscheck.AddonEBSCSI })
	expect(t, results[i], report.Fail, "is DEGRADED", "InsufficientNumberOfReplicas: The add-on is unhealthy", "waiting for a volume to be created", "ebs-csi-controller-sa")

	r.Set("eks", s.AddonsPath(), awsreplay.RestJSON(200, `{"addons":["coredns","kube-proxy"]}`))
	results = awscheck.Addons(context.Background(), c.EKS, s.Cluster)
	expect(t, results[0], report.Fail, "vpc-cni is not installed", "Too many pods")
	expect(t, results[1], report.Fail, "aws-ebs-csi-driver is not installed")
}

func TestNodeGroup(t *testing.T) {
	r, c, s := healthy(t)
	res, groups := awscheck.NodeGroup(context.Background(), c.EKS, s.Cluster, s.NodeGroup)
	expect(t, res, report.Pass, "ACTIVE", "min 1 / desired 1 / max 2")
	if !slices.Equal(groups, []string{s.AutoScalingGroup}) {
		t.Errorf("Auto Scaling groups %v", groups)
	}
	r.Set("eks", s.NodeGroupPath(), awsreplay.RestJSON(200, s.NodeGroupBody("DEGRADED",
		`[{"code":"NodeCreationFailure","message":"Instances failed to join the kubernetes cluster","resourceIds":["i-0a1b2c3d4e5f60718"]}]`)))
	res, _ = awscheck.NodeGroup(context.Background(), c.EKS, s.Cluster, s.NodeGroup)
	expect(t, res, report.Fail, "is DEGRADED", "NodeCreationFailure: Instances failed to join the kubernetes cluster (i-0a1b2c3d4e5f60718)")
}

func TestInstanceShapes(t *testing.T) {
	r, c, _ := healthy(t)
	shapes, err := awscheck.InstanceShapes(context.Background(), c.EC2, []string{"t3.medium"})
	if err != nil {
		t.Fatal(err)
	}
	if got := shapes["t3.medium"]; got.ENIs != 3 || got.IPv4PerENI != 6 || got.VCPUs != 2 {
		t.Errorf("t3.medium shape %+v, want 3 ENIs of 6 addresses, 2 vCPUs", got)
	}
	if calls := r.Calls("ec2", "DescribeInstanceTypes"); len(calls) != 1 || calls[0].Form.Get("InstanceType.1") != "t3.medium" {
		t.Errorf("DescribeInstanceTypes calls %+v", calls)
	}
}

func TestEventPattern(t *testing.T) {
	r, c, s := healthy(t)
	now := time.Date(2026, 8, 4, 10, 0, 0, 0, time.UTC)
	expect(t, awscheck.EventPattern(context.Background(), c.Events, want(s), now), report.Pass, `matches source "mission-link" and not "custom.myATMapp"`)
	calls := r.Calls("events", "TestEventPattern")
	if len(calls) != 2 {
		t.Fatalf("%d TestEventPattern calls, want one per source", len(calls))
	}
	var in struct{ Event string }
	if err := json.Unmarshal(calls[0].Body, &in); err != nil {
		t.Fatal(err)
	}
	var event map[string]any
	if err := json.Unmarshal([]byte(in.Event), &event); err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"id", "account", "source", "time", "region", "resources", "detail-type"} {
		if _, ok := event[field]; !ok {
			t.Errorf("the test event lacks %s, which TestEventPattern requires: %s", field, in.Event)
		}
	}
	if event["account"] != s.Account || event["region"] != s.Region {
		t.Errorf("test event account %v region %v", event["account"], event["region"])
	}

	// The team's rule: the source copied from a sample.
	r.Set("events", "DescribeRule", awsreplay.JSON("1.1", s.RuleBody(`{"source":["custom.myATMapp"]}`)))
	expect(t, awscheck.EventPattern(context.Background(), c.Events, want(s), now), report.Fail,
		`does not match events with source "mission-link"`, `{"source":["custom.myATMapp"]}`, "never reach SNS", "messaging.eventSource")

	r.Set("events", "DescribeRule", awsreplay.JSON("1.1", s.RuleBody(`{"source":["mission-link","custom.myATMapp"]}`)))
	expect(t, awscheck.EventPattern(context.Background(), c.Events, want(s), now), report.Fail, `also matches the sample source "custom.myATMapp"`)
}

func TestEventTarget(t *testing.T) {
	r, c, s := healthy(t)
	expect(t, awscheck.EventTarget(context.Background(), c.Events, want(s)), report.Pass, s.TopicARN(), s.QueueARN())
	r.Set("events", "ListTargetsByRule", awsreplay.JSON("1.1", s.TargetsBody(s.TopicARN(), s.QueueARN()+"-old")))
	expect(t, awscheck.EventTarget(context.Background(), c.Events, want(s)), report.Fail, "without the stack's dead-letter queue")
	r.Set("events", "ListTargetsByRule", awsreplay.JSON("1.1", s.TargetsBody("arn:aws:sns:ap-northeast-2:123456789012:other", s.QueueARN())))
	expect(t, awscheck.EventTarget(context.Background(), c.Events, want(s)), report.Fail, "does not deliver to topic", "never reach SNS")
}

func TestDeadLetterQueue(t *testing.T) {
	r, c, s := healthy(t)
	expect(t, awscheck.DeadLetterQueue(context.Background(), c.SQS, want(s)), report.Pass, "empty")
	if calls := r.Calls("sqs", "GetQueueAttributes"); len(calls) != 1 || !strings.Contains(string(calls[0].Body), s.QueueURL()) {
		t.Errorf("GetQueueAttributes calls %+v", calls)
	}
	r.Set("sqs", "GetQueueAttributes", awsreplay.JSON("1.0", awsreplay.QueueBody(3, 1)))
	expect(t, awscheck.DeadLetterQueue(context.Background(), c.SQS, want(s)), report.Warn, "holds 4 event(s)", "ERROR_CODE")
}

func TestTestDelivery(t *testing.T) {
	r, c, s := healthy(t)
	clock := time.Date(2026, 8, 4, 10, 0, 30, 0, time.UTC)
	now := func() time.Time { clock = clock.Add(10 * time.Second); return clock }
	r.Set("events", "PutEvents", awsreplay.JSON("1.1", `{"Entries":[{"EventId":"11710aed-b79e-4468-a20b-bb3c0c3b4860"}],"FailedEntryCount":0}`))
	polls := 0
	r.SetFunc("monitoring", "GetMetricStatistics", func(call awsreplay.Call) awsreplay.Response {
		if strings.Contains(string(call.Body), "Invocations") && !strings.Contains(string(call.Body), "FailedInvocations") && !strings.Contains(string(call.Body), "Dlq") {
			polls++
			if polls < 3 { // CloudWatch publishes the minute a little later
				return awsreplay.CBOR(awsreplay.MetricBody("Invocations", clock))
			}
			return awsreplay.CBOR(awsreplay.MetricBody("Invocations", clock, 1))
		}
		return awsreplay.CBOR(awsreplay.MetricBody("FailedInvocations", clock))
	})
	var progress []string
	opts := awscheck.DeliveryOptions{Timeout: 5 * time.Minute, Interval: time.Millisecond, Now: now, Progress: func(s string) { progress = append(progress, s) }}
	expect(t, awscheck.TestDelivery(context.Background(), c.Events, c.CloudWatch, want(s), opts), report.Pass, "reached topic")
	if len(progress) != 2 || !strings.Contains(progress[0], "waiting for rule "+s.Rule) {
		t.Errorf("progress %q", progress)
	}
	put := r.Calls("events", "PutEvents")
	if len(put) != 1 || !strings.Contains(string(put[0].Body), `"Source":"mission-link"`) || !strings.Contains(string(put[0].Body), `"EventBusName":"`+s.Bus+`"`) {
		t.Errorf("PutEvents calls %+v", put)
	}
	metrics := r.Calls("monitoring", "GetMetricStatistics")
	if !strings.Contains(string(metrics[0].Body), "EventBusName") || !strings.Contains(string(metrics[0].Body), s.Rule) {
		t.Error("the metric query does not name the custom bus's EventBusName and RuleName dimensions")
	}

	// No invocation within the wait.
	r.SetFunc("monitoring", "GetMetricStatistics", func(awsreplay.Call) awsreplay.Response {
		return awsreplay.CBOR(awsreplay.MetricBody("Invocations", clock))
	})
	opts.Timeout = time.Minute
	expect(t, awscheck.TestDelivery(context.Background(), c.Events, c.CloudWatch, want(s), opts), report.Fail, "no invocation of rule", "--event-timeout")

	// Invoked, but the topic refused it.
	r.SetFunc("monitoring", "GetMetricStatistics", func(awsreplay.Call) awsreplay.Response {
		return awsreplay.CBOR(awsreplay.MetricBody("Invocations", clock, 1))
	})
	expect(t, awscheck.TestDelivery(context.Background(), c.Events, c.CloudWatch, want(s), opts), report.Fail, "FailedInvocations is 1", "KMS key or topic policy")
}

func TestSubscriptions(t *testing.T) {
	r, c, s := healthy(t)
	emails := []string{"ops@example.com", "dev@example.com"}
	r.Set("sns", "ListSubscriptionsByTopic", awsreplay.XML(s.SubscriptionsBody(
		s.Confirmed("ops@example.com", "0b1c2d3e-1111-4a5b-8c7d-000000000001"),
		s.Confirmed("Dev@Example.com", "0b1c2d3e-2222-4a5b-8c7d-000000000002"))))
	results := awscheck.Subscriptions(context.Background(), c.SNS, s.TopicARN(), s.Region, emails)
	only(t, results, report.Pass)
	if len(results) != 2 {
		t.Errorf("%d results, want one per address", len(results))
	}

	r.Set("sns", "ListSubscriptionsByTopic", awsreplay.XML(s.SubscriptionsBody(
		awsreplay.Subscription{Endpoint: "ops@example.com", ARN: "PendingConfirmation"},
		s.Confirmed("dev@example.com", "0b1c2d3e-2222-4a5b-8c7d-000000000002"),
		s.Confirmed("dev@example.com", "0b1c2d3e-3333-4a5b-8c7d-000000000003"),
		s.Confirmed("old@example.com", "0b1c2d3e-4444-4a5b-8c7d-000000000004"))))
	results = awscheck.Subscriptions(context.Background(), c.SNS, s.TopicARN(), s.Region, append(emails, "new@example.com"))
	if len(results) != 4 {
		t.Fatalf("%d results, want 4: %+v", len(results), results)
	}
	expect(t, results[0], report.Warn, "ops@example.com has not confirmed", "aws sns subscribe --region ap-northeast-2 --topic-arn "+s.TopicARN()+" --protocol email --notification-endpoint ops@example.com")
	expect(t, results[1], report.Fail, "dev@example.com is subscribed 2 times", "Subscribe on every request", "aws sns unsubscribe")
	expect(t, results[2], report.Fail, "new@example.com is not subscribed", "pulumi up")
	expect(t, results[3], report.Warn, "old@example.com is subscribed but not in messaging.notificationEmails")

	r.Set("sns", "ListSubscriptionsByTopic", awsreplay.XML(s.SubscriptionsBody()))
	expect(t, awscheck.Subscriptions(context.Background(), c.SNS, s.TopicARN(), s.Region, nil)[0], report.Skip, "no messaging.notificationEmails")
}

func TestSecret(t *testing.T) {
	r, c, s := healthy(t)
	expect(t, awscheck.Secret(context.Background(), c.Secrets, s.SecretARN()), report.Pass, "mission-link/dev/database exists")
	deleted := time.Date(2026, 8, 4, 9, 0, 0, 0, time.UTC)
	r.Set("secretsmanager", "DescribeSecret", awsreplay.JSON("1.1", s.SecretBody(&deleted)))
	expect(t, awscheck.Secret(context.Background(), c.Secrets, s.SecretARN()), report.Fail, "scheduled for deletion (since 2026-08-04 09:00 UTC)", "restore-secret")
	r.Set("secretsmanager", "DescribeSecret", awsreplay.JSONError("1.1", 400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret."))
	expect(t, awscheck.Secret(context.Background(), c.Secrets, s.SecretARN()), report.Fail, "does not exist")
}

func TestAppRole(t *testing.T) {
	r, c, s := healthy(t)
	access := awscheck.AccessWant{RoleARN: s.RoleARN(), SecretARN: s.SecretARN(), BusARN: s.BusARN(), TopicARN: s.TopicARN()}
	results := awscheck.AppRole(context.Background(), c.IAM, access)
	only(t, results, report.Pass)
	calls := r.Calls("iam", "SimulatePrincipalPolicy")
	if len(calls) != 4 || calls[0].Form.Get("PolicySourceArn") != s.RoleARN() {
		t.Fatalf("SimulatePrincipalPolicy calls %+v", calls)
	}
	other := calls[3].Form.Get("ResourceArns.member.1")
	if !strings.HasPrefix(other, "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:") || other == s.SecretARN() {
		t.Errorf("the other secret %q must be another secret in the same account and region", other)
	}

	// The role lost its topic permission, and a wider policy lets it read every secret.
	r.SetFunc("iam", "SimulatePrincipalPolicy", func(call awsreplay.Call) awsreplay.Response {
		policy := s.AppPolicy()
		delete(policy, "sns:Publish")
		if call.Form.Get("ActionNames.member.1") == "secretsmanager:GetSecretValue" {
			policy["secretsmanager:GetSecretValue"] = call.Form.Get("ResourceArns.member.1")
		}
		return awsreplay.Simulate(policy)(call)
	})
	results = awscheck.AppRole(context.Background(), c.IAM, access)
	expect(t, results[0], report.Pass)
	expect(t, results[2], report.Fail, "may not publish to the topic", "implicitDeny", "AccessDenied")
	expect(t, results[3], report.Fail, "may read another secret", "detach the extra policy")
}

func TestRegistry(t *testing.T) {
	r, c, s := healthy(t)
	only(t, awscheck.Registry(context.Background(), c.ECR, s.Repository), report.Pass)
	r.Set("ecr", "ListImages", awsreplay.JSON("1.1", awsreplay.ImagesBody()))
	r.Set("ecr", "DescribeRepositories", awsreplay.JSON("1.1", s.RepositoryBody(false)))
	results := awscheck.Registry(context.Background(), c.ECR, s.Repository)
	expect(t, results[0], report.Fail, "does not scan images on push")
	expect(t, results[1], report.Warn, "holds no tagged image yet", "ErrImagePull")
	r.Set("ecr", "DescribeRepositories", awsreplay.JSONError("1.1", 400, "RepositoryNotFoundException", "The repository with name 'mission-link-dev' does not exist in the registry with id '123456789012'"))
	expect(t, awscheck.Registry(context.Background(), c.ECR, s.Repository)[0], report.Fail, "does not exist")
}

func TestBastion(t *testing.T) {
	r, c, s := healthy(t)
	command := "aws ssm start-session --region ap-northeast-2 --target " + s.Bastion
	expect(t, awscheck.Bastion(context.Background(), c.SSM, s.Bastion, command), report.Pass, "Online", command)
	if calls := r.Calls("ssm", "DescribeInstanceInformation"); len(calls) != 1 || !strings.Contains(string(calls[0].Body), s.Bastion) {
		t.Errorf("DescribeInstanceInformation calls %+v", calls)
	}
	r.Set("ssm", "DescribeInstanceInformation", awsreplay.JSON("1.1", s.InstanceInformationBody("ConnectionLost")))
	expect(t, awscheck.Bastion(context.Background(), c.SSM, s.Bastion, command), report.Fail, "is ConnectionLost", "last ping 2026-08-03 11:12 UTC", "start-instances")
	r.Set("ssm", "DescribeInstanceInformation", awsreplay.JSON("1.1", `{"InstanceInformationList":[]}`))
	expect(t, awscheck.Bastion(context.Background(), c.SSM, s.Bastion, command), report.Fail, "does not know bastion", "AmazonSSMManagedInstanceCore")
	expect(t, awscheck.Bastion(context.Background(), c.SSM, "", ""), report.Skip, "no bastion")
}
