// Certificates for the test bed, made with the openssl CLI: a cluster CA (serving + client certs),
// a front-proxy CA (aggregation), and the service-account signing key pair. Node's crypto can make
// keys but not X.509 certificates, and openssl is on every machine this runs on.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  frontProxyCaCert: string;
  proxyClientCert: string;
  proxyClientKey: string;
  saKey: string;
  saPub: string;
}

const ssl = (dir: string, args: string[]) =>
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });

export function ca(dir: string, name: string): void {
  ssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
    '-days',
    '3650',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
}

/** Issues a leaf cert signed by `caName`. `subject` like "/O=system:masters/CN=admin". */
export function issue(
  dir: string,
  caName: string,
  name: string,
  subject: string,
  opts: { sans?: string[]; server?: boolean },
): void {
  ssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  const ext = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${opts.server ? 'serverAuth' : 'clientAuth'}`,
    ...(opts.sans?.length ? [`subjectAltName=${opts.sans.join(',')}`] : []),
  ].join('\n');
  writeFileSync(join(dir, `${name}.ext`), ext + '\n');
  ssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${caName}.crt`,
    '-CAkey',
    `${caName}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '3650',
    '-sha256',
    '-extfile',
    `${name}.ext`,
  ]);
}

export function makePki(dir: string): Pki {
  mkdirSync(dir, { recursive: true });
  ca(dir, 'ca');
  ca(dir, 'front-proxy-ca');
  issue(dir, 'ca', 'apiserver', '/CN=kube-apiserver', {
    server: true,
    sans: ['IP:127.0.0.1', 'DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default.svc', 'IP:10.0.0.1'],
  });
  issue(dir, 'ca', 'admin', '/O=system:masters/CN=admin', {});
  issue(dir, 'front-proxy-ca', 'front-proxy-client', '/CN=front-proxy-client', {});
  ssl(dir, ['genrsa', '-out', 'sa.key', '2048']);
  ssl(dir, ['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
  const p = (f: string) => join(dir, f);
  return {
    dir,
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    servingCert: p('apiserver.crt'),
    servingKey: p('apiserver.key'),
    adminCert: p('admin.crt'),
    adminKey: p('admin.key'),
    frontProxyCaCert: p('front-proxy-ca.crt'),
    proxyClientCert: p('front-proxy-client.crt'),
    proxyClientKey: p('front-proxy-client.key'),
    saKey: p('sa.key'),
    saPub: p('sa.pub'),
  };
}
