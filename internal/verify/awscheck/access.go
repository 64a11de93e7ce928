package awscheck

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/mission-link/infra/internal/verify/report"
)

// Secret checks that the app's secret exists and is not scheduled for deletion. It returns the
// secret as Secrets Manager describes it (its KmsKeyId names the key every read decrypts with), or
// nil when it could not be described.
func Secret(ctx context.Context, api SecretsAPI, secretARN string) (report.Result, *secretsmanager.DescribeSecretOutput) {
	const check = "secret"
	out, err := api.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(secretARN)})
	if err != nil {
		var notFound *smtypes.ResourceNotFoundException
		if errors.As(err, &notFound) {
			return report.Failure(check, fmt.Sprintf("secret %s does not exist", secretARN),
				"it was deleted outside Pulumi: the app cannot read its database settings", "run `pulumi up` to create it again"), nil
		}
		return report.Failure(check, fmt.Sprintf("describing secret %s: %v", secretARN, err), "", "grant secretsmanager:DescribeSecret (docs/verify.md)"), nil
	}
	if out.DeletedDate != nil {
		return report.Failure(check, fmt.Sprintf("secret %s is scheduled for deletion (since %s)", aws.ToString(out.Name), out.DeletedDate.UTC().Format("2006-01-02 15:04 MST")),
			"the app cannot read a secret scheduled for deletion, and its name cannot be reused until the recovery window ends",
			fmt.Sprintf("`aws secretsmanager restore-secret --secret-id %s`, then `pulumi up`", secretARN)), out
	}
	return report.Passf(check, "%s exists and is not scheduled for deletion", aws.ToString(out.Name)), out
}

// AccessWant is what the app's role must and must not be allowed.
type AccessWant struct {
	RoleARN   string
	SecretARN string
	BusARN    string
	TopicARN  string
}

// otherSecretARN is a secret beside the app's, in its account and region: the role must not read it.
func (w AccessWant) otherSecretARN() string {
	prefix, _, _ := strings.Cut(w.SecretARN, ":secret:")
	return prefix + ":secret:mission-link-verify/another-secret-AbCdEf"
}

// accessCase is one simulated request and the decision the stack intends.
type accessCase struct {
	action, resource, what string
	allowed                bool
}

// AppRole simulates the app role's identity policies with iam:SimulatePrincipalPolicy: it may read
// its secret, put events on its bus and publish to its topic, and may not read another secret.
func AppRole(ctx context.Context, api IAMAPI, want AccessWant) []report.Result {
	cases := []accessCase{
		{"secretsmanager:GetSecretValue", want.SecretARN, "read the database secret", true},
		{"events:PutEvents", want.BusARN, "put events on the bus", true},
		{"sns:Publish", want.TopicARN, "publish to the topic", true},
		{"secretsmanager:GetSecretValue", want.otherSecretARN(), "read another secret", false},
	}
	var results []report.Result
	for _, c := range cases {
		results = append(results, simulate(ctx, api, want.RoleARN, c))
	}
	return results
}

func simulate(ctx context.Context, api IAMAPI, role string, c accessCase) report.Result {
	const check = "app-role"
	out, err := api.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(role),
		ActionNames:     []string{c.action},
		ResourceArns:    []string{c.resource},
	})
	if err != nil {
		return report.Failure(check, fmt.Sprintf("simulating %s on %s for %s: %v", c.action, c.resource, role, err), "", "grant iam:SimulatePrincipalPolicy on the role (docs/verify.md)")
	}
	if len(out.EvaluationResults) != 1 {
		return report.Failure(check, fmt.Sprintf("simulating %s on %s: %d evaluation results, want 1", c.action, c.resource, len(out.EvaluationResults)), "", "")
	}
	decision := out.EvaluationResults[0].EvalDecision
	allowed := decision == iamtypes.PolicyEvaluationDecisionTypeAllowed
	switch {
	case allowed == c.allowed && allowed:
		return report.Passf(check, "the app role may %s (%s on %s)", c.what, c.action, c.resource)
	case allowed == c.allowed:
		return report.Passf(check, "the app role may not %s (%s: %s)", c.what, c.action, decision)
	case c.allowed:
		return report.Failure(check, fmt.Sprintf("the app role may not %s: %s on %s is %s", c.what, c.action, c.resource, decision),
			"the app's calls fail with AccessDenied", "run `pulumi up` to restore the role's policy (`pulumi preview --refresh` shows what changed)")
	default:
		return report.Failure(check, fmt.Sprintf("the app role may %s: %s on %s is allowed", c.what, c.action, c.resource),
			"a policy attached outside the stack grants more than the app's own secret", "detach the extra policy: `aws iam list-attached-role-policies --role-name <role>` and `aws iam list-role-policies --role-name <role>`")
	}
}
