#!/usr/bin/env bash
# Builds KubeVirt's real virt-controller and virt-api, and kubevirt-manifests (our printer of the CRDs,
# webhook configurations and APIServices that virt-operator would install), from the pinned Go module
# under hack/tools, through the Go module proxy, into a version-keyed cache folder. A machine that
# already has that folder skips the build. Prints the folder on stdout; logs go to stderr.
#
# Usage: hack/build-kubevirt.sh [VERSION]   (or KUBEVIRT_VERSION=...; default v1.8.4)
# Each KubeVirt version has its own module: hack/tools/kubevirt-vMAJOR.MINOR if that folder exists,
# else hack/tools/kubevirt. The module must require exactly that version (checked below). To add an
# older one, copy hack/tools/kubevirt to e.g. hack/tools/kubevirt-v1.6, set its version in go.mod
# (require + the kubevirt.io/{api,client-go} replace lines; take the rest of the replace block from
# that version's own go.mod) and seed its go.sum as described next.
#
# Checksums: sum.golang.org answers 404 for some of KubeVirt's dependencies
# (github.com/rhobs/operator-observability-toolkit v0.0.30 for v1.8.4), so a go.sum that lacks them
# fails with "verifying module: ...: 404 Not Found". The committed go.sum was started from KubeVirt's
# own go.sum (in $(go env GOMODCACHE)/kubevirt.io/kubevirt@VERSION/go.sum after
# 'go mod download kubevirt.io/kubevirt@VERSION') and then 'go mod tidy'd, so no lookup is needed.
# Equivalent when regenerating from an empty go.sum:
#   GONOSUMDB=github.com/rhobs/operator-observability-toolkit go mod tidy
# The committed go.mod and go.sum also build with -mod=readonly; GOFLAGS=-mod=mod is kept as in
# build-binaries.sh, so that a missing go.sum line is fetched rather than fatal.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KUBEVIRT_VERSION="${1:-${KUBEVIRT_VERSION:-v1.8.4}}"
GO_VERSION="$(go env GOVERSION)"
out="${ACD_BIN_CACHE:-$HOME/.cache/acd-operator/bin}/kubevirt-${KUBEVIRT_VERSION}_${GO_VERSION}"
log() { echo "[build-kubevirt] $*" >&2; }

if [[ -x "$out/virt-controller" && -x "$out/virt-api" && -x "$out/kubevirt-manifests" && -f "$out/.complete" ]]; then
  log "cached: $out"
  echo "$out"; exit 0
fi

# -buildvcs=false: kubevirt-manifests is in our module, so it would otherwise be stamped with this
# repository's HEAD and differ from build to build.
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false"
minor="${KUBEVIRT_VERSION%.*}"
mod="$here/tools/kubevirt-$minor"
[[ -d "$mod" ]] || mod="$here/tools/kubevirt"
cd "$mod"
pinned="$(go list -m -f '{{.Version}}' kubevirt.io/kubevirt)"
if [[ "$pinned" != "$KUBEVIRT_VERSION" ]]; then
  log "$mod pins kubevirt.io/kubevirt $pinned, not $KUBEVIRT_VERSION: add hack/tools/kubevirt-$minor"
  exit 1
fi

# Version stamps, as KubeVirt's hack/version.sh sets them; without them /version and the logs say
# v0.0.0-master. The commit comes from the proxy's .info for the tag, the date from the tag's time.
info="$(go mod download -json "kubevirt.io/kubevirt@$KUBEVIRT_VERSION" | sed -n 's/^[[:space:]]*"Info": "\(.*\)",$/\1/p')"
commit="$(sed -n 's/.*"Hash":"\([0-9a-f]*\)".*/\1/p' "$info")"
date="$(go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' kubevirt.io/kubevirt)"
v=kubevirt.io/client-go/version
ldflags="-s -w -X $v.gitVersion=$KUBEVIRT_VERSION -X $v.gitCommit=$commit -X $v.gitTreeState=clean -X $v.buildDate=$date"

mkdir -p "$out.tmp"
start=$SECONDS
build() { # build NAME PACKAGE
  local t=$SECONDS
  log "building $1 $KUBEVIRT_VERSION"
  go build -trimpath -ldflags "$ldflags" -o "$out.tmp/$1" "$2"
  log "built $1 in $((SECONDS - t)) s"
}
# virt-controller first: on a cold cache it compiles almost everything virt-api needs (~6 min on 2 cores).
build virt-controller kubevirt.io/kubevirt/cmd/virt-controller
build virt-api kubevirt.io/kubevirt/cmd/virt-api
build kubevirt-manifests ./manifests
touch "$out.tmp/.complete"
rm -rf "$out"; mv "$out.tmp" "$out"
log "built in $((SECONDS - start)) s: $out"
echo "$out"
