package kubecheck

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/mission-link/infra/internal/verify/expected"
	"github.com/mission-link/infra/internal/verify/report"
)

const (
	// defaultClassAnnotation marks the StorageClass a PVC without storageClassName gets.
	defaultClassAnnotation = "storageclass.kubernetes.io/is-default-class"
	// EBSCSIProvisioner is the EBS CSI driver's provisioner.
	EBSCSIProvisioner = expected.EBSCSIProvisioner
	// ProbeLabel marks everything the storage probe creates.
	ProbeLabel = "app.kubernetes.io/managed-by"
	// ProbeLabelValue is ProbeLabel's value.
	ProbeLabelValue = "mission-link-verify"
	// DefaultProbeImage runs the probe's pod, which writes a token to the volume and reads it
	// back: a shell from registry.k8s.io (Kubernetes' own e2e busybox), whose layers come the way
	// the autoscaler's do (awsspec.StackImages).
	DefaultProbeImage = "registry.k8s.io/e2e-test-images/busybox:1.36.1-1"
	probeName         = "storage-probe"
	probeSize         = "1Gi"
	// cleanupTimeout bounds the deletes after the wait, which run even when the run was
	// interrupted.
	cleanupTimeout = time.Minute
)

// DefaultStorageClass checks that the cluster's one default StorageClass is the stack's gp3 class,
// provisioned by the EBS CSI driver.
func DefaultStorageClass(ctx context.Context, kube kubernetes.Interface, want string) report.Result {
	const check = "storage.default-class"
	list, err := kube.StorageV1().StorageClasses().List(ctx, metav1.ListOptions{})
	if err != nil {
		return apiFailure(check, "listing StorageClasses", err)
	}
	var defaults []string
	provisioner := ""
	for _, sc := range list.Items {
		if sc.Annotations[defaultClassAnnotation] == "true" {
			defaults = append(defaults, sc.Name)
			if sc.Name == want {
				provisioner = sc.Provisioner
			}
		}
	}
	sort.Strings(defaults)
	switch {
	case len(defaults) == 1 && defaults[0] == want && provisioner == EBSCSIProvisioner:
		return report.Passf(check, "%s is the default StorageClass (%s)", want, EBSCSIProvisioner)
	case len(defaults) == 1 && defaults[0] == want:
		return report.Failure(check, fmt.Sprintf("default StorageClass %s is provisioned by %q, not %s", want, provisioner, EBSCSIProvisioner),
			"PVCs wait for a provisioner that does not run", "run `pulumi up` to restore the class")
	case len(defaults) == 0:
		return report.Failure(check, fmt.Sprintf("no StorageClass is the default (want %s)", want),
			"PVCs without storageClassName stay Pending, never bound", "run `pulumi up` to restore the class's is-default-class annotation")
	default:
		return report.Failure(check, fmt.Sprintf("the default StorageClass is %s, want only %s", strings.Join(defaults, ", "), want),
			"with another default (such as EKS's gp2) PVCs get in-tree or unencrypted gp2 volumes, and with two Kubernetes picks the newest",
			"remove the annotation from the others: `kubectl annotate storageclass <name> "+defaultClassAnnotation+"-`")
	}
}

// ProbeOptions configure the storage probe.
type ProbeOptions struct {
	// StorageClass the probe's PVC asks for by name.
	StorageClass string
	// Image of the probe's pod. Default DefaultProbeImage.
	Image string
	// Timeout bounds the wait for the volume to bind.
	Timeout time.Duration
	// Interval between polls.
	Interval time.Duration
	// Progress is told about every poll.
	Progress func(string)
}

