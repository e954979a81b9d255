// The reasons are one list each (src/api/reasons.ts); the docs' tables, the Argo CD health script and
// its test data must say the same, or a user reads about a reason the operator never writes.
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONDITION_REASONS, CONDITION_TYPES, EVENT_REASONS, STALL_REASONS } from '../../../src/api/reasons.js';

const root = join(import.meta.dirname, '../../..');
const read = (p: string) => readFileSync(join(root, p), 'utf8');

/** The backticked names in the first column of the markdown table under `heading`. */
function tableNames(markdown: string, heading: string): string[] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith(heading));
  if (!section) throw new Error(`no section ${heading}`);
  return section
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .flatMap((l) => [...l.split('|')[1]!.matchAll(/`(\w+)`/g)].map((m) => m[1]!));
}

describe('reasons', () => {
  const ops = read('docs/operations.md');

  test("docs/operations.md's Stalled table lists exactly the Stalled reasons", () => {
    expect(tableNames(ops, 'Stalled').sort()).toEqual([...STALL_REASONS].sort());
  });

  test("docs/operations.md's Events table lists exactly the event reasons", () => {
    expect(tableNames(ops, 'Events').sort()).toEqual([...EVENT_REASONS].sort());
  });

  test('the Argo CD health script reads only condition types the operator writes', () => {
    const lua = read('deploy/argocd/health/acd.power.dev/AcdCluster/health.lua');
    const looked = [...lua.matchAll(/(?:isTrue|isFalse|condition)\(status, "(\w+)"\)/g)].map((m) => m[1]!);
    const blocking = /local blocking = \{([^}]*)\}/.exec(lua)![1]!.match(/\w+/g)!;
    const read_ = [...new Set([...looked, ...blocking])].sort();
    expect(read_).toEqual(['ActiveUnknown', 'Degraded', 'Healthy', 'InvalidSpec', 'Ready', 'Reconciling', 'Stalled']);
    expect(read_.filter((t) => !(CONDITION_TYPES as readonly string[]).includes(t))).toEqual([]);
  });

  test("the Argo CD health script's test data carries only reasons the operator writes", () => {
    const dir = 'deploy/argocd/health/acd.power.dev/AcdCluster/testdata';
    const unknown = readdirSync(join(root, dir)).flatMap((f) =>
      [...read(`${dir}/${f}`).matchAll(/type: (\w+), status: "\w+", reason: (\w+)/g)]
        .filter(
          ([, type, reason]) => !(CONDITION_REASONS as Record<string, readonly string[]>)[type!]?.includes(reason!),
        )
        .map(([, type, reason]) => `${f}: ${type} ${reason}`),
    );
    expect(unknown).toEqual([]);
  });
});
