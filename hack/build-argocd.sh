#!/usr/bin/env bash
# Builds the real Argo CD (one multi-call `argocd` binary) from the pinned Go module under
# hack/tools/argocd, through the Go module proxy, into a version-keyed cache folder. A machine that
# already has that folder skips the build. Prints the folder on stdout; logs go to stderr.
#
# Usage: hack/build-argocd.sh [VERSION]   (or ARGOCD_VERSION=...; default v3.6.1)
#
# The folder holds:
#   argocd                          the binary; the CLI when called by this name
#   argocd-application-controller,  symlinks to it: cmd/main.go picks the role from the name it was
#   argocd-repo-server,             called by (or from $ARGOCD_BINARY_NAME), as Argo CD's image does
#   argocd-server
#   git-verify-wrapper.sh           our stub (hack/tools/argocd/git-verify-wrapper.sh; see why there);
#                                   the repo-server runs it from PATH, so put this folder on PATH
#   crds/                           Argo CD's CRDs (manifests/crds/*-crd.yaml of the module). The
#                                   ApplicationSet CRD is ~1.5 MB: apply it server-side.
#
# Offline Lua health check (Argo CD's own gopher-lua, no cluster), with an argocd-cm.yaml whose data
# holds resource.customizations.health.<group>_<Kind>:
#   "$(hack/build-argocd.sh)/argocd" admin settings resource-overrides health OBJECT.yaml \
#     --argocd-cm-path argocd-cm.yaml 2>/dev/null     # prints STATUS: ... and MESSAGE: ...
#
# Toolchain: Argo CD v3.6's go.mod says go 1.27.0 while the machine's Go is 1.26, so this build alone
# runs with GOTOOLCHAIN=$ARGOCD_GO (the go command fetches that toolchain through the module proxy,
# ~250 MB, once). The cache key names that toolchain, not the machine's Go.
# Measured on 2 cores (v3.6.1, go1.27.3): a cold build took 426 s wall clock (empty build cache for
# that toolchain, modules already downloaded) and gives a 155 MiB binary; the cached path returns in
# ~15 ms.
#
# Version stamps (as Argo CD's Makefile sets them, -X github.com/argoproj/argo-cd/v3/common.*):
# version, gitTag, gitTreeState=clean, kubectlVersion (the k8s.io/client-go version, as the Makefile
# takes it) and buildDate (the tag's time from the proxy, so rebuilds are identical). gitCommit is
# left empty unless ARGOCD_GIT_COMMIT is given: the proxy's .info for the tag carries no commit hash,
# and we do not make one up. Argo CD then reports its version as "vX.Y.Z+unknown"; extraBuildInfo
# names the module and its go.sum hash instead.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ARGOCD_VERSION="${1:-${ARGOCD_VERSION:-v3.6.1}}"
ARGOCD_GO="${ARGOCD_GO:-go1.27.3}"
mod="$here/tools/argocd"
out="${ACD_BIN_CACHE:-$HOME/.cache/acd-operator/bin}/argocd-${ARGOCD_VERSION}_${ARGOCD_GO}"
roles=(argocd-application-controller argocd-repo-server argocd-server)
log() { echo "[build-argocd] $*" >&2; }

complete() {
  [[ -f "$1/.complete" && -x "$1/argocd" && -x "$1/git-verify-wrapper.sh" && -d "$1/crds" ]] || return 1
  local r
  for r in "${roles[@]}"; do [[ -x "$1/$r" ]] || return 1; done
}

if complete "$out"; then
  # The stub is ours, not Argo CD's: keep the cached copy in step with the committed one.
  if ! cmp -s "$mod/git-verify-wrapper.sh" "$out/git-verify-wrapper.sh"; then
    install -m 0755 "$mod/git-verify-wrapper.sh" "$out/git-verify-wrapper.sh"
    log "refreshed git-verify-wrapper.sh"
  fi
  log "cached: $out"
  echo "$out"; exit 0
fi

export GOTOOLCHAIN="$ARGOCD_GO" CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false"
cd "$mod"
m=github.com/argoproj/argo-cd/v3
pinned="$(go list -m -f '{{.Version}}' "$m")"
if [[ "$pinned" != "$ARGOCD_VERSION" ]]; then
  log "$mod pins $m $pinned, not $ARGOCD_VERSION: update its require and replace block"
  exit 1
fi
go mod download "$m"
src="$(go list -m -f '{{.Dir}}' "$m")"
date="$(go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' "$m")"
kubectl_version="$(go list -m -f '{{if .Replace}}{{.Replace.Version}}{{else}}{{.Version}}{{end}}' k8s.io/client-go)"
sum="$(awk -v m="$m" -v v="$ARGOCD_VERSION" '$1 == m && $2 == v {print $3}' go.sum)"
p=$m/common
ldflags="-s -w -X $p.version=${ARGOCD_VERSION#v} -X $p.gitTag=$ARGOCD_VERSION -X $p.gitTreeState=clean"
ldflags+=" -X $p.buildDate=$date -X $p.kubectlVersion=$kubectl_version"
ldflags+=" -X $p.gitCommit=${ARGOCD_GIT_COMMIT:-}"
ldflags+=" -X $p.extraBuildInfo=go-module:$m@$ARGOCD_VERSION:$sum"

rm -rf "$out.tmp"; mkdir -p "$out.tmp/crds"
start=$SECONDS
log "building argocd $ARGOCD_VERSION with $ARGOCD_GO (slow on a cold cache: ~10 min on 2 cores)"
go build -trimpath -ldflags "$ldflags" -o "$out.tmp/argocd" "$m/cmd"
log "built argocd in $((SECONDS - start)) s"
for r in "${roles[@]}"; do ln -s argocd "$out.tmp/$r"; done
install -m 0755 "$mod/git-verify-wrapper.sh" "$out.tmp/git-verify-wrapper.sh"
# Only the CRDs: the folder's kustomization.yaml is not an object kubectl could apply.
install -m 0644 "$src"/manifests/crds/*-crd.yaml "$out.tmp/crds/"
got="$("$out.tmp/argocd" version --client --short)"
if [[ "$got" != *"$ARGOCD_VERSION"* ]]; then
  log "the built binary says '$got', not $ARGOCD_VERSION"
  exit 1
fi
touch "$out.tmp/.complete"
rm -rf "$out"; mv "$out.tmp" "$out"
log "built in $((SECONDS - start)) s: $out ($got)"
echo "$out"
