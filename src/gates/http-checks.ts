// The two HTTP providers: a plain HTTP check (a status, or a value of a JSON answer) and a
// Prometheus instant query. Both read header values from Secrets at each call and scrub those
// values from whatever they return: an answer that echoes a token must not put it in status.
import type { z } from 'zod';
import type { HttpCallSchema, HttpCheckSchema, PrometheusCheckSchema } from '../api/gates.js';
import type { SecretReader } from '../health/access.js';
import { redact } from '../health/util.js';
import { failed, noData, type Answer } from './answer.js';
import { described, resolveHeaders, send, type HttpReply, type HttpRequest } from './http-call.js';
import { lookupPath } from './json-path.js';
import { readPrometheusAnswer } from './prometheus-answer.js';

export interface CallContext {
  namespace: string;
  timeoutMs: number;
  readSecret: SecretReader;
}

type HttpCheck = z.output<typeof HttpCheckSchema>;
type PrometheusCheck = z.output<typeof PrometheusCheckSchema>;

const is2xx = (status: number) => status >= 200 && status < 300;

/** Sends `req` with its headers; the reader of the reply's answer runs before the scrub. */
export async function call(ctx: CallContext, req: HttpRequest, read: (reply: HttpReply) => Answer): Promise<Answer> {
  const { headers, secrets } = await resolveHeaders(ctx.readSecret, ctx.namespace, req.headers);
  try {
    return redact(read(await send(req, headers, ctx.timeoutMs)), secrets);
  } catch (e) {
    return redact(failed(e instanceof Error ? e.message : String(e)), secrets);
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

export function readHttpReply(check: Pick<HttpCheck, 'url' | 'method' | 'jsonPath'>, reply: HttpReply): Answer {
  const where = described(check.method, check.url);
  if (reply.status === 404) return noData(`${where}: HTTP 404`);
  if (check.jsonPath === undefined)
    return { kind: 'value', result: reply.status, passesByDefault: { met: is2xx(reply.status), what: 'a 2xx status' } };
  if (!is2xx(reply.status)) return failed(`${where}: HTTP ${reply.status}`);
  const json = parseJson(reply.text);
  if (!json.ok) return failed(`${where}: HTTP ${reply.status}, but the answer is not JSON`);
  const found = lookupPath(json.value, check.jsonPath);
  return found.found ? { kind: 'value', result: found.value } : noData(`no ${check.jsonPath} in the answer`);
}

export function httpCheck(ctx: CallContext, check: HttpCheck): Promise<Answer> {
  return call(ctx, check, (reply) => readHttpReply(check, reply));
}

/** Prometheus answers errors with 400, 422 or 503 and a JSON body that says why: read it either way. */
export function readPrometheusReply(where: string, reply: HttpReply): Answer {
  const json = parseJson(reply.text);
  if (json.ok && json.value !== null && typeof json.value === 'object' && 'status' in json.value)
    return readPrometheusAnswer(json.value);
  return failed(`${where}: HTTP ${reply.status}, not an answer of the Prometheus HTTP API`);
}

export function prometheusCheck(ctx: CallContext, check: PrometheusCheck): Promise<Answer> {
  const url = `${check.address.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent(check.query)}`;
  const req: HttpRequest = { url, method: 'GET', headers: check.headers };
  return call(ctx, req, (reply) => readPrometheusReply(described('GET', url), reply));
}

/** An HTTP action succeeds on a 2xx answer. */
export async function httpAction(
  ctx: CallContext,
  req: z.output<typeof HttpCallSchema>,
): Promise<{ ok: boolean; message: string }> {
  const { headers, secrets } = await resolveHeaders(ctx.readSecret, ctx.namespace, req.headers);
  const where = described(req.method, req.url);
  try {
    const reply = await send(req, headers, ctx.timeoutMs);
    return { ok: is2xx(reply.status), message: `${where}: HTTP ${reply.status}` };
  } catch (e) {
    return redact({ ok: false, message: e instanceof Error ? e.message : String(e) }, secrets);
  }
}
