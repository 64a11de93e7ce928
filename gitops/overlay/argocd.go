package overlay

import (
	"encoding/json"
	"errors"
	"fmt"
)

// KustomizeSource is the part of an ArgoCD Application's spec.source.kustomize that carries the
// stack's outputs into the overlay when ArgoCD renders it, so the first sync after `pulumi up`
// runs the stack's image repository and IAM role without a commit. Field names are those of
// Argo CD v3.5's ApplicationSourceKustomize (pkg/apis/application/v1alpha1/types.go of
// github.com/argoproj/argo-cd/v3, the version chart argo-cd 10.9.2 ships).
type KustomizeSource struct {
	// Images are run through `kustomize edit set image` in ArgoCD's copy of the overlay
	// (util/kustomize/kustomize.go).
	Images []string `json:"images"`
	// Patches are appended to the overlay's own `patches:` (after them, so they win).
	Patches []KustomizePatch `json:"patches"`
}

// KustomizePatch is an inline kustomize patch with its target.
type KustomizePatch struct {
	Patch  string      `json:"patch"`
	Target PatchTarget `json:"target"`
}

// PatchTarget selects what a patch applies to.
type PatchTarget struct {
	Version string `json:"version"`
	Kind    string `json:"kind"`
	Name    string `json:"name"`
}

// keepTag is what `kustomize edit set image` takes for "keep the kustomization's value": with
// name=newName:* it sets newName and keeps the overlay's newTag, which CI owns. Without the
// asterisk the edit replaces the whole entry and drops the tag (kustomize v5
// commands/edit/set/setimage.go, preserveSeparator).
const keepTag = "*"

// ApplicationKustomize returns the Application's kustomize options for the stack's outputs: the
// image repository for the overlay's `images:` entry (keeping the tag CI set in the overlay), and
// the IRSA annotation on the app's ServiceAccount.
func ApplicationKustomize(out Outputs, serviceAccount string) (KustomizeSource, error) {
	var errs []error
	if !repositoryURLPattern.MatchString(out.RepositoryURL) {
		errs = append(errs, fmt.Errorf("repository URL %q is not an ECR repository URL", out.RepositoryURL))
	}
	if !roleARNPattern.MatchString(out.AppRoleARN) {
		errs = append(errs, fmt.Errorf("role ARN %q is not an IAM role ARN", out.AppRoleARN))
	}
	if serviceAccount == "" {
		errs = append(errs, errors.New("the service account name is empty"))
	}
	if err := errors.Join(errs...); err != nil {
		return KustomizeSource{}, fmt.Errorf("the Application's kustomize options: %w", err)
	}
	// A strategic merge patch (JSON is YAML): it adds the annotation whether or not the
	// ServiceAccount has annotations, and replaces the overlay's placeholder value.
	patch, err := json.Marshal(map[string]any{
		"apiVersion": "v1",
		"kind":       "ServiceAccount",
		"metadata": map[string]any{
			"name":        serviceAccount,
			"annotations": map[string]string{RoleAnnotation: out.AppRoleARN},
		},
	})
	if err != nil {
		return KustomizeSource{}, fmt.Errorf("encoding the ServiceAccount patch: %w", err)
	}
	return KustomizeSource{
		Images: []string{fmt.Sprintf("%s=%s:%s", ImageName, out.RepositoryURL, keepTag)},
		Patches: []KustomizePatch{{
			Patch:  string(patch),
			Target: PatchTarget{Version: "v1", Kind: "ServiceAccount", Name: serviceAccount},
		}},
	}, nil
}
