package awscheck_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

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
	res, secret := awscheck.Secret(context.Background(), c.Secrets, s.SecretARN())
	expect(t, res, report.Pass, "mission-link/dev/database exists")
	if secret == nil || aws.ToString(secret.KmsKeyId) != s.KeyARN() {
		t.Errorf("the described secret %+v must name its key for secret.key", secret)
	}
	deleted := time.Date(2026, 8, 4, 9, 0, 0, 0, time.UTC)
	r.Set("secretsmanager", "DescribeSecret", awsreplay.JSON("1.1", s.SecretBody(&deleted)))
	res, secret = awscheck.Secret(context.Background(), c.Secrets, s.SecretARN())
	expect(t, res, report.Fail, "scheduled for deletion (since 2026-08-04 09:00 UTC)", "restore-secret")
	if secret == nil {
		t.Error("a secret scheduled for deletion is still described: its key can be checked")
	}
	r.Set("secretsmanager", "DescribeSecret", awsreplay.JSONError("1.1", 400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret."))
	res, secret = awscheck.Secret(context.Background(), c.Secrets, s.SecretARN())
	expect(t, res, report.Fail, "does not exist")
	if secret != nil {
		t.Error("a missing secret has no key")
	}
}

// TestSecretKey: the key DescribeSecret names must be Enabled; the check reuses Secret's answer
// instead of describing the secret again.
func TestSecretKey(t *testing.T) {
	r, c, s := healthy(t)
	_, secret := awscheck.Secret(context.Background(), c.Secrets, s.SecretARN())
	res, key := awscheck.SecretKey(context.Background(), c.KMS, secret)
	expect(t, res, report.Pass, s.KeyARN(), "is Enabled")
	if key != s.KeyARN() {
		t.Errorf("key %q, want %s", key, s.KeyARN())
	}
	if calls := r.Calls("kms", "DescribeKey"); len(calls) != 1 || !strings.Contains(string(calls[0].Body), `"KeyId":"`+s.KeyARN()+`"`) {
		t.Errorf("DescribeKey calls %+v, want one for the key DescribeSecret names", calls)
	}
	if calls := r.Calls("secretsmanager", "DescribeSecret"); len(calls) != 1 {
		t.Errorf("%d DescribeSecret calls, want Secret's only", len(calls))
	}

	// The key scheduled for deletion: every GetSecretValue fails while the secret looks fine.
	deletion := time.Date(2026, 8, 11, 9, 0, 0, 0, time.UTC)
	r.Set("kms", "DescribeKey", awsreplay.JSON("1.1", s.KeyBody("PendingDeletion", &deletion)))
	res, key = awscheck.SecretKey(context.Background(), c.KMS, secret)
	expect(t, res, report.Fail, "is PendingDeletion (to be deleted on 2026-08-11 09:00 UTC)", "KMSInvalidStateException",
		"aws kms cancel-key-deletion --key-id "+s.KeyARN(), "aws kms enable-key --key-id "+s.KeyARN())
	if key != s.KeyARN() {
		t.Error("a key pending deletion still has a policy to check")
	}

	r.Set("kms", "DescribeKey", awsreplay.JSON("1.1", s.KeyBody("Disabled", nil)))
	res, _ = awscheck.SecretKey(context.Background(), c.KMS, secret)
	expect(t, res, report.Fail, "is Disabled", "DisabledException", "aws kms enable-key --key-id "+s.KeyARN())

	r.Set("kms", "DescribeKey", awsreplay.JSONError("1.1", 400, "NotFoundException", "Key '"+s.KeyARN()+"' does not exist"))
	res, key = awscheck.SecretKey(context.Background(), c.KMS, secret)
	expect(t, res, report.Fail, "does not exist", "every GetSecretValue fails")
	if key != "" {
		t.Error("a deleted key has no policy")
	}

	r.Set("kms", "DescribeKey", awsreplay.JSONError("1.1", 400, "AccessDeniedException",
		"User: arn:aws:sts::123456789012:assumed-role/ReadOnly/dev is not authorized to perform: kms:DescribeKey on resource: "+s.KeyARN()))
	res, _ = awscheck.SecretKey(context.Background(), c.KMS, secret)
	expect(t, res, report.Fail, "AccessDeniedException", "grant kms:DescribeKey")

	// Encrypted with the AWS managed key: DescribeSecret names no key.
	r.Set("secretsmanager", "DescribeSecret", awsreplay.JSON("1.1", s.SecretBodyWithKey("", nil)))
	_, managed := awscheck.Secret(context.Background(), c.Secrets, s.SecretARN())
	calls := len(r.Calls("kms", "DescribeKey"))
	res, key = awscheck.SecretKey(context.Background(), c.KMS, managed)
	expect(t, res, report.Warn, "AWS managed key aws/secretsmanager", "pulumi up --refresh")
	if key != "" || len(r.Calls("kms", "DescribeKey")) != calls {
		t.Errorf("key %q: the AWS managed key is not described", key)
	}

	res, _ = awscheck.SecretKey(context.Background(), c.KMS, nil)
	expect(t, res, report.Skip, "see the secret line")
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

// TestAppRoleKeyPolicy: the app role may decrypt with the secret's key through Secrets Manager
// and not directly, under the key's own policy, which the simulation is given.
func TestAppRoleKeyPolicy(t *testing.T) {
	r, c, s := healthy(t)
	want := awscheck.KeyPolicyWant{RoleARN: s.RoleARN(), KeyARN: s.KeyARN(), Region: s.Region}
	results := awscheck.AppRoleKeyPolicy(context.Background(), c.KMS, c.IAM, want)
	if len(results) != 2 {
		t.Fatalf("%d results, want the two simulations: %+v", len(results), results)
	}
	expect(t, results[0], report.Pass, "may decrypt with the secret's key through Secrets Manager", "secretsmanager.ap-northeast-2.amazonaws.com")
	expect(t, results[1], report.Pass, "may not decrypt with the secret's key directly", "explicitDeny")

	if calls := r.Calls("kms", "GetKeyPolicy"); len(calls) != 1 || !strings.Contains(string(calls[0].Body), `"KeyId":"`+s.KeyARN()+`"`) ||
		!strings.Contains(string(calls[0].Body), `"PolicyName":"default"`) {
		t.Errorf("GetKeyPolicy calls %+v", calls)
	}
	calls := r.Calls("iam", "SimulatePrincipalPolicy")
	if len(calls) != 2 {
		t.Fatalf("%d SimulatePrincipalPolicy calls, want 2", len(calls))
	}
	for i, call := range calls {
		f := call.Form
		// The key policy's Principal is evaluated for the role itself.
		if f.Get("PolicySourceArn") != s.RoleARN() || f.Get("CallerArn") != s.RoleARN() ||
			f.Get("ResourcePolicy") != s.KeyPolicy(s.Region) || f.Get("ActionNames.member.1") != "kms:Decrypt" || f.Get("ResourceArns.member.1") != s.KeyARN() {
			t.Errorf("simulation %d: %v", i, f)
		}
	}
	via := calls[0].Form
	if via.Get("ContextEntries.member.1.ContextKeyName") != "kms:ViaService" || via.Get("ContextEntries.member.1.ContextKeyType") != "string" ||
		via.Get("ContextEntries.member.1.ContextKeyValues.member.1") != "secretsmanager.ap-northeast-2.amazonaws.com" || via.Has("ContextEntries.member.2.ContextKeyName") {
		t.Errorf("the decryption through Secrets Manager carries %v", via)
	}
	if calls[1].Form.Has("ContextEntries.member.1.ContextKeyName") {
		t.Errorf("the direct decryption carries context %v", calls[1].Form)
	}

	// The key policy's Deny names another region's Secrets Manager: the app's reads are denied,
	// which the role's own policies do not show.
	r.Set("kms", "GetKeyPolicy", awsreplay.JSON("1.1", awsreplay.KeyPolicyBody(s.KeyPolicy("us-east-1"))))
	results = awscheck.AppRoleKeyPolicy(context.Background(), c.KMS, c.IAM, want)
	expect(t, results[0], report.Fail, "may not decrypt with the secret's key through Secrets Manager", "is explicitDeny",
		"AccessDeniedException", "another region's Secrets Manager", "aws kms get-key-policy --key-id "+s.KeyARN()+" --policy-name default",
		"kms:Decrypt: explicitDeny, matched DecryptOnlyThroughSecretsManager (resource)")
	expect(t, results[1], report.Pass)

	// The key policy lost its Deny, and a wider policy on the role allows kms:Decrypt anywhere.
	r.Set("kms", "GetKeyPolicy", awsreplay.JSON("1.1", awsreplay.KeyPolicyBody(
		`{"Version":"2012-10-17","Statement":[{"Sid":"AccountAdministersKey","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}]}`)))
	policies := s.RolePolicies()
	policies[s.RoleARN()] = `{"Version":"2012-10-17","Statement":[{"Sid":"KmsUser","Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}`
	r.SetFunc("iam", "SimulatePrincipalPolicy", awsreplay.SimulatePolicies(policies))
	results = awscheck.AppRoleKeyPolicy(context.Background(), c.KMS, c.IAM, want)
	expect(t, results[0], report.Pass)
	expect(t, results[1], report.Fail, "may decrypt with the secret's key directly", "is allowed", "lost its Deny", "matched KmsUser (role)")

	// The simulator does not take the role as caller: nothing is proven, so the check skips (a role
	// that is gone fails app-role.trust).
	for code, refusal := range map[string]awsreplay.Response{
		"NoSuchEntity: The role with name mission-link-dev-app cannot be found.": awsreplay.QueryError(404, "NoSuchEntity", "The role with name mission-link-dev-app cannot be found."),
		"InvalidInput: Invalid caller ARN":                                       awsreplay.QueryError(400, "InvalidInput", "Invalid caller ARN: "+s.RoleARN()),
	} {
		r.Set("iam", "SimulatePrincipalPolicy", refusal)
		results = awscheck.AppRoleKeyPolicy(context.Background(), c.KMS, c.IAM, want)
		if len(results) != 1 {
			t.Fatalf("%d results, want one skip: %+v", len(results), results)
		}
		expect(t, results[0], report.Skip, "not checked", "caller "+s.RoleARN(), code)
	}

	r.Set("iam", "SimulatePrincipalPolicy", awsreplay.QueryError(403, "AccessDenied", "User: arn:aws:sts::123456789012:assumed-role/ReadOnly/dev is not authorized to perform: iam:SimulatePrincipalPolicy"))
	results = awscheck.AppRoleKeyPolicy(context.Background(), c.KMS, c.IAM, want)
	expect(t, results[0], report.Fail, "AccessDenied", "grant iam:SimulatePrincipalPolicy")

	r.Set("kms", "GetKeyPolicy", awsreplay.JSONError("1.1", 400, "AccessDeniedException", "User: arn:aws:sts::123456789012:assumed-role/ReadOnly/dev is not authorized to perform: kms:GetKeyPolicy"))
	results = awscheck.AppRoleKeyPolicy(context.Background(), c.KMS, c.IAM, want)
	if len(results) != 1 {
		t.Fatalf("%d results, want one failure", len(results))
	}
	expect(t, results[0], report.Fail, "reading the policy of key", "grant kms:GetKeyPolicy")
}

// TestAutoscalerScaling: the autoscaler's role may scale the node group's Auto Scaling group as a
// request carrying the group's tags, and may not scale a group tagged for another cluster.
func TestAutoscalerScaling(t *testing.T) {
	r, c, s := healthy(t)
	want := awscheck.ScalingWant{RoleARN: s.AutoscalerRoleARN(), Cluster: s.Cluster, AutoScalingGroups: []string{s.AutoScalingGroup}}
	results := awscheck.AutoscalerScaling(context.Background(), c.AutoScaling, c.IAM, want)
	if len(results) != 2 {
		t.Fatalf("%d results, want two simulations: %+v", len(results), results)
	}
	expect(t, results[0], report.Pass, "may scale "+s.AutoScalingGroup, "autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup", "its 5 tags")
	expect(t, results[1], report.Pass, "may not scale another cluster's group", "k8s.io/cluster-autoscaler/enabled=true",
		"k8s.io/cluster-autoscaler/mission-link-verify-other-cluster=owned", "implicitDeny")

	if calls := r.Calls("autoscaling", "DescribeAutoScalingGroups"); len(calls) != 1 || calls[0].Form.Get("AutoScalingGroupNames.member.1") != s.AutoScalingGroup ||
		calls[0].Form.Has("AutoScalingGroupNames.member.2") {
		t.Errorf("DescribeAutoScalingGroups calls %+v, want one naming the node group's group", calls)
	}
	calls := r.Calls("iam", "SimulatePrincipalPolicy")
	if len(calls) != 2 {
		t.Fatalf("%d SimulatePrincipalPolicy calls, want 2", len(calls))
	}
	wantTags := map[string]string{}
	for k, v := range s.GroupTags() {
		wantTags["aws:ResourceTag/"+k] = v
	}
	otherTags := map[string]string{"aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true", "aws:ResourceTag/k8s.io/cluster-autoscaler/mission-link-verify-other-cluster": "owned"}
	for i, tags := range []map[string]string{wantTags, otherTags} {
		f := calls[i].Form
		if f.Get("PolicySourceArn") != s.AutoscalerRoleARN() || f.Get("ActionNames.member.1") != "autoscaling:SetDesiredCapacity" ||
			f.Get("ActionNames.member.2") != "autoscaling:TerminateInstanceInAutoScalingGroup" || f.Has("ResourcePolicy") {
			t.Errorf("simulation %d: %v", i, f)
		}
		got := map[string]string{}
		for n := 1; f.Has(fmt.Sprintf("ContextEntries.member.%d.ContextKeyName", n)); n++ {
			entry := fmt.Sprintf("ContextEntries.member.%d.", n)
			if f.Get(entry+"ContextKeyType") != "string" || f.Has(entry+"ContextKeyValues.member.2") {
				t.Errorf("simulation %d: context entry %d is not one string: %v", i, n, f)
			}
			got[f.Get(entry+"ContextKeyName")] = f.Get(entry + "ContextKeyValues.member.1")
		}
		if !maps.Equal(got, tags) {
			t.Errorf("simulation %d carries context %v, want %v", i, got, tags)
		}
	}
	if calls[0].Form.Get("ResourceArns.member.1") != s.AutoScalingGroupARN() {
		t.Errorf("the group's simulation is on %s, want its ARN %s", calls[0].Form.Get("ResourceArns.member.1"), s.AutoScalingGroupARN())
	}
	if other := calls[1].Form.Get("ResourceArns.member.1"); other == s.AutoScalingGroupARN() || !strings.HasPrefix(other, "arn:aws:autoscaling:ap-northeast-2:123456789012:autoScalingGroup:") {
		t.Errorf("the other cluster's group %q must be another group in the same account and region", other)
	}

	// The group lost its cluster's discovery tag: the role's condition no longer holds.
	tags := s.GroupTags()
	delete(tags, "k8s.io/cluster-autoscaler/"+s.Cluster)
	r.Set("autoscaling", "DescribeAutoScalingGroups", awsreplay.XML(s.AutoScalingGroupsBody(tags)))
	results = awscheck.AutoscalerScaling(context.Background(), c.AutoScaling, c.IAM, want)
	expect(t, results[0], report.Fail, "may not scale "+s.AutoScalingGroup, "autoscaling:SetDesiredCapacity is implicitDeny", "AccessDenied", "stay Pending",
		"k8s.io/cluster-autoscaler/mission-link-dev=owned", "create-or-update-tags --tags ResourceId="+s.AutoScalingGroup,
		"missing context values aws:ResourceTag/k8s.io/cluster-autoscaler/mission-link-dev", "tags: eks:cluster-name=mission-link-dev")
	expect(t, results[1], report.Pass)

	// A wider policy on the role scales every group.
	r.Set("autoscaling", "DescribeAutoScalingGroups", awsreplay.XML(s.AutoScalingGroupsBody(s.GroupTags())))
	policies := s.RolePolicies()
	policies[s.AutoscalerRoleARN()] = `{"Version":"2012-10-17","Statement":[{"Sid":"AutoScalingFullAccess","Effect":"Allow","Action":"autoscaling:*","Resource":"*"}]}`
	r.SetFunc("iam", "SimulatePrincipalPolicy", awsreplay.SimulatePolicies(policies))
	results = awscheck.AutoscalerScaling(context.Background(), c.AutoScaling, c.IAM, want)
	expect(t, results[0], report.Pass)
	expect(t, results[1], report.Fail, "may scale another cluster's group", "without the cluster's tag condition",
		"aws iam list-attached-role-policies --role-name "+s.AutoscalerRole, "matched AutoScalingFullAccess (role)")

	r.Set("autoscaling", "DescribeAutoScalingGroups", awsreplay.XML(`<DescribeAutoScalingGroupsResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">
  <DescribeAutoScalingGroupsResult><AutoScalingGroups/></DescribeAutoScalingGroupsResult>
  <ResponseMetadata><RequestId>3e1b8a4c-2d7f-4c9e-a5b6-0f8d1e2c3b4a</RequestId></ResponseMetadata>
</DescribeAutoScalingGroupsResponse>`))
	results = awscheck.AutoscalerScaling(context.Background(), c.AutoScaling, c.IAM, want)
	if len(results) != 1 {
		t.Fatalf("%d results, want one failure", len(results))
	}
	expect(t, results[0], report.Fail, "Auto Scaling group "+s.AutoScalingGroup+" does not exist")

	r.Set("autoscaling", "DescribeAutoScalingGroups", awsreplay.QueryError(403, "AccessDenied",
		"User: arn:aws:sts::123456789012:assumed-role/ReadOnly/dev is not authorized to perform: autoscaling:DescribeAutoScalingGroups"))
	expect(t, awscheck.AutoscalerScaling(context.Background(), c.AutoScaling, c.IAM, want)[0], report.Fail, "AccessDenied", "grant autoscaling:DescribeAutoScalingGroups")

	want.AutoScalingGroups = nil
	expect(t, awscheck.AutoscalerScaling(context.Background(), c.AutoScaling, c.IAM, want)[0], report.Skip, "see the nodegroup line")
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
