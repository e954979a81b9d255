// Real Argo CD on the test bed: Argo CD's own application-controller and repo-server (one `argocd`
// binary built from the Go module proxy by hack/build-argocd.sh, whose name picks the role), a Redis
// from Debian, and a Git repository served on loopback by `git daemon`. The tests commit to that
// repository; Argo CD syncs it into the test bed's API server, and judges AcdClusters with the
// project's own health check (deploy/argocd/health), installed in argocd-cm as a user would.
// Nothing here is a stand-in: what Argo CD needs from a cluster (its CRDs, its namespace and config
// maps, the AppProject argocd-server would create) is created the way its install manifests do.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../binaries.js';
import { freePort } from '../ports.js';
import { isAlive, startDetached, stopPid } from '../process.js';
import { probeTcp, waitFor } from '../../services/proc.js';
import { kubectlFor, waitEstablished, type Kubectl } from '../../support/kubectl.js';

export const ARGOCD_NAMESPACE = 'argocd';
export const ARGOCD_VERSION = 'v3.6.1';
const HEALTH_LUA = join(repoRoot, 'deploy/argocd/health/acd.power.dev/AcdCluster/health.lua');

export interface ArgocdState {
  version: string;
  bin: string;
  /** The bare repository Argo CD reads (git://), and a clone the tests commit in and push from. */
  repoUrl: string;
  bareRepo: string;
  workTree: string;
  pids: { redis: number; gitDaemon: number; repoServer: number; controller: number; server: number };
  ports: { redis: number; gitDaemon: number; repoServer: number; server: number };
  env: NodeJS.ProcessEnv;
  logs: string;
}

/** Builds (or finds cached) Argo CD; returns the folder with argocd, its role links and crds/. */
export function argocdBinDir(version = ARGOCD_VERSION): string {
  return execFileSync('bash', [join(repoRoot, 'hack/build-argocd.sh'), version], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'acd-e2e',
      GIT_AUTHOR_EMAIL: 'e2e@acd.invalid',
      GIT_COMMITTER_NAME: 'acd-e2e',
      GIT_COMMITTER_EMAIL: 'e2e@acd.invalid',
    },
  });

