package kubecheck_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/mission-link/infra/internal/awsspec"
	"github.com/mission-link/infra/internal/verify/internal/kubefake"
	"github.com/mission-link/infra/internal/verify/kubecheck"
	"github.com/mission-link/infra/internal/verify/report"
	"github.com/mission-link/infra/internal/verify/report/reporttest"
)

const nodeGroup = "mission-link-dev-nodes-5c2e9a1"

var now = time.Date(2026, 8, 4, 10, 0, 0, 0, time.UTC)

// expect is reporttest.Expect, shortened for the many checks below.
var expect = reporttest.Expect

// t3medium is EC2's shape of a t3.medium.
func t3medium(context.Context, []string) (map[string]awsspec.InstanceShape, error) {
	return map[string]awsspec.InstanceShape{"t3.medium": {ENIs: 3, IPv4PerENI: 6, VCPUs: 2}}, nil
}

func TestNodes(t *testing.T) {
	kube := fake.NewClientset(kubefake.Node("ip-10-0-1-23.ap-northeast-2.compute.internal", nodeGroup, 110, true), kubefake.Node("ip-10-0-17-4.ap-northeast-2.compute.internal", nodeGroup, 110, true))
	res, nodes := kubecheck.Nodes(context.Background(), kube, nodeGroup)
	expect(t, res, report.Pass, "2 node(s)", "all Ready")
	expect(t, kubecheck.MaxPods(context.Background(), nodes, t3medium), report.Pass, "ip-10-0-1-23.ap-northeast-2.compute.internal (t3.medium): 110")

	kube = fake.NewClientset(kubefake.Node("ip-10-0-1-23.ap-northeast-2.compute.internal", nodeGroup, 110, false))
	res, _ = kubecheck.Nodes(context.Background(), kube, nodeGroup)
	expect(t, res, report.Fail, "1 of 1 nodes", "not Ready")

	res, _ = kubecheck.Nodes(context.Background(), fake.NewClientset(), nodeGroup)
	expect(t, res, report.Fail, "no node of node group")
}

// TestMaxPodsOfANodeFromBeforePrefixDelegation: a node that launched before the VPC CNI setting
// keeps 17 pods; the fix is to replace it.
func TestMaxPodsOfANodeFromBeforePrefixDelegation(t *testing.T) {
	nodes := []corev1.Node{*kubefake.Node("ip-10-0-1-23.ap-northeast-2.compute.internal", nodeGroup, 17, true), *kubefake.Node("ip-10-0-17-4.ap-northeast-2.compute.internal", nodeGroup, 110, true)}
	expect(t, kubecheck.MaxPods(context.Background(), nodes, t3medium), report.Fail,
		"1 node(s) run without prefix delegation", "ip-10-0-1-23.ap-northeast-2.compute.internal (t3.medium): 17 pods, want 110", "Too many pods", "replace the nodes", "kubectl drain")

	nodes = []corev1.Node{*kubefake.Node("ip-10-0-1-23.ap-northeast-2.compute.internal", nodeGroup, 58, true)}
	expect(t, kubecheck.MaxPods(context.Background(), nodes, t3medium), report.Fail, "58 pods, want 110", "max-pods set by hand")

	failing := func(context.Context, []string) (map[string]awsspec.InstanceShape, error) {
		return nil, errors.New("describing instance types [t3.medium] (ec2:DescribeInstanceTypes): AccessDenied")
	}
	expect(t, kubecheck.MaxPods(context.Background(), nodes, failing), report.Fail, "AccessDenied", "ec2:DescribeInstanceTypes")
}

func pendingPod(name string, age time.Duration, reason, message string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "mission-link", CreationTimestamp: metav1.NewTime(now.Add(-age))},
		Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: reason, Message: message,
		}}},
	}
}

func TestPendingPods(t *testing.T) {
	running := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "mission-link-7d9f8c6b5-abcde", Namespace: "mission-link", CreationTimestamp: metav1.NewTime(now.Add(-time.Hour))},
		Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	young := pendingPod("mission-link-7d9f8c6b5-fghij", time.Minute, "", "")
	kube := fake.NewClientset(running, young)
	expect(t, kubecheck.PendingPods(context.Background(), kube, now, 5*time.Minute), report.Pass, "no pod has been Pending for more than 5m0s")

	stuck := pendingPod("mission-link-7d9f8c6b5-klmno", 25*time.Minute, "Unschedulable",
		"0/1 nodes are available: 1 Too many pods. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.")
	kube = fake.NewClientset(running, young, stuck)
	expect(t, kubecheck.PendingPods(context.Background(), kube, now, 5*time.Minute), report.Fail,
		"1 pod(s) Pending", "mission-link/mission-link-7d9f8c6b5-klmno, Pending for 25m0s: Unschedulable: 0/1 nodes are available: 1 Too many pods")
}

