package kubecheck

import (
	"context"
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/mission-link/infra/internal/verify/report"
)

// Where the cluster autoscaler is looked for, by default as the official chart
// (kubernetes/autoscaler charts/cluster-autoscaler) installs it with cloudProvider aws in
// kube-system: its pods carry app.kubernetes.io/name=aws-cluster-autoscaler whatever the release
// is called, and it writes its status to the ConfigMap cluster-autoscaler-status
// (--status-config-map-name) in its own namespace.
const (
	DefaultAutoscalerNamespace       = "kube-system"
	DefaultAutoscalerSelector        = "app.kubernetes.io/name=aws-cluster-autoscaler"
	DefaultAutoscalerStatusConfigMap = "cluster-autoscaler-status"
	// statusKey is the ConfigMap key the autoscaler writes its status under: YAML since
	// cluster-autoscaler 1.30 (clusterstate/api.ClusterAutoscalerStatus).
	statusKey = "status"
)

// AutoscalerWant says where the autoscaler runs and which Auto Scaling groups it must manage.
type AutoscalerWant struct {
	Namespace       string
	Selector        string
	StatusConfigMap string
	// AutoScalingGroups are the node group's groups (awscheck.NodeGroup).
	AutoScalingGroups []string
}

// autoscalerStatus is the part of the autoscaler's status verify reads.
type autoscalerStatus struct {
	AutoscalerStatus string `json:"autoscalerStatus"`
	Message          string `json:"message"`
	NodeGroups       []struct {
		Name string `json:"name"`
	} `json:"nodeGroups"`
}

// Autoscaler checks that the cluster autoscaler's Deployment is available and that its status
// lists the node group's Auto Scaling groups: it sees them and can grow the group when pods are
// Pending.
func Autoscaler(ctx context.Context, kube kubernetes.Interface, want AutoscalerWant) report.Result {
	const check = "autoscaler"
	deployments, err := kube.AppsV1().Deployments(want.Namespace).List(ctx, metav1.ListOptions{LabelSelector: want.Selector})
	if err != nil {
		return apiFailure(check, "listing the autoscaler's Deployment", err)
	}
	if len(deployments.Items) == 0 {
		return report.Failure(check, fmt.Sprintf("no Deployment labelled %s in %s", want.Selector, want.Namespace),
			"no cluster autoscaler runs: when the node fills up pods stay Pending (`Too many pods`, `Insufficient cpu`) and the node group never grows to its maxSize",
			"run `pulumi up` with the stack's cluster autoscaler; if it is installed under other labels, pass --autoscaler-selector")
	}
	d := deployments.Items[0]
	if d.Status.AvailableReplicas < 1 {
		return report.Failure(check, fmt.Sprintf("Deployment %s/%s has no available replica", d.Namespace, d.Name),
			"the autoscaler's pod is not running: usually its IRSA role or the image cannot be pulled",
			fmt.Sprintf("`kubectl -n %s describe deployment %s` and `kubectl -n %s logs deployment/%s`", d.Namespace, d.Name, d.Namespace, d.Name))
	}
	cm, err := kube.CoreV1().ConfigMaps(want.Namespace).Get(ctx, want.StatusConfigMap, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return report.Failure(check, fmt.Sprintf("Deployment %s/%s runs but wrote no status ConfigMap %s", d.Namespace, d.Name, want.StatusConfigMap),
			"the autoscaler has not finished starting, or cannot reach the AWS API to discover node groups",
			fmt.Sprintf("`kubectl -n %s logs deployment/%s`", d.Namespace, d.Name))
	}
	if err != nil {
		return apiFailure(check, "reading the autoscaler's status", err)
	}
	var status autoscalerStatus
	if err := yaml.Unmarshal([]byte(cm.Data[statusKey]), &status); err != nil {
		return report.Failure(check, fmt.Sprintf("reading %s/%s: %v", want.Namespace, want.StatusConfigMap, err),
			"an autoscaler older than 1.30 writes its status as text, not YAML", "run the autoscaler version the stack pins")
	}
	var seen []string
	for _, g := range status.NodeGroups {
		seen = append(seen, g.Name)
	}
	var missing []string
	for _, g := range want.AutoScalingGroups {
		if !slices.Contains(seen, g) {
			missing = append(missing, g)
		}
	}
	if len(missing) > 0 {
		return report.Failure(check, fmt.Sprintf("the autoscaler (%s) does not manage Auto Scaling group %s; it sees: %s", status.AutoscalerStatus, strings.Join(missing, ", "), orNone(seen)),
			"auto-discovery does not find the node group: the cluster name in its --node-group-auto-discovery tags, or its role lacks autoscaling:DescribeAutoScalingGroups",
			fmt.Sprintf("`kubectl -n %s logs deployment/%s | grep -i discover`", d.Namespace, d.Name))
	}
	return report.Passf(check, "%s/%s is %s and manages %s", d.Namespace, d.Name, status.AutoscalerStatus, strings.Join(want.AutoScalingGroups, ", "))
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "no node group"
	}
	return strings.Join(list, ", ")
}

// AutoscalerRoleARN returns the IAM role the running autoscaler uses: the eks.amazonaws.com/role-arn
// annotation of the ServiceAccount its Deployment runs as, so that the role checked is the one its
// pods get, whatever the stack's outputs say. When there is none to check it returns "" and the
// result that says why: a skip when no autoscaler runs (the autoscaler line fails then), a failure
// when its ServiceAccount names no role.
func AutoscalerRoleARN(ctx context.Context, kube kubernetes.Interface, want AutoscalerWant) (string, report.Result) {
	const check = "autoscaler.role"
	deployments, err := kube.AppsV1().Deployments(want.Namespace).List(ctx, metav1.ListOptions{LabelSelector: want.Selector})
	if err != nil {
		return "", apiFailure(check, "listing the autoscaler's Deployment", err)
	}
	if len(deployments.Items) == 0 {
		return "", report.Skipf(check, "not checked: no cluster autoscaler runs (see the autoscaler line)")
	}
	d := deployments.Items[0]
	name := d.Spec.Template.Spec.ServiceAccountName
	if name == "" {
		name = "default" // what Kubernetes runs a pod as when its spec names no ServiceAccount
	}
	sa, err := kube.CoreV1().ServiceAccounts(d.Namespace).Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return "", report.Failure(check, fmt.Sprintf("Deployment %s/%s runs as ServiceAccount %s, which does not exist", d.Namespace, d.Name, name),
			"the autoscaler's pods cannot be created without their ServiceAccount: nothing scales the node group",
			fmt.Sprintf("run `pulumi up` to install the autoscaler's chart again; `kubectl -n %s describe replicaset -l %s` shows the error", d.Namespace, want.Selector))
	case err != nil:
		return "", apiFailure(check, "reading the autoscaler's ServiceAccount", err)
	}
	role := sa.Annotations[roleAnnotation]
	if role == "" {
		return "", report.Failure(check, fmt.Sprintf("ServiceAccount %s/%s of the autoscaler names no role in %s", d.Namespace, name, roleAnnotation),
			"without IRSA the autoscaler's AWS calls run as the node's role, which may not describe or scale Auto Scaling groups: it discovers no node group, or every scale-up fails with AccessDenied",
			"the stack's chart values set the annotation (rbac.serviceAccount.annotations): run `pulumi up`; if the autoscaler is installed another way, annotate its ServiceAccount with its role")
	}
	return role, report.Result{}
}
