package verify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/mission-link/infra/internal/verify"
	"github.com/mission-link/infra/internal/verify/awscheck"
	"github.com/mission-link/infra/internal/verify/internal/awsreplay"
	"github.com/mission-link/infra/internal/verify/internal/kubefake"
	"github.com/mission-link/infra/internal/verify/report"
)

var nodesGVR = corev1.SchemeGroupVersion.WithResource("nodes")

// world is a deployed dev stack as verify sees it: recorded AWS answers and a fake cluster.
type world struct {
	stack   awsreplay.Stack
	aws     *awsreplay.Replay
	kube    *fake.Clientset
	dyn     runtime.Object
	profile string // the profile verify loaded its AWS config with
	region  string
}

func healthyWorld() *world {
	s := awsreplay.DevStack()
	r := awsreplay.New()
	r.RecordHealthy(s)
	kube := fake.NewClientset(
		kubefake.Node("ip-10-0-1-23.ap-northeast-2.compute.internal", s.NodeGroup, 110, true),
		kubefake.AutoscalerDeployment(1), kubefake.StatusConfigMap(s.AutoScalingGroup), kubefake.AutoscalerServiceAccount(s.AutoscalerRoleARN()),
		kubefake.StorageClass("gp3", "ebs.csi.aws.com", true), kubefake.StorageClass("gp2", "kubernetes.io/aws-ebs", false),
		kubefake.ServiceAccount("mission-link", "mission-link", s.RoleARN()),
	)
	// Prepended in this order so that the bind reactor comes first (a test drops it).
	kubefake.RunProbeOnGet(kube, corev1.PodSucceeded)
	kubefake.BindOnGet(kube)
	return &world{stack: s, aws: r, kube: kube, dyn: kubefake.Application("Synced", "Healthy")}
}

func (w *world) env(stdout, stderr *bytes.Buffer) verify.Env {
	return verify.Env{
		Stdout: stdout, Stderr: stderr,
		ReadStackOutputs: func(context.Context, string, string) (map[string]any, error) {
			return nil, errors.New("the Pulumi CLI is not installed")
		},
		AWSConfig: func(_ context.Context, region, profile string) (aws.Config, error) {
			w.region, w.profile = region, profile
			return w.aws.Config(region), nil
		},
		AWSClients: awscheck.NewClients,
		Kubernetes: func(_ context.Context, _ aws.Config, c *ekstypes.Cluster) (kubernetes.Interface, dynamic.Interface, error) {
			if aws.ToString(c.Name) != w.stack.Cluster {
				return nil, nil, errors.New("wrong cluster")
			}
			return w.kube, kubefake.Dynamic(w.dyn), nil
		},
		Now:          func() time.Time { return time.Date(2026, 8, 4, 10, 0, 0, 0, time.UTC) },
		PollInterval: time.Millisecond,
	}
}

var spaces = regexp.MustCompile(` {2,}`)

// squash collapses the report's column padding, so tests read lines as "PASS check message".
func squash(s string) string { return spaces.ReplaceAllString(s, " ") }

