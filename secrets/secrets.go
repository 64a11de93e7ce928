// Package secrets holds the app's secrets in Secrets Manager: the database connection as one JSON
// secret, its password from a Pulumi secret or generated, never in plain text in state or outputs.
package secrets

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/internal/iampolicy"
	"github.com/mission-link/infra/secrets/secretsargs"
)

// TypeToken is part of every child's URN: changing it replaces the secrets.
const TypeToken = "mission-link:secrets:Secrets"

// Secrets are the app's secrets.
type Secrets struct {
	pulumi.ResourceState

	DatabaseSecretARN  pulumi.StringOutput `pulumi:"databaseSecretArn"`
	DatabaseSecretName pulumi.StringOutput `pulumi:"databaseSecretName"`
	// KeyARN is the customer managed key the secret is encrypted with: a role that reads the
	// secret also needs kms:Decrypt on it, through Secrets Manager (DecryptThroughSecretsManager).
	KeyARN pulumi.StringOutput `pulumi:"keyArn"`
}

// DatabaseSecret is the JSON the app reads: the keys RDS-style secrets use.
type DatabaseSecret struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Username string `json:"username"`
	Password string `json:"password"`
	DBName   string `json:"dbname"`
}

// SecretsArgs are the secrets' config (secretsargs.SecretsArgs, decoded and validated with the
// stack file) and the database password.
type SecretsArgs struct {
	secretsargs.SecretsArgs

	// Password is the database password, a Pulumi secret; nil generates one. Set by the program
	// from the secret config value databasePassword.
	Password pulumi.StringInput
}

