// Package app gives the app server its AWS identity: an IRSA role for its Kubernetes service
// account, allowed exactly what the app does at run time.
package app

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/app/appargs"
	"github.com/mission-link/infra/eks/irsa"
	"github.com/mission-link/infra/internal/iampolicy"
	"github.com/mission-link/infra/secrets"
)

// TypeToken is part of every child's URN: changing it replaces the app's role.
const TypeToken = "mission-link:app:Identity"

// RoleAnnotation is the service account annotation the EKS pod identity webhook reads.
const RoleAnnotation = "eks.amazonaws.com/role-arn"

// TopicActions are what the app does with the notification topic: it lists the subscriptions to
// see whether an address is already subscribed before subscribing it, and publishes.
var TopicActions = []string{"sns:Subscribe", "sns:ListSubscriptionsByTopic", "sns:Publish"}

// Identity is the app's IAM role and how its service account names it.
type Identity struct {
	pulumi.ResourceState

	RoleARN pulumi.StringOutput `pulumi:"roleArn"`
	// ServiceAccountAnnotation is the annotation the app's service account needs.
	ServiceAccountAnnotation pulumi.StringMapOutput `pulumi:"serviceAccountAnnotation"`
}

// IdentityArgs are the identity's config (appargs.IdentityArgs, decoded and validated with the
// stack file) and what the role is allowed to use, which the program wires in.
type IdentityArgs struct {
	appargs.IdentityArgs

	OIDC      irsa.OIDCProvider
	SecretARN pulumi.StringInput
	// SecretKeyARN encrypts the secret: reading it needs the key, through Secrets Manager only.
	SecretKeyARN pulumi.StringInput
	EventBusARN  pulumi.StringInput
	TopicARN     pulumi.StringInput
	// TopicKeyARN encrypts the topic: publishing needs the key, through SNS only.
	TopicKeyARN pulumi.StringInput
}

// NewIdentity validates args and builds the role.
func NewIdentity(ctx *pulumi.Context, name string, args *IdentityArgs, opts ...pulumi.ResourceOption) (*Identity, error) {
	if args == nil {
		return nil, fmt.Errorf("app identity %s: args are required", name)
	}
	a := *args
	a.IdentityArgs = args.IdentityArgs.WithDefaults()
	if a.SecretARN == nil || a.SecretKeyARN == nil || a.EventBusARN == nil || a.TopicARN == nil || a.TopicKeyARN == nil {
		return nil, fmt.Errorf("app identity %s: SecretARN, SecretKeyARN, EventBusARN, TopicARN and TopicKeyARN are required", name)
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("app identity %s: invalid config:\n%w", name, err)
	}
	id := &Identity{}
	if err := ctx.RegisterComponentResource(TypeToken, name, id, opts...); err != nil {
		return nil, fmt.Errorf("registering app identity %s: %w", name, err)
	}
	parent := pulumi.Parent(id)
	region := aws.GetRegionOutput(ctx, aws.GetRegionOutputArgs{}, parent).Name()
	policy := iampolicy.Render(func(v []string) iampolicy.Document {
		return Permissions(Resources{SecretARN: v[0], SecretKeyARN: v[1], BusARN: v[2], TopicARN: v[3], TopicKeyARN: v[4]}, v[5])
	}, a.SecretARN, a.SecretKeyARN, a.EventBusARN, a.TopicARN, a.TopicKeyARN, region)
	role, err := irsa.NewRole(ctx, name, irsa.RoleArgs{
		OIDC:           a.OIDC,
		Namespace:      a.Namespace,
		ServiceAccount: a.ServiceAccount,
		Description:    "The mission-link app server (IRSA)",
		Policy:         policy,
	}, parent)
	if err != nil {
		return nil, err
	}
	id.RoleARN = role.Arn
	id.ServiceAccountAnnotation = pulumi.StringMap{RoleAnnotation: role.Arn}.ToStringMapOutput()
	if err := ctx.RegisterResourceOutputs(id, pulumi.Map{"roleArn": id.RoleARN}); err != nil {
		return nil, fmt.Errorf("registering outputs of app identity %s: %w", name, err)
	}
	return id, nil
}

// Resources are the ARNs the app's role is allowed to use.
type Resources struct {
	SecretARN, SecretKeyARN, BusARN, TopicARN, TopicKeyARN string
}

// Permissions are exactly what the app does: read its database secret (decrypting it with its
// key through Secrets Manager only), put events on its bus, and subscribe to, list and publish on
// its topic, whose key it may use only through SNS.
func Permissions(r Resources, region string) iampolicy.Document {
	return iampolicy.New(iampolicy.Statement{
		Sid: "ReadDatabaseSecret", Effect: iampolicy.Allow,
		Action: []string{"secretsmanager:GetSecretValue"}, Resource: []string{r.SecretARN},
	}, secrets.DecryptThroughSecretsManager("DecryptDatabaseSecret", r.SecretKeyARN, region),
		iampolicy.Statement{
			Sid: "PutAppEvents", Effect: iampolicy.Allow,
			Action: []string{"events:PutEvents"}, Resource: []string{r.BusARN},
		}, iampolicy.Statement{
			Sid: "UseNotificationTopic", Effect: iampolicy.Allow,
			Action: TopicActions, Resource: []string{r.TopicARN},
		}, iampolicy.Statement{
			Sid: "EncryptForNotificationTopic", Effect: iampolicy.Allow,
			Action: []string{"kms:GenerateDataKey", "kms:Decrypt"}, Resource: []string{r.TopicKeyARN},
			Condition: iampolicy.Conditions{"StringEquals": {"kms:ViaService": {fmt.Sprintf("sns.%s.amazonaws.com", region)}}},
		})
}
