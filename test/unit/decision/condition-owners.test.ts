// Each condition has one owner. Healthy once had two (report.ts set it, then health-status.ts
// overwrote it on every pass where checks ran), so the reasons the first wrote never reached the API
// and no test noticed. The owners table makes a second owner impossible to type; this test keeps
// anyone from going around it with a setCondition of their own.
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CONDITION_TYPES } from '../../../src/api/reasons.js';
import { CONDITION_OWNERS } from '../../../src/decision/condition-owners.js';

const src = join(import.meta.dirname, '../../../src');
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });

describe('condition owners', () => {
  test('every condition type has its owner in the table, and nothing else', () => {
    expect(Object.keys(CONDITION_OWNERS).sort()).toEqual([...CONDITION_TYPES].sort());
  });

  test('no module of src sets a condition by hand: only the owners table does', () => {
    const byHand = files(src).flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/setCondition\([^,]+,\s*'(\w+)'/g)].map(
        (m) => `${relative(src, f)}: ${m[1]}`,
      ),
    );
    expect(byHand).toEqual([]);
  });
});
