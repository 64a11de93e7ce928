package app_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/app"
	"github.com/mission-link/infra/app/appargs"
	"github.com/mission-link/infra/eks/irsa"
	"github.com/mission-link/infra/internal/harness"
	"github.com/mission-link/infra/internal/iampolicy"
	"github.com/mission-link/infra/internal/validationtest"
)

const (
	issuer    = "https://oidc.eks.ap-northeast-2.amazonaws.com/id/ABCDEF"
	provider  = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.ap-northeast-2.amazonaws.com/id/ABCDEF"
	secretARN = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:mission-link/dev/database-AbCdEf"
	busARN    = "arn:aws:events:ap-northeast-2:123456789012:event-bus/mission-link-dev"
	topicARN  = "arn:aws:sns:ap-northeast-2:123456789012:mission-link-dev-notifications"
	keyARN    = "arn:aws:kms:ap-northeast-2:123456789012:key/1234"
	secretKey = "arn:aws:kms:ap-northeast-2:123456789012:key/5678"
)

func run(t *testing.T, args appargs.IdentityArgs) *harness.Record {
	t.Helper()
	r, err := harness.RunComponent(func(ctx *pulumi.Context) error {
		_, err := app.NewIdentity(ctx, "app", &app.IdentityArgs{
			IdentityArgs: args,
			OIDC:         irsa.OIDCProvider{ARN: pulumi.String(provider).ToStringOutput(), IssuerURL: pulumi.String(issuer).ToStringOutput()},
			SecretARN:    pulumi.String(secretARN), SecretKeyARN: pulumi.String(secretKey), EventBusARN: pulumi.String(busARN),
			TopicARN: pulumi.String(topicARN), TopicKeyARN: pulumi.String(keyARN),
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAppRole(t *testing.T) {
	r := run(t, appargs.IdentityArgs{})
	role := r.ByType("aws:iam/role:Role")[0]
	trust, err := iampolicy.Parse(role.String("assumeRolePolicy"))
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(issuer, "https://")
	s := trust.Statement[0]
	if !slices.Equal(s.Principal.Federated, []string{provider}) ||
		!slices.Equal(s.Condition["StringEquals"][host+":sub"], []string{"system:serviceaccount:mission-link:mission-link"}) ||
		!slices.Equal(s.Condition["StringEquals"][host+":aud"], []string{"sts.amazonaws.com"}) {
		t.Errorf("trust %+v", s)
	}
	policies := r.ByType("aws:iam/rolePolicy:RolePolicy")
	if len(policies) != 1 || len(r.ByType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")) != 0 {
		t.Fatalf("the app role has %d inline policies and managed ones attached", len(policies))
	}
	doc, err := iampolicy.Parse(policies[0].String("policy"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2][]string{ // sid: actions, resources
		"ReadDatabaseSecret":          {{"secretsmanager:GetSecretValue"}, {secretARN}},
		"DecryptDatabaseSecret":       {{"kms:Decrypt"}, {secretKey}},
		"PutAppEvents":                {{"events:PutEvents"}, {busARN}},
		"UseNotificationTopic":        {{"sns:Subscribe", "sns:ListSubscriptionsByTopic", "sns:Publish"}, {topicARN}},
		"EncryptForNotificationTopic": {{"kms:GenerateDataKey", "kms:Decrypt"}, {keyARN}},
	}
	if len(doc.Statement) != len(want) {
		t.Errorf("%d statements, want %d", len(doc.Statement), len(want))
	}
	for sid, w := range want {
		st, ok := doc.FindStatement(sid)
		if !ok || st.Effect != "Allow" || !slices.Equal(st.Action, w[0]) || !slices.Equal(st.Resource, w[1]) {
			t.Errorf("%s: %+v, want %v on %v", sid, st, w[0], w[1])
		}
	}
	kms, _ := doc.FindStatement("EncryptForNotificationTopic")
	if !slices.Equal(kms.Condition["StringEquals"]["kms:ViaService"], []string{"sns.ap-northeast-2.amazonaws.com"}) {
		t.Errorf("the key is usable outside SNS: %v", kms.Condition)
	}
	decrypt, _ := doc.FindStatement("DecryptDatabaseSecret")
	if len(decrypt.Condition) != 1 || !slices.Equal(decrypt.Condition["StringEquals"]["kms:ViaService"], []string{"secretsmanager.ap-northeast-2.amazonaws.com"}) {
		t.Errorf("the secret's key is usable outside Secrets Manager: %v", decrypt.Condition)
	}
	for _, st := range doc.Statement {
		if slices.Contains(st.Resource, "*") || slices.ContainsFunc(st.Action, func(a string) bool { return strings.Contains(a, "*") }) {
			t.Errorf("%s uses a wildcard", st.Sid)
		}
	}
}

func TestConfiguredServiceAccount(t *testing.T) {
	r := run(t, appargs.IdentityArgs{Namespace: "web", ServiceAccount: "server"})
	if !strings.Contains(r.ByType("aws:iam/role:Role")[0].String("assumeRolePolicy"), `"system:serviceaccount:web:server"`) {
		t.Error("the trust does not name the configured service account")
	}
}

func TestValidate(t *testing.T) {
	valid := func() appargs.IdentityArgs { return appargs.IdentityArgs{}.WithDefaults() }
	validationtest.Rejects(t, valid, appargs.IdentityArgs.Validate, []validationtest.Case[appargs.IdentityArgs]{
		validationtest.Reject("namespace", func(a *appargs.IdentityArgs) { a.Namespace = "Mission_Link" }, `app.namespace ("Mission_Link")`),
		validationtest.Reject("service account", func(a *appargs.IdentityArgs) { a.ServiceAccount = "*" }, `app.serviceAccount ("*")`),
	})
}
