// Package ecrargs is the configuration of the registry (`registry:`): its Args, their defaults and
// their validation, which stackconfig decodes the stack file into and ecr.NewRegistry takes.
//
// It is a package apart from ecr, and imports neither the Pulumi SDK nor a provider SDK, so
// that what reads and checks config builds in seconds: stackconfig's tests, and its fuzz targets,
// whose coverage instrumentation recompiles everything they link.
// (eksctl keeps its config types apart from its builders the same way:
// pkg/apis/eksctl.io/v1alpha5 beside pkg/cfn/builder.)
package ecrargs

import (
	"errors"
	"fmt"
	"regexp"
)

// ConfigKey is where RegistryArgs lives in Pulumi.<stack>.yaml.
const ConfigKey = "registry"

// Defaults, named so that docs, config and code agree.
const (
	DefaultUntaggedExpiryDays = 7
	DefaultKeepTaggedImages   = 30
)

// RegistryArgs configures the app's image repository. Its JSON names are the keys of the stack's
// `registry:` config block.
type RegistryArgs struct {
	// Name of the repository. Default "<project>-<stack>" (set by the program).
	Name string `json:"name"`
	// UntaggedExpiryDays expires untagged images this many days after they were pushed. Default 7.
	UntaggedExpiryDays int `json:"untaggedExpiryDays"`
	// KeepTaggedImages keeps only the newest tagged images. Default 30.
	KeepTaggedImages int `json:"keepTaggedImages"`
	// ForceDelete lets `pulumi destroy` delete the repository with images in it. Default false.
	ForceDelete bool `json:"forceDelete"`

	// Protect protects the repository from deletion. Set by the program.
	Protect bool `json:"-"`
}

// namePattern is ECR's repository name rule: lowercase path segments of letters and digits,
// separated inside a segment by single '.', '_' or '-'.
var namePattern = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)

// WithDefaults returns a copy with every unset field filled with its default.
func (a RegistryArgs) WithDefaults() RegistryArgs {
	if a.UntaggedExpiryDays == 0 {
		a.UntaggedExpiryDays = DefaultUntaggedExpiryDays
	}
	if a.KeepTaggedImages == 0 {
		a.KeepTaggedImages = DefaultKeepTaggedImages
	}
	return a
}

// Validate reports every problem with defaulted args at once, each led by its key path.
func (a RegistryArgs) Validate() error {
	var errs []error
	if len(a.Name) < 2 || len(a.Name) > 256 || !namePattern.MatchString(a.Name) {
		errs = append(errs, fmt.Errorf("%s.name (%q) is not an ECR repository name: 2-256 lowercase letters and digits in '/'-separated parts, joined by single '.', '_' or '-'", ConfigKey, a.Name))
	}
	if a.UntaggedExpiryDays < 1 || a.UntaggedExpiryDays > 3650 {
		errs = append(errs, fmt.Errorf("%s.untaggedExpiryDays (%d) must be from 1 to 3650", ConfigKey, a.UntaggedExpiryDays))
	}
	if a.KeepTaggedImages < 1 || a.KeepTaggedImages > 10000 {
		errs = append(errs, fmt.Errorf("%s.keepTaggedImages (%d) must be from 1 to 10000", ConfigKey, a.KeepTaggedImages))
	}
	return errors.Join(errs...)
}
