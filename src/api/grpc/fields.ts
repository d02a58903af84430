/** Request fields every service reads the same way: pages, JSON text, field names in errors. */
import { CnnError, isCnnError, type ErrorCode } from '../../errors.js';
import { checkPage, DEFAULT_PAGE_LIMIT } from '../../service/auth.js';

/** `limit` (0 = default) and `cursor` ('' = first page), checked as REST checks them. */
export function pageOf(req: { limit: number; cursor: string }): { limit: number; cursor?: string } {
  return checkPage(req.limit === 0 ? DEFAULT_PAGE_LIMIT : req.limit, req.cursor === '' ? undefined : req.cursor);
}

/** A JSON text field of a request, parsed; bad JSON is reported at that field. */
export function parseJsonField(text: string, field: string, code: ErrorCode = 'VALIDATION_FAILED'): unknown {
  if (text.trim() === '') throw new CnnError(code, `${field} is required (JSON text)`, field);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CnnError(code, `${field} is not valid JSON: ${(e as Error).message}`, field);
  }
}

/**
 * The service names fields as REST spells them (`topK`, `classNames`,
 * `Idempotency-Key`); errors at those fields, or inside them, are reported
 * with the proto field's name instead (`top_k`, `spec_json.layers[2]`).
 */
export async function withFieldNames<T>(names: Record<string, string>, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    if (isCnnError(e) && e.path !== undefined) {
      const head = /^[^.[]+/.exec(e.path)?.[0] ?? '';
      const renamed = names[head];
      if (renamed !== undefined) throw new CnnError(e.code, e.reason, renamed + e.path.slice(head.length), e.details);
    }
    throw e;
  }
}
