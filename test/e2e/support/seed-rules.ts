// The seed's order, written a second time straight from its prose, independently of src/plan, so
// the e2e suite checks the operator's real VM timeline against the runbook and not against itself.
// A step lists VMs started/stopped together ("in no particular order"); `wait` says whether the
// runbook waits for the step to finish before the next one ("You do not have to wait ..." = false).
import type { Sizing } from '../../../src/plan/index.js';

export interface Step {
  vms: string[];
  wait: boolean;
  quote: string;
  waitAlso?: string[];
}
type Seed = Exclude<Sizing, 'Custom'>;

const APP_SMALL = ['acd-jb1', 'acd-jb2', 'acd-tel'];
const APP_LARGE = ['acd-jb1', 'acd-jb2', 'acd-tel1', 'acd-tel2'];

export const SEED_STARTUP: Record<Seed, Step[]> = {
  SmallV1: [
    {
      vms: ['acd-store-lb-dbm-dbs-dbr-jb'],
      wait: true,
      quote: 'Wait until acd-store/lb/dbm/dbs/dbr/jb is up before starting acd-tel.',
    },
    { vms: ['acd-tel'], wait: true, quote: '' },
  ],
  SmallV2: [
    { vms: ['acd-store-lb-jb'], wait: true, quote: 'First start acd-store/lb/jb and wait until it is up.' },
    { vms: ['acd-dbm-dbs-dbr'], wait: true, quote: 'Start acd-dbm/dbs/dbr and wait until it is up.' },
    { vms: ['acd-tel'], wait: true, quote: 'Start acd-tel afterwards.' },
  ],
  SmallV3: [
    { vms: ['acd-store-lb'], wait: true, quote: 'First start acd-store/lb and wait until it is up.' },
    { vms: ['acd-dbm-dbs-dbr'], wait: true, quote: 'Start acd-dbm/dbs/dbr and wait until it is up.' },
    { vms: APP_SMALL, wait: true, quote: 'Start acd-jbN and acd-tel afterwards in no particular order.' },
  ],
  MediumV1: [
    { vms: ['acd-store-lb'], wait: true, quote: 'First start acd-store/lb and wait until it is up.' },
    { vms: ['acd-dbm'], wait: true, quote: 'Start acd-dbm and wait until it is up.' },
    {
      vms: ['acd-dbs-dbr'],
      wait: true,
      quote: 'Start acd-dbs/dbr and check the MySQL replication status after it is up.',
    },
    { vms: APP_SMALL, wait: true, quote: 'Start acd-jbN and acd-tel afterwards in no particular order.' },
  ],
  MediumV2: [
    { vms: ['acd-store'], wait: true, quote: 'First start acd-store and wait until it is up.' },
    { vms: ['acd-lb'], wait: true, quote: 'Start acd-lb and wait until it is up.' },
    { vms: ['acd-dbm'], wait: true, quote: 'Start acd-dbm and wait until it is up.' },
    { vms: ['acd-dbs-dbr'], wait: true, quote: 'Start acd-dbs/dbr and wait until it is up.' },
    { vms: APP_SMALL, wait: true, quote: 'Start acd-jbN and acd-tel afterwards in no particular order.' },
  ],
  LargeV1: [
    { vms: ['acd-store'], wait: true, quote: 'First start acd-store and wait until it is up.' },
    { vms: ['acd-lb'], wait: true, quote: 'Start acd-lb and wait until it is up.' },
    { vms: ['acd-dbm2'], wait: true, quote: 'Start acd-dbm2 and wait until it is up.' },
    { vms: ['acd-dbm1'], wait: true, quote: 'Start acd-dbm1 and wait until it is up.' },
    { vms: ['acd-dbs2-dbr2'], wait: true, quote: 'start acd-dbs2/dbr2 and wait until it is up.' },
    { vms: ['acd-dbs1-dbr1'], wait: true, quote: 'Start acd-dbs1/dbr1 and wait until it is up.' },
    { vms: APP_LARGE, wait: true, quote: 'Start acd-jbN and acd-tel afterwards in no particular order.' },
  ],
  LargeV2: [
    { vms: ['acd-store'], wait: true, quote: 'First start acd-store and wait until it is up.' },
    { vms: ['acd-lb2'], wait: true, quote: 'Start acd-lb2 and wait until it is up.' },
    { vms: ['acd-lb1'], wait: true, quote: 'Start acd-lb1 and wait until it is up.' },
    { vms: ['acd-dbm2'], wait: true, quote: 'Start acd-dbm2 and wait until it is up.' },
    { vms: ['acd-dbm1'], wait: true, quote: 'Start acd-dbm1 and wait until it is up.' },
    { vms: ['acd-dbs2-dbr2'], wait: true, quote: 'start acd-dbs2/dbr2 and wait until it is up.' },
    { vms: ['acd-dbs1-dbr1'], wait: true, quote: 'Start acd-dbs1/dbr1 and wait until it is up.' },
    { vms: APP_LARGE, wait: true, quote: 'Start acd-jbN and acd-tel afterwards in no particular order.' },
  ],
  LargeV3: [
    { vms: ['acd-store2'], wait: true, quote: 'First start acd-store2 and wait until it is up.' },
    { vms: ['acd-store1'], wait: true, quote: 'Start acd-store1 and wait until it is up.' },
    { vms: ['acd-lb2'], wait: true, quote: 'Start acd-lb2 and wait until it is up.' },
    { vms: ['acd-lb1'], wait: true, quote: 'Start acd-lb1 and wait until it is up.' },
    { vms: ['acd-dbm2'], wait: true, quote: 'Start acd-dbm2 and wait until it is up.' },
    { vms: ['acd-dbm1'], wait: true, quote: 'Start acd-dbm1 and wait until it is up.' },
    { vms: ['acd-dbs2-dbr2'], wait: true, quote: 'start acd-dbs2/dbr2 and wait until it is up.' },
    { vms: ['acd-dbs1-dbr1'], wait: true, quote: 'Start acd-dbs1/dbr1 and wait until it is up.' },
    { vms: APP_LARGE, wait: true, quote: 'Start acd-jbN and acd-tel afterwards in no particular order.' },
  ],
};

