import type { CheckResult } from './types.js';

/** A string, number, boolean or bigint as text; anything else (an object, null, undefined) as ''. */
export const scalar = (v: unknown): string =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v) : '';

export function errorText(err: unknown): string {
  // Duck-typed rather than instanceof: errors from another realm (node internals under a jest vm
  // context) are not instances of this realm's Error.
  if (err !== null && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string') {
    const e = err as { message: string; name?: unknown; code?: unknown };
    const code = e.code;
    const msg = e.message || scalar(e.name) || 'Error';
    return typeof code === 'string' && !msg.includes(code) ? `${code}: ${msg}` : msg;
  }
  return String(err);
}

/** Time-boxes a promise; `onTimeout` must release whatever the promise holds (socket, session). */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      try {
        onTimeout?.();
      } catch {
        // Cleanup is best effort; the timeout itself is what the caller must see.
      }
      reject(new Error(`${what} timed out after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Replaces every occurrence of a secret in strings, deeply. Drivers have been known to echo
 * connection options in errors, so results are scrubbed on the way out rather than trusted.
 */
export function redact<T>(value: T, secrets: ReadonlyArray<string | Buffer | undefined>): T {
  const needles = secrets
    .map((s) => (s === undefined ? '' : Buffer.isBuffer(s) ? s.toString('utf8') : s))
    .filter((s) => s.length >= 4);
  if (needles.length === 0) return value;
  const scrub = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return needles.reduce((acc, n) => acc.split(n).join('[redacted]'), v);
    if (depth > 8 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => scrub(x, depth + 1));
    if (Buffer.isBuffer(v)) return '[buffer]';
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x, depth + 1)]));
  };
  return scrub(value, 0) as T;
}

export function unhealthy(message: string, details: Record<string, unknown> = {}): CheckResult {
  return { healthy: false, message, details };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
