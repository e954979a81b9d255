export { freePort } from '../services/proc.js';

/** Ports on 127.0.0.1 that something listens on (from /proc/net/tcp), to prove a teardown. */
export async function listeningPorts(): Promise<Set<number>> {
  const { readFile } = await import('node:fs/promises');
  const out = new Set<number>();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(f, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A' && cols[1]) out.add(parseInt(cols[1].split(':')[1] ?? '0', 16));
    }
  }
  return out;
}
