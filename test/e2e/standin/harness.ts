// What the stand-in's e2e tests run against: the shared e2e test bed when jest's globalSetup
// started one (ACD_TESTBED_STATE), else a control plane + stand-in of their own. Commands go
// through the real kubectl; observations through the real API (a watch and GETs).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';
import { bin } from '../../testbed/binaries.js';
import { startControlPlane, stopControlPlane } from '../../testbed/control-plane.js';
import { startStandin, stopStandin } from '../../testbed/kubevirt/standin-process.js';
import type { VirtualMachine, VirtualMachineInstance } from '../../testbed/kubevirt/types.js';
import { parseTimeline, type TimelineEntry } from '../../testbed/kubevirt/timeline.js';
import type { TestbedState } from '../../testbed/testbed.js';

export interface Bed {
  kubeconfig: string;
  /** The stand-in's delay factor: 1 stand-in second lasts `speed` seconds. */
  speed: number;
  timeline: string;
  standinPort: number;
  caCert: string;
  adminCert: string;
  adminKey: string;
  dir: string;
  stop(): Promise<void>;
}

/** True when the suite points at a real cluster (no stand-in to test). */
export const realCluster = () => !!process.env.ACD_E2E_KUBECONFIG && !process.env.ACD_TESTBED_STATE;

export async function openBed(): Promise<Bed> {
  const stateFile = process.env.ACD_TESTBED_STATE;
  if (stateFile) {
    const s = JSON.parse(readFileSync(stateFile, 'utf8')) as TestbedState;
    const pki = join(s.dir, 'pki');
    return {
      kubeconfig: s.kubeconfig, speed: s.speed, timeline: s.timeline, standinPort: s.ports.standin,
      caCert: join(pki, 'ca.crt'), adminCert: join(pki, 'admin.crt'), adminKey: join(pki, 'admin.key'), dir: s.dir,
      stop: async () => {},
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'acd-standin-e2e-'));
  const cp = await startControlPlane(dir);
  try {
    const timeline = join(dir, 'timeline.jsonl');
    const speed = 0.05;
    const st = await startStandin({ dir, kubeconfig: cp.kubeconfig, pki: cp.pki, speed, timeline });
    return {
      kubeconfig: cp.kubeconfig, speed, timeline, standinPort: st.port,
      caCert: cp.pki.caCert, adminCert: cp.pki.adminCert, adminKey: cp.pki.adminKey, dir,
      stop: async () => {
        await stopStandin(st.pid);
        await stopControlPlane(cp);
      },
    };
  } catch (e) {
    await stopControlPlane(cp);
    throw e;
  }
}

export interface Run { code: number; stdout: string; stderr: string }

