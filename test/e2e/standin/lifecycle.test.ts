// The VM / VMI lifecycle the stand-in plays, observed through a watch on the real API server:
// printableStatus sequences, boot and stop delays (scaled by the bed's speed factor), the injected
// faults, Once and RerunOnFailure, and the timeline file.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as A from '../../testbed/kubevirt/annotations.js';
import { Api, createVm, kubectlOk, openNamespace, realCluster, Recorder, sleep, subresource, timelineOf, until, type Bed } from './harness.js';

const suite = realCluster() ? describe.skip : describe;
const ns = `standin-life-${Date.now().toString(36)}`;
let bed: Bed;
let api: Api;
let rec: Recorder;
/** Wall-clock milliseconds of `n` stand-in seconds. */
const sec = (n: number) => n * bed.speed * 1000;

beforeAll(async () => {
  ({ bed, api, rec } = await openNamespace(ns));
}, 120_000);

afterAll(async () => {
  rec?.stop();
  await bed?.stop();
});

const status = (name: string, want: string, timeoutMs?: number) =>
  until(`${name} ${want}`, async () => {
    const vm = await api.vm(ns, name);
    return vm?.status?.printableStatus === want && vm;
  }, timeoutMs);
const patch = (name: string, spec: object) => kubectlOk(bed, ['patch', 'vm', name, '-n', ns, '--type', 'merge', '-p', JSON.stringify({ spec })]);
const annotateVmi = (name: string, action: 'shutdown' | 'crash') => kubectlOk(bed, ['annotate', 'vmi', name, '-n', ns, `${A.GUEST_ACTION}=${action}`]);

suite('power on and off through spec.runStrategy', () => {
  test('Halted -> Always: Stopped, Starting, Running, ready after the boot delay; -> Halted: Stopping, Stopped, VMI gone', async () => {
    await createVm(bed, ns, 'cycle', { runStrategy: 'Halted', annotations: { [A.BOOT_SECONDS]: '20', [A.STOP_SECONDS]: '10', [A.IP]: '127.0.0.1' } });
    const stoppedVm = await status('cycle', 'Stopped');
    // Stopped: KubeVirt's Ready condition says there is no VMI.
    expect(stoppedVm.status?.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'False', reason: 'VMINotExists' }));
    expect(stoppedVm.status).toMatchObject({ ready: false, created: false, runStrategy: 'Halted', observedGeneration: stoppedVm.metadata.generation });

    const on = Date.now();
    await patch('cycle', { runStrategy: 'Always' });
    const running = await until('cycle ready', async () => {
      const vm = await api.vm(ns, 'cycle');
      return vm?.status?.ready === true && vm;
    });
    const readyAt = rec.firstAt('cycle', (s) => s.ready === true, on)!;
    expect(readyAt - on).toBeGreaterThanOrEqual(sec(20) * 0.9);
    expect(rec.statuses('cycle')).toEqual(['Stopped', 'Starting', 'Running']);
    expect(rec.phases('cycle')).toEqual(['', 'Pending', 'Scheduled', 'Running']);
    expect(running.status).toMatchObject({ printableStatus: 'Running', ready: true, created: true, runStrategy: 'Always' });
    expect(running.status?.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True' }));
    expect(running.status?.conditions).toContainEqual(expect.objectContaining({ type: 'AgentConnected', status: 'True' }));

    // The VMI: named like the VM, owned by it, labels and spec from the template, KubeVirt's default grace period.
    const vmi = (await api.vmi(ns, 'cycle'))!;
    expect(vmi.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'VirtualMachine', name: 'cycle', uid: running.metadata.uid, controller: true })]);
    expect(vmi.metadata.labels).toEqual({ 'kubevirt.io/vm': 'cycle' });
    expect(vmi.spec.domain).toEqual(running.spec.template.spec.domain);
    expect(vmi.spec.terminationGracePeriodSeconds).toBe(A.DEFAULT_GRACE_SECONDS);
    expect(vmi.status?.interfaces?.[0]).toMatchObject({ name: 'default', ipAddress: '127.0.0.1' });

    const off = Date.now();
    await patch('cycle', { runStrategy: 'Halted' });
    const stopped = await status('cycle', 'Stopped');
    expect(rec.statuses('cycle', off)).toEqual(['Running', 'Stopping', 'Stopped'].slice(rec.statuses('cycle', off)[0] === 'Running' ? 0 : 1));
    const stoppingAt = rec.firstAt('cycle', (s) => s.printableStatus === 'Stopping', off)!;
    const stoppedAt = rec.firstAt('cycle', (s) => s.printableStatus === 'Stopped', off)!;
    expect(stoppedAt - stoppingAt).toBeGreaterThanOrEqual(sec(10) * 0.8);
    expect(await api.vmi(ns, 'cycle')).toBeUndefined();
    expect(rec.phases('cycle', off)).toEqual(['Running', 'Succeeded', 'deleted']);
    expect(stopped.status?.conditions?.map((c) => c.type)).toEqual(['Ready']);
    expect(stopped.status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'VMINotExists' });
  });
});

