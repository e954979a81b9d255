// The GateProbes port on real I/O: one attempt of a gate's check, or one drain/undrain action.
// Every provider's failure, thrown or returned, ends as an outcome: the decision core never sees
// an exception from here.
import type { Gate, GateAction } from '../api/gates.js';
import { parseDuration } from '../api/duration.js';
import type { AcdClusterSpec } from '../api/spec.js';
import type { AcdCluster } from '../api/types.js';
import type { VmView } from '../decision/types.js';
import type { SecretReader, VmiLookup } from '../health/access.js';
import { errorText } from '../health/util.js';
import { failed, type Answer } from './answer.js';
import { httpAction, httpCheck, prometheusCheck, type CallContext } from './http-checks.js';
import { jobCheck, type JobClient } from './job-check.js';
import { judge } from './outcome.js';
import { sshAction, sshCheck, type SshContext, type SshRunner } from './ssh-runs.js';
import type { GateActionOutcome, GateCheckOutcome, GateProbes } from './types.js';

export interface GateProbeDeps {
  /** Reads a Secret by name, per call (a rotated token is used at the next attempt). */
  readSecret: SecretReader;
  /** The VMI of a VM, for its IP when spec.machines[].host is not set. */
  getVmi: VmiLookup;
  jobs: JobClient;
  runSsh: SshRunner;
}

export class ClusterGateProbes implements GateProbes {
  constructor(private readonly deps: GateProbeDeps) {}

  async check(
    obj: AcdCluster,
    spec: AcdClusterSpec,
    _vms: ReadonlyMap<string, VmView>,
    gate: Gate,
    attempt: string,
  ): Promise<GateCheckOutcome> {
    try {
      return judge(gate, await this.answer(obj, spec, gate, attempt));
    } catch (e) {
      return { passed: false, noData: false, message: errorText(e) };
    }
  }

  async act(
    obj: AcdCluster,
    spec: AcdClusterSpec,
    _vms: ReadonlyMap<string, VmView>,
    action: GateAction,
  ): Promise<GateActionOutcome> {
    try {
      if (action.ssh) return await sshAction(this.sshContext(obj, spec), action.ssh);
      if (action.http) return await httpAction(this.callContext(obj, spec), action.http);
      return { ok: false, message: 'the action names neither ssh nor http' };
    } catch (e) {
      return { ok: false, message: errorText(e) };
    }
  }

  private answer(obj: AcdCluster, spec: AcdClusterSpec, gate: Gate, attempt: string): Promise<Answer> {
    const { http, prometheus, ssh, job } = gate.check;
    if (http) return httpCheck(this.callContext(obj, spec), http);
    if (prometheus) return prometheusCheck(this.callContext(obj, spec), prometheus);
    if (ssh) return sshCheck(this.sshContext(obj, spec), ssh);
    if (job) return jobCheck(this.deps.jobs, { obj, gate: gate.name, attempt, template: job.template });
    return Promise.resolve(failed('the gate names no check (http, prometheus, ssh or job)'));
  }

  private callContext(obj: AcdCluster, spec: AcdClusterSpec): CallContext {
    return {
      namespace: obj.metadata.namespace,
      timeoutMs: parseDuration(spec.health.checkTimeout),
      readSecret: this.deps.readSecret,
    };
  }

  private sshContext(obj: AcdCluster, spec: AcdClusterSpec): SshContext {
    return { ...this.callContext(obj, spec), spec, getVmi: this.deps.getVmi, runSsh: this.deps.runSsh };
  }
}
