// Package kubecheck holds the checks cmd/verify runs against the cluster's Kubernetes API. Each is
// a plain function over client-go's kubernetes.Interface (or dynamic.Interface for ArgoCD's
// Application), so tests answer it with client-go's fake clientsets. All are read-only except
// the storage probe, which deletes everything it creates.
package kubecheck

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/mission-link/infra/internal/awsspec"
	"github.com/mission-link/infra/internal/verify/report"
)

// Node labels EKS and Kubernetes set.
const (
	NodeGroupLabel    = "eks.amazonaws.com/nodegroup"
	InstanceTypeLabel = "node.kubernetes.io/instance-type"
)

// ShapeLookup returns the network shape of instance types (awscheck.InstanceShapes).
type ShapeLookup func(ctx context.Context, instanceTypes []string) (map[string]awsspec.InstanceShape, error)

// Nodes checks that the node group has nodes and that every one of them is Ready.
func Nodes(ctx context.Context, kube kubernetes.Interface, nodeGroup string) (report.Result, []corev1.Node) {
	const check = "nodes"
	list, err := kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: NodeGroupLabel + "=" + nodeGroup})
	if err != nil {
		return apiFailure(check, "listing nodes", err), nil
	}
	nodes := list.Items
	if len(nodes) == 0 {
		return report.Failure(check, fmt.Sprintf("no node of node group %s has joined the cluster", nodeGroup),
			"nodes cannot launch or join (their access entry, subnets' route to a NAT gateway, or the node group's health)",
			"read the nodegroup line above; the EC2 console shows the instances of its Auto Scaling group"), nil
	}
	var notReady []string
	for _, n := range nodes {
		if !ready(n) {
			notReady = append(notReady, n.Name)
		}
	}
	if len(notReady) > 0 {
		return report.Failure(check, fmt.Sprintf("%d of %d nodes of %s are not Ready: %s", len(notReady), len(nodes), nodeGroup, strings.Join(notReady, ", ")),
			"the kubelet or the VPC CNI (aws-node) is not running on them", "`kubectl describe node <name>` shows the conditions; `kubectl -n kube-system get pods -o wide` the aws-node pods"), nodes
	}
	return report.Passf(check, "%d node(s) of %s, all Ready", len(nodes), nodeGroup), nodes
}

