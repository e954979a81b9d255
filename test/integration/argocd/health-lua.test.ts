// Runs deploy/argocd/health/acd.power.dev/AcdCluster/health.lua with Debian's real lua5.1 and
// lua-cjson, inside a sandbox that opens only what Argo CD opens for custom checks from argocd-cm
// (package, base, table, a safe os: argoproj/argo-cd util/lua/lua.go). Every case of
// health_test.yaml runs, so the YAML that Argo CD's own `go test ./util/lua/` would read stays
// the single list of expectations.
import { describe, expect, it } from '@jest/globals';
import { loadYaml } from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StatusSchema } from '../../../src/api/status.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const checkDir = join(repo, 'deploy/argocd/health/acd.power.dev/AcdCluster');
const healthLua = join(checkDir, 'health.lua');
const runner = join(here, 'argocd-sandbox.lua');

// The statuses Argo CD accepts from a Lua check; anything else becomes Unknown.
const VALID_STATUSES = ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown'];

interface HealthCase {
  healthStatus: { status: string; message: string };
  inputPath: string;
}

interface RunResult {
  ok: boolean;
  status?: unknown;
  message?: unknown;
  error?: string;
}

function runScript(script: string, object: unknown): RunResult {
  const out = execFileSync('lua5.1', [runner, script], {
    input: JSON.stringify(object),
    encoding: 'utf8',
    timeout: 10_000,
  });
  return JSON.parse(out) as RunResult;
}

// Runs a throw-away Lua snippet in the same sandbox, to prove what the sandbox allows.
function runSnippet(code: string, object: unknown = {}): RunResult {
  const dir = mkdtempSync(join(tmpdir(), 'acd-lua-'));
  try {
    const file = join(dir, 'probe.lua');
    writeFileSync(file, code);
    return runScript(file, object);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The API server drops null from fields that are not nullable before it stores an object, so a
// fixture's status is compared with the API after the same treatment.
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) {
    return v.filter((x) => x !== null).map(withoutNulls);
  }
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== null)
        .map(([k, x]) => [k, withoutNulls(x)]),
    );
  }
  return v;
}

function loadCases(): HealthCase[] {
  const doc = loadYaml<{ tests: HealthCase[] }>(readFileSync(join(checkDir, 'health_test.yaml'), 'utf8'));
  return doc.tests;
}

const cases = loadCases();

describe('AcdCluster Argo CD health check (lua5.1, Argo CD library limits)', () => {
  it.each(cases.map((c) => [c.inputPath, c] as const))('%s', (_name, c) => {
    const object = loadYaml(readFileSync(join(checkDir, c.inputPath), 'utf8'));
    const result = runScript(healthLua, object);
    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(VALID_STATUSES).toContain(result.status);
    expect({ status: result.status, message: result.message }).toEqual(c.healthStatus);
  });

  it.each(cases.map((c) => [c.inputPath] as const))('%s has a status the operator can write', (inputPath) => {
    // Keeps the fixtures honest: a status shape the API (src/api/status.ts) does not define
    // would test the health check against objects that never exist. Parsing strips unknown
    // keys, so equality also catches fields the API does not have.
    const object = loadYaml<{ status?: unknown }>(readFileSync(join(checkDir, inputPath), 'utf8'));
    if (object.status === undefined) {
      return;
    }
    const status = withoutNulls(object.status);
    const parsed = StatusSchema.safeParse(status);
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.data).toEqual(status);
  });

  it('has a case for each required situation and no unreferenced testdata', () => {
    // Guards against a case silently dropped from health_test.yaml.
    const referenced = cases.map((c) => basename(c.inputPath)).sort();
    const onDisk = readdirSync(join(checkDir, 'testdata'))
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    expect(referenced).toEqual(onDisk);
    for (const required of [
      'healthy-on.yaml',
      'healthy-off.yaml',
      'healthy-scheduled-off.yaml',
      'progressing-starting.yaml',
      'progressing-stopping.yaml',
      'progressing-new-generation.yaml',
      'degraded-stalled.yaml',
      'degraded-unhealthy.yaml',
      'degraded-invalid-spec.yaml',
      'degraded-active-unknown.yaml',
      'suspended.yaml',
      'no-status.yaml',
    ]) {
      expect(referenced).toContain(required);
    }
    const statuses = new Set(cases.map((c) => c.healthStatus.status));
    expect([...statuses].sort()).toEqual(['Degraded', 'Healthy', 'Progressing', 'Suspended']);
  });

  it('reports a deliberately Off cluster as Healthy, never Suspended', () => {
    // Suspended would park multi-wave syncs (argoproj/argo-cd#29663); make the reason explicit.
    for (const file of ['healthy-off.yaml', 'healthy-scheduled-off.yaml']) {
      const off = cases.find((c) => c.inputPath.endsWith(file));
      expect(off?.healthStatus.status).toBe('Healthy');
    }
  });

  it('reads only globals that exist under Argo CD limits and writes none', () => {
    // luac's listing names every global the script touches, on every branch, not only the
    // branches the cases above happen to run.
    const listing = execFileSync('luac5.1', ['-p', '-l', healthLua], { encoding: 'utf8' });
    const reads = new Set([...listing.matchAll(/GETGLOBAL\s.*;\s(\S+)/g)].map((m) => m[1]));
    const writes = [...listing.matchAll(/SETGLOBAL\s.*;\s(\S+)/g)].map((m) => m[1]);
    expect(writes).toEqual([]);
    expect(reads.size).toBeGreaterThan(0);
    const allowed = ['obj', 'tostring', 'tonumber', 'type', 'ipairs', 'pairs', 'next', 'table', 'os'];
    for (const name of reads) {
      expect(allowed).toContain(name);
    }
  });
});

