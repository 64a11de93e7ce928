// Package messaging carries the app's domain events to people: a custom EventBridge bus, a rule
// matching the app's event source, and an encrypted SNS topic with email subscriptions. A delivery
// that fails is retried, then kept in a dead-letter queue, never dropped.
package messaging

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/internal/iampolicy"
	"github.com/mission-link/infra/messaging/messagingargs"
)

// TypeToken is part of every child's URN: changing it replaces the messaging resources.
const TypeToken = "mission-link:messaging:Messaging"

// eventsPrincipal is EventBridge's service principal: it publishes to the topic and, on
// failure, sends to the dead-letter queue.
const eventsPrincipal = "events.amazonaws.com"

// Messaging is the app's event bus and what it delivers to.
type Messaging struct {
	pulumi.ResourceState

	EventBusName       pulumi.StringOutput `pulumi:"eventBusName"`
	EventBusARN        pulumi.StringOutput `pulumi:"eventBusArn"`
	RuleARN            pulumi.StringOutput `pulumi:"ruleArn"`
	TopicARN           pulumi.StringOutput `pulumi:"topicArn"`
	DeadLetterQueueURL pulumi.StringOutput `pulumi:"deadLetterQueueUrl"`
	DeadLetterQueueARN pulumi.StringOutput `pulumi:"deadLetterQueueArn"`
	// KeyARN encrypts the topic and the queue; publishers need kms:GenerateDataKey on it.
	KeyARN pulumi.StringOutput `pulumi:"keyArn"`
}

// NewMessaging validates args and builds the bus, rule, topic, queue and subscriptions.
func NewMessaging(ctx *pulumi.Context, name string, args *messagingargs.MessagingArgs, opts ...pulumi.ResourceOption) (*Messaging, error) {
	if args == nil {
		return nil, fmt.Errorf("messaging %s: args are required", name)
	}
	a := args.WithDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("messaging %s: invalid config:\n%w", name, err)
	}
	pattern, err := EventPattern(a.EventSource)
	if err != nil {
		return nil, err
	}
	m := &Messaging{}
	if err := ctx.RegisterComponentResource(TypeToken, name, m, opts...); err != nil {
		return nil, fmt.Errorf("registering messaging %s: %w", name, err)
	}
	if err := m.build(ctx, name, a, pattern); err != nil {
		return nil, err
	}
	if err := ctx.RegisterResourceOutputs(m, pulumi.Map{
		"eventBusName": m.EventBusName, "eventBusArn": m.EventBusARN, "ruleArn": m.RuleARN, "topicArn": m.TopicARN,
		"deadLetterQueueUrl": m.DeadLetterQueueURL, "keyArn": m.KeyARN,
	}); err != nil {
		return nil, fmt.Errorf("registering outputs of messaging %s: %w", name, err)
	}
	return m, nil
}

func (m *Messaging) build(ctx *pulumi.Context, name string, a messagingargs.MessagingArgs, pattern string) error {
	parent := pulumi.Parent(m)
	key, err := newKey(ctx, name+"-messaging", a.Protect, parent)
	if err != nil {
		return err
	}
	bus, err := cloudwatch.NewEventBus(ctx, name, &cloudwatch.EventBusArgs{Name: pulumi.String(name)}, parent)
	if err != nil {
		return fmt.Errorf("creating event bus %s: %w", name, err)
	}
	rule, err := cloudwatch.NewEventRule(ctx, name+"-app-events", &cloudwatch.EventRuleArgs{
		EventBusName: bus.Name,
		EventPattern: pulumi.String(pattern),
		Description:  pulumi.Sprintf("Events the app publishes with source %q", a.EventSource),
	}, parent)
	if err != nil {
		return fmt.Errorf("creating event rule of %s: %w", name, err)
	}
	topic, topicPolicy, err := newTopic(ctx, name+"-notifications", key, rule, parent)
	if err != nil {
		return err
	}
	dlq, queuePolicy, err := newDeadLetterQueue(ctx, name+"-events-dlq", a, key, rule, parent)
	if err != nil {
		return err
	}
	if _, err := cloudwatch.NewEventTarget(ctx, name+"-notifications", &cloudwatch.EventTargetArgs{
		Rule:         rule.Name,
		EventBusName: bus.Name,
		Arn:          topic.Arn,
		RetryPolicy: cloudwatch.EventTargetRetryPolicyArgs{
			MaximumRetryAttempts:     pulumi.Int(*a.MaximumRetryAttempts),
			MaximumEventAgeInSeconds: pulumi.Int(a.MaximumEventAgeInSeconds),
		},
		DeadLetterConfig: cloudwatch.EventTargetDeadLetterConfigArgs{Arn: dlq.Arn},
	}, parent, pulumi.DependsOn([]pulumi.Resource{topicPolicy, queuePolicy})); err != nil {
		return fmt.Errorf("creating event target of %s: %w", name, err)
	}
	if err := subscribe(ctx, name, topic, a.NotificationEmails, parent); err != nil {
		return err
	}
	m.EventBusName, m.EventBusARN, m.RuleARN = bus.Name, bus.Arn, rule.Arn
	m.TopicARN, m.KeyARN = topic.Arn, key.Arn
	m.DeadLetterQueueURL, m.DeadLetterQueueARN = dlq.Url, dlq.Arn
	return nil
}

// EventPattern matches the app's own events, and only them.
func EventPattern(source string) (string, error) {
	b, err := json.Marshal(map[string][]string{"source": {source}})
	if err != nil {
		return "", fmt.Errorf("encoding event pattern: %w", err)
	}
	return string(b), nil
}

