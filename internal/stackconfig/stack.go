// Package stackconfig reads the stack's configuration, in one place, into one typed struct whose
// JSON names are the keys of Pulumi.<stack>.yaml, and validates all of it before anything is
// registered.
package stackconfig

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/mission-link/infra/app/appargs"
	"github.com/mission-link/infra/cicd/cicdargs"
	"github.com/mission-link/infra/ecr/ecrargs"
	"github.com/mission-link/infra/eks/eksargs"
	"github.com/mission-link/infra/gitops/gitopsargs"
	"github.com/mission-link/infra/internal/awsspec"
	"github.com/mission-link/infra/messaging/messagingargs"
	"github.com/mission-link/infra/secrets/secretsargs"
	"github.com/mission-link/infra/vpc/vpcargs"
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
	// today for `pulumi up` (program.ConfigFromEnvironment reads the clock), the plan's --as-of,
	// a fixed day in tests.
	Date string
	// RegionZones are the region's available AZ names, sorted, when the program has looked them
	// up (it does so before Parse whenever aws:region is a known region, so that the AZ count is
	// judged with everything else). Nil skips the upper bound of the AZ count.
	RegionZones []string
	// ProjectDir is the directory of Pulumi.yaml, the repository's checkout. Empty skips the
	// checks that read the repository (the kustomization at gitops.path).
	ProjectDir string
	// StackFile is the stack's config file, read only to quote a value as it is written there
	// when the engine's JSON rewrote it; empty when unknown.
	StackFile string
	// CLIRegion is the region the AWS CLI finds in the environment of `pulumi up` (AWS_REGION,
	// AWS_DEFAULT_REGION or the profile's region), where pulumi-eks's own Kubernetes providers run
	// `aws eks get-token` without --region; empty when there is none, which a real `pulumi up`
	// refuses (program.ConfigFromEnvironment reads it).
	CLIRegion string
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
	Network vpcargs.NetworkArgs `json:"network"`
	// Cluster is the `cluster:` block.
	Cluster eksargs.ClusterArgs `json:"cluster"`
	// Registry is the `registry:` block.
	Registry ecrargs.RegistryArgs `json:"registry"`
	// CI is the `ci:` block: the GitHub repository whose workflows assume the stack's roles.
	CI cicdargs.GitHubArgs `json:"ci"`
	// Messaging is the `messaging:` block.
	Messaging messagingargs.MessagingArgs `json:"messaging"`
	// Secrets is the `secrets:` block.
	Secrets secretsargs.SecretsArgs `json:"secrets"`
	// App is the `app:` block: the app's Kubernetes identity.
	App appargs.IdentityArgs `json:"app"`
	// GitOps is the `gitops:` block: ArgoCD and the app's Application. Off by default.
	GitOps gitopsargs.Args `json:"gitops"`
	// DatabasePassword is the app database's password, set with `pulumi config set --secret`.
	// Empty (the default) generates one.
	DatabasePassword string `json:"databasePassword"`

	// projectDir is Input.ProjectDir, for the checks that read the repository.
	projectDir string `json:"-"`
}

const databasePasswordKey = "databasePassword"

var accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)

// Parse decodes and validates the config of a stack, reporting every problem at once, as an
// *Error. The result has its defaults filled in for the keys the stack file leaves out; a key it
// sets keeps the value written, and is validated as written.
func Parse(project, stack string, in Input) (*Stack, error) {
	d := newDecoder()
	d.written = writtenIn(in.StackFile, project)
	s := &Stack{}
	d.decodeInput(project, in, s)
	defaulted := s.WithDefaults(project, stack)
	d.restore(&defaulted)
	defaulted.Network.RegionZones = in.RegionZones
	defaulted.Cluster.SupportDate = in.Date
	defaulted.projectDir = in.ProjectDir
	invalid := d.unshadowed(flatten(defaulted.Validate()))
	problems := append(d.errs, invalid...)
	problems = append(problems, d.replacedByDefaults(defaulted, project, stack, invalid)...)
	if len(problems) > 0 {
		return nil, d.report(problems)
	}
	return &defaulted, nil
}

// Namespaces the program reads: the project's own, aws: for the provider, and pulumi: for the
// engine (pulumi:tags, pulumi:disable-default-providers). A key in any other namespace would be
// ignored, so it is an error.
const (
	awsNamespace    = "aws"
	pulumiNamespace = "pulumi"
)

