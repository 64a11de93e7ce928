package awscheck

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/mission-link/infra/internal/verify/report"
)

// TrustWant is who must be able to assume the app's role: the cluster's OIDC issuer, for one
// service account.
type TrustWant struct {
	RoleARN string
	// IssuerURL is the cluster's OIDC issuer as EKS describes it (https://oidc.eks...).
	IssuerURL                 string
	Namespace, ServiceAccount string
}

// trustPolicy is the part of a role's trust policy the check reads. IAM writes Action and a
// condition's values as a string or a list.
type trustPolicy struct {
	Statement []struct {
		Effect    string
		Principal struct{ Federated PolicyStrings }
		Action    PolicyStrings
		Condition map[string]map[string]PolicyStrings
	}
}

// PolicyStrings is a policy element IAM writes as a string or a list of strings (Action,
// Resource, a principal, a condition's values), read as a list.
type PolicyStrings []string

// UnmarshalJSON reads a string or a list of strings.
func (l *PolicyStrings) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*l = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("a policy string or list of strings: %w", err)
	}
	*l = many
	return nil
}

// AppRoleTrust checks that the app's role trusts exactly the app's service account through the
// cluster's OIDC provider (iam:GetRole): a statement allowing sts:AssumeRoleWithWebIdentity to the
// provider of this cluster's issuer, with StringEquals on <issuer>:sub, the service account, and
// <issuer>:aud, sts.amazonaws.com. Simulating the role's identity policies cannot see this: a
// role whose trust names another service account passes every simulation while the app's pods get
// AccessDenied on AssumeRoleWithWebIdentity.
func AppRoleTrust(ctx context.Context, api IAMAPI, want TrustWant) report.Result {
	const check = "app-role.trust"
	name := want.RoleARN[strings.LastIndex(want.RoleARN, "/")+1:]
	out, err := api.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		return report.Failure(check, fmt.Sprintf("reading role %s: %v", name, err), "", "grant iam:GetRole on the role (docs/verify.md)")
	}
	text, err := url.QueryUnescape(aws.ToString(out.Role.AssumeRolePolicyDocument))
	if err != nil {
		return report.Failure(check, fmt.Sprintf("reading the trust policy of %s: %v", name, err), "", "")
	}
	var policy trustPolicy
	if err := json.Unmarshal([]byte(text), &policy); err != nil {
		return report.Failure(check, fmt.Sprintf("reading the trust policy of %s: %v", name, err), "", "")
	}
	issuer := strings.TrimPrefix(want.IssuerURL, "https://")
	subject := fmt.Sprintf("system:serviceaccount:%s:%s", want.Namespace, want.ServiceAccount)
	var seen []string
	for _, s := range policy.Statement {
		if s.Effect != "Allow" || !slices.Contains(s.Action, "sts:AssumeRoleWithWebIdentity") {
			continue
		}
		equals := s.Condition["StringEquals"]
		seen = append(seen, fmt.Sprintf("principal %v, sub %v, aud %v", s.Principal.Federated, equals[issuer+":sub"], equals[issuer+":aud"]))
		if slices.ContainsFunc(s.Principal.Federated, func(p string) bool { return strings.HasSuffix(p, ":oidc-provider/"+issuer) }) &&
			slices.Equal(equals[issuer+":sub"], []string{subject}) && slices.Equal(equals[issuer+":aud"], []string{"sts.amazonaws.com"}) {
			return report.Passf(check, "the app role trusts %s through the cluster's OIDC provider, audience sts.amazonaws.com", subject)
		}
	}
	return report.Failure(check, fmt.Sprintf("the app role does not trust %s through this cluster's OIDC provider (%s)", subject, issuer),
		"the app's pods get AccessDenied on sts:AssumeRoleWithWebIdentity: the trust names another service account, another cluster, or no audience",
		"run `pulumi up --refresh` to restore the role's trust, and check app.namespace and app.serviceAccount against the overlay's ServiceAccount").WithDetails(seen...)
}
