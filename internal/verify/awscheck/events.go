package awscheck

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mission-link/infra/internal/verify/report"
)

// SampleSource is the source the team's rule expected, copied from a sample: the rule must not
// match it.
const SampleSource = "custom.myATMapp"

// TestDetailType is the detail-type of the events verify builds and, with --send-test-event, sends.
const TestDetailType = "mission-link verify test event"

// EventsWant names the stack's event path.
type EventsWant struct {
	Region   string
	BusName  string
	BusARN   string
	RuleName string
	Source   string
	TopicARN string
	QueueURL string
	QueueARN string
}

// account is the account ID in the bus ARN (arn:<partition>:events:<region>:<account>:event-bus/<name>).
func (w EventsWant) account() string {
	parts := strings.Split(w.BusARN, ":")
	if len(parts) < 5 {
		return ""
	}
	return parts[4]
}

// testEvent is an event in the envelope EventBridge delivers, with every field
// events:TestEventPattern requires (id, account, source, time, region, resources, detail-type).
func (w EventsWant) testEvent(source string, now time.Time) (string, error) {
	b, err := json.Marshal(map[string]any{
		"version":     "0",
		"id":          fmt.Sprintf("verify-%d", now.UnixNano()),
		"detail-type": TestDetailType,
		"source":      source,
		"account":     w.account(),
		"time":        now.UTC().Format(time.RFC3339),
		"region":      w.Region,
		"resources":   []string{},
		"detail":      map[string]string{"check": "events.pattern"},
	})
	if err != nil {
		return "", fmt.Errorf("encoding test event: %w", err)
	}
	return string(b), nil
}

// EventPattern checks with events:TestEventPattern that the rule's pattern matches an event with
// the configured source and does not match the sample's custom.myATMapp.
func EventPattern(ctx context.Context, api EventsAPI, want EventsWant, now time.Time) report.Result {
	const check = "events.pattern"
	rule, err := api.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(want.RuleName), EventBusName: aws.String(want.BusName)})
	if err != nil {
		return report.Failure(check, fmt.Sprintf("describing rule %s on bus %s: %v", want.RuleName, want.BusName, err), "", "grant events:DescribeRule (docs/verify.md)")
	}
	pattern := aws.ToString(rule.EventPattern)
	if rule.State != ebtypes.RuleStateEnabled {
		return report.Failure(check, fmt.Sprintf("rule %s is %s", want.RuleName, rule.State), "a disabled rule delivers nothing: events never reach SNS",
			"run `pulumi up` (the stack creates the rule enabled), or `aws events enable-rule --name "+want.RuleName+" --event-bus-name "+want.BusName+"`")
	}
	matches := func(source string) (bool, error) {
		event, err := want.testEvent(source, now)
		if err != nil {
			return false, err
		}
		out, err := api.TestEventPattern(ctx, &eventbridge.TestEventPatternInput{Event: aws.String(event), EventPattern: aws.String(pattern)})
		if err != nil {
			return false, fmt.Errorf("events:TestEventPattern with source %q: %w", source, err)
		}
		return out.Result, nil
	}
	own, err := matches(want.Source)
	if err != nil {
		return report.Failure(check, err.Error(), "", "grant events:TestEventPattern (docs/verify.md)")
	}
	sample, err := matches(SampleSource)
	if err != nil {
		return report.Failure(check, err.Error(), "", "grant events:TestEventPattern (docs/verify.md)")
	}
	switch {
	case !own:
		return report.Failure(check, fmt.Sprintf("rule %s does not match events with source %q: its pattern is %s", want.RuleName, want.Source, pattern),
			"the rule expects another source, so the app's events never reach SNS (the team's rule demanded \"custom.myATMapp\" from a sample)",
			fmt.Sprintf("set messaging.eventSource to the Source the app publishes (%q) and run `pulumi up`", want.Source))
	case sample:
		return report.Failure(check, fmt.Sprintf("rule %s also matches the sample source %q: its pattern is %s", want.RuleName, SampleSource, pattern),
			"the pattern is wider than the app's own source", "run `pulumi up` to restore the stack's pattern {\"source\": [\""+want.Source+"\"]}")
	}
	return report.Passf(check, "rule %s matches source %q and not %q", want.RuleName, want.Source, SampleSource)
}

