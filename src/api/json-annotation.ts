// An annotation holding JSON that a zod schema describes (the override, a one-shot gate skip):
// absent, its value, or why it cannot be used, with `raw` as found, so that the operator can remove
// exactly that value later (a JSON-patch test) and a garbled one is reported, never a crash.
import type { z } from 'zod';

export type JsonAnnotationRead<T> =
  | { value?: never; invalid?: never; raw?: never }
  | { value: T; invalid?: never; raw: string }
  | { value?: never; invalid: string; raw: string };

export function readJsonAnnotation<S extends z.ZodType>(
  annotations: Readonly<Record<string, string>> | undefined,
  key: string,
  schema: S,
): JsonAnnotationRead<z.output<S>> {
  const raw = annotations?.[key];
  if (raw === undefined) return {};
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { invalid: `annotation ${key} is not JSON`, raw };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { value: parsed.data, raw };
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  return { invalid: `annotation ${key}: ${problems.join('; ')}`, raw };
}
