// Package secretsargs is the configuration of the database secret (`secrets:`): its Args, their
// defaults and their validation, which stackconfig decodes the stack file into and
// secrets.NewSecrets takes.
//
// It is a package apart from secrets, and imports neither the Pulumi SDK nor a provider SDK, so
// that what reads and checks config builds in seconds: stackconfig's tests, and its fuzz targets,
// whose coverage instrumentation recompiles everything they link. What the program wires in from
// the rest of the stack (outputs, providers) is in secrets's own Args, which embed these.
// (eksctl keeps its config types apart from its builders the same way:
// pkg/apis/eksctl.io/v1alpha5 beside pkg/cfn/builder.)
package secretsargs

import (
	"errors"
	"fmt"
	"regexp"
)

// ConfigKey is where SecretsArgs lives in Pulumi.<stack>.yaml.
const ConfigKey = "secrets"

// Defaults, named so that docs, config and code agree.
const (
	// DefaultRecoveryWindowInDays is 0: a destroyed secret is deleted at once, so the stack can be
	// re-created with the same name (a 30-day window blocked the team before us).
	DefaultRecoveryWindowInDays = 0
	DefaultPort                 = 5432
	DefaultUsername             = "mission_link"
	DefaultDBName               = "mission_link"
	// GeneratedPasswordLength is the length of a generated password: letters and digits only, so
	// it needs no escaping in a connection string (about 190 bits).
	GeneratedPasswordLength = 32
)

// SecretsArgs configures the app's secrets. Its JSON names are the keys of the stack's
// `secrets:` config block.
type SecretsArgs struct {
	// RecoveryWindowInDays is how long a deleted secret can be restored: 0 (delete at once) or
	// 7-30. Default 0.
	RecoveryWindowInDays *int `json:"recoveryWindowInDays"`
	// Database is the non-secret part of the app's database connection.
	Database DatabaseArgs `json:"database"`

	// NamePrefix scopes secret names to the stack ("<project>/<stack>"). Set by the program.
	NamePrefix string `json:"-"`
	// Protect protects the secret from deletion. Set by the program.
	Protect bool `json:"-"`
}

// DatabaseArgs is the database the app connects to.
type DatabaseArgs struct {
	// Host of the database. Required.
	Host string `json:"host"`
	// Port of the database, 1-65535. Default 5432.
	Port int `json:"port"`
	// Username the app connects as. Default "mission_link".
	Username string `json:"username"`
	// DBName is the database's name. Default "mission_link".
	DBName string `json:"dbname"`
}

var hostPattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$`)

// WithDefaults returns a copy with every unset field filled with its default.
func (a SecretsArgs) WithDefaults() SecretsArgs {
	if a.RecoveryWindowInDays == nil {
		days := DefaultRecoveryWindowInDays
		a.RecoveryWindowInDays = &days
	}
	d := &a.Database
	if d.Port == 0 {
		d.Port = DefaultPort
	}
	if d.Username == "" {
		d.Username = DefaultUsername
	}
	if d.DBName == "" {
		d.DBName = DefaultDBName
	}
	return a
}

// Validate reports every problem with defaulted args at once, each led by its key path.
func (a SecretsArgs) Validate() error {
	var errs []error
	if w := *a.RecoveryWindowInDays; w != 0 && (w < 7 || w > 30) {
		errs = append(errs, fmt.Errorf("%s.recoveryWindowInDays (%d) must be 0 (delete at once) or from 7 to 30, the values Secrets Manager allows", ConfigKey, w))
	}
	d := a.Database
	key := ConfigKey + ".database"
	if !hostPattern.MatchString(d.Host) {
		errs = append(errs, fmt.Errorf("%s.host (%q) must be the database's host name or address", key, d.Host))
	}
	if d.Port < 1 || d.Port > 65535 {
		errs = append(errs, fmt.Errorf("%s.port (%d) must be from 1 to 65535", key, d.Port))
	}
	if len(d.Username) < 1 || len(d.Username) > 63 {
		errs = append(errs, fmt.Errorf("%s.username (%q) must be 1 to 63 characters", key, d.Username))
	}
	if len(d.DBName) < 1 || len(d.DBName) > 63 {
		errs = append(errs, fmt.Errorf("%s.dbname (%q) must be 1 to 63 characters", key, d.DBName))
	}
	return errors.Join(errs...)
}