// EventTarget checks that the rule delivers to the stack's topic, with the dead-letter queue.
func EventTarget(ctx context.Context, api EventsAPI, want EventsWant) report.Result {
	const check = "events.target"
	out, err := api.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String(want.RuleName), EventBusName: aws.String(want.BusName)})
	if err != nil {
		return report.Failure(check, fmt.Sprintf("listing the targets of rule %s: %v", want.RuleName, err), "", "grant events:ListTargetsByRule (docs/verify.md)")
	}
	for _, t := range out.Targets {
		if aws.ToString(t.Arn) != want.TopicARN {
			continue
		}
		if t.DeadLetterConfig == nil || aws.ToString(t.DeadLetterConfig.Arn) != want.QueueARN {
			got := "none"
			if t.DeadLetterConfig != nil {
				got = aws.ToString(t.DeadLetterConfig.Arn)
			}
			return report.Failure(check, fmt.Sprintf("rule %s delivers to the topic without the stack's dead-letter queue (dead-letter queue: %s)", want.RuleName, got),
				"an event EventBridge cannot deliver is dropped after its retries", "run `pulumi up` to restore the target's dead-letter queue")
		}
		return report.Passf(check, "rule %s delivers to %s, dead-letter queue %s", want.RuleName, want.TopicARN, want.QueueARN)
	}
	var arns []string
	for _, t := range out.Targets {
		arns = append(arns, aws.ToString(t.Arn))
	}
	return report.Failure(check, fmt.Sprintf("rule %s does not deliver to topic %s (targets: %s)", want.RuleName, want.TopicARN, strings.Join(arns, ", ")),
		"events match the rule but never reach SNS", "run `pulumi up` to restore the rule's target")
}

// DeadLetterQueue warns when the dead-letter queue holds events: deliveries that failed.
func DeadLetterQueue(ctx context.Context, api SQSAPI, want EventsWant) report.Result {
	const check = "events.dead-letters"
	out, err := api.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(want.QueueURL),
		AttributeNames: []sqstypes.QueueAttributeName{
			sqstypes.QueueAttributeNameApproximateNumberOfMessages,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		},
	})
	if err != nil {
		return report.Failure(check, fmt.Sprintf("reading dead-letter queue %s: %v", want.QueueURL, err), "", "grant sqs:GetQueueAttributes (docs/verify.md)")
	}
	count := 0
	for _, name := range []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible} {
		n, err := strconv.Atoi(out.Attributes[string(name)])
		if err != nil {
			return report.Failure(check, fmt.Sprintf("dead-letter queue attribute %s is %q, not a number", name, out.Attributes[string(name)]), "", "")
		}
		count += n
	}
	if count > 0 {
		return report.Warning(check, fmt.Sprintf("the dead-letter queue holds %d event(s) EventBridge could not deliver to the topic", count),
			"deliveries failed after their retries (the topic's key or policy refused EventBridge, or the topic was gone)",
			fmt.Sprintf("read them with `aws sqs receive-message --queue-url %s --attribute-names All --message-attribute-names All` (ERROR_CODE and ERROR_MESSAGE say why), then purge the queue", want.QueueURL))
	}
	return report.Passf(check, "the dead-letter queue is empty")
}

