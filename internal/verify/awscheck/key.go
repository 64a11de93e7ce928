package awscheck

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/mission-link/infra/internal/verify/expected"
	"github.com/mission-link/infra/internal/verify/report"
)

// SecretKey checks that the KMS key the secret is encrypted with (DescribeSecret's KmsKeyId, as
// Secret returned it) is Enabled (kms:DescribeKey): Secrets Manager decrypts every read with it,
// so under a Disabled key or one pending deletion every GetSecretValue fails while the secret
// itself looks fine. secret is nil when Secret could not describe it. It returns the key's ARN, or
// "" when there is no key of the stack's to check.
func SecretKey(ctx context.Context, api KMSAPI, secret *secretsmanager.DescribeSecretOutput) (report.Result, string) {
	const check = "secret.key"
	if secret == nil {
		return report.Skipf(check, "not checked: Secrets Manager does not describe the secret (see the secret line)"), ""
	}
	name, keyID := aws.ToString(secret.Name), aws.ToString(secret.KmsKeyId)
	if keyID == "" {
		// Secrets Manager omits KmsKeyId for the AWS managed key aws/secretsmanager, whose policy
		// lets every principal of the account decrypt through Secrets Manager: the app still reads
		// the secret, but the stack's key no longer limits who can.
		return report.Warning(check, fmt.Sprintf("secret %s is encrypted with the AWS managed key aws/secretsmanager, not the stack's key", name),
			"its key was changed outside Pulumi: every principal of the account allowed secretsmanager:GetSecretValue on it can now read it",
			"run `pulumi up --refresh` to encrypt it with the stack's key again"), ""
	}
	out, err := api.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	if err != nil {
		var notFound *kmstypes.NotFoundException
		if errors.As(err, &notFound) {
			return report.Failure(check, fmt.Sprintf("key %s of secret %s does not exist", keyID, name),
				"the key was deleted: nothing can decrypt the secret's value any more, and every GetSecretValue fails",
				"run `pulumi up --refresh` to create a new key and encrypt the secret with it, then store the database settings in the secret again"), ""
		}
		return report.Failure(check, fmt.Sprintf("describing key %s of secret %s: %v", keyID, name, err), "", "grant kms:DescribeKey on the key (docs/verify.md)"), ""
	}
	key := out.KeyMetadata
	arn := aws.ToString(key.Arn)
	switch key.KeyState {
	case kmstypes.KeyStateEnabled:
		return report.Passf(check, "the key of %s, %s, is Enabled", name, arn), arn
	case kmstypes.KeyStatePendingDeletion:
		deletion := "a date KMS does not give"
		if key.DeletionDate != nil {
			deletion = key.DeletionDate.UTC().Format("2006-01-02 15:04 MST")
		}
		// CancelKeyDeletion leaves the key Disabled: it takes enable-key as well.
		return report.Failure(check, fmt.Sprintf("the key of %s, %s, is PendingDeletion (to be deleted on %s)", name, arn, deletion),
			"every GetSecretValue fails (KMS answers Decrypt with KMSInvalidStateException), and once the key is deleted the secret's value is lost",
			fmt.Sprintf("`aws kms cancel-key-deletion --key-id %s`, then `aws kms enable-key --key-id %s`", arn, arn)), arn
	case kmstypes.KeyStateDisabled:
		return report.Failure(check, fmt.Sprintf("the key of %s, %s, is Disabled", name, arn),
			"every GetSecretValue fails (KMS answers Decrypt with DisabledException)",
			fmt.Sprintf("`aws kms enable-key --key-id %s`", arn)), arn
	default:
		return report.Failure(check, fmt.Sprintf("the key of %s, %s, is %s, not Enabled", name, arn, key.KeyState),
			"KMS decrypts only with an Enabled key: every GetSecretValue fails until it is",
			fmt.Sprintf("`aws kms describe-key --key-id %s` shows the key; wait for a key being created or updated", arn)), arn
	}
}

// KeyPolicyWant is the app role and the key its secret is encrypted with.
type KeyPolicyWant struct {
	RoleARN string
	// KeyARN is the key's ARN as SecretKey returned it.
	KeyARN string
	// Region is the secret's: Secrets Manager calls KMS there as secretsmanager.<region>.amazonaws.com.
	Region string
}