// A container waiting on its image is reported by pod, container, image and the kubelet's
// message, whether it is an init container or not; a running pod is not.
func TestImagePulls(t *testing.T) {
	running := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "coredns-5d78c9869d-abcde", Namespace: "kube-system"},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Name: "coredns", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}}}
	kube := fake.NewClientset(running)
	expect(t, kubecheck.ImagePulls(context.Background(), kube), report.Pass, "no container is waiting on an image pull")

	waiting := func(reason, message string) corev1.ContainerState {
		return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message}}
	}
	autoscaler := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "cluster-autoscaler-7c9d5b8f6-xyz12", Namespace: "kube-system"},
		Status: corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{
			Name: "aws-cluster-autoscaler", Image: "registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.0",
			State: waiting("ImagePullBackOff", `Back-off pulling image "registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.0"`),
		}}}}
	redis := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "argocd-redis-6f9c7d8b5-qrs34", Namespace: "argocd"},
		Status: corev1.PodStatus{Phase: corev1.PodPending, InitContainerStatuses: []corev1.ContainerStatus{{
			Name: "secret-init", Image: "quay.io/argoproj/argocd:v3.5.0", State: waiting("ErrImagePull", "403 Forbidden"),
		}}}}
	kube = fake.NewClientset(running, autoscaler, redis)
	expect(t, kubecheck.ImagePulls(context.Background(), kube), report.Fail, "2 container(s) cannot pull their image",
		"kube-system/cluster-autoscaler-7c9d5b8f6-xyz12 container aws-cluster-autoscaler: ImagePullBackOff pulling registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.0",
		"argocd/argocd-redis-6f9c7d8b5-qrs34 container secret-init: ErrImagePull pulling quay.io/argoproj/argocd:v3.5.0: 403 Forbidden")
}

// The app's ServiceAccount must name the app role; one not deployed yet is a warning (the app's
// overlay is synced after the stack), one naming another role a failure.
func TestAppServiceAccount(t *testing.T) {
	const role = "arn:aws:iam::123456789012:role/mission-link-dev-app-role-1f9b8e3"
	kube := fake.NewClientset(kubefake.ServiceAccount("mission-link", "mission-link", role))
	expect(t, kubecheck.AppServiceAccount(context.Background(), kube, "mission-link", "mission-link", role), report.Pass, "carries the app role")
	expect(t, kubecheck.AppServiceAccount(context.Background(), fake.NewClientset(), "mission-link", "mission-link", role), report.Warn, "is not deployed")
	other := fake.NewClientset(kubefake.ServiceAccount("mission-link", "mission-link", ""))
	expect(t, kubecheck.AppServiceAccount(context.Background(), other, "mission-link", "mission-link", role), report.Fail, `names role ""`)
}

func TestAutoscaler(t *testing.T) {
	asg := "eks-mission-link-dev-nodes-5c2e9a1-70c8f3a4-3d1b-4a5e-9f62-0b7d4c1e8a93"
	want := kubecheck.AutoscalerWant{Namespace: kubecheck.DefaultAutoscalerNamespace, Selector: kubecheck.DefaultAutoscalerSelector, StatusConfigMap: kubecheck.DefaultAutoscalerStatusConfigMap, AutoScalingGroups: []string{asg}}
	kube := fake.NewClientset(kubefake.AutoscalerDeployment(1), kubefake.StatusConfigMap(asg))
	expect(t, kubecheck.Autoscaler(context.Background(), kube, want), report.Pass, "cluster-autoscaler-aws-cluster-autoscaler is Running and manages "+asg)

	kube = fake.NewClientset(kubefake.AutoscalerDeployment(1), kubefake.StatusConfigMap())
	expect(t, kubecheck.Autoscaler(context.Background(), kube, want), report.Fail, "does not manage Auto Scaling group "+asg, "sees: no node group", "auto-discovery")

	kube = fake.NewClientset(kubefake.AutoscalerDeployment(0), kubefake.StatusConfigMap(asg))
	expect(t, kubecheck.Autoscaler(context.Background(), kube, want), report.Fail, "no available replica")

	kube = fake.NewClientset(kubefake.AutoscalerDeployment(1))
	expect(t, kubecheck.Autoscaler(context.Background(), kube, want), report.Fail, "wrote no status ConfigMap")

	expect(t, kubecheck.Autoscaler(context.Background(), fake.NewClientset(), want), report.Fail, "no Deployment labelled app.kubernetes.io/name=aws-cluster-autoscaler", "never grows")
}

