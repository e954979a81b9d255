// The judge: one provider's answer and the gate's successCondition / onNoData, as the port's outcome.
import type { Gate } from '../api/gates.js';
import { shown, type Answer } from './answer.js';
import { evaluateCondition } from './condition.js';
import type { GateCheckOutcome } from './types.js';

type Judged = Pick<Gate, 'successCondition' | 'onNoData'>;

export function judge(gate: Judged, answer: Answer): GateCheckOutcome {
  switch (answer.kind) {
    case 'failed':
      return { passed: false, noData: false, message: answer.message };
    case 'pending':
      return { passed: false, noData: false, pending: true, message: answer.message };
    case 'noData': {
      const passed = gate.onNoData === 'Pass';
      return {
        passed,
        noData: true,
        message: `no data (${answer.why}): onNoData ${gate.onNoData} counts it as ${passed ? 'passed' : 'failed'}`,
      };
    }
    case 'value':
      return judgeValue(gate, answer.result, answer.passesByDefault);
  }
}

function judgeValue(
  gate: Judged,
  result: unknown,
  byDefault: { met: boolean; what: string } | undefined,
): GateCheckOutcome {
  const value = shown(result);
  const base = { noData: false, value };
  if (gate.successCondition === undefined) {
    if (!byDefault) return { ...base, passed: false, message: `result ${value}: this check needs a successCondition` };
    const met = byDefault.met ? 'met' : 'not met';
    return { ...base, passed: byDefault.met, message: `result ${value}: default condition (${byDefault.what}) ${met}` };
  }
  const verdict = evaluateCondition(gate.successCondition, result);
  if (!verdict.ok) return { ...base, passed: false, message: `result ${value}: ${verdict.error}` };
  const met = verdict.met ? 'met' : 'not met';
  return { ...base, passed: verdict.met, message: `result ${value}: condition ${gate.successCondition} ${met}` };
}
