/** Request fields every service reads the same way: pages, JSON text, field names in errors. */
import { CnnError, isCnnError, type ErrorCode } from '../../errors.js';

export const MAX_PAGE_LIMIT = 100;
export const DEFAULT_PAGE_LIMIT = 20;

/** `limit` (0 = default) and `cursor` ('' = first page) with the same bounds as REST. */
export function pageOf(req: { limit: number; cursor: string }): { limit: number; cursor?: string } {
  const limit = req.limit === 0 ? DEFAULT_PAGE_LIMIT : req.limit;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new CnnError('VALIDATION_FAILED', `limit must be an integer from 1 to ${MAX_PAGE_LIMIT} (0 for ${DEFAULT_PAGE_LIMIT})`, 'limit');
  }
  if (req.cursor !== '' && !/^\d{1,9}$/.test(req.cursor)) throw new CnnError('VALIDATION_FAILED', 'cursor must be a value returned as next_cursor', 'cursor');
  return { limit, ...(req.cursor !== '' ? { cursor: req.cursor } : {}) };
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