// TestAutoscalerRoleARN: the role checked is the one the running autoscaler's ServiceAccount names.
func TestAutoscalerRoleARN(t *testing.T) {
	role := "arn:aws:iam::123456789012:role/mission-link-dev-cluster-autoscaler-6b1e3d9"
	want := kubecheck.AutoscalerWant{Namespace: kubecheck.DefaultAutoscalerNamespace, Selector: kubecheck.DefaultAutoscalerSelector}
	kube := fake.NewClientset(kubefake.AutoscalerDeployment(1), kubefake.AutoscalerServiceAccount(role),
		kubefake.ServiceAccount("kube-system", "default", "arn:aws:iam::123456789012:role/other"))
	if got, res := kubecheck.AutoscalerRoleARN(context.Background(), kube, want); got != role {
		t.Errorf("role %q (%+v), want %s", got, res, role)
	}

	// No autoscaler runs: the autoscaler line fails, this one has nothing to check.
	got, res := kubecheck.AutoscalerRoleARN(context.Background(), fake.NewClientset(kubefake.AutoscalerServiceAccount(role)), want)
	expect(t, res, report.Skip, "no cluster autoscaler runs", "see the autoscaler line")
	if got != "" {
		t.Errorf("role %q without an autoscaler", got)
	}

	// Its ServiceAccount names no role: IRSA gives its pods none.
	got, res = kubecheck.AutoscalerRoleARN(context.Background(), fake.NewClientset(kubefake.AutoscalerDeployment(1), kubefake.AutoscalerServiceAccount("")), want)
	expect(t, res, report.Fail, "ServiceAccount kube-system/cluster-autoscaler-aws-cluster-autoscaler of the autoscaler names no role in eks.amazonaws.com/role-arn",
		"AccessDenied", "rbac.serviceAccount.annotations")
	if got != "" {
		t.Errorf("role %q from an unannotated ServiceAccount", got)
	}

	_, res = kubecheck.AutoscalerRoleARN(context.Background(), fake.NewClientset(kubefake.AutoscalerDeployment(1)), want)
	expect(t, res, report.Fail, "runs as ServiceAccount cluster-autoscaler-aws-cluster-autoscaler, which does not exist")

	denied := fake.NewClientset(kubefake.AutoscalerDeployment(1), kubefake.AutoscalerServiceAccount(role))
	denied.PrependReactor("get", "serviceaccounts", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New(`serviceaccounts "cluster-autoscaler-aws-cluster-autoscaler" is forbidden: User "dev" cannot get resource "serviceaccounts" in API group "" in the namespace "kube-system"`)
	})
	_, res = kubecheck.AutoscalerRoleARN(context.Background(), denied, want)
	expect(t, res, report.Fail, "reading the autoscaler's ServiceAccount", "is forbidden")
}

func TestDefaultStorageClass(t *testing.T) {
	kube := fake.NewClientset(kubefake.StorageClass("gp3", kubecheck.EBSCSIProvisioner, true), kubefake.StorageClass("gp2", "kubernetes.io/aws-ebs", false))
	expect(t, kubecheck.DefaultStorageClass(context.Background(), kube, "gp3"), report.Pass, "gp3 is the default")

	kube = fake.NewClientset(kubefake.StorageClass("gp3", kubecheck.EBSCSIProvisioner, true), kubefake.StorageClass("gp2", "kubernetes.io/aws-ebs", true))
	expect(t, kubecheck.DefaultStorageClass(context.Background(), kube, "gp3"), report.Fail, "the default StorageClass is gp2, gp3, want only gp3", "kubectl annotate storageclass")

	kube = fake.NewClientset(kubefake.StorageClass("gp3", kubecheck.EBSCSIProvisioner, false))
	expect(t, kubecheck.DefaultStorageClass(context.Background(), kube, "gp3"), report.Fail, "no StorageClass is the default")
}

