package awsspec

import "testing"

// Every image the stack runs comes from a registry whose layer path is known: an image from a
// registry the table lacks fails here, before anyone learns at `pulumi up` whether it pulls.
func TestEveryStackImageHasAKnownRegistry(t *testing.T) {
	for _, img := range StackImages {
		if _, ok := RegistryOf(img.Repository); !ok {
			t.Errorf("%s (%s): no registry in Registries matches its host; add it with where it serves layers from", img.Repository, img.RunBy)
		}
	}
	for repository, want := range map[string]string{
		"602401143452.dkr.ecr.ap-northeast-2.amazonaws.com/eks/coredns": "*.dkr.ecr.*.amazonaws.com",
		"registry.k8s.io/pause":      "registry.k8s.io",
		"quay.io/argoproj/argocd":    "quay.io",
		"docker.io/library/busybox":  "",
		"evil.dkr.ecr.example.com/x": "",
	} {
		r, ok := RegistryOf(repository)
		if ok != (want != "") || r.Host != want {
			t.Errorf("RegistryOf(%s) = %q, %v; want %q", repository, r.Host, ok, want)
		}
	}
}