// newKey is a customer managed key: EventBridge cannot publish to a topic, or send to a queue,
// encrypted with an AWS managed key, whose policy cannot be changed to let it in.
func newKey(ctx *pulumi.Context, name string, protect bool, parent pulumi.ResourceOrInvokeOption) (*kms.Key, error) {
	partition := aws.GetPartitionOutput(ctx, aws.GetPartitionOutputArgs{}, parent).Partition()
	account := aws.GetCallerIdentityOutput(ctx, aws.GetCallerIdentityOutputArgs{}, parent).AccountId()
	key, err := kms.NewKey(ctx, name, &kms.KeyArgs{
		Description:       pulumi.String("Encrypts the app's notification topic and dead-letter queue"),
		EnableKeyRotation: pulumi.Bool(true),
		Policy:            iampolicy.Render(func(v []string) iampolicy.Document { return KeyPolicy(v[0], v[1]) }, partition, account),
	}, parent, pulumi.Protect(protect))
	if err != nil {
		return nil, fmt.Errorf("creating key %s: %w", name, err)
	}
	if _, err := kms.NewAlias(ctx, name, &kms.AliasArgs{
		Name:        pulumi.String("alias/" + name),
		TargetKeyId: key.KeyId,
	}, parent); err != nil {
		return nil, fmt.Errorf("creating alias of key %s: %w", name, err)
	}
	return key, nil
}

// KeyPolicy leaves the key to the account's IAM policies (the default key policy) and lets
// EventBridge encrypt with it.
func KeyPolicy(partition, account string) iampolicy.Document {
	return iampolicy.New(iampolicy.AccountAdministersKey(partition, account), iampolicy.Statement{
		Sid:       "EventBridgeEncrypts",
		Effect:    iampolicy.Allow,
		Principal: &iampolicy.Principal{Service: []string{eventsPrincipal}},
		Action:    []string{"kms:Decrypt", "kms:GenerateDataKey"},
		Resource:  []string{"*"},
	})
}

// onlyFromRule lets EventBridge perform action on the resource only for the rule.
func onlyFromRule(sid, action string, resourceARN, ruleARN pulumi.StringInput) pulumi.StringOutput {
	return iampolicy.Render(func(v []string) iampolicy.Document {
		return iampolicy.New(iampolicy.Statement{
			Sid:       sid,
			Effect:    iampolicy.Allow,
			Principal: &iampolicy.Principal{Service: []string{eventsPrincipal}},
			Action:    []string{action},
			Resource:  []string{v[0]},
			Condition: iampolicy.Conditions{"ArnEquals": {"aws:SourceArn": {v[1]}}},
		})
	}, resourceARN, ruleARN)
}

func newTopic(ctx *pulumi.Context, name string, key *kms.Key, rule *cloudwatch.EventRule, parent pulumi.ResourceOrInvokeOption) (*sns.Topic, *sns.TopicPolicy, error) {
	topic, err := sns.NewTopic(ctx, name, &sns.TopicArgs{KmsMasterKeyId: key.Arn}, parent)
	if err != nil {
		return nil, nil, fmt.Errorf("creating topic %s: %w", name, err)
	}
	policy, err := sns.NewTopicPolicy(ctx, name, &sns.TopicPolicyArgs{
		Arn:    topic.Arn,
		Policy: onlyFromRule("PublishFromAppEventsRule", "sns:Publish", topic.Arn, rule.Arn),
	}, parent)
	if err != nil {
		return nil, nil, fmt.Errorf("creating policy of topic %s: %w", name, err)
	}
	return topic, policy, nil
}

func newDeadLetterQueue(ctx *pulumi.Context, name string, a messagingargs.MessagingArgs, key *kms.Key, rule *cloudwatch.EventRule, parent pulumi.ResourceOrInvokeOption) (*sqs.Queue, *sqs.QueuePolicy, error) {
	queue, err := sqs.NewQueue(ctx, name, &sqs.QueueArgs{
		KmsMasterKeyId:          key.Arn,
		MessageRetentionSeconds: pulumi.Int(a.DeadLetterRetentionInDays * 86400),
	}, parent, pulumi.Protect(a.Protect))
	if err != nil {
		return nil, nil, fmt.Errorf("creating dead-letter queue %s: %w", name, err)
	}
	policy, err := sqs.NewQueuePolicy(ctx, name, &sqs.QueuePolicyArgs{
		QueueUrl: queue.Url,
		Policy:   onlyFromRule("DeadLettersFromAppEventsRule", "sqs:SendMessage", queue.Arn, rule.Arn),
	}, parent)
	if err != nil {
		return nil, nil, fmt.Errorf("creating policy of dead-letter queue %s: %w", name, err)
	}
	return queue, policy, nil
}

// subscribe subscribes each address once, keyed by the address: adding one never touches the
// others. AWS sends each a confirmation email once, when its subscription is created.
func subscribe(ctx *pulumi.Context, name string, topic *sns.Topic, emails []string, parent pulumi.ResourceOrInvokeOption) error {
	sorted := slices.Clone(emails)
	slices.Sort(sorted)
	for _, addr := range sorted {
		subName := fmt.Sprintf("%s-email-%s", name, strings.ToLower(addr))
		if _, err := sns.NewTopicSubscription(ctx, subName, &sns.TopicSubscriptionArgs{
			Topic:    topic.Arn,
			Protocol: pulumi.String("email"),
			Endpoint: pulumi.String(addr),
		}, parent); err != nil {
			return fmt.Errorf("subscribing %s to %s: %w", addr, name, err)
		}
	}
	return nil
}
