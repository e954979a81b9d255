// The chart installed with the real helm onto the test bed, then the operator run under the
// chart's ServiceAccount (a TokenRequest token, no admin certificate): a Small V3 ACD powers Off
// and On under exactly the RBAC the chart grants, and the account cannot do what it must not.
// No kubelet runs here, so the chart's Deployment never gets pods: the operator runs as a local
// process with the pod's identity instead, which is what its RBAC is about.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SEED_LAYOUTS } from '../fixtures/seed-layouts.js';
import { kubectlFor } from '../support/kubectl.js';
import { bin, repoRoot } from '../testbed/binaries.js';
import { acdManifest, apply, createNamespace, getAcd, setPower, vmManifest, waitReady } from './support/acd.js';
import { kubeconfigPath, kubectl, testbedState } from './support/env.js';
import { startOperator, type RunningOperator } from './support/operator.js';
import { checkTimeline, SEED_SHUTDOWN, SEED_STARTUP } from './support/seed-rules.js';
import { VmTimeline } from './support/timeline.js';

const run = promisify(execFile);
const RELEASE_NS = 'acd-system';
const WATCHED = 'helm-acd';
// fullname: release "acd" + chart "acd-operator" (the release name does not contain the chart's).
const SA = 'acd-acd-operator';
const AS = `system:serviceaccount:${RELEASE_NS}:${SA}`;
const GRANTED_SECRET = 'acd-mariadb-monitor';
const machines = SEED_LAYOUTS.SmallV3;
const slow = { 'standin.acd.power.dev/boot-seconds': '20', 'standin.acd.power.dev/stop-seconds': '20' };

const work = mkdtempSync(join(tmpdir(), 'acd-helm-e2e-'));
// Helm keeps caches and repository config under HOME by default; keep this run to itself.
const helmEnv = {
  ...process.env,
  HELM_CACHE_HOME: join(work, 'cache'),
  HELM_CONFIG_HOME: join(work, 'config'),
  HELM_DATA_HOME: join(work, 'data'),
};
const saKubeconfig = join(work, 'sa.kubeconfig');
let installed = false;
let operator: RunningOperator | undefined;
let tl: VmTimeline;

async function helm(args: string[]): Promise<string> {
  try {
    return (
      await run(bin('helm'), [...args, '--kubeconfig', kubeconfigPath()], { env: helmEnv, maxBuffer: 16 * 1024 * 1024 })
    ).stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`helm ${args.join(' ')}: ${err.stderr?.trim() || err.message}`, { cause: e });
  }
}

/** `kubectl auth can-i` as the ServiceAccount; it exits 1 for "no", so the answer is read from stdout. */
async function canI(
  verb: string,
  resource: string,
  opts: { namespace?: string; subresource?: string } = {},
): Promise<boolean> {
  const args = [
    'auth',
    'can-i',
    verb,
    resource,
    `--as=${AS}`,
    '-n',
    opts.namespace ?? WATCHED,
    ...(opts.subresource ? [`--subresource=${opts.subresource}`] : []),
  ];
  const out = (await kubectl.try(args)).stdout;
  const answer = out.trim();
  if (answer !== 'yes' && answer !== 'no')
    throw new Error(`kubectl auth can-i ${verb} ${resource}: unexpected answer ${JSON.stringify(out)}`);
  return answer === 'yes';
}

/**
 * The same question as a SubjectAccessReview, for KubeVirt's subresources: their API group lists
 * only `virtualmachines/start` etc. in discovery, never `virtualmachines`, so `kubectl auth can-i`
 * cannot resolve the group and asks about a resource in the core group instead (true of real
 * KubeVirt too).
 */
