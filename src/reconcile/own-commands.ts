// This process's last command per VM, laid over an informer cache that may not show it yet: right
// after a PATCH the cache still holds the VM as it was, and a pass that read it as is would see a
// VM that is "down" only because KubeVirt has not reacted yet, and go on to the next stage early.
import { unsettled, withIntent, type SentCommand, type VmView } from '../decision/vm-state.js';
import { COMMAND_HOLD_MS } from '../decision/context.js';

/** How long our own command overrides the cache. */
export const HOLD_MS = COMMAND_HOLD_MS;

interface Remembered {
  cmd: SentCommand;
  at: number;
  versions: Set<string>;
}

export class OwnCommands {
  private readonly last = new Map<string, Remembered>();
  private swept: number;
  constructor(private readonly now: () => number = Date.now) {
    this.swept = now();
  }

  /** `versions`: the VM versions the command was based on and produced; none after a 409. */
  remember(namespace: string, vm: string, cmd: SentCommand, versions: Set<string>): void {
    this.sweep();
    const { action, via, toManual } = cmd;
    this.last.set(`${namespace}/${vm}`, { cmd: { action, via, toManual }, at: this.now(), versions });
  }

  /** The VM as the cache shows it, with our last command to it laid over while it is recent. */
  overlay(namespace: string, vm: VmView): VmView {
    const key = `${namespace}/${vm.name}`;
    const mine = this.last.get(key);
    if (!mine) return vm;
    if (this.now() - mine.at >= HOLD_MS) {
      this.last.delete(key);
      return vm;
    }
    const heading = withIntent(vm, mine.cmd);
    return predatesReaction(vm.resourceVersion, mine.versions) ? unsettled(heading, mine.cmd.action) : heading;
  }

  /** How many commands are remembered: bounded by the VMs commanded in the last HOLD_MS or two. */
  get size(): number {
    return this.last.size;
  }

  /**
   * Drops commands older than HOLD_MS, at most once per HOLD_MS. overlay() forgets those of VMs still
   * observed; this catches VMs no spec names any more (removed from a spec, ACD deleted).
   */
  private sweep(): void {
    const now = this.now();
    if (now - this.swept < HOLD_MS) return;
    this.swept = now;
    for (const [k, c] of this.last) if (now - c.at >= HOLD_MS) this.last.delete(k);
  }
}

/**
 * Whether a cached VM version predates KubeVirt's reaction to our command: it is one of the versions
 * the command was based on or produced, or — when resourceVersions are the integers the API server
 * hands out (comparable since Kubernetes 1.35, KEP-5504) — not newer than the one our write produced.
 * The numeric rule also covers a version written by KubeVirt between our read and our write, which
 * the set alone misses: a VM seen 'Stopped' from before its last Start is not down (docs/adr/0005).
 */
export function predatesReaction(rv: string, versions: Set<string>): boolean {
  if (versions.has(rv)) return true;
  const ours = [...versions].filter((v) => /^\d+$/.test(v)).map(BigInt);
  return /^\d+$/.test(rv) && ours.length > 0 && ours.some((v) => BigInt(rv) <= v);
}
