// `acdctl history NAME`: the last finished transitions of an AcdCluster (status.history).
import { connect, getAcd } from '../kube.js';
import { renderHistory } from '../history.js';

export interface HistoryArgs {
  kubeconfig?: string;
  name: string;
  namespace?: string;
}

export async function runHistory(args: HistoryArgs, out: (text: string) => void): Promise<number> {
  const k = connect(args.kubeconfig, args.namespace);
  out(renderHistory(await getAcd(k, args.name)));
  return 0;
}
