// Parses the Dockerfile and checks what the Helm chart and the security review rely on: node 24
// bases, production dependencies only, non-root 65532, entry point dist/main.js. It runs in
// milliseconds and needs no container tools; test/e2e/image.test.ts builds and runs the image
// itself (buildah/podman, on local substitutes for the node bases).
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
  /** The base as written, e.g. `${NODE_IMAGE}`. */
  from: string;
  /** The base with global ARGs replaced by their defaults: what a plain `docker build .` pulls. */
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

interface Dockerfile {
  /** ARGs before the first FROM, with their defaults. */
  args: Record<string, string | undefined>;
  stages: Stage[];
}

// Minimal Dockerfile reader: drops comments (also inside continued lines, as BuildKit does),
// joins lines ending in a backslash, and groups instructions by FROM. ARGs before the first FROM
// are the global build args that FROM lines may use.
function parseDockerfile(text: string): Dockerfile {
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
  const args: Record<string, string | undefined> = {};
  for (const entry of logical) {
    if (entry === '') {
      continue;
    }
    const m = /^(\S+)\s*(.*)$/s.exec(entry);
    if (!m) {
      continue;
    }
    const keyword = (m[1] ?? '').toUpperCase();
    const rest = m[2] ?? '';
    if (keyword === 'FROM') {
      const from = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!from) {
        throw new Error(`cannot parse FROM ${rest}`);
      }
      const raw = from[1] ?? '';
      const image = raw.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a: string | undefined, b: string | undefined) => {
        const name = a ?? b ?? '';
        const value = args[name];
        if (value === undefined) {
          throw new Error(`FROM ${raw} uses ${name}, which no ARG before the first FROM gives a default`);
        }
        return value;
      });
      stages.push({ from: raw, image, name: from[2], instructions: [] });
      continue;
    }
    const current = stages.at(-1);
    if (current === undefined) {
      if (keyword !== 'ARG') {
        throw new Error(`${keyword} before the first FROM`);
      }
      const arg = /^(\w+)(?:=(.*))?$/.exec(rest);
      if (!arg) {
        throw new Error(`cannot parse ARG ${rest}`);
      }
      args[arg[1] ?? ''] = arg[2]?.replace(/^"|"$/g, '');
      continue;
    }
    current.instructions.push({ keyword, args: rest });
  }
  return { args, stages };
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

const dockerfile = parseDockerfile(readFileSync(join(repo, 'Dockerfile'), 'utf8'));
const stages = dockerfile.stages;
const final = stages.at(-1) as Stage;
const byName = (name: string) => stages.find((s) => s.name === name);

describe('Dockerfile parser', () => {
  it('joins continued lines, skips comments and groups by stage', () => {
    // Guards the checks below against a parser that silently sees nothing.
    const parsed = parseDockerfile(
      [
        '# syntax=docker/dockerfile:1',
        'ARG BASE=b:2',
        'FROM a:1 AS one',
        'RUN x \\',
        '  # inner comment',
        '  && y',
        'FROM ${BASE}',
        'USER 7',
      ].join('\n'),
    );
    expect(parsed).toEqual({
      args: { BASE: 'b:2' },
      stages: [
        { from: 'a:1', image: 'a:1', name: 'one', instructions: [{ keyword: 'RUN', args: 'x && y' }] },
        { from: '${BASE}', image: 'b:2', name: undefined, instructions: [{ keyword: 'USER', args: '7' }] },
      ],
    });
  });

  it('rejects a FROM that uses an ARG without a default', () => {
    expect(() => parseDockerfile('ARG BASE\nFROM ${BASE}')).toThrow(/BASE/);
    expect(() => parseDockerfile('FROM $OTHER')).toThrow(/OTHER/);
  });
});

describe('Dockerfile', () => {
  it('is multi-stage and every base image is Node.js 24', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    // By the build args' defaults, i.e. what a release build without --build-arg uses.
    for (const s of stages) {
      expect(s.image).toMatch(
        /^(docker\.io\/(library\/)?)?node:24(-[a-z0-9.-]+)?(@sha256:[a-f0-9]{64})?$|^gcr\.io\/distroless\/nodejs24-/,
      );
    }
  });

  it('takes its bases from build args that default to the official node:24 images', () => {
    // hack/build-image.sh overrides exactly these two with its local substitutes.
    expect(dockerfile.args).toEqual({ NODE_IMAGE: 'node:24', NODE_SLIM_IMAGE: 'node:24-slim' });
    expect(byName('builder')?.from).toBe('${NODE_IMAGE}');
    expect(final.from).toBe('${NODE_SLIM_IMAGE}');
  });

  it('hands a build-time CA to npm as a secret mount only, never in a layer or the config', () => {
    for (const s of stages) {
      for (const i of s.instructions) {
        if (/NODE_EXTRA_CA_CERTS/.test(i.args)) {
          // Only inside a RUN that mounts the secret, so it lives as long as that command.
          expect(i.keyword).toBe('RUN');
          expect(i.args).toMatch(/^--mount=type=secret,id=npm_ca\s/);
        }
      }
      expect(all(s, 'ENV').join('\n')).not.toMatch(/NODE_EXTRA_CA_CERTS|npm_ca/);
      expect(all(s, 'COPY').join('\n')).not.toMatch(/\.(crt|pem)\b|npm_ca/);
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
