// Plain HTTPS calls with the kubeconfig's credentials, for the endpoints client-node has no typed
// method for: KubeVirt's subresources (virtualmachines/NAME/start|stop) behind the aggregator.
import { request } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly body: string,
  ) {
    super(message);
  }
}

export async function rawRequest(
  kc: KubeConfig,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 15_000,
): Promise<unknown> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const url = new URL(path, cluster.server);
  // Accept ends in */* as kubectl's does: virt-api's start/stop routes declare no representation,
  // and its REST framework answers a plain 'application/json' with 406 Not Acceptable.
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json, */*' };
  const opts: import('node:https').RequestOptions = { method, headers, timeout: timeoutMs };
  await kc.applyToHTTPSOptions(opts);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(url, opts, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 300) return resolve(text ? safeJson(text) : undefined);
        const msg = (safeJson(text) as { message?: string } | undefined)?.message ?? text.slice(0, 300);
        reject(new ApiError(code, `${method} ${path}: ${code} ${msg}`, text));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