/** A bare repository with one commit on main, and a work tree that pushes to it. */
function initRepo(dir: string): { bare: string; work: string } {
  const bare = join(dir, 'git', 'acd.git');
  const work = join(dir, 'git-work');
  // A fresh history each time: a repo left by an earlier run would have other commits and remotes.
  rmSync(join(dir, 'git'), { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
  mkdirSync(bare, { recursive: true });
  git(bare, 'init', '--bare', '--initial-branch=main', '--quiet');
  mkdirSync(work, { recursive: true });
  git(work, 'init', '--initial-branch=main', '--quiet');
  git(work, 'remote', 'add', 'origin', bare);
  writeFileSync(join(work, 'README'), 'acd-operator e2e: manifests Argo CD syncs\n');
  git(work, 'add', '-A');
  git(work, 'commit', '--quiet', '-m', 'init');
  git(work, 'push', '--quiet', 'origin', 'main');
  return { bare, work };
}

/** Writes `files` (path → content) into the work tree, commits and pushes; returns the commit. */
export function commit(s: ArgocdState, message: string, files: Record<string, string | null>): string {
  for (const [path, content] of Object.entries(files)) {
    const full = join(s.workTree, path);
    if (content === null) {
      git(s.workTree, 'rm', '--quiet', '-r', '--ignore-unmatch', path);
      continue;
    }
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, content);
  }
  git(s.workTree, 'add', '-A');
  git(s.workTree, 'commit', '--quiet', '--allow-empty', '-m', message);
  git(s.workTree, 'push', '--quiet', 'origin', 'main');
  return git(s.workTree, 'rev-parse', 'HEAD').trim();
}

/**
 * Waits until `port` accepts TCP, with the integration services' probe; fails at once, not after the
 * timeout, when the process has exited.
 */
async function waitForPort(port: number, what: string, pid: number, log: string, timeoutMs = 60_000): Promise<void> {
  let exited = false;
  await waitFor(what, timeoutMs, async () => (exited = !isAlive(pid)) || probeTcp('127.0.0.1', port), log);
  if (exited) throw new Error(`${what} exited; see ${log}`);
}

/** Server-side apply: Argo CD's ApplicationSet CRD is too big for a client-side apply's annotation. */
const applyServerSide = (kubectl: Kubectl, yaml: string) =>
  kubectl.sync(['apply', '--server-side', '--force-conflicts', '-f', '-'], yaml);

/** The objects Argo CD expects in its namespace, with our health check in argocd-cm. */
function configObjects(): string {
  const lua = readFileSync(HEALTH_LUA, 'utf8');
  const indent = (text: string) =>
    text
      .split('\n')
      .map((l) => (l ? `    ${l}` : l))
      .join('\n');
  const cm = (name: string, data = '') =>
    [
      '---',
      'apiVersion: v1',
      'kind: ConfigMap',
      `metadata: {name: ${name}, namespace: ${ARGOCD_NAMESPACE}, labels: {app.kubernetes.io/part-of: argocd}}`,
      data ? `data:\n${data}` : 'data: {}',
    ].join('\n');
  return [
    `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ARGOCD_NAMESPACE}}`,
    cm('argocd-cm', `  resource.customizations.health.acd.power.dev_AcdCluster: |\n${indent(lua)}`),
    cm('argocd-rbac-cm'),
    cm('argocd-cmd-params-cm'),
    [
      '---',
      'apiVersion: v1',
      'kind: Secret',
      `metadata: {name: argocd-secret, namespace: ${ARGOCD_NAMESPACE}, labels: {app.kubernetes.io/part-of: argocd}}`,
      'type: Opaque',
    ].join('\n'),
    [
      '---',
      'apiVersion: argoproj.io/v1alpha1',
      'kind: AppProject',
      `metadata: {name: default, namespace: ${ARGOCD_NAMESPACE}}`,
      'spec:',
      "  sourceRepos: ['*']",
      "  destinations: [{server: '*', namespace: '*'}]",
      "  clusterResourceWhitelist: [{group: '*', kind: '*'}]",
    ].join('\n'),
  ].join('\n');
}

export async function startArgocd(o: {
  dir: string;
  kubeconfig: string;
  log: (m: string) => void;
}): Promise<ArgocdState> {
  const binDir = argocdBinDir();
  const kubectl = kubectlFor(o.kubeconfig);
  const dir = join(o.dir, 'argocd');
  const logs = join(dir, 'logs');
  for (const d of ['tls', 'ssh', 'tmp', 'gpg', logs])
    mkdirSync(d.startsWith('/') ? d : join(dir, d), { recursive: true });
  const { bare, work } = initRepo(dir);

  // Argo CD's CRDs (Application, AppProject, ApplicationSet) from the module at the pinned version.
  const crds = join(binDir, 'crds');
  for (const f of readdirSync(crds)
    .filter((x) => x.endsWith('.yaml'))
    .sort()) {
    applyServerSide(kubectl, readFileSync(join(crds, f), 'utf8'));
  }
  await waitEstablished(kubectl, ['applications.argoproj.io', 'appprojects.argoproj.io']);
  applyServerSide(kubectl, configObjects());

  const ports: Ports = {
    redis: await freePort(),
    gitDaemon: await freePort(),
    repoServer: await freePort(),
    repoServerMetrics: await freePort(),
    controllerMetrics: await freePort(),
    server: await freePort(),
    serverMetrics: await freePort(),
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // The destination https://kubernetes.default.svc is built from KUBECONFIG, not from a flag.
    KUBECONFIG: o.kubeconfig,
    ARGOCD_FAKE_IN_CLUSTER: 'true',
    ARGOCD_GPG_ENABLED: 'false',
    ARGOCD_TLS_DATA_PATH: join(dir, 'tls'),
    ARGOCD_SSH_DATA_PATH: join(dir, 'ssh'),
    ARGOCD_GNUPGHOME: join(dir, 'gpg'),
    ARGOCD_ASK_PASS_SOCK: join(dir, 'tmp', 'reposerver-ask-pass.sock'),
    TMPDIR: join(dir, 'tmp'),
    // git, and the git-verify-wrapper.sh the repo-server runs for every manifest generation.
    PATH: `${binDir}:${process.env.PATH ?? ''}`,
  };
  const started: number[] = [];
  try {
    const pids = await startProcesses({ binDir, dir, logs, env, ports, started });
    o.log(
      `Argo CD ${ARGOCD_VERSION}: application-controller (pid ${pids.controller}), repo-server ` +
        `(pid ${pids.repoServer}), argocd-server on 127.0.0.1:${ports.server}; git://127.0.0.1:${ports.gitDaemon}/acd.git`,
    );
    return {
      version: ARGOCD_VERSION,
      bin: binDir,
      repoUrl: `git://127.0.0.1:${ports.gitDaemon}/acd.git`,
      bareRepo: bare,
      workTree: work,
      pids,
      ports: { redis: ports.redis, gitDaemon: ports.gitDaemon, repoServer: ports.repoServer, server: ports.server },
      env,
      logs,
    };
  } catch (e) {
    for (const pid of started.reverse()) await stopPid(pid);
    throw e;
  }
}

/** `--name value` pairs from an object; `true` is a bare switch. */
const flags = (f: Record<string, string | number | true>) =>
  Object.entries(f).flatMap(([k, v]) => (v === true ? [`--${k}`] : [`--${k}`, String(v)]));

type Ports = Record<
  'redis' | 'gitDaemon' | 'repoServer' | 'repoServerMetrics' | 'controllerMetrics' | 'server' | 'serverMetrics',
  number
>;

/** Redis, git daemon, repo-server, application-controller and argocd-server, each once it listens. */
async function startProcesses(o: {
  binDir: string;
  dir: string;
  logs: string;
  env: NodeJS.ProcessEnv;
  ports: Ports;
  started: number[];
}): Promise<ArgocdState['pids']> {
  const { binDir, dir, ports } = o;
  const local = '127.0.0.1';
  const redis = `${local}:${ports.redis}`;
  const start = async (name: string, cmd: string, args: string[], port: number) => {
    const p = startDetached(cmd, args, join(o.logs, `${name}.log`), o.env);
    o.started.push(p.pid);
    await waitForPort(port, name, p.pid, p.log);
    return p.pid;
  };
  const gitRoot = join(dir, 'git');
  return {
    redis: await start(
      'redis',
      'redis-server',
      flags({ bind: local, port: ports.redis, save: '', appendonly: 'no', dir: join(dir, 'tmp') }),
      ports.redis,
    ),
    gitDaemon: await start(
      'git-daemon',
      'git',
      [
        'daemon',
        `--listen=${local}`,
        `--port=${ports.gitDaemon}`,
        '--reuseaddr',
        `--base-path=${gitRoot}`,
        '--export-all',
        gitRoot,
      ],
      ports.gitDaemon,
    ),
    repoServer: await start(
      'argocd-repo-server',
      join(binDir, 'argocd-repo-server'),
      flags({
        address: local,
        port: ports.repoServer,
        'metrics-address': local,
        'metrics-port': ports.repoServerMetrics,
        redis,
        loglevel: 'info',
      }),
      ports.repoServer,
    ),
    // --app-resync-jitter 0: the default jitter is 60 s. --persist-resource-health: each resource's
    // health in Application.status.resources, where the tests read it (v3 keeps it in Redis otherwise).
    controller: await start(
      'argocd-application-controller',
      join(binDir, 'argocd-application-controller'),
      flags({
        namespace: ARGOCD_NAMESPACE,
        'repo-server': `${local}:${ports.repoServer}`,
        redis,
        'metrics-port': ports.controllerMetrics,
        'app-resync': 5,
        'app-resync-jitter': 0,
        'persist-resource-health': true,
        loglevel: 'info',
      }),
      ports.controllerMetrics,
    ),
    // The CLI's --core mode port-forwards to the repo-server's pod, which needs a kubelet: a local
    // argocd-server without TLS or auth on loopback serves `argocd app get/wait` instead.
    server: await start(
      'argocd-server',
      join(binDir, 'argocd-server'),
      flags({
        namespace: ARGOCD_NAMESPACE,
        insecure: true,
        'disable-auth': true,
        address: local,
        port: ports.server,
        'metrics-address': local,
        'metrics-port': ports.serverMetrics,
        'repo-server': `${local}:${ports.repoServer}`,
        redis,
        staticassets: join(dir, 'tmp'),
      }),
      ports.server,
    ),
  };
}

/** Stops every Argo CD process by PID, the controller first (it writes to the others). */
export async function stopArgocd(s: ArgocdState): Promise<void> {
  const { controller, server, repoServer, gitDaemon, redis } = s.pids;
  for (const pid of [controller, server, repoServer, gitDaemon, redis]) await stopPid(pid);
}

/** Builds (or finds cached) our kstatus tool on sigs.k8s.io/cli-utils (what Flux waits with). */
export function kstatusBinDir(): string {
  return execFileSync('bash', [join(repoRoot, 'hack/build-kstatus.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}
