#!/usr/bin/env bash
# Builds `kstatus` (hack/tools/kstatus: one Kubernetes object as JSON or YAML on stdin in, the verdict
# of sigs.k8s.io/cli-utils/pkg/kstatus/status.Compute out as {"status":...,"message":...}) with the
# machine's Go, into a cache folder keyed by the cli-utils version and the Go version. A machine that
# already has that folder skips the build. Prints the folder on stdout; logs go to stderr.
#
# Usage: hack/build-kstatus.sh
#   echo "$(kubectl get deploy x -o json)" | "$(hack/build-kstatus.sh)/kstatus"
#
# The proxy serves only sigs.k8s.io/cli-utils v0.37.2 ('go list -m -versions sigs.k8s.io/cli-utils').
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mod="$here/tools/kstatus"
GO_VERSION="$(GOTOOLCHAIN=local go env GOVERSION)"
# Read from go.mod rather than with 'go list', which would cost the cached path a module load.
cli_utils="$(awk '$1 == "require" { $0 = substr($0, index($0, $2)) } $1 == "sigs.k8s.io/cli-utils" { print $2 }' "$mod/go.mod")"
[[ -n "$cli_utils" ]] || { echo "[build-kstatus] no sigs.k8s.io/cli-utils in $mod/go.mod" >&2; exit 1; }
out="${ACD_BIN_CACHE:-$HOME/.cache/acd-operator/bin}/kstatus-${cli_utils}_${GO_VERSION}"
log() { echo "[build-kstatus] $*" >&2; }

# kstatus is our own code: a folder built from an older main.go would still look complete, so the
# marker holds a hash of the module's sources and a change rebuilds (a few seconds).
srchash="$(cat "$mod/go.mod" "$mod/go.sum" "$mod"/*.go | sha256sum | cut -c1-16)"
if [[ -x "$out/kstatus" && -f "$out/.complete" && "$(cat "$out/.complete")" == "$srchash" ]]; then
  log "cached: $out"
  echo "$out"; exit 0
fi

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false"
rm -rf "$out.tmp"; mkdir -p "$out.tmp"
start=$SECONDS
log "building kstatus (cli-utils $cli_utils, $GO_VERSION)"
(cd "$mod" && go build -trimpath -ldflags "-s -w" -o "$out.tmp/kstatus" .)
echo "$srchash" > "$out.tmp/.complete"
rm -rf "$out"; mv "$out.tmp" "$out"
log "built in $((SECONDS - start)) s: $out"
echo "$out"
