package eks_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/mission-link/infra/internal/harness"
	"github.com/mission-link/infra/internal/harness/harnesstest"
)

// kubeconfigEnv returns the exec env of the kubeconfig the Kubernetes provider runs with.
func kubeconfigEnv(t *testing.T, r *harness.Record) (map[string]string, []string) {
	t.Helper()
	provider := harnesstest.OnlyOwn(t, r, "pulumi:providers:kubernetes")
	v := provider.Inputs["kubeconfig"]
	if !v.ContainsSecrets() {
		t.Error("the kubeconfig is not secret")
	}
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	var config struct {
		Users []struct {
			User struct {
				Exec struct {
					Command string   `json:"command"`
					Args    []string `json:"args"`
					Env     []struct{ Name, Value string }
				} `json:"exec"`
			} `json:"user"`
		} `json:"users"`
	}
	if err := json.Unmarshal([]byte(v.StringValue()), &config); err != nil || len(config.Users) != 1 {
		t.Fatalf("kubeconfig %q: %v", v.StringValue(), err)
	}
	exec := config.Users[0].User.Exec
	env := map[string]string{}
	for _, e := range exec.Env {
		env[e.Name] = e.Value
	}
	return env, append([]string{exec.Command}, exec.Args...)
}

// TestKubeconfigCarriesTheProfile: with aws:profile set, the token command of the kubeconfig the
// Kubernetes provider (and the kubeconfig output) uses runs with that profile; pulumi-eks's own
// kubeconfigJson has none, so the cluster is asked for its kubeconfig with the profile.
func TestKubeconfigCarriesTheProfile(t *testing.T) {
	args := devArgs()
	args.AWSProfile = "mission-link-dev"
	r, _ := mustRun(t, args)
	env, command := kubeconfigEnv(t, r)
	if env["AWS_PROFILE"] != "mission-link-dev" {
		t.Errorf("kubeconfig exec env %v, want AWS_PROFILE=mission-link-dev", env)
	}
	want := []string{"aws", "eks", "get-token", "--cluster-name", "mission-link-test", "--output", "json", "--region", "ap-northeast-2"}
	if !slices.Equal(command, want) {
		t.Errorf("token command %v, want %v", command, want)
	}
	if len(r.Calls) != 1 || r.Calls[0].Token != "eks:index:Cluster/getKubeconfig" ||
		r.Calls[0].Args["profileName"].StringValue() != "mission-link-dev" || !r.Calls[0].Args["roleArn"].IsNull() {
		t.Errorf("calls %+v, want one getKubeconfig with profileName and no role", r.Calls)
	}
	component := harnesstest.Only(t, r, "eks:index:Cluster")
	if r.Calls[0].Self != component.URN {
		t.Errorf("getKubeconfig called on %s, want the pulumi-eks cluster", r.Calls[0].Self)
	}
}

func TestKubeconfigWithoutProfile(t *testing.T) {
	r, _ := mustRun(t, devArgs())
	env, command := kubeconfigEnv(t, r)
	// The stack's region, whatever the profile or environment of whoever runs kubectl or `pulumi up`.
	if n := len(command); n < 2 || command[n-2] != "--region" || command[n-1] != "ap-northeast-2" {
		t.Errorf("token command %v does not end with --region ap-northeast-2", command)
	}
	if profile, ok := env["AWS_PROFILE"]; ok {
		t.Errorf("kubeconfig sets AWS_PROFILE=%q although no profile is configured", profile)
	}
	if _, ok := env["KUBERNETES_EXEC_INFO"]; !ok {
		t.Errorf("kubeconfig env %v lacks what pulumi-eks puts there", env)
	}
	if len(r.Calls) != 1 || !r.Calls[0].Args["profileName"].IsNull() {
		t.Errorf("calls %+v, want one getKubeconfig without a profile", r.Calls)
	}
}
