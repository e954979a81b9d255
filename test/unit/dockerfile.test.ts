// There is no Docker engine on the build machines, so the image cannot be built here. This test
// parses the Dockerfile and checks what the Helm chart and the security review rely on:
// node 24 bases, production dependencies only, non-root 65532, entry point dist/main.js.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

// Minimal Dockerfile reader: drops comments (also inside continued lines, as BuildKit does),
// joins lines ending in a backslash, and groups instructions by FROM.
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) {
      continue;
    }
    if (line === '' && pending === '') {
      continue;
    }
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1).trim() + ' ';
      continue;
    }
    logical.push((pending + line).trim());
    pending = '';
  }
  if (pending.trim() !== '') {
    logical.push(pending.trim());
  }

  const stages: Stage[] = [];
  for (const entry of logical) {
    if (entry === '') {
      continue;
    }
    const m = /^(\S+)\s*(.*)$/s.exec(entry);
    if (!m) {
      continue;
    }
    const keyword = (m[1] ?? '').toUpperCase();
    const args = m[2] ?? '';
    if (keyword === 'FROM') {
      const from = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) {
        throw new Error(`cannot parse FROM ${args}`);
      }
      stages.push({ image: from[1] ?? '', name: from[2], instructions: [] });
      continue;
    }
    const current = stages.at(-1);
    if (current === undefined) {
      throw new Error(`${keyword} before the first FROM`);
    }
    current.instructions.push({ keyword, args });
  }
  return stages;
}

function all(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

// ENV accepts `K=V K2=V2` (and the legacy `K V`).
function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const args of all(stage, 'ENV')) {
    if (!args.includes('=')) {
      const [k, ...rest] = args.split(/\s+/);
      env[k ?? ''] = rest.join(' ');
      continue;
    }
    for (const pair of args.match(/\S+=("[^"]*"|\S*)/g) ?? []) {
      const eq = pair.indexOf('=');
      env[pair.slice(0, eq)] = pair.slice(eq + 1).replace(/^"|"$/g, '');
    }
  }
  return env;
}

// `COPY --from=stage src dest` -> {from, src, dest}
function copiesFrom(stage: Stage): { from: string; src: string; dest: string }[] {
  return all(stage, 'COPY')
    .map((args) => /--from=(\S+)\s+(\S+)\s+(\S+)/.exec(args))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ from: m[1] ?? '', src: m[2] ?? '', dest: m[3] ?? '' }));
}

const stages = parseDockerfile(readFileSync(join(repo, 'Dockerfile'), 'utf8'));
const final = stages.at(-1) as Stage;
const byName = (name: string) => stages.find((s) => s.name === name);

describe('Dockerfile parser', () => {
  it('joins continued lines, skips comments and groups by stage', () => {
    // Guards the checks below against a parser that silently sees nothing.
    const parsed = parseDockerfile(
      ['# syntax=docker/dockerfile:1', 'FROM a:1 AS one', 'RUN x \\', '  # inner comment', '  && y', 'FROM b:2', 'USER 7'].join(
        '\n',
      ),
    );
    expect(parsed).toEqual([
      { image: 'a:1', name: 'one', instructions: [{ keyword: 'RUN', args: 'x && y' }] },
      { image: 'b:2', name: undefined, instructions: [{ keyword: 'USER', args: '7' }] },
    ]);
  });
});

describe('Dockerfile', () => {
  it('is multi-stage and every base image is Node.js 24', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) {
      expect(s.image).toMatch(/^(docker\.io\/(library\/)?)?node:24(-[a-z0-9.-]+)?(@sha256:[a-f0-9]{64})?$|^gcr\.io\/distroless\/nodejs24-/);
    }
  });

  it('builds with all dependencies in a builder stage and ships its dist/', () => {
    const builder = byName('builder');
    expect(builder).toBeDefined();
    const runs = all(builder as Stage, 'RUN').join('\n');
    expect(runs).toMatch(/\bnpm ci\b/);
    expect(runs).not.toMatch(/--omit=dev/);
    expect(runs).toMatch(/\bnpm run build\b/);
    expect(copiesFrom(final)).toContainEqual(expect.objectContaining({ from: 'builder', src: '/app/dist' }));
  });

  it('ships production dependencies only (npm ci --omit=dev)', () => {
    const nodeModules = copiesFrom(final).filter((c) => c.src.endsWith('node_modules'));
    expect(nodeModules).toHaveLength(1);
    const source = byName(nodeModules[0]?.from ?? '');
    expect(source).toBeDefined();
    expect(all(source as Stage, 'RUN').join('\n')).toMatch(/\bnpm ci\b[^\n]*--omit=dev/);
    // No other install in the runtime stage that could pull dev dependencies back in.
    for (const run of all(final, 'RUN')) {
      expect(run).not.toMatch(/\bnpm (ci|install|i)\b/);
    }
    // ESM: dist/*.js need package.json's "type": "module" next to them.
    expect(copiesFrom(final).some((c) => c.src.endsWith('package.json'))).toBe(true);
  });

  it('runs as the non-root user 65532', () => {
    const users = all(final, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const last = users.at(-1) as string;
    expect(last.split(':')[0]).toBe('65532');
    // The USER must come after the last RUN, or a later RUN would still run as root, and
    // nothing must switch back.
    const keywords = final.instructions.map((i) => i.keyword);
    expect(keywords.lastIndexOf('USER')).toBeGreaterThan(keywords.lastIndexOf('RUN'));
  });

  it('starts node dist/main.js in exec form', () => {
    const entry = all(final, 'ENTRYPOINT');
    expect(entry).toHaveLength(1);
    expect(JSON.parse(entry[0] as string)).toEqual(['node', 'dist/main.js']);
    expect(all(final, 'CMD')).toEqual([]);
  });

  it('is ready for a read-only root file system', () => {
    const env = envOf(final);
    expect(env.NODE_ENV).toBe('production');
    // Anything that writes under $HOME lands on the /tmp emptyDir the chart mounts.
    expect(env.HOME).toBe('/tmp');
    expect(all(final, 'VOLUME')).toEqual([]);
  });

  it('keeps node_modules, dist and .git out of the build context', () => {
    const ignored = readFileSync(join(repo, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const entry of ['node_modules', 'dist', '.git']) {
      expect(ignored).toContain(entry);
    }
    // What the builder COPYs must not be ignored.
    for (const needed of ['src', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) {
      expect(ignored).not.toContain(needed);
    }
  });
});
