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
type Dispatch = (opts: { headersTimeout?: number | null }, handler: unknown) => boolean;
type Composable = { compose(interceptor: (dispatch: Dispatch) => Dispatch): NonNullable<Dispatcher> };

/**
 * How long any request may wait for the API server's response headers. undici's default is 300 s:
 * a LIST or a status PUT sent on a connection that an API-server restart left half-open hung that
 * long, and with it the reconcile of its AcdCluster (the chaos suite's restart test saw an ACD
 * wedged for minutes). A watch answers its headers at once, so this bounds it too; its silence
 * afterwards is client-node's inactivity timeout's business.
 */
export const HEADERS_TIMEOUT_MS = 15_000;

export class PooledKubeConfig extends KubeConfig {
  private readonly pools = new Map<string, NonNullable<Dispatcher>>();

  override async applySecurityAuthentication(context: Context): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    // No dispatcher: plain HTTP without options, nothing to pool.
    if (!fresh) return;
    const cluster = this.getCurrentCluster();
    const key = JSON.stringify([cluster?.server, cluster?.name, this.getCurrentUser()?.name]);
    let pooled = this.pools.get(key);
    if (!pooled) {
      pooled = (fresh as unknown as Composable).compose(
        (dispatch) => (opts, handler) =>
          dispatch({ ...opts, headersTimeout: opts.headersTimeout ?? HEADERS_TIMEOUT_MS }, handler),
      );
      this.pools.set(key, pooled);
    }
    context.setDispatcher(pooled);
  }

  /** Closes the pooled connections (for a clean exit; the process ending does it too). */
  async close(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(
      all.map((d) => (d as { close?: () => Promise<void> }).close?.().catch(() => undefined) ?? Promise.resolve()),
    );
  }
}
