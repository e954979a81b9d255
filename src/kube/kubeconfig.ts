// A KubeConfig whose API clients share one connection pool per cluster and user.
//
// Why: @kubernetes/client-node 2.0.1 builds a new undici Agent in applySecurityAuthentication,
// i.e. for every request, so no connection is ever reused: each request pays a TCP connect, a
// full TLS handshake with client-certificate verification, and a new SecureContext. A CPU profile
// of the operator in the bench showed TLS set-up as its top cost, and it loads the API server just
// as much. Keeping the first Agent made for a (server, cluster, user) and handing it to every later
// request gives keep-alive connections, as client-go has.
//
// What still happens per request, unchanged: client-node's authenticators set the headers, so
// bearer tokens that rotate (ServiceAccount token files, exec plugins, OIDC) keep working. A client
// certificate replaced in place under the same names is only picked up by a new process; this is
// the case client-go also handles by reconnecting, and not one the operator's deployment uses.
import { KubeConfig } from '@kubernetes/client-node';

type Context = Parameters<KubeConfig['applySecurityAuthentication']>[0];
type Dispatcher = ReturnType<Context['getDispatcher']>;

export class PooledKubeConfig extends KubeConfig {
  private readonly pools = new Map<string, NonNullable<Dispatcher>>();

  override async applySecurityAuthentication(context: Context): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    // No dispatcher: plain HTTP without options, nothing to pool.
    if (!fresh) return;
    const cluster = this.getCurrentCluster();
    const key = JSON.stringify([cluster?.server, cluster?.name, this.getCurrentUser()?.name]);
    const pooled = this.pools.get(key);
    if (pooled) context.setDispatcher(pooled);
    else this.pools.set(key, fresh);
  }

  /** Closes the pooled connections (for a clean exit; the process ending does it too). */
  async close(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((d) => (d as { close?: () => Promise<void> }).close?.().catch(() => undefined)));
  }
}
