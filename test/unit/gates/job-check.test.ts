// The Job check against a recording fake of its client port: one Job per attempt, read back rather
// than created twice, pending until a condition says otherwise, a failed Job deleted.
import { describe, expect, test } from '@jest/globals';
import { SpecSchema } from '../../../src/api/spec.js';
import { AfterOnGateSchema, type Gate } from '../../../src/api/gates.js';
import type { AcdCluster } from '../../../src/api/types.js';
import { ClusterGateProbes } from '../../../src/gates/probes.js';
import { JobApiError, jobName, type JobClient, type JobManifest, type JobState } from '../../../src/gates/job-check.js';
import { SEED_LAYOUTS } from '../../fixtures/seed-layouts.js';

class FakeJobs implements JobClient {
  readonly calls: string[] = [];
  readonly jobs = new Map<string, JobState>();
  readonly created: JobManifest[] = [];
  refuse?: JobApiError;
  raceOnCreate = false;

  async read(namespace: string, name: string) {
    this.calls.push(`read ${namespace}/${name}`);
    return this.jobs.get(name);
  }
  async create(namespace: string, job: JobManifest) {
    this.calls.push(`create ${namespace}/${job.metadata.name}`);
    if (this.refuse) throw this.refuse;
    const state = { name: job.metadata.name, conditions: [] };
    this.jobs.set(job.metadata.name, state);
    if (this.raceOnCreate) throw new JobApiError('already exists', 409);
    this.created.push(job);
    return state;
  }
  async remove(namespace: string, name: string) {
    this.calls.push(`delete ${namespace}/${name}`);
    this.jobs.delete(name);
  }
  finish(name: string, type: 'Complete' | 'Failed', extra: Partial<JobState> = {}) {
    const conditions = [{ type, status: 'True', reason: type === 'Failed' ? 'BackoffLimitExceeded' : undefined }];
    this.jobs.set(name, { name, conditions, ...extra });
  }
}

const obj: AcdCluster = {
  apiVersion: 'acd.power.dev/v1alpha1',
  kind: 'AcdCluster',
  metadata: { name: 'acd', namespace: 'cc', uid: 'uid-1' },
};
const spec = SpecSchema.parse({ powerState: 'On', machines: SEED_LAYOUTS.LargeV3 });
const template = { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'smoke' }] } } };
const gate = (extra: Partial<Gate> = {}): Gate => ({
  ...AfterOnGateSchema.parse({ name: 'smoke', check: { job: { template } } }),
  ...extra,
});

function probes(jobs: FakeJobs) {
  const never = () => Promise.reject(new Error('no I/O expected'));
  return new ClusterGateProbes({ readSecret: never, getVmi: () => undefined, jobs, runSsh: never });
}

describe('Job check', () => {
  test('creates the Job once, labelled and owned, and waits while it runs', async () => {
    const jobs = new FakeJobs();
    const p = probes(jobs);
    const first = await p.check(obj, spec, new Map(), gate(), 'a1b2');
    const second = await p.check(obj, spec, new Map(), gate(), 'a1b2');
    expect(first).toEqual({ passed: false, noData: false, pending: true, message: 'Job acd-smoke-a1b2 is running' });
    expect(second.pending).toBe(true);
    expect(jobs.calls).toEqual(['read cc/acd-smoke-a1b2', 'create cc/acd-smoke-a1b2', 'read cc/acd-smoke-a1b2']);
    const [job] = jobs.created;
    expect(job!.metadata.labels).toEqual({ 'acd.power.dev/cluster': 'acd', 'acd.power.dev/gate': 'smoke' });
    expect(job!.metadata.ownerReferences).toEqual([
      { apiVersion: 'acd.power.dev/v1alpha1', kind: 'AcdCluster', name: 'acd', uid: 'uid-1', controller: true },
    ]);
    expect(job!.spec).toEqual({ ttlSecondsAfterFinished: 3600, ...template });
  });

  test('a completed Job passes by default; a successCondition reads the succeeded Pods', async () => {
    const jobs = new FakeJobs();
    jobs.finish('acd-smoke-k1', 'Complete', { succeeded: 2 });
    const p = probes(jobs);
    expect(await p.check(obj, spec, new Map(), gate(), 'k1')).toEqual({
      passed: true,
      noData: false,
      value: '2',
      message: 'result 2: default condition (the Job completed) met',
    });
    expect((await p.check(obj, spec, new Map(), gate({ successCondition: 'result >= 3' }), 'k1')).passed).toBe(false);
    expect(jobs.calls.filter((c) => c.startsWith('create'))).toEqual([]);
  });

  test('a failed Job is a failed attempt, and is deleted so the next attempt starts afresh', async () => {
    const jobs = new FakeJobs();
    jobs.finish('acd-smoke-k2', 'Failed');
    const out = await probes(jobs).check(obj, spec, new Map(), gate(), 'k2');
    expect(out).toEqual({
      passed: false,
      noData: false,
      message: 'Job acd-smoke-k2 failed (BackoffLimitExceeded); deleted',
    });
    expect(jobs.calls).toEqual(['read cc/acd-smoke-k2', 'delete cc/acd-smoke-k2']);
  });

  test("the API's refusal is the attempt's message", async () => {
    const jobs = new FakeJobs();
    jobs.refuse = new JobApiError(
      'Job.batch "acd-smoke-k3" is invalid: spec.template.spec.containers[0].image: Required value',
      422,
    );
    const out = await probes(jobs).check(obj, spec, new Map(), gate(), 'k3');
    expect(out.passed).toBe(false);
    expect(out.pending).toBeUndefined();
    expect(out.message).toBe(
      'the API refused Job acd-smoke-k3: Job.batch "acd-smoke-k3" is invalid: ' +
        'spec.template.spec.containers[0].image: Required value',
    );
  });

  test('a Job created in between (409) is read back, not created again', async () => {
    const jobs = new FakeJobs();
    jobs.raceOnCreate = true;
    const out = await probes(jobs).check(obj, spec, new Map(), gate(), 'k4');
    expect(out.pending).toBe(true);
    expect(jobs.calls).toEqual(['read cc/acd-smoke-k4', 'create cc/acd-smoke-k4', 'read cc/acd-smoke-k4']);
  });

  test('a template that is not an object fails before any API call', async () => {
    const jobs = new FakeJobs();
    const bad = gate({ check: { job: { template: ['x'] as unknown as Record<string, unknown> } } });
    expect((await probes(jobs).check(obj, spec, new Map(), bad, 'k5')).message).toBe(
      'check.job.template must be a Job spec (an object)',
    );
    expect(jobs.calls).toEqual([]);
  });

  test('names are stable, at most 63 characters, and differ per attempt', () => {
    const long = 'a'.repeat(60);
    const n1 = jobName(long, 'no-active-calls', 'some attempt key with spaces');
    expect(n1).toHaveLength(63);
    expect(n1).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(jobName(long, 'no-active-calls', 'some attempt key with spaces')).toBe(n1);
    expect(jobName(long, 'no-active-calls', 'another attempt')).not.toBe(n1);
    expect(jobName('acd.prod', 'smoke', 'ab12')).toBe('acd-prod-smoke-ab12');
  });
});