// AppRoleKeyPolicy simulates the app role's kms:Decrypt on the secret's key under the key's policy
// (kms:GetKeyPolicy, then iam:SimulatePrincipalPolicy with it as ResourcePolicy): the role may
// decrypt through Secrets Manager (kms:ViaService secretsmanager.<region>.amazonaws.com), as every
// GetSecretValue does, and may not decrypt directly, which the key policy denies. The app-role
// lines cannot see either: they simulate the role's own policies, which a key policy's Deny
// overrides.
func AppRoleKeyPolicy(ctx context.Context, keys KMSAPI, api IAMAPI, want KeyPolicyWant) []report.Result {
	const check = "app-role.key-policy"
	policy, err := keys.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(want.KeyARN), PolicyName: aws.String("default")})
	if err != nil {
		return []report.Result{report.Failure(check, fmt.Sprintf("reading the policy of key %s: %v", want.KeyARN, err), "", "grant kms:GetKeyPolicy on the key (docs/verify.md)")}
	}
	service := expected.SecretsManagerService(want.Region)
	via := []iamtypes.ContextEntry{{ContextKeyName: aws.String("kms:ViaService"), ContextKeyType: iamtypes.ContextKeyTypeEnumString, ContextKeyValues: []string{service}}}
	cases := []struct {
		context []iamtypes.ContextEntry
		what    string
		allowed bool
	}{
		{via, "decrypt with the secret's key through Secrets Manager (kms:Decrypt with kms:ViaService " + service + ")", true},
		{nil, "decrypt with the secret's key directly (kms:Decrypt without kms:ViaService)", false},
	}
	var results []report.Result
	for _, c := range cases {
		evaluated, err := evaluate(ctx, api, &iam.SimulatePrincipalPolicyInput{
			PolicySourceArn: aws.String(want.RoleARN),
			// The caller the key policy's Principal element is evaluated against: the role itself.
			// The IAM API model of the SDK this module pins (service/iam v1.66.0,
			// SimulatePrincipalPolicyInput.CallerArn) accepts a user, group or role there, and
			// defaults to PolicySourceArn; older editions of the API reference accepted only a
			// user. Should IAM refuse it, the check skips (refusal) rather than fail a healthy stack.
			CallerArn:      aws.String(want.RoleARN),
			ActionNames:    []string{"kms:Decrypt"},
			ResourceArns:   []string{want.KeyARN},
			ResourcePolicy: policy.Policy,
			ContextEntries: c.context,
		})
		if reason := refusal(err); reason != "" {
			// Not the stack's fault: the simulator would not evaluate the key policy for the role
			// as caller, so nothing is proven either way.
			return append(results, report.Skipf(check, "not checked: the policy simulator would not evaluate the key policy for caller %s (%s)", want.RoleARN, reason))
		}
		if err != nil {
			return append(results, report.Failure(check, fmt.Sprintf("simulating kms:Decrypt on %s for %s: %v", want.KeyARN, want.RoleARN, err), "", "grant iam:SimulatePrincipalPolicy on the role (docs/verify.md)"))
		}
		decision := evaluated[0].EvalDecision
		allowed := decision == iamtypes.PolicyEvaluationDecisionTypeAllowed
		switch {
		case allowed == c.allowed && allowed:
			results = append(results, report.Passf(check, "the app role may %s", c.what))
		case allowed == c.allowed:
			results = append(results, report.Passf(check, "the app role may not %s: %s", c.what, decision))
		case c.allowed:
			results = append(results, report.Failure(check, fmt.Sprintf("the app role may not %s: kms:Decrypt on %s is %s", c.what, want.KeyARN, decision),
				"the app's GetSecretValue fails with AccessDeniedException although the app-role lines pass: the key policy denies decryption through "+service+" (a Deny naming another region's Secrets Manager), or the role lost its kms:Decrypt statement",
				fmt.Sprintf("run `pulumi up --refresh` to restore the key policy and the role's policy; `aws kms get-key-policy --key-id %s --policy-name default` shows the key policy", want.KeyARN)).
				WithDetails(evaluationDetails(evaluated)...))
		default:
			results = append(results, report.Failure(check, fmt.Sprintf("the app role may %s: kms:Decrypt on %s is allowed", c.what, want.KeyARN),
				"the key policy lost its Deny of every decryption not through Secrets Manager: the key decrypts the secret outside Secrets Manager, for the role and anyone else the account allows kms:Decrypt",
				"run `pulumi up --refresh` to restore the key policy").WithDetails(evaluationDetails(evaluated)...))
		}
	}
	return results
}

// refusal is the simulator's InvalidInput or NoSuchEntity answer as "code: message", "" for any
// other outcome.
func refusal(err error) string {
	var invalid *iamtypes.InvalidInputException
	var noSuchEntity *iamtypes.NoSuchEntityException
	switch {
	case errors.As(err, &invalid):
		return invalid.ErrorCode() + ": " + invalid.ErrorMessage()
	case errors.As(err, &noSuchEntity):
		return noSuchEntity.ErrorCode() + ": " + noSuchEntity.ErrorMessage()
	}
	return ""
}

// evaluate runs one simulation of a request with one resource and returns one result per action,
// in the order of in.ActionNames.
func evaluate(ctx context.Context, api IAMAPI, in *iam.SimulatePrincipalPolicyInput) ([]iamtypes.EvaluationResult, error) {
	out, err := api.SimulatePrincipalPolicy(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("iam:SimulatePrincipalPolicy: %w", err)
	}
	if len(out.EvaluationResults) != len(in.ActionNames) {
		return nil, fmt.Errorf("iam:SimulatePrincipalPolicy answered %d evaluation results, want %d", len(out.EvaluationResults), len(in.ActionNames))
	}
	return out.EvaluationResults, nil
}

// evaluationDetails says, for each evaluated action, which statements decided it and which context
// keys the policies asked for that the request did not carry.
func evaluationDetails(evaluated []iamtypes.EvaluationResult) []string {
	var details []string
	for _, e := range evaluated {
		line := fmt.Sprintf("%s: %s", aws.ToString(e.EvalActionName), e.EvalDecision)
		var matched []string
		for _, s := range e.MatchedStatements {
			matched = append(matched, fmt.Sprintf("%s (%s)", aws.ToString(s.SourcePolicyId), s.SourcePolicyType))
		}
		if len(matched) > 0 {
			line += ", matched " + strings.Join(matched, ", ")
		}
		if len(e.MissingContextValues) > 0 {
			line += ", missing context values " + strings.Join(e.MissingContextValues, ", ")
		}
		details = append(details, line)
	}
	return details
}
