// `acdctl status`: the AcdCluster's status as tables; with --watch, again on every change.
import { connect, getAcd, watchAcd } from '../kube.js';
import { renderStatus } from '../render.js';

export interface StatusArgs {
  kubeconfig?: string;
  name: string;
  namespace?: string;
  watch: boolean;
}

// Clear screen and home the cursor; only for a terminal, so that piped output stays a clean log.
const CLEAR = '\x1b[2J\x1b[H';

export async function runStatus(
  args: StatusArgs,
  out: (text: string) => void,
  isTty: boolean,
  signal?: AbortSignal,
): Promise<number> {
  const k = connect(args.kubeconfig, args.namespace);
  if (!args.watch) {
    out(renderStatus(await getAcd(k, args.name)));
    return 0;
  }
  let last: string | undefined;
  let first = true;
  await watchAcd(
    k,
    args.name,
    (acd) => {
      const text = renderStatus(acd);
      // Every status write bumps resourceVersion; only a visible change is worth a new screen.
      if (text === last) return false;
      last = text;
      if (isTty) out(`${CLEAR}${text}`);
      else out(`${first ? '' : '\n---\n'}${text}`);
      first = false;
      return false;
    },
    signal,
  );
  return 0;
}
