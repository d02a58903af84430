/**
 * Turns a zod failure into the service's error: the first issue, with its
 * JSON path and a message that says what was expected.
 */
import type { z } from 'zod';
import { CnnError, formatPath, type ErrorCode } from '../errors.js';

export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  opts: { code?: ErrorCode; pathPrefix?: string } = {},
): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new CnnError(opts.code ?? 'VALIDATION_FAILED', describeIssue(issue), joinPath(opts.pathPrefix, formatPath(issue.path)) || undefined);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}; remove them`;
    case 'invalid_union':
      return issue.message;
    default:
      return issue.message;
  }
}

/** `model.spec` + `layers[2].kernelSize` → `model.spec.layers[2].kernelSize`; `items` + `[0]` → `items[0]`. */
export function joinPath(prefix: string | undefined, path: string | undefined): string {
  if (!prefix) return path ?? '';
  if (!path) return prefix;
  return path.startsWith('[') ? prefix + path : `${prefix}.${path}`;
}
