// `tsx bench/mem.ts [--scale N] [--entry label=path/to/main.js ...] [--snapshot]`: the operator's
// memory after its initial sync of N AcdClusters x 12 VMs (+ their VMIs), on one test bed, for one
// or more operator builds in turn (e.g. a build of the previous commit and the current dist/).
// Prints RSS / VmHWM / heapUsed / heapTotal / external per build and, with --snapshot, the
// biggest parts of a heap snapshot taken after the sync (node --heapsnapshot-signal=SIGUSR2).
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { SEED_LAYOUTS } from '../test/fixtures/seed-layouts.js';
import { repoRoot } from '../test/testbed/binaries.js';
import { startTestbed, stopTestbed } from '../test/testbed/testbed.js';
import { installAcdCrd, kubectlFor } from '../test/support/kubectl.js';
import { asList } from '../test/support/manifests.js';
import { acdObjects, operatorMemory, startOperator, waitAcds, type Operator } from './lib/cluster.js';
import { summarizeHeap } from './lib/heap.js';
import { vmHwmKb } from './lib/probe.js';
import { VmRecorder } from './lib/recorder.js';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '100' },
    speed: { type: 'string', default: '0.02' },
    entry: { type: 'string', multiple: true },
    snapshot: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const N = Number(values.scale);
const MACHINES = SEED_LAYOUTS.LargeV3;
const TIMING = { bootSeconds: 20, stopSeconds: 10 };
const entries = (values.entry?.length ? values.entry : [`current=${join(repoRoot, 'dist/main.js')}`]).map((e) => {
  // label=path[::node flags]
  const [spec, flagsPart] = e.split('::');
  const i = spec!.indexOf('=');
  const nodeFlags = flagsPart ? flagsPart.split(' ').filter(Boolean) : [];
  return i > 0
    ? { label: spec!.slice(0, i), path: spec!.slice(i + 1), nodeFlags }
    : { label: spec!, path: spec!, nodeFlags };
});
const t00 = Date.now();
const say = (m: string) => console.log(`${((Date.now() - t00) / 1000).toFixed(1).padStart(7)}s  ${m}`);
const mb = (b: number) => Math.round(b / 1048576);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'acd-mem-'));
  const tb = await startTestbed(dir, { speed: Number(values.speed), log: say });
  const kubectl = kubectlFor(tb.kubeconfig);
  const kc = new KubeConfig();
  kc.loadFromFile(tb.kubeconfig);
  const rec = new VmRecorder(kc);
  let op: Operator | undefined;
  const out: unknown[] = [];
  try {
    await installAcdCrd(kubectl);
    await rec.start();
    const nss = Array.from({ length: N }, (_, i) => `mem-s${String(i).padStart(3, '0')}`);
    for (let i = 0; i < nss.length; i += 10) {
      await kubectl(
        ['apply', '-f', '-'],
        asList(nss.slice(i, i + 10).flatMap((ns) => acdObjects(ns, MACHINES, TIMING, true))),
      );
    }
    await rec.waitAll(
      nss.flatMap((ns) => MACHINES.map((m) => `${ns}/${m.vm}`)),
      'On',
      900_000,
    );
    rec.stop();
    say(`${N * MACHINES.length} VMs up`);
    for (const e of entries) {
      op = await startOperator(tb.kubeconfig, join(dir, 'logs'), `operator-${e.label}`, {
        entry: e.path,
        nodeArgs: [...e.nodeFlags, '--heapsnapshot-signal=SIGUSR2'],
      });
      await waitAcds(kc, 'On', N, 600_000, 1000);
      await sleep(5000);
      const m = await operatorMemory(op);
      const r: Record<string, unknown> = {
        label: e.label,
        nodeFlags: e.nodeFlags.join(' '),
        clusters: N,
        rssMB: mb(m.rss),
        hwmMB: Math.round(vmHwmKb(op.pid) / 1024),
        heapUsedMB: mb(m.heapUsed),
        heapTotalMB: mb(m.heapTotal),
        externalMB: mb(m.external),
      };
      say(`${e.label}: ${JSON.stringify(r)}`);
      if (values.snapshot) {
        op.child.kill('SIGUSR2');
        let file: string | undefined;
        for (let i = 0; i < 600 && !file; i++) {
          await sleep(500);
          const f = readdirSync(op.cwd).find((x) => x.endsWith('.heapsnapshot'));
          // The file is complete once its size stops changing.
          if (f) {
            await sleep(3000);
            file = join(op.cwd, f);
          }
        }
        if (file) {
          const h = summarizeHeap(file, ['managedFields', 'metadata', 'spec', 'status', 'annotations', 'items']);
          r.heap = h;
          say(`${e.label} heap: total ${mb(h.totalBytes)} MB in ${h.nodes} nodes`);
          for (const t of h.byType.slice(0, 8)) say(`  type ${t.type}: ${mb(t.bytes)} MB (${t.count})`);
          for (const t of h.byName.slice(0, 12)) say(`  ${t.type} ${t.name}: ${mb(t.bytes)} MB (${t.count})`);
          for (const b of h.biggest.slice(0, 8))
            say(`  biggest ${b.name} ${Math.round(b.bytes / 1024)} kB: ${b.path.slice(0, 5).join(' / ')}`);
          for (const g of h.stringGroups.slice(0, 10)) say(`  strings "${g.prefix}": ${mb(g.bytes)} MB (${g.count})`);
          for (const b of h.below) say(`  below .${b.property} (${b.edges} edges): ${mb(b.bytes)} MB`);
          rmSync(file);
        }
      }
      out.push(r);
      await op.stop();
      op = undefined;
    }
    if (values.out) writeFileSync(values.out, JSON.stringify(out, null, 1) + '\n');
  } finally {
    rec.stop();
    await op?.stop().catch(() => undefined);
    await stopTestbed(tb);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`mem failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
