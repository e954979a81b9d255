// The Job check's client port on the API server (BatchV1Api); its refusals become JobApiError with
// the message of the API's Status, which says what was wrong with the template.
import { ApiException, BatchV1Api, type KubeConfig, type V1Job } from '@kubernetes/client-node';
import { errorText } from '../health/util.js';
import { JobApiError, type JobClient, type JobState } from './job-check.js';

function statusMessage(body: unknown): string | undefined {
  try {
    const status = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: unknown } | undefined;
    return typeof status?.message === 'string' ? status.message : undefined;
  } catch {
    return undefined;
  }
}

function refusal(e: unknown): Error {
  if (e instanceof ApiException) return new JobApiError(statusMessage(e.body) ?? `HTTP ${e.code}`, e.code);
  return new JobApiError(`cannot reach the Kubernetes API: ${errorText(e)}`);
}

const stateOf = (job: V1Job): JobState => ({
  name: job.metadata?.name ?? '',
  conditions: (job.status?.conditions ?? []).map((c) => ({
    type: c.type,
    status: c.status,
    ...(c.reason ? { reason: c.reason } : {}),
    ...(c.message ? { message: c.message } : {}),
  })),
  ...(job.status?.succeeded !== undefined ? { succeeded: job.status.succeeded } : {}),
});

export function apiJobClient(kc: KubeConfig): JobClient {
  const batch = kc.makeApiClient(BatchV1Api);
  return {
    async read(namespace, name) {
      try {
        return stateOf(await batch.readNamespacedJob({ name, namespace }));
      } catch (e) {
        if (e instanceof ApiException && e.code === 404) return undefined;
        throw refusal(e);
      }
    },
    async create(namespace, job) {
      try {
        // The template is the user's JSON, validated by the API server rather than by this cast.
        return stateOf(await batch.createNamespacedJob({ namespace, body: job as unknown as V1Job }));
      } catch (e) {
        throw refusal(e);
      }
    },
    async remove(namespace, name) {
      try {
        await batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' });
      } catch (e) {
        if (e instanceof ApiException && e.code === 404) return;
        throw refusal(e);
      }
    },
  };
}
