// The stand-in's API surface as a kubectl user meets it: the CRDs (explain, printer columns), the
// aggregated subresources.kubevirt.io group (discovery, authentication of the aggregator), and the
// start/stop/restart subresources with KubeVirt's per-run-strategy semantics and 409s.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { httpsGet } from '../../testbed/https.js';
import { Api, createVm, kubectl, kubectlOk, openNamespace, realCluster, Recorder, subresource, until, type Bed } from './harness.js';

const suite = realCluster() ? describe.skip : describe;
const ns = `standin-api-${Date.now().toString(36)}`;
let bed: Bed;
let api: Api;
let rec: Recorder;

beforeAll(async () => {
  ({ bed, api, rec } = await openNamespace(ns));
}, 120_000);

afterAll(async () => {
  rec?.stop();
  await bed?.stop();
});

const running = (name: string) => until(`${name} Running and ready`, async () => {
  const vm = await api.vm(ns, name);
  return vm?.status?.printableStatus === 'Running' && vm.status.ready === true && vm;
});
const stopped = (name: string) => until(`${name} Stopped without VMI`, async () => {
  const vm = await api.vm(ns, name);
  return vm?.status?.printableStatus === 'Stopped' && !(await api.vmi(ns, name)) && vm;
});

suite('KubeVirt CRDs', () => {
  test('kubectl explain virtualmachine.spec.runStrategy prints KubeVirt\'s text', async () => {
    const out = await kubectlOk(bed, ['explain', 'virtualmachine.spec.runStrategy']);
    expect(out).toContain('GROUP:      kubevirt.io');
    expect(out).toContain('FIELD: runStrategy <string>');
    expect(out).toContain('Running state indicates the requested running state of the');
    expect(out).toContain('"Halted": VMI should never be running.');
    expect(out).toContain('"Manual": VMI can be started/stopped using API endpoints.');
  });

  test('short names and KubeVirt\'s printer columns', async () => {
    await createVm(bed, ns, 'columns', { runStrategy: 'Always', annotations: { 'standin.acd.power.dev/ip': '127.0.0.1' } });
    await running('columns');
    const vm = await kubectlOk(bed, ['get', 'vm', 'columns', '-n', ns]);
    expect(vm.split('\n')[0]).toMatch(/^NAME\s+AGE\s+STATUS\s+READY$/);
    expect(vm.split('\n')[1]).toMatch(/^columns\s+\S+\s+Running\s+True$/);
    const vmi = await kubectlOk(bed, ['get', 'vmi', 'columns', '-n', ns]);
    expect(vmi.split('\n')[0]).toMatch(/^NAME\s+AGE\s+PHASE\s+IP\s+NODENAME\s+READY$/);
    expect(vmi.split('\n')[1]).toMatch(/^columns\s+\S+\s+Running\s+127\.0\.0\.1\s+standin-node\s+True$/);
  });

  test('the schema is enforced by the API server (spec.template is required)', async () => {
    const r = await kubectl(bed, ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', metadata: { name: 'bad', namespace: ns }, spec: { runStrategy: 'Always' } }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.template: Required value');
  });
});

suite('the aggregated API subresources.kubevirt.io/v1', () => {
  test('discovery lists virtualmachines/start, /stop and /restart; the APIService is Available', async () => {
    const list = JSON.parse(await kubectlOk(bed, ['get', '--raw', '/apis/subresources.kubevirt.io/v1'])) as { resources: { name: string; namespaced: boolean }[] };
    expect(list.resources.map((r) => r.name)).toEqual(expect.arrayContaining(['virtualmachines/start', 'virtualmachines/stop', 'virtualmachines/restart']));
    expect(list.resources.every((r) => r.namespaced)).toBe(true);
    const groups = JSON.parse(await kubectlOk(bed, ['get', '--raw', '/apis'])) as { groups: { name: string }[] };
    expect(groups.groups.map((g) => g.name)).toContain('subresources.kubevirt.io');
    const svc = JSON.parse(await kubectlOk(bed, ['get', 'apiservice', 'v1.subresources.kubevirt.io', '-o', 'json'])) as { status: { conditions: { type: string; status: string }[] } };
    expect(svc.status.conditions).toContainEqual(expect.objectContaining({ type: 'Available', status: 'True' }));
  });

  test('a caller other than the aggregator (no front-proxy client cert) is refused', async () => {
    const url = `https://127.0.0.1:${bed.standinPort}/apis/subresources.kubevirt.io/v1`;
    const anonymous = await httpsGet(url, { ca: bed.caCert });
    expect(anonymous.status).toBe(401);
    // A cert from the cluster CA is a valid user of the API server, but not the front proxy.
    const admin = await httpsGet(url, { ca: bed.caCert, cert: bed.adminCert, key: bed.adminKey });
    expect(admin.status).toBe(401);
    expect(JSON.parse(admin.body)).toMatchObject({ kind: 'Status', code: 401, reason: 'Unauthorized' });
  });

  test('a missing VM answers 404 with a Status', async () => {
    const r = await subresource(bed, ns, 'does-not-exist', 'stop');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Error from server (NotFound): virtualmachine.kubevirt.io "does-not-exist" not found');
  });
});

