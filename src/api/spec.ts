// The AcdCluster spec, written once in zod. The same schema validates objects at run time and
// generates the CRD's openAPIV3Schema (src/api/crd.ts), so the two cannot drift.
import { z } from 'zod';
import { ROLES, TIERS, WEEKDAYS } from './domain.js';
import { DURATION_PATTERN } from './duration.js';
import {
  SPEC_RULES,
  MACHINES_RULES,
  MACHINE_RULES,
  ACTIVE_SIDE_RULES,
  MYSQL_TLS_RULES,
  SCHEDULE_EXCEPTION_RULES,
  SCHEDULE_RULES,
} from './rules.js';
import { GatesSchema } from './gates.js';

const duration = (what: string) =>
  z.string().regex(new RegExp(DURATION_PATTERN)).describe(`${what} A duration such as 90s, 10m or 1h30m.`);

export const RoleSchema = z.enum(ROLES);
export const SideSchema = z.union([z.literal(1), z.literal(2)]);

export const MachineSchema = z
  .object({
    vm: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/)
      .describe('Name of a KubeVirt VirtualMachine in the same namespace.'),
    roles: z
      .array(RoleSchema)
      .min(1)
      .max(10)
      .describe(
        'The jtel roles this VM carries, e.g. [store, lb, dbm, dbs, dbr, jb] for a Small V1 combined machine. A VM ' +
          'with several roles is started with its earliest role and stopped with its latest.',
      ),
    side: SideSchema.optional().describe(
      '1 or 2, only for members of redundant pairs (dbm1/dbm2, dbsN/dbrN following their master, lb1/lb2, ' +
        'store1/store2).',
    ),
    host: z
      .string()
      .min(1)
      .max(253)
      .optional()
      .describe('Address the health checks use to reach this VM. Default: the IP its VirtualMachineInstance reports.'),
    ports: z
      .object({
        mysql: z
          .number()
          .int()
          .min(1)
          .max(65535)
          .optional()
          .describe('MySQL/MariaDB port of this VM, if not spec.health.mysql.port.'),
        ssh: z
          .number()
          .int()
          .min(1)
          .max(65535)
          .optional()
          .describe('SSH port of this VM, if not spec.health.ssh.port.'),
      })
      .strict()
      .optional()
      .describe('Per-VM ports for the health checks.'),
  })
  .strict()
  .meta({ 'x-kubernetes-validations': MACHINE_RULES })
  .describe('One VirtualMachine of the ACD and its roles.');

const ActiveSideSchema = z
  .union([z.literal(1), z.literal(2), z.literal('Auto')])
  .default('Auto')
  .meta({ 'x-kubernetes-validations': ACTIVE_SIDE_RULES });

export const ActiveSchema = z
  .object({
    database: ActiveSideSchema.describe(
      'Active database master side: 1, 2 or Auto (detected, else taken from the VM annotation acd.power.dev/active ' +
        'or the last shutdown).',
    ),
    loadBalancer: ActiveSideSchema.describe('Active load balancer side (where the VIP runs): 1, 2 or Auto.'),
    storage: ActiveSideSchema.describe('Active storage side (the DRBD Primary): 1, 2 or Auto.'),
  })
  .strict()
  .describe(
    'Which side of each redundant pair is active. The inactive side goes down first; the active side comes up first.',
  );

export const TimeoutsSchema = z
  .object({
    vmStart: duration('How long one VM may take to become Ready.').default('10m'),
    vmStop: duration('How long one VM may take to stop.').default('10m'),
    stage: duration('How long one stage, including its health gate, may take before the cluster is Stalled.').default(
      '30m',
    ),
  })
  .strict()
  .describe('Timeouts. After one runs out the cluster is Stalled with a reason naming the VM and the stage.');

export const StopSchema = z
  .object({
    forceAfter: duration(
      'After this long a VM that ignores the graceful (ACPI) shutdown is stopped hard (gracePeriod 0). Unset: never ' +
        'force.',
    ).optional(),
  })
  .strict()
  .describe('How VMs are stopped.');

