# syntax=docker/dockerfile:1
# acd-operator image: TypeScript compiled in a full node:24 builder, run on node:24-slim with
# production dependencies only, as a non-root user, on a read-only root file system.

# The bases are build args only so that a machine without access to docker.io can substitute
# local images with the same layout (hack/build-image.sh builds such substitutes and this file
# with buildah; test/e2e/image.test.ts runs the result). A plain `docker build .` uses the
# official images.
ARG NODE_IMAGE=node:24
ARG NODE_SLIM_IMAGE=node:24-slim

# --- build: all dependencies (typescript is a devDependency), then tsc -> dist/ ---------------
FROM ${NODE_IMAGE} AS builder
WORKDIR /app
# Manifests first, so the npm layer is cached until they change.
COPY package.json package-lock.json .npmrc ./
# Optional build secret npm_ca: a CA bundle for a TLS-intercepting proxy between the build and
# the npm registry. Mounted for this RUN only, so it never lands in a layer; without it (the
# normal case) Node's own CA list is used.
RUN --mount=type=secret,id=npm_ca \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi; \
    npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- production dependencies only ------------------------------------------------------------
# A separate stage, so npm's cache and the dev tree never reach the final image.
# --ignore-scripts: no runtime dependency needs an install script (ssh2's optional native
# crypto binding is skipped; ssh2 falls back to Node's crypto).
FROM ${NODE_SLIM_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=secret,id=npm_ca \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi; \
    npm ci --omit=dev --ignore-scripts && npm cache clean --force

# --- runtime ---------------------------------------------------------------------------------
FROM ${NODE_SLIM_IMAGE} AS runtime
# npm and corepack are not needed at run time; fewer binaries, fewer CVEs to triage.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
# The pod runs with readOnlyRootFilesystem; /tmp is the only writable place (an emptyDir in the
# Helm chart). HOME points there for libraries that look for ~/.ssh or a cache.
# Heap bounds: without them V8 sizes its heap from the host's memory and keeps what it grew
# (bench, 100 ACDs x 12 VMs: heapUsed 57 MB in a 116 MB heap, RSS 208 MB; with these flags a 56 MB
# heap, RSS 155 MB; the chart's limit is 256Mi). The live heap is ~50 MB, most of it
# @kubernetes/client-node's code; it grows ~0.15 MB per AcdCluster of 12 VMs.
ENV NODE_ENV=production \
    HOME=/tmp \
    NODE_OPTIONS="--enable-source-maps --max-old-space-size=128 --max-semi-space-size=2"
WORKDIR /app
# package.json is needed at run time: its "type": "module" makes dist/*.js ES modules.
COPY --from=prod-deps /app/package.json ./package.json
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=builder /app/dist ./dist
# Files stay owned by root and are only read; the process runs as 65532 (same as the chart's
# runAsUser), which owns nothing in the image.
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["node", "dist/main.js"]
