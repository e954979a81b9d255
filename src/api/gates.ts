// spec.gates: named checks around a transition that the runbook does not know but a contact centre
// needs (no live calls before Off, a smoke test after On). Written once in zod like the rest of the
// spec; the shape follows Argo Rollouts' AnalysisTemplate (one provider per check, a condition over
// its result, consecutive successes) and Flagger's webhooks (an HTTP answer advances or holds).
import { z } from 'zod';
import { DURATION_PATTERN } from './duration.js';
import { ROLES } from './domain.js';

const duration = (what: string) =>
  z.string().regex(new RegExp(DURATION_PATTERN)).describe(`${what} A duration such as 90s, 10m or 1h30m.`);
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const one = (keys: string[], what: string) => ({
  rule: keys.map((k) => `(has(self.${k}) ? 1 : 0)`).join(' + ') + ' == 1',
  message: `${what}: give exactly one of ${keys.join(', ')}`,
});

export const SecretKeyRefSchema = z
  .object({
    name: z.string().min(1).max(253).describe('Secret in the namespace of the AcdCluster.'),
    key: z.string().min(1).max(253).describe('Key of the Secret.'),
  })
  .strict()
  .describe('A value kept in a Secret: it never appears in status, events or logs.');

export const HeaderSchema = z
  .object({
    name: z.string().min(1).max(256).describe('Header name, e.g. Authorization.'),
    value: z.string().max(4096).optional().describe('A literal value (not for secrets).'),
    valueFrom: z
      .object({ secretKeyRef: SecretKeyRefSchema })
      .strict()
      .optional()
      .describe('The value, read from a Secret at each call.'),
  })
  .strict()
  .meta({ 'x-kubernetes-validations': [one(['value', 'valueFrom'], 'a header')] })
  .describe('One HTTP header.');