const port = (what: string, dflt: number) => z.number().int().min(1).max(65535).default(dflt).describe(what);
const secretName = (what: string) => z.string().min(1).max(253).optional().describe(what);

const MysqlTlsSchema = z
  .object({
    mode: z
      .enum(['Disabled', 'Preferred', 'Required', 'VerifyCA', 'VerifyIdentity'])
      .default('Preferred')
      .describe(
        'TLS to the MySQL servers. Preferred (default): TLS when the server offers it, else plain; it stops a ' +
          'passive listener but ' +
          'not an active one, and it is the default because many ACD databases run without TLS configured, where ' +
          'Required would ' +
          'fail every check out of the box. Required: TLS or fail, the server not verified. VerifyCA: TLS, the ' +
          "server's certificate " +
          "signed by caSecret's CA. VerifyIdentity: VerifyCA, and the certificate names the address the operator " +
          'connects to. ' +
          'Disabled: never TLS (a server that requires TLS then refuses the check, and the check says why).',
      ),
    caSecret: secretName(
      "Secret (same namespace) with key ca.crt: the CA (PEM) that signed the MySQL servers' certificates. Needed by " +
        'VerifyCA and VerifyIdentity.',
    ),
  })
  .strict()
  .prefault({})
  .meta({ 'x-kubernetes-validations': MYSQL_TLS_RULES })
  .describe('TLS to the MySQL servers: the monitoring password goes over this connection.');

export const HealthSchema = z
  .object({
    interval: duration(
      'How often the checks re-run while the ACD is On (they never touch a VM); only when a check is configured (a ' +
        'credentialsSecret set).',
    ).default('60s'),
    checkTimeout: duration('How long one check may take.').default('10s'),
    mysql: z
      .object({
        enabled: z
          .boolean()
          .default(true)
          .describe('Check MySQL replication between all replication partners (after the dbs/dbr stage and while On).'),
        credentialsSecret: secretName(
          'Secret (same namespace) with keys username and password of a monitoring user (MariaDB: GRANT REPLICA ' +
            'MONITOR, BINLOG MONITOR; MySQL: REPLICATION CLIENT). Unset: the check is skipped and says so.',
        ),
        port: port('MySQL port.', 3306),
        maxLagSeconds: z
          .number()
          .int()
          .min(0)
          .default(30)
          .describe('Largest replication lag that still counts as healthy.'),
        tls: MysqlTlsSchema,
      })
      .strict()
      .prefault({})
      .describe('MySQL/MariaDB replication check.'),
    ssh: z
      .object({
        credentialsSecret: secretName(
          'Secret (same namespace) with keys username and ssh-privatekey (as kubernetes.io/ssh-auth) for the ' +
            "Pacemaker and DRBD checks, and known_hosts: the VMs' host keys in OpenSSH known_hosts format, by " +
            'address or VM name (e.g. from ssh-keyscan). A VM whose key is not there fails the check before any ' +
            'login. Unset: those checks are skipped and say so.',
        ),
        port: port('SSH port.', 22),
        insecureSkipHostKeyVerification: z
          .boolean()
          .default(false)
          .describe(
            "Accept any SSH host key. Anyone who can answer on a VM's address then receives the operator's login and " +
              'can forge Pacemaker and DRBD health. For a first trial only: the condition HostKeysUnverified says ' +
              'so for as long as it is true.',
          ),
      })
      .strict()
      .prefault({})
      .describe('How the Pacemaker and DRBD checks log in.'),
    pacemaker: z
      .object({
        enabled: z
          .boolean()
          .default(true)
          .describe('Check `crm_mon` on the pcs members of each redundant lb/store pair.'),
      })
      .strict()
      .prefault({})
      .describe('Pacemaker (pcs) cluster check.'),
    drbd: z
      .object({
        enabled: z.boolean().default(true).describe('Check DRBD replication of the storage pair.'),
      })
      .strict()
      .prefault({})
      .describe('DRBD check.'),
  })
  .strict()
  .prefault({})
  .describe(
    'Health checks between stages and while On. Credentials come from Secrets and never appear in status, events or ' +
      'logs.',
  );

