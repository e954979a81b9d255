// successCondition in CEL, and how the judge applies it and onNoData to a provider's answer.
import { describe, expect, test } from '@jest/globals';
import { compileCondition, evaluateCondition } from '../../../src/gates/condition.js';
import { judge } from '../../../src/gates/outcome.js';

describe('evaluateCondition', () => {
  test.each([
    ['result == 0', 0, true],
    ['result == 0', 7, false],
    ['result < 5', 4.5, true],
    ['result + 1 == 8', 7, true],
    ['result > 0.5', 1, true],
    ['result == "ready"', 'ready', true],
    ['result.startsWith("re")', 'ready', true],
    ['result == true', true, true],
    ['result.calls == 0 && size(result.queues) == 2', { calls: 0, queues: ['a', 'b'] }, true],
    ['result[1] == 3', [1, 3], true],
  ])('%s over %j is %s', (text, result, met) => {
    expect(evaluateCondition(text, result)).toEqual({ ok: true, met });
  });

  test('a condition that does not parse is an error message naming it, not a throw', () => {
    const v = evaluateCondition('result ==', 3);
    expect(v.ok).toBe(false);
    expect(!v.ok && v.error).toMatch(/^condition result == does not compile: Unexpected token/);
    expect(!v.ok && v.error).not.toContain('\n');
  });

  test('an unknown variable and a non-boolean expression are refused when compiled', () => {
    const unknown = compileCondition('results == 0');
    expect(!unknown.ok && unknown.error).toMatch(/results/);
    const notBool = compileCondition('1 + 2');
    expect(!notBool.ok && notBool.error).toBe('condition 1 + 2 yields int, not a bool');
  });

  test('a result of the wrong shape fails the evaluation with a message', () => {
    const v = evaluateCondition('result.calls == 0', 7);
    expect(v.ok).toBe(false);
    expect(!v.ok && v.error).toMatch(/^condition result.calls == 0 failed on the result: /);
    const dyn = evaluateCondition('result', 'yes');
    expect(!dyn.ok && dyn.error).toBe('condition result yields string, not a bool');
  });

  test('compiles each text once', () => {
    expect(compileCondition('result >= 42')).toBe(compileCondition('result >= 42'));
  });
});

describe('judge', () => {
  const gate = (successCondition?: string, onNoData: 'Fail' | 'Pass' = 'Fail') => ({ successCondition, onNoData });

  test('a value is judged by the condition and shown', () => {
    expect(judge(gate('result == 0'), { kind: 'value', result: 7 })).toEqual({
      passed: false,
      noData: false,
      value: '7',
      message: 'result 7: condition result == 0 not met',
    });
    expect(judge(gate('result == 0'), { kind: 'value', result: 0 }).passed).toBe(true);
  });

  test('without a condition the default applies, and a check without a default needs one', () => {
    const byDefault = { met: false, what: 'a 2xx status' };
    expect(judge(gate(), { kind: 'value', result: 503, passesByDefault: byDefault })).toMatchObject({
      passed: false,
      message: 'result 503: default condition (a 2xx status) not met',
    });
    expect(judge(gate(), { kind: 'value', result: 3 })).toMatchObject({
      passed: false,
      message: 'result 3: this check needs a successCondition',
    });
  });

  test('a given condition wins over the default', () => {
    const answer = { kind: 'value' as const, result: 503, passesByDefault: { met: false, what: 'a 2xx status' } };
    expect(judge(gate('result == 503'), answer).passed).toBe(true);
  });

  test('no data counts as onNoData says', () => {
    const answer = { kind: 'noData' as const, why: 'the query returned no series' };
    expect(judge(gate('result == 0', 'Fail'), answer)).toEqual({
      passed: false,
      noData: true,
      message: 'no data (the query returned no series): onNoData Fail counts it as failed',
    });
    expect(judge(gate('result == 0', 'Pass'), answer)).toMatchObject({ passed: true, noData: true });
  });

  test('a failed attempt and a pending Job are neither data nor a pass', () => {
    expect(judge(gate(undefined, 'Pass'), { kind: 'failed', message: 'boom' })).toEqual({
      passed: false,
      noData: false,
      message: 'boom',
    });
    expect(judge(gate(), { kind: 'pending', message: 'Job x is running' })).toEqual({
      passed: false,
      noData: false,
      pending: true,
      message: 'Job x is running',
    });
  });

  test('a compile error fails the attempt with its message, whatever the result', () => {
    expect(judge(gate('result =='), { kind: 'value', result: 0 })).toMatchObject({
      passed: false,
      value: '0',
      message: expect.stringMatching(/^result 0: condition result == does not compile/),
    });
  });

  test('a long JSON value is cut for display', () => {
    const out = judge(gate('true'), { kind: 'value', result: { text: 'x'.repeat(500) } });
    expect(out.value).toHaveLength(120);
    expect(out.value!.startsWith('{"text":"xxx')).toBe(true);
  });
});
