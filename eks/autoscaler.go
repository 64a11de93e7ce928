package eks

import (
	"fmt"

	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/eks/eksargs"
	"github.com/mission-link/infra/eks/irsa"
	"github.com/mission-link/infra/internal/awsspec"
	"github.com/mission-link/infra/internal/helmrelease"
	"github.com/mission-link/infra/internal/iampolicy"
)

// The Kubernetes Cluster Autoscaler, installed from the official chart of the Kubernetes
// autoscaler project.
const (
	AutoscalerChartName       = "cluster-autoscaler"
	AutoscalerChartRepository = "https://kubernetes.github.io/autoscaler"
	// AutoscalerChartVersion is kubernetes/autoscaler's release cluster-autoscaler-chart-9.59.0
	// (2026-07-21), listed in the repository's index.yaml. Its default image (v1.35.0) is
	// replaced by the image for the cluster's minor (autoscalerImageTags). Bump it on purpose,
	// after reading the chart's changes: a new chart can change every object it renders.
	AutoscalerChartVersion = "9.59.0"
	// AutoscalerNamespace is where the autoscaler runs, beside the cluster's other system pods.
	AutoscalerNamespace = "kube-system"
	// AutoscalerName is the release's name and, through the chart's fullnameOverride, the name of
	// its Deployment, ServiceAccount and PodDisruptionBudget:
	// `kubectl -n kube-system logs deploy/cluster-autoscaler`.
	AutoscalerName = "cluster-autoscaler"
	// AutoscalerImage is the autoscaler's image repository (registry.k8s.io, the project's own),
	// listed with the path its layers take in awsspec.StackImages.
	AutoscalerImage = awsspec.AutoscalerImageRepository
	// AutoscalerPriorityClass keeps the autoscaler from being preempted or evicted before
	// ordinary pods: without it, the pod that starts nodes could itself be left Pending.
	AutoscalerPriorityClass = "system-cluster-critical"
	// AutoscalerStatusConfigMap is where the autoscaler writes what it sees and last did
	// (its --status-config-map-name default).
	AutoscalerStatusConfigMap = "cluster-autoscaler-status"
	// autoscalerReleaseTimeoutSeconds is how long Helm waits for the autoscaler's pod.
	autoscalerReleaseTimeoutSeconds = 300
	// nonRootUID is "nobody", as the autoscaler's own example manifest runs it; fsGroup makes the
	// projected IRSA token readable to that user.
	nonRootUID = 65534
)

// The tags EKS puts on a managed node group's Auto Scaling group for the autoscaler's
// auto-discovery ("Amazon EKS tags managed node group resources so that they are configured to use
// the Kubernetes Cluster Autoscaler", EKS user guide, managed-node-groups; keys and values as in
// the EKS best practices guide's least-privilege policy for the autoscaler).
const (
	AutoscalerEnabledTag      = "k8s.io/cluster-autoscaler/enabled"
	AutoscalerEnabledTagValue = "true"
	// AutoscalerClusterTagValue is the value of AutoscalerClusterTag(cluster).
	AutoscalerClusterTagValue = "owned"
)

// AutoscalerClusterTag is the tag key that marks a group as this cluster's.
func AutoscalerClusterTag(cluster string) string { return "k8s.io/cluster-autoscaler/" + cluster }

// AutoscalerSizing is what the autoscaler requests and may use. On a cluster of two nodes and a few
// dozen pods its memory (it holds every pod and node of the cluster) stays far below the 600Mi of
// the project's example manifest, which is sized for large clusters; the request is what the
// one-node budget leaves (deploy/README.md, Sizing), the limit leaves room to grow before an
// out-of-memory kill would stop scaling. Check it with
// `kubectl -n kube-system top pod -l app.kubernetes.io/instance=cluster-autoscaler`.
var AutoscalerSizing = struct{ CPURequest, MemoryRequest, CPULimit, MemoryLimit string }{
	CPURequest: "50m", MemoryRequest: "128Mi", CPULimit: "500m", MemoryLimit: "512Mi",
}

