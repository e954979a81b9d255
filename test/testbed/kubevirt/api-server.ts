// virt-api's aggregated group subresources.kubevirt.io/v1, served over HTTPS for the kube-apiserver's
// aggregator: discovery, /healthz, and PUT .../virtualmachines/NAME/{start,stop,restart}.
// Every request must come from the aggregator: a client certificate signed by the front-proxy CA
// (requestheader-client-ca-file) with an allowed common name. The user the aggregator names in
// X-Remote-User is logged, not authorised (the stand-in runs no SubjectAccessReview).
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { LifecycleApi, type Verb } from './lifecycle-api.js';
import { badRequest, methodNotAllowed, pathNotFound, StatusError, unauthorized } from './status-errors.js';

export const SUBRESOURCE_GROUP = 'subresources.kubevirt.io';
const GV = `${SUBRESOURCE_GROUP}/v1`;
const VM_VERB = new RegExp(`^/apis/${SUBRESOURCE_GROUP.replace(/\./g, '\\.')}/v1/namespaces/([^/]+)/virtualmachines/([^/]+)/(start|stop|restart)$`);

export interface ApiServerOptions {
  cert: string | Buffer;
  key: string | Buffer;
  /** The front-proxy CA, PEM. */
  clientCa: string | Buffer;
  /** Common names the front-proxy client cert may have (requestheader-allowed-names); empty = any. */
  allowedNames: string[];
  lifecycle: LifecycleApi;
  log: (m: string) => void;
}

const group = {
  name: SUBRESOURCE_GROUP,
  versions: [{ groupVersion: GV, version: 'v1' }],
  preferredVersion: { groupVersion: GV, version: 'v1' },
};

const resources = ['start', 'stop', 'restart'].map((v) => ({
  name: `virtualmachines/${v}`, singularName: '', namespaced: true, kind: '', verbs: ['update'],
}));

function send(res: ServerResponse, code: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(code);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

export function createApiServer(o: ApiServerOptions): Server {
  const authenticate = (req: IncomingMessage) => {
    const sock = req.socket as TLSSocket;
    if (!sock.authorized) throw unauthorized(`no client certificate signed by the front-proxy CA (${sock.authorizationError ?? 'none sent'})`);
    const cn = sock.getPeerCertificate().subject?.CN;
    const name = Array.isArray(cn) ? cn[0] : cn;
    if (o.allowedNames.length && !o.allowedNames.includes(name ?? '')) throw unauthorized(`client certificate CN ${name} is not an allowed front-proxy name`);
  };

  const route = async (req: IncomingMessage, res: ServerResponse) => {
    authenticate(req);
    const path = new URL(req.url ?? '/', 'https://localhost').pathname.replace(/\/+$/, '') || '/';
    if (req.method === 'GET') {
      if (path === '/healthz' || path === '/readyz' || path === '/livez') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('ok');
        return;
      }
      if (path === '/apis') return send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [group] });
      if (path === `/apis/${SUBRESOURCE_GROUP}`) return send(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...group });
      if (path === `/apis/${GV}`) return send(res, 200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: GV, resources });
    }
    const m = VM_VERB.exec(path);
    if (!m) throw pathNotFound(path);
    if (req.method !== 'PUT') throw methodNotAllowed(req.method ?? '');
    const [, ns, name, verb] = m as unknown as [string, string, string, Verb];
    const text = await readBody(req);
    let body: unknown = {};
    if (text.trim()) {
      try {
        body = JSON.parse(text);
      } catch {
        throw badRequest(`the request body is not JSON: ${text.slice(0, 80)}`);
      }
    }
    o.log(`${req.method} ${path} by ${String(req.headers['x-remote-user'] ?? '?')} ${text.trim()}`);
    await o.lifecycle.handle(verb, decodeURIComponent(ns), decodeURIComponent(name), body);
    send(res, 202);
  };

  return createServer({ cert: o.cert, key: o.key, ca: o.clientCa, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    route(req, res).catch((e: unknown) => {
      if (e instanceof StatusError) send(res, e.status.code, e.status);
      else {
        o.log(`${req.method} ${req.url}: ${(e as Error).stack ?? e}`);
        send(res, 500, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'InternalError', message: String((e as Error).message ?? e), code: 500 });
      }
    });
  });
}