export const HttpCallSchema = z
  .object({
    url: z
      .string()
      .min(1)
      .max(2048)
      .regex(/^https?:\/\//)
      .describe('http:// or https:// URL.'),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('GET').describe('HTTP method.'),
    headers: z.array(HeaderSchema).max(20).optional().describe('Headers; values may come from Secrets.'),
    body: z.string().max(65536).optional().describe('Request body, sent as is.'),
  })
  .strict()
  .describe('An HTTP call.');

export const SshCommandSchema = z
  .object({
    role: z.enum(ROLES).describe('Run on every VM that carries this role, with spec.health.ssh credentials.'),
    command: z.string().min(1).max(4096).describe('The shell command.'),
  })
  .strict()
  .describe("A command over SSH, with the health checks' credentials and verified host keys.");

export const GateActionSchema = z
  .object({
    ssh: SshCommandSchema.optional(),
    http: HttpCallSchema.optional(),
  })
  .strict()
  .meta({ 'x-kubernetes-validations': [one(['ssh', 'http'], 'an action')] })
  .describe('A one-shot action: an SSH command on the VMs of a role, or an HTTP call. A 2xx / exit 0 succeeds.');

export const HttpCheckSchema = HttpCallSchema.extend({
  jsonPath: z
    .string()
    .max(256)
    .optional()
    .describe(
      'Dotted path into the JSON answer, e.g. data.activeCalls or items[0].count; its value is the result. ' +
        'Without it the result is the status code. A 404 or a missing path is no data.',
    ),
}).describe('HTTP check: the status code, or a value of the JSON answer.');

export const PrometheusCheckSchema = z
  .object({
    address: z
      .string()
      .min(1)
      .max(2048)
      .regex(/^https?:\/\//)
      .describe('Prometheus server, e.g. http://prom:9090.'),
    query: z.string().min(1).max(4096).describe('PromQL instant query; its single value is the result.'),
    headers: z.array(HeaderSchema).max(20).optional().describe('Headers, e.g. a bearer token from a Secret.'),
  })
  .strict()
  .describe('Prometheus check. An empty vector or NaN is no data.');

export const SshCheckSchema = SshCommandSchema.extend({
  regex: z
    .string()
    .min(1)
    .max(1024)
    .describe('Regular expression with one capture group: the number it captures; over several VMs, their sum.'),
}).describe('SSH check: a number read from the output of a command on the VMs of a role.');

export const JobCheckSchema = z
  .object({
    template: z
      .record(z.string(), z.unknown())
      .meta({ 'x-kubernetes-preserve-unknown-fields': true })
      .describe(
        'A batch/v1 Job spec. One Job per attempt: a failed one is deleted at once, a completed one is left to ' +
          'its ttlSecondsAfterFinished (3600 unless the template sets it). With a successCondition, result is ' +
          'the number of succeeded Pods.',
      ),
  })
  .strict()
  .describe('Job check: passes when the Job completes; a failed Job is a failed attempt.');

export const GateCheckSchema = z
  .object({
    http: HttpCheckSchema.optional(),
    prometheus: PrometheusCheckSchema.optional(),
    ssh: SshCheckSchema.optional(),
    job: JobCheckSchema.optional(),
  })
  .strict()
  .meta({ 'x-kubernetes-validations': [one(['http', 'prometheus', 'ssh', 'job'], 'a gate check')] })
  .describe('Exactly one provider.');

const gateFields = {
  name: z.string().min(1).max(63).regex(NAME).describe('Name of the gate, e.g. no-active-calls.'),
  check: GateCheckSchema,
  successCondition: z
    .string()
    .min(1)
    .max(1024)
    .optional()
    .describe(
      'CEL expression over `result`, e.g. result == 0. Default: a 2xx status for an HTTP check without ' +
        'jsonPath, a completed Job; required for the other checks.',
    ),
  onNoData: z
    .enum(['Fail', 'Pass'])
    .default('Fail')
    .describe('What an empty answer (no series, NaN, 404, a missing JSON path, no regex match) counts as.'),
  interval: duration('Time between two checks.').default('10s'),
  consecutiveSuccesses: z.number().int().min(1).max(100).default(1).describe('Successes in a row that pass the gate.'),
  maxWait: duration('How long the gate may wait before onTimeout applies.').default('30m'),
};

const SUCCESS_CONDITION_RULES = [
  {
    rule:
      'has(self.successCondition) || has(self.check.job) || ' +
      '(has(self.check.http) && !has(self.check.http.jsonPath))',
    message: 'successCondition is required for a prometheus, ssh or jsonPath check, e.g. "result == 0"',
  },
];

export const BeforeOffGateSchema = z
  .object({
    ...gateFields,
    drain: GateActionSchema.optional().describe('Issued once before the check, e.g. "stop taking new calls".'),
    undrain: GateActionSchema.optional().describe('Issued once if the Off is reversed or abandoned after drain.'),
    onTimeout: z
      .enum(['Hold', 'Proceed', 'Abort'])
      .default('Hold')
      .describe(
        'After maxWait: Hold (nothing is stopped; the condition says what is awaited), Proceed (stop anyway), ' +
          'or Abort (give up this Off: undrain, and the ACD stays On until powerState changes again).',
      ),
  })
  .strict()
  .meta({ 'x-kubernetes-validations': SUCCESS_CONDITION_RULES })
  .describe('A gate before the first stage of every Off (manual, scheduled or restart).');

export const AfterOnGateSchema = z
  .object(gateFields)
  .strict()
  .meta({ 'x-kubernetes-validations': SUCCESS_CONDITION_RULES })
  .describe('A check after the last stage of every On: a failure makes the ACD Degraded and never stops a VM.');

export const GatesSchema = z
  .object({
    beforeOff: z.array(BeforeOffGateSchema).max(10).optional().describe('Run in order before every Off.'),
    afterOn: z.array(AfterOnGateSchema).max(10).optional().describe('Run in order after every On.'),
  })
  .strict()
  .meta({
    'x-kubernetes-validations': ['beforeOff', 'afterOn'].map((list) => ({
      rule: `!has(self.${list}) || self.${list}.all(g, self.${list}.filter(h, h.name == g.name).size() == 1)`,
      message: `a gate name is used twice in ${list}: give each gate its own name`,
    })),
  })
  .describe('Gates a contact centre needs around a transition: drain before Off, checks after On.');

export type GateAction = z.output<typeof GateActionSchema>;
export type GateCheck = z.output<typeof GateCheckSchema>;
export type BeforeOffGate = z.output<typeof BeforeOffGateSchema>;
export type AfterOnGate = z.output<typeof AfterOnGateSchema>;
export type Gate = BeforeOffGate | AfterOnGate;
export type GatesSpec = z.output<typeof GatesSchema>;
