package harness

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"sigs.k8s.io/yaml"
)

// StackConfig is a stack's configuration as the engine hands it to the program.
type StackConfig struct {
	Project string
	Stack   string
	// Values maps "namespace:key" to the value; objects are JSON text and secrets read "[secret]".
	Values map[string]string
	// SecretKeys are the keys whose values are secret.
	SecretKeys []string
	// ProjectDir is the directory of Pulumi.yaml: the program's root directory.
	ProjectDir string
	// StackFile is the stack config file the values were read from.
	StackFile string
	// MissingKeys are the project's keys that Pulumi.yaml declares without a default and the stack
	// file does not set ("mission-link:databasePassword"). The CLI refuses such a stack before the
	// program runs ("Stack 'dev' is missing configuration value ..."); the offline plan runs the
	// program without them and shows each as a finding.
	MissingKeys []string
}

// Region is the stack's aws:region.
func (c StackConfig) Region() string { return c.Values["aws:region"] }

// LoadStack reads Pulumi.yaml and Pulumi.<stack>.yaml from dir.
func LoadStack(dir, stack string) (StackConfig, error) {
	return LoadStackFile(filepath.Join(dir, "Pulumi.yaml"), filepath.Join(dir, fmt.Sprintf("Pulumi.%s.yaml", stack)), stack)
}

// LoadStackFile reads a project file and a stack config file with Pulumi's own loaders, applies
// the project's config defaults the way the CLI does, and flattens the result. Secure values
// cannot be decrypted without the stack's secrets provider, so they read "[secret]".
func LoadStackFile(projectFile, stackFile, stack string) (StackConfig, error) {
	project, err := workspace.LoadProject(projectFile)
	if err != nil {
		return StackConfig{}, fmt.Errorf("loading project %s: %w", projectFile, err)
	}
	if err := checkStackFileKeys(stackFile); err != nil {
		return StackConfig{}, err
	}
	sink := diag.DefaultSink(io.Discard, io.Discard, diag.FormatOptions{Color: colors.Never})
	ps, err := workspace.LoadProjectStack(sink, project, stackFile)
	if err != nil {
		return StackConfig{}, fmt.Errorf("loading stack config %s: %w", stackFile, err)
	}
	decrypted, err := ps.Config.Decrypt(config.NewBlindingDecrypter())
	if err != nil {
		return StackConfig{}, fmt.Errorf("reading stack config %s: %w", stackFile, err)
	}
	values := map[string]string{}
	for k, v := range decrypted {
		values[k.String()] = v
	}
	name := project.Name.String()
	secure := ps.Config.SecureKeys()
	var missing []string
	for _, key := range slices.Sorted(maps.Keys(project.Config)) {
		full := key
		if _, err := config.ParseKey(key); err != nil {
			full = name + ":" + key
		}
		_, set := values[full]
		if err := checkSecretDeclaration(stack, key, full, project.Config[key], set, secure); err != nil {
			return StackConfig{}, err
		}
		if !set && project.Config[key].Default == nil && strings.HasPrefix(full, name+":") {
			missing = append(missing, full)
		}
		if set || project.Config[key].Default == nil {
			continue
		}
		text, err := configText(project.Config[key].Default)
		if err != nil {
			return StackConfig{}, fmt.Errorf("project config default of %s: %w", key, err)
		}
		values[full] = text
	}
	var secrets []string
	for _, k := range ps.Config.SecureKeys() {
		secrets = append(secrets, k.String())
	}
	slices.Sort(secrets)
	return StackConfig{Project: name, Stack: stack, Values: values, SecretKeys: secrets, ProjectDir: filepath.Dir(projectFile), StackFile: stackFile, MissingKeys: missing}, nil
}

// checkSecretDeclaration refuses what the CLI refuses of a key Pulumi.yaml declares `secret: true`
// (pkg/workspace/config.go, validateStackConfigValue, which checks only explicitly typed keys): a
// value stored in plain text, with the CLI's words.
func checkSecretDeclaration(stack, key, full string, declared workspace.ProjectConfigType, set bool, secure []config.Key) error {
	if !declared.Secret || !declared.IsExplicitlyTyped() || !set {
		return nil
	}
	if slices.ContainsFunc(secure, func(k config.Key) bool { return k.String() == full }) {
		return nil
	}
	//lint:ignore ST1005 the CLI's own words, capital included, so that a search finds both
	return fmt.Errorf("Stack '%s' with configuration key '%s' must be encrypted as it's secret: set it with `pulumi config set --secret %s`", stack, key, key)
}

// stackFileKeys are the top-level keys of a stack file (workspace.ProjectStack's fields).
var stackFileKeys = []string{"config", "encryptedkey", "encryptionsalt", "environment", "secretsprovider"}

// checkStackFileKeys refuses a stack file with other top-level keys: Pulumi's loader ignores
// them, so config keys written beside `config:` instead of under it would vanish and the
// program would report only what is then missing.
func checkStackFileKeys(stackFile string) error {
	text, err := os.ReadFile(stackFile)
	if err != nil {
		return fmt.Errorf("loading stack config %s: %w", stackFile, err)
	}
	var top map[string]any
	if err := yaml.Unmarshal(text, &top); err != nil {
		return nil // LoadProjectStack reports the syntax error with its position
	}
	var stray []string
	for _, k := range slices.Sorted(maps.Keys(top)) {
		if !slices.Contains(stackFileKeys, k) {
			stray = append(stray, k)
		}
	}
	if len(stray) > 0 {
		return fmt.Errorf("loading stack config %s: %s not a stack file key (the keys are %s): config keys such as %q belong indented under `config:`",
			stackFile, strings.Join(stray, ", "), strings.Join(stackFileKeys, ", "), stray[0])
	}
	return nil
}

// configText renders a config value as the engine passes it: strings as they are, the rest as JSON.
func configText(v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
