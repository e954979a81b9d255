// The real Dockerfile, built and run. There is no Docker daemon and no route to docker.io here, so
// hack/build-image.sh builds it with buildah on local substitutes for the node:24 / node:24-slim
// bases (see that script); the Dockerfile itself is the one a release uses. The image then runs
// the way the Helm chart's securityContext runs it: read-only root file system, user 65532, no
// capabilities, no privilege escalation, a 64 MiB tmpfs on /tmp, the chart's 256Mi memory limit,
// leader election on; on the host network, against the test bed, where it powers a Small V3 ACD
// Off and On in the runbook's order.
// podman, buildah and runc are required: without them this test fails, it does not skip, so a CI
// machine that lost them cannot pass by testing less.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SEED_LAYOUTS } from '../fixtures/seed-layouts.js';
import { repoRoot } from '../testbed/binaries.js';
import { freePort } from '../testbed/ports.js';
import { acdManifest, apply, createNamespace, getAcd, setPower, vmManifest, waitReady } from './support/acd.js';
import { kubectl, until } from './support/env.js';
import { checkTimeline, SEED_SHUTDOWN, SEED_STARTUP } from './support/seed-rules.js';
import { VmTimeline } from './support/timeline.js';

const run = promisify(execFile);
const IMAGE = process.env.ACD_IMAGE ?? 'localhost/acd-operator:test';
const NS = 'image-acd';
const NAME = `acd-image-e2e-${process.pid}`;
const UID = 65532;
const machines = SEED_LAYOUTS.SmallV3;
const slow = { 'standin.acd.power.dev/boot-seconds': '20', 'standin.acd.power.dev/stop-seconds': '20' };

const work = mkdtempSync(join(tmpdir(), 'acd-image-e2e-'));
const figures: Record<string, string> = {};
let tl: VmTimeline | undefined;
let started = false;
let healthPort = 0;
let metricsPort = 0;

// Same reasons as in hack/build-image.sh: runc, because crun refuses this VM's hybrid cgroups;
// ulimits within this process's hard limits, because podman's defaults as root need
// CAP_SYS_RESOURCE, which this VM does not grant.
function hardLimit(name: string, cap: number): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(name));
  const hard = line?.slice(name.length).trim().split(/\s+/)[1];
  return hard === undefined || hard === 'unlimited' ? cap : Math.min(Number(hard), cap);
}
const runFlags = [
  '--pull',
  'never',
  '--ulimit',
  `nofile=${hardLimit('Max open files', 1048576)}`,
  '--ulimit',
  `nproc=${hardLimit('Max processes', 32768)}`,
];

async function podman(args: string[], timeout = 120_000): Promise<string> {
  try {
    return (await run('podman', ['--runtime', 'runc', ...args], { maxBuffer: 64 * 1024 * 1024, timeout })).stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`podman ${args.join(' ')}: ${err.stderr?.trim() || err.message}`, { cause: e });
  }
}

async function logs(): Promise<string> {
  return podman(['logs', '--tail', '40', NAME]).catch((e: Error) => e.message);
}

/** Node in the image, without the operator's entry point, no network: for looking inside. */
async function inImage(script: string): Promise<string> {
  return podman(['run', '--rm', ...runFlags, '--network', 'none', '--entrypoint', 'node', IMAGE, '-e', script]);
}

/** Tries to write `path` from inside the running container, as its user; 'ok' or the error code. */
async function writeInContainer(path: string): Promise<string> {
  const script =
    `try { process.getBuiltinModule('fs').writeFileSync(${JSON.stringify(path)}, 'x'); console.log('ok'); } ` +
    'catch (e) { console.log(e.code); }';
  return (await podman(['exec', NAME, 'node', '-e', script])).trim();
}

const ms = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