const LARGE_DB_DOWN: Step[] = [
  {
    vms: APP_LARGE,
    wait: false,
    quote:
      'First shutdown acd-tel and acd-jbN in no particular order. ' +
      'You do not have to wait until acd-tel and acd-jbN are down before shutting acd-dbs1/dbr1 and acd-dbs2/dbr2 down',
  },
  { vms: ['acd-dbs1-dbr1'], wait: false, quote: 'simultaneously, but in correct order.' },
  {
    vms: ['acd-dbs2-dbr2'],
    wait: true,
    waitAlso: ['acd-dbs1-dbr1'],
    quote: 'Wait until acd-dbs1/dbr1 and acd-dbs2/dbr2 are down until shutting acd-dbm1 down.',
  },
  { vms: ['acd-dbm1'], wait: true, quote: 'Wait until acd-dbm1 is down before shutting down acd-dbm2.' },
  { vms: ['acd-dbm2'], wait: true, quote: 'Wait until acd-dbm2 is down before shutting down acd-lb…' },
];

export const SEED_SHUTDOWN: Record<Seed, Step[]> = {
  SmallV1: [
    {
      vms: ['acd-tel'],
      wait: false,
      quote: 'You do not have to wait until acd-tel is down before shutting acd-store/lb/dbm/dbs/dbr/jb down.',
    },
    { vms: ['acd-store-lb-dbm-dbs-dbr-jb'], wait: true, quote: '' },
  ],
  SmallV2: [
    {
      vms: ['acd-tel'],
      wait: false,
      quote: 'You do not have to wait until acd-tel is down before starting the shutdown at acd-dbm/dbs/dbr.',
    },
    {
      vms: ['acd-dbm-dbs-dbr'],
      wait: true,
      quote: 'Wait for acd-dbm/dbs/dbr to shutdown shutting acd-store/lb/jb down.',
    },
    { vms: ['acd-store-lb-jb'], wait: true, quote: '' },
  ],
  SmallV3: [
    {
      vms: APP_SMALL,
      wait: false,
      quote:
        'First shutdown acd-tel and acd-jbN in no particular order. ' +
        'You do not have to wait until acd-tel and acd-jbN are down before starting the shutdown at acd-dbm/dbs/dbr.',
    },
    {
      vms: ['acd-dbm-dbs-dbr'],
      wait: true,
      quote: 'Wait for acd-dbm/dbs/dbr to shutdown before shutting acd-store/lb down.',
    },
    { vms: ['acd-store-lb'], wait: true, quote: '' },
  ],
  MediumV1: [
    {
      vms: APP_SMALL,
      wait: false,
      quote: 'You do not have to wait until acd-tel and acd-jbN are down before starting the shutdown at acd-dbs/dbr.',
    },
    { vms: ['acd-dbs-dbr'], wait: true, quote: 'Wait until acd-dbs/dbr is shutdown before shutting acd-dbm down.' },
    { vms: ['acd-dbm'], wait: true, quote: 'Wait until acd-dbm is shutdown before shutting acd-store/lb down.' },
    { vms: ['acd-store-lb'], wait: true, quote: '' },
  ],
  MediumV2: [
    {
      vms: APP_SMALL,
      wait: false,
      quote: 'You do not have to wait until acd-tel and acd-jbN are down before shutting acd-dbs/dbr down.',
    },
    { vms: ['acd-dbs-dbr'], wait: true, quote: 'Wait until acd-dbs/dbr is shutdown before shutting acd-dbm down.' },
    { vms: ['acd-dbm'], wait: true, quote: 'Wait until acd-dbm is shutdown before shutting acd-lb down.' },
    { vms: ['acd-lb'], wait: true, quote: 'Wait until acd-lb is shutdown before shutting acd-store down.' },
    { vms: ['acd-store'], wait: true, quote: '' },
  ],
  LargeV1: [
    ...LARGE_DB_DOWN,
    { vms: ['acd-lb'], wait: true, quote: 'Wait until acd-lb is down before shutting acd-store down.' },
    { vms: ['acd-store'], wait: true, quote: '' },
  ],
  LargeV2: [
    ...LARGE_DB_DOWN,
    { vms: ['acd-lb1'], wait: true, quote: 'Wait until acd-lb1 is down before shutting down acd-lb2.' },
    { vms: ['acd-lb2'], wait: true, quote: 'Wait until acd-lb2 is down before shutting down acd-store.' },
    { vms: ['acd-store'], wait: true, quote: '' },
  ],
  LargeV3: [
    ...LARGE_DB_DOWN,
    { vms: ['acd-lb1'], wait: true, quote: 'Wait until acd-lb1 is down before shutting down acd-lb2.' },
    { vms: ['acd-lb2'], wait: true, quote: 'Wait until acd-lb2 is down before shutting down acd-store1.' },
    { vms: ['acd-store1'], wait: true, quote: 'Wait until acd-store1 is down until shutting acd-store2 down.' },
    { vms: ['acd-store2'], wait: true, quote: '' },
  ],
};