// StorageProbe creates a small PVC and a pod using it in a temporary namespace, waits (bounded)
// for the volume to bind, and deletes all it made, also when the wait times out or ctx is
// cancelled (Ctrl-C).
func StorageProbe(ctx context.Context, kube kubernetes.Interface, opts ProbeOptions) (res report.Result) {
	const check = "storage.probe"
	if opts.Image == "" {
		opts.Image = DefaultProbeImage
	}
	namespace, err := probeNamespace()
	if err != nil {
		return report.Failure(check, err.Error(), "", "")
	}
	defer func() {
		if err := cleanup(context.WithoutCancel(ctx), kube, namespace); err != nil {
			res = res.WithDetails(fmt.Sprintf("cleanup: %v; delete it yourself: `kubectl delete namespace %s`", err, namespace))
		}
	}()
	if err := createProbe(ctx, kube, namespace, opts); err != nil {
		return apiFailure(check, "creating the storage probe", err)
	}
	start := time.Now()
	deadline := start.Add(opts.Timeout)
	volume := ""
	for {
		status, err := probeStatus(ctx, kube, namespace, &volume)
		switch {
		case ctx.Err() != nil:
			return report.Failure(check, "interrupted while waiting for the probe; its namespace was deleted", "", "")
		case err != nil:
			return apiFailure(check, "reading the probe", err)
		case status == string(corev1.PodSucceeded):
			return report.Passf(check, "a %s PVC of class %s bound to %s, and a pod wrote to it and read it back, in %s", probeSize, opts.StorageClass, volume, time.Since(start).Round(time.Second))
		case status == string(corev1.PodFailed):
			return probeFailed(ctx, kube, namespace, volume)
		case !time.Now().Before(deadline):
			return probeTimedOut(ctx, kube, namespace, opts.Timeout, volume)
		}
		if opts.Progress != nil {
			opts.Progress(fmt.Sprintf("waiting for the probe (%s, %s of %s)", status, time.Since(start).Round(time.Second), opts.Timeout))
		}
		select {
		case <-ctx.Done():
		case <-time.After(opts.Interval):
		}
	}
}

// probeStatus is where the probe stands: the PVC's phase until it binds (its volume is then
// kept in volume), then the pod's phase.
func probeStatus(ctx context.Context, kube kubernetes.Interface, namespace string, volume *string) (string, error) {
	if *volume == "" {
		pvc, err := kube.CoreV1().PersistentVolumeClaims(namespace).Get(ctx, probeName, metav1.GetOptions{})
		if err != nil {
			return "", err
		}
		if pvc.Status.Phase != corev1.ClaimBound {
			if pvc.Status.Phase == "" { // until the PV controller first sees the claim
				return "volume " + string(corev1.ClaimPending), nil
			}
			return "volume " + string(pvc.Status.Phase), nil
		}
		*volume = pvc.Spec.VolumeName
	}
	pod, err := kube.CoreV1().Pods(namespace).Get(ctx, probeName, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed:
		return string(pod.Status.Phase), nil
	}
	return "volume bound, pod " + string(pod.Status.Phase), nil
}

// probeFailed is a pod that ran but could not write its volume and read the same back.
func probeFailed(ctx context.Context, kube kubernetes.Interface, namespace, volume string) report.Result {
	var details []string
	if pod, err := kube.CoreV1().Pods(namespace).Get(ctx, probeName, metav1.GetOptions{}); err == nil {
		for _, c := range pod.Status.ContainerStatuses {
			if t := c.State.Terminated; t != nil {
				details = append(details, fmt.Sprintf("container %s exited %d: %s %s", c.Name, t.ExitCode, t.Reason, strings.TrimSpace(t.Message)))
			}
		}
	}
	return report.Failure("storage.probe", fmt.Sprintf("volume %s bound and mounted, but the probe's pod could not write it and read the same back", volume),
		"the filesystem is read-only or full, or not writable by the pod's group (fsGroup)",
		"`kubectl -n kube-system logs daemonset/ebs-csi-node -c ebs-plugin` on the pod's node").WithDetails(details...)
}

func probeNamespace() (string, error) {
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		return "", fmt.Errorf("naming the probe's namespace: %w", err)
	}
	return "mission-link-verify-" + hex.EncodeToString(suffix), nil
}

func createProbe(ctx context.Context, kube kubernetes.Interface, namespace string, opts ProbeOptions) error {
	labels := map[string]string{ProbeLabel: ProbeLabelValue}
	meta := metav1.ObjectMeta{Name: probeName, Namespace: namespace, Labels: labels}
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace, Labels: labels}}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("namespace %s: %w", namespace, err)
	}
	class := opts.StorageClass
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: meta,
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: &class,
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(probeSize)}},
		},
	}
	if _, err := kube.CoreV1().PersistentVolumeClaims(namespace).Create(ctx, pvc, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("PVC %s/%s: %w", namespace, probeName, err)
	}
	if _, err := kube.CoreV1().Pods(namespace).Create(ctx, probePod(meta, opts.Image, namespace), metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("pod %s/%s: %w", namespace, probeName, err)
	}
	return nil
}

