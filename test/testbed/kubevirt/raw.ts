// A plain JSON request to the API server with the kubeconfig's credentials, for objects that
// client-node's typed models would alter: its serializer renames or drops keys it does not model
// (the CRD schemas' x-kubernetes-* extensions, inside untyped fields such as additionalProperties).
import { request, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export class RawError extends Error {
  constructor(readonly code: number, readonly body: string) {
    super(`HTTP ${code}: ${body.slice(0, 500)}`);
  }
}

export async function rawRequest<T>(kc: KubeConfig, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('kubeconfig has no current cluster');
  const url = new URL(path, server);
  const opts: RequestOptions = { method, headers: { Accept: 'application/json' } };
  await kc.applyToHTTPSOptions(opts);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  if (payload !== undefined) opts.headers = { ...opts.headers, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) };
  return new Promise<T>((resolve, reject) => {
    const req = request(url, opts, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 300) resolve((text ? JSON.parse(text) : undefined) as T);
        else reject(new RawError(code, text));
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}