async function sar(verb: string, group: string, resource: string, subresource: string): Promise<boolean> {
  const review = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user: AS,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${RELEASE_NS}`, 'system:authenticated'],
      resourceAttributes: { namespace: WATCHED, verb, group, resource, subresource },
    },
  };
  return (
    JSON.parse(await kubectl(['create', '-f', '-', '-o', 'json'], JSON.stringify(review))) as {
      status: { allowed: boolean };
    }
  ).status.allowed;
}

/** kubectl with the ServiceAccount's token instead of the admin certificate. */
async function kubectlAsSa(args: string[], input?: string): Promise<{ ok: boolean; out: string }> {
  const r = await kubectlFor(saKubeconfig).try(args, input);
  return { ok: r.ok, out: r.ok ? r.stdout : r.stderr };
}

beforeAll(async () => {
  // The watched namespace must exist before the install: the chart puts its Role there.
  await createNamespace(WATCHED);
  await helm([
    'install',
    'acd',
    join(repoRoot, 'deploy/helm/acd-operator'),
    '-n',
    RELEASE_NS,
    '--create-namespace',
    '--set',
    'rbac.scope=namespaces',
    '--set',
    `rbac.namespaces={${WATCHED}}`,
    '--set',
    `healthSecrets={${GRANTED_SECRET}}`,
  ]);
  installed = true;

  const state = testbedState();
  if (!state)
    throw new Error('ACD_TESTBED_STATE is not set: this test needs the local test bed (its CA and API server address)');
  const token = (await kubectl(['create', 'token', SA, '-n', RELEASE_NS, '--duration', '1h'])).trim();
  writeFileSync(
    saKubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'sa',
      clusters: [
        {
          name: 'testbed',
          cluster: { server: state.server, 'certificate-authority': join(state.dir, 'pki', 'ca.crt') },
        },
      ],
      users: [{ name: SA, user: { token } }],
      contexts: [{ name: 'sa', context: { cluster: 'testbed', user: SA, namespace: WATCHED } }],
    }),
    { mode: 0o600 },
  );
}, 120_000);

afterAll(async () => {
  tl?.stop();
  await operator?.stop();
  if (installed) await helm(['uninstall', 'acd', '-n', RELEASE_NS]).catch(() => undefined);
});

describe('helm install onto the test bed', () => {
  test(
    'the release and its objects exist; ' + 'the Deployment runs two leader-electing replicas as the ServiceAccount',
    async () => {
      const status = JSON.parse(await helm(['status', 'acd', '-n', RELEASE_NS, '-o', 'json'])) as {
        info: { status: string };
      };
      expect(status.info.status).toBe('deployed');
      const names = async (kind: string, ns: string) =>
        (
          JSON.parse(await kubectl(['get', kind, '-n', ns, '-l', 'app.kubernetes.io/instance=acd', '-o', 'json']))
            .items as { metadata: { name: string } }[]
        )
          .map((o) => o.metadata.name)
          .sort();
      expect(await names('serviceaccount', RELEASE_NS)).toEqual([SA]);
      expect(await names('deployment', RELEASE_NS)).toEqual([SA]);
      expect(await names('service', RELEASE_NS)).toEqual([`${SA}-metrics`]);
      expect(await names('role', RELEASE_NS)).toEqual([`${SA}-leader-election`]);
      expect(await names('rolebinding', RELEASE_NS)).toEqual([`${SA}-leader-election`]);
      expect(await names('role', WATCHED)).toEqual([SA]);
      expect(await names('rolebinding', WATCHED)).toEqual([SA]);
      // scope=namespaces: nothing cluster-wide besides the CRD.
      const cluster = JSON.parse(
        await kubectl(['get', 'clusterrole,clusterrolebinding', '-l', 'app.kubernetes.io/instance=acd', '-o', 'json']),
      ).items;
      expect(cluster).toEqual([]);

      const dep = JSON.parse(await kubectl(['get', 'deployment', SA, '-n', RELEASE_NS, '-o', 'json']));
      expect(dep.spec.replicas).toBe(2);
      const pod = dep.spec.template.spec;
      expect(pod.serviceAccountName).toBe(SA);
      expect(pod.containers[0].args).toEqual(
        expect.arrayContaining(['--leader-elect', `--lease-namespace=${RELEASE_NS}`, `--namespace=${WATCHED}`]),
      );
      // No kubelet: no pod ever runs, which is why the install does not --wait.
      expect(dep.status?.availableReplicas ?? 0).toBe(0);
    },
    60_000,
  );

  test('the operator, as the chart ServiceAccount, powers a Small V3 ACD Off and On in seed order', async () => {
    tl = await VmTimeline.start(WATCHED);
    // recovery Ordered: the Always VMs are moved to Manual (the account's patch grant)
    // and every VM is started and stopped through the subresources (its update grant).
    const vm = (name: string) =>
      vmManifest(WATCHED, name, { runStrategy: name === 'acd-tel' ? 'Manual' : 'Always', annotations: slow });
    await apply([...machines.map((m) => vm(m.vm)), acdManifest(WATCHED, 'acd', machines, { recovery: 'Ordered' })]);
    // The Deployment's own arguments: leader election on a Lease in the release namespace.
    operator = await startOperator({
      namespaces: [WATCHED],
      kubeconfig: saKubeconfig,
      args: ['--leader-elect', '--lease-namespace', RELEASE_NS],
    });
    await waitReady(WATCHED, 'acd', 60);

    const offSince = Date.now();
    await setPower(WATCHED, 'acd', 'Off');
    await waitReady(WATCHED, 'acd', 90);
    expect((await getAcd(WATCHED, 'acd')).status?.power).toBe('Off');
    expect(checkTimeline(SEED_SHUTDOWN.SmallV3, 'Off', tl, offSince)).toEqual([]);

    const onSince = Date.now();
    await setPower(WATCHED, 'acd', 'On');
    await waitReady(WATCHED, 'acd', 90);
    expect((await getAcd(WATCHED, 'acd')).status?.power).toBe('On');
    expect(checkTimeline(SEED_STARTUP.SmallV3, 'On', tl, onSince)).toEqual([]);
    const commands = (await getAcd(WATCHED, 'acd')).status?.transition?.commands ?? [];
    expect(commands.filter((c) => c.vm === 'acd-tel').map((c) => c.via)).toEqual(['subresource']);
    expect(commands.every((c) => c.via === 'subresource')).toBe(true);
    const strategies = await kubectl(['get', 'vm', '-n', WATCHED, '-o', 'jsonpath={.items[*].spec.runStrategy}']);
    expect(new Set(strategies.split(' '))).toEqual(new Set(['Manual']));

    // It really ran as the ServiceAccount: it holds the chart's Lease, it recorded Events, and
    // nothing it needed was refused.
    const lease = JSON.parse(await kubectl(['get', 'lease', 'acd-operator', '-n', RELEASE_NS, '-o', 'json']));
    expect(lease.spec.holderIdentity).toMatch(new RegExp(`-${operator.child.pid}$`));
    const reasons = (
      JSON.parse(await kubectl(['get', 'events', '-n', WATCHED, '-o', 'json'])).items as { reason: string }[]
    ).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['PoweredOff', 'PoweredOn']));
    const refused = operator.logLines().filter((l) => /forbidden/i.test(JSON.stringify(l)));
    expect(refused).toEqual([]);
  }, 240_000);

  test('what the ServiceAccount may and may not do', async () => {
    // Powering is a spec patch or the start/stop subresources; never deletion or creation.
    expect(await canI('patch', 'virtualmachines.kubevirt.io')).toBe(true);
    expect(await sar('update', 'subresources.kubevirt.io', 'virtualmachines', 'start')).toBe(true);
    expect(await sar('update', 'subresources.kubevirt.io', 'virtualmachines', 'stop')).toBe(true);
    expect(await sar('update', 'subresources.kubevirt.io', 'virtualmachines', 'restart')).toBe(false);
    expect(await canI('delete', 'virtualmachines.kubevirt.io')).toBe(false);
    expect(await canI('create', 'virtualmachines.kubevirt.io')).toBe(false);
    expect(await canI('delete', 'virtualmachineinstances.kubevirt.io')).toBe(false);
    // AcdClusters are the user's: read and status, never deleted.
    expect(await canI('update', 'acdclusters.acd.power.dev', { subresource: 'status' })).toBe(true);
    expect(await canI('delete', 'acdclusters.acd.power.dev')).toBe(false);
    // Secrets only by the names in healthSecrets, and never listed.
    expect(await canI('get', `secrets/${GRANTED_SECRET}`)).toBe(true);
    expect(await canI('get', 'secrets/some-other-secret')).toBe(false);
    expect(await canI('list', 'secrets')).toBe(false);
    expect(await canI('get', `secrets/${GRANTED_SECRET}`, { namespace: RELEASE_NS })).toBe(false);
    // Nothing outside the watched namespace but its Lease.
    expect(await canI('patch', 'virtualmachines.kubevirt.io', { namespace: 'default' })).toBe(false);
    expect(await canI('update', 'leases.coordination.k8s.io', { namespace: RELEASE_NS })).toBe(true);
    expect(await canI('delete', 'leases.coordination.k8s.io', { namespace: RELEASE_NS })).toBe(false);

    // And through its real token, not impersonation: the API server refuses a VM deletion.
    const del = await kubectlAsSa(['delete', 'vm', 'acd-tel', '-n', WATCHED, '--wait=false']);
    expect(del.ok).toBe(false);
    expect(del.out).toMatch(/forbidden/i);
    expect((await kubectlAsSa(['get', 'vm', 'acd-tel', '-n', WATCHED, '-o', 'name'])).out.trim()).toBe(
      'virtualmachine.kubevirt.io/acd-tel',
    );
    // The subresources through the aggregator with the token: start passes authorization and
    // reaches KubeVirt, which answers 409 because the VM already runs; restart is refused first.
    const sub = (action: string) =>
      kubectlAsSa(
        [
          'replace',
          '--raw',
          `/apis/subresources.kubevirt.io/v1/namespaces/${WATCHED}/virtualmachines/acd-tel/${action}`,
          '-f',
          '-',
        ],
        '{}',
      );
    const startAgain = await sub('start');
    expect(startAgain.ok).toBe(false);
    expect(startAgain.out).toMatch(/already running/i);
    const restart = await sub('restart');
    expect(restart.ok).toBe(false);
    expect(restart.out).toMatch(/forbidden/i);
  }, 60_000);
});
