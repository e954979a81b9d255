// Reading providers' answers: a JSON path, Prometheus' instant query API, and the SSH capture sum.
import { describe, expect, test } from '@jest/globals';
import { lookupPath, parsePath } from '../../../src/gates/json-path.js';
import { readPrometheusAnswer } from '../../../src/gates/prometheus-answer.js';
import { compileCapture, sumCaptures } from '../../../src/gates/capture.js';
import { readHttpReply, readPrometheusReply } from '../../../src/gates/http-checks.js';

describe('jsonPath', () => {
  const doc = { data: { activeCalls: 3, zero: 0, off: false, none: null }, items: [{ count: 5 }, { count: [7, 8] }] };

  test.each([
    ['data.activeCalls', 3],
    ['data.zero', 0],
    ['data.off', false],
    ['items[0].count', 5],
    ['items[1].count[1]', 8],
    ['$.data.activeCalls', 3],
    ['items', doc.items],
  ])('%s finds %j', (path, value) => {
    expect(lookupPath(doc, path)).toEqual({ found: true, value });
  });

  test.each(['data.missing', 'items[2].count', 'data.activeCalls.x', 'data.none', 'items.count', 'data[0]'])(
    '%s is not found',
    (path) => {
      expect(lookupPath(doc, path)).toEqual({ found: false });
    },
  );

  test('a top-level array is indexed', () => {
    expect(lookupPath([10, 20], '[1]')).toEqual({ found: true, value: 20 });
  });

  test('an unreadable path is an error naming it', () => {
    expect(() => parsePath('data..x')).toThrow('jsonPath data..x cannot be read at ""');
    expect(() => parsePath('items[a]')).toThrow(/items\[a\]/);
    expect(parsePath('a.b[0][2]')).toEqual(['a', 'b', 0, 2]);
  });
});

describe('Prometheus answers', () => {
  const vector = (...values: string[]) => ({
    status: 'success',
    data: {
      resultType: 'vector',
      result: values.map((v, i) => ({ metric: { i: String(i) }, value: [1700000000.1, v] })),
    },
  });

  test('a vector of one sample is its value', () => {
    expect(readPrometheusAnswer(vector('7'))).toEqual({ kind: 'value', result: 7 });
    expect(readPrometheusAnswer(vector('0.25'))).toEqual({ kind: 'value', result: 0.25 });
    expect(readPrometheusAnswer(vector('+Inf'))).toEqual({ kind: 'value', result: Infinity });
  });

  test('a scalar is its value', () => {
    const scalar = { status: 'success', data: { resultType: 'scalar', result: [1700000000, '42'] } };
    expect(readPrometheusAnswer(scalar)).toEqual({ kind: 'value', result: 42 });
  });

  test('an empty vector and NaN are no data', () => {
    expect(readPrometheusAnswer(vector())).toEqual({ kind: 'noData', why: 'the query returned no series' });
    expect(readPrometheusAnswer(vector('NaN'))).toEqual({ kind: 'noData', why: 'Prometheus answered NaN' });
  });

  test('more than one series is a failed attempt that says how many', () => {
    expect(readPrometheusAnswer(vector('1', '2', '3'))).toEqual({
      kind: 'failed',
      message: 'the query returned 3 series; a gate needs exactly one (aggregate it, e.g. sum(...))',
    });
  });

  test('status error carries errorType and error', () => {
    const err = { status: 'error', errorType: 'bad_data', error: 'parse error at char 4' };
    expect(readPrometheusAnswer(err)).toEqual({
      kind: 'failed',
      message: 'Prometheus refused the query: bad_data: parse error at char 4',
    });
  });

  test('a matrix, or something else entirely, is refused', () => {
    expect(readPrometheusAnswer({ status: 'success', data: { resultType: 'matrix', result: [] } })).toMatchObject({
      kind: 'failed',
      message: expect.stringContaining('matrix'),
    });
    expect(readPrometheusAnswer('hello')).toMatchObject({ kind: 'failed' });
  });

  test('an HTTP error with a JSON body is read as the API error; an HTML page is not', () => {
    const body = JSON.stringify({ status: 'error', errorType: 'timeout', error: 'query timed out' });
    expect(readPrometheusReply('GET http://p/api/v1/query', { status: 503, text: body })).toEqual({
      kind: 'failed',
      message: 'Prometheus refused the query: timeout: query timed out',
    });
    expect(readPrometheusReply('GET http://p/api/v1/query', { status: 502, text: '<html>' })).toEqual({
      kind: 'failed',
      message: 'GET http://p/api/v1/query: HTTP 502, not an answer of the Prometheus HTTP API',
    });
  });
});

