// The HTTP and Prometheus gate checks and the HTTP action against real loopback servers.
import { afterEach, describe, expect, test } from '@jest/globals';
import { fakeSecrets, gate, loopback, obj, probes, specWith, type Loopback, type Reply, type Seen } from './support.js';
import { prometheusApi } from '../../support/loopback.js';

const servers: Loopback[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function serve(answer: (req: Seen, n: number) => Reply): Promise<Loopback> {
  const s = await loopback(answer);
  servers.push(s);
  return s;
}

const SECRET = 'Bearer s3cr3t-t0ken-value';
const secrets = fakeSecrets({ 'api-token': { token: SECRET } });
const p = probes(secrets);
const spec = specWith();
const noVms = new Map();

describe('HTTP check', () => {
  test('503 three times then 200: the attempts fail, then pass, each showing the status', async () => {
    const srv = await serve((_, n) => ({ status: n <= 3 ? 503 : 200 }));
    const g = gate({ check: { http: { url: `${srv.url}/ready` } } });
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await p.check(obj, spec, noVms, g, 'a'));
    expect(outcomes.map((o) => [o.passed, o.value])).toEqual([
      [false, '503'],
      [false, '503'],
      [false, '503'],
      [true, '200'],
    ]);
    expect(outcomes[0]!.message).toBe('result 503: default condition (a 2xx status) not met');
    expect(srv.seen.map((s) => `${s.method} ${s.url}`)).toEqual(Array(4).fill('GET /ready'));
  });

  test('a header from a Secret reaches the server; no outcome carries it, even when the answer echoes it', async () => {
    const srv = await serve((req) =>
      req.headers.authorization === SECRET
        ? { status: 200, body: { data: { activeCalls: 0 }, echo: req.headers.authorization } }
        : { status: 401 },
    );
    const headers = [
      { name: 'Authorization', valueFrom: { secretKeyRef: { name: 'api-token', key: 'token' } } },
      { name: 'X-Team', value: 'cc' },
    ];
    const calls = gate({
      check: {
        http: { url: `${srv.url}/calls`, method: 'POST', headers, body: '{"q":1}', jsonPath: 'data.activeCalls' },
      },
      successCondition: 'result == 0',
    });
    const echo = gate({
      check: { http: { url: `${srv.url}/calls`, headers, jsonPath: 'echo' } },
      successCondition: 'true',
    });
    const first = await p.check(obj, spec, noVms, calls, 'a');
    const second = await p.check(obj, spec, noVms, echo, 'a');
    expect(first).toEqual({ passed: true, noData: false, value: '0', message: 'result 0: condition result == 0 met' });
    expect(srv.seen[0]).toMatchObject({
      method: 'POST',
      body: '{"q":1}',
      headers: { authorization: SECRET, 'x-team': 'cc' },
    });
    expect(second.value).toBe('[redacted]');
    expect(JSON.stringify([first, second])).not.toContain('s3cr3t');
    expect(secrets.reads).toContain('cc/api-token');
  });

  test('a missing Secret key fails the attempt, naming the Secret and key only', async () => {
    const srv = await serve(() => ({ status: 200 }));
    const headers = [{ name: 'Authorization', valueFrom: { secretKeyRef: { name: 'api-token', key: 'nope' } } }];
    const out = await p.check(obj, spec, noVms, gate({ check: { http: { url: srv.url, headers } } }), 'a');
    expect(out).toEqual({
      passed: false,
      noData: false,
      message: 'Secret api-token has no key nope (header Authorization)',
    });
    expect(srv.seen).toHaveLength(0);
  });

  test('jsonPath reads a value of the JSON answer, and a non-2xx answer is a failed attempt', async () => {
    const srv = await serve((req) =>
      req.url === '/broken' ? { status: 500 } : { status: 200, body: { items: [{ count: 4 }, { count: 9 }] } },
    );
    const check = (path: string) => ({ http: { url: `${srv.url}${path}`, jsonPath: 'items[1].count' } });
    const ok = await p.check(obj, spec, noVms, gate({ check: check('/x'), successCondition: 'result > 5' }), 'a');
    expect(ok).toMatchObject({ passed: true, value: '9' });
    const bad = await p.check(obj, spec, noVms, gate({ check: check('/broken'), successCondition: 'result > 5' }), 'a');
    expect(bad).toEqual({ passed: false, noData: false, message: `GET ${srv.url}/broken: HTTP 500` });
  });

  test('a 404 is no data: onNoData Pass passes it, Fail fails it', async () => {
    const srv = await serve(() => ({ status: 404 }));
    const g = (onNoData: string) =>
      gate({ check: { http: { url: `${srv.url}/gone`, jsonPath: 'x' } }, successCondition: 'result == 0', onNoData });
    expect(await p.check(obj, spec, noVms, g('Pass'), 'a')).toEqual({
      passed: true,
      noData: true,
      message: `no data (GET ${srv.url}/gone: HTTP 404): onNoData Pass counts it as passed`,
    });
    expect(await p.check(obj, spec, noVms, g('Fail'), 'a')).toMatchObject({ passed: false, noData: true });
  });

  test('a server that does not answer fails the attempt at spec.health.checkTimeout', async () => {
    const srv = await serve(() => 'hang');
    const t0 = Date.now();
    const out = await p.check(
      obj,
      specWith({ health: { checkTimeout: '1s' } }),
      noVms,
      gate({ check: { http: { url: srv.url } } }),
      'a',
    );
    expect(Date.now() - t0).toBeLessThan(2_500);
    expect(out).toEqual({ passed: false, noData: false, message: `GET ${srv.url}/ timed out after 1000 ms` });
  });

  test('a redirect is not followed: the Secret header never reaches the host it points to', async () => {
    const elsewhere = await serve(() => ({ status: 200 }));
    const srv = await serve(() => ({ status: 302, body: '', headers: { location: `${elsewhere.url}/ready` } }));
    const headers = [{ name: 'X-Api-Key', valueFrom: { secretKeyRef: { name: 'api-token', key: 'token' } } }];
    const g = gate({ check: { http: { url: `${srv.url}/moved`, headers } } });
    const out = await p.check(obj, spec, noVms, g, 'a');
    expect(out).toMatchObject({ passed: false, value: '302' });
    expect(srv.seen).toHaveLength(1);
    expect(elsewhere.seen).toHaveLength(0);
  });

  test('a closed port fails the attempt with the reason', async () => {
    const srv = await serve(() => ({ status: 200 }));
    await srv.close();
    const out = await p.check(obj, spec, noVms, gate({ check: { http: { url: srv.url } } }), 'a');
    expect(out.passed).toBe(false);
    expect(out.message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/ failed: .*ECONNREFUSED/);
  });
});

