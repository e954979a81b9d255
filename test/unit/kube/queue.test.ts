// The per-key work queue: the controller's only guarantee that one AcdCluster is never reconciled
// by two workers at once (two workers could both issue the same stage's commands).
import { afterEach, describe, expect, jest, test } from '@jest/globals';
import { WorkQueue } from '../../../src/kube/queue.js';

/** A handler whose calls the test resolves or rejects by hand. */
function controlled() {
  const calls: { key: string; resolve: (v?: { requeueAfterMs?: number }) => void; reject: (e: Error) => void }[] = [];
  let running = new Map<string, number>();
  let maxPerKey = 0;
  let maxTotal = 0;
  const handler = (key: string) =>
    new Promise<{ requeueAfterMs?: number } | void>((resolve, reject) => {
      running.set(key, (running.get(key) ?? 0) + 1);
      maxPerKey = Math.max(maxPerKey, running.get(key)!);
      maxTotal = Math.max(
        maxTotal,
        [...running.values()].reduce((a, b) => a + b, 0),
      );
      const end = () => running.set(key, running.get(key)! - 1);
      calls.push({
        key,
        resolve: (v) => {
          end();
          resolve(v);
        },
        reject: (e) => {
          end();
          reject(e);
        },
      });
    });
  return {
    handler,
    calls,
    stats: () => ({ maxPerKey, maxTotal }),
    reset: () => {
      running = new Map();
    },
  };
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

let queues: WorkQueue[] = [];
const make = (...args: ConstructorParameters<typeof WorkQueue>) => {
  const q = new WorkQueue(...args);
  queues.push(q);
  return q;
};
afterEach(() => {
  queues.forEach((q) => q.stop());
  queues = [];
  jest.useRealTimers();
});

describe('WorkQueue', () => {
  test(
    'per-key serialisation: adding a key while it runs never starts a second handler; ' +
      'it runs once more afterwards (dirty)',
    async () => {
      const h = controlled();
      const q = make(h.handler, { concurrency: 4 });
      q.add('ns/a');
      await flush();
      q.add('ns/a');
      q.add('ns/a');
      await flush();
      expect(h.calls).toHaveLength(1);
      h.calls[0]!.resolve();
      await flush();
      // Dirty re-run: the adds during processing collapse into exactly one more run.
      expect(h.calls).toHaveLength(2);
      h.calls[1]!.resolve();
      await flush();
      expect(h.calls).toHaveLength(2);
      expect(h.stats().maxPerKey).toBe(1);
    },
  );

  test('dedupe: a key added many times while waiting is processed once', async () => {
    const h = controlled();
    const q = make(h.handler, { concurrency: 1 });
    q.add('busy');
    for (let i = 0; i < 5; i++) q.add('waiting');
    expect(q.depth).toBe(2);
    await flush();
    h.calls[0]!.resolve();
    await flush();
    expect(h.calls.map((c) => c.key)).toEqual(['busy', 'waiting']);
    h.calls[1]!.resolve();
    await flush();
    expect(h.calls).toHaveLength(2);
    expect(q.depth).toBe(0);
  });

  test('concurrency: different keys run in parallel up to the limit, never beyond', async () => {
    const h = controlled();
    const q = make(h.handler, { concurrency: 3 });
    for (const k of ['a', 'b', 'c', 'd', 'e']) q.add(k);
    await flush();
    expect(h.calls.map((c) => c.key)).toEqual(['a', 'b', 'c']);
    h.calls[1]!.resolve();
    await flush();
    expect(h.calls.map((c) => c.key)).toEqual(['a', 'b', 'c', 'd']);
    h.calls.forEach((c) => c.resolve());
    await flush();
    h.calls.forEach((c) => c.resolve());
    await flush();
    expect(h.calls.map((c) => c.key).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(h.stats().maxTotal).toBe(3);
  });

  test('many keys hammered concurrently: never two handlers for one key', async () => {
    let inFlight = new Set<string>();
    let overlap = false;
    let runs = 0;
    const q = make(
      async (key) => {
        if (inFlight.has(key)) overlap = true;
        inFlight.add(key);
        runs++;
        await new Promise((r) => setTimeout(r, 1 + (runs % 3)));
        inFlight.delete(key);
      },
      { concurrency: 8 },
    );
    for (let i = 0; i < 200; i++) {
      q.add(`k${i % 5}`);
      if (i % 7 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await q.drain();
    expect(overlap).toBe(false);
    expect(runs).toBeGreaterThanOrEqual(5);
    inFlight = new Set();
  });

  test('errors back off exponentially per key, capped, and onError is told the delay; success resets', async () => {
    jest.useFakeTimers();
    const delays: number[] = [];
    let fail = 5;
    const runsAt: number[] = [];
    const q = make(
      async () => {
        runsAt.push(Date.now());
        if (fail-- > 0) throw new Error('conflict');
      },
      { baseDelayMs: 100, maxDelayMs: 1_000, onError: (_k, _e, ms) => delays.push(ms) },
    );
    const t0 = Date.now();
    q.add('x');
    await jest.advanceTimersByTimeAsync(10_000);
    expect(delays).toEqual([100, 200, 400, 800, 1_000]);
    expect(runsAt.map((t) => t - t0)).toEqual([0, 100, 300, 700, 1_500, 2_500]);
    // After the success the failure count is gone: the next error starts at the base delay again.
    fail = 1;
    q.add('x');
    await jest.advanceTimersByTimeAsync(1_000);
    expect(delays.at(-1)).toBe(100);
  });

  test('requeueAfterMs from the handler schedules the key again after that delay', async () => {
    jest.useFakeTimers();
    const runsAt: number[] = [];
    const t0 = Date.now();
    const q = make(async () => {
      runsAt.push(Date.now() - t0);
      return runsAt.length < 3 ? { requeueAfterMs: 5_000 } : {};
    });
    q.add('x');
    await jest.advanceTimersByTimeAsync(60_000);
    expect(runsAt).toEqual([0, 5_000, 10_000]);
  });

  test('addAfter: not before the delay; a second addAfter for the same key does not run it twice', async () => {
    jest.useFakeTimers();
    const seen: number[] = [];
    const t0 = Date.now();
    const q = make(async () => {
      seen.push(Date.now() - t0);
    });
    q.addAfter('x', 1_000);
    q.addAfter('x', 1_000);
    await jest.advanceTimersByTimeAsync(999);
    expect(seen).toEqual([]);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(seen).toEqual([1_000]);
    q.addAfter('y', 0);
    await jest.advanceTimersByTimeAsync(0);
    expect(seen).toHaveLength(2);
  });

  test(
    'addAfter: a sooner request is not swallowed by a later one already pending ' + '(earliest deadline wins)',
    async () => {
      jest.useFakeTimers();
      const seen: number[] = [];
      const t0 = Date.now();
      const q = make(async () => {
        seen.push(Date.now() - t0);
      });
      // E.g. a 60 s error backoff is pending when a reconcile asks to be polled again in 5 s.
      q.addAfter('x', 60_000);
      q.addAfter('x', 5_000);
      await jest.advanceTimersByTimeAsync(120_000);
      expect(seen[0]).toBe(5_000);
    },
  );

  test('stop: no new work starts, pending delays are dropped, running work finishes', async () => {
    jest.useFakeTimers();
    const h = controlled();
    const q = make(h.handler, { concurrency: 1 });
    q.add('a');
    q.add('b');
    q.addAfter('c', 1_000);
    await jest.advanceTimersByTimeAsync(0);
    expect(h.calls.map((c) => c.key)).toEqual(['a']);
    q.stop();
    q.add('d');
    h.calls[0]!.resolve({ requeueAfterMs: 10 });
    await jest.advanceTimersByTimeAsync(5_000);
    expect(h.calls.map((c) => c.key)).toEqual(['a']);
  });

  test('drain after stop waits for running work only, and does not hang on keys that will never start', async () => {
    const h = controlled();
    const q = make(h.handler, { concurrency: 1 });
    q.add('a');
    q.add('b');
    await flush();
    q.stop();
    let drained = false;
    const p = q.drain().then(() => {
      drained = true;
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(drained).toBe(false); // 'a' still runs
    h.calls[0]!.resolve();
    await Promise.race([p, new Promise((r) => setTimeout(r, 1_000))]);
    expect(drained).toBe(true);
    expect(h.calls.map((c) => c.key)).toEqual(['a']);
  });
});
