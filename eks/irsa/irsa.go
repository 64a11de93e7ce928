// Package irsa makes IAM roles for Kubernetes service accounts (IRSA): roles that only one service
// account of the cluster can assume, through the cluster's OIDC provider. The eks component uses
// it for its addons and the Cluster Autoscaler, the app component for the app.
//
// It is a package apart from eks so that a component that needs only a role does not link the
// cluster (pulumi-eks and the Kubernetes SDK) into its tests.
package irsa

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	awsiam "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/internal/iampolicy"
	"github.com/mission-link/infra/internal/kubename"
)

// stsAudience is the audience of the service account tokens that AWS STS accepts.
const stsAudience = "sts.amazonaws.com"

// OIDCProvider identifies the cluster's IAM OIDC provider.
type OIDCProvider struct {
	ARN pulumi.StringOutput
	// IssuerURL is the issuer with its https:// scheme, as EKS reports it.
	IssuerURL pulumi.StringOutput
}

// RoleArgs describes a role for a Kubernetes service account (IAM Roles for Service Accounts).
type RoleArgs struct {
	OIDC           OIDCProvider
	Namespace      string
	ServiceAccount string
	Description    string
	// ManagedPolicies are attached to the role, keyed by a short name that names the attachment.
	ManagedPolicies map[string]pulumi.StringInput
	// Policy is an inline policy document, if any.
	Policy pulumi.StringInput
}

// NewRole creates a role that only the given service account of this cluster can assume.
func NewRole(ctx *pulumi.Context, name string, args RoleArgs, opts ...pulumi.ResourceOption) (*awsiam.Role, error) {
	if err := errors.Join(kubename.Check("namespace", args.Namespace), kubename.Check("service account", args.ServiceAccount)); err != nil {
		return nil, fmt.Errorf("IRSA role %s: %w", name, err)
	}
	trust := iampolicy.Render(func(v []string) iampolicy.Document {
		return TrustPolicy(v[0], v[1], args.Namespace, args.ServiceAccount)
	}, args.OIDC.ARN, args.OIDC.IssuerURL)
	role, err := awsiam.NewRole(ctx, name, &awsiam.RoleArgs{
		AssumeRolePolicy: trust,
		Description:      pulumi.String(args.Description),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating IRSA role %s: %w", name, err)
	}
	for _, key := range slices.Sorted(maps.Keys(args.ManagedPolicies)) {
		if _, err := awsiam.NewRolePolicyAttachment(ctx, name+"-"+key, &awsiam.RolePolicyAttachmentArgs{
			Role:      role.Name,
			PolicyArn: args.ManagedPolicies[key],
		}, opts...); err != nil {
			return nil, fmt.Errorf("attaching %s to IRSA role %s: %w", key, name, err)
		}
	}
	if args.Policy != nil {
		if _, err := awsiam.NewRolePolicy(ctx, name, &awsiam.RolePolicyArgs{
			Role:   role.Name,
			Policy: args.Policy,
		}, opts...); err != nil {
			return nil, fmt.Errorf("creating inline policy of IRSA role %s: %w", name, err)
		}
	}
	return role, nil
}

// TrustPolicy lets the service account's projected tokens, issued by the cluster's OIDC
// provider for STS, assume the role: both the subject and the audience are pinned.
func TrustPolicy(providerARN, issuerURL, namespace, serviceAccount string) iampolicy.Document {
	issuer := strings.TrimPrefix(issuerURL, "https://")
	return iampolicy.New(iampolicy.Statement{
		Sid:       "ServiceAccount",
		Effect:    iampolicy.Allow,
		Principal: &iampolicy.Principal{Federated: []string{providerARN}},
		Action:    []string{"sts:AssumeRoleWithWebIdentity"},
		Condition: iampolicy.Conditions{"StringEquals": {
			issuer + ":sub": {fmt.Sprintf("system:serviceaccount:%s:%s", namespace, serviceAccount)},
			issuer + ":aud": {stsAudience},
		}},
	})
}
