// The port between the decision core's gates (spec.gates) and the I/O that runs them. A leaf: it
// imports only from src/api and the core's vocabulary, so the core can depend on it without
// reaching the adapters that implement it.
import type { Gate, GateAction } from '../api/gates.js';
import type { AcdClusterSpec } from '../api/spec.js';
import type { AcdCluster } from '../api/types.js';
import type { VmView } from '../decision/types.js';

export interface GateCheckOutcome {
  /** This attempt satisfied successCondition (or onNoData: Pass on no data). */
  passed: boolean;
  /** The answer was empty: no series, NaN, HTTP 404, a missing JSON path, no regex match. */
  noData: boolean;
  /** The result as shown to users, e.g. "7" (never a secret, never a header value); absent if none. */
  value?: string;
  /** One line for the condition, e.g. "result 7: condition result == 0 not met", or the error. */
  message: string;
  /** A Job check still running: not a failure, not a success; the gate keeps waiting. */
  pending?: boolean;
}

export interface GateActionOutcome {
  ok: boolean;
  message: string;
}

export interface GateProbes {
  /** One attempt of the gate's check. Never throws: errors become { passed: false, message }. */
  check(
    obj: AcdCluster,
    spec: AcdClusterSpec,
    vms: ReadonlyMap<string, VmView>,
    gate: Gate,
    attempt: string,
  ): Promise<GateCheckOutcome>;
  /** Runs a drain/undrain action once. Never throws. */
  act(
    obj: AcdCluster,
    spec: AcdClusterSpec,
    vms: ReadonlyMap<string, VmView>,
    action: GateAction,
  ): Promise<GateActionOutcome>;
}
