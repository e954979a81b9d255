// successCondition: a CEL expression over `result`, compiled once per text. CEL by
// @marcbachmann/cel-js (pinned in package.json): no dependencies, its own types, and a type checker
// that refuses an unknown variable or a non-boolean expression before the first evaluation.
// Buf's @bufbuild/cel is conformance-tested too, but brings @bufbuild/protobuf and a regex engine
// package with it, for nothing a gate needs.
import { Environment } from '@marcbachmann/cel-js';

export type Compiled = { ok: true; run: (result: unknown) => unknown } | { ok: false; error: string };
export type ConditionVerdict = { ok: true; met: boolean } | { ok: false; error: string };

const env = new Environment().registerVariable('result', 'dyn');
const cache = new Map<string, Compiled>();
// Conditions come from specs, so there are few; the bound only guards against a churn of edits.
const CACHE_LIMIT = 512;

/** The first line of a CEL error: the library appends a caret diagram on the following lines. */
const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();

export function compileCondition(text: string): Compiled {
  const hit = cache.get(text);
  if (hit) return hit;
  const compiled = compile(text);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, compiled);
  return compiled;
}

function compile(text: string): Compiled {
  try {
    const parsed = env.parse(text);
    const typed = parsed.check();
    if (!typed.valid) return { ok: false, error: `condition ${text} is invalid: ${firstLine(typed.error)}` };
    if (typed.type !== 'bool' && typed.type !== 'dyn')
      return { ok: false, error: `condition ${text} yields ${typed.type}, not a bool` };
    return { ok: true, run: (result): unknown => parsed({ result: toCel(result) }) as unknown };
  } catch (e) {
    return { ok: false, error: `condition ${text} does not compile: ${firstLine(e)}` };
  }
}

/** Evaluates a condition over a result; a compile or evaluation error is a verdict, never a throw. */
export function evaluateCondition(text: string, result: unknown): ConditionVerdict {
  const c = compileCondition(text);
  if (!c.ok) return c;
  try {
    const v = c.run(result);
    if (typeof v !== 'boolean') return { ok: false, error: `condition ${text} yields ${typeof v}, not a bool` };
    return { ok: true, met: v };
  } catch (e) {
    return { ok: false, error: `condition ${text} failed on the result: ${firstLine(e)}` };
  }
}

/**
 * CEL keeps int and double apart in arithmetic (`7.0 + 1` has no overload), while comparisons mix
 * them. A whole number therefore becomes a CEL int, so that `result + 1 == 8` and `result == 0`
 * both read as a user means them; fractions, NaN and infinities stay doubles.
 */
export function toCel(v: unknown): unknown {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(toCel);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, toCel(x)]));
  return v;
}
