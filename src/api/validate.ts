// Run-time validation of a stored spec: zod for shape and defaults, then the same cross-field
// rules the CRD enforces in CEL. Returns messages a person can act on, never throws.
import type { z } from 'zod';
import { SpecSchema, type AcdClusterSpec } from './spec.js';
import {
  MACHINE_RULE_LIST,
  MACHINES_RULE_LIST,
  MYSQL_TLS_RULE_LIST,
  SCHEDULE_EXCEPTION_RULE_LIST,
  SCHEDULE_RULE_LIST,
  SPEC_RULE_LIST,
} from './rules.js';

export type SpecResult = { ok: true; spec: AcdClusterSpec } | { ok: false; errors: string[] };

export function validateSpec(raw: unknown): SpecResult {
  const parsed = SpecSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.map(formatIssue) };
  const spec = parsed.data;
  const errors: string[] = [];
  spec.machines.forEach((m, i) => {
    for (const r of MACHINE_RULE_LIST) if (!r.check(m)) errors.push(`spec.machines[${i}] (${m.vm}): ${r.message}`);
  });
  for (const r of MACHINES_RULE_LIST) if (!r.check(spec.machines)) errors.push(`spec.machines: ${r.message}`);
  for (const r of MYSQL_TLS_RULE_LIST)
    if (!r.check(spec.health.mysql.tls)) errors.push(`spec.health.mysql.tls: ${r.message}`);
  for (const r of SPEC_RULE_LIST) if (!r.check(spec)) errors.push(`spec: ${r.message}`);
  errors.push(...scheduleErrors(spec.schedule));
  return errors.length ? { ok: false, errors } : { ok: true, spec };
}

function scheduleErrors(schedule: AcdClusterSpec['schedule']): string[] {
  if (!schedule) return [];
  const errors = SCHEDULE_RULE_LIST.filter((r) => !r.check(schedule)).map((r) => r.message);
  schedule.exceptions?.forEach((e, i) => {
    for (const r of SCHEDULE_EXCEPTION_RULE_LIST)
      if (!r.check(e)) errors.push(`spec.schedule.exceptions[${i}]: ${r.message}`);
  });
  return errors;
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const path = ['spec', ...issue.path.map(String)].join('.');
  return `${path}: ${issue.message}`;
}
