import { describe, expect, test } from '@jest/globals';
import { parseActive, parseCommandLine, UsageError } from '../../../src/cli/args.js';

describe('parseCommandLine', () => {
  test('flags before or after the command', () => {
    expect(parseCommandLine(['-n', 'prod', 'status', 'acd', '--watch'])).toEqual({
      command: 'status',
      namespace: 'prod',
      name: 'acd',
      watch: true,
    });
    expect(parseCommandLine(['power', 'OFF', 'acd', '--wait', '--timeout', '90s', '--kubeconfig', 'k'])).toEqual({
      command: 'power',
      kubeconfig: 'k',
      state: 'Off',
      name: 'acd',
      wait: true,
      timeoutMs: 90_000,
    });
    expect(parseCommandLine(['power', 'on', 'acd', '--until', '18:00', '--reason', 'campaign'])).toEqual({
      command: 'power',
      state: 'On',
      name: 'acd',
      wait: false,
      timeoutMs: 600_000,
      override: { until: '18:00', reason: 'campaign' },
    });
    expect(
      parseCommandLine([
        'power',
        'off',
        'acd',
        '--skip-gate',
        'no-active-calls',
        '--skip-gate',
        'queue-empty',
        '--reason',
        'one stuck call',
        '--wait',
      ]),
    ).toEqual({
      command: 'power',
      state: 'Off',
      name: 'acd',
      wait: true,
      timeoutMs: 600_000,
      skipGates: { gates: ['no-active-calls', 'queue-empty'], reason: 'one stuck call' },
    });
    expect(parseCommandLine(['plan', '-f', 'x.yaml', '--active', 'db=2,lb=1'])).toEqual({
      command: 'plan',
      file: 'x.yaml',
      active: { database: 2, loadBalancer: 1 },
    });
  });

  test('help', () => {
    expect(parseCommandLine([])).toEqual({ command: 'help' });
    expect(parseCommandLine(['status', '-h'])).toEqual({ command: 'help' });
  });

  test.each([
    [['frob'], /unknown command "frob"/],
    [['status', 'acd', '--bogus'], /--bogus/],
    [['plan', '--watch', 'acd'], /plan does not take --watch/],
    [['plan'], /plan needs -f FILE or one AcdCluster NAME/],
    [['plan', 'acd', '-f', 'x.yaml'], /either -f FILE or NAME/],
    [['plan', '-f', 'x.yaml', '-n', 'ns'], /no meaning with -f/],
    [['status'], /status needs one AcdCluster NAME/],
    [['power', 'up', 'acd'], /"on" or "off"/],
    [['power', 'on'], /needs one AcdCluster NAME/],
    [['power', 'on', 'acd', '--timeout', '1m'], /--timeout only applies with --wait/],
    [['power', 'on', 'acd', '--wait', '--timeout', 'soon'], /--timeout: not a duration/],
    [['power', 'on', 'acd', '--reason', 'x'], /--reason only applies with --until/],
    [['power', 'off', 'acd', '--skip-gate', 'no-active-calls'], /--skip-gate needs --reason/],
    [['power', 'off', 'acd', '--skip-gate', 'no-active-calls', '--reason', ' '], /--skip-gate needs --reason/],
    [['power', 'on', 'acd', '--skip-gate', 'g', '--reason', 'x'], /--skip-gate only applies to power off/],
    [['power', 'off', 'acd', '--skip-gate', 'g', '--reason', 'x', '--until', '18:00'], /does not combine with --until/],
    [['power', 'on', 'acd', '--until', '18:00', '--wait'], /follow an override with: acdctl status NAME --watch/],
    [['power', 'on', 'acd', '--until', '18:00', '--reason', 'x'.repeat(201)], /at most 200 characters/],
    [['status', 'acd', '--until', '18:00'], /status does not take --until/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });
});

describe('parseActive', () => {
  test("spec names and the seed's short names", () => {
    expect(parseActive('database=2,loadBalancer=1,storage=2')).toEqual({ database: 2, loadBalancer: 1, storage: 2 });
    expect(parseActive(' store = 1 ')).toEqual({ storage: 1 });
  });
  test.each(['database=3', 'disk=1', 'database', '', 'database=1=2'])('%j is rejected', (text) => {
    expect(() => parseActive(text)).toThrow(UsageError);
  });
});
