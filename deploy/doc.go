// Package deploy holds the Kubernetes manifests of the mission-link web application server
// (kustomize: base/ and overlays/<env>/) and, in its tests, their validation.
//
// The tests build each overlay in-process with the kustomize Go library (sigs.k8s.io/kustomize/api,
// the version pinned in go.mod), decode every object strictly into the k8s.io/api types and check
// the deployment rules listed in deploy/README.md. check-kustomize.sh also compares that build with the
// pinned kustomize CLI. The package has no non-test code and imports no Pulumi package.
package deploy