func ready(n corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// MaxPods checks each node's pod capacity against what EKS gives its instance type with prefix
// delegation (110 for a t3.medium). A node at the figure without prefix delegation (17) launched
// before the VPC CNI setting and keeps it until it is replaced.
func MaxPods(ctx context.Context, nodes []corev1.Node, shapes ShapeLookup) report.Result {
	const check = "nodes.max-pods"
	if len(nodes) == 0 {
		return report.Skipf(check, "no nodes to check")
	}
	var types []string
	for _, n := range nodes {
		if t := n.Labels[InstanceTypeLabel]; t != "" && !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	sort.Strings(types)
	known, err := shapes(ctx, types)
	if err != nil {
		return report.Failure(check, err.Error(), "", "grant ec2:DescribeInstanceTypes (docs/verify.md)")
	}
	var stale, other, ok []string
	for _, n := range nodes {
		t := n.Labels[InstanceTypeLabel]
		shape, found := known[t]
		if !found {
			other = append(other, fmt.Sprintf("%s: instance type %q unknown to EC2", n.Name, t))
			continue
		}
		want, without := awsspec.MaxPods(shape, true), awsspec.MaxPods(shape, false)
		got := n.Status.Capacity.Pods().Value()
		switch got {
		case int64(want):
			ok = append(ok, fmt.Sprintf("%s (%s): %d", n.Name, t, got))
		case int64(without):
			stale = append(stale, fmt.Sprintf("%s (%s): %d pods, want %d", n.Name, t, got, want))
		default:
			other = append(other, fmt.Sprintf("%s (%s): %d pods, want %d", n.Name, t, got, want))
		}
	}
	switch {
	case len(stale) > 0:
		return report.Failure(check, fmt.Sprintf("%d node(s) run without prefix delegation", len(stale)),
			"the node launched before the VPC CNI's ENABLE_PREFIX_DELEGATION: it keeps its old max pods, and pods sit at `0/1 nodes are available: Too many pods`",
			"replace the nodes: drain them (`kubectl drain <node> --ignore-daemonsets --delete-emptydir-data`) and let the node group launch new ones, or start an instance refresh of its Auto Scaling group").WithDetails(stale...)
	case len(other) > 0:
		return report.Failure(check, "node pod capacity is not what EKS computes for the instance type",
			"a max-pods set by hand (launch template user data) or a custom AMI", "remove the override, then replace the nodes").WithDetails(other...)
	}
	return report.Passf(check, "every node runs the prefix delegation maximum: %s", strings.Join(ok, ", "))
}

// PendingPods fails when a pod has been Pending for longer than olderThan, naming it and the
// scheduler's reason.
func PendingPods(ctx context.Context, kube kubernetes.Interface, now time.Time, olderThan time.Duration) report.Result {
	const check = "pods.pending"
	list, err := kube.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{FieldSelector: "status.phase=Pending"})
	if err != nil {
		return apiFailure(check, "listing pods", err)
	}
	var stuck []string
	for _, p := range list.Items {
		if p.Status.Phase != corev1.PodPending || now.Sub(p.CreationTimestamp.Time) < olderThan {
			continue
		}
		reason := "no scheduler message yet"
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
				reason = strings.TrimSpace(c.Reason + ": " + c.Message)
			}
		}
		stuck = append(stuck, fmt.Sprintf("%s/%s, Pending for %s: %s", p.Namespace, p.Name, now.Sub(p.CreationTimestamp.Time).Round(time.Minute), reason))
	}
	if len(stuck) > 0 {
		sort.Strings(stuck)
		return report.Failure(check, fmt.Sprintf("%d pod(s) Pending for more than %s", len(stuck), olderThan),
			"the scheduler cannot place them: `Too many pods` means nodes without prefix delegation or a full node group, `Insufficient cpu/memory` a full node group, `unbound immediate PersistentVolumeClaims` storage",
			"read the reason per pod below (`kubectl describe pod -n <namespace> <name>`)").WithDetails(stuck...)
	}
	return report.Passf(check, "no pod has been Pending for more than %s", olderThan)
}

// imagePullReasons are the waiting reasons of a container whose image the kubelet could not pull.
var imagePullReasons = []string{"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"}

// ImagePulls fails when a container of any pod waits on its image, naming the pod, the container,
// the image and the kubelet's message: a pull the network stops (an S3 endpoint policy, a missing
// route out) otherwise shows only as pods that never start.
func ImagePulls(ctx context.Context, kube kubernetes.Interface) report.Result {
	const check = "pods.image-pull"
	list, err := kube.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return apiFailure(check, "listing pods", err)
	}
	var stuck []string
	for _, p := range list.Items {
		for _, c := range append(slices.Clone(p.Status.InitContainerStatuses), p.Status.ContainerStatuses...) {
			if w := c.State.Waiting; w != nil && slices.Contains(imagePullReasons, w.Reason) {
				stuck = append(stuck, fmt.Sprintf("%s/%s container %s: %s pulling %s: %s", p.Namespace, p.Name, c.Name, w.Reason, c.Image, w.Message))
			}
		}
	}
	if len(stuck) > 0 {
		sort.Strings(stuck)
		return report.Failure(check, fmt.Sprintf("%d container(s) cannot pull their image", len(stuck)),
			"the nodes cannot reach the registry or its layers: ECR and registry.k8s.io serve layers from S3 in the region through the VPC's S3 gateway endpoint (its policy), quay.io and ECR Public through the NAT; or the image or tag does not exist",
			"read the message per container below; docs/verify.md lists where each registry serves layers from (internal/awsspec/registries.go)").WithDetails(stuck...)
	}
	return report.Passf(check, "no container is waiting on an image pull")
}

// apiFailure is a Kubernetes API call that failed, with the causes the team met reaching the API.
func apiFailure(check, doing string, err error) report.Result {
	return report.Failure(check, fmt.Sprintf("%s: %v", doing, err),
		"the API refused or could not be reached: your address is not in cluster.publicAccessCidrs, or your identity has no access entry",
		"add your address (`curl -s https://checkip.amazonaws.com`) to cluster.publicAccessCidrs, or list your role in cluster.adminRoleArns, and run `pulumi up`")
}