// probeLeftovers lists what the probe left in the cluster.
func probeLeftovers(t *testing.T, kube *fake.Clientset) []string {
	t.Helper()
	var left []string
	namespaces, err := kube.CoreV1().Namespaces().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range namespaces.Items {
		left = append(left, "namespace "+ns.Name)
	}
	pvcs, _ := kube.CoreV1().PersistentVolumeClaims(metav1.NamespaceAll).List(context.Background(), metav1.ListOptions{})
	for _, p := range pvcs.Items {
		left = append(left, "pvc "+p.Namespace+"/"+p.Name)
	}
	pods, _ := kube.CoreV1().Pods(metav1.NamespaceAll).List(context.Background(), metav1.ListOptions{})
	for _, p := range pods.Items {
		left = append(left, "pod "+p.Namespace+"/"+p.Name)
	}
	return left
}

func TestStorageProbe(t *testing.T) {
	kube := fake.NewClientset()
	kubefake.BindOnGet(kube)
	kubefake.RunProbeOnGet(kube, corev1.PodSucceeded)
	var created []string
	kube.PrependReactor("create", "*", func(action k8stesting.Action) (bool, runtime.Object, error) {
		obj := action.(k8stesting.CreateAction).GetObject()
		switch o := obj.(type) {
		case *corev1.PersistentVolumeClaim:
			if *o.Spec.StorageClassName != "gp3" || o.Spec.Resources.Requests.Storage().String() != "1Gi" {
				t.Errorf("probe PVC %+v, want 1Gi of gp3", o.Spec)
			}
		case *corev1.Pod:
			if o.Spec.Volumes[0].PersistentVolumeClaim.ClaimName != o.Name || !*o.Spec.SecurityContext.RunAsNonRoot || o.Spec.SecurityContext.FSGroup == nil {
				t.Errorf("probe pod %+v must mount the PVC, run as non-root and own the volume through fsGroup", o.Spec)
			}
			// It passes only by writing the volume and reading the same back.
			c := o.Spec.Containers[0]
			if script := strings.Join(c.Command, " "); !strings.Contains(script, `> /data/probe`) || !strings.Contains(script, `test "$(cat /data/probe)" = "$TOKEN"`) || c.Env[0].Value == "" {
				t.Errorf("probe command %q with env %v does not write a token and compare what it reads", script, c.Env)
			}
		}
		created = append(created, action.GetResource().Resource)
		return false, nil, nil
	})
	res := kubecheck.StorageProbe(context.Background(), kube, kubecheck.ProbeOptions{StorageClass: "gp3", Timeout: time.Minute, Interval: time.Millisecond})
	expect(t, res, report.Pass, "1Gi PVC of class gp3 bound to pvc-3c0e5f8a", "a pod wrote to it and read it back")
	if strings.Join(created, ",") != "namespaces,persistentvolumeclaims,pods" {
		t.Errorf("the probe created %v", created)
	}
	if left := probeLeftovers(t, kube); len(left) != 0 {
		t.Errorf("the probe left %v", left)
	}
}

// Binding proves a volume was created, not that it attaches and mounts: a bound volume the pod
// cannot write, or never gets to, fails with what the pod and its events say.
func TestStorageProbeThatBindsButDoesNotWrite(t *testing.T) {
	kube := fake.NewClientset()
	kubefake.BindOnGet(kube)
	kubefake.RunProbeOnGet(kube, corev1.PodFailed)
	res := kubecheck.StorageProbe(context.Background(), kube, kubecheck.ProbeOptions{StorageClass: "gp3", Timeout: time.Minute, Interval: time.Millisecond})
	expect(t, res, report.Fail, "bound and mounted, but the probe's pod could not write it", "exited 1: Error sh: can't create /data/probe: Read-only file system")

	kube = fake.NewClientset()
	kubefake.BindOnGet(kube)
	res = kubecheck.StorageProbe(context.Background(), kube, kubecheck.ProbeOptions{StorageClass: "gp3", Timeout: 30 * time.Millisecond, Interval: 5 * time.Millisecond})
	expect(t, res, report.Fail, "bound, but the probe's pod did not write it and read it back within 30ms", "FailedAttachVolume")
	if left := probeLeftovers(t, kube); len(left) != 0 {
		t.Errorf("the probe left %v", left)
	}
}

