// Package verify is cmd/verify: after `pulumi up` it proves the deployed stack works, one check
// per failure the team before us met, and says what is wrong when it does not. It reads the
// stack's outputs (through the Automation API, or a file from `pulumi stack output --json`),
// calls AWS with the stack's credentials and the cluster with an EKS token from the same, and
// changes nothing but the storage probe's temporary namespace and, with --send-test-event, one
// event on the bus.
//
// Exit codes: 0 when no check fails, 1 when one does, 2 when verify could not run (no outputs, no
// credentials, a bad flag).
package verify

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/mission-link/infra/internal/verify/awscheck"
	"github.com/mission-link/infra/internal/verify/expected"
	"github.com/mission-link/infra/internal/verify/kubecheck"
	"github.com/mission-link/infra/internal/verify/report"
)

// Exit codes.
const (
	ExitOK        = 0
	ExitFailed    = 1
	ExitCannotRun = 2
)

// Defaults of the flags, named so that docs and code agree.
const (
	DefaultProbeTimeout = 3 * time.Minute
	DefaultEventTimeout = 5 * time.Minute
	DefaultPendingAfter = 5 * time.Minute
	defaultPollInterval = 5 * time.Second
)

// Env is what the command talks to. cmd/verify passes the real ones (DefaultEnv plus the
// Automation API); tests pass recorded AWS responses and fake clusters.
type Env struct {
	Stdout, Stderr io.Writer
	// ReadStackOutputs reads a stack's outputs through the Automation API (stackoutputs.Read).
	ReadStackOutputs func(ctx context.Context, stack, dir string) (map[string]any, error)
	// AWSConfig loads the AWS configuration for region and profile (empty: the environment's).
	AWSConfig func(ctx context.Context, region, profile string) (aws.Config, error)
	// AWSClients builds the clients of the checks (awscheck.NewClients).
	AWSClients func(cfg aws.Config) awscheck.Clients
	// Kubernetes builds clients for the cluster as EKS describes it.
	Kubernetes func(ctx context.Context, cfg aws.Config, cluster *ekstypes.Cluster) (kubernetes.Interface, dynamic.Interface, error)
	// Now is the clock.
	Now func() time.Time
	// PollInterval is the time between polls of the waits. Default 5 s.
	PollInterval time.Duration
}

// options are the command's flags.
type options struct {
	stack, dir, outputsFile, profile, jsonFile string
	skipStorageProbe, sendTestEvent            bool
	probeTimeout, eventTimeout, pendingAfter   time.Duration
	probeImage                                 string
	autoscaler                                 kubecheck.AutoscalerWant
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.stack, "stack", "", "the stack to verify, such as dev (required)")
	fs.StringVar(&o.dir, "dir", ".", "the Pulumi project directory (Pulumi.yaml, Pulumi.<stack>.yaml)")
	fs.StringVar(&o.outputsFile, "outputs", "", "read the outputs from this file (`pulumi stack output --json --stack <stack> > FILE`) instead of the Pulumi CLI")
	fs.StringVar(&o.profile, "profile", "", "AWS profile (default: aws:profile of Pulumi.<stack>.yaml, else the environment's credentials)")
	fs.StringVar(&o.jsonFile, "json", "", "also write the report as JSON to this file")
	fs.BoolVar(&o.skipStorageProbe, "skip-storage-probe", false, "do not create the probe PVC and pod")
	fs.DurationVar(&o.probeTimeout, "probe-timeout", DefaultProbeTimeout, "how long the storage probe waits for its volume to bind")
	fs.StringVar(&o.probeImage, "probe-image", kubecheck.DefaultProbeImage, "image of the storage probe's pod")
	fs.BoolVar(&o.sendTestEvent, "send-test-event", false, "publish one event with the app's source and wait for its delivery (every subscriber gets an email)")
	fs.DurationVar(&o.eventTimeout, "event-timeout", DefaultEventTimeout, "how long --send-test-event waits for the rule's metrics")
	fs.DurationVar(&o.pendingAfter, "pending-after", DefaultPendingAfter, "a pod Pending for longer than this fails the run")
	fs.StringVar(&o.autoscaler.Namespace, "autoscaler-namespace", kubecheck.DefaultAutoscalerNamespace, "namespace of the cluster autoscaler")
	fs.StringVar(&o.autoscaler.Selector, "autoscaler-selector", kubecheck.DefaultAutoscalerSelector, "label selector of the cluster autoscaler's Deployment")
	fs.StringVar(&o.autoscaler.StatusConfigMap, "autoscaler-status-configmap", kubecheck.DefaultAutoscalerStatusConfigMap, "the ConfigMap the autoscaler writes its status to")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	var errs []error
	if o.stack == "" {
		errs = append(errs, errors.New("--stack is required, such as --stack dev"))
	}
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected arguments %v", fs.Args()))
	}
	for name, d := range map[string]time.Duration{"--probe-timeout": o.probeTimeout, "--event-timeout": o.eventTimeout, "--pending-after": o.pendingAfter} {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%s (%s) must be positive", name, d))
		}
	}
	return o, errors.Join(errs...)
}

