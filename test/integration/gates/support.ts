// Shared by the gate integration tests: loopback HTTP servers that record what reached them, a fake
// Secret reader (the probes read Secrets by name; no API server is needed for that), and probes
// wired to the real SSH client.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AfterOnGateSchema, type Gate } from '../../../src/api/gates.js';
import { SpecSchema, type AcdClusterSpec } from '../../../src/api/spec.js';
import type { AcdCluster } from '../../../src/api/types.js';
import type { SecretReader } from '../../../src/health/access.js';
import { runOverSsh } from '../../../src/health/ssh.js';
import { ClusterGateProbes } from '../../../src/gates/probes.js';

export interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Loopback {
  url: string;
  seen: Seen[];
  close: () => Promise<void>;
}

export type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | 'hang';

/** An HTTP server on 127.0.0.1 whose answers come from `answer`, called with each request. */
export function loopback(answer: (req: Seen, n: number) => Reply): Promise<Loopback> {
  const seen: Seen[] = [];
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString('utf8')));
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(s);
      const reply = answer(s, seen.length);
      if (reply === 'hang') return;
      const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(text);
    });
  });
  return new Promise((resolve) =>
    srv.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
        seen,
        close: () => {
          srv.closeAllConnections();
          return new Promise((r) => srv.close(() => r()));
        },
      }),
    ),
  );
}

export const obj: AcdCluster = { metadata: { name: 'acd', namespace: 'cc', uid: 'u1' } };

/** Secrets by name in namespace cc; a read of any other is the error the API reader would give. */
export function fakeSecrets(secrets: Record<string, Record<string, string>>): SecretReader & { reads: string[] } {
  const reads: string[] = [];
  const read = async (namespace: string, name: string) => {
    reads.push(`${namespace}/${name}`);
    const s = namespace === 'cc' ? secrets[name] : undefined;
    if (!s) throw new Error(`Secret ${name} not found`);
    return { ...s };
  };
  return Object.assign(read, { reads });
}

export function probes(readSecret: SecretReader): ClusterGateProbes {
  const noJobs = () => Promise.reject(new Error('no Job in these tests'));
  return new ClusterGateProbes({
    readSecret,
    getVmi: () => undefined,
    jobs: { read: noJobs, create: noJobs, remove: noJobs },
    runSsh: runOverSsh,
  });
}

export function specWith(extra: Record<string, unknown> = {}): AcdClusterSpec {
  return SpecSchema.parse({
    powerState: 'On',
    machines: [{ vm: 'acd-tel1', roles: ['tel'], host: '127.0.0.1' }],
    health: { checkTimeout: '2s' },
    ...extra,
  });
}

export const gate = (g: Record<string, unknown>): Gate => AfterOnGateSchema.parse({ name: 'g', ...g });
