// A hand-written SVG Gantt chart: one row per VM, bars for Starting / Running / Stopping as the VM
// watch saw them, a tick where the VM was commanded; one panel per side (baseline, virtctl, operator).
import type { Sample } from './recorder.js';

export interface Panel {
  title: string;
  t0: number;
  t1: number;
  vms: string[];
  samples: (vm: string) => Sample[];
  commands: (vm: string) => number[];
  marks?: { t: number; label: string }[];
}

const COLORS: Record<string, string> = { Starting: '#f0a030', Running: '#3a9a50', Stopping: '#d04a3a' };
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function gantt(panels: Panel[], caption: string): string {
  const W = 1200,
    LABEL = 130,
    ROW = 16,
    HEAD = 34,
    GAP = 26,
    RIGHT = 20;
  const span = Math.max(...panels.map((p) => p.t1 - p.t0));
  const x = (ms: number) => LABEL + (ms / span) * (W - LABEL - RIGHT);
  const out: string[] = [];
  let y = 28;
  out.push(`<text x="10" y="18" font-size="14" font-weight="bold">${esc(caption)}</text>`);
  for (const p of panels) {
    out.push(`<text x="10" y="${y + 14}" font-size="13" font-weight="bold">${esc(p.title)}</text>`);
    const top = y + HEAD - 12;
    // Time grid every 5 s.
    for (let s = 0; s * 1000 <= span; s += 5) {
      const gx = x(s * 1000).toFixed(1);
      out.push(`<line x1="${gx}" y1="${top - 4}" x2="${gx}" y2="${top + p.vms.length * ROW}" stroke="#ddd"/>`);
      out.push(`<text x="${gx}" y="${top - 6}" font-size="9" text-anchor="middle" fill="#666">${s}s</text>`);
    }
    const bottom = top + p.vms.length * ROW;
    for (const m of p.marks ?? []) {
      const mx = x(m.t - p.t0).toFixed(1);
      out.push(`<line x1="${mx}" y1="${top - 4}" x2="${mx}" y2="${bottom}" stroke="#333" stroke-dasharray="3,3"/>`);
      out.push(`<text x="${mx}" y="${bottom + 11}" font-size="9" text-anchor="middle">${esc(m.label)}</text>`);
    }
    p.vms.forEach((vm, i) => {
      const ry = top + i * ROW;
      const labelAttrs = `x="${LABEL - 6}" y="${ry + 11}" font-size="10" text-anchor="end" font-family="monospace"`;
      out.push(`<text ${labelAttrs}>${esc(vm)}</text>`);
      const ss = p.samples(vm);
      // The state in force at t0 is the last sample before it.
      const before = ss.filter((s) => s.t < p.t0).at(-1);
      const seq = [...(before ? [{ ...before, t: p.t0 }] : []), ...ss.filter((s) => s.t >= p.t0 && s.t <= p.t1)];
      seq.forEach((s, k) => {
        const end = k + 1 < seq.length ? seq[k + 1]!.t : p.t1;
        const color = s.status === 'Running' && !s.ready ? COLORS.Starting : COLORS[s.status];
        if (!color || end <= s.t) return;
        const width = Math.max(0.5, x(end - p.t0) - x(s.t - p.t0)).toFixed(1);
        const during = `${((s.t - p.t0) / 1000).toFixed(2)}-${((end - p.t0) / 1000).toFixed(2)} s`;
        const title = esc(`${vm} ${s.status}${s.ready ? ' ready' : ''} ${during}`);
        out.push(
          `<rect x="${x(s.t - p.t0).toFixed(1)}" y="${ry + 2}" width="${width}" height="${ROW - 4}" fill="${color}">` +
            `<title>${title}</title></rect>`,
        );
      });
      for (const c of p.commands(vm)) {
        const cx = x(c - p.t0).toFixed(1);
        out.push(`<line x1="${cx}" y1="${ry}" x2="${cx}" y2="${ry + ROW}" stroke="#000" stroke-width="1.5"/>`);
      }
    });
    y = top + p.vms.length * ROW + GAP;
  }
  const legend = Object.entries({ ...COLORS, 'command (spec flip)': '#000' });
  legend.forEach(([name, color], i) => {
    out.push(
      `<rect x="${LABEL + i * 170}" y="${y - 4}" width="12" height="10" fill="${color}"/>` +
        `<text x="${LABEL + i * 170 + 16}" y="${y + 5}" font-size="11">${esc(name)}</text>`,
    );
  });
  const H = y + 20;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="#fff"/>\n${out.join('\n')}\n</svg>\n`;
}
