// The SSH gate check and action against the real sshd of test/services: two simulated nodes (one
// port each, $ACD_TEST_NODE says which), logged in to with the health checks' credentials and
// host-key pinning.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { knownHostsOf } from '../../services/sshd.js';
import { freePort } from '../../services/proc.js';
import { loadServices, type ServicesState } from '../../services/state.js';
import { fakeSecrets, gate, obj, probes, specWith } from './support.js';

let state: ServicesState;
beforeAll(() => {
  state = loadServices();
});

const noVms = new Map();
/** Two tel VMs on the sshd's two node ports (plus any extra machine). */
const spec = (extra: object[] = []) =>
  specWith({
    machines: [
      { vm: 'acd-tel1', roles: ['tel'], host: state.sshd.host, ports: { ssh: state.sshd.nodes['node1'] } },
      { vm: 'acd-tel2', roles: ['tel'], host: state.sshd.host, ports: { ssh: state.sshd.nodes['node2'] } },
      { vm: 'acd-jb1', roles: ['jb'], host: state.sshd.host },
      ...extra,
    ],
    health: { checkTimeout: '10s', ssh: { credentialsSecret: 'ssh-creds' } },
  });
/** The credentials Secret as a user writes it (kubernetes.io/ssh-auth keys plus known_hosts). */
const probesWith = (knownHosts: string) =>
  probes(
    fakeSecrets({
      'ssh-creds': {
        username: state.sshd.username,
        'ssh-privatekey': readFileSync(state.sshd.keys['plain']!, 'utf8'),
        known_hosts: knownHosts,
      },
    }),
  );
const trusted = () => probesWith(knownHostsOf(state.sshd));

const CALLS =
  'case "$ACD_TEST_NODE" in node1) echo "active calls: 7";; *) echo "queue ok"; echo "active calls: 5";; esac';

describe('SSH check', () => {
  test('runs on every VM of the role and sums the captured numbers', async () => {
    const g = gate({
      check: { ssh: { role: 'tel', command: CALLS, regex: 'active calls: (\\d+)' } },
      successCondition: 'result == 0',
    });
    expect(await trusted().check(obj, spec(), noVms, g, 'a')).toEqual({
      passed: false,
      noData: false,
      value: '12',
      message: 'result 12: condition result == 0 not met',
    });
  });

  test('no match on any VM is no data; a match on one VM is its number', async () => {
    const g = (command: string) =>
      gate({
        check: { ssh: { role: 'tel', command, regex: 'active calls: (\\d+)' } },
        successCondition: 'result < 10',
        onNoData: 'Pass',
      });
    expect(await trusted().check(obj, spec(), noVms, g('echo idle; exit 1'), 'a')).toEqual({
      passed: true,
      noData: true,
      message:
        'no data (regex active calls: (\\d+) matched no output on acd-tel1 (exit 1), acd-tel2 (exit 1)): ' +
        'onNoData Pass counts it as passed',
    });
    const one = await trusted().check(
      obj,
      spec(),
      noVms,
      g('[ "$ACD_TEST_NODE" = node2 ] && echo "active calls: 3"'),
      'a',
    );
    expect(one).toMatchObject({ passed: true, noData: false, value: '3' });
  });

  test('an unreachable VM fails the attempt, naming it', async () => {
    const closed = await freePort();
    const extra = [{ vm: 'acd-tel9', roles: ['tel'], host: '127.0.0.1', ports: { ssh: closed } }];
    const g = gate({
      check: { ssh: { role: 'tel', command: CALLS, regex: 'calls: (\\d+)' } },
      successCondition: 'true',
    });
    const out = await trusted().check(obj, spec(extra), noVms, g, 'a');
    expect(out.passed).toBe(false);
    expect(out.value).toBeUndefined();
    expect(out.message).toMatch(new RegExp(`^ssh to acd-tel9 \\(127\\.0\\.0\\.1:${closed}\\) failed: .*ECONNREFUSED`));
  });

  test('a host key that is not pinned is refused before any login: the attempt fails, no number', async () => {
    const g = gate({
      check: { ssh: { role: 'tel', command: CALLS, regex: 'calls: (\\d+)' } },
      successCondition: 'true',
    });
    const stranger = `ssh-ed25519 ${randomBytes(32).toString('base64')}`;
    const node1 = `[${state.sshd.host}]:${state.sshd.nodes['node1']}`;
    const wrongKey = await probesWith(`${node1} ${stranger}\n`).check(obj, spec(), noVms, g, 'a');
    expect(wrongKey).toMatchObject({ passed: false, noData: false });
    expect(wrongKey.message).toMatch(/host key of acd-tel1 \(.*\) does not match known_hosts: SHA256:/);
    expect(wrongKey.message).toMatch(/host key of acd-tel2 \(.*\) is not in known_hosts: SHA256:/);
    const none = await probesWith('').check(obj, spec(), noVms, g, 'a');
    expect(none.message).toMatch(/is not in known_hosts \(the credentials Secret has no known_hosts key\)/);
  });

  test('without spec.health.ssh.credentialsSecret the attempt fails and says so', async () => {
    const g = gate({ check: { ssh: { role: 'tel', command: 'true', regex: '(\\d)' } }, successCondition: 'true' });
    const s = { ...spec(), health: { ...spec().health, ssh: { ...spec().health.ssh, credentialsSecret: undefined } } };
    expect((await trusted().check(obj, s, noVms, g, 'a')).message).toBe('spec.health.ssh.credentialsSecret is not set');
  });
});

describe('SSH action', () => {
  test('ok when the command exits 0 on every VM of the role', async () => {
    expect(
      await trusted().act(obj, spec(), noVms, { ssh: { role: 'tel', command: 'test -n "$ACD_TEST_NODE"' } }),
    ).toEqual({
      ok: true,
      message: 'ssh action exited 0 on acd-tel1, acd-tel2',
    });
  });

  test('not ok when one VM exits non-zero; the message names it, its exit code and its last stderr line', async () => {
    const command = '[ "$ACD_TEST_NODE" = node1 ] || { echo "drain refused" >&2; exit 3; }';
    expect(await trusted().act(obj, spec(), noVms, { ssh: { role: 'tel', command } })).toEqual({
      ok: false,
      message: 'ssh action failed on acd-tel2: exit 3: drain refused',
    });
  });

  test('a role no VM carries is not ok, before any login', async () => {
    const out = await trusted().act(obj, spec(), noVms, { ssh: { role: 'chat', command: 'true' } });
    expect(out).toEqual({ ok: false, message: 'no VM in spec.machines carries role chat' });
  });
});
