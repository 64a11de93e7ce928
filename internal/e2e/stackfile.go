package e2e

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"

	"gopkg.in/yaml.v3"
)

// Sandbox is what a throwaway stack in a sandbox account needs besides Pulumi.dev.yaml.
type Sandbox struct {
	// AccountID goes to aws:allowedAccountIds: the AWS provider then refuses any other account,
	// a second guard behind Start's.
	AccountID string
	// PublicCIDR is the only address the cluster's API admits (cluster.publicAccessCidrs): the
	// machine the test runs on, which Pulumi's Kubernetes provider and verify reach it from.
	PublicCIDR netip.Prefix
	// Email receives the notifications (messaging.notificationEmails); the deploy guard refuses
	// the committed example.com address.
	Email string
	// OIDCProviderARN is the account's GitHub OIDC provider (ci.oidcProviderArn), when it has one.
	OIDCProviderARN string
}

// stackFileHeader says what the generated file is, for whoever finds it in a kept workspace.
const stackFileHeader = "# The e2e test's throwaway stack (internal/e2e, docs/e2e.md): Pulumi.dev.yaml's config with what a\n" +
	"# sandbox account needs. Generated for one run and removed with the stack.\n"

// SandboxStackFile is the throwaway stack's Pulumi.<stack>.yaml: the config of devFile
// (Pulumi.dev.yaml), so that the run proves the team's dev stack, with only what must differ in a
// sandbox account:
//   - the account, the runner's address and the email (above);
//   - no aws:profile: Pulumi and verify use the credentials Start checked;
//   - no account-specific ARNs of the dev account: cluster.adminRoleArns (EKS refuses an access
//     entry for a principal that does not exist), ci.oidcProviderArn unless Sandbox names one,
//     ci.stateBucket and ci.secretsProviderKeyArn (the dev stack's backend, not this one's);
//   - protectStatefulResources false, so that the cleanup can destroy everything;
//   - gitops off: deploy/overlays/dev names the dev account's image and role, so ArgoCD's
//     Application could never become Healthy in a sandbox (docs/e2e.md says what that leaves out).
//
// Only `config:` is copied: the dev stack's secretsprovider, encryptedkey and encryptionsalt
// belong to its own secrets, and a secure value encrypted with them cannot be read by another
// stack, so one is refused (the database password, which Start sets, excepted).
func SandboxStackFile(project string, devFile []byte, s Sandbox) ([]byte, error) {
	var dev struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(devFile, &dev); err != nil {
		return nil, fmt.Errorf("reading the dev stack file: %w", err)
	}
	if len(dev.Config) == 0 {
		return nil, errors.New("the dev stack file has no config")
	}
	config := dev.Config
	delete(config, project+":"+DatabasePasswordKey)
	if err := refuseSecureValues(config); err != nil {
		return nil, err
	}
	if err := applySandbox(project, config, s); err != nil {
		return nil, err
	}
	out, err := yaml.Marshal(map[string]any{"config": config})
	if err != nil {
		return nil, fmt.Errorf("writing the sandbox stack file: %w", err)
	}
	return append([]byte(stackFileHeader), out...), nil
}

func applySandbox(project string, config map[string]any, s Sandbox) error {
	if !s.PublicCIDR.IsValid() || s.AccountID == "" || s.Email == "" {
		return errors.New("the sandbox needs an account ID, a public CIDR and an email")
	}
	delete(config, "aws:profile")
	config["aws:allowedAccountIds"] = []string{s.AccountID}
	config[project+":protectStatefulResources"] = false
	config[project+":gitops"] = map[string]any{"enabled": false}
	edits := []struct {
		key    string
		set    map[string]any
		remove []string
	}{
		{"cluster", map[string]any{"publicAccessCidrs": []string{s.PublicCIDR.String()}}, []string{"adminRoleArns"}},
		{"messaging", map[string]any{"notificationEmails": []string{s.Email}}, nil},
		{"ci", nil, []string{"oidcProviderArn", "stateBucket", "secretsProviderKeyArn"}},
	}
	if s.OIDCProviderARN != "" {
		edits[2].set = map[string]any{"oidcProviderArn": s.OIDCProviderARN}
	}
	for _, e := range edits {
		key := project + ":" + e.key
		obj, err := object(config, key)
		if err != nil {
			return err
		}
		for _, field := range e.remove {
			delete(obj, field)
		}
		maps.Copy(obj, e.set)
		config[key] = obj
	}
	return nil
}

// object is the config object at key, or a new one when the key is absent.
func object(config map[string]any, key string) (map[string]any, error) {
	v, ok := config[key]
	if !ok || v == nil {
		return map[string]any{}, nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the dev stack file's %s is a %T, not an object", key, v)
	}
	return obj, nil
}

// refuseSecureValues refuses a value encrypted with the dev stack's secrets provider, anywhere in
// the config.
func refuseSecureValues(config map[string]any) error {
	var secure []string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["secure"]; ok && len(v) == 1 {
				secure = append(secure, path)
				return
			}
			for _, k := range slices.Sorted(maps.Keys(v)) {
				walk(path+"."+k, v[k])
			}
		case []any:
			for i, item := range v {
				walk(fmt.Sprintf("%s[%d]", path, i), item)
			}
		}
	}
	for _, key := range slices.Sorted(maps.Keys(config)) {
		walk(key, config[key])
	}
	if len(secure) > 0 {
		return fmt.Errorf("the dev stack file holds secrets encrypted for the dev stack, which another stack cannot read: %v; give the e2e stack its own value in SandboxStackFile", secure)
	}
	return nil
}
