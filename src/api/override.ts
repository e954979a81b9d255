// A power override: "keep this ACD On until 18:00 for the campaign", without a Git commit. It lives
// in the annotation OVERRIDE_ANNOTATION as JSON, beats spec.schedule until `until`, and is then
// ignored and removed by the operator. `until` is required: an override that never ends is what
// kube-downscaler's `exclude` became, and what this design rules out.
import { z } from 'zod';
import { readJsonAnnotation } from './json-annotation.js';
import { OVERRIDE_ANNOTATION } from './names.js';

export const OverrideSchema = z
  .object({
    powerState: z.enum(['On', 'Off']),
    until: z.iso.datetime({ offset: true }).describe('RFC 3339; the override ends at this instant.'),
    reason: z.string().max(200).optional(),
    by: z.string().max(253).optional().describe('Who set it (acdctl fills in the kubeconfig user).'),
  })
  .strict();
export type Override = z.output<typeof OverrideSchema>;

/** The annotation read: absent, an override, or why it cannot be used; `raw` is its value as found. */
export type OverrideRead =
  | { override?: never; invalid?: never; raw?: never }
  | { override: Override; invalid?: never; raw: string }
  | { override?: never; invalid: string; raw: string };

export function readOverride(annotations: Readonly<Record<string, string>> | undefined): OverrideRead {
  const read = readJsonAnnotation(annotations, OVERRIDE_ANNOTATION, OverrideSchema);
  if (read.value) return { override: read.value, raw: read.raw };
  return read.invalid !== undefined ? { invalid: read.invalid, raw: read.raw } : {};
}

/** The annotation's value for an override (what acdctl writes). */
export const formatOverride = (o: Override): string => JSON.stringify(OverrideSchema.parse(o));