describe('HTTP replies', () => {
  const check = { url: 'https://u:pw@svc/calls?token=abc', method: 'GET' as const };

  test('without a jsonPath the status is the result, and 2xx passes by default', () => {
    expect(readHttpReply(check, { status: 204, text: '' })).toEqual({
      kind: 'value',
      result: 204,
      passesByDefault: { met: true, what: 'a 2xx status' },
    });
    expect(readHttpReply(check, { status: 503, text: '' })).toMatchObject({ passesByDefault: { met: false } });
  });

  test('a 404 is no data; the message shows neither user info nor the query string', () => {
    expect(readHttpReply(check, { status: 404, text: '' })).toEqual({
      kind: 'noData',
      why: 'GET https://svc/calls: HTTP 404',
    });
  });

  test('with a jsonPath: the value, a missing path, a non-2xx status, an answer that is not JSON', () => {
    const c = { ...check, jsonPath: 'data.calls' };
    expect(readHttpReply(c, { status: 200, text: '{"data":{"calls":2}}' })).toEqual({ kind: 'value', result: 2 });
    expect(readHttpReply(c, { status: 200, text: '{"data":{}}' })).toEqual({
      kind: 'noData',
      why: 'no data.calls in the answer',
    });
    expect(readHttpReply(c, { status: 500, text: '{}' })).toEqual({
      kind: 'failed',
      message: 'GET https://svc/calls: HTTP 500',
    });
    expect(readHttpReply(c, { status: 200, text: 'ok' })).toMatchObject({ kind: 'failed' });
  });
});

describe('SSH capture', () => {
  const out = (vm: string, stdout: string, code = 0) => ({ vm, stdout, code });
  const re = 'active calls: (\\d+)';

  test('sums the captured number over the VMs', () => {
    expect(sumCaptures(re, [out('tel1', 'x\nactive calls: 7\n'), out('tel2', 'active calls: 5')])).toEqual({
      kind: 'value',
      result: 12,
    });
  });

  test('a VM without a match adds nothing; no match anywhere is no data naming the VMs', () => {
    expect(sumCaptures(re, [out('tel1', 'active calls: 7'), out('tel2', 'busy')])).toEqual({
      kind: 'value',
      result: 7,
    });
    expect(sumCaptures(re, [out('tel1', 'nothing'), out('tel2', '', 1)])).toEqual({
      kind: 'noData',
      why: `regex ${re} matched no output on tel1, tel2 (exit 1)`,
    });
  });

  test('decimals and negative numbers are read', () => {
    expect(sumCaptures('load (-?[\\d.]+)', [out('a', 'load 0.5'), out('b', 'load -0.25')])).toEqual({
      kind: 'value',
      result: 0.25,
    });
  });

  test('a capture that is not a number fails the attempt', () => {
    expect(sumCaptures('calls: (\\w+)', [out('tel1', 'calls: many')])).toEqual({
      kind: 'failed',
      message: 'tel1: regex captured "many", not a number',
    });
  });

  test('a regex without a group or that does not compile is a message', () => {
    expect(compileCapture('calls: \\d+')).toBe('regex calls: \\d+ has no capture group: put the number in (...)');
    expect(compileCapture('calls: (\\d+')).toMatch(/^regex calls: \(\\d\+ does not compile: /);
    expect(compileCapture('(?:x)?(\\d+)')).toBeInstanceOf(RegExp);
  });
});