beforeAll(async () => {
  const missing: string[] = [];
  for (const tool of ['podman', 'buildah', 'runc', 'debootstrap']) {
    await run(tool, ['--version']).catch(() => missing.push(tool));
  }
  if (missing.length) {
    throw new Error(
      `MISSING ${missing.join(', ')}: the image test needs them and does not skip without them. ` +
        'Install: apt-get install -y --no-install-recommends runc buildah podman debootstrap (.ci/run does)',
    );
  }
  if (process.getuid?.() !== 0) {
    throw new Error(
      'the image test runs rootful podman and debootstrap: run it as root (CI does); it does not skip otherwise',
    );
  }
  const since = Date.now();
  try {
    await run('bash', [join(repoRoot, 'hack/build-image.sh')], {
      env: { ...process.env, ACD_IMAGE: IMAGE },
      timeout: 20 * 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`hack/build-image.sh: ${err.message}\n${err.stderr?.split('\n').slice(-40).join('\n') ?? ''}`, {
      cause: e,
    });
  }
  figures.build = ms(since);
}, 21 * 60_000);

afterAll(async () => {
  tl?.stop();
  if (started) await podman(['rm', '--force', '--time', '0', NAME]).catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
  console.log(
    `[image e2e] ${IMAGE}: ${Object.entries(figures)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
});

describe('the container image', () => {
  test('runs as 65532 through node dist/main.js, without npm, with exactly the production dependencies', async () => {
    const [image] = JSON.parse(await podman(['image', 'inspect', IMAGE])) as {
      Size: number;
      Config: { User: string; Entrypoint: string[]; Cmd?: string[] | null; Env: string[]; WorkingDir: string };
    }[];
    expect(image).toBeDefined();
    const config = image!.Config;
    expect(config.User).toBe(`${UID}:${UID}`);
    expect(config.Entrypoint).toEqual(['node', 'dist/main.js']);
    expect(config.Cmd ?? []).toEqual([]);
    expect(config.WorkingDir).toBe('/app');
    expect(config.Env).toEqual(expect.arrayContaining(['NODE_ENV=production', 'HOME=/tmp']));
    // The build-time CA secret is used for npm ci only and must not leak into the image's config.
    expect(config.Env.filter((e) => e.startsWith('NODE_EXTRA_CA_CERTS'))).toEqual([]);
    figures.size = `${(image!.Size / 1e6).toFixed(0)} MB`;
    // node:24-slim (~220 MB) + production node_modules (~100 MB): a dev tree or a second copy would show.
    expect(image!.Size).toBeLessThan(400e6);

    const inside = JSON.parse(
      await inImage(`
      const fs = process.getBuiltinModule('fs'), path = process.getBuiltinModule('path');
      const onPath = (b) => (process.env.PATH ?? '').split(':').filter((d) => fs.existsSync(path.join(d, b)));
      const top = [];
      for (const d of fs.readdirSync('/app/node_modules')) {
        if (d.startsWith('.')) continue;
        if (d.startsWith('@')) for (const s of fs.readdirSync('/app/node_modules/' + d)) top.push(d + '/' + s);
        else top.push(d);
      }
      console.log(JSON.stringify({
        npm: [...onPath('npm'), ...onPath('npx'), ...onPath('corepack')],
        npmDir: fs.existsSync('/usr/local/lib/node_modules/npm'),
        secret: fs.existsSync('/run/secrets/npm_ca'),
        node: process.version, top: top.sort(), app: fs.readdirSync('/app').sort(),
      }));`),
    ) as { npm: string[]; npmDir: boolean; secret: boolean; node: string; top: string[]; app: string[] };
    expect(inside.npm).toEqual([]);
    expect(inside.npmDir).toBe(false);
    expect(inside.secret).toBe(false);
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(inside.node).toBe(`v${pkg.devDependencies.node}`);
    expect(inside.app).toEqual(['dist', 'node_modules', 'package.json']);
    // node_modules is what the lock file installs without dev dependencies, no more and no less.
    const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const prod = Object.entries(lock.packages)
      .filter(([k, v]) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(k) && v.dev !== true)
      .map(([k]) => k.slice('node_modules/'.length))
      .sort();
    expect(inside.top).toEqual(prod);
    for (const dev of ['typescript', 'jest', 'ts-jest', 'tsx', 'eslint', 'node', 'fast-check'])
      expect(inside.top).not.toContain(dev);
  }, 120_000);

  test('starts read-only as 65532 against the test bed and serves /healthz, /readyz and /metrics', async () => {
    await createNamespace(NS);
    tl = await VmTimeline.start(NS);
    // acd-tel is Manual, so the subresource path goes through the container's network too.
    const vm = (name: string) =>
      vmManifest(NS, name, { runStrategy: name === 'acd-tel' ? 'Manual' : 'Always', annotations: slow });
    await apply([...machines.map((m) => vm(m.vm)), acdManifest(NS, 'acd', machines)]);

    // Certificates inline, readable by the container's user only.
    const kubeconfig = join(work, 'kubeconfig');
    writeFileSync(kubeconfig, await kubectl(['config', 'view', '--raw', '--flatten', '--minify']), { mode: 0o400 });
    chownSync(kubeconfig, UID, UID);
    metricsPort = await freePort();
    healthPort = await freePort();

    const since = Date.now();
    started = true;
    await podman([
      'run',
      '--detach',
      '--name',
      NAME,
      ...runFlags,
      '--read-only',
      '--read-only-tmpfs=false',
      '--tmpfs',
      '/tmp:rw,size=64m,mode=1777',
      '--user',
      `${UID}:${UID}`,
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges',
      '--memory',
      '256m',
      '--network',
      'host',
      '--volume',
      `${kubeconfig}:/etc/acd-operator/kubeconfig:ro`,
      '--env',
      `WATCH_NAMESPACES=${NS}`,
      '--env',
      `POD_NAMESPACE=${NS}`,
      '--env',
      'LOG_LEVEL=debug',
      IMAGE,
      '--kubeconfig',
      '/etc/acd-operator/kubeconfig',
      '--leader-elect',
      `--lease-namespace=${NS}`,
      `--metrics-port=${metricsPort}`,
      `--health-port=${healthPort}`,
      `--namespace=${NS}`,
    ]);
    await until(
      "the container's /readyz",
      async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined))?.ok,
      60_000,
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}\ncontainer log:\n${await logs()}`);
    });
    figures['start->readyz'] = ms(since);

    expect((await fetch(`http://127.0.0.1:${healthPort}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^acd_leader 1$/m);
    expect(metrics).toMatch(/^acd_workqueue_depth /m);
    // Up under the chart's memory limit (the image's NODE_OPTIONS bound V8's heap below it).
    const [state] = JSON.parse(await podman(['inspect', NAME])) as {
      State: { Running: boolean };
      HostConfig: { Memory: number };
    }[];
    expect(state?.State.Running).toBe(true);
    expect(state?.HostConfig.Memory).toBe(256 * 1024 * 1024);
  }, 120_000);

  test('cannot write to its root file system; /tmp is its only writable place', async () => {
    expect(await writeInContainer('/app/x')).toBe('EROFS');
    expect(await writeInContainer('/app/dist/main.js')).toBe('EROFS');
    expect(await writeInContainer('/x')).toBe('EROFS');
    expect(await writeInContainer('/var/tmp/x')).toBe('EROFS');
    expect(await writeInContainer('/tmp/x')).toBe('ok');
    const status = await podman([
      'exec',
      NAME,
      'node',
      '-e',
      `console.log(process.getBuiltinModule('fs').readFileSync('/proc/1/status', 'utf8'))`,
    ]);
    expect(status).toMatch(new RegExp(`^Uid:\\s+${UID}\\s+${UID}\\s+${UID}\\s+${UID}$`, 'm'));
    expect(status).toMatch(/^CapEff:\s+0+$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
  }, 60_000);

  test('powers a Small V3 ACD Off and On in seed order', async () => {
    await waitReady(NS, 'acd', 60);
    for (const [power, seed] of [
      ['Off', SEED_SHUTDOWN],
      ['On', SEED_STARTUP],
    ] as const) {
      const since = Date.now();
      await setPower(NS, 'acd', power);
      await waitReady(NS, 'acd', 90);
      figures[power] = ms(since);
      expect((await getAcd(NS, 'acd')).status?.power).toBe(power);
      expect(checkTimeline(seed.SmallV3, power, tl!, since)).toEqual([]);
    }
    const commands = (await getAcd(NS, 'acd')).status?.transition?.commands ?? [];
    expect(commands.filter((c) => c.vm === 'acd-tel').map((c) => c.via)).toEqual(['subresource']);

    // It was this container that acted: the Lease's holder is "<hostname>-<pid>", and the operator
    // is PID 1 only inside its container.
    const lease = JSON.parse(await kubectl(['get', 'lease', 'acd-operator', '-n', NS, '-o', 'json'])) as {
      spec: { holderIdentity: string };
    };
    const hostname = (
      await podman(['exec', NAME, 'node', '-e', `console.log(process.getBuiltinModule('os').hostname())`])
    ).trim();
    expect(lease.spec.holderIdentity).toBe(`${hostname}-1`);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^acd_vm_commands_total\{action="Stop"\} [1-9]/m);
    expect(metrics).toMatch(/^acd_vm_commands_total\{action="Start"\} [1-9]/m);
  }, 240_000);

  test('stops cleanly on SIGTERM as PID 1 and releases its Lease', async () => {
    const since = Date.now();
    await podman(['stop', '--time', '20', NAME], 60_000);
    figures['SIGTERM->exit'] = ms(since);
    const state = JSON.parse(await podman(['inspect', NAME])) as { State: { ExitCode: number } }[];
    expect(state[0]?.State.ExitCode).toBe(0);
    const lease = JSON.parse(await kubectl(['get', 'lease', 'acd-operator', '-n', NS, '-o', 'json'])) as {
      spec: { holderIdentity?: string };
    };
    expect(lease.spec.holderIdentity ?? '').toBe('');
  }, 90_000);
});
