import { describe, expect, test } from '@jest/globals';
import { withRetry } from '../../../src/health/mysql-replication.js';
import type { CheckResult } from '../../../src/health/types.js';
import { redact } from '../../../src/health/util.js';

describe('withRetry', () => {
  test('returns the first healthy result and counts attempts', async () => {
    let n = 0;
    const r = await withRetry(
      async (): Promise<CheckResult> => ({ healthy: ++n === 3, message: `try ${n}`, details: {} }),
      { untilMs: 5_000, intervalMs: 10 },
    );
    expect(r).toEqual({ healthy: true, message: 'try 3', details: { attempts: 3 } });
  });

  test('a throwing check becomes an unhealthy result', async () => {
    const r = await withRetry(
      async () => {
        throw new Error('boom');
      },
      { untilMs: 0, intervalMs: 10 },
    );
    expect(r).toMatchObject({ healthy: false, message: 'check threw: boom', details: { attempts: 1 } });
  });
});

describe('redact', () => {
  test('scrubs secrets deeply, leaves short strings alone', () => {
    const out = redact({ a: 'pw=hunter22!', b: [{ c: 'x hunter22! y' }], n: 3 }, ['hunter22!', undefined, 'ab']);
    expect(out).toEqual({ a: 'pw=[redacted]', b: [{ c: 'x [redacted] y' }], n: 3 });
  });
});
