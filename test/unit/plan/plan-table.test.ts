import { describe, expect, test } from '@jest/globals';
import { formatPlanTable } from '../../../src/cli/plan-table.js';
import { planTransition, type Plan } from '../../../src/plan/index.js';
import { SEED_ACTIVE, SEED_LAYOUTS } from '../../fixtures/seed-layouts.js';

describe('formatPlanTable', () => {
  test('renders Medium V1 startup as an aligned table, steps numbered from 1', () => {
    const table = formatPlanTable(planTransition(SEED_LAYOUTS.MediumV1, {}, 'On'));
    expect(table).toBe(
      [
        'STEP  STAGE         VMS                      GATE       WAITS FOR                CHECKS',
        '1     store tier    acd-store-lb             Completed  acd-store-lb             -',
        '2     dbm tier      acd-dbm                  Completed  acd-dbm                  -',
        '3     dbs/dbr tier  acd-dbs-dbr              Completed  acd-dbs-dbr              mysqlReplication',
        '4     app tier      acd-jb1,acd-jb2,acd-tel  Completed  acd-jb1,acd-jb2,acd-tel  systemHealth',
      ].join('\n'),
    );
  });

  test('shows "-" for an Initiated stage that waits for nothing and several checks comma-separated', () => {
    const off = formatPlanTable(planTransition(SEED_LAYOUTS.LargeV3, SEED_ACTIVE, 'Off')).split('\n');
    expect(off[1]).toMatch(/^1 +app tier +acd-jb1,acd-jb2,acd-tel1,acd-tel2 +Initiated +- +-$/);
    const on = formatPlanTable(planTransition(SEED_LAYOUTS.LargeV3, SEED_ACTIVE, 'On')).split('\n');
    expect(on[2]).toMatch(/^2 +store side 1 \(inactive\) +acd-store1 +Completed +acd-store1 +pacemaker,drbd$/);
  });

  test('every column starts at the same offset on every line, with no trailing spaces', () => {
    const lines = formatPlanTable(planTransition(SEED_LAYOUTS.LargeV2, SEED_ACTIVE, 'Off')).split('\n');
    const header = lines[0] as string;
    const starts = ['STAGE', 'VMS', 'GATE', 'WAITS FOR', 'CHECKS'].map((h) => header.indexOf(h));
    for (const line of lines.slice(1)) {
      for (const start of starts) expect(line[start - 1]).toBe(' ');
      for (const start of starts) expect(line[start]).not.toBe(' ');
      expect(line).toBe(line.trimEnd());
    }
    expect(lines).toHaveLength(1 + 8); // header + Large V2 shutdown stages
  });

  test('an empty plan is just the header', () => {
    const empty: Plan = { direction: 'Off', stages: [] };
    expect(formatPlanTable(empty)).toBe('STEP  STAGE  VMS  GATE  WAITS FOR  CHECKS');
  });
});
