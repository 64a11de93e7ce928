#!/usr/bin/env bash
# Installs the pinned kustomize CLI into ./.bin and checks that it agrees with the in-process
# build the deploy tests validate: `kustomize build deploy/overlays/dev` must print byte for byte
# what sigs.k8s.io/kustomize/api (the version in go.mod) builds, CI's
# `kustomize edit set image` must keep the overlay valid, and the ArgoCD Application's image
# override must keep CI's tag. Run from anywhere; needs only Go.
set -euo pipefail
cd "$(dirname "$0")/.."

# v5.8.2 is the newest kustomize CLI that builds with Go 1.26 (v5.8.3 needs Go 1.27), and it is
# built on sigs.k8s.io/kustomize/api v0.21.2, the version go.mod pins. Change both together.
KUSTOMIZE_VERSION=v5.8.2
export GOBIN="$PWD/.bin"

echo "== install kustomize ${KUSTOMIZE_VERSION} into .bin"
go install "sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}"
got=$("$GOBIN/kustomize" version)
if [ "$got" != "$KUSTOMIZE_VERSION" ]; then
  echo "kustomize version says $got, want $KUSTOMIZE_VERSION"; exit 1
fi

echo "== kustomize CLI vs in-process build"
KUSTOMIZE_BIN="$GOBIN/kustomize" go test -count=1 -v \
  -run '^(TestKustomizeCLIAgrees|TestKustomizeEditSetImage|TestArgoCDOverridesOnTheOverlay)$' ./deploy/
