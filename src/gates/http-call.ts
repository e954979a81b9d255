// One HTTP call of a gate (a check, a Prometheus query, an action), with its headers read from
// Secrets at each call. Header values never reach a message: errors name the Secret and key only,
// and the caller redacts every value read here from whatever it returns.
import type { SecretReader } from '../health/access.js';
import { errorText } from '../health/util.js';

export interface HeaderSpec {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef: { name: string; key: string } };
}

export interface HttpRequest {
  url: string;
  method: string;
  headers?: readonly HeaderSpec[];
  body?: string;
}

export interface HttpReply {
  status: number;
  text: string;
}

// An answer a gate reads is a status or a small JSON document; more is cut off, not buffered.
const MAX_BODY = 1024 * 1024;

/** Header values, read now; `secrets` lists the values from Secrets, for redaction. */
export async function resolveHeaders(
  read: SecretReader,
  namespace: string,
  headers: readonly HeaderSpec[] = [],
): Promise<{ headers: Record<string, string>; secrets: string[] }> {
  const out: Record<string, string> = {};
  const secrets: string[] = [];
  for (const h of headers) {
    const ref = h.valueFrom?.secretKeyRef;
    if (!ref) {
      out[h.name] = h.value ?? '';
      continue;
    }
    const value = (await read(namespace, ref.name))[ref.key];
    if (value === undefined) throw new Error(`Secret ${ref.name} has no key ${ref.key} (header ${h.name})`);
    out[h.name] = value;
    secrets.push(value);
  }
  return { headers: out, secrets };
}

/** Where a call went, for messages: no user info and no query string (either may carry a token). */
export function described(method: string, url: string): string {
  try {
    const u = new URL(url);
    return `${method} ${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return `${method} (an unreadable URL)`;
  }
}

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (size >= MAX_BODY) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY);
}

/**
 * Sends the request; throws an Error naming the call (not its headers) when there is no answer.
 * Redirects are not followed: a custom header holding a token would travel to wherever a 3xx
 * points, so a 3xx is the answer (a non-2xx status) and the URL is for the user to fix.
 */
export async function send(req: HttpRequest, headers: Record<string, string>, timeoutMs: number): Promise<HttpReply> {
  const where = described(req.method, req.url);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(req.url, { method: req.method, headers, body: req.body, signal, redirect: 'manual' });
    return { status: res.status, text: req.method === 'HEAD' ? '' : await readCapped(res) };
  } catch (e) {
    if (signal.aborted) throw new Error(`${where} timed out after ${timeoutMs} ms`, { cause: e });
    const cause = (e as { cause?: unknown }).cause;
    throw new Error(`${where} failed: ${errorText(cause ?? e)}`, { cause: e });
  }
}
