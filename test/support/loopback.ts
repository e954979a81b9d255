// Loopback HTTP servers for the gate tests (integration and e2e): each records what reached it,
// and when, and answers as the test says. `prometheusApi` answers GET <prefix>/api/v1/query as
// Prometheus' HTTP API documents it (https://prometheus.io/docs/prometheus/latest/querying/api/):
// not a real Prometheus, which is not built on this machine; the README says so.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Date.now() when the request was complete. */
  at: number;
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
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, at: Date.now() };
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

/**
 * Prometheus' instant-query API under `prefix`: a known query answers a vector of the given sample
 * values ("NaN" included; none is an empty vector), any other a 400 bad_data, another path a 404.
 */
export function prometheusApi(prefix: string, vectors: Record<string, string[]>): (req: Seen) => Reply {
  return (req) => {
    const u = new URL(req.url, 'http://x');
    if (u.pathname !== `${prefix}/api/v1/query` || req.method !== 'GET') return { status: 404 };
    const query = u.searchParams.get('query') ?? '';
    const values = vectors[query];
    if (!values)
      return { status: 400, body: { status: 'error', errorType: 'bad_data', error: `unknown query ${query}` } };
    const result = values.map((v) => ({ metric: {}, value: [1_700_000_000.5, v] }));
    return { status: 200, body: { status: 'success', data: { resultType: 'vector', result } } };
  };
}