// writeOutputs writes what `pulumi stack output --json` prints for the stack.
func writeOutputs(t *testing.T, outputs map[string]any) string {
	t.Helper()
	b, err := json.MarshalIndent(outputs, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "outputs.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// run runs the command as `go run ./cmd/verify` would, with the outputs file and extra flags.
func (w *world) run(t *testing.T, extra ...string) (int, string, string, *report.Report) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	jsonPath := filepath.Join(t.TempDir(), "report.json")
	args := append([]string{"--stack", "dev", "--dir", t.TempDir(), "--outputs", writeOutputs(t, w.stack.Outputs()), "--json", jsonPath}, extra...)
	code := verify.Run(context.Background(), args, w.env(&stdout, &stderr))
	stdout = *bytes.NewBufferString(squash(stdout.String()))
	var r *report.Report
	if b, err := os.ReadFile(jsonPath); err == nil {
		r = &report.Report{}
		if err := json.Unmarshal(b, r); err != nil {
			t.Fatalf("the JSON report does not parse: %v", err)
		}
	}
	return code, stdout.String(), stderr.String(), r
}

func TestHealthyStackPasses(t *testing.T) {
	w := healthyWorld()
	code, stdout, stderr, r := w.run(t)
	if code != verify.ExitOK {
		t.Fatalf("exit %d, want 0\n%s\n%s", code, stdout, stderr)
	}
	for _, line := range []string{
		"PASS credentials", "PASS cluster mission-link-dev is ACTIVE, Kubernetes 1.35",
		"PASS addon aws-ebs-csi-driver", "PASS nodegroup", "PASS nodes ", "PASS nodes.max-pods", "PASS pods.pending", "PASS autoscaler ", "PASS autoscaler.role",
		"PASS storage.default-class", "PASS storage.probe", "PASS events.pattern", "PASS events.target", "PASS events.dead-letters",
		"SKIP events.delivery", "PASS notifications", "PASS secret ", "PASS secret.key", "PASS app-role ", "PASS app-role.key-policy", "PASS registry ", "PASS registry.images",
		"PASS bastion", "- shell: aws ssm start-session --region ap-northeast-2 --target i-0c4f1a9e2b7d35810", "PASS gitops",
		"0 warnings, 0 failed, 1 skipped: the stack works",
	} {
		if !strings.Contains(stdout, line) {
			t.Errorf("output lacks %q:\n%s", line, stdout)
		}
	}
	if w.region != "ap-northeast-2" || w.profile != "" {
		t.Errorf("AWS config for region %q profile %q", w.region, w.profile)
	}
	if r == nil || r.Schema != report.Schema || r.Stack != "dev" || r.Failed || r.Counts.Fail != 0 || r.Counts.Pass != len(r.Results)-1 {
		t.Errorf("JSON report %+v", r)
	}
	if strings.Contains(stderr, "verify:") {
		t.Errorf("stderr %q", stderr)
	}
}

// TestBrokenStacksFailWithTheirCause: each failure the team met, on an otherwise healthy stack,
// fails the run with its named cause.
func TestBrokenStacksFailWithTheirCause(t *testing.T) {
	s := awsreplay.DevStack()
	for _, tc := range []struct {
		name       string
		breakStack func(w *world)
		flags      []string
		code       int
		line       string
		words      []string
	}{
		{"17 pods per node", func(w *world) {
			if err := w.kube.Tracker().Update(nodesGVR, kubefake.Node("ip-10-0-1-23.ap-northeast-2.compute.internal", s.NodeGroup, 17, true), ""); err != nil {
				panic(err)
			}
		}, nil, verify.ExitFailed, "FAIL nodes.max-pods", []string{"17 pods, want 110", "Too many pods", "replace the nodes"}},
		{"DEGRADED EBS CSI addon", func(w *world) {
			w.aws.Set("eks", s.AddonPath("aws-ebs-csi-driver"), awsreplay.RestJSON(200, s.AddonBody("aws-ebs-csi-driver", "DEGRADED",
				`[{"code":"InsufficientNumberOfReplicas","message":"The add-on is unhealthy because it doesn't have the desired number of replicas.","resourceIds":[]}]`)))
		}, nil, verify.ExitFailed, "FAIL addon aws-ebs-csi-driver", []string{"is DEGRADED", "InsufficientNumberOfReplicas"}},
		{"PVC that never binds", func(w *world) {
			w.kube.ReactionChain = w.kube.ReactionChain[1:] // no EBS CSI driver to bind it
		}, []string{"--probe-timeout", "20ms"}, verify.ExitFailed, "FAIL storage.probe", []string{"did not bind within 20ms", "waiting for a volume to be created"}},
		{"role trusting another service account", func(w *world) {
			w.aws.Set("iam", "GetRole", awsreplay.XML(s.RoleBody(s.AppTrust("system:serviceaccount:default:default"))))
		}, nil, verify.ExitFailed, "FAIL app-role.trust", []string{"does not trust system:serviceaccount:mission-link:mission-link", "AssumeRoleWithWebIdentity", "sub [system:serviceaccount:default:default]"}},
		{"role trust without an audience", func(w *world) {
			trust := strings.Replace(s.AppTrust("system:serviceaccount:mission-link:mission-link"), `"`+s.Issuer()+`:aud":"sts.amazonaws.com",`, "", 1)
			w.aws.Set("iam", "GetRole", awsreplay.XML(s.RoleBody(trust)))
		}, nil, verify.ExitFailed, "FAIL app-role.trust", []string{"aud []"}},
		{"ServiceAccount naming another role", func(w *world) {
			sa := kubefake.ServiceAccount("mission-link", "mission-link", "arn:aws:iam::123456789012:role/other")
			if err := w.kube.Tracker().Update(corev1.SchemeGroupVersion.WithResource("serviceaccounts"), sa, "mission-link"); err != nil {
				panic(err)
			}
		}, nil, verify.ExitFailed, "FAIL app-role.service-account", []string{`names role "arn:aws:iam::123456789012:role/other"`, "want the app role " + s.RoleARN()}},
		{"secret key pending deletion", func(w *world) {
			deletion := time.Date(2026, 8, 11, 9, 0, 0, 0, time.UTC)
			w.aws.Set("kms", "DescribeKey", awsreplay.JSON("1.1", s.KeyBody("PendingDeletion", &deletion)))
		}, nil, verify.ExitFailed, "FAIL secret.key", []string{"is PendingDeletion", "aws kms cancel-key-deletion --key-id " + s.KeyARN()}},
		{"key policy denying this region's Secrets Manager", func(w *world) {
			w.aws.Set("kms", "GetKeyPolicy", awsreplay.JSON("1.1", awsreplay.KeyPolicyBody(s.KeyPolicy("us-east-1"))))
		}, nil, verify.ExitFailed, "FAIL app-role.key-policy", []string{"may not decrypt with the secret's key through Secrets Manager", "explicitDeny"}},
		{"node group's Auto Scaling group without its cluster tag", func(w *world) {
			tags := s.GroupTags()
			delete(tags, "k8s.io/cluster-autoscaler/"+s.Cluster)
			w.aws.Set("autoscaling", "DescribeAutoScalingGroups", awsreplay.XML(s.AutoScalingGroupsBody(tags)))
		}, nil, verify.ExitFailed, "FAIL autoscaler.role", []string{"may not scale " + s.AutoScalingGroup, "implicitDeny", "stay Pending"}},
		{"autoscaler ServiceAccount without a role", func(w *world) {
			if err := w.kube.Tracker().Update(corev1.SchemeGroupVersion.WithResource("serviceaccounts"), kubefake.AutoscalerServiceAccount(""), "kube-system"); err != nil {
				panic(err)
			}
		}, nil, verify.ExitFailed, "FAIL autoscaler.role", []string{"names no role in eks.amazonaws.com/role-arn"}},
		{"wrong event source", func(w *world) {
			w.aws.Set("events", "DescribeRule", awsreplay.JSON("1.1", s.RuleBody(`{"source":["custom.myATMapp"]}`)))
		}, nil, verify.ExitFailed, "FAIL events.pattern", []string{`does not match events with source "mission-link"`}},
		{"duplicate subscriptions", func(w *world) {
			w.aws.Set("sns", "ListSubscriptionsByTopic", awsreplay.XML(s.SubscriptionsBody(
				s.Confirmed(s.Emails[0], "0b1c2d3e-1111-4a5b-8c7d-000000000001"), s.Confirmed(s.Emails[0], "0b1c2d3e-2222-4a5b-8c7d-000000000002"))))
		}, nil, verify.ExitFailed, "FAIL notifications", []string{"subscribed 2 times"}},
		{"pending subscription", func(w *world) {
			w.aws.Set("sns", "ListSubscriptionsByTopic", awsreplay.XML(s.SubscriptionsBody(awsreplay.Subscription{Endpoint: s.Emails[0], ARN: "PendingConfirmation"})))
		}, nil, verify.ExitOK, "WARN notifications", []string{"has not confirmed", "aws sns subscribe"}},
		{"SSM offline", func(w *world) {
			w.aws.Set("ssm", "DescribeInstanceInformation", awsreplay.JSON("1.1", s.InstanceInformationBody("ConnectionLost")))
		}, nil, verify.ExitFailed, "FAIL bastion", []string{"is ConnectionLost"}},
		{"Application OutOfSync", func(w *world) {
			w.dyn = kubefake.Application("OutOfSync", "Missing", map[string]any{"type": "ComparisonError", "message": "authentication required"})
		}, nil, verify.ExitFailed, "FAIL gitops", []string{"is OutOfSync and Missing", "ComparisonError: authentication required"}},
		{"empty registry", func(w *world) {
			w.aws.Set("ecr", "ListImages", awsreplay.JSON("1.1", awsreplay.ImagesBody()))
		}, nil, verify.ExitOK, "WARN registry.images", []string{"ErrImagePull"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := healthyWorld()
			tc.breakStack(w)
			code, stdout, stderr, r := w.run(t, tc.flags...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s\n%s", code, tc.code, stdout, stderr)
			}
			i := strings.Index(stdout, tc.line)
			if i < 0 {
				t.Fatalf("output lacks %q:\n%s", tc.line, stdout)
			}
			for _, word := range tc.words {
				if !strings.Contains(stdout[i:], word) {
					t.Errorf("output after %q lacks %q:\n%s", tc.line, word, stdout)
				}
			}
			if r == nil || r.Failed != (tc.code == verify.ExitFailed) {
				t.Errorf("JSON report failed = %v", r != nil && r.Failed)
			}
		})
	}
}

func TestCannotRun(t *testing.T) {
	w := healthyWorld()
	var stdout, stderr bytes.Buffer

	code := verify.Run(context.Background(), []string{"--outputs", "x.json"}, w.env(&stdout, &stderr))
	if code != verify.ExitCannotRun || !strings.Contains(stderr.String(), "--stack is required") {
		t.Errorf("no --stack: exit %d, %s", code, stderr.String())
	}

	stderr.Reset()
	code = verify.Run(context.Background(), []string{"--stack", "dev", "--dir", t.TempDir()}, w.env(&stdout, &stderr))
	if code != verify.ExitCannotRun || !strings.Contains(stderr.String(), "the Pulumi CLI is not installed") || !strings.Contains(stderr.String(), "--outputs outputs.json") {
		t.Errorf("no outputs: exit %d, %s", code, stderr.String())
	}

	stderr.Reset()
	outputs := w.stack.Outputs()
	delete(outputs, "clusterName")
	outputs["topicArn"] = "[secret]"
	code = verify.Run(context.Background(), []string{"--stack", "dev", "--dir", t.TempDir(), "--outputs", writeOutputs(t, outputs)}, w.env(&stdout, &stderr))
	if code != verify.ExitCannotRun || !strings.Contains(stderr.String(), "output clusterName is missing") || !strings.Contains(stderr.String(), "output topicArn is hidden as [secret]") {
		t.Errorf("bad outputs: exit %d, %s", code, stderr.String())
	}

	stderr.Reset()
	stdout.Reset()
	w.aws.Set("sts", "GetCallerIdentity", awsreplay.ExpiredToken())
	code = verify.Run(context.Background(), []string{"--stack", "dev", "--dir", t.TempDir(), "--outputs", writeOutputs(t, w.stack.Outputs())}, w.env(&stdout, &stderr))
	if code != verify.ExitCannotRun || !strings.Contains(stderr.String(), "no usable AWS credentials") || !strings.Contains(stderr.String(), "ExpiredToken") || stdout.Len() != 0 {
		t.Errorf("expired credentials: exit %d, %s, stdout %q", code, stderr.String(), stdout.String())
	}
}

// TestOutputsFromTheAutomationAPIAndProfileFromTheStack: without --outputs the outputs come from
// the Automation API; the credentials are the stack's aws:profile.
func TestOutputsFromTheAutomationAPIAndProfileFromTheStack(t *testing.T) {
	w := healthyWorld()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.dev.yaml"), []byte("config:\n  aws:region: ap-northeast-2\n  aws:profile: mission-link-sso\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	env := w.env(&stdout, &stderr)
	var asked []string
	env.ReadStackOutputs = func(_ context.Context, stack, projectDir string) (map[string]any, error) {
		asked = append(asked, stack, projectDir)
		return w.stack.Outputs(), nil
	}
	code := verify.Run(context.Background(), []string{"--stack", "dev", "--dir", dir, "--skip-storage-probe"}, env)
	if code != verify.ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	if strings.Join(asked, " ") != "dev "+dir || w.profile != "mission-link-sso" {
		t.Errorf("outputs asked for %v, AWS profile %q", asked, w.profile)
	}
	if !strings.Contains(squash(stdout.String()), "SKIP storage.probe skipped (--skip-storage-probe)") {
		t.Errorf("output:\n%s", stdout.String())
	}
	if len(w.kube.Actions()) == 0 {
		t.Fatal("no call reached the cluster")
	}
	for _, a := range w.kube.Actions() {
		if a.GetVerb() != "get" && a.GetVerb() != "list" {
			t.Errorf("without the probe verify must only read; it did %s %s", a.GetVerb(), a.GetResource().Resource)
		}
	}

	stdout.Reset()
	code = verify.Run(context.Background(), []string{"--stack", "dev", "--dir", dir, "--skip-storage-probe", "--profile", "other"}, env)
	if code != verify.ExitOK || w.profile != "other" {
		t.Errorf("--profile: exit %d, profile %q", code, w.profile)
	}
}

// TestUnreachableClusterSkipsItsChecks: one FAIL that names the cause, not one per check.
func TestUnreachableClusterSkipsItsChecks(t *testing.T) {
	w := healthyWorld()
	var stdout, stderr bytes.Buffer
	env := w.env(&stdout, &stderr)
	env.Kubernetes = func(context.Context, aws.Config, *ekstypes.Cluster) (kubernetes.Interface, dynamic.Interface, error) {
		return nil, nil, errors.New(`Get "https://6F1C8E0D3B2A49F7A5E4D3C2B1A09F8E.gr7.ap-northeast-2.eks.amazonaws.com/version": dial tcp 3.36.1.10:443: i/o timeout`)
	}
	code := verify.Run(context.Background(), []string{"--stack", "dev", "--dir", t.TempDir(), "--outputs", writeOutputs(t, w.stack.Outputs())}, env)
	out := squash(stdout.String())
	if code != verify.ExitFailed || strings.Count(out, "\nFAIL ") != 1 || !strings.Contains(out, "FAIL kubernetes") || !strings.Contains(out, "cluster.publicAccessCidrs") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if !strings.Contains(out, "SKIP storage.probe not checked: the Kubernetes API did not answer") || !strings.Contains(out, "PASS events.pattern") {
		t.Errorf("the AWS checks still run and the cluster's are skipped:\n%s", out)
	}
}
