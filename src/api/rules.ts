// Cross-field rules, each written twice on purpose: once in CEL for the API server (so kubectl
// rejects a bad object before it is stored) and once in TypeScript for the operator (so an object
// stored before a CRD upgrade, or sent to a server without CEL, still gets a clear InvalidSpec
// instead of a crash). A unit test runs both over the same table of specs and demands they agree.
import type { Role } from './domain.js';

export interface Rule<T> {
  rule: string;
  message: string;
  check: (self: T) => boolean;
}
type M = { vm: string; roles: readonly Role[]; side?: 1 | 2 };

const PAIRED: readonly Role[] = ['dbm', 'dbs', 'dbr', 'lb', 'store'];
// dbs and dbr form one tier, so their sides are judged together.
const PAIR_GROUPS: readonly (readonly Role[])[] = [['dbm'], ['dbs', 'dbr'], ['lb'], ['store']];

export const MACHINE_RULE_LIST: Rule<M>[] = [
  {
    rule: "!has(self.side) || self.roles.exists(r, r in ['dbm', 'dbs', 'dbr', 'lb', 'store'])",
    message: 'side is only for members of redundant pairs: give it to a VM with a dbm, dbs, dbr, lb or store role',
    check: (m) => m.side === undefined || m.roles.some((r) => PAIRED.includes(r)),
  },
];

export const MACHINES_RULE_LIST: Rule<M[]>[] = [
  {
    rule: 'size(self) > 0',
    message: 'spec.machines is empty: list at least one VirtualMachine',
    check: (ms) => ms.length > 0,
  },
  {
    rule: 'self.all(m, self.filter(n, n.vm == m.vm).size() == 1)',
    message: 'a VM is listed twice in spec.machines: list each VirtualMachine once, with all its roles',
    check: (ms) => new Set(ms.map((m) => m.vm)).size === ms.length,
  },
  {
    rule:
      "[['dbm'], ['dbs', 'dbr'], ['lb'], ['store']].all(g, " +
      '!self.exists(m, m.roles.exists(r, r in g) && has(m.side)) || (' +
      'self.all(m, !m.roles.exists(r, r in g) || has(m.side)) && ' +
      'self.exists(m, m.roles.exists(r, r in g) && has(m.side) && m.side == 1) && ' +
      'self.exists(m, m.roles.exists(r, r in g) && has(m.side) && m.side == 2)))',
    message:
      'a redundant pair is missing a side: once one VM of a role (dbm, dbs/dbr, lb, store) has a side, every VM of ' +
      'that role needs one, and sides 1 and 2 must both be present',
    check: (ms) =>
      PAIR_GROUPS.every((g) => {
        const members = ms.filter((m) => m.roles.some((r) => g.includes(r)));
        if (!members.some((m) => m.side !== undefined)) return true;
        return (
          members.every((m) => m.side !== undefined) &&
          members.some((m) => m.side === 1) &&
          members.some((m) => m.side === 2)
        );
      }),
  },
];

export const ACTIVE_SIDE_RULE_LIST: Rule<unknown>[] = [
  {
    rule: "type(self) == int ? (self == 1 || self == 2) : self == 'Auto'",
    message: 'must be 1, 2 or Auto',
    check: (v) => v === 1 || v === 2 || v === 'Auto',
  },
];

type Tls = { mode: string; caSecret?: string };
export const MYSQL_TLS_RULE_LIST: Rule<Tls>[] = [
  {
    rule: "!has(self.mode) || !(self.mode in ['VerifyCA', 'VerifyIdentity']) || has(self.caSecret)",
    message:
      "mode VerifyCA and VerifyIdentity need caSecret: a Secret with ca.crt, the CA that signed the MySQL servers' " +
      'certificates',
    check: (t) => !['VerifyCA', 'VerifyIdentity'].includes(t.mode) || t.caSecret !== undefined,
  },
];

type Exception = { date?: string; from?: string; to?: string };
export const SCHEDULE_EXCEPTION_RULE_LIST: Rule<Exception>[] = [
  {
    rule: 'has(self.date) != (has(self.from) || has(self.to))',
    message: 'an exception is either a whole date (date) or a local date-time range (from and to), not both',
    check: (e) => (e.date !== undefined) !== (e.from !== undefined || e.to !== undefined),
  },
  {
    rule: 'has(self.from) == has(self.to)',
    message: 'a range exception needs both from and to',
    check: (e) => (e.from !== undefined) === (e.to !== undefined),
  },
  {
    rule: '!has(self.from) || !has(self.to) || self.from < self.to',
    message: 'from must be before to (local date-times, YYYY-MM-DDTHH:MM)',
    check: (e) => e.from === undefined || e.to === undefined || e.from < e.to,
  },
];

// `on` is a boolean in YAML 1.1, which kubectl and Argo CD (sigs.k8s.io/yaml) still speak: a bare
// `on:` key arrives as "true", is pruned, and the schedule would have no window at all: Off for good,
// silently. Found by the Argo CD e2e. A missing `on` is refused with the way out in the message.
type ScheduleOn = { on?: unknown };
export const SCHEDULE_RULE_LIST: Rule<ScheduleOn>[] = [
  {
    rule: 'has(self.on)',
    message:
      'spec.schedule.on (the windows the ACD is On in) is missing. In YAML write the key quoted, "on":, ' +
      'because YAML 1.1 (kubectl, Argo CD) reads a bare on as true',
    check: (s) => s.on !== undefined,
  },
];

type PowerSpec = { powerState: string; schedule?: unknown };
export const SPEC_RULE_LIST: Rule<PowerSpec>[] = [
  {
    rule: "self.powerState != 'Scheduled' || has(self.schedule)",
    message: 'powerState Scheduled needs spec.schedule (a timeZone and the windows the ACD is On in)',
    check: (s) => s.powerState !== 'Scheduled' || s.schedule !== undefined,
  },
];

const cel = <T>(rules: Rule<T>[]) => rules.map(({ rule, message }) => ({ rule, message }));
export const MACHINE_RULES = cel(MACHINE_RULE_LIST);
export const MACHINES_RULES = cel(MACHINES_RULE_LIST);
export const ACTIVE_SIDE_RULES = cel(ACTIVE_SIDE_RULE_LIST);
export const MYSQL_TLS_RULES = cel(MYSQL_TLS_RULE_LIST);
export const SPEC_RULES = cel(SPEC_RULE_LIST);
export const SCHEDULE_EXCEPTION_RULES = cel(SCHEDULE_EXCEPTION_RULE_LIST);
export const SCHEDULE_RULES = cel(SCHEDULE_RULE_LIST);