export interface Violation {
  rule: string;
  detail: string;
}
export interface TimelineView {
  commandedAt(vm: string, target: 'On' | 'Off', since: number): number | undefined;
  reachedAt(vm: string, target: 'On' | 'Off', since: number): number | undefined;
}

/**
 * Checks a recorded timeline against the steps:
 * - a waiting step: no VM of a later step is commanded before every VM of it reached the target;
 * - a step the runbook does not wait for: the next step's first command comes before its last VM
 *   is done (the parallelism the runbook allows was used);
 * - a step's VMs are all commanded before any of them is done ("in no particular order").
 */
export function checkTimeline(steps: Step[], target: 'On' | 'Off', tl: TimelineView, since: number): Violation[] {
  const v: Violation[] = [];
  const cmd = (vm: string) => tl.commandedAt(vm, target, since);
  const done = (vm: string) => tl.reachedAt(vm, target, since);
  steps.forEach((step, i) => {
    for (const vm of step.vms) {
      if (cmd(vm) === undefined) v.push({ rule: `step ${i + 1}`, detail: `${vm} was never commanded ${target}` });
      if (done(vm) === undefined) v.push({ rule: `step ${i + 1}`, detail: `${vm} never reached ${target}` });
    }
    if (step.vms.length > 1) {
      const lastCmd = Math.max(...step.vms.map((x) => cmd(x) ?? Infinity));
      const firstDone = Math.min(...step.vms.map((x) => done(x) ?? Infinity));
      if (lastCmd > firstDone)
        v.push({ rule: `step ${i + 1} together`, detail: `${step.vms.join(', ')} were not commanded together` });
    }
    const later = steps.slice(i + 1).flatMap((s) => s.vms);
    if (!later.length) return;
    const lastDone = Math.max(...step.vms.map((x) => done(x) ?? Infinity));
    const lastAwaited = Math.max(lastDone, ...(step.waitAlso ?? []).map((x) => done(x) ?? Infinity));
    const firstLater = Math.min(...later.map((x) => cmd(x) ?? Infinity));
    if (step.wait && firstLater < lastAwaited) {
      v.push({
        rule: `step ${i + 1} waits: "${step.quote}"`,
        detail:
          `a later VM was commanded ${lastAwaited - firstLater} ms before ` +
          `${[...step.vms, ...(step.waitAlso ?? [])].join(', ')} reached ${target}`,
      });
    }
    const next = steps[i + 1]!.vms;
    const firstNext = Math.min(...next.map((x) => cmd(x) ?? Infinity));
    if (!step.wait && firstNext >= lastDone) {
      v.push({
        rule: `step ${i + 1} need not wait: "${step.quote}"`,
        detail: `${next.join(', ')} waited for ${step.vms.join(', ')}`,
      });
    }
    const firstThis = Math.min(...step.vms.map((x) => cmd(x) ?? Infinity));
    if (firstNext < firstThis)
      v.push({ rule: `step ${i + 1} order`, detail: `${next.join(', ')} commanded before ${step.vms.join(', ')}` });
  });
  return v;
}

/**
 * The safety rules of checkTimeline only ("a waiting step is waited for", "steps in order", every VM
 * commanded and there). The two others say the overlap the runbook allows was used (the next step
 * commanded before the app tier is down; a step's VMs commanded together). An operator killed
 * between two commands cannot overlap anything, so across a SIGKILL they are liveness, not order.
 */
export const orderOnly = (violations: Violation[]) =>
  violations.filter((v) => !/ need not wait| together$/.test(v.rule));