func (d *decoder) decodeInput(project string, in Input, s *Stack) {
	v := reflect.ValueOf(s).Elem()
	fields := jsonFields(v.Type())
	for _, key := range slices.Sorted(maps.Keys(in.Values)) {
		namespace, name, _ := strings.Cut(key, ":")
		raw := in.Values[key]
		secret := slices.Contains(in.SecretKeys, key)
		if secret {
			d.secretPaths[name] = true
			d.secretPaths[key] = true
			d.secretValues = append(d.secretValues, secretLeaves(raw)...)
		}
		switch {
		case namespace == project:
			index, ok := fields[name]
			if !ok {
				d.errs = append(d.errs, d.unknownProjectKey(project, key, name, v.Type()))
				continue
			}
			if field := v.Field(index); field.Kind() == reflect.String {
				field.SetString(raw) // the engine passes plain strings as they are, not as JSON
				d.markPresent(name, []string{name}, field)
			} else {
				d.decodeValue(name, []string{name}, []byte(raw), field, secret)
			}
			if name == databasePasswordKey && raw != "" && !secret {
				d.errs = append(d.errs, fmt.Errorf("%s is stored in plain text: set it with `pulumi config set --secret %s`", key, key))
			}
		case key == RegionKey:
			s.Region = raw
		case key == ProfileKey:
			s.Profile = raw
			if strings.TrimSpace(raw) != raw || raw == "" {
				d.errs = append(d.errs, fmt.Errorf("%s (%q) must be the name of a profile in ~/.aws/config, without surrounding spaces; leave the key out for the default credentials", key, raw))
			}
		case key == AllowedAccountIDsKey:
			d.decodeValue(key, nil, []byte(raw), reflect.ValueOf(&s.AllowedAccountIDs).Elem(), secret)
		case namespace == awsNamespace:
			d.errs = append(d.errs, fmt.Errorf("%s is not used: the program's AWS provider reads only %s, %s and %s%s",
				key, RegionKey, ProfileKey, AllowedAccountIDsKey, suggestion(key, []string{RegionKey, ProfileKey, AllowedAccountIDsKey})))
		case namespace == pulumiNamespace:
		default:
			d.errs = append(d.errs, fmt.Errorf("%s is in namespace %q, which nothing reads, so it would be ignored%s: the program reads %s:<key> and %s, %s, %s",
				key, namespace, suggestion(key, knownKeys(project, v.Type())), project, RegionKey, ProfileKey, AllowedAccountIDsKey))
		}
	}
	if _, set := in.Values[RegionKey]; !set && !anyProjectKeySet(project, in) {
		d.errs = append(d.errs, fmt.Errorf("the stack config sets none of the project's keys and no %s: are its keys under `config:` in Pulumi.<stack>.yaml?", RegionKey))
	}
}

// anyProjectKeySet says whether a project key holds more than the empty default Pulumi.yaml gives.
func anyProjectKeySet(project string, in Input) bool {
	for key, value := range in.Values {
		if strings.HasPrefix(key, project+":") && value != "{}" && value != "" && value != "false" {
			return true
		}
	}
	return false
}

func (d *decoder) unknownProjectKey(project, key, name string, t reflect.Type) error {
	names := jsonNames(t)
	if near := awsspec.Nearest(name, names); near != "" {
		return fmt.Errorf("%s is not a known key: did you mean %s:%s? (the project's keys are %s)", key, project, near, strings.Join(names, ", "))
	}
	return fmt.Errorf("%s is not a known key: the project's keys are %s", key, strings.Join(names, ", "))
}

// knownKeys are the full keys the program reads.
func knownKeys(project string, t reflect.Type) []string {
	keys := []string{RegionKey, ProfileKey, AllowedAccountIDsKey}
	for _, name := range jsonNames(t) {
		keys = append(keys, project+":"+name)
	}
	return keys
}

func suggestion(key string, candidates []string) string {
	if near := awsspec.Nearest(key, candidates); near != "" {
		return fmt.Sprintf(" (did you mean %s?)", near)
	}
	return ""
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
	default:
		errs = append(errs, awsspec.CheckRegion(RegionKey, s.Region))
	}
	for i, id := range s.AllowedAccountIDs {
		if !accountIDPattern.MatchString(id) {
			errs = append(errs, fmt.Errorf("%s[%d] (%q) must be a 12-digit AWS account ID", AllowedAccountIDsKey, i, id))
		}
	}
	errs = append(errs, validateTags(s.Tags)...)
	errs = append(errs, s.Network.Validate())
	errs = append(errs, checkNodeEgress(s.Network), checkPods(s))
	errs = append(errs, s.Cluster.Validate(), s.Registry.Validate(), s.CI.Validate(), s.Messaging.Validate(), s.Secrets.Validate(), s.App.Validate(), s.GitOps.Validate())
	errs = append(errs, s.validatePartitions()...)
	errs = append(errs, s.validateGitOpsPath())
	return errors.Join(errs...)
}

// checkNodeEgress rejects a network whose private subnets have no way out: the stack's node group
// always runs there, and a node that cannot reach ECR, STS and the EKS API never joins (the node
// group fails with NodeCreationFailure). vpcargs.NetworkArgs.PrivateEgress says which modes
// provide egress, so a new mode (VPC endpoints, say) changes only that.
func checkNodeEgress(n vpcargs.NetworkArgs) error {
	if n.PrivateEgress() {
		return nil
	}
	return fmt.Errorf("%s.natGateways (%q) gives the private subnets no egress, but the EKS node group runs there: its nodes could not pull images from ECR or register with the EKS API, and the node group would fail with NodeCreationFailure; use %q, %q or %q",
		vpcargs.ConfigKey, n.NatGateways, vpcargs.NatSingle, vpcargs.NatPerAz, vpcargs.NatInstance)
}

