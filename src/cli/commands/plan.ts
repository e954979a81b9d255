// `acdctl plan`: a dry run. Validates the AcdCluster as the operator would and prints the
// shutdown and startup plans; it only ever reads (a file, or one GET from the cluster).
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { KIND } from '../../api/names.js';
import type { AcdClusterStatus } from '../../api/status.js';
import { validateSpec } from '../../api/validate.js';
import { InvalidMachinesError, type ActiveSides } from '../../plan/index.js';
import { CliError, connect, getAcd } from '../kube.js';
import { buildPlanReport } from '../plan-report.js';
import { renderPlanReport } from '../render.js';

interface Target {
  subject: string;
  spec: unknown;
  status?: AcdClusterStatus;
}

/**
 * Reads the manifest a user would `kubectl apply`: one AcdCluster (a multi-document file may hold
 * its VMs too; a List is unwrapped), or a bare spec with `machines` at the top.
 */
export async function loadManifest(file: string): Promise<Target> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CliError(
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    );
  }
  // YAML 1.1, as kubectl reads manifests: an unquoted `powerState: On` is a boolean there, and a
  // dry run that accepted it would bless a file `kubectl apply` then rejects.
  const docs = parseAllDocuments(text, { version: '1.1' });
  const broken = docs.flatMap((d) => d.errors);
  if (broken.length)
    throw new CliError(`${file} is not valid YAML: ${broken[0]!.message.split('\n')[0]!.replace(/:$/, '')}`);
  const objects = docs
    .map((d) => d.toJS() as unknown)
    .flatMap((o) => (isObject(o) && o.kind === 'List' && Array.isArray(o.items) ? (o.items as unknown[]) : [o]))
    .filter(isObject);
  const clusters = objects.filter((o) => o.kind === KIND);
  if (clusters.length > 1) throw new CliError(`${file} holds ${clusters.length} AcdClusters; plan one at a time`);
  const acd = clusters[0];
  if (acd) {
    const meta = isObject(acd.metadata) ? acd.metadata : {};
    const name = typeof meta.name === 'string' ? meta.name : '(unnamed)';
    return {
      subject: `${KIND} ${name} from ${file}`,
      spec: acd.spec,
      ...(isObject(acd.status) ? { status: acd.status } : {}),
    };
  }
  const bare = objects.find((o) => 'machines' in o);
  if (bare) return { subject: `spec from ${file}`, spec: bare };
  throw new CliError(`${file} holds no AcdCluster (kind: ${KIND}) and no spec with machines`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface PlanArgs {
  kubeconfig?: string;
  file?: string;
  name?: string;
  namespace?: string;
  active: ActiveSides;
}

export async function runPlan(args: PlanArgs, out: (text: string) => void): Promise<number> {
  let target: Target;
  if (args.file !== undefined) {
    target = await loadManifest(args.file);
  } else {
    const k = connect(args.kubeconfig, args.namespace);
    const acd = await getAcd(k, args.name!);
    target = {
      subject: `${KIND} ${acd.metadata.name} in namespace ${acd.metadata.namespace}`,
      spec: acd.spec,
      ...(acd.status ? { status: acd.status } : {}),
    };
  }
  const valid = validateSpec(target.spec);
  if (!valid.ok) {
    const powerState = (target.spec as { powerState?: unknown } | undefined)?.powerState;
    const hint =
      typeof powerState === 'boolean'
        ? ['hint: quote it, powerState: "On" or "Off" (unquoted, YAML reads On/Off as true/false)']
        : [];
    throw new CliError(`${target.subject} is invalid:\n${[...valid.errors, ...hint].map((e) => `  ${e}`).join('\n')}`);
  }
  try {
    out(
      renderPlanReport(
        buildPlanReport({
          subject: target.subject,
          spec: valid.spec,
          overrides: args.active,
          now: new Date(),
          ...(target.status ? { status: target.status } : {}),
        }),
      ),
    );
  } catch (e) {
    if (e instanceof InvalidMachinesError)
      throw new CliError(`${target.subject} is invalid:\n${e.problems.map((p) => `  ${p}`).join('\n')}`);
    throw e;
  }
  return 0;
}
