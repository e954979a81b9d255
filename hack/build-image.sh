#!/usr/bin/env bash
# Builds the project's real Dockerfile with buildah (no Docker daemon) into localhost/acd-operator:test.
#
# This machine has no route to docker.io, so the Dockerfile's bases (build args NODE_IMAGE /
# NODE_SLIM_IMAGE, official defaults node:24 / node:24-slim) are replaced by LOCAL SUBSTITUTES that
# this script builds first:
#   localhost/node:24-slim  stands in for docker.io/library/node:24-slim: Debian bookworm minbase
#                           from the apt mirror this machine uses (debootstrap), slimmed like
#                           debian:bookworm-slim, plus the official Node.js binary (the one npm's
#                           `node` package put in node_modules; same version as package.json pins)
#                           in /usr/local/bin, npm $NPM_VERSION from the npm registry in
#                           /usr/local/lib/node_modules/npm, and a `node` user 1000, as upstream lays
#                           them out. No corepack and no yarn (upstream has them; nothing here uses them).
#   localhost/node:24       stands in for docker.io/library/node:24: the above plus ca-certificates.
#                           Upstream's is buildpack-deps (git, python3, gcc...); this project's `npm ci`
#                           needs no toolchain (cpu-features' native build is disallowed in package.json's
#                           allowScripts), so the substitute leaves it out.
# They are substitutes for testing the Dockerfile here, not for publishing: a release build uses the
# defaults (`docker build .`) and gets the official images.
#
# The substitutes are cached: in the container storage (checked by their label) and as image
# archives in a version-keyed folder ~/.cache/acd-operator/image-base/<key>/, so a machine that
# built them once only loads them.
#
# Usage: hack/build-image.sh [--bases-only]   (env: ACD_IMAGE, ACD_IMAGE_CACHE, ACD_DEBIAN_MIRROR)
# Prints the built image's name on stdout; progress goes to stderr.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
log() { echo "[build-image] $*" >&2; }

SUITE=bookworm
# npm for the substitutes, pinned: 11.x is what package-lock.json was written with, and what
# honours package.json's allowScripts (npm RFC 868).
NPM_VERSION=11.19.1
REVISION=1 # bump when the way the substitutes are built changes
node_bin="$repo/node_modules/node/bin/node"
NODE_VERSION="$(sed -n 's/^ *"node": "\([0-9.]*\)".*/\1/p' "$repo/package.json" | head -1)"
key="${SUITE}_node-${NODE_VERSION}_npm-${NPM_VERSION}_r${REVISION}"
cache="${ACD_IMAGE_CACHE:-$HOME/.cache/acd-operator/image-base}/$key"
IMAGE="${ACD_IMAGE:-localhost/acd-operator:test}"
SLIM=localhost/node:24-slim
FULL=localhost/node:24
LABEL=dev.acd-operator.image-base

for tool in buildah podman runc debootstrap; do
  command -v "$tool" >/dev/null || { log "missing $tool: apt-get install -y --no-install-recommends runc buildah podman debootstrap"; exit 1; }
done
[[ $(id -u) == 0 ]] || { log "run as root: the substitutes are built with debootstrap and rootful buildah"; exit 1; }

# What this VM (cgroups v1 plus a cgroup2 hierarchy holding hugetlb, no systemd, no
# CAP_SYS_RESOURCE) needs to run containers at all:
# - runc, not crun: crun refuses hybrid cgroups ("cgroups in hybrid mode not supported, drop all
#   controllers from cgroupv2");
# - explicit ulimits no higher than this process's hard limits: podman's defaults as root
#   (nofile 1048576, nproc above 32768) need CAP_SYS_RESOURCE to set ("setrlimit RLIMIT_NOFILE:
#   operation not permitted"). test/e2e/image.test.ts uses the same flags.
# podman's cgroup manager is already cgroupfs without systemd; the root storage driver is overlay.
export BUILDAH_RUNTIME=runc
hard_nofile=$(ulimit -Hn); hard_nproc=$(ulimit -Hu)
[[ $hard_nofile == unlimited ]] && hard_nofile=1048576
[[ $hard_nproc == unlimited || $hard_nproc -gt 32768 ]] && hard_nproc=32768
ulimits=(--ulimit "nofile=$hard_nofile:$hard_nofile" --ulimit "nproc=$hard_nproc:$hard_nproc")
podman() { command podman --runtime runc "$@"; }

