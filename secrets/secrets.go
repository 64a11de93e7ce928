// Package secrets holds the app's secrets in Secrets Manager: the database connection as one JSON
// secret, its password from a Pulumi secret or generated, never in plain text in state or outputs.
package secrets

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TypeToken is part of every child's URN: changing it replaces the secrets.
const TypeToken = "mission-link:secrets:Secrets"

// Secrets are the app's secrets.
type Secrets struct {
	pulumi.ResourceState

	DatabaseSecretARN  pulumi.StringOutput `pulumi:"databaseSecretArn"`
	DatabaseSecretName pulumi.StringOutput `pulumi:"databaseSecretName"`
}

// DatabaseSecret is the JSON the app reads: the keys RDS-style secrets use.
type DatabaseSecret struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Username string `json:"username"`
	Password string `json:"password"`
	DBName   string `json:"dbname"`
}

// NewSecrets validates args and builds the secrets.
func NewSecrets(ctx *pulumi.Context, name string, args *SecretsArgs, opts ...pulumi.ResourceOption) (*Secrets, error) {
	if args == nil {
		return nil, fmt.Errorf("secrets %s: args are required", name)
	}
	a := args.WithDefaults()
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
			Length:  pulumi.Int(GeneratedPasswordLength),
			Special: pulumi.Bool(false),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("generating database password of %s: %w", name, err)
		}
		password = generated.Result
	}
	secret, err := secretsmanager.NewSecret(ctx, name+"-database", &secretsmanager.SecretArgs{
		Name:                 pulumi.Sprintf("%s/database", a.NamePrefix),
		Description:          pulumi.String("The app's database connection (host, port, username, password, dbname)"),
		RecoveryWindowInDays: pulumi.Int(*a.RecoveryWindowInDays),
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
	s.DatabaseSecretARN, s.DatabaseSecretName = secret.Arn, secret.Name
	if err := ctx.RegisterResourceOutputs(s, pulumi.Map{"databaseSecretArn": s.DatabaseSecretARN, "databaseSecretName": s.DatabaseSecretName}); err != nil {
		return nil, fmt.Errorf("registering outputs of secrets %s: %w", name, err)
	}
	return s, nil
}

// databaseSecretJSON is the secret's value, itself a secret whatever the password's origin.
func databaseSecretJSON(d DatabaseArgs, password pulumi.StringInput) pulumi.StringOutput {
	value := password.ToStringOutput().ApplyT(func(pw string) (string, error) {
		b, err := json.Marshal(DatabaseSecret{Host: d.Host, Port: d.Port, Username: d.Username, Password: pw, DBName: d.DBName})
		if err != nil {
			return "", fmt.Errorf("encoding database secret: %w", err)
		}
		return string(b), nil
	}).(pulumi.StringOutput)
	return pulumi.ToSecret(value).(pulumi.StringOutput)
}