// Not a real Prometheus (none is built on this machine): see test/support/loopback.ts.
const prometheusLike = prometheusApi('/prom', {
  'sum(acd_active_calls{job="tel"})': ['7'],
  'acd_active_calls{job="none"}': [],
  'rate(x[5m]) / 0': ['NaN'],
  acd_active_calls: ['1', '2'],
});

describe('Prometheus check', () => {
  const promGate = async (query: string, onNoData = 'Fail') => {
    const srv = await serve(prometheusLike);
    const headers = [{ name: 'Authorization', valueFrom: { secretKeyRef: { name: 'api-token', key: 'token' } } }];
    const g = gate({
      check: { prometheus: { address: `${srv.url}/prom/`, query, headers } },
      successCondition: 'result == 0',
      onNoData,
    });
    return { out: await p.check(obj, spec, noVms, g, 'a'), srv };
  };

  test('a vector of one sample: its value, the query sent URL-encoded with the header', async () => {
    const { out, srv } = await promGate('sum(acd_active_calls{job="tel"})');
    expect(out).toEqual({
      passed: false,
      noData: false,
      value: '7',
      message: 'result 7: condition result == 0 not met',
    });
    expect(srv.seen[0]!.headers.authorization).toBe(SECRET);
    expect(srv.seen[0]!.url).toBe('/prom/api/v1/query?query=sum(acd_active_calls%7Bjob%3D%22tel%22%7D)');
  });

  test('an empty vector and NaN are no data', async () => {
    expect((await promGate('acd_active_calls{job="none"}', 'Pass')).out).toMatchObject({ passed: true, noData: true });
    const nan = (await promGate('rate(x[5m]) / 0')).out;
    expect(nan).toEqual({
      passed: false,
      noData: true,
      message: 'no data (Prometheus answered NaN): onNoData Fail counts it as failed',
    });
  });

  test('two series and a refused query are failed attempts that say why', async () => {
    expect((await promGate('acd_active_calls')).out.message).toMatch(/^the query returned 2 series/);
    expect((await promGate('nonsense(')).out).toEqual({
      passed: false,
      noData: false,
      message: 'Prometheus refused the query: bad_data: unknown query nonsense(',
    });
  });
});

describe('HTTP action', () => {
  test('a 2xx is ok, anything else is not; the message names the call without its query', async () => {
    const srv = await serve((req) => ({ status: req.url.startsWith('/drain') ? 204 : 409 }));
    const headers = [{ name: 'Authorization', valueFrom: { secretKeyRef: { name: 'api-token', key: 'token' } } }];
    const drain = await p.act(obj, spec, noVms, { http: { url: `${srv.url}/drain?k=1`, method: 'POST', headers } });
    const undrain = await p.act(obj, spec, noVms, { http: { url: `${srv.url}/undrain`, method: 'POST' } });
    expect(drain).toEqual({ ok: true, message: `POST ${srv.url}/drain: HTTP 204` });
    expect(undrain).toEqual({ ok: false, message: `POST ${srv.url}/undrain: HTTP 409` });
    expect(srv.seen[0]!.headers.authorization).toBe(SECRET);
  });
});