describe('the Argo CD sandbox really applies the limits', () => {
  it('blocks the io library', () => {
    const r = runSnippet('local f = io.open("/etc/hostname") return { status = "Healthy" }');
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/attempt to index global 'io' \(a nil value\)/);
  });

  it('blocks the string library and string methods', () => {
    expect(runSnippet('return { status = string.upper("x") }').error).toMatch(/global 'string'/);
    // In real Lua 5.1 strings index the string library through their metatable; gopher-lua
    // without the string library has no such metatable.
    expect(runSnippet('return { status = ("x"):upper() }').error).toMatch(/attempt to index a string value/);
  });

  it('offers no way back to the real globals', () => {
    const probe = `
      local leaks = {}
      if getfenv(0).io ~= nil or getfenv(1).io ~= nil or getfenv(print).io ~= nil then leaks[#leaks + 1] = "getfenv" end
      if loadstring("return io")() ~= nil then leaks[#leaks + 1] = "loadstring" end
      if _G.io ~= nil or _G.debug ~= nil or _G.math ~= nil then leaks[#leaks + 1] = "_G" end
      if pcall(require, "io") then leaks[#leaks + 1] = "require io" end
      if pcall(require, "cjson") then leaks[#leaks + 1] = "require cjson" end
      if os.execute ~= nil or os.exit ~= nil or os.getenv ~= nil or os.remove ~= nil then leaks[#leaks + 1] = "os" end
      return { status = "Healthy", message = table.concat(leaks, ",") }`;
    const r = runSnippet(probe);
    expect(r.error).toBeUndefined();
    expect(r.message).toBe('');
  });

  it('keeps what Argo CD does open: base, table, package and os.time/os.date', () => {
    const r = runSnippet(`
      local t = {}
      table.insert(t, tostring(type(os.time())))
      table.insert(t, type(os.date))
      table.insert(t, type(require("os").time))
      table.insert(t, type(package.loaded))
      return { status = "Healthy", message = table.concat(t, " ") }`);
    expect(r).toEqual({ ok: true, status: 'Healthy', message: 'number function function table' });
  });

  it('maps JSON null to nil in objects and drops it from arrays, as Argo CD does', () => {
    const r = runSnippet(
      'return { status = "Healthy", message = type(obj.a) .. " " .. #obj.list .. " " .. obj.list[2] }',
      {
        a: null,
        list: ['x', null, 'y'],
      },
    );
    expect(r).toEqual({ ok: true, status: 'Healthy', message: 'nil 2 y' });
  });

  it('rejects a script that does not return a table', () => {
    expect(runSnippet('return "Healthy"').error).toMatch(/expect table output/);
  });
});