suite('stop timing', () => {
  test('ignores-acpi: a graceful stop takes the whole grace period', async () => {
    await createVm(bed, ns, 'no-acpi', { runStrategy: 'Always', grace: 30, annotations: { [A.IGNORES_ACPI]: 'true' } });
    await status('no-acpi', 'Running');
    const t0 = Date.now();
    expect((await subresource(bed, ns, 'no-acpi', 'stop')).code).toBe(0);
    await status('no-acpi', 'Stopping');
    await status('no-acpi', 'Stopped');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(sec(30) * 0.9);
  });

  test('stop with gracePeriod 0 is immediate, even for a guest that ignores ACPI', async () => {
    await createVm(bed, ns, 'force', { runStrategy: 'Always', annotations: { [A.IGNORES_ACPI]: 'true' } });
    await status('force', 'Running');
    const t0 = Date.now();
    expect((await subresource(bed, ns, 'force', 'stop', { gracePeriod: 0 })).code).toBe(0);
    await until('force: VMI gone', async () => !(await api.vmi(ns, 'force')));
    // Without the force this would take 180 stand-in seconds (KubeVirt's default grace period).
    // Half the grace period still tells "forced" from "graceful" on a loaded 2-core machine.
    expect(Date.now() - t0).toBeLessThan(sec(180) / 2);
    expect((await status('force', 'Stopped')).spec.runStrategy).toBe('Halted');
  });

  test('a stop with a shorter grace period cuts a graceful stop short', async () => {
    await createVm(bed, ns, 'cut-short', { runStrategy: 'Always', grace: 180, annotations: { [A.IGNORES_ACPI]: 'true' } });
    await status('cut-short', 'Running');
    await patch('cut-short', { runStrategy: 'Halted' });
    await status('cut-short', 'Stopping');
    const t0 = Date.now();
    // On a Halted VM KubeVirt accepts a stop only with a shorter grace period.
    expect((await subresource(bed, ns, 'cut-short', 'stop', { gracePeriod: 0 })).code).toBe(0);
    await status('cut-short', 'Stopped');
    // Half the grace period still tells "forced" from "graceful" on a loaded 2-core machine.
    expect(Date.now() - t0).toBeLessThan(sec(180) / 2);
  });
});