// Autoscaler actions the policy grants (cluster-autoscaler/cloudprovider/aws/README.md, "Full
// Cluster Autoscaler Features Policy", which auto-discovery needs).
var (
	// AutoscalerDescribeActions are read-only and AWS authorizes them only on "*".
	AutoscalerDescribeActions = []string{
		"autoscaling:DescribeAutoScalingGroups",
		"autoscaling:DescribeAutoScalingInstances",
		"autoscaling:DescribeLaunchConfigurations",
		"autoscaling:DescribeScalingActivities",
		"ec2:DescribeImages",
		"ec2:DescribeInstanceTypes",
		"ec2:DescribeLaunchTemplateVersions",
		"ec2:GetInstanceTypesFromInstanceRequirements",
	}
	// AutoscalerScalingActions change a group's size; they are granted only on groups tagged for
	// this cluster.
	AutoscalerScalingActions = []string{
		"autoscaling:SetDesiredCapacity",
		"autoscaling:TerminateInstanceInAutoScalingGroup",
	}
)

// AutoscalerPolicy is the autoscaler's permission policy: the describe actions AWS does not scope,
// eks:DescribeNodegroup on the node group only (it is scoped by node group ARN), and the scaling
// actions only on Auto Scaling groups that carry both discovery tags of this cluster, as the EKS
// best practices guide recommends: an autoscaler of another cluster's tags gets nothing here.
func AutoscalerPolicy(clusterName, nodeGroupARN string) iampolicy.Document {
	return iampolicy.New(iampolicy.Statement{
		Sid:      "DescribeScalingState",
		Effect:   iampolicy.Allow,
		Action:   AutoscalerDescribeActions,
		Resource: []string{"*"},
	}, iampolicy.Statement{
		Sid:      "DescribeNodeGroup",
		Effect:   iampolicy.Allow,
		Action:   []string{"eks:DescribeNodegroup"},
		Resource: []string{nodeGroupARN},
	}, iampolicy.Statement{
		Sid:      "ScaleThisClustersGroups",
		Effect:   iampolicy.Allow,
		Action:   AutoscalerScalingActions,
		Resource: []string{"*"},
		Condition: iampolicy.Conditions{"StringEquals": {
			"aws:ResourceTag/" + AutoscalerEnabledTag:              {AutoscalerEnabledTagValue},
			"aws:ResourceTag/" + AutoscalerClusterTag(clusterName): {AutoscalerClusterTagValue},
		}},
	})
}

// ClusterAutoscaler tells operators and verifiers where the autoscaler runs.
type ClusterAutoscaler struct {
	Namespace      string
	Deployment     string
	ServiceAccount string
	// RoleARN is the IAM role its service account assumes.
	RoleARN pulumi.StringOutput
}

// newAutoscaler installs the autoscaler with its IRSA role, after the node group and the addons
// (it resolves the AWS endpoints through CoreDNS), on the cluster's Kubernetes provider.
func newAutoscaler(ctx *pulumi.Context, name string, a ClusterArgs, c *Cluster, nodeGroup *awseks.NodeGroup, parent pulumi.ResourceOrInvokeOption) (*ClusterAutoscaler, error) {
	policy := iampolicy.Render(func(v []string) iampolicy.Document {
		return AutoscalerPolicy(a.Name, v[0])
	}, nodeGroup.Arn)
	role, err := irsa.NewRole(ctx, name+"-cluster-autoscaler", irsa.RoleArgs{
		OIDC:           c.OIDC,
		Namespace:      AutoscalerNamespace,
		ServiceAccount: AutoscalerName,
		Description:    "Kubernetes Cluster Autoscaler (IRSA)",
		Policy:         policy,
	}, parent)
	if err != nil {
		return nil, err
	}
	tag, err := eksargs.AutoscalerImageTag(a.Version)
	if err != nil {
		return nil, err
	}
	if _, err := helmrelease.New(ctx, name+"-cluster-autoscaler", helmrelease.Args{
		Name:           AutoscalerName,
		Chart:          AutoscalerChartName,
		Version:        AutoscalerChartVersion,
		Repository:     AutoscalerChartRepository,
		Namespace:      pulumi.String(AutoscalerNamespace),
		Values:         autoscalerValues(a, tag, regionOf(ctx, parent), role.Arn),
		TimeoutSeconds: autoscalerReleaseTimeoutSeconds,
	}, parent, pulumi.Provider(c.KubernetesProvider), pulumi.DependsOn(c.Ready)); err != nil {
		return nil, fmt.Errorf("creating Helm release %s: %w", AutoscalerName, err)
	}
	return &ClusterAutoscaler{
		Namespace:      AutoscalerNamespace,
		Deployment:     AutoscalerName,
		ServiceAccount: AutoscalerName,
		RoleARN:        role.Arn,
	}, nil
}