base_ok() { [[ "$(podman image inspect --format "{{index .Labels \"$LABEL\"}}" "$1" 2>/dev/null)" == "$key" ]]; }

# Working containers of a failed base build would pin their images: remove them on exit.
ctrs=()
trap '((${#ctrs[@]})) && buildah rm "${ctrs[@]}" >/dev/null 2>&1; true' EXIT

build_bases() {
  local tmp="$cache.tmp" start=$SECONDS
  rm -rf "$tmp"; mkdir -p "$tmp"

  # The Node.js binary: the official build that npm's `node@$NODE_VERSION` package installed.
  [[ -f "$node_bin" && "$(head -c4 "$node_bin" | od -An -c | tr -d ' ')" == '177ELF' ]] \
    || { log "$node_bin is not an ELF binary: run npm ci first"; exit 1; }
  [[ "$("$node_bin" --version)" == "v$NODE_VERSION" ]] || { log "$node_bin is not v$NODE_VERSION"; exit 1; }

  # Debian minbase from the mirror the machine's apt uses (the first .../debian URI).
  local mirror="${ACD_DEBIAN_MIRROR:-$(grep -rhoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | head -1 | tr -d ' ')}"
  mirror="${mirror:-http://deb.debian.org/debian}"
  log "debootstrap --variant=minbase $SUITE from $mirror"
  local root="$tmp/rootfs"
  debootstrap --variant=minbase --arch=amd64 "$SUITE" "$root" "$mirror" >"$tmp/debootstrap.log" 2>&1 \
    || { tail -20 "$tmp/debootstrap.log" >&2; exit 1; }
  # Slim it as debian:*-slim is (debuerreotype's slimify): no docs, man pages or locales, now or
  # from later apt installs; no apt lists or caches.
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
  find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$root"/usr/share/{man,info,lintian}/* "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* \
    "$root"/var/cache/debconf/*-old "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/dev/*
  find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  # Upstream's images have a `node` user 1000 (ours run as 65532, but keep the layout).
  chroot "$root" groupadd --gid 1000 node
  chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node

  # Node.js and npm where upstream puts them.
  log "npm pack npm@$NPM_VERSION"
  (cd "$tmp" && npm pack --silent "npm@$NPM_VERSION" >/dev/null)
  mkdir -p "$root/usr/local/lib/node_modules/npm" "$root/usr/local/bin"
  tar -xzf "$tmp/npm-$NPM_VERSION.tgz" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
  install -m 0755 "$node_bin" "$root/usr/local/bin/node"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  tar -C "$root" --numeric-owner -cf "$tmp/rootfs.tar" .
  rm -rf "$root"

  local ctr desc="LOCAL SUBSTITUTE for docker.io/library/node:24-slim (Debian $SUITE minbase + node v$NODE_VERSION + npm $NPM_VERSION), built by hack/build-image.sh for testing only"
  ctr=$(buildah from scratch); ctrs+=("$ctr")
  buildah add --quiet "$ctr" "$tmp/rootfs.tar" / >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_VERSION="$NODE_VERSION" --cmd node --label "$LABEL=$key" \
    --label org.opencontainers.image.description="$desc" "$ctr"
  buildah commit --quiet "$ctr" "$SLIM" >/dev/null
  node_smoke "$SLIM"

  log "$FULL: $SLIM + ca-certificates"
  ctr=$(buildah from --pull-never "${ulimits[@]}" "$SLIM"); ctrs+=("$ctr")
  buildah run --network host "$ctr" -- sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ca-certificates >/dev/null && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt/* /var/log/*.log' >&2
  buildah config --label org.opencontainers.image.description="${desc/node:24-slim/node:24} + ca-certificates" "$ctr"
  buildah commit --quiet "$ctr" "$FULL" >/dev/null
  node_smoke "$FULL"

  podman save --quiet -o "$tmp/node-24-slim.tar" "$SLIM"
  podman save --quiet -o "$tmp/node-24.tar" "$FULL"
  rm -f "$tmp/rootfs.tar" "$tmp/npm-$NPM_VERSION.tgz"
  touch "$tmp/.complete"
  rm -rf "$cache"; mv "$tmp" "$cache"
  log "substitute bases built in $((SECONDS - start)) s, archived in $cache"
}

# The substitutes must run node and npm, or the Dockerfile's build would fail later and less clearly.
node_smoke() {
  local out
  out=$(podman run --rm --network none --pull never "${ulimits[@]}" "$1" sh -c 'node --version && npm --version') \
    || { log "$1: node/npm do not run"; exit 1; }
  [[ "$out" == "v$NODE_VERSION"$'\n'"$NPM_VERSION" ]] || { log "$1: unexpected versions: $out"; exit 1; }
}

if base_ok "$SLIM" && base_ok "$FULL"; then
  log "substitute bases present: $SLIM, $FULL ($key)"
elif [[ -f "$cache/.complete" ]]; then
  log "loading substitute bases from $cache"
  podman load --quiet -i "$cache/node-24-slim.tar" >/dev/null
  podman load --quiet -i "$cache/node-24.tar" >/dev/null
  base_ok "$SLIM" && base_ok "$FULL" || { log "$cache holds other images than expected; remove it"; exit 1; }
else
  build_bases
fi
[[ "${1:-}" == --bases-only ]] && exit 0

# npm inside the builder stages must reach the registry the way npm does on this machine. Here an
# egress proxy re-signs TLS with its own CA (npm's cafile), which Node inside the build does not
# trust: hand the CA bundle over as a build secret (mounted for that RUN only, never in a layer);
# the Dockerfile points NODE_EXTRA_CA_CERTS at it when it is there. Proxy variables, if set, are
# passed on by buildah itself (--http-proxy, on by default), also without reaching the image.
secret=()
ca="${NODE_EXTRA_CA_CERTS:-$(npm config get cafile 2>/dev/null || true)}"
if [[ -n "$ca" && "$ca" != null && -s "$ca" ]]; then
  secret=(--secret "id=npm_ca,src=$ca")
fi
registry="$(npm config get registry 2>/dev/null || true)"
[[ -z "$registry" || "$registry" == https://registry.npmjs.org/ ]] \
  || log "warning: npm's registry here is $registry; the build uses npm's default registry"

log "buildah bud -> $IMAGE"
start=$SECONDS
# --layers: reuse cached layers (npm ci is redone only when the manifests change).
# --pull-never: the bases must be the local substitutes; never try docker.io.
buildah bud --quiet --layers --pull-never --network host "${ulimits[@]}" \
  --build-arg NODE_IMAGE="$FULL" --build-arg NODE_SLIM_IMAGE="$SLIM" "${secret[@]}" \
  -t "$IMAGE" -f "$repo/Dockerfile" "$repo" >&2
log "built $IMAGE in $((SECONDS - start)) s"
echo "$IMAGE"
