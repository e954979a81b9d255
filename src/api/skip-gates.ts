// Skipping a gate once: "the campaign ended, there is one stuck call, power off now". It lives in
// the annotation SKIP_GATES_ANNOTATION as JSON next to the powerState change (acdctl power off
// --skip-gate), is consumed by the Off transition whose gates it names, and is then removed by the
// operator: a skip is for one Off, never a standing exception. A reason is required, for the record.
import { z } from 'zod';
import { readJsonAnnotation } from './json-annotation.js';
import { SKIP_GATES_ANNOTATION } from './names.js';

export const SkipGatesSchema = z
  .object({
    gates: z.array(z.string().min(1).max(63)).min(1).max(10).describe('Names of spec.gates.beforeOff gates.'),
    reason: z.string().min(1).max(200).describe('Why: recorded in status and in the GateSkipped event.'),
    by: z.string().max(253).optional().describe('Who (acdctl fills in the kubeconfig user).'),
  })
  .strict();
export type SkipGates = z.output<typeof SkipGatesSchema>;

/** The annotation read: absent, a skip, or why it cannot be used; `raw` is its value as found. */
export type SkipGatesRead =
  | { skip?: never; invalid?: never; raw?: never }
  | { skip: SkipGates; invalid?: never; raw: string }
  | { skip?: never; invalid: string; raw: string };

export function readSkipGates(annotations: Readonly<Record<string, string>> | undefined): SkipGatesRead {
  const read = readJsonAnnotation(annotations, SKIP_GATES_ANNOTATION, SkipGatesSchema);
  if (read.value) return { skip: read.value, raw: read.raw };
  return read.invalid !== undefined ? { invalid: read.invalid, raw: read.raw } : {};
}

/** The annotation's value for a skip (what acdctl writes). */
export const formatSkipGates = (s: SkipGates): string => JSON.stringify(SkipGatesSchema.parse(s));