// autoscalerValues are the cluster-autoscaler chart's values this stack sets (the chart's keys);
// everything else keeps the chart's default (one replica, a PodDisruptionBudget of
// maxUnavailable 1, the status ConfigMap).
func autoscalerValues(a ClusterArgs, imageTag string, region, roleARN pulumi.StringInput) pulumi.Map {
	s := a.Autoscaler
	return pulumi.Map{
		"cloudProvider": pulumi.String("aws"),
		"awsRegion":     region,
		// The chart passes --node-group-auto-discovery=asg:tag=<tags>: groups that carry every
		// tag key, whatever its value.
		"autoDiscovery": pulumi.Map{
			"clusterName": pulumi.String(a.Name),
			"tags":        pulumi.ToStringArray([]string{AutoscalerEnabledTag, AutoscalerClusterTag(a.Name)}),
		},
		"fullnameOverride": pulumi.String(AutoscalerName),
		"image":            pulumi.Map{"repository": pulumi.String(AutoscalerImage), "tag": pulumi.String(imageTag)},
		"rbac": pulumi.Map{"serviceAccount": pulumi.Map{
			"create":      pulumi.Bool(true),
			"name":        pulumi.String(AutoscalerName),
			"annotations": pulumi.Map{"eks.amazonaws.com/role-arn": roleARN},
		}},
		"priorityClassName": pulumi.String(AutoscalerPriorityClass),
		"resources": pulumi.Map{
			"requests": pulumi.Map{"cpu": pulumi.String(AutoscalerSizing.CPURequest), "memory": pulumi.String(AutoscalerSizing.MemoryRequest)},
			"limits":   pulumi.Map{"cpu": pulumi.String(AutoscalerSizing.CPULimit), "memory": pulumi.String(AutoscalerSizing.MemoryLimit)},
		},
		"securityContext": pulumi.Map{
			"runAsNonRoot":   pulumi.Bool(true),
			"runAsUser":      pulumi.Int(nonRootUID),
			"runAsGroup":     pulumi.Int(nonRootUID),
			"fsGroup":        pulumi.Int(nonRootUID),
			"seccompProfile": pulumi.Map{"type": pulumi.String("RuntimeDefault")},
		},
		"containerSecurityContext": pulumi.Map{
			"allowPrivilegeEscalation": pulumi.Bool(false),
			"readOnlyRootFilesystem":   pulumi.Bool(true),
			"capabilities":             pulumi.Map{"drop": pulumi.ToStringArray([]string{"ALL"})},
		},
		"extraArgs": autoscalerFlags(s),
	}
}

// autoscalerFlags are the autoscaler's flags beyond the chart's (docs/design-cluster.md, "How the
// second node appears", says why each is set).
func autoscalerFlags(s eksargs.AutoscalerArgs) pulumi.Map {
	return pulumi.Map{
		// Node groups of one shape in several AZs (one per AZ, as EBS-backed workloads want) grow
		// evenly.
		"balance-similar-node-groups": pulumi.Bool(true),
		// Between groups, the one that leaves the least CPU and memory idle (also the default of
		// v1.35, named so that a default change does not change this stack).
		"expander":                   pulumi.String("least-waste"),
		"scale-down-unneeded-time":   pulumi.String(fmt.Sprintf("%dm", *s.ScaleDownUnneededMinutes)),
		"scale-down-delay-after-add": pulumi.String(fmt.Sprintf("%dm", *s.ScaleDownDelayAfterAddMinutes)),
		// The app's pods write only caches to emptyDir; with the default (true) a node that ran
		// one would never be removed.
		"skip-nodes-with-local-storage": pulumi.Bool(false),
		// CoreDNS, the metrics server, the EBS CSI controller and the autoscaler itself are
		// kube-system Deployments that move; with the default (true) the second node would stay
		// for an hour (--blocking-system-pod-distruption-timeout) once one of them landed on it.
		// Their PodDisruptionBudgets are still respected.
		"skip-nodes-with-system-pods": pulumi.Bool(false),
	}
}