suite('injected faults', () => {
  test('never-ready: Running, but not ready and no guest agent', async () => {
    await createVm(bed, ns, 'never-ready', { runStrategy: 'Always', annotations: { [A.NEVER_READY]: 'true' } });
    await status('never-ready', 'Running');
    await sleep(sec(5));
    const vm = (await api.vm(ns, 'never-ready'))!;
    expect(vm.status).toMatchObject({ printableStatus: 'Running', ready: false, created: true });
    expect(vm.status?.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'False' }));
    expect(vm.status?.conditions?.some((c) => c.type === 'AgentConnected')).toBe(false);
    expect((await api.vmi(ns, 'never-ready'))!.status?.phase).toBe('Running');
  });

  test('crash-loop: every VMI fails before Running; the VM shows CrashLoopBackOff and backs off', async () => {
    await createVm(bed, ns, 'crashy', { runStrategy: 'Always', annotations: { [A.CRASH_LOOP]: 'true' } });
    const vm = await status('crashy', 'CrashLoopBackOff');
    expect(vm.status?.startFailure?.consecutiveFailCount).toBeGreaterThanOrEqual(1);
    expect(rec.phases('crashy')).toContain('Failed');
    expect(rec.phases('crashy')).not.toContain('Running');
    // It retries after KubeVirt's back-off (10 s x failures^2, scaled): a second VMI fails too.
    await until('a second start failure', async () => ((await api.vm(ns, 'crashy'))?.status?.startFailure?.consecutiveFailCount ?? 0) >= 2, 15_000);
    expect(rec.statuses('crashy')).toEqual(expect.arrayContaining(['Starting', 'CrashLoopBackOff']));
    // Halted clears the failure count.
    await patch('crashy', { runStrategy: 'Halted' });
    const off = await status('crashy', 'Stopped');
    expect(off.status?.startFailure).toBeUndefined();
  }, 30_000);

  test('unschedulable: ErrorUnschedulable, the VMI stays Pending', async () => {
    await createVm(bed, ns, 'nowhere', { runStrategy: 'Always', annotations: { [A.UNSCHEDULABLE]: 'true' } });
    await status('nowhere', 'ErrorUnschedulable');
    await sleep(sec(5));
    const vm = (await api.vm(ns, 'nowhere'))!;
    expect(vm.status?.printableStatus).toBe('ErrorUnschedulable');
    expect(vm.status?.conditions).toContainEqual(expect.objectContaining({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }));
    const vmi = (await api.vmi(ns, 'nowhere'))!;
    expect(vmi.status?.phase).toBe('Pending');
    await patch('nowhere', { runStrategy: 'Halted' });
    await status('nowhere', 'Stopped');
    expect(await api.vmi(ns, 'nowhere')).toBeUndefined();
  });
});

suite('Once and RerunOnFailure', () => {
  test('Once: runs once; after the guest shuts down it is not restarted', async () => {
    await createVm(bed, ns, 'once', { runStrategy: 'Once' });
    await status('once', 'Running');
    const uid = (await api.vmi(ns, 'once'))!.metadata.uid;
    await annotateVmi('once', 'shutdown');
    await status('once', 'Stopped');
    await sleep(Math.max(sec(10), 500));
    const vmi = (await api.vmi(ns, 'once'))!;
    expect(vmi.metadata.uid).toBe(uid);
    expect(vmi.status?.phase).toBe('Succeeded');
    expect((await api.vm(ns, 'once'))!.status?.printableStatus).toBe('Stopped');
  });

  test('Once: a crashed guest is not restarted either', async () => {
    await createVm(bed, ns, 'once-crash', { runStrategy: 'Once' });
    await status('once-crash', 'Running');
    await annotateVmi('once-crash', 'crash');
    await status('once-crash', 'Stopped');
    await sleep(Math.max(sec(10), 500));
    expect((await api.vmi(ns, 'once-crash'))!.status?.phase).toBe('Failed');
  });

  test('RerunOnFailure: a crash is rerun, a guest shutdown is not; start brings it back', async () => {
    await createVm(bed, ns, 'rerun', { runStrategy: 'RerunOnFailure' });
    await status('rerun', 'Running');
    const first = (await api.vmi(ns, 'rerun'))!.metadata.uid;

    await annotateVmi('rerun', 'crash');
    const second = await until('a new VMI Running after the crash', async () => {
      const v = await api.vmi(ns, 'rerun');
      return v && v.metadata.uid !== first && v.status?.phase === 'Running' && v;
    });
    await status('rerun', 'Running');

    await annotateVmi('rerun', 'shutdown');
    await until('rerun: VMI gone after the shutdown', async () => !(await api.vmi(ns, 'rerun')));
    await sleep(Math.max(sec(10), 500));
    expect(await api.vmi(ns, 'rerun')).toBeUndefined();
    const vm = (await api.vm(ns, 'rerun'))!;
    expect(vm.status?.printableStatus).toBe('Stopped');
    expect(vm.spec.runStrategy).toBe('RerunOnFailure');

    expect((await subresource(bed, ns, 'rerun', 'start')).code).toBe(0);
    await status('rerun', 'Running');
    expect((await api.vmi(ns, 'rerun'))!.metadata.uid).not.toBe(second.metadata.uid);
  });
});