// Run runs the command with args (without the program name) and returns its exit code.
func Run(ctx context.Context, args []string, env Env) int {
	o, err := parseFlags(args, env.Stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(env.Stderr, "verify: %v\n", err)
		}
		return ExitCannotRun
	}
	if env.PollInterval == 0 {
		env.PollInterval = defaultPollInterval
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	r, err := run(ctx, o, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "verify: cannot run: %v\n", err)
		return ExitCannotRun
	}
	if o.jsonFile != "" {
		if err := writeJSON(o.jsonFile, r); err != nil {
			fmt.Fprintf(env.Stderr, "verify: %v\n", err)
			return ExitCannotRun
		}
	}
	if r.Failed {
		return ExitFailed
	}
	return ExitOK
}

func writeJSON(path string, r *report.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("writing the JSON report: %w", err)
	}
	if err := r.WriteJSON(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// run reads the outputs and credentials (an error: the command cannot run), then runs every check.
func run(ctx context.Context, o options, env Env) (*report.Report, error) {
	outputs, err := readOutputs(ctx, o, env)
	if err != nil {
		return nil, err
	}
	profile := o.profile
	if profile == "" {
		if profile, err = stackProfile(o.dir, o.stack); err != nil {
			return nil, err
		}
	}
	cfg, err := env.AWSConfig(ctx, outputs.Region, profile)
	if err != nil {
		return nil, fmt.Errorf("loading AWS credentials (profile %q): %w", profile, err)
	}
	clients := env.AWSClients(cfg)
	identity, err := awscheck.Identity(ctx, clients.STS)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(env.Stdout, "Verifying stack %s (cluster %s in %s)\n\n", o.stack, outputs.ClusterName, outputs.Region)
	c := &checker{ctx: ctx, o: o, env: env, out: outputs, aws: clients, cfg: cfg, report: report.New(o.stack)}
	c.add(identity)
	c.runAll()
	if err := c.report.WriteSummary(env.Stdout); err != nil {
		return nil, fmt.Errorf("writing the report: %w", err)
	}
	return c.report, nil
}

func readOutputs(ctx context.Context, o options, env Env) (expected.Outputs, error) {
	if o.outputsFile != "" {
		f, err := os.Open(o.outputsFile)
		if err != nil {
			return expected.Outputs{}, fmt.Errorf("reading stack outputs: %w", err)
		}
		defer f.Close()
		return expected.ReadOutputs(f)
	}
	all, err := env.ReadStackOutputs(ctx, o.stack, o.dir)
	if err != nil {
		return expected.Outputs{}, fmt.Errorf("%w\n(without the Pulumi CLI: `pulumi stack output --json --stack %s > outputs.json` where it runs, then --outputs outputs.json)", err, o.stack)
	}
	if len(all) == 0 {
		return expected.Outputs{}, fmt.Errorf("stack %s has no outputs: run `pulumi up` first", o.stack)
	}
	return expected.ParseOutputs(all)
}

// stackProfile is aws:profile from Pulumi.<stack>.yaml in dir, or "" when the file or key is
// absent: the credentials the program itself deploys with.
func stackProfile(dir, stack string) (string, error) {
	path := filepath.Join(dir, "Pulumi."+stack+".yaml")
	text, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	var file struct {
		Config map[string]any `json:"config"`
	}
	if err := yaml.Unmarshal(text, &file); err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	profile, _ := file.Config["aws:profile"].(string)
	return profile, nil
}