// validatePartitions checks that the ARNs the stack is given are in its region's partition.
func (s Stack) validatePartitions() []error {
	var errs []error
	for i, arn := range s.Cluster.AdminRoleArns {
		errs = append(errs, awsspec.CheckPartition(fmt.Sprintf("%s.adminRoleArns[%d]", eksargs.ConfigKey, i), arn, s.Region))
	}
	errs = append(errs,
		awsspec.CheckPartition(cicdargs.ConfigKey+".oidcProviderArn", s.CI.OIDCProviderArn, s.Region),
		awsspec.CheckPartition(cicdargs.ConfigKey+".secretsProviderKeyArn", s.CI.SecretsProviderKeyArn, s.Region))
	return errs
}

// kustomizationFiles are the names kustomize looks for in a directory.
var kustomizationFiles = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// validateGitOpsPath checks, when gitops.repoURL is this repository (ci.infraRepository) and the
// checkout is at hand, that gitops.path holds a kustomization: ArgoCD would otherwise sync
// nothing, or fail, long after `pulumi up` succeeded. Another repository cannot be checked here.
func (s Stack) validateGitOpsPath() error {
	if s.projectDir == "" || s.GitOps.RepoURL == "" || !gitopsargs.NamesRepository(s.GitOps.RepoURL, s.CI.InfraRepository) {
		return nil
	}
	dir := filepath.Join(s.projectDir, filepath.FromSlash(s.GitOps.Path))
	for _, name := range kustomizationFiles {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return nil
		}
	}
	return fmt.Errorf("%s.path (%q) has no kustomization in this repository (%s, which %s.repoURL names): want a directory holding %s, such as %q",
		gitopsargs.ConfigKey, s.GitOps.Path, s.CI.InfraRepository, gitopsargs.ConfigKey, strings.Join(kustomizationFiles, ", "), gitopsargs.DefaultPath)
}

// Tag limits AWS applies across services
// (https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions): 50
// user tags a resource, keys 1-128 and values 0-256 Unicode characters of letters, digits,
// spaces and _ . : / = + - @ (IAM enforces the set; EC2 more), and no aws: prefix.
const (
	maxTagsPerResource = 50
	maxTagKeyLength    = 128
	maxTagValueLength  = 256
	// ProgramTagsPerResource is the most tags the program itself puts on one resource: the
	// provider's default tags Project, Stack and ManagedBy, and on the subnets Name,
	// kubernetes.io/role/(internal-)elb and kubernetes.io/cluster/<cluster>.
	ProgramTagsPerResource = 6
	// TagName is the Name tag the program sets on each resource it names.
	TagName = "Name"
)

var tagPattern = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

func validateTags(tags map[string]string) []error {
	var errs []error
	reserved := []string{TagProject, TagStack, TagManagedBy, TagName}
	if n := len(tags); n > maxTagsPerResource-ProgramTagsPerResource {
		errs = append(errs, fmt.Errorf("tags has %d tags: at most %d, since AWS allows %d a resource and the program sets up to %d itself", n, maxTagsPerResource-ProgramTagsPerResource, maxTagsPerResource, ProgramTagsPerResource))
	}
	allowed := "letters, digits, spaces and _ . : / = + - @"
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		key, v := "tags."+k, tags[k]
		switch {
		case slices.Contains(reserved, k):
			errs = append(errs, fmt.Errorf("%s is set by the program itself (%s)", key, strings.Join(reserved, ", ")))
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			errs = append(errs, fmt.Errorf("%s: the aws: prefix is reserved for AWS", key))
		case k == "" || utf8.RuneCountInString(k) > maxTagKeyLength:
			errs = append(errs, fmt.Errorf("tags (%q): a tag key must be 1-%d characters", k, maxTagKeyLength))
		case !tagPattern.MatchString(k):
			errs = append(errs, fmt.Errorf("%s: the key (%q) may hold only %s", key, k, allowed))
		}
		switch {
		case utf8.RuneCountInString(v) > maxTagValueLength:
			errs = append(errs, fmt.Errorf("%s: a tag value must be at most %d characters, got %d", key, maxTagValueLength, utf8.RuneCountInString(v)))
		case !tagPattern.MatchString(v):
			errs = append(errs, fmt.Errorf("%s (%q): a tag value may hold only %s", key, v, allowed))
		case strings.HasPrefix(strings.ToLower(v), "aws:"):
			errs = append(errs, fmt.Errorf("%s (%q): the aws: prefix is reserved for AWS, in values too", key, v))
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
