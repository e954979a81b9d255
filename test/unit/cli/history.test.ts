// acdctl history's table, from a sample status.
import { describe, expect, test } from '@jest/globals';
import type { AcdCluster } from '../../../src/api/types.js';
import { renderHistory } from '../../../src/cli/history.js';
import { parseCommandLine } from '../../../src/cli/args.js';

const acd = (history?: NonNullable<AcdCluster['status']>['history']): AcdCluster => ({
  metadata: { name: 'acd-prod', namespace: 'acd' },
  ...(history ? { status: { history } } : {}),
});

describe('acdctl history', () => {
  test('newest first: when, what and who, how long, seconds per stage, forced stops', () => {
    const out = renderHistory(
      acd([
        {
          direction: 'Off',
          trigger: { source: 'Schedule' },
          startedAt: '2026-11-27T21:00:00.102Z',
          finishedAt: '2026-11-27T21:09:31.000Z',
          outcome: 'Succeeded',
          seconds: 570.9,
          stages: [
            { name: 'app tier', seconds: 0.4 },
            { name: 'db tier', seconds: 310.2 },
          ],
          forcedStops: ['acd-dbm1'],
        },
        {
          direction: 'On',
          trigger: { source: 'Override', by: 'alice' },
          startedAt: '2026-11-28T06:00:00Z',
          finishedAt: '2026-11-28T06:02:00Z',
          outcome: 'Superseded',
          seconds: 120,
          stages: [{ name: 'db tier', seconds: 120 }, { name: 'app tier' }],
        },
      ]),
    );
    expect(out.split('\n')).toEqual([
      'STARTED               DIRECTION  TRIGGER   BY     OUTCOME     TOOK   SECONDS PER STAGE  FORCED STOPS',
      '2026-11-28T06:00:00Z  On         Override  alice  Superseded  2m     120 -              -',
      '2026-11-27T21:00:00Z  Off        Schedule  -      Succeeded   9m31s  0 310              acd-dbm1',
    ]);
  });

  test('nothing recorded yet says so', () => {
    expect(renderHistory(acd())).toBe('acdcluster acd-prod: no finished transition recorded yet');
  });

  test('the command line', () => {
    expect(parseCommandLine(['history', 'acd', '-n', 'prod'])).toEqual({
      command: 'history',
      name: 'acd',
      namespace: 'prod',
    });
    expect(() => parseCommandLine(['history'])).toThrow('history needs one AcdCluster NAME');
    expect(parseCommandLine(['restart', 'acd'])).toEqual({ command: 'restart', name: 'acd' });
    expect(() => parseCommandLine(['restart', 'a', 'b'])).toThrow('restart needs one AcdCluster NAME');
    expect(() => parseCommandLine(['restart', 'acd', '--until', '2h'])).toThrow('restart does not take --until');
    expect(() => parseCommandLine(['history', 'acd', '--watch'])).toThrow('history does not take --watch');
  });
});
