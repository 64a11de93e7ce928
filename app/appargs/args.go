// Package appargs is the configuration of the app's identity (`app:`): its Args, their defaults and
// their validation, which stackconfig decodes the stack file into and app.NewIdentity takes.
//
// It is a package apart from app, and imports neither the Pulumi SDK nor a provider SDK, so
// that what reads and checks config builds in seconds: stackconfig's tests, and its fuzz targets,
// whose coverage instrumentation recompiles everything they link. What the program wires in from
// the rest of the stack (outputs, providers) is in app's own Args, which embed these.
// (eksctl keeps its config types apart from its builders the same way:
// pkg/apis/eksctl.io/v1alpha5 beside pkg/cfn/builder.)
package appargs

import (
	"errors"

	"github.com/mission-link/infra/internal/kubename"
)

// ConfigKey is where IdentityArgs lives in Pulumi.<stack>.yaml.
const ConfigKey = "app"

// Defaults, named so that docs, config and code agree.
const (
	DefaultNamespace      = "mission-link"
	DefaultServiceAccount = "mission-link"
)

// IdentityArgs configures the app's identity. Its JSON names are the keys of the stack's `app:`
// config block.
type IdentityArgs struct {
	// Namespace the app runs in. Default "mission-link".
	Namespace string `json:"namespace"`
	// ServiceAccount the app's pods run as. Default "mission-link".
	ServiceAccount string `json:"serviceAccount"`
}

// WithDefaults returns a copy with every unset field filled with its default.
func (a IdentityArgs) WithDefaults() IdentityArgs {
	if a.Namespace == "" {
		a.Namespace = DefaultNamespace
	}
	if a.ServiceAccount == "" {
		a.ServiceAccount = DefaultServiceAccount
	}
	return a
}

// Validate reports every problem with defaulted args at once, each led by its key path.
func (a IdentityArgs) Validate() error {
	return errors.Join(
		kubename.Check(ConfigKey+".namespace", a.Namespace),
		kubename.Check(ConfigKey+".serviceAccount", a.ServiceAccount))
}
