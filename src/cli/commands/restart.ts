// `acdctl restart NAME`: asks for an ordered restart, in the idiom of `kubectl rollout restart`: an
// annotation with the time of the request. The operator stops every stage, then starts every stage,
// once; while the ACD is Off it records the restart as skipped.
import { RESTART_ANNOTATION } from '../../api/names.js';
import { annotate, connect } from '../kube.js';

export interface RestartArgs {
  kubeconfig?: string;
  name: string;
  namespace?: string;
}

export async function runRestart(args: RestartArgs, out: (text: string) => void): Promise<number> {
  const k = connect(args.kubeconfig, args.namespace);
  const at = new Date().toISOString();
  await annotate(k, args.name, { key: RESTART_ANNOTATION, value: at });
  out(
    `acdcluster ${args.name} in namespace ${k.namespace}: restart requested at ${at}; ` +
      'every stage Off, then every stage On (follow it with: acdctl status NAME --watch)',
  );
  return 0;
}