/** The real kubectl; never throws on a non-zero exit (tests look at the code and stderr). */
export function kubectl(bed: Bed, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(bin('kubectl'), ['--kubeconfig', bed.kubeconfig, ...args], { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

export async function kubectlOk(bed: Bed, args: string[], input?: string): Promise<string> {
  const r = await kubectl(bed, args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** `kubectl replace --raw` on a VM subresource, the body given as a file as a user would. */
export function subresource(bed: Bed, ns: string, vm: string, verb: 'start' | 'stop' | 'restart', body: object = {}): Promise<Run> {
  const file = join(bed.dir, `body-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(body));
  return kubectl(bed, ['replace', '--raw', `/apis/subresources.kubevirt.io/v1/namespaces/${ns}/virtualmachines/${vm}/${verb}`, '-f', file]);
}

export interface VmOptions {
  runStrategy?: string;
  running?: boolean;
  annotations?: Record<string, string>;
  grace?: number;
  labels?: Record<string, string>;
}

export function vmManifest(ns: string, name: string, o: VmOptions): object {
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: { name, namespace: ns, annotations: o.annotations ?? {} },
    spec: {
      ...(o.running !== undefined ? { running: o.running } : { runStrategy: o.runStrategy ?? 'Halted' }),
      template: {
        metadata: { labels: { 'kubevirt.io/vm': name, ...o.labels } },
        spec: {
          domain: { devices: { interfaces: [{ name: 'default', masquerade: {} }] }, resources: { requests: { memory: '64Mi' } } },
          networks: [{ name: 'default', pod: {} }],
          ...(o.grace !== undefined ? { terminationGracePeriodSeconds: o.grace } : {}),
        },
      },
    },
  };
}

export const createVm = (bed: Bed, ns: string, name: string, o: VmOptions) =>
  kubectlOk(bed, ['apply', '-f', '-'], JSON.stringify(vmManifest(ns, name, o)));

export class Api {
  private readonly custom: CustomObjectsApi;
  constructor(readonly kc: KubeConfig) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  static of(bed: Bed): Api {
    const kc = new KubeConfig();
    kc.loadFromFile(bed.kubeconfig);
    return new Api(kc);
  }

  private async get<T>(plural: string, ns: string, name: string): Promise<T | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({ group: 'kubevirt.io', version: 'v1', plural, namespace: ns, name })) as T;
    } catch (e) {
      if ((e as { code?: number }).code === 404) return undefined;
      throw e;
    }
  }

  vm = (ns: string, name: string) => this.get<VirtualMachine>('virtualmachines', ns, name);
  vmi = (ns: string, name: string) => this.get<VirtualMachineInstance>('virtualmachineinstances', ns, name);
}

// One polling helper for every e2e file; the stand-in's checks poll faster than the default.
import { sleep, until as untilEvery } from '../support/env.js';
export { sleep };
export const until = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> => untilEvery(what, fn, timeoutMs, 50);

/** Opens the test bed, a namespace in it, and a recorder of that namespace's VM changes. */
export async function openNamespace(ns: string): Promise<{ bed: Bed; api: Api; rec: Recorder }> {
  const bed = await openBed();
  const api = Api.of(bed);
  await kubectlOk(bed, ['create', 'namespace', ns]);
  return { bed, api, rec: await Recorder.start(api, ns) };
}

export interface Sample { t: number; type: string; name: string; printableStatus?: string; ready?: boolean; phase?: string; uid: string }

/** Every VM and VMI event of a namespace, from two watches, as `kubectl get -w` would show them. */
export class Recorder {
  readonly vms: Sample[] = [];
  readonly vmis: Sample[] = [];
  private readonly aborts: { abort(): void }[] = [];

  static async start(api: Api, ns: string): Promise<Recorder> {
    const r = new Recorder();
    const w = new Watch(api.kc);
    for (const [plural, into] of [['virtualmachines', r.vms], ['virtualmachineinstances', r.vmis]] as const) {
      r.aborts.push(await w.watch(`/apis/kubevirt.io/v1/namespaces/${ns}/${plural}`, {}, (type, o: VirtualMachine & VirtualMachineInstance) => {
        into.push({ t: Date.now(), type, name: o.metadata.name, uid: o.metadata.uid,
          printableStatus: (o.status as { printableStatus?: string } | undefined)?.printableStatus,
          ready: (o.status as { ready?: boolean } | undefined)?.ready, phase: o.status?.phase });
      }, () => {}));
    }
    return r;
  }

  /** The VM's printableStatus values since `since`, consecutive repeats collapsed. */
  statuses(vm: string, since = 0): string[] {
    // A VM the stand-in has not written a status for yet has none: skipped.
    return collapse(this.vms.filter((s) => s.name === vm && s.t >= since && s.printableStatus).map((s) => s.printableStatus!));
  }

  /** The VMI phases (of any VMI of that name) since `since`, collapsed; "deleted" for a DELETED event. */
  phases(vmi: string, since = 0): string[] {
    return collapse(this.vmis.filter((s) => s.name === vmi && s.t >= since).map((s) => (s.type === 'DELETED' ? 'deleted' : s.phase ?? '')));
  }

  firstAt(vm: string, pred: (s: Sample) => boolean, since = 0): number | undefined {
    return this.vms.find((s) => s.name === vm && s.t >= since && pred(s))?.t;
  }

  stop(): void {
    for (const a of this.aborts) a.abort();
  }
}

const collapse = (xs: string[]) => xs.filter((x, i) => i === 0 || x !== xs[i - 1]);

export function timelineOf(bed: Bed, vmKey: string): TimelineEntry[] {
  return parseTimeline(readFileSync(bed.timeline, 'utf8')).filter((e) => e.vm === vmKey);
}
