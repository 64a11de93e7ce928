package kubecheck

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/mission-link/infra/internal/verify/report"
)

// ApplicationResource is ArgoCD's Application (argoproj.io/v1alpha1, gitops.ApplicationAPIVersion).
var ApplicationResource = schema.GroupVersionResource{Group: "argoproj.io", Version: "v1alpha1", Resource: "applications"}

// Application checks that ArgoCD reports the app's Application Synced and Healthy, and prints its
// conditions and last operation when it is not.
func Application(ctx context.Context, dyn dynamic.Interface, namespace, name string) report.Result {
	const check = "gitops"
	if name == "" {
		return report.Skipf(check, "gitops is off: no ArgoCD Application to check")
	}
	app, err := dyn.Resource(ApplicationResource).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return report.Failure(check, fmt.Sprintf("Application %s/%s does not exist", namespace, name),
			"ArgoCD's install or the Application was removed outside Pulumi", "run `pulumi up`")
	}
	if err != nil {
		return apiFailure(check, "reading the ArgoCD Application", err)
	}
	sync, _, _ := unstructured.NestedString(app.Object, "status", "sync", "status")
	health, _, _ := unstructured.NestedString(app.Object, "status", "health", "status")
	revision, _, _ := unstructured.NestedString(app.Object, "status", "sync", "revision")
	if sync == "Synced" && health == "Healthy" {
		return report.Passf(check, "Application %s/%s is Synced and Healthy at %s", namespace, name, shortRevision(revision))
	}
	var details []string
	conditions, _, _ := unstructured.NestedSlice(app.Object, "status", "conditions")
	for _, c := range conditions {
		m, _ := c.(map[string]any)
		details = append(details, fmt.Sprintf("%v: %v", m["type"], m["message"]))
	}
	if msg, _, _ := unstructured.NestedString(app.Object, "status", "operationState", "message"); msg != "" {
		phase, _, _ := unstructured.NestedString(app.Object, "status", "operationState", "phase")
		details = append(details, fmt.Sprintf("last sync %s: %s", phase, msg))
	}
	if msg, _, _ := unstructured.NestedString(app.Object, "status", "health", "message"); msg != "" {
		details = append(details, "health: "+msg)
	}
	return report.Failure(check, fmt.Sprintf("Application %s/%s is %s and %s", namespace, name, orUnknown(sync), orUnknown(health)),
		"ArgoCD cannot apply the overlay (repository access, a manifest error) or the app's pods do not become ready (an image not yet in ECR: ErrImagePull)",
		fmt.Sprintf("read the conditions below; `kubectl -n %s get application %s -o yaml` has the rest", namespace, name)).WithDetails(details...)
}

func orUnknown(s string) string {
	if s == "" {
		return "Unknown"
	}
	return s
}

func shortRevision(r string) string {
	if len(r) > 12 {
		return r[:12]
	}
	return orUnknown(r)
}

// roleAnnotation is the ServiceAccount annotation IRSA reads the role from.
const roleAnnotation = "eks.amazonaws.com/role-arn"

// AppServiceAccount checks the app's ServiceAccount, as the overlay deployed it, names the app
// role in eks.amazonaws.com/role-arn: the role's trust names this account (app-role.trust), and
// the pods get that role's credentials only through this annotation.
func AppServiceAccount(ctx context.Context, kube kubernetes.Interface, namespace, name, roleARN string) report.Result {
	const check = "app-role.service-account"
	sa, err := kube.CoreV1().ServiceAccounts(namespace).Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return report.Warning(check, fmt.Sprintf("ServiceAccount %s/%s is not deployed", namespace, name),
			"the app's overlay has not been synced or applied yet", "sync the app (ArgoCD) or `kubectl apply -k deploy/overlays/dev`, then run verify again")
	case err != nil:
		return apiFailure(check, "reading the app's ServiceAccount", err)
	}
	if got := sa.Annotations[roleAnnotation]; got != roleARN {
		return report.Failure(check, fmt.Sprintf("ServiceAccount %s/%s names role %q in %s, want the app role %s", namespace, name, got, roleAnnotation, roleARN),
			"the app's pods assume another role or none, and their AWS calls fail",
			"the ArgoCD Application patches the overlay's ServiceAccount with appRoleArn: sync it, or set the annotation in deploy/overlays/dev")
	}
	return report.Passf(check, "ServiceAccount %s/%s carries the app role", namespace, name)
}