// TestStorageProbeThatNeverBinds: the PVC the team saw, waiting for the EBS CSI driver; the wait
// ends at its timeout, says why, and deletes everything the probe created.
func TestStorageProbeThatNeverBinds(t *testing.T) {
	kube := fake.NewClientset()
	kube.PrependReactor("create", "persistentvolumeclaims", func(action k8stesting.Action) (bool, runtime.Object, error) {
		pvc := action.(k8stesting.CreateAction).GetObject().(*corev1.PersistentVolumeClaim)
		event := &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{Name: pvc.Name + ".17f1c2d3e4a5b6c7", Namespace: pvc.Namespace},
			InvolvedObject: corev1.ObjectReference{Kind: "PersistentVolumeClaim", Name: pvc.Name, Namespace: pvc.Namespace},
			Reason:         "ExternalProvisioning",
			Message:        `Waiting for a volume to be created either by the external provisioner 'ebs.csi.aws.com' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
			Type:           corev1.EventTypeNormal,
		}
		if err := kube.Tracker().Add(event); err != nil {
			t.Fatal(err)
		}
		return false, nil, nil
	})
	var progress []string
	res := kubecheck.StorageProbe(context.Background(), kube, kubecheck.ProbeOptions{StorageClass: "gp3", Timeout: 30 * time.Millisecond, Interval: 5 * time.Millisecond,
		Progress: func(s string) { progress = append(progress, s) }})
	expect(t, res, report.Fail, "did not bind within 30ms", "waiting for a volume to be created", "ExternalProvisioning: Waiting for a volume to be created either by the external provisioner 'ebs.csi.aws.com'", "aws-ebs-csi-driver")
	if len(progress) == 0 || !strings.Contains(progress[0], "waiting for the probe (volume Pending") {
		t.Errorf("progress %q", progress)
	}
	if left := probeLeftovers(t, kube); len(left) != 0 {
		t.Errorf("after the timeout the probe left %v", left)
	}
}

// TestStorageProbeInterrupted: Ctrl-C during the wait still deletes what the probe created.
func TestStorageProbeInterrupted(t *testing.T) {
	kube := fake.NewClientset()
	ctx, cancel := context.WithCancel(context.Background())
	res := kubecheck.StorageProbe(ctx, kube, kubecheck.ProbeOptions{StorageClass: "gp3", Timeout: time.Hour, Interval: time.Millisecond,
		Progress: func(string) { cancel() }})
	expect(t, res, report.Fail, "interrupted")
	if left := probeLeftovers(t, kube); len(left) != 0 {
		t.Errorf("after Ctrl-C the probe left %v", left)
	}
}

func TestApplication(t *testing.T) {
	expect(t, kubecheck.Application(context.Background(), kubefake.Dynamic(kubefake.Application("Synced", "Healthy")), "argocd", "mission-link"), report.Pass, "Synced and Healthy at 9b2e4d6f8a0c")

	outOfSync := kubefake.Application("OutOfSync", "Degraded", map[string]any{
		"type": "ComparisonError", "message": "Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc = authentication required",
	})
	expect(t, kubecheck.Application(context.Background(), kubefake.Dynamic(outOfSync), "argocd", "mission-link"), report.Fail,
		"is OutOfSync and Degraded", "ComparisonError: Failed to load target state", "last sync Failed: one or more objects failed to apply")

	expect(t, kubecheck.Application(context.Background(), kubefake.Dynamic(), "argocd", "mission-link"), report.Fail, "does not exist")
	expect(t, kubecheck.Application(context.Background(), kubefake.Dynamic(), "", ""), report.Skip, "gitops is off")
}

// The probe's image is one awsspec.StackImages lists, so its registry's layer path is checked
// with the stack's (the probe runs on the stack's nodes).
func TestProbeImageIsAStackImage(t *testing.T) {
	repository, _, _ := strings.Cut(kubecheck.DefaultProbeImage, ":")
	if repository != awsspec.VerifyProbeImageRepository {
		t.Errorf("the probe runs %s, awsspec.StackImages lists %s", repository, awsspec.VerifyProbeImageRepository)
	}
}
