// Each condition has one owner: one module sets it. Healthy once had two (report.ts set it, then
// health-status.ts overwrote it on every pass where checks ran), so the reasons the first wrote
// never reached the API and no test noticed. This reads the source, as a lint rule would.
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(import.meta.dirname, '../../../src/reconcile');

describe('condition owners', () => {
  test('every condition type is set by exactly one module of src/reconcile', () => {
    const owners = new Map<string, Set<string>>();
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
      for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/setCondition\([^,]+,\s*'(\w+)'/g)) {
        owners.set(m[1]!, (owners.get(m[1]!) ?? new Set()).add(f));
      }
    }
    const shared = [...owners].filter(([, files]) => files.size > 1).map(([type, files]) => `${type}: ${[...files].join(', ')}`);
    expect(shared).toEqual([]);
    expect([...owners.keys()].sort()).toEqual(['ActiveUnknown', 'Degraded', 'Healthy', 'HostKeysUnverified', 'InvalidSpec', 'Ready', 'Reconciling', 'Stalled']);
  });
});
