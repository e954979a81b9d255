// The SSH check's number: one capture group of `regex` in a VM's output, summed over the VMs.
import { failed, noData, type Answer } from './answer.js';

export interface VmOutput {
  vm: string;
  stdout: string;
  /** The command's exit code, shown when nothing matched (a grep -c that found 0 exits 1). */
  code: number;
}

/** Compiles the regex; a bad one or one without a capture group is a message. */
export function compileCapture(regex: string): RegExp | string {
  let re: RegExp;
  try {
    re = new RegExp(regex, 'm');
  } catch (e) {
    return `regex ${regex} does not compile: ${e instanceof Error ? e.message : String(e)}`;
  }
  // A regex that matches the empty string tells how many groups it has: one more than its captures.
  const groups = new RegExp(`${regex}|`).exec('')!.length - 1;
  return groups >= 1 ? re : `regex ${regex} has no capture group: put the number in (...)`;
}

/** The sum of the numbers captured on each VM; no match anywhere is no data. */
export function sumCaptures(regex: string, outputs: readonly VmOutput[]): Answer {
  const re = compileCapture(regex);
  if (typeof re === 'string') return failed(re);
  let sum = 0;
  const missed: string[] = [];
  for (const o of outputs) {
    const captured = re.exec(o.stdout)?.[1];
    if (captured === undefined) {
      missed.push(o.code === 0 ? o.vm : `${o.vm} (exit ${o.code})`);
      continue;
    }
    const n = Number(captured.trim());
    if (captured.trim() === '' || !Number.isFinite(n))
      return failed(`${o.vm}: regex captured "${captured.slice(0, 40)}", not a number`);
    sum += n;
  }
  if (missed.length === outputs.length) return noData(`regex ${regex} matched no output on ${missed.join(', ')}`);
  return { kind: 'value', result: sum };
}
