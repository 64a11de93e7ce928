package awscheck

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/mission-link/infra/internal/verify/report"
)

// pendingConfirmation is the SubscriptionArn SNS lists for a subscription whose owner has not
// confirmed it yet.
const pendingConfirmation = "PendingConfirmation"

// Subscriptions checks that every configured address is subscribed to the topic exactly once:
// a missing or duplicate subscription fails (the team's app subscribed on every request, and
// confirmation emails kept coming), a pending one warns with how to re-send the confirmation.
// Email subscriptions of addresses the stack does not configure warn.
func Subscriptions(ctx context.Context, api SNSAPI, topicARN, region string, emails []string) []report.Result {
	const check = "notifications"
	byAddress := map[string][]string{} // lower-case address -> subscription ARNs
	pages := sns.NewListSubscriptionsByTopicPaginator(api, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(topicARN)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return []report.Result{report.Failure(check, fmt.Sprintf("listing the subscriptions of %s: %v", topicARN, err), "", "grant sns:ListSubscriptionsByTopic (docs/verify.md)")}
		}
		for _, s := range page.Subscriptions {
			if aws.ToString(s.Protocol) != "email" {
				continue
			}
			address := strings.ToLower(aws.ToString(s.Endpoint))
			byAddress[address] = append(byAddress[address], aws.ToString(s.SubscriptionArn))
		}
	}
	if len(emails) == 0 && len(byAddress) == 0 {
		return []report.Result{report.Skipf(check, "no messaging.notificationEmails configured")}
	}
	resend := func(address string) string {
		return fmt.Sprintf("ask its owner to click the link in the email from AWS Notifications; to send a new one, choose Request confirmation on the subscription in the SNS console, or run once `aws sns subscribe --region %s --topic-arn %s --protocol email --notification-endpoint %s` (Subscribe on a pending address sends another confirmation email, which is what the team's app did on every request); AWS deletes an unconfirmed subscription after 48 hours", region, topicARN, address)
	}
	var results []report.Result
	for _, email := range emails {
		subs := byAddress[strings.ToLower(email)]
		pending := slices.Index(subs, pendingConfirmation) >= 0
		switch {
		case len(subs) == 0:
			results = append(results, report.Failure(check, fmt.Sprintf("%s is not subscribed to the topic", email),
				"the subscription was deleted outside Pulumi, or `pulumi up` has not run since the address was added",
				"run `pulumi up`: the stack declares one subscription per address"))
		case len(subs) > 1:
			results = append(results, report.Failure(check, fmt.Sprintf("%s is subscribed %d times", email, len(subs)),
				"something besides the stack subscribes the address (the team's app called Subscribe on every request): each subscription sends its own confirmation and emails",
				"stop the other subscriber, then delete the extra subscriptions: `aws sns list-subscriptions-by-topic --topic-arn "+topicARN+"` and `aws sns unsubscribe --subscription-arn <arn>`").WithDetails(subs...))
		case pending:
			results = append(results, report.Warning(check, fmt.Sprintf("%s has not confirmed its subscription yet (PendingConfirmation)", email),
				"SNS delivers nothing to an address until its owner confirms", resend(email)))
		default:
			results = append(results, report.Passf(check, "%s is subscribed once and confirmed", email))
		}
	}
	for _, address := range slices.Sorted(maps.Keys(byAddress)) {
		if !slices.ContainsFunc(emails, func(e string) bool { return strings.EqualFold(e, address) }) {
			results = append(results, report.Warning(check, fmt.Sprintf("%s is subscribed but not in messaging.notificationEmails", address),
				"a subscription made outside the stack, or left pending after the address was removed (AWS removes a pending one after 48 hours)",
				"add the address to messaging.notificationEmails, or `aws sns unsubscribe` its confirmed subscription").WithDetails(byAddress[address]...))
		}
	}
	return results
}
