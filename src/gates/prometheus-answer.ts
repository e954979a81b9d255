// Reading the answer of Prometheus' instant query endpoint, GET /api/v1/query, as its HTTP API
// documentation describes it (https://prometheus.io/docs/prometheus/latest/querying/api/):
//   { "status": "success" | "error", "data": { "resultType": ..., "result": ... },
//     "errorType": ..., "error": ... }
// A vector's result is [{ "metric": {...}, "value": [ <unix time>, "<sample value>" ] }, ...], a
// scalar's is [ <unix time>, "<value>" ]; sample values are strings, "NaN" and "+Inf" included.
import { scalar } from '../health/util.js';
import { failed, noData, type Answer } from './answer.js';

type Sample = [number, string];

/** A sample value as a number; NaN (a division by zero, an empty rate) is no data. */
function sampleValue(sample: unknown, what: string): Answer {
  if (!Array.isArray(sample) || typeof (sample as Sample)[1] !== 'string')
    return failed(`Prometheus answered a ${what} without a [time, "value"] pair`);
  const text = (sample as Sample)[1];
  const value = Number(text.replace(/^\+?Inf$/, 'Infinity').replace(/^-Inf$/, '-Infinity'));
  if (text === 'NaN') return noData('Prometheus answered NaN');
  if (Number.isNaN(value)) return failed(`Prometheus answered a ${what} value that is not a number: ${text}`);
  return { kind: 'value', result: value };
}

function vector(result: unknown): Answer {
  if (!Array.isArray(result)) return failed('Prometheus answered a vector that is not a list');
  if (result.length === 0) return noData('the query returned no series');
  if (result.length > 1)
    return failed(`the query returned ${result.length} series; a gate needs exactly one (aggregate it, e.g. sum(...))`);
  return sampleValue((result[0] as { value?: unknown } | null)?.value, 'sample');
}

/** The answer's body, parsed from JSON, as a gate reads it. */
export function readPrometheusAnswer(body: unknown): Answer {
  const b = (body ?? {}) as {
    status?: unknown;
    data?: { resultType?: unknown; result?: unknown };
    errorType?: unknown;
    error?: unknown;
  };
  if (b.status === 'error')
    return failed(`Prometheus refused the query: ${scalar(b.errorType) || 'error'}: ${scalar(b.error) || 'no detail'}`);
  if (b.status !== 'success') return failed('the answer is not one of the Prometheus HTTP API (no status)');
  const { resultType, result } = b.data ?? {};
  switch (resultType) {
    case 'vector':
      return vector(result);
    case 'scalar':
      return sampleValue(result, 'scalar');
    case 'string':
      return Array.isArray(result) ? { kind: 'value', result: String(result[1]) } : failed('bad string result');
    default:
      return failed(`Prometheus answered a ${String(resultType)}; a gate needs an instant vector or a scalar`);
  }
}
