// Package stackconfig reads the stack's configuration, in one place, into one typed struct whose
// JSON names are the keys of Pulumi.<stack>.yaml, and validates all of it before anything is
// registered.
package stackconfig

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/app"
	"github.com/mission-link/infra/cicd"
	"github.com/mission-link/infra/ecr"
	"github.com/mission-link/infra/eks"
	"github.com/mission-link/infra/gitops"
	"github.com/mission-link/infra/messaging"
	"github.com/mission-link/infra/secrets"
	"github.com/mission-link/infra/vpc"
)

// Provider config keys the program passes to its AWS provider. Other aws: keys would be ignored
// by an explicit provider, so they are rejected instead.
const (
	RegionKey            = "aws:region"
	ProfileKey           = "aws:profile"
	AllowedAccountIDsKey = "aws:allowedAccountIds"
)

// Tag keys every AWS resource carries through the provider's default tags.
const (
	TagProject   = "Project"
	TagStack     = "Stack"
	TagManagedBy = "ManagedBy"
	// ManagedByPulumi is the ManagedBy tag's value.
	ManagedByPulumi = "pulumi"
)

// Input is the configuration as the engine hands it to the program.
type Input struct {
	// Values maps "namespace:key" to the value; objects are JSON text.
	Values map[string]string
	// SecretKeys are the keys whose values were stored encrypted.
	SecretKeys []string
	// Date (YYYY-MM-DD) is the day time-bound facts are judged on (the EKS version calendar):
	// today for `pulumi up` (FromEnvironment reads the clock), the plan's --as-of, a fixed day in
	// tests.
	Date string
}

// Stack is the whole stack configuration. Fields tagged with a JSON name are keys under the
// project's namespace (`<project>:network`); the rest come from the aws: namespace.
type Stack struct {
	// Region is aws:region. Required.
	Region string `json:"-"`
	// Profile is aws:profile, the local AWS CLI profile. Optional.
	Profile string `json:"-"`
	// AllowedAccountIDs is aws:allowedAccountIds: the provider refuses to touch any other account.
	AllowedAccountIDs []string `json:"-"`

	// ProtectStatefulResources protects resources that hold data (logs, images, secrets, keys)
	// from deletion: `pulumi destroy` stops at them until the flag is turned off. Default false.
	ProtectStatefulResources bool `json:"protectStatefulResources"`
	// Tags are extra tags for every AWS resource, beside Project, Stack and ManagedBy.
	Tags map[string]string `json:"tags"`
	// Network is the `network:` block.
	Network vpc.NetworkArgs `json:"network"`
	// Cluster is the `cluster:` block.
	Cluster eks.ClusterArgs `json:"cluster"`
	// Registry is the `registry:` block.
	Registry ecr.RegistryArgs `json:"registry"`
	// CI is the `ci:` block: the GitHub repository whose workflows assume the stack's roles.
	CI cicd.GitHubArgs `json:"ci"`
	// Messaging is the `messaging:` block.
	Messaging messaging.MessagingArgs `json:"messaging"`
	// Secrets is the `secrets:` block.
	Secrets secrets.SecretsArgs `json:"secrets"`
	// App is the `app:` block: the app's Kubernetes identity.
	App app.IdentityArgs `json:"app"`
	// GitOps is the `gitops:` block: ArgoCD and the app's Application. Off by default.
	GitOps gitops.Args `json:"gitops"`
	// DatabasePassword is the app database's password, set with `pulumi config set --secret`.
	// Empty (the default) generates one.
	DatabasePassword string `json:"databasePassword"`
}

const databasePasswordKey = "databasePassword"

var (
	regionPattern    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)
)

// FromEnvironment returns the config the Pulumi engine hands the program: PULUMI_CONFIG, a flat
// map from "namespace:key" to the value, and PULUMI_CONFIG_SECRET_KEYS; and today's date (UTC),
// the program's only reading of the clock.
func FromEnvironment() (Input, error) {
	in := Input{Values: map[string]string{}, Date: time.Now().UTC().Format(time.DateOnly)}
	if text := os.Getenv(pulumi.EnvConfig); text != "" {
		if err := json.Unmarshal([]byte(text), &in.Values); err != nil {
			return Input{}, fmt.Errorf("reading %s: %w", pulumi.EnvConfig, err)
		}
	}
	if text := os.Getenv(pulumi.EnvConfigSecretKeys); text != "" {
		if err := json.Unmarshal([]byte(text), &in.SecretKeys); err != nil {
			return Input{}, fmt.Errorf("reading %s: %w", pulumi.EnvConfigSecretKeys, err)
		}
	}
	return in, nil
}

// Parse decodes and validates the config of a stack, reporting every problem at once. The result
// has its defaults filled in.
func Parse(project, stack string, in Input) (*Stack, error) {
	s := &Stack{}
	errs := s.decode(project, in)
	s.Cluster.SupportDate = in.Date
	*s = s.WithDefaults(project, stack)
	if err := s.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("invalid stack config:\n%w", err)
	}
	return s, nil
}

