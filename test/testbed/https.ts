import { request } from 'node:https';
import { readFileSync } from 'node:fs';

export interface TlsFiles {
  ca: string;
  cert?: string;
  key?: string;
}

/** A GET over TLS with the test bed's own CA; resolves with status and body, never rejects on HTTP errors. */
export function httpsGet(url: string, tls: TlsFiles, timeoutMs = 2_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ca: readFileSync(tls.ca),
        ...(tls.cert ? { cert: readFileSync(tls.cert) } : {}),
        ...(tls.key ? { key: readFileSync(tls.key) } : {}),
        timeout: timeoutMs,
      },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${url}`)));
    req.on('error', reject);
    req.end();
  });
}
