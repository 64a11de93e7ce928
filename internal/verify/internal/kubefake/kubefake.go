// Package kubefake builds the objects of a deployed dev cluster for client-go's fake clientsets,
// shaped as the kubelet, the cluster autoscaler and ArgoCD write them. Tests only.
package kubefake

import (
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// Node is a t3.medium of nodeGroup as the kubelet registers it, with maxPods pods.
func Node(name, nodeGroup string, maxPods int64, ready bool) *corev1.Node {
	status := corev1.ConditionTrue
	if !ready {
		status = corev1.ConditionFalse
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
			"eks.amazonaws.com/nodegroup": nodeGroup, "node.kubernetes.io/instance-type": "t3.medium", "topology.kubernetes.io/zone": "ap-northeast-2a",
		}},
		Status: corev1.NodeStatus{
			Capacity: corev1.ResourceList{
				corev1.ResourcePods:   *resource.NewQuantity(maxPods, resource.DecimalSI),
				corev1.ResourceCPU:    resource.MustParse("2"),
				corev1.ResourceMemory: resource.MustParse("3943360Ki"),
			},
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: status, Reason: "KubeletReady"}},
		},
	}
}

// autoscalerName is the official chart's name of the Deployment and ServiceAccount of a release named
// cluster-autoscaler (its fullname).
const autoscalerName = "cluster-autoscaler-aws-cluster-autoscaler"

// AutoscalerDeployment is the official chart's Deployment for a release named cluster-autoscaler,
// running as the chart's ServiceAccount.
func AutoscalerDeployment(available int32) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: autoscalerName, Namespace: "kube-system", Labels: map[string]string{
			"app.kubernetes.io/name": "aws-cluster-autoscaler", "app.kubernetes.io/instance": "cluster-autoscaler",
		}},
		Spec:   appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{ServiceAccountName: autoscalerName}}},
		Status: appsv1.DeploymentStatus{Replicas: 1, AvailableReplicas: available},
	}
}

// StatusConfigMap is what cluster-autoscaler 1.30+ writes: YAML under the key status, one entry
// per Auto Scaling group it manages.
func StatusConfigMap(groups ...string) *corev1.ConfigMap {
	var b strings.Builder
	b.WriteString("time: 2026-08-04 09:59:48.123456789 +0000 UTC\nautoscalerStatus: Running\nclusterWide:\n  health:\n    status: Healthy\n    nodeCounts:\n      registered:\n        total: 1\n        ready: 1\n")
	if len(groups) > 0 {
		b.WriteString("nodeGroups:\n")
		for _, g := range groups {
			b.WriteString("- name: " + g + "\n  health:\n    status: Healthy\n    cloudProviderTarget: 1\n    minSize: 1\n    maxSize: 2\n  scaleUp:\n    status: NoActivity\n")
		}
	}
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cluster-autoscaler-status", Namespace: "kube-system"}, Data: map[string]string{"status": b.String()}}
}

// StorageClass is a StorageClass, the default one when isDefault.
func StorageClass(name, provisioner string, isDefault bool) *storagev1.StorageClass {
	sc := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{}}, Provisioner: provisioner}
	if isDefault {
		sc.Annotations["storageclass.kubernetes.io/is-default-class"] = "true"
	}
	return sc
}

// BindOnGet answers every PVC as bound, as the EBS CSI driver would once its pod is scheduled.
func BindOnGet(kube *fake.Clientset) {
	onGet(kube, "persistentvolumeclaims", func(obj runtime.Object) runtime.Object {
		pvc := obj.(*corev1.PersistentVolumeClaim).DeepCopy()
		pvc.Status.Phase = corev1.ClaimBound
		pvc.Spec.VolumeName = "pvc-3c0e5f8a-2d1b-4c7e-9a6f-8b0d2e4c6a1f"
		return pvc
	})
}

// onGet answers every get of resource with the stored object as change returns it.
func onGet(kube *fake.Clientset, resource string, change func(runtime.Object) runtime.Object) {
	kube.PrependReactor("get", resource, func(action k8stesting.Action) (bool, runtime.Object, error) {
		get := action.(k8stesting.GetAction)
		obj, err := kube.Tracker().Get(action.GetResource(), get.GetNamespace(), get.GetName())
		if err != nil {
			return true, nil, err
		}
		return true, change(obj), nil
	})
}

// ServiceAccount is a ServiceAccount naming roleARN for IRSA, as the app's overlay deploys the app's.
func ServiceAccount(namespace, name, roleARN string) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace,
		Annotations: map[string]string{"eks.amazonaws.com/role-arn": roleARN}}}
}

// RunProbeOnGet answers every pod as finished in phase (Succeeded: the probe wrote its volume and
// read it back; Failed: with the container's exit), as the kubelet would once the volume mounts.
func RunProbeOnGet(kube *fake.Clientset, phase corev1.PodPhase) {
	onGet(kube, "pods", func(obj runtime.Object) runtime.Object {
		pod := obj.(*corev1.Pod).DeepCopy()
		pod.Status.Phase = phase
		if phase == corev1.PodFailed {
			pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "probe", State: corev1.ContainerState{
				Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", Message: "sh: can't create /data/probe: Read-only file system"},
			}}}
		}
		return pod
	})
}

// Application is the app's ArgoCD Application with its sync and health status; conditions make
// it a failed sync.
func Application(sync, health string, conditions ...map[string]any) *unstructured.Unstructured {
	status := map[string]any{
		"sync":   map[string]any{"status": sync, "revision": "9b2e4d6f8a0c1e3b5d7f9a1c3e5b7d9f0a2c4e6b"},
		"health": map[string]any{"status": health},
	}
	if len(conditions) > 0 {
		list := []any{}
		for _, c := range conditions {
			list = append(list, c)
		}
		status["conditions"] = list
		status["operationState"] = map[string]any{"phase": "Failed", "message": "one or more objects failed to apply, reason: Deployment.apps \"mission-link\" is invalid"}
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
		"metadata": map[string]any{"name": "mission-link", "namespace": "argocd"},
		"status":   status,
	}}
}

// Dynamic is a dynamic client holding objs, which knows ArgoCD's Application list kind.
func Dynamic(objs ...runtime.Object) *dynamicfake.FakeDynamicClient {
	return dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{{Group: "argoproj.io", Version: "v1alpha1", Resource: "applications"}: "ApplicationList"}, objs...)
}

// AutoscalerServiceAccount is the ServiceAccount AutoscalerDeployment runs as, naming roleARN for
// IRSA as the stack's chart values annotate it.
func AutoscalerServiceAccount(roleARN string) *corev1.ServiceAccount {
	return ServiceAccount("kube-system", autoscalerName, roleARN)
}