func (s *Stack) decode(project string, in Input) []error {
	v := reflect.ValueOf(s).Elem()
	fields := jsonFields(v.Type())
	var errs []error
	for _, key := range slices.Sorted(maps.Keys(in.Values)) {
		namespace, name, _ := strings.Cut(key, ":")
		raw := in.Values[key]
		secret := slices.Contains(in.SecretKeys, key)
		switch {
		case namespace == project:
			index, ok := fields[name]
			if !ok {
				errs = append(errs, fmt.Errorf("%s is not a known key: the project's keys are %s", key, strings.Join(jsonNames(v.Type()), ", ")))
				continue
			}
			if field := v.Field(index); field.Kind() == reflect.String {
				field.SetString(raw) // the engine passes plain strings as they are, not as JSON
			} else {
				errs = append(errs, decodeStrict(name, []byte(raw), field, secret)...)
			}
			if name == databasePasswordKey && raw != "" && !secret {
				errs = append(errs, fmt.Errorf("%s is stored in plain text: set it with `pulumi config set --secret %s`", key, key))
			}
		case key == RegionKey:
			s.Region = raw
		case key == ProfileKey:
			s.Profile = raw
		case key == AllowedAccountIDsKey:
			errs = append(errs, decodeStrict(key, []byte(raw), reflect.ValueOf(&s.AllowedAccountIDs).Elem(), secret)...)
		case namespace == "aws":
			errs = append(errs, fmt.Errorf("%s is not used: the program's AWS provider reads only %s, %s and %s", key, RegionKey, ProfileKey, AllowedAccountIDsKey))
		}
	}
	return errs
}

// WithDefaults returns a copy with every unset value filled with its default. Names that must
// differ between stacks (cluster, repository) default to "<project>-<stack>".
func (s Stack) WithDefaults(project, stack string) Stack {
	scoped := fmt.Sprintf("%s-%s", project, stack)
	s.Network = s.Network.WithDefaults()
	s.Cluster = s.Cluster.WithDefaults()
	if s.Cluster.Name == "" {
		s.Cluster.Name = scoped
	}
	s.Registry = s.Registry.WithDefaults()
	if s.Registry.Name == "" {
		s.Registry.Name = scoped
	}
	s.CI = s.CI.WithDefaults()
	s.Messaging = s.Messaging.WithDefaults()
	s.Secrets = s.Secrets.WithDefaults()
	s.App = s.App.WithDefaults()
	s.GitOps = s.GitOps.WithDefaults()
	return s
}

// Validate reports every problem of a defaulted config at once, each led by its key path.
func (s Stack) Validate() error {
	var errs []error
	switch {
	case s.Region == "":
		errs = append(errs, fmt.Errorf("%s is not set: run `pulumi config set %s ap-northeast-2`", RegionKey, RegionKey))
	case !regionPattern.MatchString(s.Region):
		errs = append(errs, fmt.Errorf("%s (%q) is not an AWS region name such as ap-northeast-2", RegionKey, s.Region))
	}
	for i, id := range s.AllowedAccountIDs {
		if !accountIDPattern.MatchString(id) {
			errs = append(errs, fmt.Errorf("%s[%d] (%q) must be a 12-digit AWS account ID", AllowedAccountIDsKey, i, id))
		}
	}
	errs = append(errs, validateTags(s.Tags)...)
	errs = append(errs, s.Network.Validate())
	errs = append(errs, checkNodeEgress(s.Network))
	errs = append(errs, s.Cluster.Validate(), s.Registry.Validate(), s.CI.Validate(), s.Messaging.Validate(), s.Secrets.Validate(), s.App.Validate(), s.GitOps.Validate())
	return errors.Join(errs...)
}

// checkNodeEgress rejects a network whose private subnets have no way out: the stack's node group
// always runs there, and a node that cannot reach ECR, STS and the EKS API never joins (the node
// group fails with NodeCreationFailure). vpc.NetworkArgs.PrivateEgress says which modes provide
// egress, so a new mode (VPC endpoints, say) changes only that.
func checkNodeEgress(n vpc.NetworkArgs) error {
	if n.PrivateEgress() {
		return nil
	}
	return fmt.Errorf("%s.natGateways (%q) gives the private subnets no egress, but the EKS node group runs there: its nodes could not pull images from ECR or register with the EKS API, and the node group would fail with NodeCreationFailure; use %q, %q or %q",
		vpc.ConfigKey, n.NatGateways, vpc.NatSingle, vpc.NatPerAz, vpc.NatInstance)
}

func validateTags(tags map[string]string) []error {
	var errs []error
	reserved := []string{TagProject, TagStack, TagManagedBy}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		switch {
		case slices.Contains(reserved, k):
			errs = append(errs, fmt.Errorf("tags.%s is set by the program itself (%s)", k, strings.Join(reserved, ", ")))
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			errs = append(errs, fmt.Errorf("tags.%s: the aws: prefix is reserved for AWS", k))
		case k == "" || len(k) > 128:
			errs = append(errs, fmt.Errorf("tags (%q): a tag key must be 1-128 characters", k))
		case len(tags[k]) > 256:
			errs = append(errs, fmt.Errorf("tags.%s: a tag value must be at most 256 characters, got %d", k, len(tags[k])))
		}
	}
	return errs
}

// DefaultTags are the tags the AWS provider puts on every resource of the stack.
func (s Stack) DefaultTags(project, stack string) map[string]string {
	tags := maps.Clone(s.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	tags[TagProject] = project
	tags[TagStack] = stack
	tags[TagManagedBy] = ManagedByPulumi
	return tags
}
