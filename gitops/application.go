package gitops

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/gitops/overlay"
)

// The app's ArgoCD Application.
const (
	ApplicationName       = "mission-link"
	ApplicationAPIVersion = "argoproj.io/v1alpha1"
	ApplicationKind       = "Application"
	// InClusterServer is how ArgoCD names the cluster it runs in.
	InClusterServer = "https://kubernetes.default.svc"
	// Project is ArgoCD's built-in project, which allows any repository and destination.
	Project = "default"
	// ResourcesFinalizer makes deleting the Application delete what it deployed (cascade), so
	// turning gitops off or destroying the stack leaves no unmanaged workload behind.
	ResourcesFinalizer = "resources-finalizer.argocd.argoproj.io"
	// CreateNamespace lets the sync create the app's namespace, which the overlay does not hold.
	CreateNamespace = "CreateNamespace=true"
)

// applicationSpec is the spec of an argoproj.io/v1alpha1 Application; the JSON names are its keys.
type applicationSpec struct {
	Project     string                 `json:"project"`
	Source      applicationSource      `json:"source"`
	Destination applicationDestination `json:"destination"`
	SyncPolicy  syncPolicy             `json:"syncPolicy"`
}

type applicationSource struct {
	RepoURL        string `json:"repoURL"`
	Path           string `json:"path"`
	TargetRevision string `json:"targetRevision"`
	// Kustomize carries the stack's image repository and role into the overlay as ArgoCD renders
	// it, so the first sync needs no commit (see overlay.ApplicationKustomize).
	Kustomize overlay.KustomizeSource `json:"kustomize"`
}

type applicationDestination struct {
	Server    string `json:"server"`
	Namespace string `json:"namespace"`
}

type syncPolicy struct {
	Automated   automatedSync `json:"automated"`
	SyncOptions []string      `json:"syncOptions"`
}

// automatedSync: Git is the truth. Prune deletes what left the overlay; selfHeal reverts changes
// made in the cluster by hand.
type automatedSync struct {
	Prune    bool `json:"prune"`
	SelfHeal bool `json:"selfHeal"`
}

func newApplicationSpec(a Args, kustomize overlay.KustomizeSource) applicationSpec {
	return applicationSpec{
		Project:     Project,
		Source:      applicationSource{RepoURL: a.RepoURL, Path: a.Path, TargetRevision: a.TargetRevision, Kustomize: kustomize},
		Destination: applicationDestination{Server: InClusterServer, Namespace: a.AppNamespace},
		SyncPolicy: syncPolicy{
			Automated:   automatedSync{Prune: true, SelfHeal: true},
			SyncOptions: []string{CreateNamespace},
		},
	}
}

// newApplication registers the app's Application in ArgoCD's namespace. Its options must make it
// wait for the release, whose chart installs the Application CRD and the controller that
// reconciles it. The spec names the image repository and the role, which AWS assigns, so it is
// an output; no resource is created inside the apply.
func newApplication(ctx *pulumi.Context, name string, a Args, namespace pulumi.StringInput, opts ...pulumi.ResourceOption) error {
	spec := pulumi.All(a.ImageRepository, a.AppRoleARN).ApplyT(func(v []any) (map[string]any, error) {
		repository, _ := v[0].(string)
		role, _ := v[1].(string)
		kustomize, err := overlay.ApplicationKustomize(overlay.Outputs{RepositoryURL: repository, AppRoleARN: role}, a.AppServiceAccount)
		if err != nil {
			return nil, fmt.Errorf("building the spec of Application %s: %w", ApplicationName, err)
		}
		return toMap(newApplicationSpec(a, kustomize))
	}).(pulumi.MapOutput)
	if _, err := apiextensions.NewCustomResource(ctx, name, &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String(ApplicationAPIVersion),
		Kind:       pulumi.String(ApplicationKind),
		Metadata: &metav1.ObjectMetaArgs{
			Name:       pulumi.String(ApplicationName),
			Namespace:  namespace,
			Finalizers: pulumi.StringArray{pulumi.String(ResourcesFinalizer)},
		},
		OtherFields: kubernetes.UntypedArgs{"spec": spec},
	}, opts...); err != nil {
		return fmt.Errorf("creating ArgoCD Application %s: %w", ApplicationName, err)
	}
	return nil
}
