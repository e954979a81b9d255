// Leader election on a coordination.k8s.io Lease, as client-go's leaderelection does it: take the
// lease when it is free or expired, renew it every third of its duration, and give up (exit) when
// a renewal has not succeeded for two thirds of it, so two replicas never act at once.
import { ApiException, CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from '../log.js';

export interface LeaseOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  log: Logger;
  onLost: () => void;
}

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private timer?: NodeJS.Timeout;
  private lastRenew = 0;
  /** The last lease attempt reached the API server (taken or held by another): a standby that could take over. */
  inContact = false;

  constructor(
    kc: KubeConfig,
    private readonly o: LeaseOptions,
  ) {
    this.api = kc.makeApiClient(CoordinationV1Api);
  }

  async acquire(): Promise<void> {
    const retryMs = (this.o.leaseDurationSeconds * 1000) / 5;
    for (;;) {
      const took = await this.tryTake().then(
        (ok) => ((this.inContact = true), ok),
        (e) => ((this.inContact = false), this.o.log.warn({ err: String(e) }, 'lease attempt failed'), false),
      );
      if (took) break;
      await new Promise((r) => setTimeout(r, retryMs));
    }
    this.o.log.info({ lease: `${this.o.namespace}/${this.o.name}` }, 'became leader');
    this.lastRenew = Date.now();
    const renewMs = (this.o.leaseDurationSeconds * 1000) / 3;
    this.timer = setInterval(() => void this.renew(), renewMs);
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    try {
      const lease = await this.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
      if (lease.spec?.holderIdentity !== this.o.identity) return;
      lease.spec.holderIdentity = undefined;
      await this.api.replaceNamespacedLease({ name: this.o.name, namespace: this.o.namespace, body: lease });
    } catch {
      /* the lease expires by itself */
    }
  }

  private async renew(): Promise<void> {
    try {
      if (await this.tryTake()) this.lastRenew = Date.now();
      else return this.lose('another holder took the lease');
    } catch (e) {
      this.o.log.warn({ err: String(e) }, 'lease renewal failed');
    }
    if (Date.now() - this.lastRenew > (this.o.leaseDurationSeconds * 1000 * 2) / 3)
      this.lose('renewal deadline passed');
  }

  private lose(why: string): void {
    clearInterval(this.timer);
    this.o.log.error({ why }, 'leadership lost');
    this.o.onLost();
  }

  /** True when this process holds the lease afterwards. */
  private async tryTake(): Promise<boolean> {
    const now = new V1MicroTime();
    const { namespace, name, identity, leaseDurationSeconds } = this.o;
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (e) {
      if (!(e instanceof ApiException && e.code === 404)) throw e;
      await this.api.createNamespacedLease({
        namespace,
        body: {
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: 0,
          },
        },
      });
      return true;
    }
    const spec = lease.spec ?? {};
    const renewed = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
    const expired = renewed + (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000 < Date.now();
    if (spec.holderIdentity && spec.holderIdentity !== identity && !expired) return false;
    const takeover = spec.holderIdentity !== identity;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds,
      renewTime: now,
      ...(takeover ? { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
    };
    // replace carries the resourceVersion we read: if another replica wrote in between, we lose the race (409).
    try {
      await this.api.replaceNamespacedLease({ name, namespace, body: lease });
    } catch (e) {
      if (e instanceof ApiException && e.code === 409) return false;
      throw e;
    }
    return true;
  }
}
