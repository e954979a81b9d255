#!/usr/bin/env bash
# Builds the test bed's control-plane binaries (kube-apiserver, kubectl, etcd, helm) from the
# pinned Go modules under hack/tools, through the Go module proxy, into a version-keyed cache folder.
# A machine that already has that folder skips the build. Prints the folder on stdout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
K8S_VERSION=v1.36.3
ETCD_VERSION=v3.6.16
HELM_VERSION=v3.22.0
GO_VERSION="$(go env GOVERSION)"
key="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_helm-${HELM_VERSION}_${GO_VERSION}"
out="${ACD_BIN_CACHE:-$HOME/.cache/acd-operator/bin}/$key"
log() { echo "[build-binaries] $*" >&2; }

if [[ -x "$out/kube-apiserver" && -x "$out/kubectl" && -x "$out/etcd" && -x "$out/helm" && -f "$out/.complete" ]]; then
  log "cached: $out"
  echo "$out"; exit 0
fi

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
mkdir -p "$out.tmp"
start=$SECONDS
major=${K8S_VERSION#v}; major=${major%%.*}
minor=${K8S_VERSION#v*.}; minor=${minor%%.*}
date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
# Without these stamps /version says v0.0.0-master, which trips helm's kubeVersion checks and
# kubectl's skew warning.
kver=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kver+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
  kver+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date"
done
(
  cd "$here/tools/k8s"
  log "building kube-apiserver $K8S_VERSION (slow on a cold cache: ~10 min on 2 cores)"
  go build -trimpath -ldflags "-s -w $kver" -o "$out.tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
  log "building kubectl $K8S_VERSION"
  go build -trimpath -ldflags "-s -w $kver" -o "$out.tmp/kubectl" k8s.io/kubernetes/cmd/kubectl
)
(
  cd "$here/tools/etcd"
  log "building etcd $ETCD_VERSION"
  go build -trimpath -ldflags "-s -w" -o "$out.tmp/etcd" go.etcd.io/etcd/server/v3
)
(
  cd "$here/tools/helm"
  log "building helm $HELM_VERSION"
  h=helm.sh/helm/v3
  go build -trimpath -ldflags "-s -w -X $h/internal/version.version=$HELM_VERSION \
    -X $h/internal/version.gitTreeState=clean \
    -X $h/pkg/lint/rules.k8sVersionMajor=$major -X $h/pkg/lint/rules.k8sVersionMinor=$minor \
    -X $h/pkg/chartutil.k8sVersionMajor=$major -X $h/pkg/chartutil.k8sVersionMinor=$minor" \
    -o "$out.tmp/helm" $h/cmd/helm
)
touch "$out.tmp/.complete"
rm -rf "$out"; mv "$out.tmp" "$out"
log "built in $((SECONDS - start)) s: $out"
echo "$out"