const HHMM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
const LOCAL_DATE = /^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/;
const LOCAL_DATE_TIME = /^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]$/;

export const ScheduleWindowSchema = z
  .object({
    days: z
      .array(z.enum(WEEKDAYS))
      .min(1)
      .max(7)
      .describe("Local weekdays the window starts on (Mon ... Sun), in the schedule's time zone."),
    from: z.string().max(5).regex(HHMM).describe('Local start, HH:MM.'),
    to: z
      .string()
      .max(5)
      .regex(new RegExp(`${HHMM.source}|^24:00$`))
      .describe('Local end, HH:MM (24:00 = midnight). Earlier than from: the window wraps past midnight.'),
  })
  .strict()
  .describe('The ACD is On inside the window.');

export const ScheduleExceptionSchema = z
  .object({
    date: z.string().max(10).regex(LOCAL_DATE).optional().describe('A whole local date, YYYY-MM-DD.'),
    from: z.string().max(16).regex(LOCAL_DATE_TIME).optional().describe('Local start, YYYY-MM-DDTHH:MM.'),
    to: z.string().max(16).regex(LOCAL_DATE_TIME).optional().describe('Local end (exclusive), YYYY-MM-DDTHH:MM.'),
    powerState: z.enum(['On', 'Off']).describe('The power state while the exception holds.'),
    reason: z.string().max(200).optional().describe('Why, for status and events (e.g. "Christmas campaign").'),
  })
  .strict()
  .meta({ 'x-kubernetes-validations': SCHEDULE_EXCEPTION_RULES })
  .describe('Beats the windows and the holiday calendar: a whole date, or a local date-time range.');

export const CalendarRefSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/)
      .describe('The ConfigMap, in the namespace of the AcdCluster.'),
    key: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[-._a-zA-Z0-9]+$/)
      .optional()
      .describe('The data key holding the dates; without it, every key of the ConfigMap is read.'),
  })
  .strict()
  .describe('A holiday calendar kept in a ConfigMap, shared by many ACDs.');

export const ScheduleSchema = z
  .object({
    timeZone: z
      .string()
      .min(1)
      .max(64)
      .describe('IANA time zone the windows are read in, e.g. Europe/Berlin. Never defaults to UTC.'),
    on: z
      .array(ScheduleWindowSchema)
      .max(50)
      .optional()
      .describe(
        'Windows the ACD is On in; Off outside them. Required. In YAML write the key quoted, "on":, because ' +
          'YAML 1.1 (kubectl, Argo CD) reads a bare on as true.',
      ),
    exceptions: z
      .array(ScheduleExceptionSchema)
      .max(200)
      .optional()
      .describe('Dates and ranges that override the windows, e.g. a holiday Off or a campaign Sunday On.'),
    announceBefore: duration(
      'How long before a scheduled change a ScheduledTransitionSoon event goes out (0s: never).',
    ).default('15m'),
    calendarRefs: z
      .array(CalendarRefSchema)
      .max(10)
      .optional()
      .describe(
        'Holiday calendars: ConfigMaps in the ACD\'s namespace with one local date YYYY-MM-DD a line ("#" starts a ' +
          'comment). Those dates are Off days unless an exception says otherwise. A missing ConfigMap or a line ' +
          'that is not a date sets ScheduleValid=False, and nothing is started or stopped until it is fixed.',
      ),
  })
  .strict()
  .meta({ 'x-kubernetes-validations': SCHEDULE_RULES })
  .describe(
    'When powerState is Scheduled: On inside the windows, Off outside, exceptions first. Read on every reconcile ' +
      'from the clock; after any downtime the ACD goes to the current slot, never replays a past one.',
  );

