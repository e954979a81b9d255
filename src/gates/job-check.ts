// The Job check: one batch/v1 Job per attempt, named from the attempt so that an operator that
// crashes and comes back reads the Job it created rather than starting a second one. Written
// against a small client port so that it is tested with a recording fake; job-client.ts is the
// API server's side of it.
import { createHash } from 'node:crypto';
import { API_VERSION, GROUP, KIND } from '../api/names.js';
import type { AcdCluster } from '../api/types.js';
import { failed, type Answer } from './answer.js';

export interface JobManifest {
  apiVersion: 'batch/v1';
  kind: 'Job';
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    ownerReferences: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller: boolean }>;
  };
  spec: Record<string, unknown>;
}

export interface JobState {
  name: string;
  conditions: ReadonlyArray<{ type: string; status: string; reason?: string; message?: string }>;
  succeeded?: number;
}

/** The API server's refusal, with its message (never a Secret's content: a Job spec holds none). */
export class JobApiError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }
}

export interface JobClient {
  /** The Job, or undefined when there is none. */
  read(namespace: string, name: string): Promise<JobState | undefined>;
  /** Throws JobApiError: code 409 when it exists already. */
  create(namespace: string, job: JobManifest): Promise<JobState>;
  /** Deletes with propagationPolicy Background, so its Pods go too. */
  remove(namespace: string, name: string): Promise<void>;
}

export const CLUSTER_LABEL = `${GROUP}/cluster`;
export const GATE_LABEL = `${GROUP}/gate`;
// A completed Job stays long enough for the gate to read it again after a restart of the operator,
// then the TTL controller removes it with its Pods; a template may set its own.
const FINISHED_TTL_SECONDS = 3600;
const NAME_MAX = 63;

const hash = (s: string, n: number) => createHash('sha256').update(s).digest('hex').slice(0, n);
const label = (s: string) => (s.length <= NAME_MAX ? s : `${s.slice(0, NAME_MAX - 9)}-${hash(s, 8)}`);

/** `<acd>-<gate>-<attempt>`, at most 63 characters, the same for the same three on every call. */
export function jobName(acd: string, gate: string, attempt: string): string {
  const key = /^[a-z0-9]{1,16}$/.test(attempt) ? attempt : hash(attempt, 10);
  const prefix = `${acd}-${gate}`.replace(/\./g, '-');
  const room = NAME_MAX - key.length - 1;
  const head = prefix.length <= room ? prefix : `${prefix.slice(0, room - 7).replace(/-+$/, '')}-${hash(prefix, 6)}`;
  return `${head}-${key}`;
}

export function jobManifest(
  obj: AcdCluster,
  gate: string,
  name: string,
  template: Record<string, unknown>,
): JobManifest {
  const { name: acd, namespace, uid } = obj.metadata;
  if (!uid) throw new Error(`AcdCluster ${acd} has no uid: a Job cannot be owned by it`);
  const spec = { ttlSecondsAfterFinished: FINISHED_TTL_SECONDS, ...template };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace,
      labels: { [CLUSTER_LABEL]: label(acd), [GATE_LABEL]: label(gate) },
      ownerReferences: [{ apiVersion: obj.apiVersion ?? API_VERSION, kind: KIND, name: acd, uid, controller: true }],
    },
    spec,
  };
}

const isTrue = (job: JobState, type: string) => job.conditions.find((c) => c.type === type && c.status === 'True');
const why = (c: { reason?: string; message?: string }) =>
  [c.reason, c.message].filter(Boolean).join(': ') || 'no reason given';
const apiMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function readOrCreate(jobs: JobClient, manifest: JobManifest): Promise<JobState> {
  const { name, namespace } = manifest.metadata;
  const existing = await jobs.read(namespace, name);
  if (existing) return existing;
  try {
    return await jobs.create(namespace, manifest);
  } catch (e) {
    // Another pass (or the operator before a restart) created it in between: it is this attempt's.
    const again = e instanceof JobApiError && e.code === 409 ? await jobs.read(namespace, name) : undefined;
    if (again) return again;
    throw new Error(`the API refused Job ${name}: ${apiMessage(e)}`, { cause: e });
  }
}

export interface JobCheckInput {
  obj: AcdCluster;
  gate: string;
  attempt: string;
  template: unknown;
}

/** Complete → a value (the succeeded Pods) that passes by default; Failed → deleted, a failed attempt. */
export async function jobCheck(jobs: JobClient, input: JobCheckInput): Promise<Answer> {
  const { obj, gate, attempt, template } = input;
  if (template === null || typeof template !== 'object' || Array.isArray(template))
    return failed('check.job.template must be a Job spec (an object)');
  const name = jobName(obj.metadata.name, gate, attempt);
  const job = await readOrCreate(jobs, jobManifest(obj, gate, name, template as Record<string, unknown>));
  if (isTrue(job, 'Complete'))
    return { kind: 'value', result: job.succeeded ?? 1, passesByDefault: { met: true, what: 'the Job completed' } };
  const failure = isTrue(job, 'Failed');
  if (!failure) return { kind: 'pending', message: `Job ${name} is running` };
  const removal = await jobs.remove(obj.metadata.namespace, name).then(
    () => 'deleted',
    (e: unknown) => `not deleted: ${apiMessage(e)}`,
  );
  return failed(`Job ${name} failed (${why(failure)}); ${removal}`);
}