suite('deletion (no garbage collector runs on the test bed: the stand-in plays it)', () => {
  test('kubectl delete vmi on an Always VM: the guest shuts down, a new VMI starts', async () => {
    await createVm(bed, ns, 'del-vmi', { runStrategy: 'Always' });
    await status('del-vmi', 'Running');
    const first = (await api.vmi(ns, 'del-vmi'))!.metadata.uid;
    await kubectlOk(bed, ['delete', 'vmi', 'del-vmi', '-n', ns, '--wait=false']);
    await until('a new VMI Running', async () => {
      const v = await api.vmi(ns, 'del-vmi');
      return v && v.metadata.uid !== first && v.status?.phase === 'Running';
    });
    expect(rec.statuses('del-vmi')).toContain('Stopping');
  });

  test('kubectl delete vm: its VMI is stopped and removed', async () => {
    await createVm(bed, ns, 'del-vm', { runStrategy: 'Always' });
    await status('del-vm', 'Running');
    await kubectlOk(bed, ['delete', 'vm', 'del-vm', '-n', ns]);
    await until('del-vm: VMI gone', async () => !(await api.vmi(ns, 'del-vm')));
    expect(rec.phases('del-vm').slice(-2)).toEqual(['Succeeded', 'deleted']);
  });
});

suite('the timeline file', () => {
  test('records every transition the stand-in applied, in order, with ISO times', async () => {
    await createVm(bed, ns, 'traced', { runStrategy: 'Always' });
    await status('traced', 'Running');
    await patch('traced', { runStrategy: 'Halted' });
    await status('traced', 'Stopped');
    await until('the last line written', async () => timelineOf(bed, `${ns}/traced`).some((e) => e.event === 'vm:Stopped' && e.time));
    const entries = timelineOf(bed, `${ns}/traced`);
    const events = entries.map((e) => e.event);
    const order = ['vmi:create', 'vm:Starting', 'vmi:Pending', 'vmi:Scheduled', 'vmi:Running', 'vm:Running',
      'vmi:delete', 'vm:Stopping', 'vmi:stopping', 'vmi:Succeeded', 'vmi:removed', 'vm:Stopped'];
    const positions = order.map((e) => events.indexOf(e, events.indexOf('vmi:create')));
    expect(positions.every((p) => p >= 0)).toBe(true);
    // Causal order (the VM's Starting may be written before or after the VMI's Pending).
    for (const [a, b] of [['vmi:create', 'vmi:Pending'], ['vmi:Pending', 'vmi:Scheduled'], ['vmi:Scheduled', 'vmi:Running'],
      ['vmi:Running', 'vm:Running'], ['vmi:delete', 'vmi:stopping'], ['vmi:stopping', 'vmi:Succeeded'], ['vmi:Succeeded', 'vmi:removed'], ['vmi:removed', 'vm:Stopped']] as const) {
      expect(events.indexOf(a)).toBeLessThan(events.lastIndexOf(b));
    }
    for (const e of entries) expect(new Date(e.time).toISOString()).toBe(e.time);
  });
});