// probePod writes a random token to the volume and exits 0 only if it reads the same back: the
// volume was attached, mounted and written, which binding alone does not prove. fsGroup makes
// the kubelet give the fresh filesystem to the pod's group, so a non-root pod may write it.
func probePod(meta metav1.ObjectMeta, image, token string) *corev1.Pod {
	nonRoot, noEscalation := true, false
	uid := int64(65535)
	return &corev1.Pod{
		ObjectMeta: meta,
		Spec: corev1.PodSpec{
			RestartPolicy:   corev1.RestartPolicyNever,
			SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: &nonRoot, RunAsUser: &uid, FSGroup: &uid, SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
			Containers: []corev1.Container{{
				Name:    "probe",
				Image:   image,
				Command: []string{"sh", "-c", `echo "$TOKEN" > /data/probe && sync && test "$(cat /data/probe)" = "$TOKEN"`},
				Env:     []corev1.EnvVar{{Name: "TOKEN", Value: token}},
				SecurityContext: &corev1.SecurityContext{
					AllowPrivilegeEscalation: &noEscalation,
					Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
				},
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
					corev1.ResourceCPU:    resource.MustParse("10m"),
					corev1.ResourceMemory: resource.MustParse("16Mi"),
				}},
				VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/data"}},
			}},
			Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: meta.Name},
			}}},
		},
	}
}

// probeTimedOut names what the PVC and pod were waiting for, from their events.
func probeTimedOut(ctx context.Context, kube kubernetes.Interface, namespace string, timeout time.Duration, volume string) report.Result {
	var details []string
	if events, err := kube.CoreV1().Events(namespace).List(ctx, metav1.ListOptions{}); err == nil {
		for _, e := range events.Items {
			details = append(details, fmt.Sprintf("%s %s: %s: %s", e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Reason, e.Message))
		}
	}
	sort.Strings(details)
	if volume != "" {
		return report.Failure("storage.probe", fmt.Sprintf("volume %s bound, but the probe's pod did not write it and read it back within %s", volume, timeout),
			"the volume was created but not attached or mounted on the pod's node (`FailedAttachVolume`, `FailedMount`), or the pod's image did not pull",
			"read the events below, and `kubectl -n kube-system logs deployment/ebs-csi-controller -c csi-attacher`").WithDetails(details...)
	}
	return report.Failure("storage.probe", fmt.Sprintf("the probe's PVC did not bind within %s", timeout),
		"PVC stuck `waiting for a volume to be created, either by external provisioner \"ebs.csi.aws.com\"`: the EBS CSI controller is not running or cannot assume its IRSA role (or the pod cannot be scheduled)",
		"check the aws-ebs-csi-driver addon line above, `kubectl -n kube-system logs deployment/ebs-csi-controller -c csi-provisioner`, and that service account ebs-csi-controller-sa carries the stack's role").WithDetails(details...)
}

// cleanup deletes the pod, the PVC (its volume goes with it: the class reclaims with Delete) and
// the namespace, ignoring what is already gone.
func cleanup(ctx context.Context, kube kubernetes.Interface, namespace string) error {
	ctx, cancel := context.WithTimeout(ctx, cleanupTimeout)
	defer cancel()
	background := metav1.DeletePropagationBackground
	opts := metav1.DeleteOptions{PropagationPolicy: &background}
	var errs []error
	ignoreGone := func(what string, err error) {
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("deleting %s: %w", what, err))
		}
	}
	ignoreGone("pod", kube.CoreV1().Pods(namespace).Delete(ctx, probeName, opts))
	ignoreGone("PVC", kube.CoreV1().PersistentVolumeClaims(namespace).Delete(ctx, probeName, opts))
	ignoreGone("namespace", kube.CoreV1().Namespaces().Delete(ctx, namespace, opts))
	return errors.Join(errs...)
}
