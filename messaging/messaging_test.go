package messaging_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/internal/harness"
	"github.com/mission-link/infra/internal/harness/harnesstest"
	"github.com/mission-link/infra/internal/iampolicy"
	"github.com/mission-link/infra/internal/validationtest"
	"github.com/mission-link/infra/messaging"
	"github.com/mission-link/infra/messaging/messagingargs"
)

func run(t *testing.T, args messagingargs.MessagingArgs) *harness.Record {
	t.Helper()
	r, err := harness.RunComponent(func(ctx *pulumi.Context) error {
		_, err := messaging.NewMessaging(ctx, "ml", &args)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRuleMatchesTheAppsSource(t *testing.T) {
	r := run(t, messagingargs.MessagingArgs{})
	rule := harnesstest.Only(t, r, "aws:cloudwatch/eventRule:EventRule")
	if rule.String("eventPattern") != `{"source":["mission-link"]}` {
		t.Errorf("pattern %s", rule.String("eventPattern"))
	}
	if bus := harnesstest.Source(t, r, rule, "eventBusName"); bus.Type != "aws:cloudwatch/eventBus:EventBus" || bus.String("name") != "ml" {
		t.Errorf("rule on %s %s", bus.Type, bus.String("name"))
	}
	custom := harnesstest.Only(t, run(t, messagingargs.MessagingArgs{EventSource: "mission-link.orders"}), "aws:cloudwatch/eventRule:EventRule")
	if custom.String("eventPattern") != `{"source":["mission-link.orders"]}` {
		t.Errorf("configured source ignored: %s", custom.String("eventPattern"))
	}
}

// checkTopicReceivesRule is what a reviewer checks: the rule targets the topic, the topic's policy
// lets EventBridge publish only for that rule, and the topic's key lets EventBridge encrypt.
func checkTopicReceivesRule(t *testing.T, r *harness.Record) {
	t.Helper()
	rule := harnesstest.Only(t, r, "aws:cloudwatch/eventRule:EventRule")
	target := harnesstest.Only(t, r, "aws:cloudwatch/eventTarget:EventTarget")
	topic := harnesstest.Source(t, r, target, "arn")
	if topic.Type != "aws:sns/topic:Topic" || harnesstest.Source(t, r, target, "rule").URN != rule.URN {
		t.Fatalf("the rule's target is %s", topic.Type)
	}
	policy := harnesstest.Only(t, r, "aws:sns/topicPolicy:TopicPolicy")
	if harnesstest.Source(t, r, policy, "arn").URN != topic.URN {
		t.Fatal("the topic policy is on another topic")
	}
	doc, err := iampolicy.Parse(policy.String("policy"))
	if err != nil {
		t.Fatal(err)
	}
	ruleARN := rule.Outputs["arn"].StringValue()
	if len(doc.Statement) != 1 {
		t.Fatalf("topic policy has %d statements: nothing else may publish", len(doc.Statement))
	}
	s := doc.Statement[0]
	if !slices.Equal(s.Principal.Service, []string{"events.amazonaws.com"}) || !slices.Equal(s.Action, []string{"sns:Publish"}) ||
		len(s.Resource) != 1 || !slices.Equal(s.Condition["ArnEquals"]["aws:SourceArn"], []string{ruleARN}) {
		t.Errorf("topic policy statement %+v, want sns:Publish by EventBridge for %s only", s, ruleARN)
	}
	key := harnesstest.Source(t, r, topic, "kmsMasterKeyId")
	keyPolicy, err := iampolicy.Parse(key.String("policy"))
	if err != nil {
		t.Fatal(err)
	}
	events, ok := keyPolicy.FindStatement("EventBridgeEncrypts")
	if !ok || !slices.Equal(events.Principal.Service, []string{"events.amazonaws.com"}) ||
		!slices.Contains(events.Action, "kms:GenerateDataKey") || !slices.Contains(events.Action, "kms:Decrypt") {
		t.Errorf("the topic's key does not let EventBridge encrypt: %+v", keyPolicy)
	}
	if rotate, _ := key.Bool("enableKeyRotation"); !rotate {
		t.Error("key rotation is off")
	}
}

func TestTopicReceivesEventsFromTheRule(t *testing.T) {
	checkTopicReceivesRule(t, run(t, messagingargs.MessagingArgs{}))
}

func TestFailedDeliveriesAreKept(t *testing.T) {
	r := run(t, messagingargs.MessagingArgs{MaximumEventAgeInSeconds: 3600, DeadLetterRetentionInDays: 7})
	target := harnesstest.Only(t, r, "aws:cloudwatch/eventTarget:EventTarget")
	retries, _ := target.Number("retryPolicy.maximumRetryAttempts")
	age, _ := target.Number("retryPolicy.maximumEventAgeInSeconds")
	if retries != 185 || age != 3600 {
		t.Errorf("retry policy %v attempts within %vs", retries, age)
	}
	queue := harnesstest.Source(t, r, target, "deadLetterConfig")
	if queue.Type != "aws:sqs/queue:Queue" {
		t.Fatalf("dead letters go to %s", queue.Type)
	}
	if days, _ := queue.Number("messageRetentionSeconds"); days != 7*86400 {
		t.Errorf("dead letters kept %vs", days)
	}
	if key := harnesstest.Source(t, r, queue, "kmsMasterKeyId"); key.Type != "aws:kms/key:Key" {
		t.Errorf("the queue is encrypted with %s", key.Type)
	}
	qp := harnesstest.Only(t, r, "aws:sqs/queuePolicy:QueuePolicy")
	if harnesstest.Source(t, r, qp, "queueUrl").URN != queue.URN {
		t.Fatal("the queue policy is on another queue")
	}
	doc, err := iampolicy.Parse(qp.String("policy"))
	if err != nil {
		t.Fatal(err)
	}
	rule := harnesstest.Only(t, r, "aws:cloudwatch/eventRule:EventRule")
	s := doc.Statement[0]
	if len(doc.Statement) != 1 || !slices.Equal(s.Action, []string{"sqs:SendMessage"}) ||
		!slices.Equal(s.Principal.Service, []string{"events.amazonaws.com"}) ||
		!slices.Equal(s.Condition["ArnEquals"]["aws:SourceArn"], []string{rule.Outputs["arn"].StringValue()}) {
		t.Errorf("queue policy %+v", doc)
	}
	for _, policy := range []string{"aws:sns/topicPolicy:TopicPolicy", "aws:sqs/queuePolicy:QueuePolicy"} {
		if !target.DependsOn(harnesstest.Only(t, r, policy).URN) {
			t.Errorf("the target is created before the %s that lets it deliver", policy)
		}
	}
}

func TestOneSubscriptionPerAddress(t *testing.T) {
	r := run(t, messagingargs.MessagingArgs{NotificationEmails: []string{"Ops@Example.com", "dev@example.com"}})
	subs := r.ByType("aws:sns/topicSubscription:TopicSubscription")
	var endpoints []string
	for _, s := range subs {
		if s.String("protocol") != "email" {
			t.Errorf("%s uses %s", s.Name, s.String("protocol"))
		}
		endpoints = append(endpoints, s.String("endpoint"))
		if !strings.HasSuffix(s.Name, "-email-"+strings.ToLower(s.String("endpoint"))) {
			t.Errorf("subscription %s is not keyed by its address", s.Name)
		}
	}
	slices.Sort(endpoints)
	if !slices.Equal(endpoints, []string{"Ops@Example.com", "dev@example.com"}) {
		t.Errorf("subscribed %v", endpoints)
	}
	more := run(t, messagingargs.MessagingArgs{NotificationEmails: []string{"new@example.com", "Ops@Example.com", "dev@example.com"}})
	for _, s := range subs {
		after, ok := more.ByURN(s.URN)
		if !ok || !after.Inputs.DeepEquals(s.Inputs) {
			t.Errorf("adding an address touches %s", s.Name)
		}
	}
}

func TestProtect(t *testing.T) {
	r := run(t, messagingargs.MessagingArgs{Protect: true})
	for _, typ := range []string{"aws:sqs/queue:Queue", "aws:kms/key:Key"} {
		if !harnesstest.Only(t, r, typ).Options.Protect {
			t.Errorf("%s is not protected", typ)
		}
	}
}

func TestValidate(t *testing.T) {
	valid := func() messagingargs.MessagingArgs {
		return messagingargs.MessagingArgs{NotificationEmails: []string{"ops@example.com"}}.WithDefaults()
	}
	if err := valid().Validate(); err != nil {
		t.Fatal(err)
	}
	validationtest.Rejects(t, valid, messagingargs.MessagingArgs.Validate, []validationtest.Case[messagingargs.MessagingArgs]{
		validationtest.Reject("duplicate address", func(a *messagingargs.MessagingArgs) {
			a.NotificationEmails = []string{"ops@example.com", "OPS@example.com"}
		}, `messaging.notificationEmails[1] ("OPS@example.com") repeats messaging.notificationEmails[0]`),
		validationtest.Reject("malformed address", func(a *messagingargs.MessagingArgs) { a.NotificationEmails = []string{"ops.example.com"} }, `messaging.notificationEmails[0] ("ops.example.com")`),
		validationtest.Reject("address with a name", func(a *messagingargs.MessagingArgs) { a.NotificationEmails = []string{"Ops <ops@example.com>"} }, `messaging.notificationEmails[0]`),
		validationtest.Reject("no domain", func(a *messagingargs.MessagingArgs) { a.NotificationEmails = []string{"ops@localhost"} }, `messaging.notificationEmails[0] ("ops@localhost")`),
		validationtest.Reject("AWS source", func(a *messagingargs.MessagingArgs) { a.EventSource = "aws.ec2" }, `messaging.eventSource ("aws.ec2")`),
		validationtest.Reject("too many retries", func(a *messagingargs.MessagingArgs) { n := 200; a.MaximumRetryAttempts = &n }, "messaging.maximumRetryAttempts (200)"),
		validationtest.Reject("event age", func(a *messagingargs.MessagingArgs) { a.MaximumEventAgeInSeconds = 30 }, "messaging.maximumEventAgeInSeconds (30)"),
		validationtest.Reject("retention", func(a *messagingargs.MessagingArgs) { a.DeadLetterRetentionInDays = 30 }, "messaging.deadLetterRetentionInDays (30)"),
	})
}

func TestKeyPolicyPrincipals(t *testing.T) {
	doc := messaging.KeyPolicy("aws", "123456789012")
	if len(doc.Statement) != 2 {
		t.Fatalf("%d statements", len(doc.Statement))
	}
	root, ok := doc.FindStatement("AccountAdministersKey")
	if !ok || !slices.Equal(root.Principal.AWS, []string{"arn:aws:iam::123456789012:root"}) || root.Principal.Service != nil {
		t.Errorf("account statement %+v", root)
	}
	events, ok := doc.FindStatement("EventBridgeEncrypts")
	if !ok || !slices.Equal(events.Principal.Service, []string{"events.amazonaws.com"}) || events.Principal.AWS != nil ||
		!slices.Equal(events.Action, []string{"kms:Decrypt", "kms:GenerateDataKey"}) {
		t.Errorf("EventBridge statement %+v: it may only encrypt and decrypt", events)
	}
}
