package secrets_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/internal/harness"
	"github.com/mission-link/infra/internal/harness/harnesstest"
	"github.com/mission-link/infra/internal/iampolicy"
	"github.com/mission-link/infra/internal/validationtest"
	"github.com/mission-link/infra/secrets"
	"github.com/mission-link/infra/secrets/secretsargs"
)

func run(t *testing.T, args secretsargs.SecretsArgs) *harness.Record {
	t.Helper()
	return runWith(t, secrets.SecretsArgs{SecretsArgs: args})
}

// runWith builds the secrets from args as the program completes them (the configured password).
func runWith(t *testing.T, args secrets.SecretsArgs) *harness.Record {
	t.Helper()
	r, err := harness.RunComponent(func(ctx *pulumi.Context) error {
		if args.NamePrefix == "" {
			args.NamePrefix = "mission-link/test"
		}
		_, err := secrets.NewSecrets(ctx, "app", &args)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func dbArgs() secretsargs.SecretsArgs {
	return secretsargs.SecretsArgs{Database: secretsargs.DatabaseArgs{Host: "db.internal"}}
}

// secretValue is the stored JSON, which must be a secret in the recorded inputs.
func secretValue(t *testing.T, r *harness.Record) secrets.DatabaseSecret {
	t.Helper()
	versions := r.ByType("aws:secretsmanager/secretVersion:SecretVersion")
	if len(versions) != 1 {
		t.Fatalf("%d secret versions", len(versions))
	}
	v := versions[0]
	if !v.Inputs["secretString"].IsSecret() {
		t.Fatal("the secret's value is in plain text in the inputs (and so in state)")
	}
	var value secrets.DatabaseSecret
	if err := json.Unmarshal([]byte(v.String("secretString")), &value); err != nil {
		t.Fatal(err)
	}
	if src, err := r.InputSource(v, "secretId"); err != nil || src.Type != "aws:secretsmanager/secret:Secret" {
		t.Fatalf("the version belongs to %v (%v)", src.Type, err)
	}
	return value
}

func TestGeneratedPassword(t *testing.T) {
	r := run(t, dbArgs())
	secret := r.ByType("aws:secretsmanager/secret:Secret")[0]
	if secret.String("name") != "mission-link/test/database" {
		t.Errorf("secret name %q is not stack-scoped", secret.String("name"))
	}
	if days, set := secret.Number("recoveryWindowInDays"); !set || days != 0 {
		t.Errorf("recovery window %v: destroy and re-create must work", days)
	}
	generated := r.ByType("random:index/randomPassword:RandomPassword")
	if len(generated) != 1 {
		t.Fatalf("%d generated passwords", len(generated))
	}
	if length, _ := generated[0].Number("length"); length != 32 {
		t.Errorf("password length %v", length)
	}
	value := secretValue(t, r)
	if value.Host != "db.internal" || value.Port != 5432 || value.Username != "mission_link" || value.DBName != "mission_link" || len(value.Password) != 32 {
		t.Errorf("secret value %+v", value)
	}
}

// The secret is under its own customer managed key, rotated, that decrypts only through Secrets
// Manager; who may use it is left to IAM (the roles that read the secret get kms:Decrypt).
func TestSecretHasACustomerManagedKey(t *testing.T) {
	r := run(t, dbArgs())
	secret := r.ByType("aws:secretsmanager/secret:Secret")[0]
	key := harnesstest.Source(t, r, secret, "kmsKeyId")
	if rotate, _ := key.Bool("enableKeyRotation"); key.Type != "aws:kms/key:Key" || !rotate || key.Parent != secret.Parent {
		t.Fatalf("the secret is encrypted with %s %s (rotation %v): want the component's own rotated key", key.Type, key.Name, rotate)
	}
	doc, err := iampolicy.Parse(key.String("policy"))
	if err != nil {
		t.Fatal(err)
	}
	admin, ok := doc.FindStatement("AccountAdministersKey")
	if !ok || !slices.Equal(admin.Principal.AWS, []string{"arn:aws:iam::123456789012:root"}) || !slices.Equal(admin.Action, []string{"kms:*"}) {
		t.Errorf("the key is not left to the account's IAM policies: %+v", admin)
	}
	deny, ok := doc.FindStatement("DecryptOnlyThroughSecretsManager")
	if !ok || deny.Effect != iampolicy.Deny || !slices.Equal(deny.Principal.AWS, []string{"*"}) || !slices.Equal(deny.Action, []string{"kms:Decrypt"}) ||
		!slices.Equal(deny.Condition["StringNotEquals"]["kms:ViaService"], []string{"secretsmanager.ap-northeast-2.amazonaws.com"}) {
		t.Errorf("the key decrypts outside Secrets Manager: %+v", deny)
	}
	if len(doc.Statement) != 2 {
		t.Errorf("key policy has %d statements, want 2: %+v", len(doc.Statement), doc.Statement)
	}
	protected := dbArgs()
	protected.Protect = true
	if k := run(t, protected).ByType("aws:kms/key:Key")[0]; !k.Options.Protect {
		t.Error("protectStatefulResources does not protect the secret's key: deleting it loses the secret")
	}
}

func TestConfiguredPassword(t *testing.T) {
	r := runWith(t, secrets.SecretsArgs{SecretsArgs: dbArgs(), Password: pulumi.ToSecret(pulumi.String("from-pulumi-config")).(pulumi.StringOutput)})
	if n := len(r.ByType("random:index/randomPassword:RandomPassword")); n != 0 {
		t.Errorf("%d passwords generated although one is configured", n)
	}
	if value := secretValue(t, r); value.Password != "from-pulumi-config" {
		t.Errorf("stored password %q", value.Password)
	}
}

func TestRecoveryWindowAndProtect(t *testing.T) {
	args := dbArgs()
	days := 30
	args.RecoveryWindowInDays = &days
	args.Protect = true
	secret := run(t, args).ByType("aws:secretsmanager/secret:Secret")[0]
	if got, _ := secret.Number("recoveryWindowInDays"); got != 30 || !secret.Options.Protect {
		t.Errorf("recovery window %v, protect %v", got, secret.Options.Protect)
	}
}

func TestValidate(t *testing.T) {
	valid := func() secretsargs.SecretsArgs { return dbArgs().WithDefaults() }
	if err := valid().Validate(); err != nil {
		t.Fatal(err)
	}
	window := func(days int) func(*secretsargs.SecretsArgs) {
		return func(a *secretsargs.SecretsArgs) { a.RecoveryWindowInDays = &days }
	}
	validationtest.Rejects(t, valid, secretsargs.SecretsArgs.Validate, []validationtest.Case[secretsargs.SecretsArgs]{
		validationtest.Reject("recovery window 3", window(3), "secrets.recoveryWindowInDays (3) must be 0 (delete at once) or from 7 to 30"),
		validationtest.Reject("recovery window 31", window(31), "secrets.recoveryWindowInDays (31)"),
		validationtest.Reject("negative window", window(-1), "secrets.recoveryWindowInDays (-1)"),
		validationtest.Reject("no host", func(a *secretsargs.SecretsArgs) { a.Database.Host = "" }, `secrets.database.host ("")`),
		validationtest.Reject("URL as host", func(a *secretsargs.SecretsArgs) { a.Database.Host = "postgres://db" }, `secrets.database.host ("postgres://db")`),
		validationtest.Reject("port", func(a *secretsargs.SecretsArgs) { a.Database.Port = 70000 }, "secrets.database.port (70000)"),
	})
	for _, ok := range []int{0, 7, 30} {
		a := valid()
		a.RecoveryWindowInDays = &ok
		if err := a.Validate(); err != nil {
			t.Errorf("recovery window %d rejected: %v", ok, err)
		}
	}
}