export const SpecSchema = z
  .object({
    powerState: z
      .enum(['On', 'Off', 'Scheduled'])
      .describe(
        'The requested power state of the whole ACD. Flip it to start or stop every VM stage by stage in the runbook ' +
          'order. Scheduled: On or Off as spec.schedule says at the time.',
      ),
    schedule: ScheduleSchema.optional(),
    machines: z
      .array(MachineSchema)
      .min(1)
      .max(100)
      .meta({ 'x-kubernetes-validations': MACHINES_RULES })
      .describe("The ACD's VirtualMachines and their roles. The sizing (Small V1 ... Large V3) is derived from them."),
    active: ActiveSchema.default({ database: 'Auto', loadBalancer: 'Auto', storage: 'Auto' }),
    timeouts: TimeoutsSchema.default({ vmStart: '10m', vmStop: '10m', stage: '30m' }),
    stop: StopSchema.default({}),
    failurePolicy: z
      .enum(['Halt', 'Continue'])
      .default('Halt')
      .describe(
        'Halt (default): a failed VM stops the transition at its stage. Continue: carry on with the next stage and ' +
          'report the failure.',
      ),
    health: HealthSchema,
    restartAfter: z.iso
      .datetime({ offset: true })
      .optional()
      .describe(
        'An ordered restart (Cluster API rolloutAfter idiom): once this time has passed, while the ACD is On, ' +
          'every VM whose running instance is older is restarted by one transition Off then On, stage by stage ' +
          'with every gate. Set it ahead for a maintenance night; while the ACD is Off it is recorded as skipped.',
      ),
    historyLimit: z
      .number()
      .int()
      .min(1)
      .max(50)
      .default(10)
      .describe(
        'How many finished transitions status.history keeps (1-50). 50 of a 30-VM ACD, every VM force-stopped, ' +
          'take 88 KB: far below the 1.5 MiB an object may have.',
      ),
    gates: GatesSchema.optional(),
    readiness: z
      .enum(['Ready', 'GuestAgent'])
      .default('Ready')
      .describe(
        'When a started VM counts as up: Ready (its VMI is Ready) or GuestAgent (Ready, and the guest agent has ' +
          'connected: AgentConnected, i.e. the guest OS has booted).',
      ),
    settle: z
      .array(
        z
          .object({
            tier: z.enum(TIERS).describe('The stage tier this delay follows (the tier column of `acdctl plan`).'),
            delay: duration('Settle time after the stage has passed its gate, before the next stage begins.'),
          })
          .strict(),
      )
      .max(10)
      .optional()
      .describe(
        "A settle time after a startup stage has passed its gate (vm-operator's powerOnDelay, SRM's delay): the " +
          'next stage begins that long after each startup stage of the tier that waits for its VMs; the longer ' +
          'of two entries for a tier wins. Startup only: shutdowns and the last stage never settle. Its end is ' +
          'kept in status (stages[].settleUntil), so a crash during it neither restarts it nor skips it.',
      ),
    recovery: z
      .enum(['Ordered', 'KubeVirt'])
      .default('Ordered')
      .describe(
        'Ordered (the default): KubeVirt never restarts a VM by itself. VMs are started on runStrategy Manual ' +
          "through KubeVirt's start subresource (never Always) and stopped into Halted (VMs held on Manual " +
          'through the stop subresource), and VMs that went down while the ACD is On are brought back by a ' +
          'Recovery transition in runbook order. KubeVirt: VMs are started by runStrategy Always, and KubeVirt ' +
          'restarts them by itself after an outage, in no order.',
      ),
    paused: z
      .boolean()
      .default(false)
      .describe('Freezes orchestration: no VM is started or stopped while true. Status keeps being reported.'),
  })
  .strict()
  .meta({ 'x-kubernetes-validations': SPEC_RULES })
  .describe('Desired power state of a jtel ACD and the map of its VirtualMachines to roles.');

export type AcdClusterSpec = z.output<typeof SpecSchema>;
export type MachineSpec = z.output<typeof MachineSchema>;
export type HealthSpec = z.output<typeof HealthSchema>;
export type ActiveSetting = 1 | 2 | 'Auto';
export type CalendarRef = z.output<typeof CalendarRefSchema>;
