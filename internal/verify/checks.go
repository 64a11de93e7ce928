package verify

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/mission-link/infra/internal/awsspec"
	"github.com/mission-link/infra/internal/verify/awscheck"
	"github.com/mission-link/infra/internal/verify/expected"
	"github.com/mission-link/infra/internal/verify/kubecheck"
	"github.com/mission-link/infra/internal/verify/report"
)

// checker runs the checks in the order of the stack's failures: cluster, nodes and the autoscaler,
// storage, events, notifications, the secret and its key with the app's role, registry, bastion,
// GitOps. Every result is printed as soon as it is known.
type checker struct {
	ctx    context.Context
	o      options
	env    Env
	out    expected.Outputs
	aws    awscheck.Clients
	cfg    aws.Config
	report *report.Report

	kube kubernetes.Interface
	dyn  dynamic.Interface
	// kubeDown says why the Kubernetes checks cannot run; empty when they can.
	kubeDown string
}

func (c *checker) add(results ...report.Result) {
	for _, r := range results {
		c.report.Add(r)
		if err := report.WriteLine(c.env.Stdout, r); err != nil {
			fmt.Fprintf(c.env.Stderr, "verify: writing the report: %v\n", err)
		}
	}
}

func (c *checker) progress(line string) {
	fmt.Fprintf(c.env.Stderr, "     ... %s\n", line)
}

func (c *checker) runAll() {
	cluster := c.checkCluster()
	c.connect(cluster)
	c.checkNodes()
	c.checkStorage()
	c.checkEvents()
	c.add(awscheck.Subscriptions(c.ctx, c.aws.SNS, c.out.TopicARN, c.out.Region, c.out.NotificationEmails)...)
	c.checkSecret()
	c.checkAppIdentity(cluster)
	c.add(awscheck.Registry(c.ctx, c.aws.ECR, c.out.RepositoryName())...)
	c.add(awscheck.Bastion(c.ctx, c.aws.SSM, c.out.BastionInstanceID, c.out.BastionSessionCommand))
	c.kubeCheck("gitops", func() report.Result {
		return kubecheck.Application(c.ctx, c.dyn, c.out.ArgoCDNamespace, c.out.ArgoCDApplication)
	})
}

// checkSecret checks the app's secret and the key it is encrypted with, then the app role's access:
// its own policies (app-role), and the key's policy, which can deny what they allow.
func (c *checker) checkSecret() {
	res, secret := awscheck.Secret(c.ctx, c.aws.Secrets, c.out.DatabaseSecretARN)
	c.add(res)
	res, keyARN := awscheck.SecretKey(c.ctx, c.aws.KMS, secret)
	c.add(res)
	c.add(awscheck.AppRole(c.ctx, c.aws.IAM, awscheck.AccessWant{
		RoleARN: c.out.AppRoleARN, SecretARN: c.out.DatabaseSecretARN, BusARN: c.out.EventBusARN, TopicARN: c.out.TopicARN,
	})...)
	if keyARN == "" {
		c.add(report.Skipf("app-role.key-policy", "not checked: no key of the secret to read the policy of (see the secret.key line)"))
		return
	}
	c.add(awscheck.AppRoleKeyPolicy(c.ctx, c.aws.KMS, c.aws.IAM, awscheck.KeyPolicyWant{RoleARN: c.out.AppRoleARN, KeyARN: keyARN, Region: c.out.Region})...)
}

// checkAppIdentity checks the two halves of IRSA for the app: the role trusts the app's service
// account through this cluster's OIDC issuer, and that ServiceAccount names the role.
func (c *checker) checkAppIdentity(cluster *ekstypes.Cluster) {
	if cluster == nil || cluster.Identity == nil || cluster.Identity.Oidc == nil {
		c.add(report.Skipf("app-role.trust", "not checked: EKS does not describe the cluster's OIDC issuer (see the cluster line)"))
	} else {
		c.add(awscheck.AppRoleTrust(c.ctx, c.aws.IAM, awscheck.TrustWant{
			RoleARN: c.out.AppRoleARN, IssuerURL: aws.ToString(cluster.Identity.Oidc.Issuer),
			Namespace: c.out.AppNamespace, ServiceAccount: c.out.AppServiceAccount,
		}))
	}
	c.kubeCheck("app-role.service-account", func() report.Result {
		return kubecheck.AppServiceAccount(c.ctx, c.kube, c.out.AppNamespace, c.out.AppServiceAccount, c.out.AppRoleARN)
	})
}

func (c *checker) checkCluster() *ekstypes.Cluster {
	res, cluster := awscheck.Cluster(c.ctx, c.aws.EKS, awscheck.ClusterWant{Name: c.out.ClusterName, Version: c.out.ClusterVersion, LogTypes: c.out.ClusterLogTypes})
	c.add(res)
	if cluster == nil {
		return nil
	}
	c.add(awscheck.Addons(c.ctx, c.aws.EKS, c.out.ClusterName)...)
	return cluster
}