suite('start / stop / restart per run strategy', () => {
  test('Manual: stop and start go through status.stateChangeRequests; spec and generation never change', async () => {
    await createVm(bed, ns, 'manual', { runStrategy: 'Manual' });
    await until('manual Stopped', async () => (await api.vm(ns, 'manual'))?.status?.printableStatus === 'Stopped');
    const before = (await api.vm(ns, 'manual'))!;

    const start = await subresource(bed, ns, 'manual', 'start');
    expect(start.code).toBe(0);
    await running('manual');
    expect(rec.vms.some((s) => s.name === 'manual')).toBe(true);

    const beforeStop = (await api.vm(ns, 'manual'))!;
    const vmiUid = (await api.vmi(ns, 'manual'))!.metadata.uid;
    const stop = await subresource(bed, ns, 'manual', 'stop', {});
    expect(stop.code).toBe(0);
    // The request is queued in status, against this VMI (read back before the stand-in clears it).
    const queued = (await api.vm(ns, 'manual'))!;
    if (queued.status?.stateChangeRequests) expect(queued.status.stateChangeRequests).toEqual([{ action: 'Stop', uid: vmiUid }]);
    const after = await stopped('manual');

    for (const vm of [beforeStop, after]) {
      expect(vm.metadata.generation).toBe(before.metadata.generation);
      expect(vm.spec).toEqual(before.spec);
    }
    expect(after.status?.stateChangeRequests).toBeUndefined();
    expect(after.status?.runStrategy).toBe('Manual');

    const again = await subresource(bed, ns, 'manual', 'stop');
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('(Conflict)');
    expect(again.stderr).toContain('VM is not running');
  });

  test('Manual: restart replaces the VMI; start on a running VM is 409 "VM is already running"', async () => {
    await createVm(bed, ns, 'manual-restart', { runStrategy: 'Manual' });
    expect((await subresource(bed, ns, 'manual-restart', 'start')).code).toBe(0);
    await running('manual-restart');
    const first = (await api.vmi(ns, 'manual-restart'))!.metadata.uid;

    const twice = await subresource(bed, ns, 'manual-restart', 'start');
    expect(twice.code).not.toBe(0);
    expect(twice.stderr).toContain('Operation cannot be fulfilled on virtualmachine.kubevirt.io "manual-restart": VM is already running');

    expect((await subresource(bed, ns, 'manual-restart', 'restart')).code).toBe(0);
    await until('a new VMI Running', async () => {
      const vmi = await api.vmi(ns, 'manual-restart');
      return vmi && vmi.metadata.uid !== first && vmi.status?.phase === 'Running';
    });
    await until('requests cleared', async () => !(await api.vm(ns, 'manual-restart'))?.status?.stateChangeRequests);
  });

  test('Always: start is 409; stop rewrites spec.runStrategy to Halted, start back to Always', async () => {
    await createVm(bed, ns, 'always', { runStrategy: 'Always' });
    await running('always');

    const start = await subresource(bed, ns, 'always', 'start');
    expect(start.code).not.toBe(0);
    expect(start.stderr).toContain('Error from server (Conflict)');

    const gen = (await api.vm(ns, 'always'))!.metadata.generation!;
    expect((await subresource(bed, ns, 'always', 'stop')).code).toBe(0);
    const halted = await stopped('always');
    expect(halted.spec.runStrategy).toBe('Halted');
    expect(halted.metadata.generation).toBe(gen + 1);
    expect(halted.status?.stateChangeRequests).toBeUndefined();

    // Halted: a stop without a shorter grace period makes no sense, as in KubeVirt.
    const stopAgain = await subresource(bed, ns, 'always', 'stop');
    expect(stopAgain.code).not.toBe(0);
    expect(stopAgain.stderr).toContain('VM is not running');

    expect((await subresource(bed, ns, 'always', 'start')).code).toBe(0);
    const on = await running('always');
    expect(on.spec.runStrategy).toBe('Always');
  });

  test('Always: restart replaces the VMI and keeps the spec', async () => {
    await createVm(bed, ns, 'always-restart', { runStrategy: 'Always' });
    await running('always-restart');
    const first = (await api.vmi(ns, 'always-restart'))!.metadata.uid;
    expect((await subresource(bed, ns, 'always-restart', 'restart')).code).toBe(0);
    const vmi = await until('a new VMI Running', async () => {
      const v = await api.vmi(ns, 'always-restart');
      return v && v.metadata.uid !== first && v.status?.phase === 'Running' && v;
    });
    expect(vmi.metadata.uid).not.toBe(first);
    expect((await api.vm(ns, 'always-restart'))!.spec.runStrategy).toBe('Always');
  });

  test('Once: start and restart are refused; stop rewrites to Halted', async () => {
    await createVm(bed, ns, 'once-api', { runStrategy: 'Once' });
    await running('once-api');
    const restart = await subresource(bed, ns, 'once-api', 'restart');
    expect(restart.stderr).toContain('does not support manual restart requests');
    expect((await subresource(bed, ns, 'once-api', 'stop')).code).toBe(0);
    expect((await stopped('once-api')).spec.runStrategy).toBe('Halted');
  });

  test('legacy spec.running: stop and start flip spec.running', async () => {
    await createVm(bed, ns, 'legacy', { running: true });
    await running('legacy');
    expect((await subresource(bed, ns, 'legacy', 'stop')).code).toBe(0);
    const off = await stopped('legacy');
    expect(off.spec.running).toBe(false);
    expect(off.spec.runStrategy).toBeUndefined();
    expect((await subresource(bed, ns, 'legacy', 'start')).code).toBe(0);
    const on = await running('legacy');
    expect(on.spec.running).toBe(true);
    expect(on.status?.runStrategy).toBe('Always');
  });

  test('dryRun changes nothing', async () => {
    await createVm(bed, ns, 'dry', { runStrategy: 'Always' });
    await running('dry');
    const before = (await api.vm(ns, 'dry'))!;
    expect((await subresource(bed, ns, 'dry', 'stop', { dryRun: ['All'], gracePeriod: 0 })).code).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    const after = (await api.vm(ns, 'dry'))!;
    expect(after.spec).toEqual(before.spec);
    expect(after.metadata.generation).toBe(before.metadata.generation);
    expect(after.status?.printableStatus).toBe('Running');
  });
});