// NewSecrets validates args and builds the secrets.
func NewSecrets(ctx *pulumi.Context, name string, args *SecretsArgs, opts ...pulumi.ResourceOption) (*Secrets, error) {
	if args == nil {
		return nil, fmt.Errorf("secrets %s: args are required", name)
	}
	a := *args
	a.SecretsArgs = args.SecretsArgs.WithDefaults()
	if a.NamePrefix == "" {
		return nil, fmt.Errorf("secrets %s: NamePrefix is required, so that stacks never share a secret name", name)
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("secrets %s: invalid config:\n%w", name, err)
	}
	s := &Secrets{}
	if err := ctx.RegisterComponentResource(TypeToken, name, s, opts...); err != nil {
		return nil, fmt.Errorf("registering secrets %s: %w", name, err)
	}
	parent := pulumi.Parent(s)
	password := a.Password
	if password == nil {
		generated, err := random.NewRandomPassword(ctx, name+"-database", &random.RandomPasswordArgs{
			Length:  pulumi.Int(secretsargs.GeneratedPasswordLength),
			Special: pulumi.Bool(false),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("generating database password of %s: %w", name, err)
		}
		password = generated.Result
	}
	key, err := newKey(ctx, name+"-database", a.Protect, parent)
	if err != nil {
		return nil, err
	}
	secret, err := secretsmanager.NewSecret(ctx, name+"-database", &secretsmanager.SecretArgs{
		Name:                 pulumi.Sprintf("%s/database", a.NamePrefix),
		Description:          pulumi.String("The app's database connection (host, port, username, password, dbname)"),
		RecoveryWindowInDays: pulumi.Int(*a.RecoveryWindowInDays),
		KmsKeyId:             key.Arn,
	}, parent, pulumi.Protect(a.Protect))
	if err != nil {
		return nil, fmt.Errorf("creating database secret of %s: %w", name, err)
	}
	if _, err := secretsmanager.NewSecretVersion(ctx, name+"-database", &secretsmanager.SecretVersionArgs{
		SecretId:     secret.ID(),
		SecretString: databaseSecretJSON(a.Database, password),
	}, parent); err != nil {
		return nil, fmt.Errorf("storing database secret of %s: %w", name, err)
	}
	s.DatabaseSecretARN, s.DatabaseSecretName, s.KeyARN = secret.Arn, secret.Name, key.Arn
	if err := ctx.RegisterResourceOutputs(s, pulumi.Map{"databaseSecretArn": s.DatabaseSecretARN, "databaseSecretName": s.DatabaseSecretName, "keyArn": s.KeyARN}); err != nil {
		return nil, fmt.Errorf("registering outputs of secrets %s: %w", name, err)
	}
	return s, nil
}

// databaseSecretJSON is the secret's value, itself a secret whatever the password's origin.
func databaseSecretJSON(d secretsargs.DatabaseArgs, password pulumi.StringInput) pulumi.StringOutput {
	value := password.ToStringOutput().ApplyT(func(pw string) (string, error) {
		b, err := json.Marshal(DatabaseSecret{Host: d.Host, Port: d.Port, Username: d.Username, Password: pw, DBName: d.DBName})
		if err != nil {
			return "", fmt.Errorf("encoding database secret: %w", err)
		}
		return string(b), nil
	}).(pulumi.StringOutput)
	return pulumi.ToSecret(value).(pulumi.StringOutput)
}

// newKey is the secret's customer managed key, rotated yearly, as every other data store of the
// stack has (Checkov CKV_AWS_149, Trivy AVD-AWS-0098): under it, reading the secret takes an IAM
// grant of kms:Decrypt, which only the roles that read it get, instead of the AWS managed key's
// policy, which lets every principal of the account decrypt through Secrets Manager.
func newKey(ctx *pulumi.Context, name string, protect bool, parent pulumi.ResourceOrInvokeOption) (*kms.Key, error) {
	partition := aws.GetPartitionOutput(ctx, aws.GetPartitionOutputArgs{}, parent).Partition()
	account := aws.GetCallerIdentityOutput(ctx, aws.GetCallerIdentityOutputArgs{}, parent).AccountId()
	region := aws.GetRegionOutput(ctx, aws.GetRegionOutputArgs{}, parent).Name()
	key, err := kms.NewKey(ctx, name, &kms.KeyArgs{
		Description:       pulumi.String("Encrypts the app's database secret in Secrets Manager"),
		EnableKeyRotation: pulumi.Bool(true),
		Policy:            iampolicy.Render(func(v []string) iampolicy.Document { return KeyPolicy(v[0], v[1], v[2]) }, partition, account, region),
		Tags:              pulumi.StringMap{"Name": pulumi.String(name)},
	}, parent, pulumi.Protect(protect))
	if err != nil {
		return nil, fmt.Errorf("creating key %s: %w", name, err)
	}
	return key, nil
}

// SecretsManagerService is the kms:ViaService value of Secrets Manager's calls to KMS in region.
func SecretsManagerService(region string) string {
	return fmt.Sprintf("secretsmanager.%s.amazonaws.com", region)
}

// KeyPolicy leaves the key to the account's IAM policies (the default key policy: whoever runs
// `pulumi up` uses it through their own rights, the roles that read the secret through
// DecryptThroughSecretsManager), and denies every decryption that does not come through Secrets
// Manager, so the key opens nothing but the secret.
func KeyPolicy(partition, account, region string) iampolicy.Document {
	return iampolicy.New(iampolicy.AccountAdministersKey(partition, account), iampolicy.Statement{
		Sid:       "DecryptOnlyThroughSecretsManager",
		Effect:    iampolicy.Deny,
		Principal: &iampolicy.Principal{AWS: []string{"*"}},
		Action:    []string{"kms:Decrypt"},
		Resource:  []string{"*"},
		Condition: iampolicy.Conditions{"StringNotEquals": {"kms:ViaService": {SecretsManagerService(region)}}},
	})
}

// DecryptThroughSecretsManager is the statement a role that reads the secret needs beside
// secretsmanager:GetSecretValue: Secrets Manager decrypts the value with the caller's own
// kms:Decrypt on the secret's key.
func DecryptThroughSecretsManager(sid, keyARN, region string) iampolicy.Statement {
	return iampolicy.Statement{
		Sid: sid, Effect: iampolicy.Allow,
		Action: []string{"kms:Decrypt"}, Resource: []string{keyARN},
		Condition: iampolicy.Conditions{"StringEquals": {"kms:ViaService": {SecretsManagerService(region)}}},
	}
}