// connect builds the Kubernetes clients and proves the API answers.
func (c *checker) connect(cluster *ekstypes.Cluster) {
	if cluster == nil {
		c.kubeDown = "EKS does not describe the cluster (see the cluster line)"
		return
	}
	kube, dyn, err := c.env.Kubernetes(c.ctx, c.cfg, cluster)
	if err == nil {
		_, err = kube.Discovery().ServerVersion()
	}
	if err != nil {
		c.kubeDown = "the Kubernetes API did not answer (see the kubernetes line)"
		c.add(report.Failure("kubernetes", fmt.Sprintf("reaching the Kubernetes API at %s: %v", aws.ToString(cluster.Endpoint), err),
			"your address is not in cluster.publicAccessCidrs, or your identity has no access entry on the cluster",
			"add your address (`curl -s https://checkip.amazonaws.com`) to cluster.publicAccessCidrs, or your role to cluster.adminRoleArns, and run `pulumi up`"))
		return
	}
	c.kube, c.dyn = kube, dyn
}

// kubeCheck runs a check that needs the Kubernetes API, or skips it when the API is down.
func (c *checker) kubeCheck(check string, run func() report.Result) {
	if c.kubeDown != "" {
		c.add(report.Skipf(check, "not checked: %s", c.kubeDown))
		return
	}
	c.add(run())
}

func (c *checker) checkNodes() {
	nodeGroup, asgs := awscheck.NodeGroup(c.ctx, c.aws.EKS, c.out.ClusterName, c.out.NodeGroupName)
	c.add(nodeGroup)
	if c.kubeDown != "" {
		for _, check := range []string{"nodes", "nodes.max-pods", "pods.pending", "pods.image-pull", "autoscaler", "autoscaler.role"} {
			c.add(report.Skipf(check, "not checked: %s", c.kubeDown))
		}
		return
	}
	res, nodes := kubecheck.Nodes(c.ctx, c.kube, c.out.NodeGroupName)
	c.add(res)
	c.add(kubecheck.MaxPods(c.ctx, nodes, func(ctx context.Context, types []string) (map[string]awsspec.InstanceShape, error) {
		return awscheck.InstanceShapes(ctx, c.aws.EC2, types)
	}))
	c.add(kubecheck.PendingPods(c.ctx, c.kube, c.env.Now(), c.o.pendingAfter))
	c.add(kubecheck.ImagePulls(c.ctx, c.kube))
	want := c.o.autoscaler
	want.AutoScalingGroups = asgs
	c.add(kubecheck.Autoscaler(c.ctx, c.kube, want))
	c.checkAutoscalerRole(want)
}

// checkAutoscalerRole simulates the role the running autoscaler uses on the node group's Auto
// Scaling groups: its status ConfigMap shows the groups it discovered, not that it may scale them.
func (c *checker) checkAutoscalerRole(want kubecheck.AutoscalerWant) {
	if len(want.AutoScalingGroups) == 0 {
		c.add(report.Skipf("autoscaler.role", "not checked: EKS names no Auto Scaling group of the node group (see the nodegroup line)"))
		return
	}
	role, res := kubecheck.AutoscalerRoleARN(c.ctx, c.kube, want)
	if role == "" {
		c.add(res)
		return
	}
	c.add(awscheck.AutoscalerScaling(c.ctx, c.aws.AutoScaling, c.aws.IAM, awscheck.ScalingWant{
		RoleARN: role, Cluster: c.out.ClusterName, AutoScalingGroups: want.AutoScalingGroups,
	})...)
}

func (c *checker) checkStorage() {
	c.kubeCheck("storage.default-class", func() report.Result {
		return kubecheck.DefaultStorageClass(c.ctx, c.kube, c.out.StorageClassName)
	})
	if c.o.skipStorageProbe {
		c.add(report.Skipf("storage.probe", "skipped (--skip-storage-probe)"))
		return
	}
	c.kubeCheck("storage.probe", func() report.Result {
		return kubecheck.StorageProbe(c.ctx, c.kube, kubecheck.ProbeOptions{
			StorageClass: c.out.StorageClassName, Image: c.o.probeImage, Timeout: c.o.probeTimeout, Interval: c.env.PollInterval, Progress: c.progress,
		})
	})
}

func (c *checker) checkEvents() {
	want := awscheck.EventsWant{
		Region: c.out.Region, BusName: c.out.EventBusName, BusARN: c.out.EventBusARN, RuleName: c.out.EventRuleName(),
		Source: c.out.EventSource, TopicARN: c.out.TopicARN, QueueURL: c.out.DeadLetterQueueURL, QueueARN: c.out.DeadLetterQueueARN,
	}
	c.add(awscheck.EventPattern(c.ctx, c.aws.Events, want, c.env.Now()))
	c.add(awscheck.EventTarget(c.ctx, c.aws.Events, want))
	c.add(awscheck.DeadLetterQueue(c.ctx, c.aws.SQS, want))
	if !c.o.sendTestEvent {
		c.add(report.Skipf("events.delivery", "no test event sent (--send-test-event publishes one; every subscriber gets an email)"))
		return
	}
	c.add(awscheck.TestDelivery(c.ctx, c.aws.Events, c.aws.CloudWatch, want, awscheck.DeliveryOptions{
		Timeout: c.o.eventTimeout, Interval: c.env.PollInterval, Progress: c.progress, Now: c.env.Now,
	}))
}
