// /healthz and /readyz for the kubelet's probes, /metrics for Prometheus.
import { createServer, type Server } from 'node:http';
import { metrics } from './metrics.js';

export interface ServerOptions {
  metricsPort: number;
  healthPort: number;
  ready: () => boolean;
}

export async function startServer(o: ServerOptions): Promise<{ close: () => void }> {
  const health = createServer((req, res) => {
    if (req.url === '/healthz') return void res.writeHead(200).end('ok');
    if (req.url === '/readyz')
      return void (o.ready() ? res.writeHead(200).end('ok') : res.writeHead(503).end('not ready'));
    res.writeHead(404).end();
  });
  const metricsServer = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    metrics.registry.metrics().then(
      (body) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(body),
      (err) => res.writeHead(500).end(String(err)),
    );
  });
  await Promise.all([listen(health, o.healthPort), listen(metricsServer, o.metricsPort)]);
  return {
    close: () => {
      health.close();
      metricsServer.close();
    },
  };
}

function listen(s: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, resolve);
  });
}