// DeliveryOptions bound the wait for the test event's delivery.
type DeliveryOptions struct {
	Timeout  time.Duration
	Interval time.Duration
	// Progress is told about every poll.
	Progress func(string)
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// TestDelivery publishes one event with the configured source (--send-test-event: every
// subscriber gets an email) and waits until the rule's CloudWatch metrics show it delivered.
func TestDelivery(ctx context.Context, events EventsAPI, metrics CloudWatchAPI, want EventsWant, opts DeliveryOptions) report.Result {
	const check = "events.delivery"
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	sent := now()
	detail, err := json.Marshal(map[string]string{"check": check, "sentAt": sent.UTC().Format(time.RFC3339)})
	if err != nil {
		return report.Failure(check, fmt.Sprintf("encoding the test event: %v", err), "", "")
	}
	out, err := events.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		EventBusName: aws.String(want.BusName), Source: aws.String(want.Source), DetailType: aws.String(TestDetailType), Detail: aws.String(string(detail)),
	}}})
	if err != nil {
		return report.Failure(check, fmt.Sprintf("publishing the test event: %v", err), "", "grant events:PutEvents on the bus (docs/verify.md)")
	}
	if out.FailedEntryCount > 0 && len(out.Entries) > 0 {
		e := out.Entries[0]
		return report.Failure(check, fmt.Sprintf("EventBridge refused the test event: %s %s", aws.ToString(e.ErrorCode), aws.ToString(e.ErrorMessage)), "", "")
	}
	start := sent.Truncate(time.Minute)
	deadline := sent.Add(opts.Timeout)
	for {
		sum, err := ruleMetric(ctx, metrics, want, "Invocations", start, now())
		if err != nil {
			return report.Failure(check, err.Error(), "", "grant cloudwatch:GetMetricStatistics (docs/verify.md)")
		}
		if sum > 0 {
			return deliveryResult(ctx, metrics, want, start, now())
		}
		if !now().Before(deadline) {
			return report.Failure(check, fmt.Sprintf("no invocation of rule %s within %s of the test event", want.RuleName, opts.Timeout),
				"the event did not match the rule, or CloudWatch has not published the minute yet",
				"run again with a longer --event-timeout; the rule's Monitoring tab in the EventBridge console shows the same metrics")
		}
		if opts.Progress != nil {
			opts.Progress(fmt.Sprintf("waiting for rule %s to deliver the test event (%s of %s)", want.RuleName, now().Sub(sent).Round(time.Second), opts.Timeout))
		}
		select {
		case <-ctx.Done():
			return report.Failure(check, "interrupted while waiting for the test event's delivery", "", "")
		case <-time.After(opts.Interval):
		}
	}
}

func deliveryResult(ctx context.Context, metrics CloudWatchAPI, want EventsWant, start, end time.Time) report.Result {
	const check = "events.delivery"
	for _, name := range []string{"FailedInvocations", "InvocationsSentToDlq"} {
		n, err := ruleMetric(ctx, metrics, want, name, start, end)
		if err != nil {
			return report.Failure(check, err.Error(), "", "grant cloudwatch:GetMetricStatistics (docs/verify.md)")
		}
		if n > 0 {
			return report.Failure(check, fmt.Sprintf("rule %s invoked the topic but %s is %.0f", want.RuleName, name, n),
				"EventBridge cannot publish to the topic: its KMS key or topic policy refuses events.amazonaws.com",
				"run `pulumi up` to restore the key and topic policies; the dead-letter queue's messages carry ERROR_CODE")
		}
	}
	return report.Passf(check, "the test event reached topic %s (rule %s invoked it; subscribers get one email)", want.TopicARN, want.RuleName)
}

// ruleMetric sums one of the rule's AWS/Events metrics; a rule on a custom bus publishes them
// with the EventBusName and RuleName dimensions, and only when non-zero.
func ruleMetric(ctx context.Context, api CloudWatchAPI, want EventsWant, metric string, start, end time.Time) (float64, error) {
	out, err := api.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{
		Namespace:  aws.String("AWS/Events"),
		MetricName: aws.String(metric),
		Dimensions: []cwtypes.Dimension{
			{Name: aws.String("EventBusName"), Value: aws.String(want.BusName)},
			{Name: aws.String("RuleName"), Value: aws.String(want.RuleName)},
		},
		StartTime:  aws.Time(start),
		EndTime:    aws.Time(end.Add(time.Minute)),
		Period:     aws.Int32(60),
		Statistics: []cwtypes.Statistic{cwtypes.StatisticSum},
	})
	if err != nil {
		return 0, fmt.Errorf("reading metric AWS/Events %s of rule %s: %w", metric, want.RuleName, err)
	}
	sum := 0.0
	for _, p := range out.Datapoints {
		sum += aws.ToFloat64(p.Sum)
	}
	return sum, nil
}
